"""Private, content-addressed storage for evidence files.

Files live under settings.PRIVATE_STORAGE_ROOT (outside the static and media URL spaces) at a
path made of their SHA-256, so the same bytes are stored once, a stored file is never
overwritten, and nothing here ever deletes one. Writes go to a temporary file first and are
renamed into place, so a half-written file never takes a real name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

SUBDIR = "evidence"


def root() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT)


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return root() / SUBDIR / sha256[:2] / sha256[2:4] / sha256


def store(chunks: Iterable[bytes]) -> tuple[str, int]:
    """Write the bytes, returning (sha256, size). Idempotent for identical content."""
    tmp_dir = root() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        target = path_for(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(tmp_name)
        else:
            os.chmod(tmp_name, 0o640)
            # link() fails if another upload of the same bytes won the race; either copy is right.
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                pass
            except OSError:
                # No hard links on this file system: a rename is atomic too.
                os.replace(tmp_name, target)
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        return sha, size
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def exists(sha256: str) -> bool:
    return path_for(sha256).is_file()


def open_blob(sha256: str) -> BinaryIO:
    return path_for(sha256).open("rb")
