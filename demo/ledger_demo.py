"""The demo rectification ledger (整改台账) of the demo college, built from the seed.

One inspection round, its feedback (反馈意见) with about twenty findings over the four themes, and
about sixty measures in every state and deadline kind. Dates are relative to the day the demo is
loaded, so the warning lights show a realistic mix whenever it is loaded: the feedback came 75
days ago and the three-month concentrated period (集中整改) ends in about two weeks, as in the
seed ("三个月的集中整改时限将至").

Everything is written through the ledger services, by the people who would do it in real life
(the office records the ledger; unit secretaries start work and ask for close-out; liaison
groups review their grid; the office closes out, returns and reopens), so the audit trail and
every timeline shown by the demo are genuine.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.numbering import int_to_chinese
from core.scoping import unscoped_reads
from demo.organization_demo import BRANCHES
from demo.recurring_demo import apply_life_meeting
from ledger.choices import DeadlineKind
from ledger.models import Finding, Inspection, Measure, Tag
from ledger.services import (
    MeasureData,
    default_rectification_end,
    finding_save,
    inspection_save,
    measure_create,
    measure_data_of,
    measure_transition,
    measure_update,
    tag_get_or_create,
)
from organization.models import Organization, Person, Theme, Unit
from reporting.choices import LookBackRating, ReviewStage
from reporting.models import LookBack
from reporting.services import (
    CycleData,
    closeout_decide,
    closeout_direct,
    closeout_request,
    closeout_withdraw,
    cycle_save,
    evidence_add_text,
    lookback_record,
    lookback_schedule,
    period_review_complete,
)

# --- identity of the demo round ------------------------------------------------------------

INSPECTING_BODY = "市委第三巡视组"
NAME_SUFFIX = "年市委第三轮巡视"
SHORT_NAME = "市委三轮巡视"
# The name carries the feedback year, which moves with the load date; idempotency matches any
# year so that loading again in a later year does not add a second demo round.
NAME_PATTERN = r"^[0-9]{4}" + NAME_SUFFIX + "$"
FEEDBACK_DAYS_AGO = 75

TAG_PARTY_HISTORY = "党史学习教育"
TAG_WARNING = "警示教育"

# Words the actors attach to their actions: demo data, as they would type it.
NOTE_REQUEST_CLOSE = "整改任务已按计划完成，相关佐证材料已整理归档，申请对账销号。"
NOTE_LIAISON_APPROVE = "经联络组核查，整改措施已落实到位，同意提交整改办销号。"
NOTE_OFFICE_CLOSE = "经整改办逐项对账，整改到位，予以销号。"
NOTE_STAGE_DONE = "本阶段整改目标已完成，转入长期坚持，按期开展“回头看”。"
NOTE_DIRECT_CLOSE = "立行立改事项，经整改办现场核查已整改到位，直接销号。"

# Units, by name, as created by demo.organization_demo.
B_TRANSPORT, B_CABIN, B_AIRPORT, B_MAINTENANCE, B_MANUFACTURING, B_BASIC, B_ADMIN = BRANCHES
PARTY_OFFICE = "党委办公室"
PERSONNEL = "人事处"
STUDENT_AFFAIRS = "学生工作处(团委)"
INFO_CENTER = "图文信息中心"
DISCIPLINE_OFFICE = "纪委办公室"
ACADEMIC_AFFAIRS = "教务处"
FINANCE = "财务处"


class Story(StrEnum):
    """What happens to a measure after it is recorded, in the order it would happen."""

    NOT_STARTED = "not_started"  # recorded, nobody has started
    IN_PROGRESS = "in_progress"  # started, progress reported
    PENDING_REVIEW = "pending_review"  # close-out requested, liaison group to review
    PENDING_CLOSE = "pending_close"  # liaison group approved, office to close out
    CLOSED = "closed"  # the full path: start, request, liaison approval, office close-out
    LIAISON_RETURNED = "liaison_returned"  # liaison group sent it back; work goes on
    OFFICE_RETURNED = "office_returned"  # the office sent it back after liaison approval
    WITHDRAWN = "withdrawn"  # the unit withdrew its own request to complete the material
    DIRECT_CLOSED = "direct_closed"  # 立行立改 closed out directly by the office
    REOPENED = "reopened"  # closed, then relapsed (反弹回潮) and reopened by the office
    STAGE_DONE = "stage_done"  # long-term: the office marks the stage completed
    STAGE_REVIEWED = "stage_reviewed"  # long-term: through liaison review to stage completed


# Progress a unit reports for a measure still being worked on, when the spec gives none.
DEFAULT_PROGRESS = {
    Story.IN_PROGRESS: 40,
    Story.LIAISON_RETURNED: 85,
    Story.OFFICE_RETURNED: 90,
    Story.WITHDRAWN: 90,
    Story.REOPENED: 50,
}


@dataclass(frozen=True)
class M:
    """One measure of the demo ledger."""

    content: str
    lead: str
    story: Story
    kind: DeadlineKind = DeadlineKind.BY_DATE
    # Due date in days from the load date (negative: already past). Immediate measures may
    # leave it out ("立行立改" with no date); long-term measures never have one.
    due_in: int | None = None
    review_days: int | None = None  # long-term measures: review interval (90 or 180)
    co: tuple[str, ...] = ()
    progress: int | None = None  # progress reported while still open
    flagged: bool = False
    tags: tuple[str, ...] = ()
    note: str = ""  # the reason given when returning, withdrawing or reopening
    leader: str = ""  # username of the responsible leader
    persons: tuple[str, ...] = ()  # usernames; empty: the lead unit's secretary and head


@dataclass(frozen=True)
class BranchTask:
    """The recurring work every branch must finish by a date, one measure per branch."""

    # Per branch, in the order of BRANCHES: what happened, and the note or progress if any.
    stories: tuple[tuple[Story, str, int | None], ...]


@dataclass(frozen=True)
class F:
    """One finding (问题) of the feedback."""

    text: str
    detail: str = ""  # further sentences of the printed feedback, kept as the source excerpt
    leaders: tuple[str, ...] = ()  # usernames of the responsible leaders
    measures: tuple[M, ...] = ()
    branch_task: BranchTask | None = None


@dataclass(frozen=True)
class Sub:
    """A second-level heading of the feedback: （一）…"""

    title: str
    findings: tuple[F, ...]


@dataclass(frozen=True)
class Section:
    """A first-level heading of the feedback (一、…), owned by one theme."""

    theme: str
    title: str
    subs: tuple[Sub, ...]


BY = DeadlineKind.BY_DATE
NOW = DeadlineKind.IMMEDIATE
LONG = DeadlineKind.LONG_TERM
S = Story

FEEDBACK: tuple[Section, ...] = (
    Section(
        "党的建设",
        "党的建设方面",
        (
            Sub(
                "学习贯彻习近平新时代中国特色社会主义思想和党的创新理论不够深入",
                (
                    F(
                        "党委理论学习中心组学习计划性不强，学习内容与学院改革发展实际结合不紧，"
                        "专题研讨交流不够深入，个别中心组成员全年没有作过重点发言，以学促行的成效"
                        "不明显。",
                        detail="中心组集体学习多以传达文件为主，专题研讨次数偏少，"
                        "学习成果转化运用不够。",
                        leaders=("leader",),
                        measures=(
                            M(
                                "制定年度党委理论学习中心组学习计划，明确每月学习专题，每季度至少"
                                "开展1次专题研讨，中心组成员每年至少作1次重点发言。",
                                PARTY_OFFICE,
                                S.CLOSED,
                                due_in=-20,
                                tags=(TAG_PARTY_HISTORY,),
                                leader="leader",
                            ),
                            M(
                                "结合党史学习教育，开展“学党史、悟思想、办实事、开新局”专题学习"
                                "研讨，形成中心组学习研讨成果汇编。",
                                PARTY_OFFICE,
                                S.IN_PROGRESS,
                                due_in=45,
                                co=(INFO_CENTER,),
                                progress=50,
                                tags=(TAG_PARTY_HISTORY,),
                            ),
                            M(
                                "建立中心组学习考勤、学习档案和学习成效评估制度，坚持中心组学习"
                                "情况定期督查通报。",
                                PARTY_OFFICE,
                                S.STAGE_REVIEWED,
                                kind=LONG,
                                review_days=180,
                            ),
                        ),
                    ),
                    F(
                        "部分党支部政治学习流于形式，以读文件、念报纸代替研讨交流，党员参与学习的"
                        "积极性不高，学习记录简单雷同，“三会一课”中党课质量不高。",
                        measures=(
                            M(
                                "修订党支部政治学习制度，每月至少组织1次集中学习，以专题研讨、"
                                "交流发言代替照本宣科。",
                                B_MAINTENANCE,
                                S.PENDING_CLOSE,
                                due_in=-10,
                            ),
                            M(
                                "开展“书记讲党课”活动，党支部书记每年至少讲1次党课，评选优秀党课"
                                "并在全院交流。",
                                B_MANUFACTURING,
                                S.IN_PROGRESS,
                                due_in=25,
                                co=(PARTY_OFFICE,),
                                progress=30,
                                tags=(TAG_PARTY_HISTORY,),
                            ),
                            M(
                                "清理规范党支部学习记录，杜绝记录简单雷同、事后补记。",
                                B_BASIC,
                                S.DIRECT_CLOSED,
                                kind=NOW,
                                due_in=-61,
                            ),
                        ),
                    ),
                ),
            ),
            Sub(
                "基层党组织建设存在薄弱环节",
                (
                    F(
                        "个别党支部召开组织生活会不够规范严谨，会前谈心谈话不全覆盖，对照检查材料"
                        "照搬照抄，批评与自我批评辣味不足、避重就轻，民主评议党员走过场，会后整改"
                        "措施不具体、不跟踪。",
                        detail="有的党支部组织生活会会议记录不完整，未如实记录批评意见。",
                        leaders=("leader", "office"),
                        measures=(
                            M(
                                "制定《党支部组织生活会规范流程》，明确会前学习、谈心谈话、查摆"
                                "问题、撰写对照检查材料、会后整改等环节的具体要求。",
                                PARTY_OFFICE,
                                S.CLOSED,
                                due_in=-25,
                                co=(DISCIPLINE_OFFICE,),
                            ),
                            M(
                                "建立组织生活会列席指导和会后整改跟踪制度，党委委员、纪委委员"
                                "分片列席党支部组织生活会。",
                                DISCIPLINE_OFFICE,
                                S.IN_PROGRESS,
                                kind=LONG,
                                review_days=90,
                                co=(PARTY_OFFICE,),
                                progress=40,
                            ),
                        ),
                        branch_task=BranchTask(
                            (
                                (S.CLOSED, "", None),
                                (S.PENDING_CLOSE, "", None),
                                (
                                    S.LIAISON_RETURNED,
                                    "民主评议党员测评结果未汇总，会后整改清单缺少责任人和完成时限，"
                                    "请补充后再提交。",
                                    80,
                                ),
                                (S.PENDING_REVIEW, "", None),
                                (S.IN_PROGRESS, "", 60),
                                (S.NOT_STARTED, "", None),
                                (S.CLOSED, "", None),
                            ),
                        ),
                    ),
                    F(
                        "发展党员工作把关不严，个别党支部发展党员程序不规范，入党积极分子培养考察"
                        "记录不完整，政治审查材料缺失，预备党员转正讨论不及时，发展党员档案管理"
                        "不规范。",
                        leaders=("dept1",),
                        measures=(
                            M(
                                "对近三年发展党员档案开展全面排查，逐一核对程序和材料，对发现的"
                                "问题逐项整改。",
                                PARTY_OFFICE,
                                S.LIAISON_RETURNED,
                                due_in=-15,
                                co=(STUDENT_AFFAIRS,),
                                note="排查台账只覆盖了学生党员，教职工党员的发展档案未纳入，"
                                "请补充后再申请销号。",
                                progress=80,
                            ),
                            M(
                                "严格执行发展党员工作程序，制定发展党员工作全程纪实表，"
                                "实行发展党员预审制度。",
                                STUDENT_AFFAIRS,
                                S.PENDING_REVIEW,
                                due_in=20,
                            ),
                            M(
                                "补齐入党积极分子培养考察记录和政治审查材料。",
                                B_CABIN,
                                S.CLOSED,
                                kind=NOW,
                                due_in=-45,
                            ),
                        ),
                    ),
                    F(
                        "基层党组织标准化规范化建设推进不力，部分党支部活动阵地建设滞后，“双带头人”"
                        "教师党支部书记培育工作进展缓慢，党支部工作手册填写不规范，党建工作与业务"
                        "工作“两张皮”。",
                        measures=(
                            M(
                                "推进党支部标准化规范化建设，制定党支部建设达标验收标准，年内"
                                "实现党支部达标全覆盖。",
                                PARTY_OFFICE,
                                S.IN_PROGRESS,
                                due_in=80,
                                co=(B_TRANSPORT, B_AIRPORT),
                                progress=35,
                                flagged=True,
                                leader="leader",
                            ),
                            M(
                                "实施“双带头人”教师党支部书记培育工程，选优配强党支部书记。",
                                PERSONNEL,
                                S.NOT_STARTED,
                                due_in=60,
                                co=(PARTY_OFFICE,),
                            ),
                            M(
                                "改造党员活动室，完善党建宣传栏和党员示范岗标识。",
                                B_AIRPORT,
                                S.IN_PROGRESS,
                                due_in=8,
                                progress=70,
                            ),
                            M(
                                "规范填写党支部工作手册，每学期开展1次交叉检查。",
                                B_ADMIN,
                                S.STAGE_DONE,
                                kind=LONG,
                                review_days=180,
                            ),
                        ),
                    ),
                ),
            ),
            Sub(
                "干部队伍建设和选人用人工作存在短板",
                (
                    F(
                        "干部队伍结构不够合理，中层干部平均年龄偏大，年轻干部培养选拔力度不够，"
                        "缺少系统的培养规划和实践锻炼平台，干部交流轮岗不够。",
                        leaders=("leader", "dept2"),
                        measures=(
                            M(
                                "选派年轻干部到巡视整改等急难险重岗位实践锻炼，压担子、给任务，"
                                "建立年轻干部实绩档案。",
                                PERSONNEL,
                                S.IN_PROGRESS,
                                kind=LONG,
                                review_days=180,
                                co=(B_TRANSPORT,),
                                progress=30,
                                persons=("dept2", "staff1"),
                            ),
                        ),
                    ),
                    F(
                        "选人用人工作不够规范，个别干部选拔任用动议、民主推荐环节程序不严谨，干部"
                        "人事档案专项审核发现问题整改不彻底，对干部的日常管理监督偏宽偏软。",
                        detail="部分干部人事档案“三龄两历一身份”认定材料不齐全。",
                        leaders=("leader",),
                        measures=(
                            M(
                                "修订《中层干部选拔任用工作实施办法》，规范动议、民主推荐、考察、"
                                "讨论决定等程序。",
                                PERSONNEL,
                                S.PENDING_REVIEW,
                                due_in=-5,
                                co=(PARTY_OFFICE, DISCIPLINE_OFFICE),
                                flagged=True,
                                leader="leader",
                            ),
                            M(
                                "对干部人事档案专项审核发现的问题逐人逐项整改到位。",
                                PERSONNEL,
                                S.IN_PROGRESS,
                                due_in=-30,
                                progress=75,
                                flagged=True,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    Section(
        "党风廉政建设",
        "党风廉政建设方面",
        (
            Sub(
                "落实全面从严治党主体责任和监督责任不到位",
                (
                    F(
                        "“三重一大”决策制度执行不严格，部分重大事项和大额资金使用未经党委会集体"
                        "研究，议事规则和决策程序不够清晰，会议纪要记录不完整。",
                        detail="个别大额采购项目先实施后上会。",
                        leaders=("leader", "office"),
                        measures=(
                            M(
                                "修订《党委会议事规则》和《“三重一大”决策制度实施办法》，明确"
                                "决策事项清单和议事程序。",
                                PARTY_OFFICE,
                                S.CLOSED,
                                due_in=-12,
                                co=(DISCIPLINE_OFFICE, FINANCE),
                                leader="leader",
                            ),
                            M(
                                "规范会议纪要记录和归档，会议决策事项实行督办台账管理。",
                                PARTY_OFFICE,
                                S.CLOSED,
                                kind=NOW,
                                due_in=-55,
                            ),
                            M(
                                "纪委对“三重一大”决策执行情况开展专项监督检查。",
                                DISCIPLINE_OFFICE,
                                S.STAGE_REVIEWED,
                                kind=LONG,
                                review_days=180,
                            ),
                        ),
                    ),
                    F(
                        "廉政风险防控机制不健全，对招生录取、基建维修、物资采购、招投标等重点领域"
                        "和关键环节的廉政风险点排查不全面，防控措施针对性不强，动态更新不及时。",
                        leaders=("office",),
                        measures=(
                            M(
                                "组织全院各部门开展廉政风险点排查，建立廉政风险防控清单，逐项"
                                "制定防控措施。",
                                DISCIPLINE_OFFICE,
                                S.PENDING_REVIEW,
                                due_in=5,
                                co=(FINANCE, ACADEMIC_AFFAIRS),
                            ),
                        ),
                    ),
                    F(
                        "警示教育针对性、震慑力不强，以案促改、以案促治做得不够，对身边典型案例"
                        "剖析不深，部分党员干部纪律规矩意识淡薄。",
                        leaders=("office",),
                        measures=(
                            M(
                                "开展“以案为鉴知敬畏 不忘初心守底线”主题警示教育，组织观看警示"
                                "教育片、参观廉政教育基地。",
                                DISCIPLINE_OFFICE,
                                S.CLOSED,
                                due_in=-8,
                                co=(PARTY_OFFICE,),
                                tags=(TAG_WARNING,),
                            ),
                            M(
                                "编印身边典型案例警示录，召开全院警示教育大会，以案促改、以案"
                                "促治。",
                                DISCIPLINE_OFFICE,
                                S.IN_PROGRESS,
                                due_in=30,
                                progress=40,
                                flagged=True,
                                tags=(TAG_WARNING,),
                                leader="office",
                            ),
                            M(
                                "结合主题警示教育召开专题组织生活会，党员逐一对照剖析。",
                                B_TRANSPORT,
                                S.PENDING_REVIEW,
                                due_in=3,
                                tags=(TAG_WARNING, TAG_PARTY_HISTORY),
                            ),
                            M(
                                "将警示教育纳入党员干部日常教育管理，每年至少开展1次集中警示教育。",
                                DISCIPLINE_OFFICE,
                                S.IN_PROGRESS,
                                kind=LONG,
                                review_days=180,
                                progress=50,
                                tags=(TAG_WARNING,),
                            ),
                        ),
                    ),
                ),
            ),
            Sub(
                "落实中央八项规定精神还有差距",
                (
                    F(
                        "公务接待管理不规范，存在无公函接待、接待清单填写不完整、超标准接待等问题，"
                        "公务用车使用登记不严格，日常监督检查不到位。",
                        leaders=("office",),
                        measures=(
                            M(
                                "修订《公务接待管理办法》，严格执行公函制度和接待清单制度。",
                                FINANCE,
                                S.CLOSED,
                                due_in=-28,
                                co=(PARTY_OFFICE,),
                            ),
                            M(
                                "对本年度公务接待情况开展自查，对无公函接待、超标准接待问题立行"
                                "立改。",
                                B_ADMIN,
                                S.REOPENED,
                                kind=NOW,
                                due_in=-60,
                                co=(FINANCE,),
                                note="“回头看”发现近期仍有2批次公务接待无公函、接待清单未列明"
                                "陪餐人员，问题反弹回潮，重新整改。",
                                progress=50,
                            ),
                        ),
                    ),
                    F(
                        "财务报销审核把关不严，部分报销票据附件不全、事由不清，存在以会议费、"
                        "培训费名义列支其他费用的问题，专项经费使用监管不到位。",
                        detail="抽查的报销凭证中，部分会议费报销未附会议通知和签到表。",
                        leaders=("office",),
                        measures=(
                            M(
                                "完善财务报销审核流程，明确会议费、培训费报销必须附会议通知、"
                                "签到表和费用明细。",
                                FINANCE,
                                S.CLOSED,
                                kind=NOW,
                                due_in=-45,
                            ),
                            M(
                                "对近两年会议费、培训费列支情况开展专项检查，发现问题限期整改。",
                                FINANCE,
                                S.OFFICE_RETURNED,
                                due_in=-3,
                                co=(DISCIPLINE_OFFICE,),
                                note="专项检查报告未列明问题清单及追缴、纠正结果，请补充后"
                                "重新提交。",
                                flagged=True,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    Section(
        "意识形态工作",
        "意识形态工作方面",
        (
            Sub(
                "意识形态工作责任制落实不到位",
                (
                    F(
                        "党委对意识形态工作研判不够经常，意识形态工作责任制考核机制不健全，部分"
                        "基层党组织书记对意识形态工作“第一责任人”职责认识不到位，责任层层传导"
                        "不够。",
                        leaders=("leader",),
                        measures=(
                            M(
                                "党委每半年专题研究1次意识形态工作，每季度开展1次意识形态形势"
                                "研判。",
                                PARTY_OFFICE,
                                S.STAGE_REVIEWED,
                                kind=LONG,
                                review_days=90,
                            ),
                            M(
                                "制定《意识形态工作责任制实施细则》和考核办法，将意识形态工作"
                                "纳入党建考核和领导班子考核。",
                                PARTY_OFFICE,
                                S.IN_PROGRESS,
                                due_in=40,
                                co=(PERSONNEL,),
                                progress=55,
                            ),
                            M(
                                "党支部书记签订意识形态工作责任书，每学期向党委报告1次意识形态"
                                "工作。",
                                B_CABIN,
                                S.IN_PROGRESS,
                                kind=NOW,
                                due_in=-55,
                                progress=60,
                            ),
                        ),
                    ),
                    F(
                        "网络舆情监测、研判和处置机制不健全，应急处置预案缺乏演练，对师生关注的"
                        "热点问题回应不及时，引导不够有力。",
                        measures=(
                            M(
                                "建立网络舆情监测、研判、处置工作机制，制定网络舆情应急处置预案"
                                "并开展演练。",
                                INFO_CENTER,
                                S.IN_PROGRESS,
                                due_in=55,
                                co=(STUDENT_AFFAIRS, PARTY_OFFICE),
                                progress=40,
                            ),
                        ),
                    ),
                ),
            ),
            Sub(
                "意识形态阵地管理存在漏洞",
                (
                    F(
                        "校园网站和新媒体阵地管理不严，二级网站、微信公众号底数不清，信息发布"
                        "“三审三校”制度落实不到位，部分网站长期不更新、存在安全隐患。",
                        detail="抽查发现3个二级网站超过一年未更新。",
                        leaders=("leader", "dept4"),
                        measures=(
                            M(
                                "全面排查二级网站、微信公众号、微博等新媒体账号，建立台账，关停"
                                "长期不更新的网站和账号。",
                                INFO_CENTER,
                                S.CLOSED,
                                kind=NOW,
                                due_in=-45,
                            ),
                            M(
                                "落实信息发布“三审三校”制度，修订《校园网站和新媒体管理办法》。",
                                INFO_CENTER,
                                S.LIAISON_RETURNED,
                                due_in=-18,
                                co=(PARTY_OFFICE,),
                                note="管理办法尚未经党委会审议通过，“三审三校”记录只提供了"
                                "1个月，请补充。",
                                progress=85,
                            ),
                            M(
                                "规范系部微信公众号审核流程，落实专人负责。",
                                B_MANUFACTURING,
                                S.IN_PROGRESS,
                                due_in=-6,
                                progress=70,
                            ),
                            M(
                                "定期开展网站安全检测和内容巡查。",
                                INFO_CENTER,
                                S.STAGE_DONE,
                                kind=LONG,
                                review_days=90,
                            ),
                        ),
                    ),
                    F(
                        "哲学社会科学讲座、论坛、报告会审批备案制度执行不严格，部分报告会未履行"
                        "审批程序，对报告人背景和内容审核把关不严，境外人员参加的学术活动管理"
                        "不规范。",
                        measures=(
                            M(
                                "修订《哲学社会科学讲座、论坛、报告会管理办法》，严格执行"
                                "“一会一报”审批备案制度。",
                                PARTY_OFFICE,
                                S.CLOSED,
                                due_in=-22,
                                co=(ACADEMIC_AFFAIRS, STUDENT_AFFAIRS),
                            ),
                            M(
                                "补办本学期2场报告会的审批备案手续。",
                                B_AIRPORT,
                                S.WITHDRAWN,
                                kind=NOW,
                                note="审批表缺少报告人简介，撤回补充后再提交。",
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    Section(
        "思想政治工作",
        "思想政治工作方面",
        (
            Sub(
                "“三全育人”格局尚未形成",
                (
                    F(
                        "课程思政建设推进缓慢，专业课教师育人意识不强，课程思政示范课程和教学团队"
                        "数量少，思政元素融入专业课程教学不够自然，“大思政”格局尚未形成。",
                        leaders=("leader",),
                        measures=(
                            M(
                                "制定《课程思政建设实施方案》，每个专业至少建设1门课程思政示范"
                                "课程。",
                                ACADEMIC_AFFAIRS,
                                S.IN_PROGRESS,
                                due_in=88,
                                co=(B_TRANSPORT, B_MAINTENANCE),
                                progress=20,
                                flagged=True,
                                leader="leader",
                            ),
                            M(
                                "组织专业课教师开展课程思政专题培训和教学竞赛。",
                                ACADEMIC_AFFAIRS,
                                S.NOT_STARTED,
                                due_in=28,
                            ),
                            M(
                                "将“当代民航精神”“工匠精神”融入专业课程教学，编写课程思政案例集。",
                                B_TRANSPORT,
                                S.IN_PROGRESS,
                                due_in=50,
                                progress=40,
                                persons=("branch1", "staff1"),
                            ),
                        ),
                    ),
                    F(
                        "思想政治理论课教学改革创新不足，教学方法单一，实践教学环节薄弱，思政课"
                        "专职教师配备未达到师生比要求。",
                        measures=(
                            M(
                                "推进思政课教学方法改革，增加实践教学学时，开展专题式教学。",
                                B_BASIC,
                                S.IN_PROGRESS,
                                due_in=12,
                                progress=55,
                            ),
                            M(
                                "坚持思政课集体备课，每两周至少1次。",
                                B_BASIC,
                                S.STAGE_DONE,
                                kind=LONG,
                                review_days=90,
                            ),
                        ),
                    ),
                ),
            ),
            Sub(
                "辅导员队伍建设和学生思想政治教育有待加强",
                (
                    F(
                        "辅导员队伍建设不够有力，专职辅导员配备未达到1:200的比例要求，辅导员职业"
                        "发展通道不畅，培训体系不健全，队伍稳定性不高。",
                        leaders=("dept3",),
                        measures=(
                            M(
                                "按照1:200的比例配齐专职辅导员，年内完成招聘。",
                                PERSONNEL,
                                S.IN_PROGRESS,
                                due_in=75,
                                co=(STUDENT_AFFAIRS,),
                                progress=30,
                            ),
                            M(
                                "完善辅导员培训体系和职务职级“双线晋升”办法。",
                                STUDENT_AFFAIRS,
                                S.PENDING_REVIEW,
                                due_in=-2,
                                co=(PERSONNEL,),
                            ),
                        ),
                    ),
                    F(
                        "学生党建工作与思想政治教育结合不紧，学生党员先锋模范作用发挥不明显，"
                        "心理健康教育和危机干预工作机制不完善。",
                        measures=(
                            M(
                                "开展学生党员“亮身份、作表率”活动，设立学生党员示范岗。",
                                B_CABIN,
                                S.CLOSED,
                                due_in=-14,
                                co=(STUDENT_AFFAIRS,),
                                tags=(TAG_PARTY_HISTORY,),
                            ),
                            M(
                                "完善学院、系部、班级、宿舍四级心理健康教育和危机干预工作网络。",
                                STUDENT_AFFAIRS,
                                S.IN_PROGRESS,
                                due_in=6,
                                progress=85,
                            ),
                            M(
                                "每月开展1次学生心理状况排查，建立重点关注学生台账。",
                                B_MANUFACTURING,
                                S.STAGE_DONE,
                                kind=LONG,
                                review_days=90,
                            ),
                        ),
                    ),
                ),
            ),
            Sub(
                "思想政治工作制度建设不健全",
                (
                    F(
                        "思想政治工作相关制度建设滞后，部分制度多年未修订，与上级新要求不相适应，"
                        "制度执行情况缺乏监督检查，管长远、管根本的长效机制尚未建立。",
                        leaders=("leader", "office"),
                        measures=(
                            M(
                                "全面梳理思想政治工作相关制度，形成制度“立改废”清单。",
                                PARTY_OFFICE,
                                S.CLOSED,
                                kind=NOW,
                                due_in=-45,
                            ),
                            M(
                                "涉及多个部门的制度建立会商研讨机制，确保制度可执行、可监督、"
                                "可检查、可问责。",
                                PARTY_OFFICE,
                                S.IN_PROGRESS,
                                due_in=30,
                                co=(STUDENT_AFFAIRS, ACADEMIC_AFFAIRS, PERSONNEL),
                                progress=50,
                                flagged=True,
                                leader="office",
                            ),
                            M(
                                "建立制度执行情况年度检查评估机制。",
                                DISCIPLINE_OFFICE,
                                S.NOT_STARTED,
                                kind=LONG,
                                review_days=180,
                                co=(PARTY_OFFICE,),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
)

# --- dates and wording -------------------------------------------------------------------


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _by_date_text(due: dt.date) -> str:
    """A due date as a ledger writes it: "2021年3月底前" at a month's end, else the day."""
    if due == _month_end(due):
        return f"{due.year}年{due.month}月底前"
    return f"{_cn_date(due)}前"


