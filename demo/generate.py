"""A rectification ledger at real scale, for benchmarks and load tests.

`generate(measures=N)` fills an empty, migrated database with one large organization (hundreds
of units in liaison grids, thousands of people), several inspection rounds, findings and measures
in every state and deadline kind, their unit links and responsible people, and the audit trail
of everything that happened to them (about ten events per measure), as a valid hash chain.
Where the reporting layer's models exist, progress reports and evidence rows come with it.

The same seed and the same `today` give the same data. Rows are written in bulk with their
primary keys assigned here (the database is empty), so references need no round trips: on
SQLite through `executemany`, on PostgreSQL through `COPY`. The audit chain is computed with
`core.audit.event_hash` on unsaved `AuditEvent` objects in sequence order, exactly as
`record_event` would have chained them one by one, so `verify_chain` passes over the result.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from core.audit import GENESIS_HASH, event_hash, to_jsonable
from core.models import AuditChainHead, AuditEvent
from core.numbering import int_to_chinese, number_sort_key
from core.scoping import unscoped_reads
from demo.ledger_demo import FEEDBACK
from demo.organization_demo import DEMO_PASSWORD, demo_security_policy
from ledger.choices import DeadlineKind, InspectionKind, InspectionStatus, MeasureState, UnitPart
from ledger.models import Finding, Inspection, Measure, MeasureUnit, Tag
from organization.choices import UnitKind, UnitRole
from organization.models import LiaisonGroup, Organization, Person, TaskForce, Theme, Unit

ORG_NAME = "华东航空职业技术大学"
GENERATOR_VERSION = 1
DEFAULT_SEED = 2021
# The measure whose timeline is long (about LONG_TIMELINE events): the detail page's worst case.
LONG_TIMELINE_MEASURE_ID = 1
LONG_TIMELINE = 200

S = MeasureState
K = DeadlineKind

# --- the organization ----------------------------------------------------------------------

SCHOOLS = [
    "航空运输学院",
    "航空乘务学院",
    "空港管理学院",
    "航空维修工程学院",
    "航空制造学院",
    "基础教学部",
    "马克思主义学院",
    "外国语学院",
    "信息工程学院",
    "经济管理学院",
    "艺术设计学院",
    "继续教育学院",
    "国际教育学院",
    "体育部",
    "机电工程学院",
    "材料工程学院",
    "交通运输学院",
    "安全工程学院",
    "飞行技术学院",
    "通用航空学院",
]
SCHOOL_BRANCHES = [
    "教工第一党支部",
    "教工第二党支部",
    "教工第三党支部",
    "学生第一党支部",
    "学生第二党支部",
    "学生第三党支部",
    "学生第四党支部",
    "离退休党支部",
]
DEPARTMENTS = [
    "党委办公室",
    "校长办公室",
    "党委组织部",
    "党委宣传部",
    "党委统战部",
    "纪委办公室",
    "人事处",
    "教务处",
    "科研处",
    "财务处",
    "审计处",
    "资产管理处",
    "后勤管理处",
    "保卫处",
    "学生工作处(团委)",
    "研究生院",
    "国际交流处",
    "发展规划处",
    "招生就业处",
    "图文信息中心",
    "网络信息中心",
    "实验室管理处",
    "基建处",
    "工会",
    "离退休工作处",
    "档案馆",
    "校友工作办公室",
    "质量评估办公室",
    "采购中心",
    "医务室",
    "产教融合办公室",
    "法律事务室",
    "信访办公室",
    "保密办公室",
    "安全生产办公室",
    "社会服务处",
    "培训中心",
    "机关党委",
    "教师发展中心",
    "后勤服务公司",
]
TASK_FORCES = [
    ("党建和党风廉政建设问题整改落实工作专班", ["党的建设", "党风廉政建设"]),
    ("意识形态和思想政治工作问题整改落实工作专班", ["意识形态工作", "思想政治工作"]),
    ("选人用人和干部队伍建设问题整改落实工作专班", ["选人用人", "干部队伍建设"]),
    ("落实中央八项规定精神问题整改落实工作专班", ["作风建设", "八项规定精神"]),
    ("办学治校和内部管理问题整改落实工作专班", ["内部控制", "财务和资产管理"]),
    ("巡视移交问题线索和信访件办理工作专班", ["问题线索处置", "信访件办理"]),
]
TAGS = [
    "党史学习教育",
    "警示教育",
    "主题教育",
    "作风建设年",
    "以案促改",
    "安全生产",
    "师德师风",
    "三重一大",
    "基层党建",
    "清廉校园",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "嘉禾以宁思远明轩若溪子谦云帆宏博雨桐亦舟书瑶清和景行晓岚文澜俊哲安然玉衡北辰令仪"
    "慕白知秋亦青承泽子衿思齐望舒远航怀瑾明月晨曦舒然立行若谷星野天澄梦溪启明书恒青禾"
    "弘毅可心致远清晏长风若水依依建国志强海燕丽华"
)

# How measures end up, by deadline kind: (state, weight).
STATE_WEIGHTS = {
    K.IMMEDIATE: [
        (S.NOT_STARTED, 5),
        (S.IN_PROGRESS, 20),
        (S.PENDING_REVIEW, 8),
        (S.PENDING_CLOSE, 7),
        (S.CLOSED, 60),
    ],
    K.BY_DATE: [
        (S.NOT_STARTED, 14),
        (S.IN_PROGRESS, 38),
        (S.PENDING_REVIEW, 10),
        (S.PENDING_CLOSE, 8),
        (S.CLOSED, 30),
    ],
    K.LONG_TERM: [
        (S.NOT_STARTED, 8),
        (S.IN_PROGRESS, 45),
        (S.PENDING_REVIEW, 8),
        (S.PENDING_CLOSE, 6),
        (S.STAGE_DONE, 33),
    ],
}
KIND_WEIGHTS = [(K.IMMEDIATE, 15), (K.BY_DATE, 65), (K.LONG_TERM, 20)]

NOTE_REQUEST_CLOSE = "整改任务已按计划完成，相关佐证材料已整理归档，申请对账销号。"
NOTE_APPROVE = "经联络组核查，整改措施已落实到位，同意提交整改办销号。"
NOTE_CLOSE = "经整改办逐项对账，整改到位，予以销号。"
NOTE_DIRECT = "立行立改事项，经整改办现场核查已整改到位，直接销号。"
NOTE_STAGE = "本阶段整改目标已完成，转入长期坚持，按期开展“回头看”。"
NOTE_RETURN = "佐证材料不完整，会后整改清单缺少责任人和完成时限，请补充后再提交。"
NOTE_REOPEN = "“回头看”发现问题有反弹回潮迹象，重新整改。"
REPORT_DONE = [
    "已召开专题会议研究部署，制定整改工作方案，明确责任分工和时间节点。",
    "完成相关制度的修订起草工作，已征求各部门意见，提交党委会审议。",
    "组织开展专项排查，建立问题清单和整改台账，逐项推进整改。",
    "召开组织生活会，班子成员逐一对照检查，开展批评与自我批评。",
    "对照整改措施逐项检查落实情况，形成阶段性整改报告。",
]
REPORT_PROBLEMS = [
    "部分整改任务涉及多个部门，协调推进难度较大。",
    "个别制度的配套细则尚未出台，执行中仍有模糊地带。",
    "",
]
REPORT_NEXT = [
    "下一步将加强督促检查，确保按期完成整改任务。",
    "下一步将建立长效机制，定期开展“回头看”，防止问题反弹回潮。",
    "下一步将完善佐证材料，按程序申请对账销号。",
]
EVIDENCE_NAMES = [
    "会议纪要.pdf",
    "整改工作方案.docx",
    "制度文件.pdf",
    "现场照片.jpg",
    "签到表.pdf",
    "整改台账.xlsx",
    "学习记录.docx",
    "通报.pdf",
]


@dataclass
class Summary:
    measures: int
    findings: int
    units: int
    people: int
    events: int
    reports: int = 0
    evidence: int = 0
    seconds: float = 0.0
    long_timeline_measure: int = LONG_TIMELINE_MEASURE_ID
    notes: list[str] = field(default_factory=list)


# --- bulk writing ---------------------------------------------------------------------------


class _Writer:
    """Insert model instances in bulk, primary keys included, with no per-row round trip."""

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self.log = log
        self.vendor = connection.vendor
        self.tables: list[type[models.Model]] = []
        if self.vendor == "sqlite":
            # One huge transaction: in WAL mode every page read searches an ever-growing WAL
            # index, and random-order index inserts (hashes, foreign keys) thrash the default
            # 2 MB page cache. A rollback journal and a large cache for this connection keep the
            # whole load in memory until the commit; `restore` puts WAL back afterwards.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode = MEMORY")
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA cache_size = -1048576")
                cursor.execute("PRAGMA temp_store = MEMORY")

    def restore(self) -> None:
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute("PRAGMA cache_size = -2000")

    def _converter(self, f: models.Field) -> Callable[[Any], Any] | None:
        if isinstance(f, models.JSONField):
            return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
        if self.vendor == "sqlite":
            if isinstance(f, models.DateTimeField):
                return lambda v: (
                    None if v is None else str(v.astimezone(dt.UTC).replace(tzinfo=None))
                )
            if isinstance(f, models.DateField):
                return lambda v: None if v is None else v.isoformat()
        if self.vendor not in ("sqlite", "postgresql"):
            return lambda v: f.get_db_prep_save(v, connection)
        return None

    def insert(
        self, model: type[models.Model], objs: Iterable[models.Model | dict[str, Any]]
    ) -> int:
        """Insert model instances, or dicts of attribute names (missing ones take the default)."""
        fields = [f for f in model._meta.concrete_fields]
        attnames = [f.attname for f in fields]
        convs = [self._converter(f) for f in fields]
        defaults = {f.attname: f.get_default() for f in fields if f.has_default() or f.null}
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)

        def rows() -> Iterator[tuple[Any, ...]]:
            for obj in objs:
                d = obj if isinstance(obj, dict) else obj.__dict__
                if len(d) < len(attnames) or isinstance(obj, dict):
                    d = defaults | d
                yield tuple(
                    c(d[a]) if c is not None else d[a] for a, c in zip(attnames, convs, strict=True)
                )

        count = 0
        started = time.monotonic()
        if model not in self.tables:
            self.tables.append(model)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows():
                        copy.write_row(row)
                        count += 1
            elif self.vendor == "sqlite":
                marks = ", ".join("?" * len(fields))
                raw = cursor.cursor  # the sqlite3 cursor, to skip the %s translation per row
                batch: list[tuple[Any, ...]] = []
                for row in rows():
                    batch.append(row)
                    if len(batch) >= 20000:
                        raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
                        count += len(batch)
                        batch = []
                if batch:
                    raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
                    count += len(batch)
            else:
                batch_objs = [o if isinstance(o, models.Model) else model(**o) for o in objs]
                model._default_manager.bulk_create(batch_objs, batch_size=2000)
                count = len(batch_objs)
        if self.log is not None:
            self.log(f"{model._meta.db_table}: {count} rows in {time.monotonic() - started:.1f}s")
        return count

    def reset_sequences(self) -> None:
        sql = connection.ops.sequence_reset_sql(no_style(), self.tables)
        if sql:
            with connection.cursor() as cursor:
                for statement in sql:
                    cursor.execute(statement)


# --- text ------------------------------------------------------------------------------------


def _demo_texts() -> tuple[list[str], list[str]]:
    findings: list[str] = []
    measures: list[str] = []
    for section in FEEDBACK:
        for sub in section.subs:
            for f in sub.findings:
                findings.append(f.text + f.detail)
                measures.extend(m.content for m in f.measures)
    return findings, measures


def _clauses(texts: Sequence[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        for part in text.replace("。", "，").split("，"):
            part = part.strip("，。 ")
            if 6 <= len(part) <= 40:
                out.append(part)
    return out


class _Text:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.findings, self.measures = _demo_texts()
        self.finding_clauses = _clauses(self.findings)
        self.measure_clauses = _clauses(self.measures)

    def finding(self, unit_hint: str) -> str:
        r = self.rng
        base = r.choice(self.findings)
        extra = "，".join(r.sample(self.finding_clauses, r.randint(0, 2)))
        lead = r.choice(["", "", f"{unit_hint}等单位", "部分单位", "个别二级党组织"])
        text = f"{lead}{base}" if lead else base
        return f"{text.rstrip('。')}，{extra}。" if extra else text

    def measure(self, unit: str) -> str:
        r = self.rng
        base = r.choice(self.measures)
        if r.random() < 0.5:
            extra = r.choice(self.measure_clauses)
            base = f"{base.rstrip('。')}，{extra}。"
        return base if r.random() < 0.6 else f"{unit}{base}"


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _deadline_text(kind: str, due: dt.date | None) -> str:
    if kind == K.LONG_TERM:
        return "长期坚持"
    if kind == K.IMMEDIATE:
        return "立行立改" if due is None else f"立行立改，{_cn_date(due)}前完成"
    assert due is not None
    return f"{_cn_date(due)}前"


# --- the generator ---------------------------------------------------------------------------


@dataclass
class _Cast:
    """Who does what in the generated organization (user ids and display names)."""

    office: list[int] = field(default_factory=list)
    leaders: list[int] = field(default_factory=list)  # person ids
    usernames: dict[int, str] = field(default_factory=dict)  # user id -> username
    person_of_user: dict[int, int] = field(default_factory=dict)
    unit_secretary_user: dict[int, int] = field(default_factory=dict)  # unit id -> user id
    unit_staff_users: dict[int, list[int]] = field(default_factory=dict)
    unit_persons: dict[int, list[int]] = field(default_factory=dict)  # unit id -> [secretary, head]
    unit_liaison_user: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Event:
    at: dt.datetime
    actor: int
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    message: str = ""


def _aware(day: dt.date, seconds: int) -> dt.datetime:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time(8, 30), tzinfo=tz)
    return start + dt.timedelta(seconds=seconds)


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class _Generator:
    def __init__(
        self, *, measures: int, seed: int, today: dt.date, log: Callable[[str], None] | None = None
    ) -> None:
        self.n = measures
        self.rng = random.Random(seed)
        self.today = today
        # Everything happened before the day began, so the same seed and day give the same data.
        self.now = _aware(today, 0) - dt.timedelta(hours=8, minutes=31)
        self.text = _Text(random.Random(seed + 1))
        self.w = _Writer(log)
        self.cast = _Cast()
        self.events: list[tuple[dt.datetime, int, int, _Event, str, int, str]] = []
        self.notes: list[str] = []
        self.reporting = _Reporting.if_available(self.rng, self.notes)
        self.coop: dict[int, list[int]] = {}

    # organization -------------------------------------------------------------------------

    def organization(self) -> None:
        rng = self.rng
        User = get_user_model()
        password = make_password(DEMO_PASSWORD)
        org = Organization(
            id=1,
            name=ORG_NAME,
            short_name="学校",
            leading_group_name="学校巡视整改工作领导小组",
            office_name="学校巡视整改工作领导小组办公室（整改办）",
            calendar_mode="calendar",
            warn_days=10,
            behind_points=30,
            is_active=True,
            office_director_id=None,
        )
        units: list[Unit] = []
        uid = 0
        for si, school in enumerate(SCHOOLS):
            for bi, branch in enumerate(SCHOOL_BRANCHES):
                uid += 1
                units.append(
                    Unit(
                        id=uid,
                        organization_id=1,
                        name=f"{school}{branch}",
                        kind=UnitKind.BRANCH,
                        sort_order=si * 10 + bi,
                        is_active=True,
                    )
                )
        n_branches = uid
        for di, dept in enumerate(DEPARTMENTS + [f"{s}办公室" for s in SCHOOLS]):
            uid += 1
            units.append(
                Unit(
                    id=uid,
                    organization_id=1,
                    name=dept,
                    kind=UnitKind.DEPARTMENT,
                    sort_order=1000 + di,
                    is_active=True,
                )
            )
        self.units = units
        self.branch_ids = [u.id for u in units[:n_branches]]
        unit_by_name = {u.name: u for u in units}
        discipline = unit_by_name["纪委办公室"]
        organization_dept = unit_by_name["党委组织部"]

        users: list[Any] = []
        people: list[Person] = []
        names: set[str] = set()
        joined = _aware(self.today - dt.timedelta(days=1000), 0)

        def person(
            username: str,
            unit: Unit | None,
            role: str = UnitRole.STAFF,
            position: str = "",
            **flags: bool,
        ) -> Person:
            pk = len(users) + 1
            users.append(
                User(
                    id=pk,
                    username=username,
                    password=password,
                    email=f"{username}@example.edu.cn",
                    is_active=True,
                    is_staff=False,
                    is_superuser=False,
                    first_name="",
                    last_name="",
                    date_joined=joined,
                    last_login=None,
                )
            )
            # Unique names, so a ledger exported from this data imports back without ambiguity.
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
            while name in names:
                name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
            names.add(name)
            p = Person(
                id=pk,
                user_id=pk,
                organization_id=1,
                name=name,
                unit_id=unit.id if unit else None,
                unit_role=role,
                position=position,
                phone=f"021-6{rng.randrange(10**7):07d}",
                birth_year=rng.randint(1962, 1998),
                is_young_cadre=False,
                is_system_admin=False,
                is_leader=False,
                is_office=False,
            )
            p.is_young_cadre = p.birth_year >= 1986
            for k, v in flags.items():
                setattr(p, k, v)
            people.append(p)
            self.cast.usernames[pk] = username
            self.cast.person_of_user[pk] = pk
            return p

        person("admin", None, position="信息化管理员", is_system_admin=True)
        director = person(
            "office", discipline, UnitRole.HEAD, "纪委书记、整改办主任", is_office=True
        )
        org.office_director_id = director.id
        discipline.party_secretary_id = director.id
        self.cast.office.append(director.user_id)
        for i in range(2, 6):
            self.cast.office.append(
                person(f"office{i}", discipline, position="整改办工作人员", is_office=True).user_id
            )
        leader = person("leader", None, position="党委书记、领导小组组长", is_leader=True)
        self.cast.leaders.append(leader.id)
        for i in range(2, 9):
            self.cast.leaders.append(
                person(f"leader{i}", None, position="校领导、领导小组成员", is_leader=True).id
            )

        # Liaison groups: 22 grids of 10 units, each with a leader and two members.
        n_groups = 22
        groups: list[LiaisonGroup] = []
        members: list[tuple[int, int]] = []
        for gi in range(n_groups):
            label = f"第{int_to_chinese(gi + 1)}联络组"
            lead = person(
                f"liaison{gi + 1}",
                discipline if gi % 2 else organization_dept,
                position=f"{label}组长",
            )
            groups.append(
                LiaisonGroup(
                    id=gi + 1,
                    organization_id=1,
                    name=label,
                    leader_id=lead.id,
                    sort_order=gi,
                    is_active=True,
                )
            )
            members.append((gi + 1, lead.id))
            for mi in range(2):
                m = person(f"liaison{gi + 1}_{mi + 2}", organization_dept, position=f"{label}成员")
                members.append((gi + 1, m.id))
        # Grids: branches of one school stay together; departments are spread over the grids.
        for i, u in enumerate(units):
            u.liaison_group_id = (i * n_groups) // len(units) + 1
        for u in units:
            self.cast.unit_liaison_user[u.id] = groups[u.liaison_group_id - 1].leader_id  # type: ignore[index]

        # Unit heads and staff: branch i's secretary is "branch{i}", as in the demo college.
        staff_no = 0
        for i, u in enumerate(units):
            is_branch = u.kind == UnitKind.BRANCH
            if u.party_secretary_id is None:
                sec = person(
                    f"branch{i + 1}" if is_branch else f"dept{i + 1 - n_branches}",
                    u,
                    UnitRole.HEAD,
                    f"{u.name}书记" if is_branch else f"{u.name}负责人",
                )
                u.party_secretary_id = sec.id
            head = person(
                f"head{i + 1}",
                u,
                UnitRole.HEAD,
                f"{u.name}主任" if is_branch else f"{u.name}副处长",
            )
            u.admin_head_id = head.id
            self.cast.unit_secretary_user[u.id] = u.party_secretary_id
            self.cast.unit_persons[u.id] = [u.party_secretary_id, head.id]
            staff: list[int] = []
            for _ in range(rng.randint(7, 12)):
                staff_no += 1
                staff.append(
                    person(
                        f"staff{staff_no}",
                        u,
                        position=rng.choice(
                            ["组织委员", "宣传委员", "纪检委员", "科员", "辅导员", "专任教师"]
                        ),
                    ).user_id
                )
            self.cast.unit_staff_users[u.id] = staff

        task_forces: list[TaskForce] = []
        themes: list[Theme] = []
        tf_members: list[tuple[int, int]] = []
        for ti, (tf_name, theme_names) in enumerate(TASK_FORCES):
            task_forces.append(
                TaskForce(
                    id=ti + 1,
                    organization_id=1,
                    name=tf_name,
                    leader_id=self.cast.leaders[ti % len(self.cast.leaders)],
                    sort_order=ti,
                    is_active=True,
                )
            )
            for mi in range(4):
                unit = units[n_branches + rng.randrange(len(DEPARTMENTS))]
                m = person(
                    f"taskforce{ti + 1}" if mi == 0 else f"taskforce{ti + 1}_{mi + 1}",
                    unit,
                    position=f"{tf_name.removesuffix('工作专班')}专班成员",
                )
                tf_members.append((ti + 1, m.id))
            for j, theme in enumerate(theme_names):
                themes.append(
                    Theme(
                        id=len(themes) + 1,
                        organization_id=1,
                        name=theme,
                        task_force_id=ti + 1,
                        sort_order=ti * 10 + j,
                        is_active=True,
                    )
                )
        self.themes = themes
        tags = [Tag(id=i + 1, organization_id=1, name=name) for i, name in enumerate(TAGS)]

        # Foreign keys are deferred to the commit on both databases, so the circular ones
        # (units name their heads, people name their units) go in as they are.
        w = self.w
        w.insert(User, users)
        w.insert(Organization, [org])
        w.insert(LiaisonGroup, groups)
        w.insert(Unit, units)
        w.insert(Person, people)
        w.insert(TaskForce, task_forces)
        w.insert(Theme, themes)
        w.insert(Tag, tags)
        lg_through = LiaisonGroup.members.through
        w.insert(
            lg_through,
            [
                lg_through(id=i + 1, liaisongroup_id=g, person_id=p)
                for i, (g, p) in enumerate(members)
            ],
        )
        tf_through = TaskForce.members.through
        w.insert(
            tf_through,
            [
                tf_through(id=i + 1, taskforce_id=t, person_id=p)
                for i, (t, p) in enumerate(tf_members)
            ],
        )
        self.n_people = len(people)

    # ledger ------------------------------------------------------------------------------

    def inspections(self) -> None:
        specs = [
            (900, "市委第二巡视组", InspectionKind.XUNSHI, InspectionStatus.CLOSED, 0.10),
            (560, "市委第五巡视组", InspectionKind.XUNSHI, InspectionStatus.ONGOING, 0.20),
            (300, "学校党委第一巡察组", InspectionKind.XUNCHA, InspectionStatus.ONGOING, 0.25),
            (75, "市委第三巡视组", InspectionKind.XUNSHI, InspectionStatus.RECTIFYING, 0.45),
        ]
        self.inspection_rows: list[Inspection] = []
        self.inspection_weights: list[float] = []
        for i, (days_ago, body, kind, status, weight) in enumerate(specs):
            feedback = self.today - dt.timedelta(days=days_ago)
            start = feedback - dt.timedelta(days=70)
            end = feedback - dt.timedelta(days=28)
            word = "巡视" if kind == InspectionKind.XUNSHI else "巡察"
            name = f"{feedback.year}年{body}{word}（第{int_to_chinese(i + 1)}轮）"
            self.inspection_rows.append(
                Inspection(
                    id=i + 1,
                    organization_id=1,
                    name=name,
                    kind=kind,
                    inspecting_body=body,
                    start_date=start,
                    end_date=end,
                    feedback_date=feedback,
                    rectification_end=feedback + dt.timedelta(days=91),
                    status=status,
                    feedback_text=f"{body}于{_cn_date(start)}至{_cn_date(end)}对学校党委开展了巡视，并于{_cn_date(feedback)}反馈了巡视意见。",
                    created_at=_aware(feedback, 0),
                    version=1,
                )
            )
            self.inspection_weights.append(weight)
        self.w.insert(Inspection, self.inspection_rows)
        for ins in self.inspection_rows:
            self._event(
                ins.created_at,
                self.cast.office[0],
                "ledger.inspection",
                ins.id,
                ins.name,
                _Event(
                    ins.created_at,
                    self.cast.office[0],
                    "create",
                    None,
                    {"name": ins.name, "feedback_date": ins.feedback_date.isoformat()},
                ),
            )

    def ledger(self) -> None:
        rng = self.rng
        n = self.n
        n_findings = max(1, n // 5)
        # Findings per inspection, weighted; measures spread over findings 1..9 each.
        finding_inspection = [
            _weighted(
                rng,
                [
                    (ins, int(wt * 100))
                    for ins, wt in zip(self.inspection_rows, self.inspection_weights, strict=True)
                ],
            )
            for _ in range(n_findings)
        ]
        finding_inspection.sort(key=lambda ins: ins.id)
        counters: dict[int, int] = {}
        findings: list[Finding] = []
        leaders_rows: list[Any] = []
        units = self.units
        for fi, ins in enumerate(finding_inspection):
            counters[ins.id] = counters.get(ins.id, 0) + 1
            number = str(counters[ins.id])
            unit = rng.choice(units)
            text = self.text.finding(unit.name)
            created = _aware(ins.feedback_date, rng.randrange(3 * 86400))
            findings.append(
                Finding(
                    id=fi + 1,
                    inspection_id=ins.id,
                    theme_id=rng.choice(self.themes).id,
                    number=number,
                    sort_key=number_sort_key(number),
                    text=text,
                    source_excerpt=text if rng.random() < 0.3 else "",
                    created_at=created,
                    version=1,
                )
            )
            for p in rng.sample(self.cast.leaders, rng.choice((1, 1, 2))):
                leaders_rows.append(
                    Finding.responsible_leaders.through(
                        id=len(leaders_rows) + 1, finding_id=fi + 1, person_id=p
                    )
                )
        self.w.insert(Finding, findings)
        self.w.insert(Finding.responsible_leaders.through, leaders_rows)
        inspections = {i.id: i for i in self.inspection_rows}
        for f in findings:
            self._event(
                f.created_at,
                self.cast.office[0],
                "ledger.finding",
                f.id,
                str(f),
                _Event(
                    f.created_at,
                    self.cast.office[0],
                    "create",
                    None,
                    {"number": f.number, "theme_id": f.theme_id},
                ),
            )

        # Measures: each finding gets at least one; the rest spread at random.
        per_finding = [1] * n_findings
        for _ in range(n - n_findings):
            per_finding[rng.randrange(n_findings)] += 1
        # Units: a skewed load, as in real life some units lead many measures.
        unit_cum: list[float] = []
        for _u in units:
            unit_cum.append((unit_cum[-1] if unit_cum else 0.0) + rng.paretovariate(2.0))
        measures: list[Measure] = []
        links: list[MeasureUnit] = []
        persons_rows: list[Any] = []
        tag_rows: list[Any] = []
        mid = 0
        for f, count in zip(findings, per_finding, strict=True):
            ins = inspections[f.inspection_id]
            for k in range(count):
                mid += 1
                lead = rng.choices(units, cum_weights=unit_cum)[0]
                coop = [u.id for u in rng.sample(units, rng.choice((0, 0, 0, 1, 1, 2)))]
                coop = [u for u in coop if u != lead.id]
                self.coop[mid] = sorted(coop)
                m = self._measure(mid, f, ins, lead, k + 1)
                measures.append(m)
                links.append(
                    MeasureUnit(
                        id=len(links) + 1, measure_id=mid, unit_id=lead.id, part=UnitPart.LEAD
                    )
                )
                for co in coop:
                    links.append(
                        MeasureUnit(
                            id=len(links) + 1, measure_id=mid, unit_id=co, part=UnitPart.COOP
                        )
                    )
                for p in self.cast.unit_persons[lead.id]:
                    persons_rows.append(
                        Measure.responsible_persons.through(
                            id=len(persons_rows) + 1, measure_id=mid, person_id=p
                        )
                    )
                if rng.random() < 0.25:
                    tag_rows.append(
                        Measure.tags.through(
                            id=len(tag_rows) + 1, measure_id=mid, tag_id=rng.randint(1, len(TAGS))
                        )
                    )
        self.w.insert(Measure, measures)
        self.w.insert(MeasureUnit, links)
        self.w.insert(Measure.responsible_persons.through, persons_rows)
        self.w.insert(Measure.tags.through, tag_rows)
        self.n_findings = len(findings)

    def _measure(self, mid: int, f: Finding, ins: Inspection, lead: Unit, k: int) -> Measure:
        rng = self.rng
        long_timeline = mid == LONG_TIMELINE_MEASURE_ID
        kind = K.BY_DATE if long_timeline else _weighted(rng, KIND_WEIGHTS)
        state = S.IN_PROGRESS if long_timeline else _weighted(rng, STATE_WEIGHTS[kind])
        feedback = ins.feedback_date
        due: dt.date | None = None
        interval: int | None = None
        if kind == K.IMMEDIATE:
            due = None if rng.random() < 0.3 else feedback + dt.timedelta(days=rng.randint(7, 30))
        elif kind == K.BY_DATE:
            due = feedback + dt.timedelta(days=rng.randint(30, 400))
        else:
            interval = rng.choice((90, 180))
        number = f"{f.number}.{k}"
        created = f.created_at + dt.timedelta(seconds=rng.randrange(1, 5 * 86400))
        m = Measure(
            id=mid,
            organization_id=1,
            inspection_id=ins.id,
            finding_id=f.id,
            group_id=None,
            number=number,
            sort_key=number_sort_key(number),
            content=self.text.measure(lead.name),
            lead_unit_id=lead.id,
            responsible_leader_id=rng.choice(self.cast.leaders) if rng.random() < 0.3 else None,
            deadline_kind=kind,
            deadline_text=_deadline_text(kind, due),
            due_date=due,
            original_due_date=due,
            review_interval_days=interval,
            next_review_date=None,
            is_flagged=rng.random() < 0.03,
            progress=0,
            state=S.NOT_STARTED,
            state_changed_at=created,
            closed_at=None,
            evidence_count=0,
            last_report_at=None,
            relapse_count=0,
            urge_count=0,
            created_at=created,
            updated_at=created,
            updated_by_id=self.cast.office[0],
            version=1,
        )
        self._play(m, lead, state, long_timeline)
        if kind == K.LONG_TERM:
            base = m.state_changed_at if m.state == S.STAGE_DONE else created
            m.next_review_date = timezone.localdate(base) + dt.timedelta(days=interval or 90)
        return m

    def _play(self, m: Measure, lead: Unit, target: str, long_timeline: bool) -> None:
        """Write the measure's history: the events, reports and evidence that led to `target`."""
        rng = self.rng
        office = self.cast.office[0]
        secretary = self.cast.unit_secretary_user[lead.id]
        staff = self.cast.unit_staff_users[lead.id]
        liaison = self.cast.unit_liaison_user[lead.id]
        steps: list[tuple[str, int]] = [("create", office)]
        if m.is_flagged:
            steps.append(("flag", office))
        if target != S.NOT_STARTED:
            steps.append(("start", secretary))
            n_reports = LONG_TIMELINE // 2 - 5 if long_timeline else rng.randint(2, 5)
            n_evidence = LONG_TIMELINE // 2 - 5 if long_timeline else rng.randint(1, 4)
            if target == S.IN_PROGRESS and not long_timeline and rng.random() < 0.35:
                n_evidence = 0
            work = [("report", rng.choice([*staff, secretary])) for _ in range(n_reports)]
            work += [("evidence", rng.choice([*staff, secretary])) for _ in range(n_evidence)]
            rng.shuffle(work)
            if n_evidence:
                # The close-out request needs evidence: keep one piece before it.
                first_e = next(i for i, s in enumerate(work) if s[0] == "evidence")
                work.insert(0, work.pop(first_e))
            steps += work
            if target == S.IN_PROGRESS and n_evidence and rng.random() < 0.15:
                steps += [
                    ("request_close", secretary),
                    ("liaison_return", liaison),
                    ("report", secretary),
                ]
            if target in (S.PENDING_REVIEW, S.PENDING_CLOSE, S.CLOSED) or (
                target == S.STAGE_DONE and rng.random() < 0.5
            ):
                if target == S.CLOSED and m.deadline_kind == K.IMMEDIATE and rng.random() < 0.4:
                    steps.append(("direct_close", office))
                else:
                    if rng.random() < 0.1:
                        steps += [
                            ("request_close", secretary),
                            ("liaison_return", liaison),
                            ("report", secretary),
                        ]
                    steps.append(("request_close", secretary))
                    if target in (S.PENDING_CLOSE, S.CLOSED, S.STAGE_DONE):
                        steps.append(("liaison_approve", liaison))
                    if target == S.CLOSED:
                        steps.append(("office_close", office))
                        if rng.random() < 0.05:
                            steps += [
                                ("reopen", office),
                                ("report", secretary),
                                ("request_close", secretary),
                                ("liaison_approve", liaison),
                                ("office_close", office),
                            ]
            if target == S.STAGE_DONE:
                steps.append(("office_stage_complete", office))
        # Times: spread between creation and now, in order.
        start = m.created_at.timestamp()
        end = self.now.timestamp() - 60
        if target == S.NOT_STARTED or end <= start:
            end = max(start + 3600, min(end, start + 30 * 86400))
        offsets = sorted(rng.uniform(start, end) for _ in range(len(steps) - 1))
        times = [m.created_at] + [
            dt.datetime.fromtimestamp(round(t, 6), tz=dt.UTC) for t in offsets
        ]
        repr_ = str(m)[:300]
        state = S.NOT_STARTED
        progress = 0
        for (step, actor), at in zip(steps, times, strict=True):
            before: dict[str, Any] | None = None
            after: dict[str, Any] | None = None
            message = ""
            action = step
            if step == "create":
                after = {
                    "number": m.number,
                    "content": m.content,
                    "lead_unit_id": m.lead_unit_id,
                    "deadline_kind": m.deadline_kind,
                    "due_date": m.due_date.isoformat() if m.due_date else None,
                    "state": S.NOT_STARTED,
                }
            elif step == "flag":
                action, before, after = "update", {"is_flagged": False}, {"is_flagged": True}
                m.version += 1
            elif step == "report":
                # As reporting.services records them: on the measure, the text as the message.
                before = {"progress": progress}
                progress = min(95 if state != S.CLOSED else 100, progress + rng.randint(5, 30))
                work_done = rng.choice(REPORT_DONE) + rng.choice(REPORT_DONE)
                action, after, message = "report:filed", {"progress": progress}, work_done
                if self.reporting is not None:
                    after["snapshot_report"] = self.reporting.report(
                        m, actor, at, progress, work_done
                    )
                m.last_report_at = at
                m.progress = progress
            elif step == "evidence":
                name = rng.choice(EVIDENCE_NAMES)
                action, message = "evidence:added", name
                if self.reporting is not None:
                    after = {"snapshot_evidence": [self.reporting.evidence(m, actor, at, name)]}
                else:
                    after = {"snapshot_evidence": [{"name": name}]}
                m.evidence_count += 1
            else:
                target_state = {
                    "start": S.IN_PROGRESS,
                    "request_close": S.PENDING_REVIEW,
                    "liaison_return": S.IN_PROGRESS,
                    "liaison_approve": S.PENDING_CLOSE,
                    "office_close": S.CLOSED,
                    "direct_close": S.CLOSED,
                    "reopen": S.IN_PROGRESS,
                    "office_stage_complete": S.STAGE_DONE,
                }[step]
                action = f"transition:{step}"
                before, after = {"state": state}, {"state": target_state}
                message = {
                    "request_close": NOTE_REQUEST_CLOSE,
                    "liaison_approve": NOTE_APPROVE,
                    "office_close": NOTE_CLOSE,
                    "direct_close": NOTE_DIRECT,
                    "office_stage_complete": NOTE_STAGE,
                    "liaison_return": NOTE_RETURN,
                    "reopen": NOTE_REOPEN,
                }.get(step, "")
                state = target_state
                m.state = state
                m.state_changed_at = at
                m.version += 1
                m.updated_by_id = actor
                if state == S.CLOSED:
                    m.closed_at = at
                    m.progress = progress = 100
                if self.reporting is not None:
                    self.reporting.review(m, step, actor, at, message, self.coop[m.id])
                if step == "reopen":
                    m.relapse_count += 1
                    m.closed_at = None
                    m.reopened_on = timezone.localdate(at)
                    after["relapse_count"] = m.relapse_count
                # The deadline clock and the 被退回 mark, as ledger.services keeps them.
                if step == "request_close":
                    m.review_requested_on = timezone.localdate(at)
                elif state not in (S.PENDING_REVIEW, S.PENDING_CLOSE):
                    m.review_requested_on = None
                m.returned_at = at if step == "liaison_return" else None
                m.return_reason = message if step == "liaison_return" else ""
            m.updated_at = at
            self._event(
                at,
                actor,
                "ledger.measure",
                m.id,
                repr_,
                _Event(at, actor, action, before, after, message),
            )
        if target == S.PENDING_REVIEW and m.progress < 90:
            m.progress = rng.randint(90, 100)
        if target == S.STAGE_DONE and m.progress < 60:
            m.progress = rng.randint(60, 100)
        assert m.state == target, (m.id, m.state, target)

    def _event(
        self, at: dt.datetime, actor: int, object_type: str, object_id: int, repr_: str, ev: _Event
    ) -> None:
        self.events.append((at, len(self.events), actor, ev, object_type, object_id, repr_))

    # audit chain ---------------------------------------------------------------------------

    def audit(self) -> int:
        """Chain every event in time order, exactly as record_event would have, and store it."""
        self.events.sort(key=lambda e: (e[0], e[1]))
        usernames = self.cast.usernames
        state = {"prev": GENESIS_HASH, "seq": 0}

        def chained() -> Iterator[AuditEvent]:
            for at, _i, actor, ev, object_type, object_id, repr_ in self.events:
                state["seq"] += 1
                # Positional arguments, in field order: the fast path of Model.__init__.
                e = AuditEvent(
                    state["seq"],
                    state["seq"],
                    at,
                    actor,
                    usernames[actor][:150],
                    object_type,
                    object_id,
                    repr_,
                    ev.action[:64],
                    ev.message,
                    to_jsonable(ev.before) if ev.before is not None else None,
                    to_jsonable(ev.after) if ev.after is not None else None,
                    state["prev"],
                    "",
                )
                e.hash = event_hash(e)
                state["prev"] = e.hash
                yield e

        count = self.w.insert(AuditEvent, chained())
        AuditChainHead.objects.update_or_create(
            pk=1, defaults={"seq": state["seq"], "last_hash": state["prev"]}
        )
        self.events = []
        return count


