"""The Word documents: built from the ledger's figures, opened by python-docx, converted to
PDF by LibreOffice and rendered to PNG under test-output/documents/ for a look at the layout."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from docx import Document

from documents import selectors, word
from ledger.models import Finding, Measure

pytestmark = pytest.mark.django_db

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "documents"


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _get(client: Any, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_the_progress_report_states_the_standard_sentence_from_data(world):
    inspection = world.inspection()
    data = _get(world.client("office"), reverse("documents:progress_report", args=[inspection.pk]))
    text = _text(data)
    findings = Finding.objects.filter(inspection=inspection)
    figures = selectors.progress_data(world.user("office"), inspection)
    assert figures.total.findings == findings.count()
    assert (
        f"巡视反馈问题{findings.count()}个，已完成整改{figures.total.findings_done}个，"
        f"正在整改{figures.total.findings_open}个，整改完成率{figures.total.findings_rate}%"
    ) in text
    measures = Measure.objects.filter(finding__inspection=inspection).count()
    assert f"细化整改措施{measures}条" in text
    assert f"关于{inspection.name}整改进展情况的报告" in text
    for theme in {f.theme.name for f in findings}:
        assert theme in text
    assert "合计" in text
    notice = _text(
        _get(
            world.client("leader"),
            reverse("documents:progress_report", args=[inspection.pk]) + "?kind=notice",
        )
    )
    assert "整改进展情况的通报" in notice and "各党支部、各部门" in notice


def test_task_division_and_responsibility_list_merge_finding_cells(world):
    inspection = world.inspection()
    client = world.client("office")
    data = _get(client, reverse("documents:task_division", args=[inspection.pk]))
    document = Document(io.BytesIO(data))
    assert document.sections[0].orientation == 1  # landscape
    table = document.tables[0]
    merges = table._tbl.xpath(".//w:vMerge")
    assert merges, "finding cells merge over their measures"
    assert "任务分工表" in _text(data)
    unit = world.unit(world.BRANCH1)
    listing = _get(
        client, reverse("documents:responsibility_list", args=[inspection.pk]) + f"?unit={unit.pk}"
    )
    text = _text(listing)
    assert unit.name in text and "责任清单" in text
    assert "牵头" in text


def test_a_branch_secretary_gets_only_its_scope_in_documents(world):
    inspection = world.inspection()
    text = _text(
        _get(world.client("branch1"), reverse("documents:task_division", args=[inspection.pk]))
    )
    visible = Measure.objects.visible_to(world.user("branch1")).filter(
        finding__inspection=inspection
    )
    hidden = Measure.objects.filter(finding__inspection=inspection).exclude(
        pk__in=visible.values("pk")
    )
    assert any(m.content[:20] in text for m in visible)
    shown = {m.content for m in visible}
    private = [m for m in hidden if m.content not in shown]
    assert private and not any(m.content in text for m in private)
    assert (
        world.client("branch1")
        .get(reverse("documents:progress_report", args=[inspection.pk]))
        .status_code
        == 403
    )


def test_the_unit_report_reads_the_reporting_layers_unit_report(world):
    from reporting.models import ReportingCycle

    inspection = world.inspection()
    ReportingCycle.objects.get_or_create(inspection=inspection)
    unit = world.unit(world.BRANCH1)
    data = _get(
        world.client("branch1"), reverse("documents:unit_report", args=[inspection.pk, unit.pk])
    )
    text = _text(data)
    assert f"{unit.name}关于巡视整改工作进展情况的汇报" in text
    for heading in ("工作开展情况", "存在的问题和难点堵点", "下一步工作打算"):
        assert heading in text


def test_without_a_reporting_cycle_the_unit_report_says_what_to_do(world):
    from reporting.models import ReportingCycle

    inspection = world.inspection()
    ReportingCycle.objects.filter(inspection=inspection).delete()
    url = reverse("documents:unit_report", args=[inspection.pk, world.unit(world.BRANCH1).pk])
    cycle_url = reverse("reporting:cycle_edit", args=[inspection.pk])
    response = world.client("office").get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "报告周期" in body and cycle_url in body
    assert world.client("office").get(cycle_url).status_code == 200
    # The unit is told who sets it, and offered no link it could not follow.
    response = world.client("branch1").get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "整改办" in body and cycle_url not in body


def test_the_supervision_notice_from_the_measure_and_from_an_issued_notice(world):
    import datetime as dt

    from django.utils import timezone

    measure = world.new_measure(content="督办测试措施", is_flagged=True)
    text = _text(
        _get(world.client("office"), reverse("documents:supervision_notice", args=[measure.pk]))
    )
    assert "督办通知" in text and "督办测试措施" in text and measure.lead_unit.name in text
    page = world.client("office").get(reverse("ledger:measure_detail", args=[measure.pk]))
    assert reverse("documents:supervision_notice", args=[measure.pk]) in page.content.decode()
    unit_page = world.client("branch1").get(reverse("ledger:measure_detail", args=[measure.pk]))
    assert (
        reverse("documents:supervision_notice", args=[measure.pk]) not in unit_page.content.decode()
    )
    from notifications.services import notice_issue

    notice = notice_issue(
        by=world.user("office"),
        measure_id=measure.pk,
        requirements="请于一周内提交整改方案。",
        reply_deadline=timezone.localdate() + dt.timedelta(days=7),
    )
    text = _text(
        _get(world.client("branch1"), reverse("documents:supervision_notice", args=[measure.pk]))
    )
    assert notice.number in text and "请于一周内提交整改方案。" in text


def _render(name: str, data: bytes, tmp_path: Path) -> list[Path]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    source = tmp_path / f"{name}.docx"
    source.write_bytes(data)
    subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / f"{name}.pdf"
    assert pdf.is_file() and pdf.stat().st_size > 1000
    for old in OUTPUT.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-l", "3", str(pdf), str(OUTPUT / name)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return sorted(OUTPUT.glob(f"{name}-*.png"))


@pytest.mark.skipif(
    not shutil.which("soffice") or not shutil.which("pdftoppm"),
    reason="LibreOffice and poppler are needed to render documents",
)
def test_every_document_converts_to_pdf_and_renders(world, tmp_path):
    from reporting.models import ReportingCycle

    inspection = world.inspection()
    ReportingCycle.objects.get_or_create(inspection=inspection)
    office = world.client("office")
    unit = world.unit(world.BRANCH1)
    flagged = world.new_measure(content="督办测试措施", is_flagged=True)
    documents = {
        "progress_report": reverse("documents:progress_report", args=[inspection.pk]),
        "task_division": reverse("documents:task_division", args=[inspection.pk]),
        "responsibility_list": reverse("documents:responsibility_list", args=[inspection.pk])
        + f"?unit={unit.pk}",
        "unit_report": reverse("documents:unit_report", args=[inspection.pk, unit.pk]),
        "supervision_notice": reverse("documents:supervision_notice", args=[flagged.pk]),
    }
    for name, url in documents.items():
        pages = _render(name, _get(office, url), tmp_path)
        assert pages, name


def _has_calc() -> bool:
    return any(Path("/usr/lib/libreoffice/program").glob("libsclo.so"))


@pytest.mark.skipif(
    not shutil.which("soffice") or not shutil.which("pdftoppm") or not _has_calc(),
    reason="LibreOffice Calc and poppler are needed to render the ledger",
)
def test_the_excel_ledger_opens_in_libreoffice_calc(world, tmp_path):
    response = world.client("office").get(
        reverse("documents:ledger_export"), {"inspection": world.inspection().pk}
    )
    ledger = tmp_path / "ledger.xlsx"
    ledger.write_bytes(b"".join(response.streaming_content))
    subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(ledger),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob("ledger-*.png"):
        old.unlink()
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-l",
            "2",
            str(tmp_path / "ledger.pdf"),
            str(OUTPUT / "ledger"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert list(OUTPUT.glob("ledger-*.png"))


def test_builders_work_without_http(world):
    inspection = world.inspection()
    office = world.user("office")
    data = selectors.progress_data(office, inspection)
    assert Document(io.BytesIO(word.progress_report(data))).paragraphs
    rows = selectors.division_rows(office, inspection)
    assert len(rows) == Measure.objects.filter(finding__inspection=inspection).count()
