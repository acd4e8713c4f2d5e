"""The office uploads a ledger kept the way offices keep it, through the real import form: the
preview shows its warnings (a leader not in the directory) and the expansion of 各党支部, the
office narrows the phrase to two branches, previews again and imports."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.browser


def _ledger() -> bytes:
    """Title row, a two-row header with 责任主体 merged over its columns, the finding merged
    over its two measure rows; the second measure is for 各党支部."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "巡察反馈意见整改台账"
    sheet.merge_cells("A1:F1")
    for col, text in zip("ABCF", ("问题类别", "具体问题", "整改措施", "完成时限"), strict=True):
        sheet[f"{col}2"] = text
        sheet.merge_cells(f"{col}2:{col}3")
    sheet["D2"] = "责任主体"
    sheet.merge_cells("D2:E2")
    sheet["D3"], sheet["E3"] = "责任领导", "牵头单位"
    rows = [
        (
            "党的建设",
            "（一）支部标准化建设不到位",
            "1.制定标准化建设方案",
            "王某某",
            "党委办公室",
            "2030.6.30",
        ),
        (None, None, "2.开展支部达标创建", "王某某", "各党支部", "2030年6月底前完成并长期坚持"),
    ]
    for offset, values in enumerate(rows):
        for col, value in enumerate(values, start=1):
            if value:
                sheet.cell(row=4 + offset, column=col, value=value)
    sheet.merge_cells("A4:A5")
    sheet.merge_cells("B4:B5")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_office_narrows_a_group_phrase_and_imports(session_factory: Any) -> None:
    from ledger.models import Measure, MeasureGroup

    s = session_factory()
    page = s.login("office")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/documents/import/")
    page.select_option("#id_inspection", index=1)
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "台账.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _ledger(),
            }
        ],
    )
    page.click("[data-testid=import-preview]")
    page.wait_for_selector("[data-testid=import-summary]")
    problems = page.locator("[data-testid=import-problems]").inner_text()
    assert "王某某 不在人员名录中，已作为文字保留" in problems
    expansion = page.locator("[data-testid=expansion]")
    assert expansion.count() == 1
    assert "各党支部 → 7" in expansion.inner_text()
    s.screenshot("import-preview-warnings")

    # Keep the first two branches only.
    expansion.locator("summary").click()
    boxes = expansion.locator("input[type=checkbox]")
    assert boxes.count() == 7
    kept = [boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")]
    for index in range(2, 7):
        boxes.nth(index).uncheck()
    page.click("[data-testid=choices-apply]")
    page.wait_for_selector("[data-testid=import-summary]")
    narrowed = page.locator("[data-testid=expansion]")
    assert "各党支部 → 2" in narrowed.inner_text()
    counts = page.locator("[data-testid=import-counts]").inner_text()
    assert "3" in counts
    s.screenshot("import-preview-narrowed")

    page.click("[data-testid=import-confirm]")
    page.wait_for_selector("[data-testid=import-done]")
    s.screenshot("import-done")
    group = MeasureGroup.objects.get(content="开展支部达标创建")
    units = sorted(str(pk) for pk in group.measures.values_list("lead_unit_id", flat=True))
    assert units == sorted(kept)
    first = Measure.objects.get(content="制定标准化建设方案")
    assert first.responsible_leader_text == "王某某"
    assert not s.foreign_requests()
