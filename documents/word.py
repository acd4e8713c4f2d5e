"""Word documents in the official layout (GB/T 9704), built from the ledger's figures.

Each builder takes plain data gathered by ``documents.selectors`` (or the reporting and
notifications layers' accessors) and returns the .docx bytes. The wording is fixed official
text kept in ``documents.wording``; only the figures, names and dates come from the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from documents import wording
from documents.docx_official import SIZE_XIAO_SI, OfficialDocument, chinese_date
from documents.exports import deadline_display
from documents.selectors import DivisionRow, ProgressData
from ledger.choices import DONE_STATES, DeadlineKind, UnitPart
from ledger.models import Inspection, Measure
from ledger.selectors import clock_deadline, is_overdue
from organization.models import Unit


def _paragraphs(document: OfficialDocument, text: str, *, empty: str = "") -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines and empty:
        lines = [empty]
    for line in lines:
        document.paragraph(line)


# --- progress report / notice ------------------------------------------------------------------


def progress_subject(data: ProgressData) -> str:
    """The round the report is about, with the campaign it is limited to, if any."""
    if data.campaign is None:
        return data.inspection.name
    return wording.CAMPAIGN_SUBJECT.format(
        inspection=data.inspection.name, campaign=data.campaign.name
    )


def progress_report(data: ProgressData, *, notice: bool = False) -> bytes:
    """整改进展情况报告 (or, with ``notice``, the 通报 to the units) with its statistics table."""
    inspection = data.inspection
    total = data.total
    doc = OfficialDocument()
    title = wording.NOTICE_TITLE if notice else wording.REPORT_TITLE
    doc.title(title.format(inspection=progress_subject(data)))
    body = inspection.inspecting_body or wording.INSPECTING_BODY_FALLBACK
    doc.addressee(wording.NOTICE_ADDRESSEE if notice else body)
    opening = wording.NOTICE_OPENING if notice else wording.REPORT_OPENING
    doc.paragraph(opening.format(inspecting_body=body, organization=data.organization))

    doc.heading(wording.SECTION_OVERALL, level=1)
    doc.paragraph(
        wording.SENTENCE_FINDINGS.format(
            date=chinese_date(data.as_of),
            total=total.findings,
            done=total.findings_done,
            open=total.findings_open,
            rate=total.findings_rate,
        )
        + wording.SENTENCE_MEASURES.format(
            total=total.measures,
            done=total.measures_done,
            open=total.measures_open,
            rate=total.measures_rate,
            immediate=total.immediate,
            by_date=total.by_date,
            long_term=total.long_term,
        )
    )

    doc.heading(wording.SECTION_THEMES, level=1)
    if not data.themes:
        doc.paragraph(wording.NO_DATA)
    for section in data.themes:
        tally = section.tally
        doc.heading(
            wording.THEME_HEADING.format(theme=section.theme.name),
            level=2,
            run_in=wording.SENTENCE_THEME.format(
                total=tally.findings,
                done=tally.findings_done,
                open=tally.findings_open,
                rate=tally.findings_rate,
                measures=tally.measures,
                measures_done=tally.measures_done,
            ),
        )
        for line in section.findings:
            doc.paragraph(
                wording.FINDING_STATE_LINE.format(
                    number=line.number or "—",
                    text=line.text,
                    state=wording.FINDING_STATES.get(line.state, line.state),
                    done=line.done,
                    total=line.total,
                )
            )

    doc.heading(wording.SECTION_NEXT, level=1)
    if data.overdue_count:
        doc.paragraph(wording.SENTENCE_OVERDUE.format(count=data.overdue_count))
        for m in data.overdue:
            doc.paragraph(
                wording.OVERDUE_ITEM.format(
                    number=_full_number(m),
                    content=m.content,
                    unit=m.lead_unit.name,
                    due=chinese_date(m.due_date) if m.due_date else "",
                )
            )
        if data.overdue_count > len(data.overdue):
            doc.paragraph(wording.OVERDUE_MORE.format(count=data.overdue_count - len(data.overdue)))
    else:
        doc.paragraph(wording.SENTENCE_NO_OVERDUE)
    doc.paragraph(wording.NEXT_STEPS.format(organization=data.organization))
    doc.signature(data.office, data.as_of)

    doc.page_break()
    doc.paragraph(wording.ATTACHMENT_LABEL, indent=False)
    doc.title(wording.ATTACHMENT_STATS)
    rows = [
        [
            s.theme.name,
            str(s.tally.findings),
            str(s.tally.findings_done),
            str(s.tally.findings_open),
            str(s.tally.measures),
            str(s.tally.measures_done),
            f"{s.tally.findings_rate}%",
        ]
        for s in data.themes
    ]
    rows.append(
        [
            wording.TABLE_TOTAL,
            str(total.findings),
            str(total.findings_done),
            str(total.findings_open),
            str(total.measures),
            str(total.measures_done),
            f"{total.findings_rate}%",
        ]
    )
    doc.table(
        wording.TABLE_THEME_HEADER,
        rows,
        widths_mm=(44, 18, 18, 20, 20, 18, 18),
        center_columns=(1, 2, 3, 4, 5, 6),
    )
    return doc.to_bytes()


def _number_prefix(number: str) -> str:
    number = (number or "").strip()
    if not number:
        return ""
    return number if number.endswith(wording.NUMBER_ENDINGS) else number + " "


def _full_number(measure: Measure) -> str:
    """ "一、（一）1-2": the finding's number, then the measure's."""
    if not measure.number:
        return measure.finding.number
    return wording.FINDING_MEASURE_JOIN.format(
        finding=measure.finding.number, measure=measure.number
    )


# --- task division table / responsibility list ---------------------------------------------------


def _subtitle(unit: Unit | None, as_of: dt.date) -> str:
    date = chinese_date(as_of)
    return wording.UNIT_SUBTITLE.format(unit=f"{unit.name} {date}" if unit else date)


def task_division(
    inspection: Inspection, rows: Sequence[DivisionRow], *, unit: Unit | None, as_of: dt.date
) -> bytes:
    """任务分工表: per theme, a landscape table with each finding merged over its measures."""
    doc = OfficialDocument(landscape=True)
    doc.title(wording.TASK_DIVISION_TITLE.format(inspection=inspection.name))
    doc.subtitle(_subtitle(unit, as_of))
    if not rows:
        doc.paragraph(wording.NO_DATA)
    by_theme: dict[str, list[DivisionRow]] = {}
    for row in rows:
        by_theme.setdefault(row.theme, []).append(row)
    for theme, items in by_theme.items():
        doc.heading(theme, level=1)
        doc.table(
            wording.TASK_DIVISION_HEADER,
            [
                [
                    str(index),
                    r.finding,
                    r.measure,
                    r.leader,
                    r.lead_unit,
                    r.co_units,
                    r.deadline,
                ]
                for index, r in _numbered_by_finding(items)
            ],
            widths_mm=(14, 56, 62, 20, 25, 25, 23),
            merge_down=(0, 1),
            center_columns=(0, 3, 4, 5, 6),
            font_size_pt=SIZE_XIAO_SI,
        )
    return doc.to_bytes()


def _numbered_by_finding(rows: Iterable[DivisionRow]) -> list[tuple[int, DivisionRow]]:
    """A running number per finding, repeated on its measures so that it merges with them."""
    result: list[tuple[int, DivisionRow]] = []
    number = 0
    previous = None
    for row in rows:
        if row.finding != previous:
            number += 1
            previous = row.finding
        result.append((number, row))
    return result


def responsibility_list(
    inspection: Inspection,
    sections: Sequence[tuple[Unit, Sequence[DivisionRow]]],
    *,
    unit: Unit | None,
    as_of: dt.date,
) -> bytes:
    """责任清单: per unit, what it leads and co-operates on, who answers for it, by when."""
    doc = OfficialDocument(landscape=True)
    doc.title(wording.RESPONSIBILITY_TITLE.format(inspection=inspection.name))
    doc.subtitle(_subtitle(unit, as_of))
    doc.paragraph(wording.RESPONSIBILITY_INTRO)
    if not sections:
        doc.paragraph(wording.NO_DATA)
    for each, rows in sections:
        lead = sum(1 for r in rows if r.part == UnitPart.LEAD)
        doc.heading(
            wording.UNIT_SECTION.format(unit=each.name, lead=lead, coop=len(rows) - lead),
            level=1,
        )
        doc.table(
            wording.RESPONSIBILITY_HEADER,
            [
                [
                    str(index),
                    r.finding,
                    r.measure,
                    wording.PART_LEAD if r.part == UnitPart.LEAD else wording.PART_COOP,
                    r.persons,
                    r.deadline,
                ]
                for index, r in _numbered_by_finding(rows)
            ],
            widths_mm=(14, 62, 72, 16, 30, 31),
            merge_down=(0, 1),
            center_columns=(0, 3, 4, 5),
        )
    return doc.to_bytes()


# --- a unit's meeting report ---------------------------------------------------------------------


@dataclass
class UnitReportContent:
    """What a unit reads at the reporting meeting, from the reporting layer's unit report."""

    unit: Unit
    inspection: Inspection
    start: dt.date
    end: dt.date
    work_done: str
    problems: str
    next_steps: str
    measures: list[tuple[Measure, str, int]] = field(default_factory=list)  # measure, part, %


