"""The ledger's filters, declared once; every filter value lives in the URL so views can be
bookmarked and shared."""

from __future__ import annotations

import sqlite3
from typing import Any

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.text import parse_id
from ledger.choices import DeadlineKind, MeasureState
from ledger.models import Finding, Inspection, Measure, Tag
from ledger.selectors import SEARCHED_CHOICES, due_within_q, measures_of_unit, overdue_q
from organization.models import LiaisonGroup, Person, TaskForce, Theme, Unit

SORTS = {
    # Rounds first, so that two rounds' "一、（一）1" never interleave.
    "number": ("finding__inspection_id", "finding__sort_key", "finding_id", "sort_key", "id"),
    "due": ("due_date", "id"),
    "-due": ("-due_date", "-id"),
    "state": ("state", "finding__inspection_id", "finding__sort_key", "sort_key", "id"),
    "progress": ("progress", "id"),
    "-progress": ("-progress", "-id"),
    "updated": ("-updated_at", "-id"),
}
SORT_CHOICES = [
    ("number", _("Number")),
    ("due", _("Due date, earliest first")),
    ("-due", _("Due date, latest first")),
    ("state", _("State")),
    ("progress", _("Progress, lowest first")),
    ("-progress", _("Progress, highest first")),
    ("updated", _("Recently changed")),
]

YES_NO = [("", "---------"), ("1", _("Yes")), ("0", _("No"))]


def without_blanks(data: Any) -> Any:
    """The query with every empty value dropped: a select left at its empty choice (全部) sends
    `state=`, and an empty value means "no filter", never an invalid choice."""
    if data is None:
        return None
    kept = QueryDict(mutable=True)
    for key in data:
        raw = data.getlist(key) if hasattr(data, "getlist") else data[key]
        values = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
        values = [v for v in values if v.strip()]
        if values:
            kept.setlist(key, values)
    return kept


class MeasureFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    inspection = django_filters.ModelChoiceFilter(
        queryset=Inspection.objects.none(),
        label=_("Inspection"),
        field_name="inspection",
        empty_label=_("All inspections"),
    )
    theme = django_filters.ModelChoiceFilter(
        queryset=Theme.objects.none(), label=_("Theme"), field_name="finding__theme"
    )
    task_force = django_filters.ModelChoiceFilter(
        queryset=TaskForce.objects.none(),
        label=_("Task force"),
        field_name="finding__theme__task_force",
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.none(), label=_("Unit (lead or co-op)"), method="filter_unit"
    )
    liaison_group = django_filters.ModelChoiceFilter(
        queryset=LiaisonGroup.objects.none(),
        label=_("Liaison group"),
        field_name="lead_unit__liaison_group",
    )
    # A column of the measure itself, so no row can repeat: without `distinct=False` the
    # filter would add DISTINCT over every selected column to the page and to its count.
    state = django_filters.MultipleChoiceFilter(
        choices=MeasureState.choices,
        label=_("State"),
        widget=forms.SelectMultiple,
        distinct=False,
    )
    deadline_kind = django_filters.ChoiceFilter(
        choices=DeadlineKind.choices, label=_("Deadline kind")
    )
    due_within = django_filters.NumberFilter(
        method="filter_due_within", label=_("Due within (days)"), min_value=0, max_value=3650
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO[1:], method="filter_overdue", label=_("Overdue")
    )
    flagged = django_filters.ChoiceFilter(
        choices=YES_NO[1:], method="filter_flagged", label=_("Flagged (挂牌督办)")
    )
    tag = django_filters.ModelChoiceFilter(
        queryset=Tag.objects.none(),
        label=_("Campaign"),
        field_name="tags",
        empty_label=_("All campaigns"),
    )
    person = django_filters.ModelChoiceFilter(
        queryset=Person.objects.none(), label=_("Responsible person"), method="filter_person"
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_sort", label=_("Sort"), empty_label=None
    )

    class Meta:
        model = Measure
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(without_blanks(data), *args, **kwargs)
        self.today = timezone.localdate()
        f = self.filters
        f["inspection"].queryset = Inspection.objects.visible_to(user)
        f["theme"].queryset = Theme.objects.visible_to(user).filter(is_active=True)
        f["task_force"].queryset = TaskForce.objects.visible_to(user).filter(is_active=True)
        f["unit"].queryset = Unit.objects.visible_to(user)
        f["liaison_group"].queryset = LiaisonGroup.objects.visible_to(user)
        f["tag"].queryset = Tag.objects.visible_to(user)
        f["person"].queryset = Person.objects.visible_to(user).order_by("name")

    def rows_qs(self) -> QuerySet[Measure]:
        """`qs` for reading rows in ledger order, with a chosen round named on the finding as
        well: both engines then walk the round's findings in their order and stop at the page's
        end (on the measure's round alone SQLite read and sorted the whole round, 4 → 140 ms at
        100,000 measures). `qs` stays the one to count: the measure's round index answers it
        in 3 ms, where the join through the finding took 30–50 ms on PostgreSQL."""
        inspection = self.form.cleaned_data.get("inspection") if self.is_valid() else None
        if inspection is None:
            return self.qs
        return self.qs.filter(finding__inspection=inspection)

    # Selects too long to list in every page (a college has thousands of people and hundreds
    # of units): the page holds the chosen option only; the searchable select asks
    # ledger:filter_options for the rest as one types.
    SEARCHED_CHOICES = frozenset(SEARCHED_CHOICES)

    def frozen_choices(self) -> dict[str, list[tuple[str, str]]]:
        """Each select's options read once: a template loop over a lazy ModelChoiceIterator
        would run a COUNT and a SELECT per select on every page view."""
        choices: dict[str, list[tuple[str, str]]] = {}
        for name, field in self.form.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                # Every model offered here shows its name: read (pk, name) pairs instead of
                # building a model instance per option (the person filter has thousands).
                head = [("", str(field.empty_label))] if field.empty_label is not None else []
                rows = field.queryset.values_list("pk", "name")
                if name in self.SEARCHED_CHOICES:
                    # Only the chosen one is listed; the rest are found by typing.
                    chosen = parse_id(self.form[name].value())
                    rows = rows.filter(pk=chosen) if chosen else rows.none()
                choices[name] = head + [(str(pk), label) for pk, label in rows]
            elif hasattr(field, "choices"):
                choices[name] = [(str(value), str(label)) for value, label in field.choices]
        return choices

    def filter_q(self, qs: QuerySet[Measure], name: str, value: str) -> QuerySet[Measure]:
        # Substring match: Chinese has no word boundaries, so token search would find nothing.
        # On PostgreSQL, trigram indexes serve these ILIKE lookups.
        value = value.strip()
        if not value:
            return qs
        # Two single-table conditions, so each can use its own trigram index on PostgreSQL.
        findings = Finding.objects.filter(text__icontains=value)
        inspection = self.form.cleaned_data.get("inspection")
        if inspection is not None:
            # The ledger opens on one round: its findings are the only ones worth reading.
            findings = findings.filter(inspection=inspection)
        findings = findings.values("id")
        return qs.filter(Q(content__icontains=value) | Q(finding_id__in=findings))

    def filter_unit(self, qs: QuerySet[Measure], name: str, value: Unit) -> QuerySet[Measure]:
        return qs.filter(measures_of_unit([value.pk]))

    def filter_due_within(self, qs: QuerySet[Measure], name: str, value: Any) -> QuerySet[Measure]:
        return qs.filter(due_within_q(self.today, int(value)))

    def filter_overdue(self, qs: QuerySet[Measure], name: str, value: str) -> QuerySet[Measure]:
        cond = overdue_q(self.today)
        return qs.filter(cond) if value == "1" else qs.exclude(cond)

    def filter_flagged(self, qs: QuerySet[Measure], name: str, value: str) -> QuerySet[Measure]:
        return qs.filter(is_flagged=value == "1")

    def filter_person(self, qs: QuerySet[Measure], name: str, value: Person) -> QuerySet[Measure]:
        through = Measure.responsible_persons.through.objects.filter(
            measure_id=OuterRef("pk"), person_id=value.pk
        )
        return qs.filter(Q(Exists(through)) | Q(responsible_leader=value))

    def filter_sort(self, qs: QuerySet[Measure], name: str, value: str) -> QuerySet[Measure]:
        return qs.order_by(*SORTS.get(value, SORTS["number"]))