def _deadline_text(kind: DeadlineKind, due: dt.date | None) -> str:
    if kind == DeadlineKind.LONG_TERM:
        return "长期坚持"
    if kind == DeadlineKind.IMMEDIATE:
        return "立行立改" if due is None else f"立行立改，{_cn_date(due)}前完成"
    if due is None:
        raise ValueError("a measure fixed by a date needs one")
    return _by_date_text(due)


def _finding_number(section: int, sub: int, item: int) -> str:
    return f"{int_to_chinese(section + 1)}、（{int_to_chinese(sub + 1)}）{item + 1}"


def _feedback_text(
    org: Organization, *, start: dt.date, end: dt.date, feedback: dt.date, rect_end: dt.date
) -> str:
    """The feedback (反馈意见) as printed, numbered exactly as the findings are."""
    lines = [
        f"根据市委统一部署，{INSPECTING_BODY}于{_cn_date(start)}至{_cn_date(end)}对{org.name}"
        f"党委开展了常规巡视。{_cn_date(feedback)}，巡视组向学院党委反馈了巡视意见。",
        "巡视组认为，学院党委能够认真学习贯彻习近平新时代中国特色社会主义思想，坚持社会主义"
        "办学方向，落实立德树人根本任务，在人才培养和服务民航事业发展等方面做了大量工作，"
        "取得了一定成效。同时，巡视中也发现了一些问题：",
    ]
    for si, section in enumerate(FEEDBACK):
        lines.append(f"{int_to_chinese(si + 1)}、{section.title}")
        for ui, sub in enumerate(section.subs):
            lines.append(f"（{int_to_chinese(ui + 1)}）{sub.title}。")
            for fi, finding in enumerate(sub.findings):
                lines.append(f"{fi + 1}. {finding.text}{finding.detail}")
    lines += [
        "巡视组建议，学院党委要切实担负起巡视整改主体责任，党委书记要履行第一责任人职责，"
        "领导班子其他成员要落实“一岗双责”，坚持问题导向，对反馈问题建立整改台账，明确责任人、"
        "整改措施和完成时限，逐项对账销号，坚决防止问题反弹回潮。",
        f"学院党委应在{_cn_date(rect_end)}前完成三个月的集中整改，集中整改情况按规定向市委巡视"
        "工作领导小组报告；对需要长期坚持的整改任务，要建立健全长效机制，持续推进、久久为功。",
    ]
    return "\n".join(lines)


