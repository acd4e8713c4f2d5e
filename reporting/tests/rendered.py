"""Reading a form off a rendered page, as a browser would submit it."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Form(HTMLParser):
    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.action = ""
        self.data: dict[str, list[str]] = {}
        self.buttons: dict[str, tuple[str, str]] = {}
        self.inside = False
        self.found = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("data-testid") == self.testid and not self.found:
            self.inside = self.found = True
            self.action = a.get("action", "")
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if a.get("type") == "file":
                return
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self.select = name
            self.data[name] = []
        elif tag == "option" and self.select:
            chosen = self.data[self.select]
            if "selected" in a or not chosen:
                self.data[self.select] = [a.get("value", "")]
        elif tag == "textarea" and name:
            self.textarea = name
            self.data.setdefault(name, []).append("")
        elif tag == "button" and name:
            self.buttons[a.get("data-testid", name)] = (name, a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form" and self.inside:
            self.inside = False


def submit(
    client: Any, page_url: str, testid: str, *, press: str | None = None, **fill: str
) -> Any:
    """Open the page, fill the form marked `testid` as a person would, press a button."""
    form = _Form(testid)
    form.feed(client.get(page_url).content.decode())
    assert form.found, f"no form {testid} on {page_url}"
    data = dict(form.data)
    for name, value in fill.items():
        data[name] = [value]
    if press:
        name, value = form.buttons[press]
        data[name] = [value]
    return client.post(form.action or page_url, data, follow=True)
