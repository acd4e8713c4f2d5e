from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.audit import verify_chain
from core.models import AuditEvent
from demo.ledger_demo import load_ledger
from demo.organization_demo import BRANCHES, load_organization
from ledger.choices import DeadlineKind, MeasureState
from ledger.deadline_parser import parse_deadline
from ledger.lights import Light
from ledger.models import Finding, Inspection, Measure, MeasureGroup, Tag
from ledger.selectors import measure_light
from organization.choices import UnitKind
from organization.models import Organization, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> Organization:
    org, _accounts = load_organization()
    load_ledger(org)
    return org


def _measures(org: Organization) -> list[Measure]:
    return list(
        Measure.objects.filter(finding__inspection__organization=org).select_related(
            "finding__inspection", "lead_unit__liaison_group__leader__user"
        )
    )


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="ledger.measure", action=action))


def _user_id(username: str) -> int:
    return int(get_user_model().objects.get(username=username).pk)


def test_it_loads_one_round_with_about_twenty_findings_and_sixty_measures(
    org: Organization,
) -> None:
    inspection = Inspection.objects.get(organization=org)
    today = timezone.localdate()
    assert inspection.feedback_date == today - dt.timedelta(days=75)
    assert inspection.name == f"{inspection.feedback_date.year}年市委第三轮巡视"
    assert inspection.inspecting_body == "市委第三巡视组"
    assert inspection.start_date is not None and inspection.end_date is not None
    assert inspection.start_date < inspection.end_date < inspection.feedback_date
    assert inspection.rectification_end > today  # the concentrated period is nearly over
    findings = list(Finding.objects.filter(inspection=inspection))
    assert 18 <= len(findings) <= 22
    assert 55 <= len(_measures(org)) <= 65


def test_every_finding_is_numbered_as_printed_in_the_feedback(org: Organization) -> None:
    inspection = Inspection.objects.get(organization=org)
    findings = list(Finding.objects.filter(inspection=inspection).select_related("theme"))
    assert {f.theme.name for f in findings} == {
        "党的建设",
        "党风廉政建设",
        "意识形态工作",
        "思想政治工作",
    }
    assert len({f.number for f in findings}) == len(findings)
    for f in findings:
        assert 50 <= len(f.text) <= 200, f.number
        section, rest = f.number.split("、")
        sub, item = rest[1:].split("）")
        assert f"{section}、" in inspection.feedback_text
        assert f"（{sub}）" in inspection.feedback_text
        assert f"{item}. {f.text}" in inspection.feedback_text
        if f.source_excerpt:
            assert f.source_excerpt in inspection.feedback_text
    assert any(f.source_excerpt for f in findings)
    assert Finding.responsible_leaders.through.objects.filter(
        finding__inspection=inspection
    ).exists()
    # Sorted as printed: 一、(一)1 before 一、(一)2 before 一、(二)1 ... before 四、...
    assert [f.number for f in findings][:3] == ["一、（一）1", "一、（一）2", "一、（二）1"]
    assert findings[-1].number.startswith("四、")


def test_every_state_and_deadline_kind_is_present_with_consistent_progress(
    org: Organization,
) -> None:
    measures = _measures(org)
    assert {m.state for m in measures} == set(MeasureState.values)
    assert {m.deadline_kind for m in measures} == set(DeadlineKind.values)
    for m in measures:
        if m.state == MeasureState.NOT_STARTED:
            assert m.progress == 0
        elif m.state == MeasureState.IN_PROGRESS:
            assert 0 < m.progress < 100
        else:
            assert m.progress == 100
        if m.deadline_kind == DeadlineKind.LONG_TERM:
            assert m.due_date is None
            assert m.review_interval_days in (90, 180)
            assert m.next_review_date is not None
        if m.state == MeasureState.STAGE_DONE:
            assert m.deadline_kind == DeadlineKind.LONG_TERM


def test_the_deadline_as_written_reads_back_as_the_stored_deadline(org: Organization) -> None:
    for m in _measures(org):
        parsed = parse_deadline(m.deadline_text, reference_date=m.finding.inspection.feedback_date)
        assert parsed.kind == m.deadline_kind, m.deadline_text
        assert parsed.due_date == m.original_due_date, m.deadline_text


def test_due_dates_spread_so_that_the_warning_lights_vary(org: Organization) -> None:
    today = timezone.localdate()
    measures = _measures(org)
    dated = [m.due_date for m in measures if m.deadline_kind == DeadlineKind.BY_DATE]
    assert all(d is not None for d in dated)
    assert min(d for d in dated if d is not None) <= today - dt.timedelta(days=25)
    assert max(d for d in dated if d is not None) >= today + dt.timedelta(days=80)
    lights = Counter(measure_light(m, today=today).light for m in measures)
    assert {Light.RED, Light.YELLOW, Light.WHITE, Light.GREEN, Light.BLUE} <= set(lights)
    assert lights[Light.RED] >= 3
    assert lights[Light.YELLOW] >= 3


