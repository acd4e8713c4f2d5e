"""The demo organization, taken from the seed: a college's joint meeting on its rectification.

Names of people are fictional. Every account shares DEMO_PASSWORD (printed by `make run`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from core.numbering import int_to_chinese
from core.scoping import unscoped_reads
from organization.choices import UnitKind, UnitRole
from organization.models import LiaisonGroup, Organization, Person, TaskForce, Theme, Unit
from security.models import SecurityPolicy

DEMO_PASSWORD = "Rectify-2021"
ORG_NAME = "上海民航职业技术学院"

BRANCHES = [
    "航空运输系党支部",
    "航空乘务系党支部",
    "空港管理系党支部",
    "航空维修系党支部",
    "航空制造系党支部",
    "基础教学部党支部",
    "行政管理党支部",
]
DEPARTMENTS = [
    "党委办公室",
    "人事处",
    "学生工作处(团委)",
    "图文信息中心",
    "纪委办公室",
    "教务处",
    "财务处",
]
TASK_FORCES = [
    ("党建和党风廉政建设问题整改落实工作专班", ["党的建设", "党风廉政建设"]),
    ("意识形态和思想政治工作问题整改落实工作专班", ["意识形态工作", "思想政治工作"]),
]
# Departments spread over the seven grids (liaison group index -> departments).
GRID_DEPARTMENTS = {
    0: ["党委办公室"],
    1: ["人事处"],
    2: ["学生工作处(团委)"],
    3: ["图文信息中心"],
    4: ["纪委办公室"],
    5: ["教务处"],
    6: ["财务处"],
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str  # shown in the README and by `make run`


def _surname_names() -> list[str]:
    # Fictional names, deterministic.
    return [
        "陈嘉禾",
        "周以宁",
        "吴思远",
        "郑明轩",
        "王若溪",
        "冯子谦",
        "褚云帆",
        "卫宏博",
        "蒋雨桐",
        "沈亦舟",
        "韩书瑶",
        "杨清和",
        "朱景行",
        "秦晓岚",
        "尤嘉树",
        "许文澜",
        "何俊哲",
        "吕安然",
        "施玉衡",
        "张北辰",
        "孔令仪",
        "曹慕白",
        "严知秋",
        "华亦青",
        "金承泽",
        "魏子衿",
        "陶思齐",
        "姜望舒",
        "戚远航",
        "谢怀瑾",
        "邹明月",
        "喻晨曦",
        "柏舒然",
        "水清扬",
        "窦立行",
        "章若谷",
        "云中岳",
        "苏星野",
        "潘晓棠",
        "葛天澄",
        "奚梦溪",
        "范启明",
        "彭书恒",
        "郎朗月",
        "鲁知行",
        "韦青禾",
        "昌弘毅",
        "马思源",
        "苗可心",
        "凤栖梧",
        "花满溪",
        "方致远",
        "俞清晏",
        "任长风",
        "袁若水",
        "柳依依",
    ]


@unscoped_reads("demo loader fills the database")
def load_organization() -> tuple[Organization, list[DemoAccount]]:
    """Create the demo organization if it does not exist; return it and the demo accounts."""
    User = get_user_model()
    accounts: list[DemoAccount] = []
    names = iter(_surname_names())

    with transaction.atomic():
        org, _ = Organization.objects.get_or_create(
            name=ORG_NAME,
            defaults={
                "short_name": "学院",
                "leading_group_name": "学院巡视整改工作领导小组",
                "office_name": "学院巡视整改工作领导小组办公室（整改办）",
                # The demo lets `admin` show every page; an installation keeps the three
                # administrators separated (三员分立), the default.
                "separation_of_duties": False,
            },
        )

        def person(
            username: str,
            name: str,
            *,
            unit: Unit | None = None,
            unit_role: str = UnitRole.STAFF,
            position: str = "",
            role: str = "",
            birth_year: int | None = None,
            **flags: bool,
        ) -> Person:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.edu.cn", "first_name": name},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            p, _ = Person.objects.update_or_create(
                user=user,
                defaults={
                    "organization": org,
                    "name": name,
                    "unit": unit,
                    "unit_role": unit_role,
                    "position": position,
                    "phone": f"021-6{zlib.crc32(username.encode()) % 10_000_000:07d}",
                    "birth_year": birth_year,
                    "is_young_cadre": bool(birth_year and birth_year >= 1986),
                    **flags,
                },
            )
            if role:
                accounts.append(DemoAccount(username, name, role))
            return p

        units: dict[str, Unit] = {}
        for i, name in enumerate(BRANCHES):
            units[name], _ = Unit.objects.get_or_create(
                organization=org, name=name, defaults={"kind": UnitKind.BRANCH, "sort_order": i}
            )
        for i, name in enumerate(DEPARTMENTS):
            units[name], _ = Unit.objects.get_or_create(
                organization=org,
                name=name,
                defaults={"kind": UnitKind.DEPARTMENT, "sort_order": 100 + i},
            )

        office_unit = units["纪委办公室"]
        admin = person(
            "admin", "系统管理员", position="信息化管理员", role="系统管理员", is_system_admin=True
        )
        person(
            "secadmin",
            "安全管理员",
            position="网络安全管理员",
            role="安全管理员",
            is_security_admin=True,
        )
        person(
            "auditor", "审计管理员", position="安全审计员", role="审计管理员", is_audit_admin=True
        )
        director = person(
            "office",
            "姚立君",
            unit=office_unit,
            unit_role=UnitRole.HEAD,
            position="纪委书记、整改办主任",
            role="整改办主任（纪委书记）",
            is_office=True,
            birth_year=1972,
        )
        office_unit.party_secretary = director
        office_unit.save()
        org.office_director = director
        org.save()
        person(
            "office2",
            "林慧敏",
            unit=office_unit,
            position="整改办工作人员",
            role="整改办工作人员",
            is_office=True,
            birth_year=1990,
        )
        person(
            "leader",
            "顾正阳",
            position="党委书记、领导小组组长",
            role="领导小组组长",
            is_leader=True,
            birth_year=1966,
        )

        groups: list[LiaisonGroup] = []
        for i in range(7):
            lg, _ = LiaisonGroup.objects.get_or_create(
                organization=org,
                name=f"第{int_to_chinese(i + 1)}联络组",
                defaults={"sort_order": i},
            )
            member = person(
                f"liaison{i + 1}",
                next(names),
                unit=office_unit,
                position=f"第{int_to_chinese(i + 1)}联络组组长",
                role=f"第{int_to_chinese(i + 1)}联络组组长",
                birth_year=1975 + i * 2,
            )
            lg.leader = member
            lg.save()
            lg.members.add(member)
            groups.append(lg)

        for i, branch in enumerate(BRANCHES):
            unit = units[branch]
            unit.liaison_group = groups[i]
            secretary = person(
                f"branch{i + 1}",
                next(names),
                unit=unit,
                unit_role=UnitRole.HEAD,
                position=f"{branch}书记",
                role=f"{branch}书记",
                birth_year=1970 + i * 3,
            )
            head = person(
                f"head{i + 1}",
                next(names),
                unit=unit,
                unit_role=UnitRole.HEAD,
                position=f"{branch.removesuffix('党支部')}主任",
                birth_year=1968 + i * 2,
            )
            unit.party_secretary = secretary
            unit.admin_head = head
            unit.save()
        person(
            "staff1",
            next(names),
            unit=units[BRANCHES[0]],
            position="支部组织委员",
            role="航空运输系党支部组织委员（普通工作人员）",
            birth_year=1995,
        )

        for gi, dept_names in GRID_DEPARTMENTS.items():
            for dept in dept_names:
                units[dept].liaison_group = groups[gi]
                units[dept].save()

        for i, dept in enumerate(["党委办公室", "人事处", "学生工作处(团委)", "图文信息中心"]):
            unit = units[dept]
            head = person(
                f"dept{i + 1}",
                next(names),
                unit=unit,
                unit_role=UnitRole.HEAD,
                position=f"{dept}负责人",
                role=f"{dept}负责人",
                birth_year=1974 + i * 3,
            )
            unit.admin_head = head
            unit.party_secretary = unit.party_secretary or head
            unit.save()
        for dept in ["教务处", "财务处"]:
            unit = units[dept]
            head = person(
                f"head_{DEPARTMENTS.index(dept)}",
                next(names),
                unit=unit,
                unit_role=UnitRole.HEAD,
                position=f"{dept}处长",
                birth_year=1976,
            )
            unit.admin_head = head
            unit.party_secretary = head
            unit.save()

        for i, (tf_name, themes) in enumerate(TASK_FORCES):
            tf, _ = TaskForce.objects.get_or_create(
                organization=org, name=tf_name, defaults={"sort_order": i}
            )
            member = person(
                f"taskforce{i + 1}",
                next(names),
                unit=units["党委办公室"] if i == 0 else units["学生工作处(团委)"],
                position=f"{tf_name.removesuffix('整改落实工作专班')}专班成员",
                role=f"{tf_name}成员",
                birth_year=1985 + i,
            )
            tf.leader = director
            tf.save()
            tf.members.add(member)
            for j, theme in enumerate(themes):
                Theme.objects.get_or_create(
                    organization=org,
                    name=theme,
                    defaults={"task_force": tf, "sort_order": i * 10 + j},
                )
        del admin
        demo_security_policy(org)
    return org, accounts


def demo_security_policy(org: Organization) -> None:
    """The demo is for trying the product with the shared demo password: neither a second
    factor nor a password change at first sign-in (the policy page says so)."""
    SecurityPolicy.objects.get_or_create(
        organization=org,
        defaults={"second_factor_required": False, "force_password_change": False},
    )


DEMO_ORDER = (
    ["admin", "secadmin", "auditor", "office", "office2", "leader", "taskforce1", "taskforce2"]
    + [f"liaison{i}" for i in range(1, 8)]
    + [f"branch{i}" for i in range(1, 8)]
    + ["staff1"]
    + [f"dept{i}" for i in range(1, 5)]
)
