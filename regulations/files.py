"""Draft and issued files of a rule: checked by content, kept privately, read back as text.

Files go to the same private, content-addressed store as evidence (`reporting.storage`), so a
file is never overwritten or deleted, and they are served only through the register's scoped
download views.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext as _

from core import filetypes
from reporting import storage

# A rule's draft or issued text: Word (.docx / .doc) or PDF.
ALLOWED_KINDS = ("docx", "doc", "pdf")
MAX_NAME = 100


@dataclass(frozen=True)
class StoredUpload:
    sha256: str
    original_name: str
    content_type: str
    size: int
    text: str


def _display_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip()
    if len(clean) > MAX_NAME:
        stem, dot, extension = clean.rpartition(".")
        clean = stem[: MAX_NAME - len(extension) - 1] + dot + extension if dot else clean[:MAX_NAME]
    return clean or "file"


def docx_text(data: bytes) -> str:
    """The text of a .docx, paragraph by paragraph (tables row by row), for the diff."""
    from docx import Document

    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(line.rstrip() for line in lines if line.strip())


def store_upload(f: IO[bytes] | Any) -> StoredUpload:
    """Check the file by its bytes and keep it; raise FileRefused with a readable message."""
    name = _display_name(getattr(f, "name", "") or "")
    size = getattr(f, "size", None)
    if not size:
        raise filetypes.FileRefused(_("The file is empty."))
    if size > int(settings.EVIDENCE_MAX_BYTES):
        raise filetypes.FileRefused(_("The file is too large."))
    sniffed = filetypes.sniff(f, name=name, max_unzipped=8 * int(settings.EVIDENCE_MAX_BYTES))
    if sniffed.kind not in ALLOWED_KINDS:
        raise filetypes.FileRefused(
            _("A rule's file is a Word document or a PDF; %(kind)s is not accepted.")
            % {"kind": sniffed.kind.upper()}
        )
    f.seek(0)
    data = f.read()
    text = ""
    if sniffed.kind == "docx":
        try:
            text = docx_text(data)
        except Exception as exc:  # a damaged document: python-docx raises many kinds
            raise filetypes.FileRefused(_("The Word document cannot be read.")) from exc
        if not name.lower().endswith(".docx"):
            name = name.rsplit(".", 1)[0] + ".docx"
    sha, stored_size = storage.store([data])
    return StoredUpload(sha, name, sniffed.content_type, stored_size, text)


def text_diff_html(old: str, new: str, *, old_label: str, new_label: str) -> str:
    """A side-by-side diff table: HtmlDiff escapes the lines, the labels are escaped here."""
    return difflib.HtmlDiff(wrapcolumn=60).make_table(
        old.splitlines(),
        new.splitlines(),
        escape(old_label),
        escape(new_label),
        context=True,
        numlines=2,
    )