# --- the people who act ------------------------------------------------------------------


@dataclass
class _Cast:
    """The demo accounts, fetched once so each keeps its resolved roles for the whole load."""

    _users: dict[str, AbstractBaseUser] = field(default_factory=dict)

    def user(self, username: str) -> AbstractBaseUser:
        if username not in self._users:
            self._users[username] = get_user_model().objects.get(username=username)
        return self._users[username]

    def person(self, username: str) -> Person:
        return Person.objects.get(user__username=username)

    @property
    def office(self) -> AbstractBaseUser:
        return self.user("office")

    def secretary_of(self, unit: Unit) -> AbstractBaseUser:
        """The lead unit's party secretary (its administrative head if it has none)."""
        head = unit.party_secretary or unit.admin_head
        if head is None:
            raise LookupError(f"{unit} has no secretary or head in the demo organization")
        return self.user(head.user.get_username())

    def liaison_of(self, unit: Unit) -> AbstractBaseUser:
        """The leader of the liaison group whose grid holds the unit."""
        group = unit.liaison_group
        if group is None or group.leader is None:
            raise LookupError(f"{unit} is in no liaison group's grid in the demo organization")
        return self.user(group.leader.user.get_username())


# --- acting on a measure -----------------------------------------------------------------


def _attach_evidence(measure: Measure, user: AbstractBaseUser, note: str) -> None:
    """A short written account (整改情况说明), stored as evidence through the normal upload path."""
    evidence_add_text(
        by=user,
        measure=measure,
        name=f"整改情况说明-{measure.finding.number}-{measure.number}.txt",
        content=f"{measure.content}\n\n{note}\n",
        description="整改情况说明",
    )


