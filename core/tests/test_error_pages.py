"""Error pages: the product's own, in the UI language, with a way back, whatever DEBUG is."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

HEADINGS = {
    ("zh-hans", 403): "无权访问",
    ("zh-hans", 404): "页面不存在",
    ("zh-hans", 409): "当前状态下无法办理",
    ("zh-hans", 500): "服务器内部错误",
    ("en", 403): "Access denied",
    ("en", 404): "Not found",
    ("en", 409): "Cannot be done now",
    ("en", 500): "Server error",
}
PATHS = {
    403: "/failing/403/",
    404: "/ledger/measures/999999999/",
    409: "/failing/409/",
    500: "/failing/500/",
}
# Words of Django's technical pages, which list the URL patterns or a traceback.
TECHNICAL = ("URLconf", "Traceback", "DEBUG = True", "Request Method", "ledger/measures/<int")


def office_client(world: Any, language: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE=language)
    client.raise_request_exception = False
    client.force_login(world.user("office"))
    return client


def assert_product_error_page(response: Any, status: int, language: str) -> None:
    body = response.content.decode()
    assert response.status_code == status
    assert 'data-testid="error-page"' in body
    assert HEADINGS[(language, status)] in body
    assert f'<html lang="{language}"' in body
    assert f'href="{reverse("home")}" data-testid="error-home"' in body
    for word in TECHNICAL:
        assert word not in body, word


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("status", [403, 404, 409, 500])
def test_an_error_shows_the_products_page_in_the_ui_language(
    world: Any, debug: bool, language: str, status: int
) -> None:
    with override_settings(DEBUG=debug, ROOT_URLCONF="core.tests.error_urls"):
        response = office_client(world, language).get(PATHS[status])
    assert_product_error_page(response, status, language)


@pytest.mark.parametrize("debug", [True, False])
def test_an_address_that_matches_no_page_lists_no_url_patterns(world: Any, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = office_client(world, "zh-hans").get("/no-such-page/")
    assert_product_error_page(response, 404, "zh-hans")


def test_a_missing_trailing_slash_still_redirects_in_development_mode(world: Any) -> None:
    with override_settings(DEBUG=True):
        response = office_client(world, "zh-hans").get("/ledger")
    assert response.status_code == 301
    assert response["Location"] == "/ledger/"


def test_the_error_page_offers_the_previous_page_when_it_is_ours(world: Any) -> None:
    client = office_client(world, "zh-hans")
    came_from = "http://127.0.0.1" + reverse("ledger:ledger")
    response = client.get("/no-such-page/", HTTP_REFERER=came_from)
    assert f'href="{came_from}" data-testid="error-back"' in response.content.decode()
    elsewhere = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in elsewhere.content.decode()
    assert 'data-testid="error-back"' not in elsewhere.content.decode()


def test_a_server_error_in_development_mode_is_still_logged(
    world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(DEBUG=True, ROOT_URLCONF="core.tests.error_urls"):
        response = office_client(world, "zh-hans").get(PATHS[500])
    assert response.status_code == 500
    assert "a failing view" in caplog.text


@pytest.mark.parametrize("debug", [True, False])
def test_a_form_with_a_stale_security_token_says_so_in_the_ui_language(
    world: Any, debug: bool
) -> None:
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(world.user("branch1"))
    with override_settings(DEBUG=debug):
        response = client.post(reverse("logout"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "表单已过期" in body
    assert 'data-testid="error-home"' in body
    assert "CSRF verification failed" not in body
