"""The dashboard keeps a person's figures until the next write (dashboard_figures): a second
look reads none of the measures again, a write through the product shows at once, and no one
is ever answered with figures computed for another scope."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards.selectors import campaign_rows, dashboard_figures, dashboard_overview
from ledger.models import Measure


def _look(world: Any, username: str) -> tuple[int, int, str]:
    """The dashboard as `username` opens it: its overdue figure, the number of queries it
    took to answer, and the page."""
    client = world.client(username)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboards:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    overdue = re.search(r'data-testid="overdue-total">(\d+)<', body)
    assert overdue, body[:500]
    return int(overdue.group(1)), len(queries), body


def _measure_reads(queries: Any) -> int:
    return sum('"ledger_measure"' in q["sql"] for q in queries)


def test_a_second_look_reads_no_measure_and_shows_the_same_figures(world: Any) -> None:
    client = world.client("leader")
    url = reverse("dashboards:overview")
    with CaptureQueriesContext(connection) as first:
        one = client.get(url)
    with CaptureQueriesContext(connection) as second:
        two = client.get(url)
    assert one.status_code == two.status_code == 200
    assert _measure_reads(first.captured_queries) >= 3
    assert _measure_reads(second.captured_queries) == 0
    assert len(second) < len(first)
    # The CSRF token is masked anew in every response, and the idle countdown may have
    # crossed a second between the two.
    strip = re.compile(
        r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"|data-session-idle="\d+"'
    )
    assert strip.sub("", one.content.decode()) == strip.sub("", two.content.decode())


def test_a_write_through_the_product_shows_on_the_next_look(world: Any) -> None:
    from ledger.services import measure_set_due_date

    before, _n, _body = _look(world, "office")
    again, _n, _body = _look(world, "office")
    assert again == before
    measure = (
        Measure.objects.filter(
            finding__inspection=world.inspection(),
            state__in=["not_started", "in_progress"],
            due_date__gt=timezone.localdate(),
        )
        .exclude(deadline_kind="long_term")
        .order_by("id")
        .first()
    )
    measure_set_due_date(
        by=world.user("office"),
        measure=measure,
        due_date=timezone.localdate() - dt.timedelta(days=3),
        reason="moved into the past for the test",
    )
    after, _n, _body = _look(world, "office")
    assert after == before + 1
    assert (
        after
        == dashboard_overview(world.user("office"), inspection=world.inspection()).overdue_total
    )


def test_each_person_is_answered_with_the_figures_of_their_own_scope(world: Any) -> None:
    """The office looks first; the branch secretary and the leader, looking next with the
    same data, each get what their own scope gives, not what the office's look kept."""
    inspection = world.inspection()
    for username in ("office", "branch1", "leader", "branch1", "office"):
        shown, _n, body = _look(world, username)
        user = world.user(username)
        expected = dashboard_overview(user, inspection=inspection)
        assert shown == expected.overdue_total
        assert f">{expected.findings_total}<" in body
        unit_links = set(re.findall(r"&unit=(\d+)\"", body))
        assert unit_links == {str(r["id"]) for r in expected.by_unit}
    branch_total = dashboard_overview(world.user("branch1"), inspection=inspection).measures_total
    office_total = dashboard_overview(world.user("office"), inspection=inspection).measures_total
    assert branch_total < office_total


def test_the_figures_are_those_of_the_day_they_are_asked_for(world: Any) -> None:
    office = world.user("office")
    inspection = world.inspection()
    today = timezone.localdate()
    for day in (today, today + dt.timedelta(days=400), today):
        figures = dashboard_figures(office, inspection=inspection, today=day)
        direct = dashboard_overview(office, inspection=inspection, today=day)
        assert figures.overview.light_counts == direct.light_counts
        assert figures.overview.overdue_total == direct.overdue_total
        assert figures.overview.inspection is inspection
    later = dashboard_figures(office, inspection=inspection, today=today + dt.timedelta(days=400))
    assert (
        later.overview.overdue_total
        > dashboard_figures(office, inspection=inspection, today=today).overview.overdue_total
    )


def test_each_round_is_answered_with_its_own_figures(world: Any) -> None:
    """A second round (here one with no measure yet) and the first, looked at in turn by the
    same person on the same day with the same data."""
    from ledger.models import Inspection

    office = world.user("office")
    first = world.inspection()
    second = Inspection.objects.create(
        organization=first.organization,
        name="second round",
        feedback_date=first.feedback_date,
        rectification_end=first.rectification_end,
    )
    assert dashboard_overview(office, inspection=first).measures_total > 0
    for inspection in (first, second, first, second):
        kept = dashboard_figures(office, inspection=inspection).overview
        direct = dashboard_overview(office, inspection=inspection)
        assert kept.measures_total == direct.measures_total
        assert kept.findings_total == direct.findings_total
        assert kept.light_counts == direct.light_counts


