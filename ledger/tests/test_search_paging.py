"""A search pages through `SearchedApart` (the matches' ids read once, the page's rows read by
id): every page must hold the rows, in the order, that counting and listing the search apart
gives, for each sort and role, and past the bound as well."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict

from ledger.filters import SORT_CHOICES, CountedApart, MeasureFilter, SearchedApart
from ledger.selectors import inspection_ids_current_first, ledger_measures

pytestmark = pytest.mark.django_db
# In some of every role's measures, not in all of them.
TERM = "支部"


def _pages(paginator: Any) -> list[list[int]]:
    return [[m.pk for m in paginator.page(n).object_list] for n in paginator.page_range]


@pytest.mark.parametrize("username", ["office", "branch1", "liaison1"])
@pytest.mark.parametrize("sort", [value for value, _label in SORT_CHOICES])
@pytest.mark.parametrize("bound", [SearchedApart.BOUND, 3])
def test_a_search_pages_as_counting_and_listing_apart_would(
    world: Any, username: str, sort: str, bound: int, monkeypatch: Any
) -> None:
    monkeypatch.setattr(SearchedApart, "BOUND", bound)
    user = world.user(username)
    base = ledger_measures(user, as_lists=True)
    data = QueryDict(f"q={TERM}&sort={sort}", mutable=True)
    data["inspection"] = str(inspection_ids_current_first(user)[0])
    filterset = MeasureFilter(data, queryset=base, user=user)
    assert filterset.is_valid()
    rows, counted = filterset.rows_qs(), filterset.qs
    apart = CountedApart(rows, 4, counted=counted)
    searched = SearchedApart(rows, 4, counted=counted, listed=base)
    assert searched.count == apart.count > 0
    assert searched.count < base.filter(inspection_id=data["inspection"]).count()
    assert _pages(searched) == _pages(apart)


def test_a_search_matching_nothing_has_one_empty_page(world: Any) -> None:
    user = world.user("office")
    base = ledger_measures(user, as_lists=True)
    filterset = MeasureFilter(QueryDict("q=没有这样的措施"), queryset=base, user=user)
    assert filterset.is_valid()
    searched = SearchedApart(filterset.rows_qs(), 50, counted=filterset.qs, listed=base)
    assert searched.count == 0
    assert list(searched.get_page(1).object_list) == []
    assert searched.get_page(7).number == 1


def test_the_bound_stays_within_the_variables_a_statement_may_carry(
    world: Any, monkeypatch: Any
) -> None:
    from django.db import connection

    user = world.user("office")
    base = ledger_measures(user, as_lists=True)
    monkeypatch.setattr(SearchedApart, "BOUND", 10**9)
    paginator = SearchedApart(base, 50, counted=base, listed=base)
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        assert paginator._bound == limit - 100
    else:
        assert paginator._bound == 10**9