def _request_close(measure: Measure, user: AbstractBaseUser) -> Measure:
    """Ask for close-out (申请销号): every demo close-out request goes through here.

    Guards that higher layers register on "request_close" (reporting: "attach evidence first")
    meet every demo request at this one point, so the demo attaches its evidence here, just
    before the transition.
    """
    _attach_evidence(measure, user, NOTE_REQUEST_CLOSE)
    closeout_request(by=user, measure=measure, summary=NOTE_REQUEST_CLOSE)
    return Measure.objects.get(pk=measure.pk)


def _report_progress(measure: Measure, user: AbstractBaseUser, progress: int) -> Measure:
    """The unit updates its progress figure, an ordinary audited edit of the measure."""
    data = dataclasses.replace(measure_data_of(measure), progress=progress)
    return measure_update(by=user, measure=measure, data=data, expected_version=measure.version)


def _play(
    measure: Measure, story: Story, *, cast: _Cast, today: dt.date, note: str, progress: int | None
) -> Measure:
    """Take a freshly recorded measure through its story, each step by the person who acts."""
    if story == Story.NOT_STARTED:
        return measure
    unit = measure.lead_unit
    secretary, liaison, office = cast.secretary_of(unit), cast.liaison_of(unit), cast.office
    open_progress = progress if progress is not None else DEFAULT_PROGRESS.get(story, 40)

    def fire(
        user: AbstractBaseUser, name: str, reason: str = "", *, new_due_date: dt.date | None = None
    ) -> None:
        nonlocal measure
        measure = measure_transition(
            by=user, measure=measure, name=name, reason=reason, new_due_date=new_due_date
        )

    def report(value: int) -> None:
        nonlocal measure
        measure = _report_progress(measure, secretary, value)

    def request() -> None:
        nonlocal measure
        report(100)
        measure = _request_close(measure, secretary)

    def decide(user: AbstractBaseUser, stage: str, approve: bool, reason: str) -> None:
        # Close-out steps go through the services that write their requests and decisions.
        nonlocal measure
        closeout_decide(by=user, measure=measure, stage=stage, approve=approve, reason=reason)
        measure = Measure.objects.get(pk=measure.pk)

    def relapse(reason: str) -> None:
        # A relapse is found at a look-back (回头看), which reopens the measure.
        nonlocal measure
        lookback_schedule(
            by=office, measures=Measure.objects.filter(pk=measure.pk), planned_date=today
        )
        lookback_record(
            by=office,
            lookback=LookBack.objects.get(measure=measure, planned_date=today),
            rating=LookBackRating.POOR,
            notes=reason,
            new_due_date=today + dt.timedelta(days=30),
        )
        measure = Measure.objects.get(pk=measure.pk)

    fire(secretary, "start")
    if story == Story.IN_PROGRESS:
        report(open_progress)
    elif story == Story.DIRECT_CLOSED:
        _attach_evidence(measure, office, NOTE_DIRECT_CLOSE)
        closeout_direct(by=office, measure=measure, summary=NOTE_DIRECT_CLOSE)
        measure = Measure.objects.get(pk=measure.pk)
    elif story == Story.STAGE_DONE:
        report(100)
        period_review_complete(by=office, measure=measure, note=NOTE_STAGE_DONE)
        measure = Measure.objects.get(pk=measure.pk)
    elif story == Story.WITHDRAWN:
        request()
        closeout_withdraw(by=secretary, measure=measure, reason=note)
        measure = Measure.objects.get(pk=measure.pk)
        report(open_progress)
    else:
        request()
        if story == Story.LIAISON_RETURNED:
            decide(liaison, ReviewStage.LIAISON, False, note)
            report(open_progress)
        elif story != Story.PENDING_REVIEW:
            decide(liaison, ReviewStage.LIAISON, True, NOTE_LIAISON_APPROVE)
            if story == Story.OFFICE_RETURNED:
                decide(office, ReviewStage.OFFICE, False, note)
                report(open_progress)
            elif story == Story.STAGE_REVIEWED:
                decide(office, ReviewStage.OFFICE, True, NOTE_STAGE_DONE)
            elif story in (Story.CLOSED, Story.REOPENED):
                decide(office, ReviewStage.OFFICE, True, NOTE_OFFICE_CLOSE)
                if story == Story.REOPENED:
                    relapse(note)
                    report(open_progress)
    return measure