def test_each_round_chosen_in_the_rendered_form_shows_its_own_figures(world: Any) -> None:
    """The round select as the page renders it, each of its options submitted as the form
    submits it (GET, its one field), twice over: each answer shows that round's figures."""
    from html.parser import HTMLParser

    from ledger.models import Inspection

    first = world.inspection()
    Inspection.objects.create(
        organization=first.organization,
        name="second round",
        feedback_date=first.feedback_date,
        rectification_end=first.rectification_end,
    )

    class RoundForm(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.method = self.action = self.field = ""
            self.values: list[str] = []
            self._in_form = self._in_select = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "form" and not self.field:
                self._in_form = True
                self.method, self.action = a.get("method") or "get", a.get("action") or ""
            elif tag == "select" and self._in_form and a.get("id") == "id_inspection":
                self._in_select, self.field = True, a.get("name") or ""
            elif tag == "option" and self._in_select:
                self.values.append(a.get("value") or "")

        def handle_endtag(self, tag: str) -> None:
            if tag == "select":
                self._in_select = False
            elif tag == "form":
                self._in_form = False

    client = world.client("office")
    url = reverse("dashboards:overview")
    form = RoundForm()
    form.feed(client.get(url).content.decode())
    assert form.method.lower() == "get" and form.field == "inspection"
    assert len(form.values) == Inspection.objects.visible_to(world.user("office")).count() >= 2
    office = world.user("office")
    for value in form.values * 2:
        response = client.get(form.action or url, {form.field: value})
        assert response.status_code == 200
        expected = dashboard_overview(office, inspection=Inspection.objects.get(pk=value))
        body = response.content.decode()
        shown = re.search(r'data-testid="overdue-total">(\d+)<', body)
        assert shown and int(shown.group(1)) == expected.overdue_total, value
        assert f'<option value="{value}" selected>' in body
        assert f">{expected.findings_total}<" in body and f">{expected.measures_total}<" in body


def test_the_kept_campaign_rows_are_the_campaign_table(world: Any) -> None:
    office = world.user("office")
    inspection = world.inspection()
    for _look_again in range(2):
        kept = dashboard_figures(office, inspection=inspection).campaigns
        rows = campaign_rows(office, inspection=inspection)
        assert [(r["campaign"].pk, r["campaign"].name) for r in kept] == [
            (r["campaign"].pk, r["campaign"].name) for r in rows
        ]
        assert [(r["counts"], r["meetings"], r["rules"]) for r in kept] == [
            (r["counts"], r["meetings"], r["rules"]) for r in rows
        ]


def test_nothing_is_kept_when_the_setting_is_zero(world: Any, settings: Any) -> None:
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = world.client("leader")
    url = reverse("dashboards:overview")
    for _look_again in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert _measure_reads(queries.captured_queries) >= 3


class UnreachableCache:
    """A shared cache that cannot be reached: every call fails as redis-py does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def get(self, *args: Any, **kwargs: Any) -> Any:
        from redis.exceptions import ConnectionError

        raise ConnectionError("Error 111 connecting to 10.0.0.5:6379. Connection refused.")

    set = get

    def close(self, **kwargs: Any) -> None:
        pass


def test_a_cache_out_of_reach_only_means_the_figures_are_computed(
    world: Any, settings: Any, caplog: Any
) -> None:
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.UnreachableCache"}}
    expected = dashboard_overview(world.user("leader"), inspection=world.inspection())
    for _look_again in range(2):
        shown, _n, _body = _look(world, "leader")
        assert shown == expected.overdue_total
    # Once a look: the write is not tried after the read has failed.
    assert caplog.text.count("dashboard figures not kept") == 2


class ForeignPickleCache(UnreachableCache):
    """A cache holding what another release kept: unpickling it fails."""

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise AttributeError("Can't get attribute 'DashboardFigures' on <module>")

    def set(self, *args: Any, **kwargs: Any) -> None:
        pass


def test_what_another_release_kept_is_computed_again(world: Any, settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.ForeignPickleCache"}}
    expected = dashboard_overview(world.user("leader"), inspection=world.inspection())
    shown, _n, _body = _look(world, "leader")
    assert shown == expected.overdue_total


def test_the_scope_key_changes_with_every_part_of_the_scope() -> None:
    """A field added to Actor that decides what a person reads must be in its scope key, or
    two people could share kept figures: each field but the display name and the scratch
    space is changed in turn, and each change must change the key."""
    import dataclasses

    from organization.scope import Actor

    base = Actor(
        user_id=1,
        person_id=2,
        organization_id=3,
        roles=frozenset({"office"}),
        unit_id=4,
        head_unit_ids=frozenset({5}),
        task_force_ids=frozenset({6}),
        liaison_group_ids=frozenset({7}),
        grid_unit_ids=frozenset({8}),
        name="a",
    )
    other = {
        "user_id": 11,
        "person_id": 12,
        "organization_id": 13,
        "roles": frozenset({"leader"}),
        "unit_id": 14,
        "head_unit_ids": frozenset({5, 15}),
        "task_force_ids": frozenset(),
        "liaison_group_ids": frozenset({17}),
        "grid_unit_ids": None,
        "separated": True,
    }
    names = {f.name for f in dataclasses.fields(Actor)} - {"name", "extra"}
    assert names == set(other)
    for name, value in other.items():
        assert dataclasses.replace(base, **{name: value}).scope_key != base.scope_key, name
    assert dataclasses.replace(base, name="b", extra={"x": 1}).scope_key == base.scope_key
