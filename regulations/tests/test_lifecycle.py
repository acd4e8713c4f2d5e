"""A rule goes through every stage; every illegal stage jump is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEvent
from regulations import services
from regulations.choices import Stage
from regulations.models import Opinion, Rule
from regulations.tests.helpers import CONSULTED, docx_upload, make_rule
from regulations.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db


def _round_opinions(rule: Rule, number: int) -> dict[str, str]:
    return {
        o.unit.name: o.stance
        for o in Opinion.objects.unscoped("test").filter(round__rule=rule, round__number=number)
    }


def test_a_rule_goes_through_every_stage_with_two_consulted_departments(world: Any) -> None:
    office, dept1, dept2, dept3 = (world.user(u) for u in ("office", "dept1", "dept2", "dept3"))
    today = timezone.localdate()
    rule = make_rule(world)

    services.draft_upload(by=dept1, rule=rule, file=docx_upload("第一条 建立会商研讨机制。"))
    rule = services.rule_start_consultation(by=dept1, rule=rule)
    assert rule.stage == Stage.CONSULTING

    # Round 1: 人事处 agrees with comments, 学生工作处 disagrees.
    services.opinion_submit(
        by=dept2, rule=rule, unit=world.unit(CONSULTED[0]), stance="comments", comments="增加时限"
    )
    opinion = services.opinion_submit(
        by=dept3, rule=rule, unit=world.unit(CONSULTED[1]), stance="disagree", comments="职责不清"
    )
    services.reply_submit(by=dept1, opinion=opinion, decision="adopted")
    first = Opinion.objects.unscoped("test").get(round__rule=rule, unit__name=CONSULTED[0])
    services.reply_submit(by=dept1, opinion=first, decision="partly", reason="时限另行规定")
    with pytest.raises(ValidationError, match="disagrees"):
        services.rule_submit_for_deliberation(by=dept1, rule=rule)

    # A revised draft opens round 2, where both agree.
    services.draft_upload(
        by=dept1, rule=rule, file=docx_upload("第一条 建立会商研讨机制。", "第二条 明确职责。")
    )
    for user, name in ((dept2, CONSULTED[0]), (dept3, CONSULTED[1])):
        services.opinion_submit(by=user, rule=rule, unit=world.unit(name), stance="agree")
    assert _round_opinions(rule, 1) == {CONSULTED[0]: "comments", CONSULTED[1]: "disagree"}
    assert _round_opinions(rule, 2) == {CONSULTED[0]: "agree", CONSULTED[1]: "agree"}

    rule = services.rule_submit_for_deliberation(by=dept1, rule=rule)
    rule = services.rule_approve(
        by=office, rule=rule, meeting="巡视整改工作领导小组会议", deliberated_on=today
    )
    assert rule.stage == Stage.ISSUING
    rule = services.rule_issue(
        by=dept1,
        rule=rule,
        issue_number="院党委发〔2021〕5号",
        issued_on=today,
        file=docx_upload("正式文本", name="印发稿.docx"),
    )
    assert rule.stage == Stage.EVALUATING
    evaluation = services.rule_evaluate(
        by=office,
        rule=rule,
        data=services.EvaluationData(
            evaluated_on=today,
            checks=dict.fromkeys(("executable", "supervisable", "checkable", "accountable"), True),
            notes={},
        ),
    )
    assert evaluation.passed
    rule.refresh_from_db()
    assert rule.stage == Stage.DONE

    actions = list(
        AuditEvent.objects.unscoped("test")
        .filter(object_type="regulations.rule", object_id=rule.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "create",
        "draft_uploaded",
        "round_opened",
        "transition:start_consultation",
        "opinion",
        "opinion",
        "reply",
        "reply",
        "draft_uploaded",
        "round_opened",
        "opinion",
        "opinion",
        "transition:submit_for_deliberation",
        "transition:approve",
        "transition:issue",
        "transition:evaluate_pass",
    ]


def test_a_rule_that_fails_its_evaluation_gets_a_revision_measure(world: Any) -> None:
    office = world.user("office")
    rule = make_rule(world, consulted=())
    Rule.objects.unscoped("test").filter(pk=rule.pk).update(
        stage=Stage.EVALUATING,
        issue_number="1号",
        issued_on=timezone.localdate(),
        issued_sha256="0" * 64,
    )
    evaluation = services.rule_evaluate(
        by=office,
        rule=rule,
        data=services.EvaluationData(
            evaluated_on=timezone.localdate(),
            checks={
                "executable": True,
                "supervisable": False,
                "checkable": True,
                "accountable": True,
            },
            notes={"supervisable": "没有监督主体"},
            revision_due=timezone.localdate() + dt.timedelta(days=30),
        ),
    )
    rule.refresh_from_db()
    assert rule.stage == Stage.DRAFTING
    assert evaluation.revision_measure is not None
    assert evaluation.revision_measure.lead_unit_id == rule.lead_unit_id
    assert evaluation.revision_measure.finding_id == world.finding().pk


def test_a_failing_test_needs_a_note(world: Any) -> None:
    rule = make_rule(world, consulted=())
    Rule.objects.unscoped("test").filter(pk=rule.pk).update(
        stage=Stage.EVALUATING,
        issue_number="1号",
        issued_on=timezone.localdate(),
        issued_sha256="0" * 64,
    )
    with pytest.raises(ValidationError, match="note"):
        services.rule_evaluate(
            by=world.user("office"),
            rule=rule,
            data=services.EvaluationData(
                evaluated_on=timezone.localdate(),
                checks={"executable": False},
                notes={},
                revision_due=timezone.localdate(),
            ),
        )
    rule.refresh_from_db()
    assert rule.stage == Stage.EVALUATING


def _fire(name: str, rule: Rule, world: Any) -> None:
    office = world.user("office")
    today = timezone.localdate()
    calls = {
        "start_consultation": lambda: services.rule_start_consultation(by=office, rule=rule),
        "submit_for_deliberation": lambda: services.rule_submit_for_deliberation(
            by=office, rule=rule
        ),
        "return_for_revision": lambda: services.rule_return_for_revision(
            by=office, rule=rule, reason="x"
        ),
        "approve": lambda: services.rule_approve(
            by=office, rule=rule, meeting="党委会", deliberated_on=today
        ),
        "issue": lambda: services.rule_issue(
            by=office, rule=rule, issue_number="1号", issued_on=today, file=docx_upload("x")
        ),
        "evaluate_pass": lambda: services.rule_evaluate(
            by=office,
            rule=rule,
            data=services.EvaluationData(
                evaluated_on=today,
                checks=dict.fromkeys(
                    ("executable", "supervisable", "checkable", "accountable"), True
                ),
                notes={},
            ),
        ),
        "evaluate_fail": lambda: services.rule_evaluate(
            by=office,
            rule=rule,
            data=services.EvaluationData(
                evaluated_on=today,
                checks={},
                notes=dict.fromkeys(
                    ("executable", "supervisable", "checkable", "accountable"), "x"
                ),
                revision_due=today,
            ),
        ),
    }
    calls[name]()


ILLEGAL = [
    (stage, name)
    for stage in Stage.values
    for name, transition in TRANSITIONS.items()
    if stage not in transition.sources
]


@pytest.mark.parametrize(("stage", "name"), ILLEGAL, ids=[f"{s}-{n}" for s, n in ILLEGAL])
def test_every_illegal_stage_jump_is_refused(world: Any, stage: str, name: str) -> None:
    rule = make_rule(world, consulted=())
    Rule.objects.unscoped("test").filter(pk=rule.pk).update(
        stage=stage, issue_number="1号", issued_on=timezone.localdate(), issued_sha256="0" * 64
    )
    rule.refresh_from_db()
    events = AuditEvent.objects.unscoped("test").count()
    with pytest.raises(ValidationError) as refused:
        _fire(name, rule, world)
    assert refused.value.code == "stage" or "not possible" in str(refused.value)
    rule.refresh_from_db()
    assert rule.stage == stage
    assert AuditEvent.objects.unscoped("test").count() == events


def test_consultation_waits_for_every_latest_round_opinion(world: Any) -> None:
    dept1, dept2 = world.user("dept1"), world.user("dept2")
    rule = make_rule(world)
    services.draft_upload(by=dept1, rule=rule, file=docx_upload("草案"))
    services.rule_start_consultation(by=dept1, rule=rule)
    services.opinion_submit(by=dept2, rule=rule, unit=world.unit(CONSULTED[0]), stance="agree")
    with pytest.raises(ValidationError, match="not answered"):
        services.rule_submit_for_deliberation(by=dept1, rule=rule)


def test_an_opinion_is_given_once_per_round(world: Any) -> None:
    dept1, dept2 = world.user("dept1"), world.user("dept2")
    rule = make_rule(world)
    services.draft_upload(by=dept1, rule=rule, file=docx_upload("草案"))
    services.rule_start_consultation(by=dept1, rule=rule)
    services.opinion_submit(by=dept2, rule=rule, unit=world.unit(CONSULTED[0]), stance="agree")
    with pytest.raises(ValidationError, match="already"):
        services.opinion_submit(by=dept2, rule=rule, unit=world.unit(CONSULTED[0]), stance="agree")


def test_a_department_not_consulted_cannot_answer(world: Any) -> None:
    dept1 = world.user("dept1")
    rule = make_rule(world, consulted=(CONSULTED[0],))
    services.draft_upload(by=dept1, rule=rule, file=docx_upload("草案"))
    services.rule_start_consultation(by=dept1, rule=rule)
    with pytest.raises(PermissionDenied):
        services.opinion_submit(
            by=world.user("dept3"), rule=rule, unit=world.unit(CONSULTED[1]), stance="agree"
        )


def test_issue_needs_number_date_and_file(world: Any) -> None:
    rule = make_rule(world, consulted=())
    Rule.objects.unscoped("test").filter(pk=rule.pk).update(stage=Stage.ISSUING)
    with pytest.raises(ValidationError) as refused:
        services.rule_issue(
            by=world.user("office"), rule=rule, issue_number="", issued_on=None, file=None
        )
    assert len(refused.value.messages) == 3
    rule.refresh_from_db()
    assert rule.stage == Stage.ISSUING


def test_the_deliberation_is_the_office_s_to_record(world: Any) -> None:
    rule = make_rule(world, consulted=())
    Rule.objects.unscoped("test").filter(pk=rule.pk).update(stage=Stage.DELIBERATING)
    with pytest.raises(PermissionDenied):
        services.rule_approve(
            by=world.user("dept1"), rule=rule, meeting="党委会", deliberated_on=timezone.localdate()
        )
