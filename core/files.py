"""The private file store: evidence, job uploads and results, through Django's storage API.

`STORAGES["private"]` is local disk under PRIVATE_STORAGE_ROOT by default and S3-compatible
object storage (django-storages) when PRIVATE_STORAGE_S3_BUCKET is set (see config/settings.py).
Nothing here makes a public URL: files reach people only through scoped views, which stream
them (:func:`download_response`) or, when PRIVATE_STORAGE_PRESIGNED_DOWNLOADS is on, redirect
to a presigned URL valid for PRIVATE_STORAGE_PRESIGNED_SECONDS — always after the scope check.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.encoding import iri_to_uri
from django.utils.http import content_disposition_header

# Half-written local files live here until renamed into place: never a stored file.
TMP_DIR = "tmp"


class PrivateFileSystemStorage(FileSystemStorage):
    """Local disk under settings.PRIVATE_STORAGE_ROOT, read at each use (tests move it).

    A save writes a temporary file and links it into place, so a half-written file never has
    its real name and an existing file is never overwritten; it has no URL at all.
    """

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(getattr(self, "_location", None) or settings.PRIVATE_STORAGE_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no URL; they are served by scoped views")

    def _save(self, name: str, content: Any) -> str:
        full = Path(self.path(name))
        full.parent.mkdir(parents=True, exist_ok=True)
        tmp_dir = Path(self.location) / TMP_DIR
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp_name, 0o640)
            try:
                # link() refuses to replace an existing name: a stored file stays as it is.
                os.link(tmp_name, full)
            except FileExistsError:
                pass
            except OSError:
                # No hard links on this file system: a rename is atomic too.
                os.replace(tmp_name, full)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        return name

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Names are chosen by the application (a content hash, a job's folder), never by the
        # uploader; an existing name is kept and the save above leaves it untouched.
        return name


def private_storage() -> Storage:
    return storages["private"]


def is_local(storage: Storage | None = None) -> bool:
    return isinstance(storage or private_storage(), FileSystemStorage)


def save(name: str, content: Any) -> str:
    """Store `content` (a file object) under `name` exactly; returns the name."""
    storage = private_storage()
    stored = storage.save(name, content if isinstance(content, File) else File(content))
    if stored != name:  # a storage that renamed instead of keeping the name: undo, refuse
        storage.delete(stored)
        raise OSError(f"the private storage would not keep the name {name}")
    return name


def walk(prefix: str = "") -> Iterator[str]:
    """Every stored name under `prefix`, sorted, without half-written temporary files."""
    storage = private_storage()
    try:
        dirs, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(prefix, name) if prefix else name
    for sub in sorted(dirs):
        if not prefix and sub == TMP_DIR and is_local(storage):
            continue
        yield from walk(posixpath.join(prefix, sub) if prefix else sub)


def delete_tree(prefix: str) -> None:
    storage = private_storage()
    for name in list(walk(prefix)):
        storage.delete(name)
    if is_local(storage):
        path = Path(storage.path(prefix))
        for folder in sorted((p for p in path.rglob("*") if p.is_dir()), reverse=True):
            folder.rmdir()
        if path.is_dir():
            path.rmdir()


class ObjectStream:
    """An object of the object store, read once from the start as it arrives from the store.

    Deliberately without tell/seek, so FileResponse streams it chunk by chunk instead of
    measuring it (django-storages' own file object would first copy the whole object).
    """

    def __init__(self, body: Any, size: int) -> None:
        self._body = body
        self.size = size

    def read(self, size: int | None = -1) -> bytes:
        return bytes(self._body.read(None if size is None or size < 0 else size))

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> ObjectStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_stream(name: str) -> IO[bytes] | ObjectStream:
    """The stored file `name` for one read from the start; FileNotFoundError when missing."""
    storage = private_storage()
    if is_local(storage):
        return storage.open(name, "rb")  # type: ignore[no-any-return]
    from botocore.exceptions import ClientError
    from storages.utils import clean_name

    key = storage._normalize_name(clean_name(name))  # type: ignore[attr-defined]
    try:
        got = storage.bucket.Object(key).get()  # type: ignore[attr-defined]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            raise FileNotFoundError(name) from exc
        raise
    return ObjectStream(got["Body"], int(got["ContentLength"]))


def presigned_downloads(storage: Storage | None = None) -> bool:
    return bool(settings.PRIVATE_STORAGE_PRESIGNED_DOWNLOADS) and not is_local(storage)


def download_response(
    name: str,
    *,
    filename: str,
    content_type: str,
    as_attachment: bool = True,
    allow_redirect: bool = True,
) -> HttpResponseBase:
    """The file `name` for a person the calling view has already checked may read it.

    Streams through the app, or redirects to a short-lived presigned URL when the setting asks
    for it and the storage can make one (an attachment only: an inline preview is framed by the
    site itself and must come from its own origin).
    """
    storage = private_storage()
    if allow_redirect and as_attachment and presigned_downloads(storage):
        disposition = content_disposition_header(True, filename)
        url = storage.url(  # type: ignore[call-arg]
            name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            expire=settings.PRIVATE_STORAGE_PRESIGNED_SECONDS,
        )
        response: HttpResponseBase = HttpResponseRedirect(iri_to_uri(url))
        response["Cache-Control"] = "private, no-store"
        return response
    handle = open_stream(name)
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    if isinstance(handle, ObjectStream):
        response["Content-Length"] = str(handle.size)
    return response
