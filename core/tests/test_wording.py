"""Wording as a Chinese office worker reads it: 名称 for things, 姓名 for people, one menu item
highlighted, the inspection period labelled as a period."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse


def headings(body: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", body, re.S)
    assert head
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head[1])]


@pytest.mark.parametrize(
    "path",
    [
        "/org/units/",
        "/org/liaison-groups/",
        "/org/task-forces/",
        "/org/themes/",
        "/ledger/inspections/",
    ],
)
def test_the_name_column_of_things_is_headed_mingcheng(world: Any, path: str) -> None:
    body = world.client("office").get(path).content.decode()
    assert headings(body)[0] == "名称"
    assert "姓名" not in headings(body)


def test_the_name_column_of_people_is_headed_xingming(world: Any) -> None:
    body = world.client("office").get("/org/people/").content.decode()
    assert headings(body)[0] == "姓名"


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/", "首页"),
        ("/ledger/", "整改台账"),
        ("/ledger/inspections/", "巡视"),
        ("/ledger/audit/", "审计日志"),
    ],
)
def test_only_one_menu_item_is_highlighted(world: Any, path: str, active: str) -> None:
    body = world.client("office").get(path).content.decode()
    highlighted = re.findall(r'<a class="nav-link active"[^>]*>(.*?)</a>', body, re.S)
    assert [re.sub(r"<[^>]+>", "", h).strip() for h in highlighted] == [active]


def test_the_inspection_period_row_says_it_is_a_period(world: Any) -> None:
    inspection = world.inspection()
    body = (
        world.client("office")
        .get(reverse("ledger:inspection_detail", args=[inspection.pk]))
        .content.decode()
    )
    assert '<dt class="col-sm-3">巡视时间</dt>' in body
