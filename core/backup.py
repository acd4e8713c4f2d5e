"""Backup and restore of a whole installation: the database and every stored file, in one archive.

The archive is a zip file (it opens anywhere, also on the office's Windows machines) holding

- `data.jsonl`: every row of every table, through Django's serializers — portable between
  SQLite and PostgreSQL, unlike an engine's own dump — taken in one read transaction, so it is
  a consistent picture of one moment even while people keep working;
- `files/…`: every file of the private file store (evidence, job uploads and results), read
  through the storage API, so a backup of an installation on object storage holds every object
  and restores into one on local disk, or the other way round;
- `audit-checkpoint.jsonl`: the copies of the audit chain head kept outside the database;
- `manifest.json`: what the archive must hold: the SHA-256 and size of every member, the rows
  per model, the applied migrations and the audit chain head at the moment of the dump.

A restore checks every hash before it touches anything, loads into an empty installation only,
in one transaction, and commits only once the audit chain verifies.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core.files.base import File
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from core import files as private_files
from core.audit import checkpoint_path, verify_chain
from core.scoping import unscoped_reads

FORMAT = "rectify-backup/1"
MANIFEST = "manifest.json"
DATA = "data.jsonl"
CHECKPOINT = "audit-checkpoint.jsonl"
FILES = "files/"
# Rebuilt by `migrate` on every installation, with ids of its own (rows that point at them are
# written with natural keys, see core.serializers_exact). Sessions are sign-ins of the moment,
# and the backup records describe archives, not the installation.
EXCLUDED = ("contenttypes", "auth.permission", "sessions", "core.backuprecord")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason a person can act on."""


@dataclass(frozen=True)
class Summary:
    path: Path
    rows: int
    files: int
    size: int
    chain_seq: int


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _stored_files() -> Iterator[str]:
    # Half-written local uploads (tmp/) are not records yet; core.files.walk leaves them out.
    yield from private_files.walk()


def _copy_hashed(source: IO[bytes], target: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while block := source.read(CHUNK):
        digest.update(block)
        size += len(block)
        target.write(block)
    return digest.hexdigest(), size


def _applied_migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _model_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in EXCLUDED or model._meta.app_label in EXCLUDED or model._meta.proxy:
            continue
        if not model._meta.managed:
            continue
        counts[label] = model._base_manager.using(connection.alias).count()
    return counts


def _chain_head() -> dict[str, Any]:
    from core.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).values("seq", "last_hash").first()
    return {"seq": head["seq"], "hash": head["last_hash"]} if head else {"seq": 0, "hash": ""}


def _snapshot() -> None:
    """Make the open transaction read one moment of the database."""
    # Only the outermost block opens the transaction; inside a caller's own transaction (a
    # test's, say) the level is already set and PostgreSQL refuses to change it.
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def default_name() -> str:
    return f"rectify-backup-{timezone.localtime():%Y%m%d-%H%M%S}.zip"


@unscoped_reads("a backup reads the whole database")
def create_backup(target: Path) -> Summary:
    """Write the archive to `target`: a file named *.zip, or a folder (made if need be) to put
    a dated archive in."""
    if target.is_dir() or target.suffix.lower() != ".zip":
        target.mkdir(parents=True, exist_ok=True)
        target = target / default_name()
    if target.exists():
        raise BackupError(f"{target} exists already; a backup never overwrites one")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    members: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="rectify-backup-") as tmp:
        dump = Path(tmp) / DATA
        with transaction.atomic():
            _snapshot()
            call_command(
                "dumpdata",
                format="exactjsonl",
                exclude=list(EXCLUDED),
                output=str(dump),
                verbosity=0,
            )
            counts = _model_counts()
            head = _chain_head()
            migrations = _applied_migrations()
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                archive.write(dump, DATA)
                members[DATA] = {"sha256": _sha256_file(dump), "size": dump.stat().st_size}
                checkpoints = checkpoint_path()
                if checkpoints.exists():
                    archive.write(checkpoints, CHECKPOINT)
                    members[CHECKPOINT] = {
                        "sha256": _sha256_file(checkpoints),
                        "size": checkpoints.stat().st_size,
                    }
                file_count = 0
                storage = private_files.private_storage()
                for relative in _stored_files():
                    name = FILES + relative
                    with (
                        storage.open(relative, "rb") as source,
                        archive.open(name, "w", force_zip64=True) as member,
                    ):
                        sha, size = _copy_hashed(source, member)
                    members[name] = {"sha256": sha, "size": size}
                    file_count += 1
                manifest = {
                    "format": FORMAT,
                    "created_at": timezone.now().isoformat(),
                    "database": connection.vendor,
                    "migrations": migrations,
                    "rows": counts,
                    "audit_chain_head": head,
                    "members": members,
                }
                archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    size = target.stat().st_size
    _record(target, size, sum(counts.values()), file_count, head["seq"])
    return Summary(target, sum(counts.values()), file_count, size, head["seq"])


