"""What a browser sends when a person submits a form as the page rendered it: its default
values, read from the HTML, so tests never stand in for the form with a hand-built query."""

from __future__ import annotations

from typing import Any

import lxml.html

SKIPPED_INPUTS = {"submit", "button", "file", "image", "reset"}


def rendered_form(html: str | bytes, testid: str) -> Any:
    """The form marked `data-testid=testid` on the page."""
    found = lxml.html.fromstring(html).xpath(f'//form[@data-testid="{testid}"]')
    if not found:
        raise LookupError(f"no form marked {testid}")
    return found[0]


def form_values(form: Any) -> list[tuple[str, str]]:
    """The (name, value) pairs a browser submits, in document order: every named input with
    its value (empty ones too), checked boxes only, a select's selected options or, when none
    is marked, its first option."""
    pairs: list[tuple[str, str]] = []
    for el in form.iter("input", "select", "textarea"):
        name = el.get("name")
        if not name or el.get("disabled") is not None:
            continue
        if el.tag == "input":
            kind = (el.get("type") or "text").lower()
            if kind in SKIPPED_INPUTS:
                continue
            if kind in ("checkbox", "radio"):
                if el.get("checked") is not None:
                    pairs.append((name, el.get("value", "on")))
                continue
            pairs.append((name, el.get("value", "")))
        elif el.tag == "textarea":
            pairs.append((name, el.text or ""))
        else:
            options = el.findall(".//option")
            chosen = [o for o in options if o.get("selected") is not None]
            if not chosen and options and el.get("multiple") is None:
                chosen = options[:1]
            pairs.extend((name, o.get("value", o.text_content())) for o in chosen)
    return pairs


def with_values(pairs: list[tuple[str, str]], **changes: str) -> list[tuple[str, str]]:
    """The pairs with some fields set as a person would type or choose them."""
    out = [(k, changes.get(k, v)) for k, v in pairs]
    names = {k for k, _v in pairs}
    missing = set(changes) - names
    if missing:
        raise LookupError(f"the form has no field {sorted(missing)}")
    return out


def options_of(form: Any, name: str) -> list[str]:
    """The values a select offers."""
    return [o.get("value", "") for o in form.xpath(f'.//select[@name="{name}"]//option')]
