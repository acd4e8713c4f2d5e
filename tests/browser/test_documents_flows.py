"""Documents in a real browser: export from the filtered ledger, import with a preview, read a
feedback document into findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

FEEDBACK = (
    "一、党的建设方面\n"
    "（一）理论学习中心组学习不够深入，学习计划性不强。\n"
    "（二）基层党组织建设薄弱。一是组织生活会不规范；二是党员发展程序不严格。\n"
    "二、党风廉政建设方面\n"
    "（一）“三重一大”决策制度执行不到位。\n"
)


def test_the_office_exports_the_filtered_ledger_and_previews_its_import(
    session_factory: Any,
) -> None:
    s = session_factory()
    page = s.login("office")
    page.goto("/ledger/?state=closed")
    export = page.locator("a", has_text="Excel").first
    href = export.get_attribute("href") or ""
    assert "state=closed" in href
    with page.expect_download() as info:
        export.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"PK")

    page.goto("/documents/")
    page.wait_for_selector("[data-testid=inspection-documents]")
    s.screenshot("documents-index-office")

    page.goto("/documents/import/")
    page.select_option("#id_inspection", index=1)
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "ledger.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data,
            }
        ],
    )
    page.click("[data-testid=import-preview]")
    page.wait_for_selector("[data-testid=import-summary]")
    # The closed measures are already in the ledger as exported: nothing to import.
    assert page.locator("[data-testid=import-rows] tbody tr").count() > 0
    assert page.locator("[data-testid=import-nothing]").count() == 1
    s.screenshot("documents-import-preview")
    assert not s.foreign_requests()


def test_the_office_reads_a_feedback_document_into_findings(session_factory: Any) -> None:
    s = session_factory()
    page = s.login("office")
    page.goto("/documents/feedback/")
    page.select_option("#id_inspection", index=1)
    page.fill("#id_text", FEEDBACK)
    page.click("[data-testid=feedback-parse]")
    page.wait_for_selector("[data-testid=feedback-preview]")
    assert page.locator("[data-testid=feedback-finding]").count() == 3
    s.screenshot("documents-feedback-preview")
    page.click("[data-testid=feedback-confirm]")
    page.wait_for_load_state("networkidle")
    assert "/ledger/inspections/" in page.url


def test_a_branch_secretary_sees_only_its_documents(session_factory: Any) -> None:
    s = session_factory()
    page = s.login("branch1")
    page.goto("/documents/")
    page.wait_for_selector("[data-testid=own-unit-documents]")
    assert page.locator("[data-testid=import-link]").count() == 0
    assert page.locator("[data-testid=progress-report]").count() == 0
    s.screenshot("documents-index-branch")
