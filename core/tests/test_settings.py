"""Settings: typed environment helpers, production hardening, and the UI language."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from config.settings import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_HOST = "rectify.example.edu.cn"


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production start: DEBUG off, a long random key, one host."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "AXES_"))
        and k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "FAST_PASSWORD_HASHER")
    }
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(60)),
        "ALLOWED_HOSTS": PRODUCTION_HOST,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return env | extra


def settings_under(env: dict[str, str], *names: str) -> dict[str, Any]:
    """Read settings in a fresh interpreter, as the process manager would start it."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- environment helpers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("whatever", False),
    ],
)
def test_a_boolean_setting_reads_the_usual_spellings(
    value: str, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECTIFY_TEST_FLAG", value)
    assert env_bool("RECTIFY_TEST_FLAG", not expected) is expected


def test_an_empty_or_missing_setting_falls_back_to_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RECTIFY_TEST_EMPTY", "")
    monkeypatch.delenv("RECTIFY_TEST_MISSING", raising=False)
    assert env_bool("RECTIFY_TEST_EMPTY", True) is True
    assert env_int("RECTIFY_TEST_EMPTY", 7) == 7
    assert env_int("RECTIFY_TEST_MISSING", 7) == 7
    assert env_str("RECTIFY_TEST_MISSING", "x") == "x"
    assert env_list("RECTIFY_TEST_MISSING", ["a"]) == ["a"]


def test_a_list_setting_splits_on_commas_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECTIFY_TEST_LIST", " a.example , ,b.example,")
    assert env_list("RECTIFY_TEST_LIST", []) == ["a.example", "b.example"]


def test_an_integer_setting_that_is_not_a_number_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RECTIFY_TEST_INT", "ten")
    with pytest.raises(ValueError):
        env_int("RECTIFY_TEST_INT", 1)


# --- production hardening ----------------------------------------------------------------


def test_with_debug_off_cookies_are_secure_and_hsts_is_on() -> None:
    values = settings_under(
        production_env(),
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "ALLOWED_HOSTS",
        "PASSWORD_HASHERS",
        "STORAGES",
    )
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["ALLOWED_HOSTS"] == [PRODUCTION_HOST]
    assert values["PASSWORD_HASHERS"][0].endswith("PBKDF2PasswordHasher")
    assert values["STORAGES"]["staticfiles"]["BACKEND"].endswith("ManifestStaticFilesStorage")


def test_a_laptop_start_needs_no_configuration_and_uses_sqlite() -> None:
    env = {k: v for k, v in production_env().items() if k not in ("DEBUG", "SECRET_KEY")}
    env.pop("DATABASE_URL", None)
    values = settings_under(env, "DEBUG", "DATABASES", "SESSION_COOKIE_SECURE")
    assert values["DEBUG"] is True
    assert values["SESSION_COOKIE_SECURE"] is False
    db = values["DATABASES"]["default"]
    # Django's SQLite, with a flush that knows the audit trail's triggers.
    assert db["ENGINE"] == "core.backends.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_database_url_switches_to_postgresql() -> None:
    env = production_env(DATABASE_URL="postgresql://rectify:secret@db.internal:5432/rectify")
    db = settings_under(env, "DATABASES")["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "db.internal",
        5432,
        "rectify",
        "rectify",
    )


def test_the_deployment_check_is_clean_with_production_settings() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_content_security_policy_allows_no_inline_or_foreign_scripts() -> None:
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    for name, sources in directives.items():
        assert not [s for s in sources if s.startswith(("http:", "https:", "*"))], name


def test_sign_ins_are_throttled_per_account_and_address() -> None:
    assert "axes" in settings.INSTALLED_APPS
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    # The limit is the account's organization's security policy; 5 for names of no account.
    assert settings.AXES_FAILURE_LIMIT == "security.lockout.failure_limit"
    assert settings.SECURITY_DEFAULT_LOCKOUT_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_LOCKOUT_TEMPLATE == "registration/locked_out.html"


# --- language ----------------------------------------------------------------------------


def lang_of(response: Any) -> str:
    body = response.content.decode()
    start = body.index('<html lang="') + len('<html lang="')
    return body[start : body.index('"', start)]


def test_the_ui_speaks_simplified_chinese_by_default() -> None:
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    response = Client().get(reverse("login"))
    assert response.headers["Content-Language"] == "zh-hans"
    assert lang_of(response) == "zh-hans"


@pytest.mark.django_db
def test_switching_to_english_changes_the_ui_and_persists(world: Any) -> None:
    client = world.client("branch1")
    chinese = client.get(reverse("password_change"))
    assert lang_of(chinese) == "zh-hans"
    assert "旧密码" in chinese.content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    for path in (reverse("home"), reverse("ledger:ledger"), reverse("password_change")):
        assert lang_of(client.get(path)) == "en", path
    english = client.get(reverse("password_change")).content.decode()
    assert "Old password" in english  # Django's own label, translated in its catalogue
    client.post(reverse("logout"))
    assert lang_of(client.get(reverse("login"))) == "en"


@pytest.mark.django_db
def test_switching_back_to_chinese_speaks_chinese_again(world: Any) -> None:
    client = world.client("branch1")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = client.get(reverse("password_change"))
    assert lang_of(response) == "zh-hans"
    assert "旧密码" in response.content.decode()


def test_an_unknown_language_is_ignored() -> None:
    client = Client()
    client.post(reverse("set_language"), {"language": "xx", "next": "/login/"})
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert lang_of(client.get(reverse("login"))) == "zh-hans"


def test_the_language_switch_never_redirects_to_another_site() -> None:
    response = Client().post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example.com/"}
    )
    assert response.status_code == 302
    assert "evil.example.com" not in response["Location"]