# --- the reporting layer's rows (when its models exist) ----------------------------------------


class _Reporting:
    """Rows of the reporting layer: progress reports, evidence, close-out requests, decisions."""

    MODELS = ("ProgressReport", "Evidence", "CloseRequest", "ReviewDecision")
    CONTENT_TYPES = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "jpg": "image/jpeg",
    }

    @classmethod
    def if_available(cls, rng: random.Random, notes: list[str]) -> _Reporting | None:
        if not apps.is_installed("reporting"):
            return None
        try:
            found = {name: apps.get_model("reporting", name) for name in cls.MODELS}
        except LookupError:
            notes.append("the reporting models are not there: no reports or evidence generated")
            return None
        tables = set(connection.introspection.table_names())
        missing = [m._meta.db_table for m in found.values() if m._meta.db_table not in tables]
        if missing:
            notes.append(f"reporting tables missing (not migrated?): {', '.join(missing)}")
            return None
        return cls(rng, found)

    def __init__(self, rng: random.Random, found: dict[str, type[models.Model]]) -> None:
        self.rng = rng
        self.models = found
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in self.MODELS}
        self.files = self._store_files()
        self.open_request: dict[int, dict[str, Any]] = {}
        self.measure_evidence: dict[int, list[dict[str, Any]]] = {}

    @staticmethod
    def _store_files() -> dict[str, tuple[str, int]]:
        """One small file per evidence name, stored once by content (as uploads are)."""
        try:
            from reporting import storage
        except ImportError:
            return {}
        files = {}
        for name in EVIDENCE_NAMES:
            body = f"佐证材料 {name}\n".encode() * 40
            files[name] = storage.store([body])
        return files

    def report(self, m: Measure, actor: int, at: dt.datetime, progress: int, work_done: str) -> int:
        rows = self.rows["ProgressReport"]
        pk = len(rows) + 1
        rng = self.rng
        rows.append(
            {
                "id": pk,
                "measure_id": m.id,
                "unit_id": m.lead_unit_id,
                "author_id": actor,
                "filed_at": at,
                "work_done": work_done,
                "problems": rng.choice(REPORT_PROBLEMS),
                "next_steps": rng.choice(REPORT_NEXT),
                "progress": progress,
                "supersedes_id": None,
                "correction_reason": "",
            }
        )
        return pk

    def evidence(self, m: Measure, actor: int, at: dt.datetime, name: str) -> dict[str, Any]:
        rows = self.rows["Evidence"]
        pk = len(rows) + 1
        kind = name.rsplit(".", 1)[-1]
        sha, size = self.files.get(name, ("0" * 64, 1))
        rows.append(
            {
                "id": pk,
                "measure_id": m.id,
                "report_id": None,
                "lookback_id": None,
                "unit_id": m.lead_unit_id,
                "original_name": name,
                "description": "",
                "kind": kind,
                "content_type": self.CONTENT_TYPES.get(kind, "application/octet-stream"),
                "size": size,
                "sha256": sha,
                "uploaded_by_id": actor,
                "uploaded_at": at,
                "withdrawn_at": None,
                "withdrawn_by_id": None,
                "withdraw_reason": "",
            }
        )
        # As reporting.services.common.evidence_snapshot lists it.
        self.measure_evidence.setdefault(m.id, []).append({"id": pk, "name": name, "sha256": sha})
        return {"id": pk, "name": name, "sha256": sha, "size": size}

    def review(
        self, m: Measure, step: str, actor: int, at: dt.datetime, message: str, coop: list[int]
    ) -> None:
        """The close-out request and review decisions behind a transition."""
        request = self.open_request.get(m.id)
        evidence = list(self.measure_evidence.get(m.id, []))
        if step == "request_close":
            rows = self.rows["CloseRequest"]
            request = {
                "id": len(rows) + 1,
                "measure_id": m.id,
                "kind": "stage" if m.deadline_kind == K.LONG_TERM else "close",
                "summary": message,
                "requested_by_id": actor,
                "requested_at": at,
                "status": "pending_liaison",
                "evidence_snapshot": evidence,
                "updated_at": at,
            }
            rows.append(request)
            self.open_request[m.id] = request
            return
        decision = {
            "liaison_approve": ("liaison", "approved", "pending_office"),
            "liaison_return": ("liaison", "returned", "returned"),
            "office_close": ("office", "closed", "done"),
            "office_stage_complete": ("office", "stage_done", "done"),
            "direct_close": ("office", "direct_closed", "done"),
        }.get(step)
        if decision is None:
            return
        stage, outcome, status = decision
        rows = self.rows["ReviewDecision"]
        rows.append(
            {
                "id": len(rows) + 1,
                "measure_id": m.id,
                "request_id": request["id"] if request else None,
                "stage": stage,
                "outcome": outcome,
                "reason": message,
                "decided_by_id": actor,
                "decided_at": at,
                # As reporting.services.common.measure_snapshot records it.
                "measure_snapshot": {
                    "number": m.number,
                    "content": m.content,
                    "lead_unit_id": m.lead_unit_id,
                    "co_units": coop,
                    "deadline_kind": m.deadline_kind,
                    "due_date": m.due_date.isoformat() if m.due_date else None,
                },
                "evidence_snapshot": evidence,
            }
        )
        if request is not None:
            request["status"] = status
            request["updated_at"] = at
            if status != "pending_office":
                del self.open_request[m.id]

    def write(self, w: _Writer) -> dict[str, int]:
        counts = {}
        for name in self.MODELS:
            counts[name] = w.insert(self.models[name], self.rows[name])
            self.rows[name] = []
        return counts


