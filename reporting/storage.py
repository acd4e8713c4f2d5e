"""Private, content-addressed storage for evidence files, in the private file store.

Each file is stored in `STORAGES["private"]` (core.files: local disk under PRIVATE_STORAGE_ROOT,
or S3-compatible object storage) under a name made of its SHA-256, so the same bytes are stored
once, a stored file is never overwritten, and nothing here ever deletes one. The bytes are
hashed in a local temporary file first, so the name is known before anything is stored; the
storage then makes the file appear whole or not at all (on disk: a temporary file linked into
place; in object storage: one PUT or a completed multipart upload).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from django.core.files.base import File

from core import files

SUBDIR = "evidence"


def name_for(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{SUBDIR}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store(chunks: Iterable[bytes]) -> tuple[str, int]:
    """Write the bytes, returning (sha256, size). Idempotent for identical content."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.TemporaryFile(prefix="rectify-upload-") as spool:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        sha = digest.hexdigest()
        name = name_for(sha)
        storage = files.private_storage()
        # Same name means same bytes: an object already there is never written again. Two
        # uploads of the same new bytes racing here both write identical content.
        if not storage.exists(name):
            spool.seek(0)
            files.save(name, File(spool, name=sha))
    return sha, size


def exists(sha256: str) -> bool:
    return files.private_storage().exists(name_for(sha256))


def open_blob(sha256: str, *, stream: bool = False) -> BinaryIO:
    """The stored bytes; `stream` for one pass from the start (no seeking), read as it arrives."""
    name = name_for(sha256)
    if stream:
        return files.open_stream(name)  # type: ignore[return-value]
    storage = files.private_storage()
    if not files.is_local(storage) and not storage.exists(name):
        # Object storages open lazily; a missing object is reported like a missing file.
        raise FileNotFoundError(name)
    return storage.open(name, "rb")  # type: ignore[return-value]


def path_for(sha256: str) -> Path:
    """Where the file lies on local disk (local storage only: object storage has no path)."""
    return Path(files.private_storage().path(name_for(sha256)))