# --- the load ----------------------------------------------------------------------------


@unscoped_reads("demo loader fills the database")
def demo_inspection_exists(org: Organization) -> bool:
    """Whether the demo round has already been loaded into this organization (any year)."""
    return Inspection.objects.filter(
        organization=org, inspecting_body=INSPECTING_BODY, name__regex=NAME_PATTERN
    ).exists()


@unscoped_reads("demo loader fills the database")
def load_ledger(org: Organization) -> None:
    """Load the demo ledger into the demo organization, unless it is already there.

    Needs the accounts of `demo.organization_demo.load_organization`. All or nothing: a failure
    leaves no half-loaded round behind that would block the next attempt.
    """
    if demo_inspection_exists(org):
        return
    today = timezone.localdate()
    feedback = today - dt.timedelta(days=FEEDBACK_DAYS_AGO)
    start, end = feedback - dt.timedelta(days=70), feedback - dt.timedelta(days=28)
    rect_end = default_rectification_end(feedback)
    cast = _Cast()
    office = cast.office

    with transaction.atomic():
        inspection = inspection_save(
            by=office,
            inspection=Inspection(
                organization=org,
                name=f"{feedback.year}{NAME_SUFFIX}",
                short_name=SHORT_NAME,
                inspecting_body=INSPECTING_BODY,
                start_date=start,
                end_date=end,
                feedback_date=feedback,
                rectification_end=rect_end,
                feedback_text=_feedback_text(
                    org, start=start, end=end, feedback=feedback, rect_end=rect_end
                ),
            ),
        )
        # Units report weekly, by Friday, as the seed's branches do at their meetings.
        cycle_save(by=office, inspection=inspection, data=CycleData(frequency="weekly", weekday=4))
        themes = {t.name: t for t in Theme.objects.filter(organization=org)}
        units = {
            u.name: u
            for u in Unit.objects.filter(organization=org).select_related(
                "party_secretary__user", "admin_head__user", "liaison_group__leader__user"
            )
        }
        tags = {
            name: tag_get_or_create(by=office, organization=org, name=name)
            for name in (TAG_PARTY_HISTORY, TAG_WARNING)
        }

        for si, section in enumerate(FEEDBACK):
            for ui, sub in enumerate(section.subs):
                for fi, spec in enumerate(sub.findings):
                    number = _finding_number(si, ui, fi)
                    finding = finding_save(
                        by=office,
                        finding=Finding(
                            inspection=inspection,
                            theme=themes[section.theme],
                            number=number,
                            text=spec.text,
                            source_excerpt=(
                                f"{fi + 1}. {spec.text}{spec.detail}" if spec.detail else ""
                            ),
                        ),
                        responsible_leaders=[cast.person(u) for u in spec.leaders],
                    )
                    _load_measures(finding, spec, cast=cast, units=units, tags=tags, today=today)


