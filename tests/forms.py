"""What a browser would submit: the links, htmx partials and forms of a rendered page.

Shared by the walk and the permission matrix, so that both send what the page renders by default
(an empty select is sent empty; an unchecked box is not sent) rather than hand-built requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Form:
    method: str
    action: str
    hx_get: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)

    def values(self) -> dict[str, list[str]]:
        """The fields as the test client posts them: every name with all its values."""
        data: dict[str, list[str]] = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        return data


class Page(HTMLParser):
    """The links, htmx partials and forms of one page, with what a browser would submit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.partials: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool, bool]] = []  # value, selected, disabled
        self._option: tuple[str | None, bool, bool] | None = None
        self._option_text: list[str] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if a.get("hx-get") and tag != "form":
            self.partials.append(a["hx-get"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(
                (a.get("method") or "get").lower(), a.get("action", ""), a.get("hx-get")
            )
        elif self._form is None or ("disabled" in a and tag != "option"):
            return
        elif tag == "input":
            name, kind = a.get("name"), (a.get("type") or "text").lower()
            if not name or kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form.fields.append((name, a.get("value", default)))
        elif tag == "select" and a.get("name"):
            self._select, self._options = (a["name"], "multiple" in a), []
        elif tag == "option" and self._select:
            self._end_option()
            self._option = (a.get("value"), "selected" in a, "disabled" in a)
            self._option_text = []
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        elif self._option is not None:
            self._option_text.append(data)

    def _end_option(self) -> None:
        # The closing tag of an option is optional; an option without a value submits its text.
        if self._option is not None:
            value, selected, disabled = self._option
            text = "".join(self._option_text).strip()
            self._options.append((text if value is None else value, selected, disabled))
            self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._end_option()
        elif tag == "select" and self._form is not None and self._select:
            self._end_option()
            name, multiple = self._select
            chosen = [v for v, selected, disabled in self._options if selected and not disabled]
            if not multiple and not chosen:
                # A single select with nothing selected submits its first enabled option.
                chosen = [v for v, _, disabled in self._options if not disabled][:1]
            self._form.fields.extend((name, v) for v in (chosen if multiple else chosen[-1:]))
            self._select = None
        elif tag == "textarea" and self._form is not None and self._textarea is not None:
            text = "".join(self._text)
            self._form.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def post_form(html: str, path: str) -> Form:
    """The main POST form of a page that submits to `path` (its own URL when it has no action):
    of several (a page may add small one-button forms), the one with the most fields."""
    page = Page()
    page.feed(html)
    forms = [
        form
        for form in page.forms
        if form.method == "post"
        and urlsplit(urljoin("http://testserver" + path, form.action or path)).path
        == urlsplit(path).path
    ]
    if not forms:
        raise LookupError(f"no POST form to {path} on the page")
    return max(forms, key=lambda form: len(form.fields))
