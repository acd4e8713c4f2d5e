"""Permission-matrix cases for every register URL (collected by tests/test_permission_matrix.py).

The in-scope rule is led by branch 1 (the branch secretary and its staff edit it) and consulted
on with branch 7 (the outsider answers for it and sees its drafts). The task force and the
liaison group are neither: for them the rule does not exist. Leaders read; the office manages.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.matrix import MANAGERS, Case, fields_of, once, post_only, read_only, roles

SEES = ("leader", "office", "branch", "staff", "outsider")
EDITS = ("office", "branch", "staff")
HIDDEN = {"taskforce": 404, "liaison": 404}


def _docx(*paragraphs: str, name: str = "草案.docx") -> Any:
    from regulations.tests.helpers import docx_upload

    return docx_upload(*paragraphs, name=name)


def _make(w: Any, stage: str) -> int:
    """A rule of branch 1, consulted with branch 7, driven by the services to `stage`."""
    from regulations import services
    from regulations.choices import Stage

    office, outsider = w.user("office"), w.user("branch7")
    today = timezone.localdate()
    rule = services.rule_create(
        by=office,
        inspection=w.inspection(),
        data=services.RuleData(
            title=f"矩阵制度-{stage}",
            kind="system",
            lead_unit=w.unit(w.BRANCH1),
            consulted_units=[w.unit(w.BRANCH7)],
            findings=[w.finding()],
        ),
    )
    order = [Stage.DRAFTING, Stage.CONSULTING, Stage.DELIBERATING, Stage.ISSUING, Stage.EVALUATING]
    reach = order.index(stage)
    services.draft_upload(by=office, rule=rule, file=_docx("第一条 初稿。"))
    services.draft_upload(by=office, rule=rule, file=_docx("第一条 初稿。", "第二条 修改稿。"))
    if reach >= 1:
        services.rule_start_consultation(by=office, rule=rule)
        rule.refresh_from_db()
    if reach == 1:
        services.opinion_submit(
            by=outsider, rule=rule, unit=w.unit(w.BRANCH7), stance="comments", comments="建议修改"
        )
    if reach >= 2:
        services.opinion_submit(by=outsider, rule=rule, unit=w.unit(w.BRANCH7), stance="agree")
        services.rule_submit_for_deliberation(by=office, rule=rule)
    if reach >= 3:
        services.rule_approve(by=office, rule=rule, meeting="党委会", deliberated_on=today)
    if reach >= 4:
        services.rule_issue(
            by=office,
            rule=rule,
            issue_number="院党委发〔2021〕9号",
            issued_on=today,
            file=_docx("正式"),
        )
    return rule.pk


def _rule(w: Any, stage: str = "drafting") -> Any:
    from regulations.models import Rule

    pk = once(w, f"rule-{stage}", lambda: _make(w, stage))
    return Rule.objects.unscoped("matrix fixture").get(pk=pk)


def _draft(w: Any) -> Any:
    return _rule(w).drafts.unscoped("matrix fixture").order_by("-number").first()


def _opinion(w: Any) -> Any:
    from regulations.models import Opinion

    return Opinion.objects.unscoped("matrix fixture").get(round__rule=_rule(w, "consulting"))


def _rules(w: Any) -> int:
    from regulations.models import Rule

    return Rule.objects.unscoped("matrix effect").count()


def _title(w: Any) -> Any:
    from regulations.models import Rule

    return fields_of(Rule, _rule(w).pk, "title")


def _stage(stage: str) -> Any:
    def effect(w: Any) -> Any:
        from regulations.models import Rule

        return fields_of(Rule, _rule(w, stage).pk, "stage")

    effect.__name__ = f"stage_of_{stage}_rule"
    return effect


def _drafts(w: Any) -> int:
    return _rule(w).drafts.unscoped("matrix effect").count()


def _opinions(w: Any) -> int:
    from regulations.models import Opinion

    return (
        Opinion.objects.unscoped("matrix effect").filter(round__rule=_rule(w, "consulting")).count()
    )


def _replies(w: Any) -> int:
    from regulations.models import Reply

    return Reply.objects.unscoped("matrix effect").filter(opinion=_opinion(w)).count()


def _new_rule_form(w: Any) -> dict[str, Any]:
    return {
        "inspection": str(w.inspection().pk),
        "title": "矩阵新制度",
        "kind": "work_points",
        "lead_unit": str(w.unit(w.BRANCH1).pk),
    }


def _campaign(w: Any) -> Any:
    from demo.ledger_demo import TAG_PARTY_HISTORY
    from ledger.models import Tag

    return Tag.objects.get(organization=w.org, name=TAG_PARTY_HISTORY)


def _campaign_rules(w: Any) -> int:
    from regulations.models import Rule

    return Rule.objects.unscoped("matrix effect").filter(tags=_campaign(w)).count()


def _demo_meeting(w: Any) -> Any:
    from meetings.models import Meeting
    from meetings.tests.helpers import joint_meeting

    return Meeting.objects.get(pk=once(w, "meeting", lambda: joint_meeting(w).pk))


def _deciding(w: Any) -> Any:
    from regulations.models import Rule

    rule = _rule(w, "deliberating")
    return fields_of(Rule, rule.pk, "stage", "deciding_meeting")


def _today() -> str:
    return timezone.localdate().isoformat()


CASES = [
    *read_only(
        Case(
            "regulations:rule_list",
            lambda w: reverse("regulations:rule_list"),
            roles(*SEES, "taskforce", "liaison"),
        ),
        Case(
            "regulations:rule_list",
            lambda w: reverse("regulations:rule_list") + f"?campaign={_campaign(w).pk}",
            roles(*SEES, "taskforce", "liaison"),
            note="campaign",
            # Another organization's campaign is no choice of the filter: their own list.
            stranger=200,
        ),
        Case(
            "regulations:rule_detail",
            lambda w: reverse("regulations:rule_detail", args=[_rule(w).pk]),
            roles(*SEES) | HIDDEN,
        ),
        Case(
            "regulations:draft_download",
            lambda w: reverse("regulations:draft_download", args=[_draft(w).pk]),
            roles(*SEES) | HIDDEN,
        ),
        Case(
            "regulations:draft_diff",
            lambda w: reverse("regulations:draft_diff", args=[_draft(w).pk]),
            roles(*SEES) | HIDDEN,
        ),
        Case(
            "regulations:issued_download",
            lambda w: reverse("regulations:issued_download", args=[_rule(w, "evaluating").pk]),
            roles(*SEES) | HIDDEN,
        ),
        Case(
            "regulations:compendium",
            lambda w: reverse("regulations:compendium", args=[w.inspection().pk]),
            roles(*SEES, "taskforce", "liaison"),
        ),
    ),
    Case(
        "regulations:rule_create",
        lambda w: reverse("regulations:rule_create"),
        roles(*MANAGERS),
    ),
    Case(
        "regulations:rule_create",
        lambda w: reverse("regulations:rule_create"),
        roles(*MANAGERS, status=302),
        method="post",
        form=_new_rule_form,
        effect=_rules,
    ),
    Case(
        "regulations:rule_create",
        lambda w: reverse("regulations:rule_create"),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: _new_rule_form(w) | {"tags": [str(_campaign(w).pk)]},
        effect=_campaign_rules,
        note="campaign",
    ),
    Case(
        "regulations:rule_edit",
        lambda w: reverse("regulations:rule_edit", args=[_rule(w).pk]),
        roles(*EDITS) | HIDDEN,
        default=404,
    ),
    Case(
        "regulations:rule_edit",
        lambda w: reverse("regulations:rule_edit", args=[_rule(w).pk]),
        roles(*EDITS, status=302) | HIDDEN,
        default=404,
        method="post",
        form=lambda w: {"title": "矩阵制度-改"},
        effect=_title,
    ),
    Case(
        "regulations:draft_upload",
        lambda w: reverse("regulations:draft_upload", args=[_rule(w).pk]),
        roles(*EDITS) | HIDDEN,
    ),
    Case(
        "regulations:draft_upload",
        lambda w: reverse("regulations:draft_upload", args=[_rule(w).pk]),
        roles(*EDITS, status=302) | HIDDEN,
        method="post",
        data=lambda w: {"file": _docx("第三版"), "note": "第三稿"},
        effect=_drafts,
    ),
    Case(
        "regulations:opinion_answer",
        lambda w: reverse("regulations:opinion_answer", args=[_rule(w, "consulting").pk]),
        {"outsider": 200} | HIDDEN,
        note="already-answered-form",
    ),
    Case(
        "regulations:opinion_answer",
        lambda w: reverse("regulations:opinion_answer", args=[_rule(w, "consulting").pk]),
        {"outsider": 400} | HIDDEN,
        method="post",
        data=lambda w: {"unit": str(w.unit(w.BRANCH7).pk), "stance": "agree"},
        effect=_opinions,
        changes=(),
        note="twice-in-a-round",
    ),
    Case(
        "regulations:opinion_answer",
        lambda w: reverse("regulations:opinion_answer", args=[_fresh_round(w)]),
        {"outsider": 302} | HIDDEN,
        method="post",
        data=lambda w: {
            "unit": str(w.unit(w.BRANCH7).pk),
            "stance": "disagree",
            "comments": "职责不清",
        },
        effect=lambda w: _opinions_of(w, "fresh-round"),
    ),
    Case(
        "regulations:reply_answer",
        lambda w: reverse("regulations:reply_answer", args=[_opinion(w).pk]),
        roles(*EDITS) | HIDDEN,
    ),
    Case(
        "regulations:reply_answer",
        lambda w: reverse("regulations:reply_answer", args=[_opinion(w).pk]),
        roles(*EDITS, status=302) | HIDDEN,
        method="post",
        data=lambda w: {"decision": "partly", "reason": "部分采纳"},
        effect=_replies,
    ),
    *post_only(
        Case(
            "regulations:rule_advance",
            lambda w: reverse("regulations:rule_advance", args=[_rule(w).pk, "start_consultation"]),
            roles(*EDITS, status=302) | HIDDEN,
            method="post",
            effect=_stage("drafting"),
        ),
    ),
    Case(
        "regulations:rule_return",
        lambda w: reverse("regulations:rule_return", args=[_rule(w, "deliberating").pk]),
        roles(*MANAGERS) | HIDDEN,
    ),
    Case(
        "regulations:rule_return",
        lambda w: reverse("regulations:rule_return", args=[_rule(w, "deliberating").pk]),
        roles(*MANAGERS, status=302) | HIDDEN,
        method="post",
        data=lambda w: {"reason": "需补充问责条款"},
        effect=_stage("deliberating"),
    ),
    Case(
        "regulations:rule_deliberate",
        lambda w: reverse("regulations:rule_deliberate", args=[_rule(w, "deliberating").pk]),
        roles(*MANAGERS) | HIDDEN,
    ),
    Case(
        "regulations:rule_deliberate",
        lambda w: reverse("regulations:rule_deliberate", args=[_rule(w, "deliberating").pk]),
        roles(*MANAGERS, status=302) | HIDDEN,
        method="post",
        data=lambda w: {"meeting": "巡视整改工作领导小组会议", "deliberated_on": _today()},
        effect=_stage("deliberating"),
    ),
    # 审议 at a meeting held in the system: the meeting's title names it.
    Case(
        "regulations:rule_deliberate",
        lambda w: reverse("regulations:rule_deliberate", args=[_rule(w, "deliberating").pk]),
        roles(*MANAGERS, status=302) | HIDDEN,
        method="post",
        data=lambda w: {"held_at": str(_demo_meeting(w).pk), "deliberated_on": _today()},
        effect=_deciding,
        note="meeting",
    ),
    Case(
        "regulations:rule_issue",
        lambda w: reverse("regulations:rule_issue", args=[_rule(w, "issuing").pk]),
        roles(*EDITS) | HIDDEN,
    ),
    Case(
        "regulations:rule_issue",
        lambda w: reverse("regulations:rule_issue", args=[_rule(w, "issuing").pk]),
        roles(*EDITS, status=302) | HIDDEN,
        method="post",
        data=lambda w: {
            "issue_number": "院党委发〔2021〕10号",
            "issued_on": _today(),
            "file": _docx("正式文本", name="印发稿.docx"),
        },
        effect=_stage("issuing"),
    ),
    Case(
        "regulations:rule_evaluate",
        lambda w: reverse("regulations:rule_evaluate", args=[_rule(w, "evaluating").pk]),
        roles(*MANAGERS) | HIDDEN,
    ),
    Case(
        "regulations:rule_evaluate",
        lambda w: reverse("regulations:rule_evaluate", args=[_rule(w, "evaluating").pk]),
        roles(*MANAGERS, status=302) | HIDDEN,
        method="post",
        data=lambda w: {
            "evaluated_on": _today(),
            "executable": "on",
            "supervisable": "on",
            "checkable": "on",
            "accountable": "on",
        },
        effect=_stage("evaluating"),
    ),
]


def _fresh_round(w: Any) -> int:
    """A rule in 会商 whose open round branch 7 has not answered yet."""

    def make() -> int:
        from regulations import services

        rule = _rule(w, "consulting")
        services.draft_upload(by=w.user("office"), rule=rule, file=_docx("第三稿"))
        return rule.pk

    return once(w, "fresh-round", make)


def _opinions_of(w: Any, key: str) -> int:
    from regulations.models import Opinion

    return Opinion.objects.unscoped("matrix effect").filter(round__rule_id=_fresh_round(w)).count()
