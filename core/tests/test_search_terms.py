"""Search boxes read straight from the query string: a NUL byte, other controls or a lone
surrogate in `q` must give an ordinary page on both databases (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.text import search_term

pytestmark = pytest.mark.django_db

SEARCHES = ("/ledger/audit/", "/org/units/", "/org/people/")


def test_a_search_term_keeps_one_clean_line() -> None:
    assert search_term("党\x00支部\x1b\n书记 ") == "党支部 书记"
    assert search_term("a\ud800b") == "ab"
    assert search_term(None) == ""
    assert len(search_term("长" * 500)) == 100


@pytest.mark.parametrize("path", SEARCHES)
# As a browser sends them: NUL, NUL after Chinese, an escape sequence, invalid UTF-8.
@pytest.mark.parametrize("term", ["%00", "%E6%94%AF%E9%83%A8%00", "%1B%5B31m", "%ED%A0%80"])
def test_a_control_character_in_a_search_box_gives_a_page(world: Any, path: str, term: str) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.user("office"))
    response = client.get(f"{path}?q={term}")
    assert response.status_code == 200
