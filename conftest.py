"""Shared test fixtures: the demo college is the world every test (and the matrix) runs in."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from core.scoping import trust_callers

ROOT = Path(__file__).resolve().parent


def _is_test_code(filename: str, function: str) -> bool:
    return _is_test_file(filename)


@cache
def _is_test_file(filename: str) -> bool:
    """Set-up and assertions in the test suite read every row; the product code they call
    does not: a view or service that forgets its scope still fails under test."""
    try:
        parts = Path(filename).resolve().relative_to(ROOT).parts
    except ValueError:
        return False
    return parts[0] != ".venv" and ("tests" in parts[:-1] or parts[-1] == "conftest.py")


trust_callers(_is_test_code)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        call_command("load_demo", quiet=True)


class World:
    """Named people and objects of the demo college, for tests that read as sentences."""

    BRANCH1 = "航空运输系党支部"
    BRANCH7 = "行政管理党支部"

    def __init__(self) -> None:
        from organization.models import Organization

        if not Organization.objects.exists():
            # A transactional test flushed the database; put the demo back.
            call_command("load_demo", quiet=True)
        self.org = Organization.objects.get()
        self._cache: dict[str, Any] = {}

    def user(self, username: str) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(username=username)

    def client(self, username: str | None) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")
        if username:
            client.force_login(self.user(username))
        return client

    def unit(self, name: str) -> Any:
        from organization.models import Unit

        return Unit.objects.get(name=name)

    def measure(self, *, unit: str = BRANCH1, state: str | None = None, **filters: Any) -> Any:
        """A measure led by the unit (branch 1 by default), optionally in a given state."""
        from ledger.models import Measure

        qs = Measure.objects.filter(lead_unit__name=unit, **filters).order_by("id")
        if state:
            qs = qs.filter(state=state)
        m = qs.first()
        if m is None:
            raise LookupError(f"no demo measure for {unit} {state} {filters}")
        return m

    def scoped_measure(self, *, state: str | None = None) -> Any:
        """A measure of branch 1 whose finding belongs to task force 1 and that nobody of
        branch 7 or its grid can see: the matrix's in-scope/out-of-scope object."""
        from django.db.models import Exists, OuterRef

        from ledger.models import Measure

        outsider = self.unit(self.BRANCH7)
        foreign = Measure.objects.filter(finding_id=OuterRef("finding_id")).filter(
            lead_unit__liaison_group_id=outsider.liaison_group_id
        ) | Measure.objects.filter(finding_id=OuterRef("finding_id"), units=outsider)
        qs = (
            Measure.objects.filter(
                lead_unit__name=self.BRANCH1,
                finding__theme__task_force__members__user__username="taskforce1",
            )
            .exclude(Exists(foreign))
            .order_by("id")
        )
        if state:
            qs = qs.filter(state=state)
        m = qs.first()
        if m is None:
            raise LookupError(f"no scoped demo measure in state {state}")
        return m

    def new_measure(self, *, unit: str = BRANCH1, **fields: Any) -> Any:
        """A fresh, not-started measure of the unit under the scoped finding (rolled back
        with the test), for tests that must not depend on the demo's states."""
        from ledger.services import MeasureData, measure_create

        finding = self.finding()
        due = fields.pop("due_date", finding.inspection.rectification_end)
        data = MeasureData(
            content=fields.pop("content", "测试整改措施"),
            lead_unit=self.unit(unit),
            due_date=due,
            **fields,
        )
        return measure_create(by=self.user("office"), finding=finding, data=data)

    def finding(self) -> Any:
        return self.scoped_measure().finding

    def inspection(self) -> Any:
        return self.measure().finding.inspection


@pytest.fixture
def world(db: Any) -> World:
    return World()


@pytest.fixture(autouse=True)
def messages_in_english_outside_requests() -> Any:
    """Service-level messages read in English in tests; pages keep their own language, which
    LocaleMiddleware chooses per request (zh-Hans unless the request asks for another)."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def audit_checkpoints_in_a_temporary_file(settings: Any, tmp_path: Any) -> None:
    """Commands that copy the audit head (run_reminders) write beside the test, not in var/."""
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit-checkpoint.jsonl"
