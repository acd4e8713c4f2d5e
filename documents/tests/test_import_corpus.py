"""The import corpus: twelve ledgers in the layouts offices keep, each preview asserted cell by
cell (what was read, what will be created, every warning and error), then the choices a person
makes in the preview (narrowing a group, choosing a theme or a person, importing the rows
without errors) and what the import writes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from documents.imports import ImportChoices, ImportRefused, apply_import, preview_import
from documents.tests import ledger_corpus as corpus
from ledger.models import Measure, MeasureGroup
from organization.models import Person, Theme, Unit


def _preview(world: Any, inspection: Any, build: Any, **kw: Any) -> Any:
    name, data = build()
    return preview_import(
        io.BytesIO(data), filename=name, inspection=inspection, by=world.user("office"), **kw
    )


def _apply(world: Any, inspection: Any, build: Any, **kw: Any) -> Any:
    name, data = build()
    return apply_import(
        io.BytesIO(data), filename=name, inspection=inspection, by=world.user("office"), **kw
    )


def _row(plan: Any) -> tuple[Any, ...]:
    read = plan.read
    return (
        plan.row,
        plan.action,
        plan.finding.number,
        plan.number,
        read.get("lead_unit", ""),
        read.get("lead_unit_matched"),
        len(read.get("co_units_matched", [])),
        read.get("leader_matched"),
        tuple(read.get("persons_matched", [])),
        tuple(read.get("names_kept_as_text", [])),
        read.get("deadline_kind"),
        read.get("due_date"),
        len(plan.group_units),
    )


# Per ledger: (rows read, measures the import creates, rows blocked), then per row: row, action,
# finding number, measure number, lead unit as written, lead unit matched, number of
# co-operating units, leader, persons matched, names kept as text, deadline kind, due date,
# number of units the row is assigned to; then every problem of the file in order.
EXPECTED: dict[str, dict[str, Any]] = {
    "wechat_two_row_header": {
        "counts": (3, 9, 0),
        "rows": [
            (
                4,
                "create",
                "（一）",
                "1",
                "组织部",
                "组织部",
                0,
                "",
                (),
                ("王某某", "刘某"),
                "by_date",
                "2024-03-31",
                0,
            ),
            (
                5,
                "create",
                "（一）",
                "2",
                "各党支部",
                "航空运输系党支部",
                0,
                "",
                (),
                ("王某某",),
                "by_date",
                "2024-06-30",
                7,
            ),
            (
                6,
                "create",
                "（一）",
                "3",
                "组织部",
                "组织部",
                0,
                "",
                ("刘洋",),
                ("王某某",),
                "long_term",
                "",
                0,
            ),
        ],
        "problems": [
            ("warning", "E4", "王某某 is not in the people directory; the name is kept as text."),
            (
                "warning",
                "G4",
                "刘某 is not in the people directory; the name is kept as text. (close: 刘洋)",
            ),
            ("warning", "E5", "王某某 is not in the people directory; the name is kept as text."),
            ("warning", "E6", "王某某 is not in the people directory; the name is kept as text."),
        ],
    },
    "combined_unit_person": {
        "counts": (2, 2, 0),
        "rows": [
            (
                2,
                "create",
                "（一）",
                "1",
                "纪委办公室",
                "纪委办公室",
                0,
                "",
                ("张三",),
                (),
                "by_date",
                "2024-04-30",
                0,
            ),
            (
                3,
                "create",
                "（一）",
                "2",
                "党委办公室",
                "党委办公室",
                0,
                "",
                (),
                ("赵某",),
                "by_date",
                "2024-05-31",
                0,
            ),
        ],
        "problems": [
            (
                "warning",
                "D3",
                "赵某 is not in the people directory; the name is kept as text. (close: 赵强)",
            ),
        ],
    },
    "group_phrases_as_lead": {
        "counts": (5, 62, 0),
        "rows": [
            (
                2,
                "create",
                "（一）",
                "1",
                "各党支部",
                "航空运输系党支部",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                7,
            ),
            (
                3,
                "create",
                "（一）",
                "2",
                "各党支部、各职能部门",
                "航空运输系党支部",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                21,
            ),
            (
                4,
                "create",
                "（一）",
                "3",
                "航空运输系等单位",
                "航空运输系党支部",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                7,
            ),
            (
                5,
                "create",
                "（一）",
                "4",
                "全院各单位",
                "航空运输系党支部",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                21,
            ),
            (
                6,
                "create",
                "（一）",
                "5",
                "各系（部）",
                "航空运输系党支部",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                6,
            ),
        ],
        "problems": [],
    },
    "group_phrases_as_co_units": {
        "counts": (3, 3, 0),
        "rows": [
            (
                2,
                "create",
                "（一）",
                "1",
                "宣传部",
                "宣传部",
                13,
                "",
                (),
                (),
                "by_date",
                "2024-05-31",
                0,
            ),
            (
                3,
                "create",
                "（一）",
                "2",
                "宣传部",
                "宣传部",
                7,
                "",
                (),
                (),
                "by_date",
                "2024-05-31",
                0,
            ),
            (
                4,
                "create",
                "（一）",
                "3",
                "宣传部",
                "宣传部",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-05-31",
                0,
            ),
        ],
        "problems": [
            (
                "warning",
                "E4",
                (
                    "“相关单位” names several units, but no group phrase of the organization says "
                    "which; list the units or add the phrase to the organization's settings."
                ),
            ),
        ],
    },
    "all_people_unknown": {
        "counts": (3, 3, 0),
        "rows": [
            (
                2,
                "create",
                "（一）",
                "1",
                "教务处",
                "教务处",
                0,
                "",
                (),
                ("冯某某", "褚某", "卫某"),
                "by_date",
                "2024-06-30",
                0,
            ),
            (
                3,
                "create",
                "（一）",
                "2",
                "教务处",
                "教务处",
                0,
                "",
                (),
                ("冯某某", "沈某"),
                "by_date",
                "2024-09-30",
                0,
            ),
            (
                4,
                "create",
                "（二）",
                "1",
                "人事处",
                "人事处",
                0,
                "",
                (),
                ("韩某", "钱某"),
                "by_date",
                "2024-12-31",
                0,
            ),
        ],
        "problems": [
            ("warning", "D2", "冯某某 is not in the people directory; the name is kept as text."),
            ("warning", "F2", "卫某 is not in the people directory; the name is kept as text."),
            ("warning", "F2", "褚某 is not in the people directory; the name is kept as text."),
            ("warning", "D3", "Only one responsible leader is kept per measure: 冯某某."),
            ("warning", "D3", "冯某某 is not in the people directory; the name is kept as text."),
            ("warning", "F3", "沈某 is not in the people directory; the name is kept as text."),
            ("warning", "D4", "韩某 is not in the people directory; the name is kept as text."),
            (
                "warning",
                "F4",
                "钱某(副处长) is not in the people directory; the name is kept as text.",
            ),
        ],
    },
    "ambiguous_theme": {
        "counts": (2, 1, 1),
        "rows": [
            (
                3,
                "error",
                "一、（一）",
                "1",
                "党委办公室",
                "党委办公室",
                0,
                "",
                ("张红",),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
            (
                5,
                "create",
                "二、（一）",
                "1",
                "宣传部",
                "宣传部",
                0,
                "",
                ("周丽",),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
        ],
        "problems": [
            (
                "error",
                "A2",
                (
                    "The theme “党的建设和党风廉政建设方面” fits several themes: "
                    "党的建设、党风廉政建设; choose one."
                ),
            ),
        ],
    },
    "restarting_numbers": {
        "counts": (5, 5, 0),
        "rows": [
            (
                3,
                "create",
                "一、（一）",
                "1",
                "党委办公室",
                "党委办公室",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
            (
                4,
                "create",
                "一、（一）",
                "2",
                "党委办公室",
                "党委办公室",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-07-31",
                0,
            ),
            (
                5,
                "create",
                "一、（二）",
                "1",
                "组织部",
                "组织部",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
            (
                7,
                "create",
                "二、（一）",
                "1",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-05-31",
                0,
            ),
            (
                8,
                "create",
                "二、（一）",
                "1",
                "后勤处",
                "后勤处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-05-31",
                0,
            ),
        ],
        "problems": [
            (
                "warning",
                "A8",
                (
                    "The finding number 二、（一） is also used in row 7 for another finding; both "
                    "are imported, told apart by their text."
                ),
            ),
        ],
    },
    "dates_as_written": {
        "counts": (12, 12, 0),
        "rows": [
            (
                2,
                "create",
                "（一）",
                "1",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-03-31",
                0,
            ),
            (
                3,
                "create",
                "（一）",
                "2",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-03-31",
                0,
            ),
            (
                4,
                "create",
                "（一）",
                "3",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-03-31",
                0,
            ),
            (5, "create", "（一）", "4", "财务处", "财务处", 0, "", (), (), "immediate", "", 0),
            (6, "create", "（一）", "5", "财务处", "财务处", 0, "", (), (), "immediate", "", 0),
            (7, "create", "（一）", "6", "财务处", "财务处", 0, "", (), (), "long_term", "", 0),
            (8, "create", "（一）", "7", "财务处", "财务处", 0, "", (), (), "long_term", "", 0),
            (
                9,
                "create",
                "（一）",
                "8",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
            (
                10,
                "create",
                "（一）",
                "9",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
            (
                11,
                "create",
                "（一）",
                "10",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
            (
                12,
                "create",
                "（一）",
                "11",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-09-30",
                0,
            ),
            (
                13,
                "create",
                "（一）",
                "12",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
        ],
        "problems": [
            (
                "warning",
                "E12",
                "The deadline was read from “2024年9月底”; the rest of the cell is a note.",
            ),
            (
                "warning",
                "E13",
                (
                    "The deadline was read from “2024年6月底前，长期坚持”; "
                    "the rest of the cell is a note."
                ),
            ),
        ],
    },
    "every_error_at_once": {
        "counts": (3, 1, 2),
        "rows": [
            (2, "error", "（一）", "1", "采购中心", "", 0, "", (), (), "by_date", "2023-12-31", 0),
            (
                3,
                "create",
                "（一）",
                "2",
                "财务处",
                "财务处",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
            (4, "error", "（一）", "3", "", "", 0, "", (), (), "", "", 0),
        ],
        "problems": [
            ("error", "D2", "No unit named “采购中心” in the organization."),
            ("error", "E2", "No unit named “审计室” in the organization."),
            ("error", "F2", "The due date 2023-12-31 is before the feedback date 2024-01-15."),
            ("error", "D4", "No lead unit (牵头单位) is given."),
            ("error", "F4", 'Cannot read "尽快" in the deadline "尽快".'),
        ],
    },
    "ambiguous_person": {
        "counts": (2, 2, 0),
        "rows": [
            (
                2,
                "create",
                "（一）",
                "1",
                "人事处",
                "人事处",
                0,
                "",
                (),
                ("张伟",),
                "by_date",
                "2024-06-30",
                0,
            ),
            (
                3,
                "create",
                "（一）",
                "2",
                "人事处",
                "人事处",
                0,
                "",
                ("王建国",),
                (),
                "by_date",
                "2024-09-30",
                0,
            ),
        ],
        "problems": [
            (
                "warning",
                "E2",
                (
                    "“张伟” fits several people: 张伟 (人事处)、张伟 (教务处); "
                    "kept as text until you choose."
                ),
            ),
        ],
    },
    "title_notes_and_blank_rows": {
        "counts": (2, 2, 0),
        "rows": [
            (
                4,
                "create",
                "（一）",
                "1",
                "党委办公室",
                "党委办公室",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-04-30",
                0,
            ),
            (
                6,
                "create",
                "（一）",
                "2",
                "党委办公室",
                "党委办公室",
                0,
                "",
                (),
                (),
                "by_date",
                "2024-06-30",
                0,
            ),
        ],
        "problems": [
            (
                "warning",
                "",
                (
                    "1 rows describe their progress in words; only percentages are imported "
                    "(progress is reported on each measure's page)."
                ),
            ),
        ],
    },
    "wps_gb18030_csv": {
        "counts": (2, 15, 0),
        "rows": [
            (
                2,
                "create",
                "（一）",
                "1",
                "各职能部门",
                "党委办公室",
                0,
                "",
                (),
                ("杨某",),
                "by_date",
                "2024-04-30",
                14,
            ),
            (
                3,
                "create",
                "（一）",
                "2",
                "纪委办公室",
                "纪委办公室",
                0,
                "",
                ("张三",),
                (),
                "by_date",
                "2024-05-31",
                0,
            ),
        ],
        "problems": [
            ("warning", "E2", "杨某 is not in the people directory; the name is kept as text."),
            (
                "warning",
                "F3",
                "The deadline was read from “2024年5月31日前”; the rest of the cell is a note.",
            ),
        ],
    },
}


@pytest.mark.parametrize("build", corpus.CORPUS, ids=lambda b: b.__name__)
def test_each_ledger_of_the_corpus_previews_as_expected(corpus_org, sample_inspection, build):
    preview = _preview(corpus_org, sample_inspection, build)
    expected = EXPECTED[build.__name__]
    counts = preview.counts()
    assert (counts["rows"], counts["measures_create"], counts["rows_with_errors"]) == expected[
        "counts"
    ]
    assert [_row(m) for m in preview.measures] == expected["rows"]
    assert [(p.severity, p.address, p.message) for p in preview.problems] == expected["problems"]
    # The --json output is the same preview: every row with what was read.
    data = preview.to_dict()
    assert [r["row"] for r in data["rows"]] == [m.row for m in preview.measures]
    assert all("read" in r and "problems" in r for r in data["rows"])


def test_the_corpus_totals(corpus_org, sample_inspection):
    read = created = blocked = 0
    for build in corpus.CORPUS:
        counts = _preview(corpus_org, sample_inspection, build).counts()
        read += counts["rows"]
        created += counts["measures_create"]
        blocked += counts["rows_with_errors"]
    assert (read, created, blocked) == (44, 117, 3)


def test_deadlines_are_read_as_people_write_them(corpus_org, sample_inspection):
    preview = _preview(corpus_org, sample_inspection, corpus.dates_as_written)
    assert [
        (m.read["deadline"], m.read["deadline_kind"], m.read["due_date"], m.read["long_term_after"])
        for m in preview.measures
    ] == [
        ("2024.3.31", "by_date", "2024-03-31", False),
        ("2024年3月底", "by_date", "2024-03-31", False),
        ("3月31日前", "by_date", "2024-03-31", False),  # the year of the feedback
        ("即知即改", "immediate", "", False),
        ("立行立改", "immediate", "", False),
        ("长期坚持", "long_term", "", False),
        ("持续推进", "long_term", "", False),
        ("2024年6月底前完成并长期坚持", "by_date", "2024-06-30", True),
        ("2024年6月 底前", "by_date", "2024-06-30", False),  # a no-break space
        ("2024年 6月30日", "by_date", "2024-06-30", False),  # an ideographic space
        ("2024年9月底 （已完成）", "by_date", "2024-09-30", False),  # a second line, a note
        ("2024年6月底前（阶段性），长期坚持", "by_date", "2024-06-30", True),
    ]
    # Long-term measures get the default review interval; the deadline keeps its words.
    data = preview.measures[5].data
    assert (data.deadline_kind, data.review_interval_days) == ("long_term", 90)
    assert preview.measures[7].data.deadline_text == "2024年6月底前完成并长期坚持"


def test_a_row_shows_what_was_read_next_to_its_three_errors(corpus_org, sample_inspection):
    plan = _preview(corpus_org, sample_inspection, corpus.every_error_at_once).measures[0]
    assert plan.action == "error"
    assert [(p.address, p.severity) for p in plan.problems] == [
        ("D2", "error"),
        ("E2", "error"),
        ("F2", "error"),
    ]
    assert plan.read["lead_unit"] == "采购中心"
    assert plan.read["co_units"] == "审计室"
    assert (plan.read["deadline"], plan.read["due_date"]) == ("2023-12-31", "2023-12-31")


def test_the_command_reports_every_error_of_a_row_at_once(
    corpus_org, sample_inspection, tmp_path: Path
):
    name, data = corpus.every_error_at_once()
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    call_command(
        "import_ledger",
        str(path),
        inspection=sample_inspection.pk,
        dry_run=True,
        json=True,
        stdout=out,
    )
    result = json.loads(out.getvalue())
    row = next(r for r in result["rows"] if r["row"] == 2)
    assert [p["address"] for p in row["problems"] if p["severity"] == "error"] == [
        "D2",
        "E2",
        "F2",
    ]
    assert row["read"]["lead_unit"] == "采购中心"
    assert result["counts"]["rows_with_errors"] == 2


def test_a_ledger_whose_people_are_all_unknown_creates_every_measure(corpus_org, sample_inspection):
    result = _apply(corpus_org, sample_inspection, corpus.all_people_unknown)
    assert result.created_measures == 3
    measures = Measure.objects.filter(finding__inspection=sample_inspection).order_by("id")
    assert [
        (m.responsible_leader_text, m.responsible_persons_text, m.responsible_leader_id)
        for m in measures
    ] == [("冯某某", "褚某、卫某", None), ("冯某某", "沈某", None), ("韩某", "钱某", None)]
    # The persons default to nobody rather than to the unit's heads: the ledger named people.
    assert all(m.responsible_persons.count() == 0 for m in measures)


def test_names_kept_as_text_show_in_the_ledger_and_its_export(corpus_org, sample_inspection):
    from django.urls import reverse

    from documents.exports import ledger_values

    _apply(corpus_org, sample_inspection, corpus.all_people_unknown)
    measure = Measure.objects.get(finding__inspection=sample_inspection, content="制定实施方案")
    row = ledger_values(measure)
    assert "冯某某" in row and "褚某、卫某" in row
    client = corpus_org.client("office")
    page = client.get(reverse("ledger:ledger"), {"inspection": sample_inspection.pk})
    assert "冯某某" in page.content.decode() and "褚某、卫某" in page.content.decode()
    detail = client.get(reverse("ledger:measure_detail", args=[measure.pk])).content.decode()
    assert "冯某某" in detail and "褚某、卫某" in detail


def test_a_name_kept_as_text_is_linked_when_the_person_is_added(corpus_org, sample_inspection):
    from organization.services import person_save

    _apply(corpus_org, sample_inspection, corpus.all_people_unknown)
    person = person_save(
        actor=corpus_org.user("admin"),
        person=Person(organization=corpus_org.org, name="冯某某"),
        username="fengmoumou",
        email="",
    )
    leaders = Measure.objects.filter(
        finding__inspection=sample_inspection, responsible_leader_text__in=["", "冯某某"]
    ).exclude(finding__number__contains="二")
    assert {(m.responsible_leader_id, m.responsible_leader_text) for m in leaders} == {
        (person.pk, "")
    }
    added = person_save(
        actor=corpus_org.user("admin"),
        person=Person(organization=corpus_org.org, name="沈某"),
        username="shenmou",
        email="",
    )
    second = Measure.objects.get(finding__inspection=sample_inspection, content="开展示范课评选")
    assert second.responsible_persons_text == ""
    assert list(second.responsible_persons.all()) == [added]


def test_a_group_phrase_as_lead_assigns_the_measure_to_each_unit(corpus_org, sample_inspection):
    result = _apply(corpus_org, sample_inspection, corpus.wechat_two_row_header)
    assert result.created_measures == 9
    group = MeasureGroup.objects.get(finding__inspection=sample_inspection)
    copies = Measure.objects.filter(group=group).order_by("number")
    assert [m.number for m in copies] == [f"2.{i}" for i in range(1, 8)]
    assert all(m.responsible_leader_text == "王某某" for m in copies)
    # Importing the same file again changes nothing.
    again = _preview(corpus_org, sample_inspection, corpus.wechat_two_row_header)
    assert [m.action for m in again.measures] == ["unchanged", "unchanged", "unchanged"]


def test_a_group_is_narrowed_in_the_preview(corpus_org, sample_inspection):
    preview = _preview(corpus_org, sample_inspection, corpus.wechat_two_row_header)
    expansion = preview.measures[1].expansions[0]
    assert (expansion.key, expansion.text, len(expansion.offered)) == ("F5|各党支部", "各党支部", 7)
    kept = [expansion.offered[0].pk, expansion.offered[2].pk]
    choices = ImportChoices(narrow={expansion.key: kept})
    narrowed = _preview(
        corpus_org, sample_inspection, corpus.wechat_two_row_header, choices=choices
    )
    assert [u.pk for u in narrowed.measures[1].group_units] == kept
    assert narrowed.counts()["measures_create"] == 4
    result = _apply(
        corpus_org,
        sample_inspection,
        corpus.wechat_two_row_header,
        choices=choices,
        expected_digest=narrowed.digest,
    )
    assert result.created_measures == 4


def test_an_ambiguous_theme_is_asked_and_the_choice_applied(corpus_org, sample_inspection):
    preview = _preview(corpus_org, sample_inspection, corpus.ambiguous_theme)
    choice = preview.findings[0].choices[0]
    assert [c["label"] for c in choice["candidates"]] == ["党的建设", "党风廉政建设"]
    theme = Theme.objects.get(organization=corpus_org.org, name="党风廉政建设")
    chosen = _preview(
        corpus_org,
        sample_inspection,
        corpus.ambiguous_theme,
        choices=ImportChoices(themes={choice["key"]: theme.pk}),
    )
    assert not chosen.has_errors
    assert chosen.findings[0].theme == theme


def test_an_ambiguous_person_is_matched_to_the_person_chosen(corpus_org, sample_inspection):
    preview = _preview(corpus_org, sample_inspection, corpus.ambiguous_person)
    unmatched = preview.measures[0].unmatched[0]
    assert (unmatched.name, unmatched.address, len(unmatched.candidates)) == ("张伟", "E2", 2)
    person = unmatched.candidates[1]
    matched = _preview(
        corpus_org,
        sample_inspection,
        corpus.ambiguous_person,
        choices=ImportChoices(people={"张伟": person.pk}),
    )
    assert matched.measures[0].data.responsible_persons == [person]
    assert matched.measures[0].data.responsible_persons_text == ""
    assert matched.problems == []


def test_a_unit_that_merely_resembles_is_offered_not_applied(corpus_org, sample_inspection):
    from organization.choices import UnitKind

    Unit.objects.create(organization=corpus_org.org, name="采购管理中心", kind=UnitKind.OTHER)
    preview = _preview(corpus_org, sample_inspection, corpus.every_error_at_once)
    row = preview.measures[0]
    assert row.action == "error" and row.read["lead_unit_matched"] == ""
    offered = [c for c in row.choices if c["address"] == "D2"]
    assert [o["label"] for o in offered[0]["candidates"]] == ["采购管理中心"]
    chosen = _preview(
        corpus_org,
        sample_inspection,
        corpus.every_error_at_once,
        choices=ImportChoices(units={offered[0]["key"]: offered[0]["candidates"][0]["id"]}),
    )
    assert chosen.measures[0].read["lead_unit_matched"] == "采购管理中心"
    assert [p.address for p in chosen.measures[0].problems] == ["E2", "F2"]


def test_the_rows_without_errors_are_imported_when_asked(corpus_org, sample_inspection):
    with pytest.raises(ImportRefused):
        _apply(corpus_org, sample_inspection, corpus.every_error_at_once)
    assert not Measure.objects.filter(finding__inspection=sample_inspection).exists()
    result = _apply(
        corpus_org,
        sample_inspection,
        corpus.every_error_at_once,
        choices=ImportChoices(skip_errors=True),
    )
    assert (result.created_measures, result.skipped_rows) == (1, 2)
    assert list(
        Measure.objects.filter(finding__inspection=sample_inspection).values_list(
            "content", flat=True
        )
    ) == ["开展专项检查"]