def _record(target: Path, size: int, rows: int, files: int, seq: int) -> None:
    from core.models import BackupRecord

    BackupRecord.objects.create(
        file_name=target.name,
        size=size,
        sha256=_sha256_file(target),
        rows=rows,
        files=files,
        chain_seq=seq,
    )


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError as exc:
        raise BackupError("not a Rectify backup: the archive has no manifest") from exc
    except ValueError as exc:
        raise BackupError("the backup's manifest is unreadable") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a Rectify backup of a format this version reads")
    return manifest


def check_archive(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Every member the manifest names is there with its hash; nothing else is."""
    names = set(archive.namelist()) - {MANIFEST}
    expected = set(manifest["members"])
    if names != expected:
        missing = sorted(expected - names)[:3]
        extra = sorted(names - expected)[:3]
        raise BackupError(
            f"the archive does not match its manifest (missing {missing}, extra {extra})"
        )
    for name, meta in manifest["members"].items():
        if name.startswith("/") or ".." in Path(name).parts:
            raise BackupError(f"unsafe path in the archive: {name}")
        digest = hashlib.sha256()
        with archive.open(name) as member:
            while block := member.read(CHUNK):
                digest.update(block)
        if digest.hexdigest() != meta["sha256"]:
            raise BackupError(f"{name} is damaged: its SHA-256 differs from the manifest")


def _installation_is_empty() -> bool:
    counts = _model_counts()
    head = _chain_head()
    return head["seq"] == 0 and not any(
        n for label, n in counts.items() if label != "core.auditchainhead"
    )


@unscoped_reads("a restore writes and verifies the whole database")
def restore_backup(source: Path) -> Summary:
    """Bring an archive back into an empty, migrated installation."""
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"cannot read {source}: not a zip archive") from exc
    with archive:
        manifest = read_manifest(archive)
        check_archive(archive, manifest)
        ours = _applied_migrations()
        theirs = manifest["migrations"]
        if theirs != ours:
            newer = sorted({tuple(m) for m in theirs} - {tuple(m) for m in ours})
            raise BackupError(
                "the backup was made by another version: migrations differ "
                f"({len(newer)} unknown here, e.g. {newer[:2]}); run `manage.py migrate` "
                "with the version that made it"
            )
        if not _installation_is_empty():
            raise BackupError("restore needs an empty installation: this one holds records")
        storage = private_files.private_storage()
        written: list[str] = []
        with tempfile.TemporaryDirectory(prefix="rectify-restore-") as tmp:
            # loaddata reads the format from the file's extension.
            dump = Path(tmp) / "data.exactjsonl"
            with archive.open(DATA) as member, dump.open("wb") as out:
                shutil.copyfileobj(member, out, CHUNK)
            try:
                with transaction.atomic():
                    call_command("loaddata", str(dump), verbosity=0)
                    result = verify_chain()
                    if not result.ok:
                        raise BackupError("the restored audit chain does not verify")
                    counts = _model_counts()
                    if counts != manifest["rows"]:
                        differ = sorted(k for k in counts if counts[k] != manifest["rows"].get(k))
                        raise BackupError(f"rows restored differ from the manifest: {differ[:5]}")
                    # Files last inside the transaction: if one cannot be written, the rows go
                    # back too, and the files written so far are removed below.
                    for name in manifest["members"]:
                        if not name.startswith(FILES):
                            continue
                        target = name[len(FILES) :]
                        if storage.exists(target):
                            continue
                        with archive.open(name) as member, tempfile.TemporaryFile() as spool:
                            shutil.copyfileobj(member, spool, CHUNK)
                            spool.seek(0)
                            private_files.save(target, File(spool, name=posixpath.basename(target)))
                        written.append(target)
            except Exception:
                for target in written:
                    storage.delete(target)
                raise
        if CHECKPOINT in manifest["members"]:
            checkpoints = checkpoint_path()
            checkpoints.parent.mkdir(parents=True, exist_ok=True)
            data = archive.read(CHECKPOINT)
            existing = checkpoints.read_bytes() if checkpoints.exists() else b""
            if not data.startswith(existing):
                # The installation's own copies say something else: keep them beside.
                checkpoints.rename(checkpoints.with_suffix(".before-restore.jsonl"))
            checkpoints.write_bytes(data)
    files = sum(1 for name in manifest["members"] if name.startswith(FILES))
    return Summary(
        source,
        sum(manifest["rows"].values()),
        files,
        source.stat().st_size,
        manifest["audit_chain_head"]["seq"],
    )


def describe(summary: Summary) -> str:
    return (
        f"{summary.path}: {summary.rows} rows, {summary.files} files, "
        f"{summary.size / 1024 / 1024:.1f} MB, audit chain at event #{summary.chain_seq}"
    )
