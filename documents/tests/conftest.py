"""Fixtures for the documents tests: private storage in a temporary folder, jobs run inline,
and the units, people and themes the sample ledgers name, added to the demo college."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

# Units and people the sample ledgers of ledger_samples.py name, beyond the demo college's.
SAMPLE_UNITS = (
    "党委宣传部",
    "组织部",
    "宣传部",
    "国有资产管理处",
    "保卫处",
    "后勤处",
    "档案馆",
)
SAMPLE_PEOPLE = (
    "王建国",
    "李明",
    "赵强",
    "张红",
    "周丽",
    "孙伟",
    "陈刚",
    "张三",
    "李四",
    "王五",
    "刘洋",
)
SAMPLE_THEMES = ("全面从严治党", "内控建设")


@pytest.fixture(autouse=True)
def private_storage(settings: Any, tmp_path: Path) -> Path:
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


@pytest.fixture
def samples_org(world: Any) -> Any:
    """The demo college plus what the sample ledgers name; returns the world."""
    from django.contrib.auth import get_user_model

    from organization.choices import UnitKind
    from organization.models import Person, TaskForce, Theme, Unit

    org = world.org
    for index, name in enumerate(SAMPLE_UNITS, start=100):
        Unit.objects.get_or_create(
            organization=org, name=name, defaults={"kind": UnitKind.DEPARTMENT, "sort_order": index}
        )
    users = get_user_model().objects
    for index, name in enumerate(SAMPLE_PEOPLE):
        user, _created = users.get_or_create(username=f"sample{index}")
        Person.objects.get_or_create(user=user, defaults={"organization": org, "name": name})
    task_force = TaskForce.objects.filter(organization=org).order_by("id").first()
    for index, name in enumerate(SAMPLE_THEMES, start=100):
        Theme.objects.get_or_create(
            organization=org,
            name=name,
            defaults={"task_force": task_force, "sort_order": index},
        )
    return world


@pytest.fixture
def empty_inspection(world: Any) -> Any:
    """A new inspection of the demo college, with the demo round's dates and no findings."""
    from ledger.models import Inspection
    from ledger.services import inspection_save

    demo = world.inspection()
    return inspection_save(
        by=world.user("office"),
        inspection=Inspection(
            organization=world.org,
            name="导入测试巡察",
            feedback_date=demo.feedback_date,
            rectification_end=demo.rectification_end,
        ),
    )


@pytest.fixture
def sample_inspection(samples_org: Any) -> Any:
    """An inspection whose feedback came early in 2024, so the samples' deadlines are valid."""
    import datetime as dt

    from ledger.models import Inspection
    from ledger.services import inspection_save

    return inspection_save(
        by=samples_org.user("office"),
        inspection=Inspection(
            organization=samples_org.org,
            name="2024年样例巡察",
            feedback_date=dt.date(2024, 1, 15),
            rectification_end=dt.date(2024, 4, 15),
        ),
    )


@pytest.fixture
def corpus_org(samples_org: Any) -> Any:
    """The sample organization, with two people named 张伟 in different units."""
    from django.contrib.auth import get_user_model

    from organization.models import Person, Unit

    users = get_user_model().objects
    for index, unit_name in enumerate(("人事处", "教务处")):
        user = users.create_user(username=f"zhangwei{index}")
        Person.objects.create(
            user=user,
            organization=samples_org.org,
            name="张伟",
            unit=Unit.objects.get(organization=samples_org.org, name=unit_name),
        )
    return samples_org
