"""Read the forms of a rendered page the way a browser does: what it would submit by default.

Only the standard library's HTML parser: each `<form>` gives its method, action, the fields a
person can change (with their kind) and the values the browser would send untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class FormField:
    name: str
    kind: (
        str  # text, textarea, select, select-multiple, checkbox, radio, hidden, number, date, file…
    )
    options: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    method: str
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)
    defaults: list[tuple[str, str]] = field(default_factory=list)
    multipart: bool = False
    attrs: dict[str, str] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """The default submission, as a dict of lists for the test client."""
        out: dict[str, Any] = {}
        for name, value in self.defaults:
            out.setdefault(name, []).append(value)
        return {k: (v if len(v) > 1 else v[0]) for k, v in out.items()}


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: tuple[str, bool, list[tuple[str, bool]]] | None = None
        self._option: list[Any] | None = None
        self._textarea: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "form":
            self._form = PageForm(
                method=(attrs.get("method") or "get").lower(),
                action=attrs.get("action", ""),
                multipart="multipart" in attrs.get("enctype", ""),
                attrs=attrs,
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            form.fields.setdefault(name, FormField(name, kind))
            if kind in ("checkbox", "radio"):
                form.fields[name].options.append(attrs.get("value", "on"))
                if "checked" in attrs:
                    form.defaults.append((name, attrs.get("value", "on")))
            elif kind != "file":
                form.defaults.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            form.fields.setdefault(name, FormField(name, "textarea"))
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = (name, "multiple" in attrs, [])
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "selected" in attrs, ""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            value = self._textarea[1]
            self._form.defaults.append(
                (self._textarea[0], value[1:] if value[:1] == "\n" else value)
            )
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value = self._option[0] if self._option[0] is not None else self._option[2].strip()
            self._select[2].append((value, self._option[1]))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options = self._select
            self._form.fields[name] = FormField(
                name, "select-multiple" if multiple else "select", [v for v, _ in options]
            )
            chosen = [v for v, sel in options if sel]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            self._form.defaults.extend((name, v) for v in chosen)
            self._select = None


def parse_forms(html: str) -> list[PageForm]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def form_on(html: str, *, testid: str = "", action: str = "", has: str = "") -> PageForm:
    """The one form of a page with the given data-testid, action (a part of it), or field."""
    for form in parse_forms(html):
        if testid and form.attrs.get("data-testid") != testid:
            continue
        if action and action not in form.action:
            continue
        if has and has not in form.fields:
            continue
        return form
    raise LookupError(f"no form {testid or action or has} on the page")
