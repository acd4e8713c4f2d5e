from __future__ import annotations

from typing import Any

import pytest

from regulations.models import Opinion, Rule

pytestmark = pytest.mark.django_db


def test_the_demo_register_holds_five_rules_at_different_stages(world: Any) -> None:
    stages = set(
        Rule.objects.unscoped("test").filter(organization=world.org).values_list("stage", flat=True)
    )
    assert stages == {"drafting", "consulting", "deliberating", "evaluating", "done"}


def test_the_demo_mechanism_is_in_its_second_round_with_a_department_disagreeing(
    world: Any,
) -> None:
    rule = Rule.objects.unscoped("test").get(organization=world.org, stage="consulting")
    assert "会商研讨机制" in rule.title
    second = Opinion.objects.unscoped("test").filter(round__rule=rule, round__number=2)
    assert {o.stance for o in second} == {"agree", "disagree"}