class CountedApart(Paginator):
    """A paginator whose rows and count come from two querysets of the same measures, each
    written for its own plan: rows from `MeasureFilter.rows_qs`, the count from `qs`. The
    ledger page and the API's measure list both page this way."""

    def __init__(self, object_list: Any, per_page: int, *, counted: QuerySet[Measure]) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return self.counted.count()


class SearchedApart(CountedApart):
    """For a search: the matching measures' ids read once, and the page's rows read from
    `listed` (the same person's ledger, unfiltered) among those ids, in the page's order: the
    substring match is evaluated once. Counting and listing a search each evaluated it over the
    round (about 45 ms each on PostgreSQL at 100,000 measures); a search finds a few hundred
    measures, so one read of their ids answers both. The ids are read in no order, at most
    `BOUND` + 1: a search matching more (a word most measures hold) stops there, after a part
    of the round, and pages as `CountedApart` does. (At 2,000, a search matching a few
    thousand of a million measures paid for the stop and for counting and listing apart:
    787 → 1,225 ms.)"""

    BOUND = 10_000

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        counted: QuerySet[Measure],
        listed: QuerySet[Measure],
    ) -> None:
        super().__init__(object_list, per_page, counted=counted)
        self.listed = listed

    @cached_property
    def _bound(self) -> int:
        """BOUND, within the variables one statement may carry (the page is read by id): an
        SQLite built before 3.32 allows 999."""
        connection = connections[self.object_list.db]
        if connection.vendor != "sqlite":
            return self.BOUND
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return max(0, min(self.BOUND, limit - 100))

    @cached_property
    def _ids(self) -> list[int]:
        rows = self.object_list.select_related(None).prefetch_related(None).order_by()
        return list(rows.values_list("id", flat=True)[: self._bound + 1])

    @cached_property
    def _all_read(self) -> bool:
        return len(self._ids) <= self._bound

    @cached_property
    def count(self) -> int:
        return len(self._ids) if self._all_read else self.counted.count()

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        if not self._all_read:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = self.listed.filter(pk__in=self._ids)
        # Every sort ends with the id (SORTS), so the page is the one listing apart would give.
        ordering = self.object_list.query.order_by
        if ordering:
            rows = rows.order_by(*ordering)
        return self._get_page(list(rows[bottom : bottom + self.per_page]), number, self)
