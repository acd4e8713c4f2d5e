"""The one input rule every form follows, and the text helpers every writer uses."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest
from django import forms

from core.forms import CleanInputMixin
from core.text import clamp_date, clean_text, parse_id, parse_ids, xml_safe

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "organization", "ledger", "reporting", "notifications", "documents", "dashboards")


class Sample(CleanInputMixin, forms.Form):
    title = forms.CharField(max_length=100)
    body = forms.CharField(widget=forms.Textarea, required=False)
    day = forms.DateField(required=False)
    count = forms.IntegerField(required=False)


def _clean(**data: str) -> forms.Form:
    form = Sample(data={"title": "标题", **data})
    form.is_valid()
    return form


def test_control_characters_are_dropped_and_line_breaks_kept_only_in_multiline_text() -> None:
    form = _clean(title="整改\x1b[31m\x00措施\n续", body="第一行\r\n\t第二行\x07\x85")
    assert form.cleaned_data["title"] == "整改[31m措施 续"
    assert form.cleaned_data["body"] == "第一行\r\n\t第二行"


def test_a_lone_surrogate_is_refused_with_a_message() -> None:
    form = _clean(body="坏\ud800字")
    assert "body" in form.errors


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_a_date_outside_2000_to_2100_is_refused(day: str) -> None:
    form = _clean(day=day)
    assert "2000" in form.errors["day"][0]


def test_a_date_inside_the_range_is_kept() -> None:
    assert _clean(day="2100-12-31").cleaned_data["day"] == dt.date(2100, 12, 31)


def test_an_unbounded_integer_gets_the_database_range() -> None:
    assert "count" in _clean(count="9223372036854775808").errors


@pytest.mark.parametrize("raw", ["9223372036854775808", "-1", "0", "１２３", "1e3", "", "abc"])
def test_parse_id_refuses_what_cannot_be_an_id(raw: str) -> None:
    assert parse_id(raw) is None


def test_parse_ids_reads_comma_separated_lists() -> None:
    assert parse_ids(["1,2", " 3 "]) == [1, 2, 3]
    assert parse_ids(["1", "9223372036854775808"]) is None


def test_xml_safe_keeps_what_word_can_hold() -> None:
    assert xml_safe("a\x1b\x00b\tc\nd\ud800") == "ab\tc\nd"
    assert clean_text("a\x0bb", multiline=True) == "ab"


def test_clamp_date_brings_stored_dates_back_into_range() -> None:
    assert clamp_date(dt.date(9999, 12, 31)) == dt.date(2100, 12, 31)
    assert clamp_date(None) is None


def _product_forms() -> list[type]:
    for app in APPS:
        if (ROOT / app / "forms.py").exists():
            importlib.import_module(f"{app}.forms")
    found = []
    stack = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS and not cls.__module__.endswith("tests"):
            found.append(cls)
    return found


def test_every_form_of_the_product_follows_the_input_rule() -> None:
    product = [f for f in _product_forms() if ".tests." not in f.__module__]
    assert len(product) > 20
    missing = [
        f"{f.__module__}.{f.__name__}" for f in product if not issubclass(f, CleanInputMixin)
    ]
    assert not missing, f"forms without CleanInputMixin: {missing}"
