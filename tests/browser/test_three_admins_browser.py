"""三员分立 in the browser: the system administrator asks for a role change through the rendered
form, the security administrator approves it, and the audit administrator finds both in the
trail and downloads the self-check for the assessor."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.browser
def test_a_role_change_requested_approved_and_audited(session_factory: Any) -> None:
    from organization.models import Organization, PendingChange, Person

    Organization.objects.update(separation_of_duties=True)
    staff = Person.objects.get(user__username="staff1")
    assert not staff.is_leader

    # The system administrator asks: the person is made a member of the leading group.
    s = session_factory()
    page = s.login("admin")
    page.goto(f"/org/people/{staff.pk}/edit/")
    assert page.locator("[data-testid=separation-notice]").get_attribute("data-separated") == "on"
    page.check("#id_is_leader")
    page.click("[data-testid=save]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-info").first.is_visible()
    s.screenshot("three-admins-1-requested")
    staff.refresh_from_db()
    assert not staff.is_leader  # nothing changed yet
    change = PendingChange.objects.get(person=staff, status="pending")
    # The separated administrator is refused the ledger.
    assert page.goto("/ledger/").status == 403

    # The security administrator approves it.
    s2 = session_factory()
    page = s2.login("secadmin")
    page.goto("/org/approvals/")
    card = page.locator("[data-testid=pending-change]")
    assert card.count() == 1 and "staff1" not in card.inner_text()  # shown by name
    assert staff.name in card.inner_text()
    s2.screenshot("three-admins-2-awaiting-approval")
    card.locator("[data-testid=approve]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=no-pending]").is_visible()
    s2.screenshot("three-admins-3-approved")
    staff.refresh_from_db()
    change.refresh_from_db()
    assert staff.is_leader and change.status == "approved"

    # The audit administrator reads both in the trail, and downloads the self-check.
    s3 = session_factory()
    page = s3.login("auditor")
    page.goto("/compliance/trail/")
    page.select_option("select[name=who]", "admins")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state("networkidle")
    actions = page.locator("[data-testid=trail-event]").evaluate_all(
        "rows => rows.map(r => r.dataset.action)"
    )
    assert "change_requested" in actions and "change_approved" in actions
    s3.screenshot("three-admins-4-trail")
    page.goto("/compliance/self-check/")
    assert page.locator("[data-testid=selfcheck-item]").count() >= 5
    s3.screenshot("three-admins-5-selfcheck")
    with page.expect_download() as info:
        page.click("[data-testid=selfcheck-word]")
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    data = Path(download.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode()
    assert "三员分立" in body and "无备份记录" in body
