"""The hostile-input corpus: payload classes an attacker or a careless user sends.

Every class is a name and a function of the world (the demo college) giving the values to try,
so classes that need real rows (a deleted id, an inactive person, another organization's unit)
find them at run time. `UPLOADS` are the file classes, sent in file fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Raw bytes a browser can send that are not UTF-8 (a lone surrogate as CESU-8, a stray byte).
INVALID_UTF8 = b"\xed\xa0\x80\xff\xfe"
MARKUP = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@dataclass(frozen=True)
class Payload:
    name: str
    values: Callable[[Any], list[Any]]


def _const(*values: Any) -> Callable[[Any], list[Any]]:
    return lambda world: list(values)


def _deleted_id(world: Any) -> list[Any]:
    from ledger.models import Tag

    tag = Tag.objects.create(organization=world.org, name="已删除的标签-hostile")
    pk = tag.pk
    tag.delete()
    return [str(pk)]


def _inactive_ids(world: Any) -> list[Any]:
    from organization.models import Person, Unit

    unit = Unit.objects.filter(organization=world.org, is_active=False).first()
    if unit is None:
        unit = Unit.objects.create(
            organization=world.org, name="已撤销单位-hostile", is_active=False
        )
    person = Person.objects.filter(organization=world.org, user__is_active=False).first()
    ids = [str(unit.pk)]
    if person is not None:
        ids.append(str(person.pk))
    return ids


def _other_org_ids(world: Any) -> list[Any]:
    from organization.models import Organization, Unit

    other, _ = Organization.objects.get_or_create(
        name="另一学院-hostile", defaults={"short_name": "另一学院"}
    )
    unit, _ = Unit.objects.get_or_create(organization=other, name="另一学院办公室")
    return [str(unit.pk)]


PAYLOADS: list[Payload] = [
    Payload("empty", _const("")),
    Payload("whitespace_only", _const("   \t  ", "\u3000\u3000")),
    Payload("very_long_100k", _const("长" * 100_000)),
    Payload("just_over_limit", _const("整" * 5001)),
    Payload("nul_byte", _const("整改\x00措施")),
    Payload("c0_controls", _const("整改\x1b[31m措施\x07\x08\x0b\x0c")),
    Payload("c1_controls", _const("整改\x85\x9b措施")),
    Payload("line_breaks", _const("第一行\r\n第二行\n\t缩进")),
    Payload("invalid_utf8", _const(INVALID_UTF8)),
    Payload("emoji", _const("整改👍🏽‍🔥🇨🇳🧑‍🤝‍🧑")),
    Payload("rtl_marks", _const("\u202egnp.exe\u202c\u200f整改\u200e")),
    Payload("zero_width", _const("\u200b\ufeff\u2060")),
    Payload("sql_fragment", _const("' OR 1=1; DROP TABLE ledger_measure; --", '1" OR "1"="1')),
    Payload("html_js", _const(MARKUP, '"><svg onload=alert(1)>')),
    Payload("formula_prefix", _const('=HYPERLINK("http://x.invalid","点我")', "+1+1", "@SUM(A1)")),
    Payload("template_syntax", _const("{{ 7*7 }}{% debug %}%s%n{0}")),
    Payload("path_traversal", _const("../../../../etc/passwd", "..\\..\\boot.ini")),
    Payload("url_schemes", _const("javascript:alert(1)", "//evil.invalid/")),
    Payload("header_injection", _const("a\r\nSet-Cookie: x=1")),
    Payload("negative", _const("-1", "-2147483649")),
    Payload("zero", _const("0")),
    Payload("huge_number", _const("9223372036854775808", "1" * 40)),
    Payload("float_edge", _const("1.5e308", "NaN", "-inf", "0.1")),
    Payload("non_numeric", _const("abc", "1,2", "0x10")),
    Payload("fullwidth_digits", _const("１２３", "٣")),
    Payload("deleted_id", _deleted_id),
    Payload("inactive_id", _inactive_ids),
    Payload("other_org_id", _other_org_ids),
    Payload("date_zero", _const("0000-00-00")),
    Payload("date_impossible", _const("2021-02-30", "2021-13-01")),
    Payload("date_year_one", _const("0001-01-01")),
    Payload("date_far_future", _const("9999-12-31", "10000-01-01")),
    Payload("date_garbage", _const("31/12/2021 25:61", "明天")),
    Payload("unknown_enum", _const("__bogus__", "APPROVE")),
    Payload("repeated_value", _const(["1", "2"], ["x", "y", "z"])),
    Payload("page_sort_garbage", _const("-__nonexistent", "id;drop", "999999999999999999999")),
]


@dataclass(frozen=True)
class Upload:
    name: str
    filename: str
    content: bytes
    content_type: str


LONG_NAME = "佐证材料" * 250 + ".pdf"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

UPLOADS: list[Upload] = [
    Upload("upload_html", "page.html", b"<html><script>alert(1)</script></html>", "text/html"),
    Upload(
        "upload_svg",
        "x.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "image/svg+xml",
    ),
    Upload("upload_long_name", LONG_NAME, PDF, "application/pdf"),
    Upload("upload_empty", "empty.pdf", b"", "application/pdf"),
    Upload("upload_exe_as_pdf", "report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"),
    Upload("upload_control_name", "a\x1b\x00b.pdf", PDF, "application/pdf"),
]

CLASS_NAMES = [p.name for p in PAYLOADS] + [u.name for u in UPLOADS]
