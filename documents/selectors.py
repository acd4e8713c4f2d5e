"""Reads for the documents: figures, rows and sections, always through the scoped querysets.

Every document is computed from what the person who asks for it may see: a branch
secretary's 责任清单 lists its own unit's measures, an office's lists every unit's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from documents import wording
from documents.exports import deadline_display, measure_label
from ledger.choices import DONE_STATES, OPEN_STATES, DeadlineKind, FindingState, UnitPart
from ledger.models import Finding, Inspection, Measure, MeasureUnit, Tag
from ledger.selectors import completion_percent, ledger_measures, overdue_q
from organization.models import Theme, Unit


def _rate(done: int, total: int) -> str:
    return completion_percent(done, total)


@dataclass
class Tally:
    findings: int = 0
    findings_done: int = 0
    findings_started: int = 0
    measures: int = 0
    measures_done: int = 0
    immediate: int = 0
    by_date: int = 0
    long_term: int = 0

    @property
    def findings_open(self) -> int:
        return self.findings - self.findings_done

    @property
    def measures_open(self) -> int:
        return self.measures - self.measures_done

    @property
    def findings_rate(self) -> str:
        return _rate(self.findings_done, self.findings)

    @property
    def measures_rate(self) -> str:
        return _rate(self.measures_done, self.measures)


@dataclass
class FindingLine:
    number: str
    text: str
    state: str
    done: int
    total: int


@dataclass
class ThemeSection:
    theme: Theme
    tally: Tally
    findings: list[FindingLine] = field(default_factory=list)


@dataclass
class ProgressData:
    """The figures of a progress report or notice (整改进展情况报告 / 通报)."""

    inspection: Inspection
    organization: str
    office: str
    as_of: dt.date
    total: Tally
    themes: list[ThemeSection]
    overdue: list[Measure]
    overdue_count: int
    campaign: Tag | None = None


def inspection_measures(user: Any, inspection: Inspection) -> QuerySet[Measure]:
    return ledger_measures(user).filter(inspection=inspection)


def progress_data(
    user: Any,
    inspection: Inspection,
    *,
    today: dt.date | None = None,
    overdue_limit: int = 10,
    campaign: Tag | None = None,
) -> ProgressData:
    """Counts per finding and measure, in total and per theme, from the visible ledger; with a
    campaign, of its measures only and the findings they answer."""
    today = today or timezone.localdate()
    of_round = Measure.objects.visible_to(user).filter(inspection=inspection)
    if campaign is not None:
        of_round = of_round.filter(tags=campaign)
    rows = of_round.values_list("finding_id", "state", "deadline_kind")
    per_finding: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for finding_id, state, kind in rows:
        per_finding[finding_id].append((state, kind))
    findings = (
        Finding.objects.visible_to(user)
        .filter(inspection=inspection)
        .select_related("theme")
        .order_by("theme__sort_order", "theme_id", "sort_key", "id")
    )
    total = Tally()
    sections: dict[int, ThemeSection] = {}
    for finding in findings:
        measures = per_finding.get(finding.pk, [])
        if campaign is not None and not measures:
            continue
        section = sections.get(finding.theme_id)
        if section is None:
            section = sections[finding.theme_id] = ThemeSection(theme=finding.theme, tally=Tally())
        done = sum(1 for state, _kind in measures if state in DONE_STATES)
        started = sum(1 for state, _kind in measures if state != "not_started")
        if measures and done == len(measures):
            state = FindingState.DONE
        elif started:
            state = FindingState.IN_PROGRESS
        else:
            state = FindingState.NOT_STARTED
        section.findings.append(
            FindingLine(finding.number, finding.text, state, done, len(measures))
        )
        for tally in (total, section.tally):
            tally.findings += 1
            tally.findings_done += state == FindingState.DONE
            tally.findings_started += state != FindingState.NOT_STARTED
            tally.measures += len(measures)
            tally.measures_done += done
            for _state, kind in measures:
                tally.immediate += kind == DeadlineKind.IMMEDIATE
                tally.by_date += kind == DeadlineKind.BY_DATE
                tally.long_term += kind == DeadlineKind.LONG_TERM
    overdue_qs = (
        of_round.filter(overdue_q(today), state__in=OPEN_STATES, due_date__isnull=False)
        .select_related("finding", "lead_unit")
        .order_by("due_date", "id")
    )
    org = inspection.organization
    return ProgressData(
        inspection=inspection,
        organization=org.name,
        office=org.office_name or org.leading_group_name or org.name,
        as_of=today,
        total=total,
        themes=list(sections.values()),
        overdue=list(overdue_qs[:overdue_limit]),
        overdue_count=overdue_qs.count(),
        campaign=campaign,
    )


# --- task division table and responsibility list -----------------------------------------------


@dataclass
class DivisionRow:
    """One measure as the 任务分工表 prints it."""

    theme: str
    finding: str  # number and text
    measure: str
    leader: str
    lead_unit: str
    co_units: str
    persons: str
    deadline: str
    part: str = UnitPart.LEAD


def _finding_cell(finding: Finding) -> str:
    return f"{finding.number} {finding.text}".strip()


def division_rows(
    user: Any, inspection: Inspection, *, unit: Unit | None = None
) -> list[DivisionRow]:
    """The visible measures of the inspection (of one unit, lead or co-operating), in order."""
    measures = inspection_measures(user, inspection).order_by(
        "finding__theme__sort_order", "finding__sort_key", "finding_id", "sort_key", "id"
    )
    if unit is not None:
        links = MeasureUnit.objects.filter(measure_id=OuterRef("pk"), unit_id=unit.pk)
        measures = measures.filter(Q(lead_unit_id=unit.pk) | Q(Exists(links)))
    rows = []
    for m in measures:
        coop = [link.unit for link in getattr(m, "coop_links", [])]
        part = UnitPart.LEAD
        if unit is not None and m.lead_unit_id != unit.pk:
            part = UnitPart.COOP
        rows.append(
            DivisionRow(
                theme=m.finding.theme.name,
                finding=_finding_cell(m.finding),
                measure=measure_label(m),
                leader=m.responsible_leader.name if m.responsible_leader is not None else "",
                lead_unit=m.lead_unit.name,
                co_units=wording.LIST_SEPARATOR.join(u.name for u in coop),
                persons=wording.LIST_SEPARATOR.join(p.name for p in m.responsible_persons.all()),
                deadline=deadline_display(m),
                part=part,
            )
        )
    return rows


def responsibility_units(
    user: Any, inspection: Inspection, *, unit: Unit | None = None
) -> list[tuple[Unit, list[DivisionRow]]]:
    """Each unit with the visible measures it leads or co-operates on."""
    if unit is not None:
        rows = division_rows(user, inspection, unit=unit)
        return [(unit, rows)] if rows else []
    visible = inspection_measures(user, inspection)
    unit_ids = set(visible.values_list("lead_unit_id", flat=True)) | set(
        MeasureUnit.objects.filter(measure__in=visible.values("pk")).values_list(
            "unit_id", flat=True
        )
    )
    units = (
        Unit.objects.unscoped("units of measures scoped above")
        .filter(pk__in=sorted(unit_ids))
        .order_by("kind", "sort_order", "id")
    )
    result = []
    for each in units:
        rows = division_rows(user, inspection, unit=each)
        if rows:
            result.append((each, rows))
    return result


def unit_in_reach(user: Any, inspection: Inspection, unit: Unit) -> bool:
    """Whether the user sees any measure of the unit in the inspection."""
    links = MeasureUnit.objects.filter(measure_id=OuterRef("pk"), unit_id=unit.pk)
    return (
        Measure.objects.visible_to(user)
        .filter(inspection=inspection)
        .filter(Q(lead_unit_id=unit.pk) | Q(Exists(links)))
        .exists()
    )
