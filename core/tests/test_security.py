"""Security basics: signing in, throttling, CSRF, headers, no inline scripts, passwords."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory, override_settings
from django.urls import get_resolver, reverse
from django.utils import translation

from organization.models import LiaisonGroup, TaskForce, Theme, Unit

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Rectify-2021"
NEW_PASSWORD = "Qingshui-Hebian-2031"


@pytest.fixture(autouse=True)
def no_lockouts(db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- signing in --------------------------------------------------------------------------


def test_signing_in_with_the_right_password_leads_home() -> None:
    client = Client()
    response = sign_in(client, "branch1")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in(client)


def test_a_wrong_password_shows_the_sign_in_error() -> None:
    client = Client()
    response = sign_in(client, "branch1", "wrong-password")
    assert response.status_code == 200
    assert b'data-testid="login-error"' in response.content
    assert not signed_in(client)


def test_an_unknown_user_gets_the_same_error_as_a_wrong_password() -> None:
    unknown = sign_in(Client(), "no-such-user", "wrong-password")
    wrong = sign_in(Client(), "branch1", "wrong-password")
    assert unknown.status_code == wrong.status_code == 200
    assert b'data-testid="login-error"' in unknown.content


def test_signing_in_never_redirects_to_another_site() -> None:
    response = sign_in(Client(), "branch1", next="https://evil.example.com/")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_signing_in_returns_to_the_page_asked_for() -> None:
    response = sign_in(Client(), "office", next=reverse("organization:overview"))
    assert response["Location"] == reverse("organization:overview")


def test_an_anonymous_visitor_is_sent_to_sign_in() -> None:
    response = Client().get(reverse("organization:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_signing_out_needs_a_post_and_ends_the_session() -> None:
    client = Client()
    sign_in(client, "branch1")
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in(client)
    assert client.post(reverse("logout")).status_code == 302
    assert not signed_in(client)


def test_the_session_cookie_is_http_only() -> None:
    client = Client()
    response = sign_in(client, "branch1")
    assert response.cookies["sessionid"]["httponly"]


def test_the_health_check_answers_without_signing_in() -> None:
    response = Client().get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- throttling --------------------------------------------------------------------------


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_five_failed_sign_ins_lock_the_account_even_against_the_right_password() -> None:
    client = Client()
    for _ in range(4):
        response = sign_in(client, "branch1", "wrong-password")
        assert response.status_code == 200
        assert b'data-testid="login-error"' in response.content
    locked = sign_in(client, "branch1", "wrong-password")
    assert locked.status_code == 429
    assert b'data-testid="locked-out"' in locked.content
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    again = sign_in(client, "branch1", PASSWORD)
    assert again.status_code == 429
    assert b'data-testid="locked-out"' in again.content
    assert not signed_in(client)


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_a_locked_account_does_not_lock_out_anyone_else() -> None:
    for _ in range(5):
        sign_in(Client(), "branch1", "wrong-password")
    assert sign_in(Client(), "branch1", PASSWORD).status_code == 429
    other = Client()
    assert sign_in(other, "branch2", PASSWORD).status_code == 302
    assert signed_in(other)


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_an_unlocked_account_signs_in_again() -> None:
    from axes.utils import reset

    for _ in range(5):
        sign_in(Client(), "branch1", "wrong-password")
    reset(username="branch1")
    client = Client()
    assert sign_in(client, "branch1", PASSWORD).status_code == 302
    assert signed_in(client)


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_a_success_clears_earlier_failures() -> None:
    for _ in range(4):
        sign_in(Client(), "branch1", "wrong-password")
    assert sign_in(Client(), "branch1", PASSWORD).status_code == 302
    for _ in range(4):
        assert sign_in(Client(), "branch1", "wrong-password").status_code == 200
    assert sign_in(Client(), "branch1", PASSWORD).status_code == 302


# --- CSRF --------------------------------------------------------------------------------


def test_signing_in_without_a_csrf_token_is_forbidden() -> None:
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, "branch1")
    assert response.status_code == 403
    assert not signed_in(client)


def test_a_form_posted_without_a_csrf_token_is_forbidden_and_changes_nothing(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("office"))
    count = Unit.objects.count()
    response = client.post(
        reverse("organization:units_create"), {"name": "保卫处", "kind": "department"}
    )
    assert response.status_code == 403
    assert Unit.objects.count() == count


def test_a_form_posted_with_the_pages_csrf_token_is_accepted(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("office"))
    client.get(reverse("organization:units_create"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("organization:units_create"),
        {"name": "保卫处", "kind": "department", "sort_order": "1", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Unit.objects.filter(name="保卫处").exists()


# --- headers and scripts -----------------------------------------------------------------


class _Scripts(HTMLParser):
    """Inline scripts, inline event handlers and javascript: URLs: all forbidden by the CSP."""

    DATA_TYPES = {"application/json", "application/ld+json"}

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.external: list[str] = []
        self.handlers: list[str] = []
        self.js_urls: list[str] = []
        self._in_inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        if tag == "script":
            if a.get("src"):
                self.external.append(a["src"])
            elif a.get("type", "").lower() not in self.DATA_TYPES:
                self._in_inline = True
                self.inline.append("")
        for name, value in a.items():
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.js_urls.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline = False

    def handle_data(self, data: str) -> None:
        if self._in_inline:
            self.inline[-1] += data


def scripts_of(response: Any) -> _Scripts:
    parser = _Scripts()
    parser.feed(response.content.decode())
    return parser


def csp_directives(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, "no Content-Security-Policy header"
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def pages(world: Any) -> list[tuple[str | None, str]]:
    """(who, path) for the pages of the foundation and the ledger screens."""
    measure = world.measure()
    staff = world.user("staff1").person
    org_pages = [
        reverse("organization:overview"),
        reverse("organization:settings"),
    ]
    for kind, model in (
        ("units", Unit),
        ("liaison_groups", LiaisonGroup),
        ("task_forces", TaskForce),
        ("themes", Theme),
    ):
        first = model.objects.order_by("id").first()
        org_pages += [
            reverse(f"organization:{kind}_list"),
            reverse(f"organization:{kind}_create"),
            reverse(f"organization:{kind}_edit", args=[first.pk]),
        ]
    org_pages += [
        reverse("organization:people_list"),
        reverse("organization:people_create"),
        reverse("organization:people_edit", args=[staff.pk]),
    ]
    return [
        (None, reverse("login")),
        ("office", reverse("home")),
        ("branch1", reverse("home")),
        ("liaison1", reverse("home")),
        ("leader", reverse("home")),
        ("office", reverse("password_change")),
        ("office", reverse("ledger:ledger")),
        ("branch1", reverse("ledger:ledger")),
        ("office", reverse("ledger:inspection_list")),
        ("office", reverse("ledger:audit_log")),
        ("office", reverse("ledger:measure_detail", args=[measure.pk])),
        ("branch1", reverse("ledger:measure_detail", args=[measure.pk])),
        ("office", "/no-such-page/"),
        ("branch1", reverse("organization:overview")),  # 403
        ("admin", reverse("organization:people_password", args=[staff.pk])),
        *[("office", p) for p in org_pages],
    ]


def test_every_page_sends_a_strict_content_security_policy(world: Any) -> None:
    for who, path in pages(world):
        response = world.client(who).get(path)
        assert response.status_code in (200, 403, 404), (who, path, response.status_code)
        csp = csp_directives(response)
        script_src = csp.get("script-src", csp.get("default-src", []))
        assert script_src, (who, path)
        assert "'unsafe-inline'" not in script_src, (who, path)
        assert "'unsafe-eval'" not in script_src, (who, path)
        assert not [s for s in script_src if s in ("*", "http:", "https:", "data:")], (who, path)
        assert csp.get("object-src") == ["'none'"], (who, path)


def test_no_page_carries_an_inline_script_or_handler(world: Any) -> None:
    for who, path in pages(world):
        response = world.client(who).get(path)
        found = scripts_of(response)
        assert found.inline == [], (who, path, found.inline)
        assert found.handlers == [], (who, path, found.handlers)
        assert found.js_urls == [], (who, path, found.js_urls)
        assert found.external, (who, path)
        assert all(src.startswith("/static/") for src in found.external), (who, path)


def test_every_page_sends_the_usual_protective_headers(world: Any) -> None:
    response = world.client("office").get(reverse("home"))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_server_error_shows_the_products_error_page() -> None:
    handler = get_resolver().resolve_error_handler(500)
    with translation.override("zh-hans"):
        response = handler(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "服务器内部错误" in response.content.decode()


# --- passwords ---------------------------------------------------------------------------


def test_a_person_changes_their_own_password_and_stays_signed_in() -> None:
    client = Client()
    sign_in(client, "branch1")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert User.objects.get(username="branch1").check_password(NEW_PASSWORD)
    assert not signed_in(_fresh_sign_in("branch1", PASSWORD))
    assert signed_in(_fresh_sign_in("branch1", NEW_PASSWORD))


def _fresh_sign_in(username: str, password: str) -> Client:
    client = Client()
    sign_in(client, username, password)
    return client


@pytest.mark.parametrize(
    "data",
    [
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "different-1"},
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
        {"old_password": PASSWORD, "new_password1": "branch1", "new_password2": "branch1"},
        {"old_password": "", "new_password1": "", "new_password2": ""},
    ],
    ids=["wrong-old-password", "mismatched", "common", "like-the-username", "empty"],
)
def test_a_bad_password_change_is_refused_with_a_message(data: dict[str, str]) -> None:
    client = Client()
    sign_in(client, "branch1")
    response = client.post(reverse("password_change"), data)
    assert response.status_code == 200
    assert b"invalid-feedback" in response.content or b"alert-danger" in response.content
    assert User.objects.get(username="branch1").check_password(PASSWORD)


# --- names are data, never markup --------------------------------------------------------

HOSTILE_UNIT = "<script>alert('unit')</script>"
HOSTILE_PERSON = '<img src=x onerror="alert(1)">'


def test_names_typed_by_users_are_escaped_on_every_screen_that_shows_them(world: Any) -> None:
    office = world.client("office")
    office.post(
        reverse("organization:units_create"),
        {"name": HOSTILE_UNIT, "kind": "department", "sort_order": "1"},
    )
    unit = Unit.objects.get(name=HOSTILE_UNIT)
    office.post(
        reverse("organization:people_create"),
        {
            "name": HOSTILE_PERSON,
            "username": "hostile",
            "password": NEW_PASSWORD,
            "unit": unit.pk,
            "unit_role": "staff",
        },
    )
    assert User.objects.filter(username="hostile").exists()
    group = LiaisonGroup.objects.order_by("id").first()
    office.post(
        reverse("organization:liaison_groups_edit", args=[group.pk]),
        {"name": group.name, "sort_order": "0", "units": [unit.pk]},
    )
    other = LiaisonGroup.objects.order_by("id").last()
    refused = office.post(
        reverse("organization:liaison_groups_edit", args=[other.pk]),
        {"name": other.name, "sort_order": "0", "units": [unit.pk]},
    )
    assert refused.status_code == 400
    screens = [
        refused,
        office.get(reverse("organization:units_list")),
        office.get(reverse("organization:people_list")),
        office.get(reverse("organization:liaison_groups_list")),
        office.get(reverse("organization:units_edit", args=[unit.pk])),
        office.get(reverse("organization:liaison_groups_edit", args=[group.pk])),
        office.get(reverse("organization:units_create")),
        Client(HTTP_HOST="127.0.0.1").get(reverse("login")),
    ]
    hostile = Client()
    hostile.post(reverse("login"), {"username": "hostile", "password": NEW_PASSWORD})
    screens.append(hostile.get(reverse("home")))
    for response in screens:
        assert response.status_code in (200, 400)
        found = scripts_of(response)
        assert found.inline == [] and found.handlers == [], found.inline + found.handlers
        body = response.content.decode()
        assert HOSTILE_UNIT not in body and HOSTILE_PERSON not in body