def unit_report(content: UnitReportContent, *, as_of: dt.date) -> bytes:
    """The unit's 汇报 for one reporting cycle: done, blocking, next, and its measures."""
    doc = OfficialDocument()
    doc.title(wording.UNIT_REPORT_TITLE.format(unit=content.unit.name))
    doc.subtitle(
        wording.UNIT_REPORT_PERIOD.format(
            start=chinese_date(content.start), end=chinese_date(content.end)
        )
    )
    lead = sum(1 for _m, part, _p in content.measures if part == UnitPart.LEAD)
    done = sum(1 for m, _part, _p in content.measures if m.state in DONE_STATES)
    doc.paragraph(
        wording.UNIT_REPORT_OPENING.format(
            lead=lead,
            coop=len(content.measures) - lead,
            done=done,
            open=len(content.measures) - done,
        )
    )
    for heading, text in (
        (wording.UNIT_REPORT_DONE, content.work_done),
        (wording.UNIT_REPORT_PROBLEMS, content.problems),
        (wording.UNIT_REPORT_NEXT, content.next_steps),
    ):
        doc.heading(heading, level=1)
        _paragraphs(doc, text, empty=wording.UNIT_REPORT_NOTHING)
    if content.measures:
        doc.table(
            wording.UNIT_REPORT_TABLE,
            [
                [
                    str(index),
                    wording.UNIT_REPORT_LINE.format(number=_full_number(m), text=m.content),
                    wording.PART_LEAD if part == UnitPart.LEAD else wording.PART_COOP,
                    deadline_display(m),
                    wording.PERCENT.format(value=progress),
                    wording.STATE_LABELS.get(m.state, m.state),
                ]
                for index, (m, part, progress) in enumerate(content.measures, start=1)
            ],
            widths_mm=(14, 58, 16, 26, 16, 26),
            center_columns=(0, 2, 3, 4, 5),
        )
    doc.signature(content.unit.name, as_of)
    return doc.to_bytes()


