"""The ledger import: every shape of ledger previewed exactly, applied all or nothing, hostile
files refused, and the same file imported twice changing nothing."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from documents.imports import ImportRefused, apply_import, preview_import
from documents.ledger_reader import LedgerErrorCode, LedgerReadError
from documents.tests import ledger_samples as samples
from ledger.choices import DeadlineKind
from ledger.models import Finding, Measure
from organization.models import Theme

pytestmark = pytest.mark.django_db


def _preview(
    world: Any, inspection: Any, data: bytes, *, name: str = "ledger.xlsx", **kw: Any
) -> Any:
    return preview_import(
        io.BytesIO(data), filename=name, inspection=inspection, by=world.user("office"), **kw
    )


def _apply(world: Any, inspection: Any, data: bytes, **kw: Any) -> Any:
    return apply_import(
        io.BytesIO(data),
        filename="ledger.xlsx",
        inspection=inspection,
        by=world.user("office"),
        **kw,
    )


def _theme(name: str) -> Theme:
    return Theme.objects.get(name=name)


def _messages(preview: Any, address: str) -> list[str]:
    return [p.message for p in preview.problems if p.address == address]


# --- ten and more shapes -------------------------------------------------------------------------


def test_a_plain_ledger_is_previewed_row_by_row_and_imported(samples_org, sample_inspection):
    preview = _preview(samples_org, sample_inspection, samples.simple_header())
    assert not preview.has_errors, preview.errors
    assert [(m.row, m.action, m.finding.number, m.number) for m in preview.measures] == [
        (2, "create", "（一）", "1"),
        (3, "create", "（一）", "2"),
        (4, "create", "（二）", "1"),
    ]
    # "各二级党组织" names the party branches (the organization's group phrases): each of them
    # co-operates, and the preview shows the expansion at its cell.
    expansion = preview.measures[0].expansions[0]
    assert (expansion.address, expansion.text, expansion.role) == ("G2", "各二级党组织", "coop")
    assert len(expansion.units) == 7
    assert {u.name for u in preview.measures[0].data.co_units} >= {u.name for u in expansion.units}
    first = preview.measures[0].data
    assert first.lead_unit.name == "党委宣传部"
    assert first.responsible_leader.name == "王建国"
    assert [p.name for p in first.responsible_persons] == ["李明"]
    assert preview.measures[2].data.deadline_kind == DeadlineKind.IMMEDIATE
    # The theme "党的政治建设" is the organization's "党的建设", read with a warning.
    assert preview.findings[0].theme.name == "党的建设"
    assert any("党的建设" in m for m in _messages(preview, "B2"))
    assert Finding.objects.filter(inspection=sample_inspection).count() == 0  # nothing written

    result = _apply(
        samples_org, sample_inspection, samples.simple_header(), expected_digest=preview.digest
    )
    assert (result.created_findings, result.created_measures) == (2, 3)
    measures = Measure.objects.filter(finding__inspection=sample_inspection).order_by("id")
    assert [m.number for m in measures] == ["1", "2", "1"]
    assert measures[1].responsible_persons.count() == 2


def test_a_title_row_and_a_default_theme(samples_org, sample_inspection):
    without = _preview(samples_org, sample_inspection, samples.title_and_header())
    assert without.has_errors
    assert any("Known themes" in p.message for p in without.errors)
    preview = _preview(
        samples_org, sample_inspection, samples.title_and_header(), default_theme=_theme("党的建设")
    )
    assert not preview.has_errors, preview.errors
    assert preview.sheet.title == "航空学院巡视整改台账"
    assert [m.data.due_date.isoformat() for m in preview.measures] == ["2024-05-31", "2024-08-31"]


def test_a_two_row_header_and_full_width_brackets_in_unit_names(samples_org, sample_inspection):
    preview = _preview(
        samples_org, sample_inspection, samples.two_row_header(), default_theme=_theme("党的建设")
    )
    assert not preview.has_errors, preview.errors
    first, second = preview.measures
    # "学生工作处（团委）" is the demo's "学生工作处(团委)".
    assert [u.name for u in first.data.co_units] == ["学生工作处(团委)"]
    assert second.data.deadline_kind == DeadlineKind.LONG_TERM
    assert second.data.review_interval_days == 90


def test_merged_findings_under_a_numbered_theme(samples_org, sample_inspection):
    preview = _preview(samples_org, sample_inspection, samples.merged_findings())
    assert not preview.has_errors, preview.errors
    assert [f.number for f in preview.findings] == ["一、（一）", "一、（二）"]
    assert [len([m for m in preview.measures if m.finding is f]) for f in preview.findings] == [
        2,
        2,
    ]


def test_findings_written_once_and_missing_measures_are_errors_with_addresses(
    samples_org, sample_inspection
):
    preview = _preview(samples_org, sample_inspection, samples.finding_first_row_only())
    addresses = {p.address for p in preview.errors}
    assert {"C4", "C7"} <= addresses
    # "业务工作" is no theme of the organization: the message names the known themes.
    (theme_error,) = [p for p in preview.errors if p.address == "A7"]
    assert "业务工作" in theme_error.message and "党的建设" in theme_error.message
    assert not preview.can_apply
    with pytest.raises(ImportRefused):
        _apply(samples_org, sample_inspection, samples.finding_first_row_only())
    assert not Finding.objects.filter(inspection=sample_inspection).exists()


def test_numbering_in_every_style_and_section_rows(samples_org, sample_inspection):
    preview = _preview(samples_org, sample_inspection, samples.fullwidth_numbering())
    assert [m.number for m in preview.measures] == ["１", "（２）", "①", "3.2", "1"]
    assert [f.number for f in preview.findings] == ["一、（一）", "二、（二）", "二、（三）"]
    # "①" numbers the same measure as "１": a duplicate, as is the finding left without measure.
    assert {p.address for p in preview.errors} == {"C6", "C10"}
    assert any("appears twice" in m for m in _messages(preview, "C6"))


def test_a_combined_unit_and_person_column(samples_org, sample_inspection):
    preview = _preview(
        samples_org,
        sample_inspection,
        samples.combined_unit_person(),
        default_theme=_theme("党的建设"),
    )
    by_row = {m.row: m for m in preview.measures}
    assert by_row[2].data.lead_unit.name == "党委办公室"
    assert [p.name for p in by_row[4].data.responsible_persons] == ["张三", "李四"]
    assert by_row[5].data.lead_unit.name == "学生工作处(团委)"
    assert "No lead unit (牵头单位) is given." in _messages(preview, "C6")
    assert by_row[6].action == "error"


def test_real_dates_and_percentages(samples_org, sample_inspection):
    preview = _preview(
        samples_org,
        sample_inspection,
        samples.dates_and_numbers(),
        default_theme=_theme("党的建设"),
    )
    # The ledger has no lead-unit column: every new measure needs one.
    assert all(m.action == "error" for m in preview.measures)
    assert any("lead-unit" in p.message for p in preview.errors)


def test_a_gbk_csv_ledger_imports_cleanly(samples_org, sample_inspection):
    data = samples.csv_ledger()
    preview = _preview(samples_org, sample_inspection, data, name="ledger.csv")
    assert preview.sheet.file_format == "csv"
    assert not preview.has_errors, preview.errors
    result = _apply(samples_org, sample_inspection, data)
    assert result.created_measures == 3


def test_an_xls_ledger(samples_org, sample_inspection):
    preview = _preview(samples_org, sample_inspection, samples.xls_ledger(), name="ledger.xls")
    assert preview.sheet.file_format == "xls"
    assert not preview.has_errors, preview.errors
    assert [f.number for f in preview.findings] == ["一、（一）", "一、（二）"]
    assert preview.findings[0].theme.name == "党的建设"


def test_findings_numbered_anew_under_each_theme_get_the_theme_place(
    samples_org, sample_inspection
):
    preview = _preview(samples_org, sample_inspection, samples.sections_with_seq_numbers())
    assert [f.number for f in preview.findings] == ["一、（一）", "二、（一）"]


def test_an_unknown_theme_names_the_known_ones(samples_org, sample_inspection):
    preview = _preview(samples_org, sample_inspection, samples.unusual_order())
    (error,) = [p for p in preview.errors if p.address == "I2"]
    assert "内部管理" in error.message and "全面从严治党" in error.message


def test_formulas_are_errors_at_their_cells(samples_org, sample_inspection):
    preview = _preview(
        samples_org, sample_inspection, samples.formula_cells(), default_theme=_theme("党的建设")
    )
    assert {"C2", "E3"} <= {p.address for p in preview.errors}


def test_a_list_of_findings_without_measures_creates_findings(samples_org, sample_inspection):
    preview = _preview(samples_org, sample_inspection, samples.findings_only())
    assert not preview.has_errors, preview.errors
    assert preview.measures == []
    result = _apply(samples_org, sample_inspection, samples.findings_only())
    assert result.created_findings == 2
    assert list(
        Finding.objects.filter(inspection=sample_inspection)
        .order_by("sort_key")
        .values_list("number", flat=True)
    ) == ["一、（一）", "一、（二）"]


def test_a_measure_merged_over_two_rows_is_a_duplicate_number(samples_org, sample_inspection):
    preview = _preview(
        samples_org,
        sample_inspection,
        samples.merged_measure_and_lists(),
        default_theme=_theme("党的建设"),
    )
    assert any("appears twice" in m for m in _messages(preview, "B2"))
    assert any("5000" in m for m in _messages(preview, "B5"))


def test_header_line_breaks_and_an_unknown_person_with_suggestions(samples_org, sample_inspection):
    from documents.matching import Directory

    preview = _preview(
        samples_org,
        sample_inspection,
        samples.header_with_linebreaks(),
        default_theme=_theme("党的建设"),
    )
    assert not preview.has_errors, preview.errors
    assert preview.measures[0].data.lead_unit.name == "档案馆"
    found = Directory(samples_org.org).person("王建")
    assert found.obj is None and "王建国" in found.suggestions


def test_units_without_their_suffix_are_matched_and_lookalikes_only_suggested(world):
    from documents.matching import Directory

    directory = Directory(world.org)
    assert directory.unit("航空运输系").obj.name == "航空运输系党支部"
    assert directory.unit("人事").obj.name == "人事处"
    assert directory.unit("学生工作处（团委）").obj.name == "学生工作处(团委)"
    assert directory.unit(" 党委 办公室 ").obj.name == "党委办公室"
    lookalike = directory.unit("党委办公厅")
    assert lookalike.obj is None and "党委办公室" in lookalike.suggestions


# --- re-import and edited versions --------------------------------------------------------------


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    return samples.csv_ledger(rows=rows)


def test_importing_the_same_file_twice_changes_nothing(samples_org, sample_inspection):
    data = samples.csv_ledger()
    _apply(samples_org, sample_inspection, data)
    versions = dict(
        Measure.objects.filter(finding__inspection=sample_inspection).values_list("id", "version")
    )
    again = _preview(samples_org, sample_inspection, data, name="ledger.csv")
    assert {m.action for m in again.measures} == {"unchanged"}
    assert {f.action for f in again.findings} == {"unchanged"}
    assert not again.can_apply
    result = _apply(samples_org, sample_inspection, data)
    assert (result.created_measures, result.updated_measures) == (0, 0)
    assert versions == dict(
        Measure.objects.filter(finding__inspection=sample_inspection).values_list("id", "version")
    )


def test_an_edited_version_updates_the_measures_it_matches_and_reports_the_changes(
    samples_org, sample_inspection
):
    _apply(samples_org, sample_inspection, samples.csv_ledger())
    rows = [list(r) for r in samples.CSV_ROWS]
    rows[1][6] = "2024年8月底前"  # deadline of （一）1
    rows[3][4] = "党委办公室"  # lead unit of （二）1
    rows.append(["4", "", "", "3.建立长效机制", "党委办公室", "张三", "长期坚持"])
    edited = _csv([tuple(r) for r in rows])
    preview = _preview(samples_org, sample_inspection, edited, name="ledger.csv")
    actions = {(m.finding.number, m.number): m.action for m in preview.measures}
    assert actions == {
        ("（一）", "1"): "update",
        ("（一）", "2"): "unchanged",
        ("（二）", "1"): "update",
        ("（二）", "3"): "create",
    }
    changes = {
        (m.finding.number, m.number): {c.field: (c.before, c.after) for c in m.changes}
        for m in preview.measures
    }
    assert changes[("（一）", "1")]["deadline"][1].startswith("2024年8月底前")
    assert changes[("（二）", "1")]["lead_unit"] == ("纪委办公室", "党委办公室")
    result = _apply(samples_org, sample_inspection, edited, expected_digest=preview.digest)
    assert (result.created_measures, result.updated_measures) == (1, 2)
    moved = Measure.objects.get(
        finding__inspection=sample_inspection, finding__number="（二）", number="1"
    )
    assert moved.lead_unit.name == "党委办公室"
    assert moved.version == 2


def test_a_plan_that_changed_since_the_preview_is_refused(samples_org, sample_inspection):
    data = samples.csv_ledger()
    preview = _preview(samples_org, sample_inspection, data, name="ledger.csv")
    _apply(samples_org, sample_inspection, data)  # someone else imported in the meantime
    with pytest.raises(ImportRefused, match="changed since the preview"):
        _apply(samples_org, sample_inspection, data, expected_digest=preview.digest)


def test_form_validation_applies_per_row(samples_org, sample_inspection):
    rows = [list(r) for r in samples.CSV_ROWS]
    rows[1][6] = "2023-12-31"  # before the feedback date
    rows[2][6] = "3月内"  # ambiguous
    preview = _preview(samples_org, sample_inspection, _csv([tuple(r) for r in rows]), name="x.csv")
    assert any("before the feedback date" in m for m in _messages(preview, "G2"))
    assert _messages(preview, "G3")
    assert [m.action for m in preview.measures] == ["error", "error", "create"]


def test_the_whole_import_is_one_transaction(samples_org, sample_inspection, monkeypatch):
    from django.core.exceptions import ValidationError

    from documents import imports
    from ledger.services import MeasureRefused

    real = imports.measures_create

    def failing(**kwargs: Any) -> Any:
        # The new measures are written, then the batch is refused at its second item.
        assert real(**kwargs)
        assert Measure.objects.filter(finding__inspection=sample_inspection).exists()
        raise MeasureRefused(1, ValidationError("boom"))

    monkeypatch.setattr(imports, "measures_create", failing)
    with pytest.raises(ImportRefused, match="nothing was imported"):
        _apply(samples_org, sample_inspection, samples.csv_ledger())
    assert not Finding.objects.filter(inspection=sample_inspection).exists()
    assert not Measure.objects.filter(finding__inspection=sample_inspection).exists()


def test_new_findings_show_similar_findings_of_earlier_inspections(world, empty_inspection):
    demo_finding = world.finding()
    later = _later_inspection(world)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "问题类别", "具体问题", "整改措施", "牵头单位", "完成时限"])
    sheet.append(
        ["1", demo_finding.theme.name, demo_finding.text, "1.再次整改", "党委办公室", "长期坚持"]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = _preview(world, later, buffer.getvalue())
    (plan,) = preview.findings
    assert plan.similar and plan.similar[0].finding_id == demo_finding.pk
    assert plan.similar[0].score > 0.99


def _later_inspection(world: Any) -> Any:
    import datetime as dt

    from ledger.models import Inspection
    from ledger.services import inspection_save

    demo = world.inspection()
    return inspection_save(
        by=world.user("office"),
        inspection=Inspection(
            organization=world.org,
            name="下一轮巡察",
            feedback_date=demo.feedback_date + dt.timedelta(days=400),
            rectification_end=demo.feedback_date + dt.timedelta(days=490),
        ),
    )


# --- hostile files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "code"),
    [
        (samples.pdf_file, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.random_bytes, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.empty_file, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.word_document_zip, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.encrypted_xlsx, LedgerErrorCode.ENCRYPTED),
        (samples.macro_xlsx, LedgerErrorCode.MACRO),
        (samples.zip_bomb, LedgerErrorCode.ZIP_BOMB),
        (samples.million_rows, LedgerErrorCode.TOO_MANY_ROWS),
        (samples.no_header_sheet, LedgerErrorCode.NO_HEADER),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(world, empty_inspection, builder, code):
    with pytest.raises(LedgerReadError) as refused:
        _preview(world, empty_inspection, builder())
    assert refused.value.code == code
    assert refused.value.message


def test_one_number_for_two_findings_imports_both_with_a_warning(samples_org, sample_inspection):
    rows = [list(r) for r in samples.CSV_ROWS]
    rows[3][2] = "（一）另一个问题"  # a second finding numbered （一）
    data = _csv([tuple(r) for r in rows])
    preview = _preview(samples_org, sample_inspection, data, name="x.csv")
    assert not preview.has_errors
    assert any("also used" in p.message for p in preview.problems if p.severity == "warning")
    _apply(samples_org, sample_inspection, data)
    assert Finding.objects.filter(inspection=sample_inspection, number="（一）").count() == 2
    again = _preview(samples_org, sample_inspection, data, name="x.csv")
    assert {m.action for m in again.measures} == {"unchanged"}
