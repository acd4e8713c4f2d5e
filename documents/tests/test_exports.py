"""The Excel export: the ledger as filtered on screen, laid out for print, streamed, and read
back by the import into the same data, cell by cell."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import types
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from documents import wording
from documents.exports import export_ledger_xlsx
from documents.imports import apply_import
from ledger.models import Measure
from ledger.selectors import ledger_measures

pytestmark = pytest.mark.django_db

STATE_COLUMN = wording.LEDGER_COLUMNS.index("状态") + 1
EVIDENCE_COLUMN = wording.LEDGER_COLUMNS.index("佐证材料数") + 1


def _export(user: Any, inspection: Any, *, title: str = "台账") -> bytes:
    buffer = io.BytesIO()
    measures = ledger_measures(user).filter(finding__inspection=inspection)
    export_ledger_xlsx(measures, buffer, title=title)
    return buffer.getvalue()


def _sheet(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def _cells(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_round_trip_export_import_export_keeps_every_cell(world, empty_inspection):
    office = world.user("office")
    first = _export(office, world.inspection())
    result = apply_import(
        io.BytesIO(first), filename="台账.xlsx", inspection=empty_inspection, by=office
    )
    assert (
        result.created_measures
        == Measure.objects.filter(finding__inspection=world.inspection()).count()
    )
    second = _export(office, empty_inspection)

    a, b = _sheet(first), _sheet(second)
    assert (a.max_row, a.max_column) == (b.max_row, b.max_column)
    assert a.max_row > 50
    for row in range(1, a.max_row + 1):
        for col in range(1, a.max_column + 1):
            left, right = a.cell(row, col).value, b.cell(row, col).value
            if row > 2 and col == STATE_COLUMN:
                # Workflow state and evidence belong to the measure's history, not its data:
                # the imported copy starts at the beginning.
                assert right == wording.STATE_LABELS["not_started"]
            elif row > 2 and col == EVIDENCE_COLUMN:
                assert right == 0
            else:
                assert left == right, f"{a.cell(row, col).coordinate}: {left!r} != {right!r}"
    assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))


def test_the_sheet_is_laid_out_for_print(world):
    sheet = _sheet(_export(world.user("office"), world.inspection(), title="某某整改台账"))
    assert sheet["A1"].value == "某某整改台账"
    assert [c.value for c in sheet[2]] == list(wording.LEDGER_COLUMNS)
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == "9"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert "A1:L1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["A"].width
    assert sheet["C3"].alignment.wrap_text
    assert sheet["B2"].fill.fgColor.rgb.endswith("D9E1F2")
    # Each finding's cells are merged over its measures, down columns A to C.
    finding_ranges = [
        r for r in sheet.merged_cells.ranges if r.min_col == 3 and r.max_row > r.min_row
    ]
    assert finding_ranges
    closed = [row for row in sheet.iter_rows(min_row=3) if row[STATE_COLUMN - 1].value == "已销号"]
    assert closed and closed[0][STATE_COLUMN - 1].fill.fgColor.rgb.endswith("E2EFDA")
    assert all(sheet.row_dimensions[r].height for r in range(3, 10))


def test_text_that_looks_like_a_formula_stays_text(world):
    measure = world.new_measure(content='=HYPERLINK("http://x")\x07 整改')
    sheet = _sheet(_export(world.user("office"), world.inspection()))
    texts = [c.value for c in sheet["D"] if c.value and "HYPERLINK" in str(c.value)]
    assert texts and texts[0].endswith('=HYPERLINK("http://x") 整改')
    assert all(c.data_type != "f" for c in sheet["D"])
    assert measure.pk


def test_the_export_view_uses_the_ledger_filters(world):
    inspection = world.inspection()
    client = world.client("office")
    response = client.get(
        reverse("documents:ledger_export"),
        {"inspection": inspection.pk, "state": "closed", "page": 3},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _sheet(b"".join(response.streaming_content))
    states = {row[STATE_COLUMN - 1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert states == {"已销号"}
    expected = Measure.objects.filter(finding__inspection=inspection, state="closed").count()
    assert sheet.max_row - 2 == expected


def test_a_branch_secretary_exports_only_its_scope(world):
    branch1 = world.user("branch1")
    response = world.client("branch1").get(reverse("documents:ledger_export"))
    assert response.status_code == 200
    sheet = _sheet(b"".join(response.streaming_content))
    exported = [row[3] for row in sheet.iter_rows(min_row=3, values_only=True)]
    visible = Measure.objects.visible_to(branch1)
    assert len(exported) == visible.count() < Measure.objects.count()
    invisible = Measure.objects.exclude(pk__in=visible.values("pk")).first()
    assert all(invisible.content not in text for text in exported)


def test_the_ledger_page_offers_the_export_with_its_filters(world):
    response = world.client("branch1").get(reverse("ledger:ledger"), {"state": "closed", "page": 2})
    html = response.content.decode()
    assert reverse("documents:ledger_export") + "?state=closed" in html
    assert "page=2" not in html.split(reverse("documents:ledger_export"))[1].split('"')[0]


def test_a_large_export_runs_as_a_job_with_a_download(world, settings):
    settings.DOCUMENTS_BACKGROUND_ROWS = 5
    client = world.client("office")
    response = client.get(reverse("documents:ledger_export"), {"state": "closed"})
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url)
    assert page.status_code == 200
    assert "job-download" in page.content.decode()
    from documents.models import Job

    job = Job.objects.get(owner=world.user("office"))
    assert job.status == "done" and job.data["rows"] > 5
    download = client.get(reverse("documents:job_download", args=[job.pk]))
    assert download.status_code == 200
    sheet = _sheet(b"".join(download.streaming_content))
    assert sheet.max_row - 2 == job.data["rows"]
    # Nobody else reaches the job or its file.
    assert world.client("admin").get(job_url).status_code == 404
    assert (
        world.client("admin").get(reverse("documents:job_download", args=[job.pk])).status_code
        == 404
    )


# --- streaming ------------------------------------------------------------------------------------


class _People:
    def all(self) -> list[Any]:
        return [types.SimpleNamespace(name="张三"), types.SimpleNamespace(name="李四")]


def _fake_measures(count: int) -> Any:
    inspection = types.SimpleNamespace(feedback_date=dt.date(2024, 1, 1))
    theme = types.SimpleNamespace(name="党的建设")
    people = _People()
    for i in range(count):
        fid = i // 3
        finding = types.SimpleNamespace(
            number=f"（{fid}）",
            text="党委理论学习中心组学习计划性不强" * 3,
            theme=theme,
            inspection=inspection,
        )
        yield types.SimpleNamespace(
            finding=finding,
            finding_id=fid,
            number=str(i % 3 + 1),
            content="制定学习计划" * 8,
            responsible_leader_id=1,
            responsible_leader=types.SimpleNamespace(name="王建国"),
            responsible_leader_text="",
            lead_unit=types.SimpleNamespace(name="党委办公室"),
            coop_links=[],
            responsible_persons=people,
            responsible_persons_text="",
            deadline_text="2024年6月30日前",
            deadline_kind="by_date",
            due_date=dt.date(2024, 6, 30),
            next_review_date=None,
            review_requested_on=None,
            grace_due_date=None,
            progress=40,
            state="in_progress",
            evidence_count=1,
        )


def _peak(count: int, tmp_path: Any) -> int:
    tracemalloc.start()
    try:
        with (tmp_path / f"{count}.xlsx").open("wb") as out:
            assert export_ledger_xlsx(_fake_measures(count), out, title="大表") == count
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_rows(tmp_path):
    small = _peak(1200, tmp_path)
    large = _peak(6000, tmp_path)
    assert large < small * 1.5 + 2 * 1024 * 1024, (small, large)
    sheet = openpyxl.load_workbook(tmp_path / "6000.xlsx", read_only=True).active
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == 6002


def test_a_queryset_and_its_measure_objects_export_the_same_sheet(world):
    """The export reads a queryset as plain values; measure objects (as a caller may pass)
    go through the same row builder and must give the same cells, fills and merges."""
    office = world.user("office")
    measures = ledger_measures(office).filter(finding__inspection=world.inspection())
    assert measures.filter(unit_links__part="coop").exists()
    assert measures.filter(responsible_persons__isnull=False).exists()
    from_queryset, from_objects = io.BytesIO(), io.BytesIO()
    export_ledger_xlsx(measures, from_queryset, title="台账")
    export_ledger_xlsx(list(measures), from_objects, title="台账")
    a, b = _sheet(from_queryset.getvalue()), _sheet(from_objects.getvalue())
    assert _cells(a) == _cells(b)
    assert a.max_row == measures.count() + 2
    assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
    fills = [[c.fill.fgColor.rgb for c in row] for row in a.iter_rows(min_row=3)]
    assert fills == [[c.fill.fgColor.rgb for c in row] for row in b.iter_rows(min_row=3)]
    assert {row[STATE_COLUMN - 1] for row in fills} > {"00000000"}


def test_the_export_reads_a_queryset_in_a_fixed_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    office = world.user("office")
    measures = ledger_measures(office).filter(finding__inspection=world.inspection())
    counts = []
    for limit in (3, measures.count()):
        ids = list(measures.values_list("pk", flat=True)[:limit])
        with CaptureQueriesContext(connection) as queries:
            export_ledger_xlsx(measures.filter(pk__in=ids), io.BytesIO(), title="台账")
        counts.append(len(queries))
    # The measures, their co-operating unit and person links, and the names behind those.
    assert counts == [5, 5]


def test_text_shaped_like_the_writers_own_markup_or_a_link_stays_text(world):
    hostile = "<r>整改 & <b>落实</b></r>"
    world.new_measure(content=hostile)
    for title in ("=SUM(A1:A9)", "http://example.com/台账", "{=1}"):
        sheet = _sheet(_export(world.user("office"), world.inspection(), title=title))
        assert sheet["A1"].value == title and sheet["A1"].data_type == "s"
        assert sheet["A1"].hyperlink is None
        assert hostile in [c.value for c in sheet["D"]]
        measure_cell = next(c for c in sheet["D"] if c.value == hostile)
        # Written as two runs of the sheet's font, so it looks like every other cell.
        assert measure_cell.font.name == wording.EXCEL_FONT
