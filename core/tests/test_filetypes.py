"""The one upload sniffer: evidence, feedback documents and ledger imports all read a file's
kind from its bytes and refuse a "zip bomb" the same way."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from core.filetypes import ZipBomb, check_zip, container_of


def docx_bomb(inflated: int = 128 * 1024 * 1024) -> bytes:
    """A Word package whose one extra part inflates to `inflated` bytes of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<root/>")
        with z.open("word/media/padding.bin", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (b"PK\x03\x04rest", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "ole"),
        (b"%PDF-1.7", "pdf"),
        (b"\xff\xd8\xff\xe0", "jpg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"GIF89a", "binary"),
        (b"MZ\x90\x00", "binary"),
        ("序号,问题\n1,整改".encode(), None),
    ],
)
def test_the_container_is_read_from_the_first_bytes(head: bytes, container: str | None) -> None:
    assert container_of(head) == container


def test_check_zip_refuses_a_bomb_and_passes_a_small_package() -> None:
    bomb = zipfile.ZipFile(io.BytesIO(docx_bomb(8 * 1024 * 1024)))
    with bomb as archive, pytest.raises(ZipBomb):
        check_zip(archive, max_unzipped=4 * 1024 * 1024)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<root/>")
    with zipfile.ZipFile(buf) as archive:
        check_zip(archive, max_unzipped=1024)


def test_parse_feedback_refuses_a_zip_bomb_dressed_as_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "反馈意见.docx"
    path.write_bytes(docx_bomb())
    with pytest.raises(CommandError, match="zip bomb"):
        call_command("parse_feedback", str(path), stdout=io.StringIO())


class _FeedbackForm(HTMLParser):
    """The values a browser posts from the feedback form as rendered (first option chosen)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.inside = False
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("data-testid") == "feedback-form":
            self.inside = True
        if not self.inside:
            return
        name = a.get("name", "")
        if tag == "input" and name and name != "csrfmiddlewaretoken" and a.get("type") != "file":
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.data.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self.select = name
        elif (
            tag == "option"
            and self.select
            and a.get("value")
            and (self.select not in self.data or "selected" in a)
        ):
            self.data[self.select] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


@pytest.mark.django_db
def test_the_feedback_form_refuses_a_zip_bomb_with_a_message(world: Any) -> None:
    client = world.client("office")
    url = reverse("documents:feedback")
    form = _FeedbackForm()
    form.feed(client.get(url).content.decode())
    assert "inspection" in form.data
    response = client.post(
        url, {**form.data, "file": SimpleUploadedFile("反馈意见.docx", docx_bomb())}
    )
    assert response.status_code == 400
    assert re.search("zip bomb|压缩炸弹", response.content.decode())
