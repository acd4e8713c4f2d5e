"""The demo college's 建章立制 register: five rules at different stages, written through the
register's own services so that each carries its drafts, rounds and history.

The titles follow the seed: a 会商研讨机制 across several departments (in its second round, one
department still disagreeing), a branch's 工作要点, a 责任清单 before the leading group, an
issued 任务分工表 awaiting evaluation, and an evaluated long-term 规定.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from core.scoping import unscoped_reads
from demo.ledger_demo import TAG_PARTY_HISTORY
from demo.meetings_demo import LEADING_GROUP_TITLE
from ledger.models import Finding, Inspection, Tag
from meetings.models import Meeting
from organization.models import Organization, Unit
from regulations import services
from regulations.choices import CRITERIA
from regulations.models import Rule

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(name: str, *paragraphs: str) -> SimpleUploadedFile:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=DOCX)


MECHANISM_V1 = (
    "第一条 为加强巡视整改中跨部门制度建设的沟通协调，建立会商研讨机制。",
    "第二条 涉及多个部门的制度由牵头部门起草，征求相关部门意见。",
)
MECHANISM_V2 = (
    *MECHANISM_V1,
    "第三条 相关部门应在五个工作日内反馈意见，不同意的应说明理由。",
    "第四条 牵头部门对每条意见逐条答复，说明采纳情况。",
)


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _dues(today: dt.date, start: int) -> dict[str, dt.date]:
    stages = ("drafting", "consulting", "deliberating", "issuing", "evaluating")
    return {stage: today + dt.timedelta(days=start + 10 * i) for i, stage in enumerate(stages)}


@unscoped_reads("demo loader fills the database")
def load_regulations(org: Organization) -> None:
    """Load the five demo rules, unless the register already holds rules."""
    if Rule.objects.filter(organization=org).exists():
        return
    inspection = Inspection.objects.filter(organization=org).order_by("id").first()
    if inspection is None:
        return
    today = timezone.localdate()
    units = {u.name: u for u in Unit.objects.filter(organization=org)}
    office, dept1, dept2, dept3, dept4 = (
        _user(u) for u in ("office", "dept1", "dept2", "dept3", "dept4")
    )
    findings = list(Finding.objects.filter(inspection=inspection).order_by("sort_key", "id")[:3])
    lead = units["党委办公室"]

    campaign = list(Tag.objects.filter(organization=org, name=TAG_PARTY_HISTORY))

    def rule(
        title: str,
        kind: str,
        lead_unit: Unit,
        consulted: list[str],
        start: int,
        *,
        tags: list[Tag] | None = None,
    ) -> Rule:
        return services.rule_create(
            by=office,
            inspection=inspection,
            data=services.RuleData(
                title=title,
                kind=kind,
                lead_unit=lead_unit,
                consulted_units=[units[name] for name in consulted],
                findings=findings[:1],
                tags=tags or [],
                dues=_dues(today, start),
            ),
        )

    with transaction.atomic():
        # 1. 会商研讨机制: round 2, 学生工作处(团委) still disagreeing.
        mechanism = rule(
            "关于建立制度建设会商研讨机制的实施办法",
            "measures",
            lead,
            ["人事处", "学生工作处(团委)"],
            -5,
        )
        services.draft_upload(
            by=dept1, rule=mechanism, file=_docx("会商研讨机制（征求意见稿）.docx", *MECHANISM_V1)
        )
        services.rule_start_consultation(by=dept1, rule=mechanism)
        mechanism.refresh_from_db()
        hr = services.opinion_submit(
            by=dept2,
            rule=mechanism,
            unit=units["人事处"],
            stance="comments",
            comments="建议明确反馈时限。",
        )
        students = services.opinion_submit(
            by=dept3,
            rule=mechanism,
            unit=units["学生工作处(团委)"],
            stance="disagree",
            comments="各部门职责划分不清，学生工作处承担的会商事项过多。",
        )
        services.reply_submit(by=dept1, opinion=hr, decision="adopted")
        services.reply_submit(
            by=dept1,
            opinion=students,
            decision="partly",
            reason="职责划分在第四条中细化；会商事项范围维持不变。",
        )
        services.draft_upload(
            by=dept1,
            rule=mechanism,
            file=_docx("会商研讨机制（修改稿）.docx", *MECHANISM_V2),
            note="增加反馈时限和逐条答复",
        )
        services.opinion_submit(by=dept2, rule=mechanism, unit=units["人事处"], stance="agree")
        services.opinion_submit(
            by=dept3,
            rule=mechanism,
            unit=units["学生工作处(团委)"],
            stance="disagree",
            comments="职责划分仍未细化到科室。",
        )

        # 2. A branch's 工作要点, still being drafted.
        branch = rule(
            "航空运输系党支部2021年工作要点",
            "work_points",
            units["航空运输系党支部"],
            [],
            15,
            tags=campaign,
        )
        services.draft_upload(
            by=_user("branch1"),
            rule=branch,
            file=_docx(
                "党支部工作要点（草稿）.docx", "一、加强政治理论学习。", "二、规范组织生活会。"
            ),
        )

        # 3. 责任清单 before the leading group.
        duties = rule(
            "巡视整改责任清单", "responsibility_list", lead, ["人事处"], -25, tags=campaign
        )
        services.draft_upload(
            by=dept1,
            rule=duties,
            file=_docx("责任清单.docx", "一、党委主体责任。", "二、纪委监督责任。"),
        )
        services.rule_start_consultation(by=dept1, rule=duties)
        duties.refresh_from_db()
        services.opinion_submit(by=dept2, rule=duties, unit=units["人事处"], stance="agree")
        services.rule_submit_for_deliberation(by=dept1, rule=duties)

        # 4. 任务分工表, issued and awaiting evaluation.
        division = rule("巡视整改任务分工表", "task_division", lead, ["图文信息中心"], 20)
        _through_issue(division, dept1, dept4, units["图文信息中心"], today, "院党委发〔2021〕3号")

        # 5. A long-term 规定, issued and evaluated.
        provisions = rule("党风廉政建设责任制规定", "provisions", lead, ["人事处"], -40)
        _through_issue(provisions, dept1, dept2, units["人事处"], today, "院党委发〔2021〕1号")
        services.rule_evaluate(
            by=office,
            rule=provisions,
            data=services.EvaluationData(
                evaluated_on=today,
                checks=dict.fromkeys((key for key, _label in CRITERIA), True),
                notes={"accountable": "明确了问责情形和程序。"},
            ),
        )


def _through_issue(
    rule: Rule, lead: Any, consulted: Any, unit: Unit, today: dt.date, number: str
) -> None:
    services.draft_upload(
        by=lead, rule=rule, file=_docx(f"{rule.title}（送审稿）.docx", rule.title)
    )
    services.rule_start_consultation(by=lead, rule=rule)
    rule.refresh_from_db()
    services.opinion_submit(by=consulted, rule=rule, unit=unit, stance="agree")
    services.rule_submit_for_deliberation(by=lead, rule=rule)
    # Deliberated at the leading group's meeting held in the system, when the demo has it.
    held_at = (
        Meeting.objects.filter(organization=rule.organization, title=LEADING_GROUP_TITLE)
        .order_by("id")
        .first()
    )
    services.rule_approve(
        by=_user("office"),
        rule=rule,
        meeting="" if held_at else LEADING_GROUP_TITLE,
        held_at=held_at,
        deliberated_on=timezone.localtime(held_at.starts_at).date() if held_at else today,
    )
    services.rule_issue(
        by=lead,
        rule=rule,
        issue_number=number,
        issued_on=today,
        file=_docx(f"{rule.title}.docx", rule.title, "第一条 本规定适用于学院各部门。"),
    )
