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


@pytest.fixture(autouse=True)
def tasks_run_inline(settings: Any) -> None:
    """Background tasks run inside the call that queues them, in the test's transaction; the
    reliability tests (tests/reliability) run real workers in their own processes."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


# The demo database as load_demo left it, on SQLite: a transactional test (the browser tests,
# the concurrency tests) empties the database, and the next test gets the demo back by a page
# copy (SQLite's backup API, milliseconds) rather than by loading it again (seconds).
_DEMO_SNAPSHOT: Any = None


def load_demo() -> None:
    """Fill the (empty or flushed) test database with the demo college."""
    global _DEMO_SNAPSHOT
    from django.db import connection

    if connection.vendor == "sqlite" and _DEMO_SNAPSHOT is not None:
        connection.ensure_connection()
        _DEMO_SNAPSHOT.backup(connection.connection)
        return
    call_command("load_demo", quiet=True)
    if connection.vendor == "sqlite":
        import sqlite3

        snapshot = sqlite3.connect(":memory:", check_same_thread=False)
        connection.ensure_connection()
        connection.connection.backup(snapshot)
        _DEMO_SNAPSHOT = snapshot


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        load_demo()


SECOND_ORGANIZATION = "另一所学院（测试）"
# Marked text of three places, each planted where only some people may read it:
# A in branch 1's measure, B in branch 7's measure under the same finding, C in the second
# organization. A page shows another unit's data when it shows a marker its reader may not see.
MARKERS = {"A": "LEAKAMARK", "B": "LEAKBMARK", "C": "LEAKCMARK"}


class World:
    """Named people and objects of the demo college, for tests that read as sentences."""

    BRANCH1 = "航空运输系党支部"
    BRANCH7 = "行政管理党支部"

    def __init__(self) -> None:
        from organization.models import Organization

        if not Organization.objects.exists():
            # A transactional test flushed the database; put the demo back.
            load_demo()
        from demo.organization_demo import ORG_NAME

        self.org = Organization.objects.get(name=ORG_NAME)
        self._cache: dict[str, Any] = {}
        # The role a matrix case runs as, and its user (None when anonymous).
        self.role: str | None = None
        self.actor: Any = None

    def separate_duties(self, on: bool = True) -> None:
        """Switch the separation of the three administrators (三员分立) for this test."""
        from organization.models import Organization

        Organization.objects.filter(pk=self.org.pk).update(separation_of_duties=on)
        self.org.refresh_from_db()

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

    def second_org(self) -> dict[str, Any]:
        """A second organization with its own units, people, inspection and measure; its office
        director signs in as `stranger_office`. Built once per test (rolled back with it)."""
        if "second_org" not in self._cache:
            self._cache["second_org"] = _build_second_organization()
        return self._cache["second_org"]

    def plant_markers(self) -> dict[str, Any]:
        """Marked report text, return reason and urge message on branch 1's scoped measure
        (A), on a measure of branch 7 under the same finding (B) and in the second organization
        (C). Returns the objects the marked pages are about."""
        if "planted" in self._cache:
            return self._cache["planted"]
        a = self.scoped_measure()
        finding = a.finding
        b = self.new_measure(unit=self.BRANCH7, content=f"{MARKERS['B']}-措施内容")
        evidence = {
            "A": _mark(
                a, MARKERS["A"], unit_user=self.user("branch1"), liaison=self.user("liaison1")
            ),
            "B": _mark(
                b, MARKERS["B"], unit_user=self.user("branch7"), liaison=self.user("liaison7")
            ),
        }
        second = self.second_org()
        _mark(
            second["measure"], MARKERS["C"], unit_user=second["branch"], liaison=second["liaison"]
        )
        self._cache["planted"] = {
            "a": a,
            "b": b,
            "finding": finding,
            "inspection": finding.inspection,
            "second": second,
            "evidence": evidence,
        }
        return self._cache["planted"]


def _mark(measure: Any, marker: str, *, unit_user: Any, liaison: Any) -> Any:
    """A progress report, an evidence file, a returned close-out request and an urge, each
    carrying `marker`; returns the evidence."""
    from ledger.models import Measure
    from notifications.services import urge_create
    from organization.models import Person
    from reporting.services import closeout_decide, closeout_request, evidence_add_text
    from reporting.services.reports import ReportData, report_file

    office = (
        Person.objects.filter(
            organization_id=measure.organization_id, is_office=True, user__isnull=False
        )
        .order_by("id")[0]
        .user
    )
    if measure.state == "pending_review":
        closeout_decide(
            by=liaison, measure=measure, stage="liaison", approve=False, reason="退回以便补充"
        )
    measure = Measure.objects.get(pk=measure.pk)
    report_file(
        by=unit_user,
        measure=measure,
        data=ReportData(work_done=f"{marker}-报告正文", progress=60, problems=f"{marker}-难点"),
    )
    evidence = evidence_add_text(
        by=unit_user,
        measure=Measure.objects.get(pk=measure.pk),
        name="说明.txt",
        content=f"{marker}-佐证内容",
    )
    closeout_request(
        by=unit_user, measure=Measure.objects.get(pk=measure.pk), summary=f"{marker}-销号申请"
    )
    closeout_decide(
        by=liaison,
        measure=Measure.objects.get(pk=measure.pk),
        stage="liaison",
        approve=False,
        reason=f"{marker}-退回理由",
    )
    urge_create(by=office, measure_ids=[measure.pk], message=f"{marker}-催办内容")
    return evidence


def _build_second_organization() -> dict[str, Any]:
    import datetime as dt

    from django.contrib.auth import get_user_model

    from ledger.models import Finding, Inspection
    from ledger.services import MeasureData, measure_create
    from organization.choices import UnitKind, UnitRole
    from organization.models import LiaisonGroup, Organization, Person, TaskForce, Theme, Unit

    User = get_user_model()
    org = Organization.objects.create(name=SECOND_ORGANIZATION, short_name="另校")
    office_unit = Unit.objects.create(
        organization=org, name="另校纪委办公室", kind=UnitKind.DEPARTMENT
    )
    branch_unit = Unit.objects.create(
        organization=org, name="另校机电系党支部", kind=UnitKind.BRANCH
    )

    def person(username: str, name: str, unit: Any, **flags: Any) -> Any:
        user = User.objects.create_user(username=username, password="Rectify-2021")
        return Person.objects.create(user=user, organization=org, name=name, unit=unit, **flags)

    director = person(
        "stranger_office", "外校整改办主任", office_unit, unit_role=UnitRole.HEAD, is_office=True
    )
    liaison = person("stranger_liaison", "外校联络组组长", office_unit)
    secretary = person("stranger_branch", "外校支部书记", branch_unit, unit_role=UnitRole.HEAD)
    org.office_director = director
    org.save()
    from security.models import SecurityPolicy

    # Like the demo college: no second factor or forced change for its test accounts.
    SecurityPolicy.objects.create(
        organization=org, second_factor_required=False, force_password_change=False
    )
    group = LiaisonGroup.objects.create(organization=org, name="另校第一联络组", leader=liaison)
    group.members.add(liaison)
    branch_unit.liaison_group = group
    branch_unit.party_secretary = secretary
    branch_unit.save()
    task_force = TaskForce.objects.create(organization=org, name="另校专班", leader=director)
    task_force.members.add(director)
    theme = Theme.objects.create(organization=org, name="另校主题", task_force=task_force)
    inspection = Inspection.objects.create(
        organization=org,
        name="另校巡察",
        feedback_date=dt.date(2021, 3, 1),
        rectification_end=dt.date(2099, 6, 1),
    )
    finding = Finding.objects.create(
        inspection=inspection, theme=theme, number="1", text=f"{MARKERS['C']}-问题"
    )
    measure = measure_create(
        by=director.user,
        finding=finding,
        data=MeasureData(
            content=f"{MARKERS['C']}-措施", lead_unit=branch_unit, due_date=dt.date(2099, 1, 1)
        ),
    )
    return {
        "liaison": liaison.user,
        "org": org,
        "office": director.user,
        "branch": secretary.user,
        "unit": branch_unit,
        "inspection": inspection,
        "finding": finding,
        "measure": measure,
    }


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
def empty_cache(settings: Any) -> Any:
    """Each test starts with an empty cache of its process's own memory: the database goes
    back after each test, and its ids and audit chain come again, so what one test kept could
    answer for another's data; and a Redis named by CACHE_URL in the environment is never
    emptied by a test run (`clear` empties its whole database, not one prefix)."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def audit_checkpoints_in_a_temporary_file(settings: Any, tmp_path: Any) -> None:
    """Commands that copy the audit head (run_reminders) write beside the test, not in var/."""
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit-checkpoint.jsonl"