def test_a_visitor_can_switch_language_on_the_sign_in_page() -> None:
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = client.get(reverse("login"))
    assert lang_of(response) == "en"
    assert "Sign in" in response.content.decode()


# --- what `make run` serves --------------------------------------------------------------


def make_run_environment(**extra: str) -> tuple[dict[str, str], str]:
    """The environment and command line of the server that `make run` starts, read from
    make's dry run (nothing is executed)."""
    env = {k: v for k, v in production_env().items() if k not in ("DEBUG", "SECRET_KEY")}
    env.pop("ALLOWED_HOSTS")
    env.pop("DEV", None)
    env.pop("SITE_URL", None)
    env |= extra
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "run"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    serve = next(
        line
        for line in done.stdout.splitlines()
        if "gunicorn" in line or "manage.py runserver" in line
    )
    words = shlex.split(serve)
    while "=" in words[0]:
        key, _sep, value = words.pop(0).partition("=")
        env[key] = value
    env["SITE_URL"] = next(
        line.split("serving on ")[1].split("/ ")[0]
        for line in done.stdout.splitlines()
        if "serving on" in line
    )
    return env, " ".join(words)


def test_make_run_serves_production_settings_with_debug_off() -> None:
    env, command = make_run_environment()
    values = settings_under(
        env, "DEBUG", "MIDDLEWARE", "STORAGES", "ALLOWED_HOSTS", "SESSION_COOKIE_SECURE"
    )
    assert values["DEBUG"] is False
    assert "gunicorn" in command
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in values["MIDDLEWARE"]
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert {"127.0.0.1", "localhost"} <= set(values["ALLOWED_HOSTS"])
    # Plain HTTP on this machine: a secure-only session cookie would never be sent back.
    assert values["SESSION_COOKIE_SECURE"] is False


def test_dev_make_run_is_the_development_server_with_debug_on() -> None:
    env, command = make_run_environment(DEV="1")
    assert settings_under(env, "DEBUG")["DEBUG"] is True
    assert "runserver" in command
    assert "--noreload" not in command


def test_make_run_on_another_port_builds_links_with_that_port() -> None:
    env, command = make_run_environment(PORT="8123")
    assert "127.0.0.1:8123" in command
    assert settings_under(env, "SITE_URL")["SITE_URL"] == "http://127.0.0.1:8123"
