from __future__ import annotations

from functools import partial
from typing import Any

from rest_framework.pagination import PageNumberPagination

from ledger.filters import CountedApart


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class MeasurePagination(Pagination):
    """The ledger's paging: rows from the view's queryset, the count from the queryset the
    view names `counted` (the measure's own round index; counting the rows' queryset joins
    every measure to its finding, about 31 ms at 100,000 measures on PostgreSQL)."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        counted = getattr(view, "counted", None)
        if counted is not None:
            self.django_paginator_class = partial(CountedApart, counted=counted)
        return super().paginate_queryset(queryset, request, view)
