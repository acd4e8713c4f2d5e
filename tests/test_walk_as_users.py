"""Walk the product as each demo person would: every link shown, every GET form as rendered.

Signed in as each demo role, the walk starts at the home page and, breadth first, follows every
same-site link a page shows, requests every htmx partial an element names (`hx-get`, with the
HX-Request header), and submits every GET form with the values the page renders by default —
once as a plain page and once as htmx does. Anything the product showed a person that answers
4xx/5xx is a defect: a way that does not work. The test fails with the list of (role, URL,
status, where it was shown).

The walk is bounded: at most `MAX_PAGES` requests per role. URLs are deduplicated by their path
and their query with parameters sorted; URLs of a pattern not met yet (ids and numbers read as
`N`) go first, so every kind of page is reached before the second of a kind.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROLES = ["admin", "office", "leader", "branch1", "liaison1", "dept1", "taskforce1", "staff1"]
MAX_PAGES = 150
# Links that end the session or switch the language are not followed; static files are not pages.
SKIP = re.compile(r"^(mailto|javascript|tel|data):|/(logout|i18n/setlang)/|^/static/|^/media/")
NOT_PARSED = (
    "application/vnd",
    "application/pdf",
    "application/zip",
    "application/octet",
    "text/calendar",
    "image/",
)


@dataclass
class Form:
    method: str
    action: str
    hx_get: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)


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


def _local(url: str, here: str) -> str | None:
    """The same-site path and query a link leads to, or None for another site or a skipped one."""
    if not url or url.startswith("#") or SKIP.search(url):
        return None
    parts = urlsplit(urljoin("http://testserver" + here, url))
    if parts.netloc not in ("testserver", "127.0.0.1") or SKIP.search(parts.path):
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


def _key(url: str) -> str:
    """The URL with its query parameters sorted: two links to the same page are one visit."""
    parts = urlsplit(url)
    return parts.path + "?" + urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))


def _pattern(key: str, htmx: bool) -> str:
    return ("hx " if htmx else "") + re.sub(r"\d+", "N", key)


@dataclass
class Visit:
    url: str
    htmx: bool
    shown_on: str
    what: str  # "link", "htmx partial", "GET form", "htmx GET form"


def walk(client: Client, *, max_pages: int = MAX_PAGES) -> tuple[list[str], int]:
    """Walk from the home page; returns the defects met and the number of requests made."""
    fresh: deque[Visit] = deque([Visit("/", False, "(start)", "link")])
    again: deque[Visit] = deque()
    seen: set[str] = set()
    patterns: set[str] = set()
    defects: list[str] = []
    requests = 0

    def enqueue(visit: Visit) -> None:
        key = ("hx " if visit.htmx else "") + _key(visit.url)
        if key in seen:
            return
        seen.add(key)
        pattern = _pattern(_key(visit.url), visit.htmx)
        (again if pattern in patterns else fresh).append(visit)
        patterns.add(pattern)

    while (fresh or again) and requests < max_pages:
        visit = fresh.popleft() if fresh else again.popleft()
        requests += 1
        headers: dict[str, Any] = {"HTTP_ACCEPT": "text/html"}
        if visit.htmx:
            headers["HTTP_HX_REQUEST"] = "true"
        response = client.get(visit.url, follow=not visit.htmx, **headers)
        if response.status_code >= 400:
            defects.append(
                f"{response.status_code} {visit.what} {visit.url} (shown on {visit.shown_on})"
            )
            continue
        content_type = response.get("Content-Type", "")
        if "html" not in content_type or content_type.startswith(NOT_PARSED):
            continue
        request = response.wsgi_request
        here = request.path + ("?" + request.META["QUERY_STRING"] if request.GET else "")
        page = Page()
        page.feed(response.content.decode("utf-8", "replace"))
        for href in page.links:
            if (url := _local(href, here)) is not None:
                enqueue(Visit(url, False, here, "link"))
        for hx in page.partials:
            if (url := _local(hx, here)) is not None:
                enqueue(Visit(url, True, here, "htmx partial"))
        for form in page.forms:
            if form.method != "get":
                continue
            query = urlencode(form.fields)
            for target, htmx, what in (
                (form.action or here, False, "GET form"),
                (form.hx_get or form.action or here, True, "htmx GET form"),
            ):
                path = _local(target, here)
                if path is None:
                    continue
                url = urlsplit(path).path + ("?" + query if query else "")
                enqueue(Visit(url, htmx, here, f"{what} with its defaults"))
    return defects, requests


@pytest.mark.parametrize("username", ROLES)
def test_every_link_and_default_form_shown_to_the_role_works(world: Any, username: str) -> None:
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client.force_login(world.user(username))
    started = time.monotonic()
    defects, requests = walk(client)
    took = time.monotonic() - started
    assert requests > 20, f"{username}: the walk reached only {requests} pages"
    assert not defects, (
        f"{username} met {len(defects)} broken links or forms in {requests} requests "
        f"({took:.1f} s):\n" + "\n".join(f"  ({username}, {d})" for d in defects)
    )