def test_every_unit_kind_leads_measures_and_some_have_co_operating_units(org: Organization) -> None:
    measures = _measures(org)
    lead_ids = {m.lead_unit_id for m in measures}
    branches = Unit.objects.filter(organization=org, kind=UnitKind.BRANCH)
    assert branches.count() == 7
    assert all(b.pk in lead_ids for b in branches)
    departments = Unit.objects.filter(organization=org, kind=UnitKind.DEPARTMENT, pk__in=lead_ids)
    assert departments.count() >= 6
    assert sum(1 for m in measures if m.unit_links.count() > 1) >= 10
    assert 3 <= sum(m.is_flagged for m in measures) <= 12


def test_campaign_tags_are_attached(org: Organization) -> None:
    for name in ("党史学习教育", "警示教育"):
        tag = Tag.objects.get(organization=org, name=name)
        assert tag.measures.count() >= 3


def test_the_branch_task_of_the_seed_is_one_assignment_to_all_seven_branches(
    org: Organization,
) -> None:
    group = MeasureGroup.objects.get(finding__inspection__organization=org)
    assert "组织生活会" in group.content and "民主评议党员" in group.content
    members = list(group.measures.select_related("lead_unit"))
    assert sorted(m.lead_unit.name for m in members) == sorted(BRANCHES)
    assert len({m.state for m in members}) >= 5
    due = members[0].due_date
    assert due is not None and all(m.due_date == due for m in members)
    assert f"{due.month}月底前" in group.content
    assert all(m.deadline_text == f"{due.year}年{due.month}月底前" for m in members)
    assert (
        AuditEvent.objects.filter(action="assign_many", object_type="ledger.finding").count() == 1
    )


def test_transitions_are_fired_by_the_people_allowed_to(org: Organization) -> None:
    office = _user_id("office")
    measures = {m.pk: m for m in _measures(org)}
    assert all(e.actor_id == office for e in _events("create"))
    for action in ("office_close", "office_return", "direct_close", "office_stage_complete"):
        assert all(e.actor_id == office for e in _events(f"transition:{action}")), action
    for action in ("liaison_approve", "liaison_return"):
        for e in _events(f"transition:{action}"):
            group = measures[e.object_id].lead_unit.liaison_group
            assert group is not None and group.leader is not None
            assert e.actor_id == group.leader.user_id, action
    secretaries = {
        u.pk: {p.user_id for p in (u.party_secretary, u.admin_head) if p is not None}
        for u in Unit.objects.filter(organization=org).select_related(
            "party_secretary", "admin_head"
        )
    }
    for action in ("start", "request_close"):
        for e in _events(f"transition:{action}"):
            assert e.actor_id in secretaries[measures[e.object_id].lead_unit_id], action


def test_the_audit_trail_tells_the_required_stories(org: Organization) -> None:
    measures = {m.pk: m for m in _measures(org)}

    returned = _events("transition:liaison_return")
    assert len(returned) >= 2 and all(e.message for e in returned)
    assert all(measures[e.object_id].state == MeasureState.IN_PROGRESS for e in returned)

    assert _events("transition:office_return")[0].message

    full_path = Counter(
        e.object_id
        for action in ("start", "request_close", "liaison_approve", "office_close")
        for e in _events(f"transition:{action}")
    )
    closed_fully = [
        pk for pk, n in full_path.items() if n == 4 and measures[pk].state == MeasureState.CLOSED
    ]
    assert len(closed_fully) >= 5

    (direct,) = _events("transition:direct_close")
    assert measures[direct.object_id].deadline_kind == DeadlineKind.IMMEDIATE
    assert measures[direct.object_id].state == MeasureState.CLOSED

    (reopen,) = _events("transition:reopen")
    relapsed = measures[reopen.object_id]
    assert reopen.message and "反弹" in reopen.message
    assert relapsed.state == MeasureState.IN_PROGRESS
    assert relapsed.relapse_count == 1
    assert relapsed.closed_at is None
    assert relapsed.due_date is not None and relapsed.due_date > timezone.localdate()

    stage_done = [m for m in measures.values() if m.state == MeasureState.STAGE_DONE]
    assert len(stage_done) >= 3
    # Progress is reported by the units themselves, as ordinary audited edits.
    assert any(e.after and "progress" in e.after for e in _events("update"))


def test_the_audit_chain_is_intact(org: Organization) -> None:
    assert AuditEvent.objects.count() > 200
    result = verify_chain()
    assert result.ok, result.first_break


def test_loading_again_changes_nothing(org: Organization) -> None:
    counts = (
        Inspection.objects.count(),
        Finding.objects.count(),
        Measure.objects.count(),
        MeasureGroup.objects.count(),
        Tag.objects.count(),
        AuditEvent.objects.count(),
    )
    load_ledger(org)
    again, _accounts = load_organization()
    load_ledger(again)
    assert (
        Inspection.objects.count(),
        Finding.objects.count(),
        Measure.objects.count(),
        MeasureGroup.objects.count(),
        Tag.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    assert verify_chain().ok