# Tests whose outcome the database engine does not change: whole-product sweeps (every view and
# link as every role) and the checks of what a form carries. `make test` runs its SQLite and
# PostgreSQL runs side by side and sets ONCE_ON_ONE_ENGINE=1 in both: each of these then runs in
# one of them only (the engine named here), so the two runs take about as long as each other.
# Without the variable (pytest by hand, or no PostgreSQL reachable) everything runs.
ONCE_ON: dict[str, str] = {
    "tests/test_walk_as_users.py": "sqlite",
    "tests/test_permission_matrix.py": "sqlite",
    "tests/test_outsider_walk.py": "postgresql",
    "api/tests/test_api_matrix.py": "sqlite",
    # Integrations whose other end is not the database: LibreOffice, the S3-compatible store,
    # the directory server, Redis, the messaging gateways, the deployment files.
    "documents/tests/test_word.py": "postgresql",
    "documents/tests/test_exports.py": "postgresql",
    "core/tests/test_object_storage.py": "postgresql",
    "sso/tests/test_sign_on.py": "postgresql",
    "notifications/tests/test_work_notices.py": "postgresql",
    "core/tests/test_shared_state.py": "sqlite",
    "core/tests/test_settings.py": "sqlite",
    "tests/test_deploy_files.py": "sqlite",
    "tests/test_ci_script.py": "sqlite",
    **{
        f"tests/hostile/test_double_submit.py::{name}": "sqlite"
        for name in (
            "test_every_create_form_sent_twice_in_a_row_is_stored_once",
            "test_every_form_that_creates_a_row_carries_the_key",
        )
    },
}
# Not among them: the hostile-input sample (engines refuse different values: PostgreSQL a NUL
# byte in any text parameter) and forms sent twice at once (the engines lock differently).


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    import os

    from django.db import connection

    if os.environ.get("ONCE_ON_ONE_ENGINE") != "1":
        return
    kept, elsewhere = [], []
    for item in items:
        path = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        name = item.nodeid.split("[")[0]
        engine = ONCE_ON.get(path) or ONCE_ON.get(name)
        (elsewhere if engine not in (None, connection.vendor) else kept).append(item)
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = kept