def _run(
    gen: _Generator, measures: int, started: float, say: Callable[[str], None]
) -> tuple[int, int, int]:
    with transaction.atomic():
        gen.organization()
        elapsed = time.monotonic() - started
        say(f"organization: {len(gen.units)} units, {gen.n_people} people ({elapsed:.1f}s)")
        gen.inspections()
        gen.ledger()
        elapsed = time.monotonic() - started
        say(f"ledger: {gen.n_findings} findings, {measures} measures ({elapsed:.1f}s)")
        counts = gen.reporting.write(gen.w) if gen.reporting is not None else {}
        n_reports, n_evidence = counts.get("ProgressReport", 0), counts.get("Evidence", 0)
        events = gen.audit()
        say(f"audit: {events} events ({time.monotonic() - started:.1f}s)")
        gen.w.reset_sequences()
    return events, n_reports, n_evidence


# --- entry point ---------------------------------------------------------------------------


@unscoped_reads("generator fills an empty database")
def generate(
    *,
    measures: int,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    log: Callable[[str], None] | None = None,
) -> Summary:
    """Fill an empty, migrated database with a ledger of `measures` measures."""
    if measures < 1:
        raise ValueError("measures must be at least 1")
    if Organization.objects.exists() or AuditEvent.objects.exists():
        raise RuntimeError(
            "generate needs an empty database: it already holds an organization or audit events"
        )
    started = time.monotonic()
    say = log or (lambda _msg: None)
    gen = _Generator(measures=measures, seed=seed, today=today or timezone.localdate(), log=log)
    # Millions of small objects live until the end: the cyclic collector would rescan them all
    # again and again (most of the run's time at 100,000 measures) while finding no garbage.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        events, n_reports, n_evidence = _run(gen, measures, started, say)
    finally:
        gen.w.restore()
        if gc_was_enabled:
            gc.enable()
    # Generated people share the demo password, as the demo college's do: the same policy.
    demo_security_policy(Organization.objects.unscoped("the generated organization").get(pk=1))
    # Planner statistics and (on PostgreSQL) the visibility map, as autovacuum would leave them
    # after such a load: without them counts cannot use index-only scans and plans are guesses.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return Summary(
        measures=measures,
        findings=gen.n_findings,
        units=len(gen.units),
        people=gen.n_people,
        events=events,
        reports=n_reports,
        evidence=n_evidence,
        seconds=time.monotonic() - started,
        notes=gen.notes,
    )