def _load_measures(
    finding: Finding,
    spec: F,
    *,
    cast: _Cast,
    units: dict[str, Unit],
    tags: dict[str, Tag],
    today: dt.date,
) -> None:
    office = cast.office
    for index, m in enumerate(spec.measures, start=1):
        due = today + dt.timedelta(days=m.due_in) if m.due_in is not None else None
        data = MeasureData(
            content=m.content,
            lead_unit=units[m.lead],
            number=str(index),
            co_units=[units[name] for name in m.co],
            responsible_leader=cast.person(m.leader) if m.leader else None,
            responsible_persons=[cast.person(u) for u in m.persons] if m.persons else None,
            deadline_kind=m.kind,
            deadline_text=_deadline_text(m.kind, due),
            due_date=due,
            review_interval_days=m.review_days,
            tags=[tags[name] for name in m.tags],
            is_flagged=m.flagged,
        )
        measure = measure_create(by=office, finding=finding, data=data)
        _play(measure, m.story, cast=cast, today=today, note=m.note, progress=m.progress)

    task = spec.branch_task
    if task is None:
        return
    # The recurring branch work of the seed ("各党支部3月底前…"), due at the first month's end
    # that is at least a week away, so every branch still has time to finish.
    due = _month_end(today + dt.timedelta(days=7))
    # Assigned by applying the yearly 组织生活会 template (常态化工作模板), so the branches'
    # measures carry its evidence checklist and the template's roll-up counts them.
    branches = [units[name] for name in BRANCHES]
    group = apply_life_meeting(
        office=office, finding=finding, due=due, campaigns=[tags[TAG_PARTY_HISTORY]]
    )
    by_unit = {m.lead_unit_id: m for m in group.measures.select_related("lead_unit")}
    for unit, (story, note, progress) in zip(branches, task.stories, strict=True):
        _play(by_unit[unit.pk], story, cast=cast, today=today, note=note, progress=progress)
