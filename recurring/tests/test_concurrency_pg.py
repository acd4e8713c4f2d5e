"""Two offices applying one template for one year at once on PostgreSQL: the template's row lock
makes the second wait for the first and then refuse, so the year's measures exist once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.db import transaction as db_transaction
from django.utils import translation

from demo.recurring_demo import STANDARDIZATION
from ledger.models import Measure
from recurring.models import RecurringTemplate, TemplateRun
from recurring.services import AlreadyApplied, template_apply

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

WAIT = 15


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


class Worker(threading.Thread):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with translation.override("en"):
                self.result = self.fn()
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()


def test_the_second_of_two_simultaneous_applications_waits_and_is_refused(world: Any) -> None:
    template = RecurringTemplate.objects.get(organization=world.org, title=STANDARDIZATION)
    office, admin = world.user("office"), world.user("admin")
    year = template.year_due_after(world.inspection().feedback_date)
    measures = Measure.objects.count()
    holding, release = threading.Event(), threading.Event()

    def first() -> TemplateRun:
        with db_transaction.atomic():
            run = template_apply(by=office, template=template, year=year)
            holding.set()
            release.wait(WAIT)
            return run

    a = Worker(first)
    a.start()
    assert holding.wait(WAIT)
    b = Worker(lambda: template_apply(by=admin, template=template, year=year))
    b.start()
    b.join(0.5)
    assert b.is_alive(), "the second application did not wait for the template's lock"
    release.set()
    a.join(WAIT)
    b.join(WAIT)
    assert a.error is None and isinstance(a.result, TemplateRun)
    assert isinstance(b.error, AlreadyApplied)
    assert TemplateRun.objects.filter(template=template).count() == 1
    assert Measure.objects.count() == measures + 7
