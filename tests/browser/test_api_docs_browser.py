"""The API documentation renders from the server's own assets, and a person manages their
personal access tokens on their account page: created through the form, shown once, revoked."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_render_from_local_assets_only(session_factory: Any) -> None:
    s = session_factory()
    page = s.page
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
    page.wait_for_load_state("networkidle")
    assert page.locator(".opblock").count() >= 15
    assert "/api/v1/measures/" in page.content()
    s.screenshot("api-docs")
    assert s.foreign_requests() == []
    assert any("/static/drf_spectacular_sidecar/" in u for u in s.requests)


def test_a_branch_secretary_creates_sees_once_and_revokes_a_token(session_factory: Any) -> None:
    s = session_factory(width=390, height=844)
    page = s.login("branch1")
    page.goto("/api/tokens/")
    page.fill("#id_name", "周报脚本")
    page.click("[data-testid=token-create]")
    page.wait_for_load_state("networkidle")
    secret = page.locator("[data-testid=token-secret]").inner_text().strip()
    assert secret.startswith("rct_")
    s.screenshot("api-token-created-phone")
    rows = page.locator("[data-testid=token-row]")
    assert rows.count() == 1
    assert "只读" in rows.first.inner_text()

    # The secret works once copied, and is never shown again.
    response = page.request.get(
        "/api/v1/statistics/", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status == 200
    page.goto("/api/tokens/")
    assert secret not in page.content()

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=token-revoke]")
    page.wait_for_load_state("networkidle")
    assert "已撤销" in page.locator("[data-testid=token-row]").first.inner_text()
    s.screenshot("api-token-revoked-phone")
    refused = page.request.get("/api/v1/statistics/", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401
    assert s.foreign_requests() == []
