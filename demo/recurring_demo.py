"""Demo recurring work and campaigns, from the seed.

The seed: "各党支部3月底前要高标准、高质量完成2020年度组织生活会和党员民主评议党员等重点工作",
and "将深化党支部标准规范化建设渗透到巡视整改的全过程之中". The yearly 组织生活会 template is
applied to the seven branches (its run is the branches' task in the demo ledger, played through
every state); the 标准化规范化建设 check template is set up but not applied yet. The two campaigns
the seed combines rectification with get their periods and descriptions.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser

from ledger.models import Finding, MeasureGroup, Tag
from ledger.services import campaign_save
from organization.choices import UnitKind
from organization.models import Organization
from recurring.models import RecurringTemplate
from recurring.services import template_apply, template_save

LIFE_MEETING = "组织生活会和民主评议党员"
LIFE_MEETING_TEXT = (
    "各党支部高标准、高质量召开组织生活会，开展民主评议党员，会前开展谈心谈话全覆盖，"
    "会后形成问题清单和整改措施并报党委办公室备案。"
)
LIFE_MEETING_CHECKLIST = "会议记录\n对照检查材料\n民主评议结果\n会后整改清单"
STANDARDIZATION = "党支部标准化规范化建设检查"
STANDARDIZATION_TEXT = (
    "对照党支部标准化规范化建设标准开展自查，逐项整改不达标事项，迎接党委组织部检查。"
)
STANDARDIZATION_CHECKLIST = "自查报告\n支部工作手册\n“三会一课”记录\n整改台账"

# Campaigns of the seed: 党史学习教育 across the party, and the college's own 警示教育.
CAMPAIGNS = {
    "党史学习教育": "在全党开展党史学习教育，推动巡视整改与学党史、悟思想、办实事、"
    "开新局同向发力。",
    "警示教育": "“以案为鉴知敬畏 不忘初心守底线”主题警示教育：以身边案例警示教育党员干部，"
    "推动巡视整改与作风建设、廉政建设有机结合。",
}


def apply_life_meeting(
    *, office: AbstractBaseUser, finding: Finding, due: dt.date, campaigns: list[Tag]
) -> MeasureGroup:
    """Set up the yearly 组织生活会 template under the finding and apply it to the branches for
    the year whose meetings fall due on `due` (held early in the next year, as in the seed)."""
    template = template_save(
        by=office,
        template=RecurringTemplate(
            organization_id=finding.inspection.organization_id,
            title=LIFE_MEETING,
            description=LIFE_MEETING_TEXT,
            unit_kinds=[UnitKind.BRANCH],
            due_month=3,
            due_day=31,
            due_next_year=True,
            checklist=LIFE_MEETING_CHECKLIST,
            finding=finding,
        ),
        campaigns=campaigns,
    )
    year = due.year - 1 if due.month <= 6 else due.year
    run = template_apply(by=office, template=template, year=year, due_date=due)
    # Next year's run is applied by the scheduler early in the year after.
    template.apply_on = dt.date(year + 1, 12, 1)
    template_save(by=office, template=template)
    return run.group


def load_recurring(org: Organization, *, office: AbstractBaseUser) -> None:
    """The standardization check template (not applied yet) and the campaigns' periods."""
    if RecurringTemplate.objects.filter(organization=org, title=STANDARDIZATION).exists():
        return
    life = RecurringTemplate.objects.filter(organization=org, title=LIFE_MEETING).first()
    if life is not None:
        template_save(
            by=office,
            template=RecurringTemplate(
                organization=org,
                title=STANDARDIZATION,
                description=STANDARDIZATION_TEXT,
                unit_kinds=[UnitKind.BRANCH],
                due_month=11,
                due_day=30,
                checklist=STANDARDIZATION_CHECKLIST,
                finding=life.finding,
            ),
        )
    first = life.runs.order_by("year").first() if life is not None else None
    start = dt.date(first.year, 2, 20) if first else None
    for name, description in CAMPAIGNS.items():
        tag = Tag.objects.filter(organization=org, name=name).first()
        if tag is None:
            continue
        tag.description = description
        if start is not None:
            tag.start_date = start
            tag.end_date = dt.date(start.year + 1, 12, 31)
        campaign_save(by=office, tag=tag)
