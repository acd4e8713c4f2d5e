"""The ledger's filter selects name their empty choice as a person reads it: 全部, not dashes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.rendered_forms import rendered_form

pytestmark = pytest.mark.django_db


def test_every_filter_select_offers_all_rather_than_dashes(world: Any) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.user("office"))
    page = client.get("/ledger/")
    assert page.status_code == 200
    form = rendered_form(page.content, "ledger-filters")
    labels = [option.text_content().strip() for option in form.iter("option")]
    assert labels, "the filter form has selects"
    assert "---------" not in labels
    assert "全部" in labels
