"""What an uploaded file really is, read from its bytes, never from its name.

The one file sniffer of the product: evidence uploads, feedback documents and ledger imports
all go through it. `container_of(head)` names the container from the first bytes ("zip",
"ole", "pdf", ...); `check_zip(archive)` refuses a "zip bomb" before it can fill memory or
disk; `sniff(file)` returns the detected kind ("pdf", "docx", "jpg", ...) or raises
`FileRefused` with a message for the person who uploaded it.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Kind -> (MIME type, extensions offered to the file picker).
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "doc": ("application/msword", (".doc",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    "xls": ("application/vnd.ms-excel", (".xls",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "ppt": ("application/vnd.ms-powerpoint", (".ppt",)),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (".pptx",),
    ),
    "jpg": ("image/jpeg", (".jpg", ".jpeg")),
    "png": ("image/png", (".png",)),
    "txt": ("text/plain; charset=utf-8", (".txt",)),
}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls / .ppt container
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive
# Stream names inside an OLE compound file, as stored (UTF-16LE) in its directory.
OLE_STREAMS = (
    ("doc", "WordDocument".encode("utf-16-le")),
    ("xls", "Workbook".encode("utf-16-le")),
    ("xls", "Book".encode("utf-16-le")),
    ("ppt", "PowerPoint Document".encode("utf-16-le")),
)
OOXML_PARTS = (
    ("docx", "word/document.xml"),
    ("xlsx", "xl/workbook.xml"),
    ("pptx", "ppt/presentation.xml"),
)
# Executables and archives named as documents are the usual disguise; name them in the refusal.
KNOWN_FOREIGN = (
    (b"MZ", gettext_lazy("a Windows program")),
    (b"\x7fELF", gettext_lazy("a Linux program")),
    (b"\xcf\xfa\xed\xfe", gettext_lazy("a macOS program")),
    (b"Rar!", gettext_lazy("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", gettext_lazy("a 7-Zip archive")),
    (b"\x1f\x8b", gettext_lazy("a gzip archive")),
)
# Images no upload accepts, told apart from text so that they are not read as a CSV.
OTHER_IMAGES = (b"GIF8", b"II*\x00", b"MM\x00*")
MAX_ZIP_MEMBERS = 10_000
MAX_RATIO = 100  # a large member inflating more than this many times its packed size is a bomb
BOMB_MIN_MEMBER = 1 << 20
CHUNK = 1 << 16


class FileRefused(Exception):
    """The file is not accepted; the message says why, for the uploader."""


@dataclass(frozen=True)
class Sniffed:
    kind: str
    content_type: str


def accept_attribute(allowed: list[str]) -> str:
    """The `accept` attribute of a file input for the allowed kinds (images first for phones)."""
    parts = ["image/*"] if {"jpg", "png"} & set(allowed) else []
    for kind in allowed:
        parts.extend(KINDS.get(kind, ("", ()))[1])
    return ",".join(parts)


def _read_head(f: IO[bytes], size: int = 8192) -> bytes:
    f.seek(0)
    head = f.read(size)
    f.seek(0)
    return head


def _ole_kind(f: IO[bytes], extension: str) -> str:
    found: set[str] = set()
    f.seek(0)
    tail = b""
    while True:
        chunk = f.read(1 << 20)
        if not chunk:
            break
        window = tail + chunk
        for kind, marker in OLE_STREAMS:
            if marker in window:
                found.add(kind)
        tail = chunk[-64:]
    f.seek(0)
    if extension in found:
        return extension
    for kind in ("doc", "xls", "ppt"):
        if kind in found:
            return kind
    raise FileRefused(_("The file is an Office file of an unknown kind."))


def container_of(head: bytes) -> str | None:
    """The container the first bytes of a file announce: "zip" (Office Open XML and other
    archives), "ole" (legacy Office), "pdf", "jpg", "png", "binary" (a program, another archive
    or image); None for anything else, which may be text."""
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(OTHER_IMAGES) or any(head.startswith(m) for m, _what in KNOWN_FOREIGN):
        return "binary"
    return None


class ZipBomb(FileRefused):
    """The archive would inflate to far more than any document holds."""


def check_zip(archive: zipfile.ZipFile, *, max_unzipped: int, inflate: bool = True) -> None:
    """Refuse an archive that would inflate past `max_unzipped` bytes (a "zip bomb").

    The declared sizes are checked first (member count, ratio, total). They can lie: with
    `inflate` every member is then inflated with a running total, which the archive itself
    stops at the declared size and checks against the member's CRC. A caller that streams
    every member itself under its own cap may leave `inflate` off.
    """
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise ZipBomb(_("The document holds too many parts to be a genuine Office file."))
    declared = 0
    for m in members:
        declared += m.file_size
        if m.file_size > BOMB_MIN_MEMBER and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise ZipBomb(_("The document expands to an implausible size (a “zip bomb”)."))
    if declared > max_unzipped:
        raise ZipBomb(_("The document expands to an implausible size (a “zip bomb”)."))
    if not inflate:
        return
    total = 0
    try:
        for m in members:
            with archive.open(m) as part:
                while chunk := part.read(CHUNK):
                    total += len(chunk)
                    if total > max_unzipped:
                        raise ZipBomb(
                            _("The document expands to an implausible size (a “zip bomb”).")
                        )
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise FileRefused(
            _("The file is damaged: it cannot be opened as an Office document.")
        ) from exc


def _ooxml_kind(f: IO[bytes], *, max_unzipped: int) -> str:
    try:
        archive = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused(
            _("The file is damaged: it cannot be opened as an Office document.")
        ) from exc
    with archive:
        names = {m.filename for m in archive.infolist()}
        kind = next((k for k, part in OOXML_PARTS if part in names), None)
        if len(names) <= MAX_ZIP_MEMBERS and (kind is None or "[Content_Types].xml" not in names):
            raise FileRefused(_("ZIP archives are not accepted; upload the documents themselves."))
        check_zip(archive, max_unzipped=max_unzipped)
    f.seek(0)
    assert kind is not None
    return kind


def _is_text(f: IO[bytes]) -> bool:
    """Plain text: no NUL byte, and valid UTF-8 or GB18030 throughout."""
    f.seek(0)
    decoders = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8", "gb18030")}
    alive = set(decoders)
    try:
        while alive:
            chunk = f.read(CHUNK)
            if b"\x00" in chunk:
                return False
            for name in list(alive):
                try:
                    decoders[name].decode(chunk, final=not chunk)
                except UnicodeDecodeError:
                    alive.discard(name)
            if not chunk:
                break
        return bool(alive)
    finally:
        f.seek(0)


# Text that a browser would run or draw rather than show: refused even when "plain text" is
# accepted, whatever the file is called.
MARKUP_EXTENSIONS = {"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "js", "mht"}
MARKUP_SIGNS = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<body", b"<iframe")


def _is_markup(head: bytes, extension: str) -> bool:
    if extension in MARKUP_EXTENSIONS:
        return True
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(b"<") and any(sign in start[:4096] for sign in MARKUP_SIGNS)


def sniff(f: IO[bytes], *, name: str, max_unzipped: int) -> Sniffed:
    """Detect the kind of an uploaded file from its content."""
    head = _read_head(f)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind: str | None = None
    for magic, what in KNOWN_FOREIGN:
        if head.startswith(magic):
            raise FileRefused(
                _("The file is %(what)s, whatever its name says; it is not accepted.")
                % {"what": what}
            )
    container = container_of(head)
    if container in ("pdf", "jpg", "png"):
        kind = container
    elif container == "ole":
        kind = _ole_kind(f, extension)
    elif container == "zip":
        kind = _ooxml_kind(f, max_unzipped=max_unzipped)
    elif container is None and _is_text(f):
        if _is_markup(head, extension):
            raise FileRefused(
                _(
                    "Web pages, SVG drawings and other markup files are not accepted; "
                    "save it as a PDF or an image and upload that."
                )
            )
        kind = "txt"
    if kind is None:
        raise FileRefused(_("The file's content is not of an accepted type."))
    return Sniffed(kind=kind, content_type=KINDS[kind][0])