# --- supervision notice --------------------------------------------------------------------------


@dataclass
class NoticeContent:
    """Everything a 督办通知 shows: from an issued supervision notice or from the measure."""

    number: str
    office: str
    issued_on: dt.date
    inspection: str
    lead_unit: str
    finding_number: str
    finding_text: str
    measure_number: str
    measure_content: str
    deadline_kind: str
    due_date: dt.date | None
    original_due_date: dt.date | None
    days_overdue: int | None
    progress: int
    urge_count: int
    responsible_leader: str
    responsible_persons: list[str]
    requirements: str
    reply_deadline: dt.date | None
    reply: str = ""


def notice_from_data(data: Any, *, deadline_kind: str) -> NoticeContent:
    """From ``notifications.selectors.SupervisionNoticeData``."""
    return NoticeContent(
        number=data.number,
        office=data.office,
        issued_on=data.issued_on,
        inspection=data.inspection,
        lead_unit=data.lead_unit,
        finding_number=data.finding_number,
        finding_text=data.finding_text,
        measure_number=data.measure_number,
        measure_content=data.measure_content,
        deadline_kind=deadline_kind,
        due_date=data.due_date,
        original_due_date=data.original_due_date,
        days_overdue=data.days_overdue,
        progress=data.progress,
        urge_count=data.urge_count,
        responsible_leader=data.responsible_leader,
        responsible_persons=list(data.responsible_persons),
        requirements=data.requirements,
        reply_deadline=data.reply_deadline,
        reply=data.reply,
    )


