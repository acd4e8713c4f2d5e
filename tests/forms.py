"""The links, htmx partials and forms of a rendered page, with what a browser would submit.

Shared by the walk and the permission matrix; the values of a form are read by
`tests.rendered_forms.form_values` (an empty select is sent empty; an unchecked box is not sent),
never hand-built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html

from tests.rendered_forms import form_values


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


@dataclass
class Page:
    links: list[str]
    partials: list[str]
    forms: list[Form]


def read_page(html: str | bytes) -> Page:
    """What a person can follow on a page: links, elements that load an htmx partial, forms."""
    if not html.strip():
        return Page([], [], [])
    root = lxml.html.fromstring(html)
    return Page(
        links=[a.get("href") for a in root.iter("a") if a.get("href")],
        partials=[el.get("hx-get") for el in root.xpath("//*[@hx-get][not(self::form)]")],
        forms=[
            Form(
                (f.get("method") or "get").lower(),
                f.get("action") or "",
                f.get("hx-get"),
                form_values(f),
            )
            for f in root.iter("form")
        ],
    )


def post_form(html: str | bytes, path: str) -> Form:
    """The main POST form of a page that submits to `path` (its own URL when it has no action):
    of several (a page may add small one-button forms), the one with the most fields."""
    forms = [
        form
        for form in read_page(html).forms
        if form.method == "post"
        and urlsplit(urljoin("http://testserver" + path, form.action or path)).path
        == urlsplit(path).path
    ]
    if not forms:
        raise LookupError(f"no POST form to {path} on the page")
    return max(forms, key=lambda form: len(form.fields))
