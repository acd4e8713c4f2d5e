"""The seed's meeting: the joint meeting (联席会议) of the two task forces, chaired by the office
director in 1号楼1205会议室, hearing the seven directly affiliated branches and four departments,
with the three requirements of the summing-up, two of them turned into measures.

Built through the product's own services, as the office would: the parts are pre-filled from the
units' reports of the current cycle, attendance and minutes are recorded, and requirements become
measures in the ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.scoping import unscoped_reads
from demo.ledger_demo import TAG_PARTY_HISTORY
from demo.organization_demo import BRANCHES
from ledger.models import Finding, Inspection, Tag
from meetings import services
from meetings.models import Attendee, Meeting, MeetingPart
from organization.models import Organization, TaskForce, Unit
from reporting.services import UnitReportData

TITLE = "党建和思想政治工作整改落实工作专班联席会议"
PLACE = "徐汇校区1号楼1205会议室"
DEPARTMENTS = ["党委办公室", "人事处", "学生工作处(团委)", "图文信息中心"]
MEETING_DAYS_AGO = 3
# The leading group's meeting that deliberated (审议) the register's rules the day before.
LEADING_GROUP_TITLE = "巡视整改工作领导小组会议"
LEADING_GROUP_DAYS_AGO = 1

BRANCH_REPORT = UnitReportData(
    work_done=(
        "寒假以来按照“网格化”管理要求，加强与联络组的工作对接，召开整改工作汇报会，"
        "研究部署基层党建整改任务，明确责任人，细化整改措施，确定完成时限。"
    ),
    problems="时间紧、任务重、压力大，部分整改措施与日常工作的统筹安排还需加强。",
    next_steps=(
        "3月底前高标准、高质量完成2020年度组织生活会和民主评议党员工作，"
        "把整改工作落实到积极行动上、融合到具体工作中。"
    ),
)
DEPARTMENT_REPORT = UnitReportData(
    work_done="推进相关整改事项落实，坚持把抓好巡视整改作为贯穿部门全年工作的一条主线。",
    problems="涉及多个部门的制度制定工作协调难度较大，存在难点和堵点。",
    next_steps="有针对性地提出加强和改进整改工作的措施，统筹推进2021年各项重点任务如期完成。",
)

SUMMARY = (
    "两个工作专班思想上高度重视，行动上积极落实，自寒假以来全员发动力量加班加点，做了大量扎实"
    "有效工作，有序有力推动巡视整改工作持续向前，取得了阶段性成效。\n"
    "三个月的集中整改时限将至，要确保集中发力完成阶段性整改任务，取得一批实实在在的成果。"
    "在推进巡视整改的过程中不能单打独斗、各自为战，各党支部要坚持“一岗双责、党政同责”，"
    "要坚持全员参与整改、开门搞好整改。"
)
REQUIREMENTS = [
    "一要关注时限，保证质量。按照整改工作计划抓紧时间、积极推进；涉及多个部门的制度制定工作，"
    "要加强沟通协调、建立会商研讨机制，确保建立的制度可执行、可监督、可检查、可问责。",
    "二要注重实效，推进发展。坚持问题导向和效果导向，任务分解细化，责任落实到人，逐个对账销号，"
    "坚决防止问题反弹回潮；各党支部近期要将组织生活会相关工作做实做细做规范。",
    "三要落实责任，统筹推进。推动巡视整改与日常工作有机结合、同向发力，与党史学习教育和"
    "“以案为鉴知敬畏 不忘初心守底线”主题警示教育有机结合起来，同步推进、同步完成。",
]


def _joined(said: str, prefilled: str) -> str:
    return f"{said}\n{prefilled}".strip() if prefilled else said


def _finding(inspection: Inspection, text: str) -> Finding:
    return Finding.objects.filter(inspection=inspection, text__contains=text).order_by("id").first()


@unscoped_reads("demo loader fills the database")
def load_meetings(org: Organization) -> None:
    """Load the seed's joint meeting, unless it is already there."""
    if Meeting.objects.filter(organization=org, title=TITLE).exists():
        return
    inspection = Inspection.objects.filter(organization=org).order_by("-feedback_date").first()
    if inspection is None or org.office_director is None:
        return
    office = org.office_director.user
    units = {u.name: u for u in Unit.objects.filter(organization=org)}
    reporting = [units[name] for name in [*BRANCHES, *DEPARTMENTS] if name in units]
    start = timezone.localtime().replace(hour=14, minute=30, second=0, microsecond=0)
    start -= dt.timedelta(days=MEETING_DAYS_AGO)
    with transaction.atomic():
        meeting = services.meeting_create(
            by=office,
            organization=org,
            data=services.MeetingData(
                title=TITLE,
                kind="joint",
                inspection=inspection,
                starts_at=start,
                place=PLACE,
                parts_due_at=start - dt.timedelta(days=1),
                chair=org.office_director,
                task_forces=list(TaskForce.objects.filter(organization=org)),
                # The third requirement combines the rectification with 党史学习教育.
                tags=list(Tag.objects.filter(organization=org, name=TAG_PARTY_HISTORY)),
                agenda=[
                    "七个直属党支部书记依次汇报寒假以来推进巡视整改的工作开展情况、存在的问题"
                    "和下一步的工作打算",
                    "党委办公室、人事处、学生工作处(团委)、图文信息中心负责人汇报相关整改事项的"
                    "推进落实情况",
                    "整改办主任作总结讲话，对下一步整改工作提出要求",
                ],
            ),
        )
        meeting = services.meeting_set_reporting_units(by=office, meeting=meeting, units=reporting)
        # The office gathered every part before the meeting: pre-filled from the unit's reports
        # of the cycle, completed with what the seed says the units reported.
        for part in MeetingPart.objects.filter(meeting=meeting).order_by("position", "id"):
            said = BRANCH_REPORT if part.unit.name in BRANCHES else DEPARTMENT_REPORT
            services.part_save(
                by=office,
                part=part,
                data=services.PartData(
                    _joined(said.work_done, part.work_done),
                    _joined(said.problems, part.problems),
                    _joined(said.next_steps, part.next_steps),
                ),
                expected_version=part.version,
                submit=True,
            )
        rows = [
            services.AttendanceRow(a.pk, "present")
            for a in Attendee.objects.filter(meeting=meeting).order_by("id")
        ]
        on_leave = Attendee.objects.filter(
            meeting=meeting, person__user__username="taskforce2"
        ).first()
        if on_leave is not None:
            rows = [r for r in rows if r.attendee_id != on_leave.pk]
            rows.append(services.AttendanceRow(on_leave.pk, "leave", "参加上级组织的专题培训"))
        meeting = services.attendance_record(by=office, meeting=meeting, rows=rows)
        services.minutes_save(
            by=office,
            meeting=meeting,
            summary=SUMMARY,
            requirements=REQUIREMENTS,
            expected_version=None,
        )
        first, second = meeting.requirements.order_by("number")[:2]
        due = inspection.rectification_end
        as_written = f"{due.year}年{due.month}月{due.day}日前"
        rules = _finding(inspection, "思想政治工作相关制度建设滞后")
        if rules is not None:
            services.requirement_make_measures(
                by=office,
                requirement=first,
                data=services.RequirementMeasuresData(
                    finding=rules,
                    content="建立涉及多个部门的制度制定会商研讨机制，确保建立的制度可执行、"
                    "可监督、可检查、可问责",
                    units=[units["学生工作处(团委)"]],
                    due_date=due,
                    deadline_text=as_written,
                ),
            )
        # The second requirement becomes a supervised item (挂牌督办) of the party office.
        life = _finding(inspection, "个别党支部召开组织生活会不够规范严谨")
        if life is not None:
            services.requirement_make_measures(
                by=office,
                requirement=second,
                data=services.RequirementMeasuresData(
                    finding=life,
                    content="督促各党支部将组织生活会相关工作做实做细做规范，会前谈心谈话全覆盖，"
                    "会后跟踪整改",
                    units=[units["党委办公室"]],
                    due_date=due,
                    deadline_text=as_written,
                    supervised=True,
                ),
            )
        services.meeting_transition(by=office, meeting=meeting, name="issue_minutes")
        _leading_group_meeting(org, inspection, office)


def _leading_group_meeting(org: Organization, inspection: Inspection, office: Any) -> None:
    """The leading group's meeting where the register's rules were deliberated, recorded as
    held (the register links its 审议 to it)."""
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    start -= dt.timedelta(days=LEADING_GROUP_DAYS_AGO)
    meeting = services.meeting_create(
        by=office,
        organization=org,
        data=services.MeetingData(
            title=LEADING_GROUP_TITLE,
            kind="leading_group",
            inspection=inspection,
            starts_at=start,
            place=PLACE,
            parts_due_at=start - dt.timedelta(days=1),
            chair=org.office_director,
            by_leading_group=True,
            agenda=["审议《巡视整改任务分工表》《党风廉政建设责任制规定》"],
        ),
    )
    services.attendance_record(by=office, meeting=meeting, rows=[])