def notice_from_measure(measure: Measure, *, today: dt.date) -> NoticeContent:
    """A draft notice for a flagged measure that has no issued supervision notice yet."""
    org = measure.finding.inspection.organization
    overdue = None
    deadline = clock_deadline(measure)
    if measure.due_date and deadline and is_overdue(measure, today):
        overdue = (today - deadline).days
    original = measure.original_due_date
    return NoticeContent(
        number="",
        office=org.office_name or org.leading_group_name or org.name,
        issued_on=today,
        inspection=measure.finding.inspection.name,
        lead_unit=measure.lead_unit.name,
        finding_number=measure.finding.number,
        finding_text=measure.finding.text,
        measure_number=measure.number,
        measure_content=measure.content,
        deadline_kind=measure.deadline_kind,
        due_date=measure.due_date,
        original_due_date=original if original != measure.due_date else None,
        days_overdue=overdue,
        progress=measure.progress,
        urge_count=measure.urge_count,
        responsible_leader=measure.responsible_leader.name if measure.responsible_leader else "",
        responsible_persons=[p.name for p in measure.responsible_persons.all()],
        requirements="",
        reply_deadline=None,
    )


def supervision_notice(content: NoticeContent) -> bytes:
    doc = OfficialDocument()
    doc.title(wording.SUPERVISION_TITLE)
    if content.number:
        doc.subtitle(content.number)
    doc.addressee(content.lead_unit)
    doc.paragraph(wording.SUPERVISION_OPENING.format(inspection=content.inspection))
    doc.heading(wording.SUPERVISION_ITEM, level=1)
    doc.paragraph(
        wording.SUPERVISION_FINDING.format(
            number=_number_prefix(content.finding_number), text=content.finding_text
        )
    )
    doc.paragraph(
        wording.SUPERVISION_MEASURE.format(
            number=_number_prefix(content.measure_number), text=content.measure_content
        )
    )
    doc.paragraph(
        wording.SUPERVISION_RESPONSIBLE.format(
            leader=content.responsible_leader or wording.NONE_MARK,
            persons=wording.LIST_SEPARATOR.join(content.responsible_persons) or wording.NONE_MARK,
        )
    )
    doc.heading(wording.SUPERVISION_DEADLINE, level=1)
    if content.due_date is not None:
        text = wording.SUPERVISION_DUE.format(
            due=chinese_date(content.due_date), progress=content.progress
        )
        if content.original_due_date and content.original_due_date != content.due_date:
            text += wording.SUPERVISION_DUE_CHANGED.format(
                original=chinese_date(content.original_due_date)
            )
        if content.days_overdue:
            text += wording.SUPERVISION_OVERDUE.format(
                today=chinese_date(content.issued_on), days=content.days_overdue
            )
    else:
        kind = (
            wording.DEADLINE_LONG_TERM
            if content.deadline_kind == DeadlineKind.LONG_TERM
            else wording.DEADLINE_IMMEDIATE
        )
        text = wording.SUPERVISION_NO_DUE.format(kind=kind, progress=content.progress)
    if content.urge_count:
        text += wording.SUPERVISION_URGED.format(count=content.urge_count)
    doc.paragraph(text)
    doc.heading(wording.SUPERVISION_REQUIREMENTS, level=1)
    _paragraphs(doc, content.requirements or wording.SUPERVISION_DEFAULT_REQUIREMENTS)
    if content.reply_deadline is not None:
        doc.paragraph(
            wording.SUPERVISION_REPLY.format(
                deadline=chinese_date(content.reply_deadline), office=content.office
            )
        )
    if content.reply:
        doc.heading(wording.SUPERVISION_REPLY_RECEIVED, level=1)
        _paragraphs(doc, content.reply)
    doc.signature(content.office, content.issued_on)
    return doc.to_bytes()
