"""Progress reports (整改进展): three parts, append-only, corrections that supersede."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ledger.choices import MeasureState, UnitPart
from ledger.models import Measure
from reporting.models import ProgressReport, UnitReport
from reporting.selectors import measure_reports, unit_report_for
from reporting.services import (
    CycleData,
    ReportData,
    UnitReportData,
    cycle_save,
    report_file,
    unit_report_save,
)
from reporting.tests.conftest import PDF, upload


def test_a_report_has_the_three_parts_and_moves_the_ledger(world: Any) -> None:
    m = world.measure(state="in_progress")
    r = report_file(
        by=world.user("branch1"),
        measure=m,
        data=ReportData("召开专题组织生活会", 65, "个别党员参会不足", "月底前完成补课"),
    )
    m = Measure.objects.get(pk=m.pk)
    assert (r.work_done, r.problems, r.next_steps, r.progress) == (
        "召开专题组织生活会",
        "个别党员参会不足",
        "月底前完成补课",
        65,
    )
    assert m.progress == 65 and m.last_report_at == r.filed_at
    assert r.unit == m.lead_unit


def test_a_correction_supersedes_and_both_are_kept(world: Any) -> None:
    m = world.measure(state="in_progress")
    branch1 = world.user("branch1")
    first = report_file(by=branch1, measure=m, data=ReportData("初稿", 50))
    second = report_file(
        by=branch1,
        measure=m,
        data=ReportData("更正后的情况", 40),
        supersedes=first,
        correction_reason="数字有误",
    )
    assert ProgressReport.objects.filter(pk=first.pk).exists()
    rows = {row.report.pk: row for row in measure_reports(branch1, m)}
    assert rows[first.pk].superseded_by == second
    assert rows[second.pk].superseded_by is None
    assert Measure.objects.get(pk=m.pk).progress == 40
    with pytest.raises(ValidationError):
        report_file(
            by=branch1,
            measure=m,
            data=ReportData("再改", 30),
            supersedes=first,
            correction_reason="x",
        )
    with pytest.raises(ValidationError):
        report_file(by=branch1, measure=m, data=ReportData("再改", 30), supersedes=second)


def test_reports_need_work_done_and_a_percentage(world: Any) -> None:
    m = world.measure(state="in_progress")
    with pytest.raises(ValidationError):
        report_file(by=world.user("branch1"), measure=m, data=ReportData("  ", 10))
    with pytest.raises(ValidationError):
        report_file(by=world.user("branch1"), measure=m, data=ReportData("x", 101))


def test_outsiders_and_readers_cannot_report(world: Any) -> None:
    m = world.measure(state="in_progress")
    for name in ("branch7", "leader", "liaison1"):
        with pytest.raises(PermissionDenied):
            report_file(by=world.user(name), measure=m, data=ReportData("x", 10))


def test_a_closed_measure_takes_no_more_reports(world: Any) -> None:
    m = world.measure(state="closed")
    with pytest.raises(ValidationError, match="closed"):
        report_file(by=world.user("branch1"), measure=m, data=ReportData("x", 10))


def test_a_co_operating_unit_reports_its_part_without_moving_the_lead_progress(world: Any) -> None:
    link = (
        Measure.units.through.objects.filter(
            part=UnitPart.COOP, measure__state=MeasureState.IN_PROGRESS
        )
        .select_related("unit__party_secretary__user", "unit__admin_head__user", "measure")
        .exclude(unit__party_secretary__isnull=True, unit__admin_head__isnull=True)
        .first()
    )
    assert link is not None
    head = link.unit.party_secretary or link.unit.admin_head
    progress = link.measure.progress
    r = report_file(by=head.user, measure=link.measure, data=ReportData("配合完成", 100))
    assert r.unit == link.unit
    assert Measure.objects.get(pk=link.measure_id).progress == progress


def test_the_first_report_starts_a_measure(world: Any) -> None:
    m = Measure.objects.filter(state=MeasureState.NOT_STARTED).select_related("lead_unit").first()
    head = m.lead_unit.party_secretary or m.lead_unit.admin_head
    report_file(by=head.user, measure=m, data=ReportData("已启动", 10))
    assert Measure.objects.get(pk=m.pk).state == MeasureState.IN_PROGRESS


def test_the_report_form_files_a_report_with_evidence(world: Any) -> None:
    m = world.measure(state="in_progress")
    client = world.client("staff1")
    url = reverse("reporting:report_create", args=[m.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "work_done": "完成台账梳理",
            "problems": "",
            "next_steps": "下周提交",
            "progress": "70",
            "files": [upload("台账.pdf", PDF)],
            "description_0": "台账扫描件",
        },
    )
    assert response.status_code == 302
    r = ProgressReport.objects.filter(measure=m).latest("id")
    assert r.evidence.get().description == "台账扫描件"
    bad = client.post(url, {"work_done": "", "progress": "170"})
    assert bad.status_code == 400


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())


def test_the_unit_report_gathers_the_units_measures_and_can_be_edited(world: Any) -> None:
    office, branch1 = world.user("office"), world.user("branch1")
    m = world.measure(state="in_progress")
    inspection = m.finding.inspection
    unit = m.lead_unit
    cycle_save(by=office, inspection=inspection, data=CycleData(frequency="weekly"))
    today = timezone.localdate()
    report_file(
        by=branch1,
        measure=m,
        data=ReportData("学习研讨三次", 60, "时间紧", "继续推进"),
        at=_at(today),
    )
    view = unit_report_for(branch1, unit=unit, inspection=inspection)
    assert view is not None and view.report is None
    assert {line.measure.pk for line in view.lines} >= {m.pk}
    assert "学习研讨三次" in view.prefill["work_done"] and "时间紧" in view.prefill["problems"]

    saved = unit_report_save(
        by=branch1,
        unit=unit,
        inspection=inspection,
        data=UnitReportData("支部汇报正文", "难点", "打算"),
        expected_version=0,
    )
    assert saved.period_start <= today <= saved.period_end
    with pytest.raises(ValidationError):
        unit_report_save(
            by=branch1,
            unit=unit,
            inspection=inspection,
            data=UnitReportData("x"),
            expected_version=0,
        )
    again = unit_report_save(
        by=branch1,
        unit=unit,
        inspection=inspection,
        data=UnitReportData("修改后"),
        expected_version=saved.version,
    )
    assert again.pk == saved.pk and UnitReport.objects.count() == 1
    assert unit_report_for(branch1, unit=unit, inspection=inspection).report.work_done == "修改后"
    assert unit_report_for(world.user("branch7"), unit=unit, inspection=inspection) is None
    with pytest.raises(PermissionDenied):
        unit_report_save(
            by=world.user("branch7"),
            unit=unit,
            inspection=inspection,
            data=UnitReportData("x"),
            expected_version=None,
        )


def test_the_unit_report_page_saves_and_shows(world: Any) -> None:
    m = world.measure(state="in_progress")
    cycle_save(
        by=world.user("office"),
        inspection=m.finding.inspection,
        data=CycleData(frequency="monthly"),
    )
    url = reverse("reporting:unit_report", args=[m.finding.inspection_id, m.lead_unit_id])
    client = world.client("branch1")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"work_done": "汇报", "problems": "", "next_steps": "", "version": "0"}
    )
    assert response.status_code == 302
    assert "汇报" in world.client("liaison1").get(url).content.decode()
    assert world.client("liaison1").post(url, {"work_done": "x", "version": "1"}).status_code == 403
