"""Backup and restore: one archive brings a whole installation back, on either database.

The round trip runs the real commands in their own processes, each against an installation of
its own: the demo college, and generated records, each on SQLite, restored into an empty PostgreSQL
database, backed up there and restored into an empty SQLite database. Rows, files and the audit
chain must come back identical — the same bytes of data, the same file hashes, the same head —
and `verify_audit` must pass against the checkpoints carried in the archive.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from core.backup import DATA, FILES, MANIFEST, BackupError, create_backup, restore_backup
from core.models import BackupRecord

ROOT = Path(__file__).resolve().parents[2]
# The server of the PostgreSQL run (any database on it serves to create and drop ours).
PG_URL = (
    os.environ["DATABASE_URL"]
    if os.environ.get("DATABASE_URL", "").startswith("postgres")
    else os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
)


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "FAST_PASSWORD_HASHER": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def _install(tmp: Path, name: str, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "PRIVATE_STORAGE_ROOT": str(tmp / f"{name}-files"),
        "AUDIT_CHECKPOINT_PATH": str(tmp / f"{name}-checkpoint.jsonl"),
    }


def _fresh_postgres_database(name: str) -> str:
    psycopg = pytest.importorskip("psycopg")
    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{name}"


def _drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(MANIFEST))


def _data(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(DATA)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres")
    and os.environ.get("BACKUP_ROUND_TRIP_ON_SQLITE") != "1",
    reason="the round trip starts installations of its own on both databases; `make test` runs "
    "it once, in its PostgreSQL run (BACKUP_ROUND_TRIP_ON_SQLITE=1 here)",
)
@pytest.mark.parametrize("records", ["demo", "generated"])
def test_round_trip_sqlite_postgresql_sqlite(tmp_path: Path, records: str) -> None:
    pg_name = f"rectify_backup_round_trip_{records}"
    a = _install(tmp_path, "a", f"sqlite:///{tmp_path / 'a.sqlite3'}")
    b = _install(tmp_path, "b", _fresh_postgres_database(pg_name))
    c = _install(tmp_path, "c", f"sqlite:///{tmp_path / 'c.sqlite3'}")
    try:
        _manage(a, "migrate", "--no-input", "-v", "0")
        if records == "demo":
            _manage(a, "load_demo", "--quiet")
        else:
            _manage(a, "generate_data", "--measures", "100")
        # Evidence of the demo is on disk; one more file outside any record's name is kept too.
        extra = Path(a["PRIVATE_STORAGE_ROOT"]) / "exports" / "说明.txt"
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_text("整改台账导出", encoding="utf-8")
        _manage(a, "audit_checkpoint")

        _manage(a, "backup", str(tmp_path / "a.zip"))
        _manage(b, "restore", str(tmp_path / "a.zip"))
        _manage(b, "backup", str(tmp_path / "b.zip"))
        # Verified after its backup: a verification is recorded, a row the archive must not
        # have for the comparison below.
        out = _manage(b, "verify_audit", "--checkpoint", b["AUDIT_CHECKPOINT_PATH"])
        assert "Audit chain intact" in out and "1 checkpoints agree" in out
        _manage(c, "restore", str(tmp_path / "b.zip"))
        _manage(c, "backup", str(tmp_path / "c.zip"))
        out = _manage(c, "verify_audit", "--checkpoint", c["AUDIT_CHECKPOINT_PATH"])
        assert "Audit chain intact" in out
    finally:
        _drop_postgres_database(pg_name)

    first, second, third = (_manifest(tmp_path / f"{n}.zip") for n in "abc")
    assert first["database"] == "sqlite" and second["database"] == "postgresql"
    assert first["rows"]["ledger.measure"] >= (100 if records == "generated" else 20)
    assert first["rows"] == second["rows"] == third["rows"]
    assert first["audit_chain_head"]["seq"] > 0
    assert first["audit_chain_head"] == second["audit_chain_head"] == third["audit_chain_head"]
    # The same rows give the same bytes from either database.
    assert _data(tmp_path / "a.zip") == _data(tmp_path / "b.zip") == _data(tmp_path / "c.zip")
    files = {k: v for k, v in first["members"].items() if k.startswith(FILES)}
    assert len(files) > 1 and "files/exports/说明.txt" in files
    for manifest in (second, third):
        assert {k: v for k, v in manifest["members"].items() if k.startswith(FILES)} == files
    # Every restored file on disk is the byte-identical file of the first installation.
    restored = Path(c["PRIVATE_STORAGE_ROOT"]) / "exports" / "说明.txt"
    assert restored.read_text(encoding="utf-8") == "整改台账导出"


@pytest.mark.django_db
def test_backup_records_itself_and_never_overwrites(tmp_path: Path, settings: Any) -> None:
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "files"
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "checkpoint.jsonl"
    target = tmp_path / "backup.zip"
    summary = create_backup(target)
    assert summary.rows > 0 and target.exists()
    record = BackupRecord.objects.get()
    assert record.file_name == "backup.zip" and record.size == target.stat().st_size
    with pytest.raises(BackupError, match="never overwrites"):
        create_backup(target)
    # A folder gets a dated archive of its own.
    assert create_backup(tmp_path).path.name.startswith("rectify-backup-")


@pytest.mark.django_db
def test_restore_refuses_an_installation_that_holds_records(tmp_path: Path, settings: Any) -> None:
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "files"
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "checkpoint.jsonl"
    target = create_backup(tmp_path / "backup.zip").path
    before = BackupRecord.objects.count()
    with pytest.raises(BackupError, match="empty installation"):
        restore_backup(target)
    assert BackupRecord.objects.count() == before


def _rewrite(source: Path, target: Path, change: Any) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        manifest = json.loads(old.read(MANIFEST))
        for name in old.namelist():
            if name != MANIFEST:
                new.writestr(name, change(name, old.read(name), manifest))
        new.writestr(MANIFEST, json.dumps(manifest))


@pytest.mark.django_db
def test_restore_checks_every_hash_and_the_version_first(tmp_path: Path, settings: Any) -> None:
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "files"
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "checkpoint.jsonl"
    good = create_backup(tmp_path / "backup.zip").path

    damaged = tmp_path / "damaged.zip"
    _rewrite(good, damaged, lambda n, b, m: b.replace(b"office", b"offic3") if n == DATA else b)
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(damaged)

    def newer(name: str, data: bytes, manifest: dict[str, Any]) -> bytes:
        manifest["migrations"] = [*manifest["migrations"], ["ledger", "9999_from_the_future"]]
        return data

    other_version = tmp_path / "newer.zip"
    _rewrite(good, other_version, newer)
    with pytest.raises(BackupError, match="another version"):
        restore_backup(other_version)

    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("这不是备份", encoding="utf-8")
    with pytest.raises(CommandError, match="not a zip archive"):
        call_command("restore", str(not_zip), "--no-migrate")
