"""Screens for the office to manage the organization: list, create, edit, deactivate.

Five directory kinds share one set of thin views, described by `DirectoryKind`; every object is
fetched through `visible_to` / `editable_by`, and every write goes through `services`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from django.views.decorators.http import require_GET, require_POST

from core.text import search_term
from organization import policy, services
from organization.choices import PendingStatus
from organization.forms import (
    LiaisonGroupForm,
    OrganizationForm,
    PasswordResetForm,
    PersonForm,
    TaskForceForm,
    ThemeForm,
    UnitForm,
)
from organization.models import (
    LiaisonGroup,
    Organization,
    PendingChange,
    Person,
    TaskForce,
    Theme,
    Unit,
)
from organization.scope import has_capability

_PENDING_MESSAGE = gettext_lazy(
    "The change awaits the security administrator's approval; it takes effect once approved."
)


def require_capability(request: HttpRequest, capability: str) -> None:
    policy.require(request.user, capability)


def current_organization(request: HttpRequest) -> Organization:
    org = Organization.objects.visible_to(request.user).first()
    if org is None:
        raise PermissionDenied
    return org


@dataclass(frozen=True)
class Column:
    label: Promise
    attr: str
    kind: str = "text"  # text | bool | list | badge


@dataclass(frozen=True)
class DirectoryKind:
    slug: str
    model: type[Model]
    form: type[Any]
    title: Promise
    singular: Promise
    columns: tuple[Column, ...]
    search: tuple[str, ...] = ("name__icontains",)
    related: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()
    annotate: dict[str, Any] = field(default_factory=dict)

    @property
    def url_name(self) -> str:
        return self.slug.replace("-", "_")


KINDS: dict[str, DirectoryKind] = {
    "units": DirectoryKind(
        slug="units",
        model=Unit,
        form=UnitForm,
        title=gettext_lazy("Units"),
        singular=gettext_lazy("unit"),
        columns=(
            Column(gettext_lazy("Name"), "name"),
            Column(gettext_lazy("Kind"), "get_kind_display"),
            Column(gettext_lazy("Liaison group (grid)"), "liaison_group"),
            Column(gettext_lazy("Party secretary"), "party_secretary"),
            Column(gettext_lazy("Administrative head"), "admin_head"),
            Column(gettext_lazy("People"), "people_count"),
        ),
        related=("liaison_group", "party_secretary", "admin_head"),
        annotate={"people_count": Count("people", distinct=True)},
    ),
    "liaison-groups": DirectoryKind(
        slug="liaison-groups",
        model=LiaisonGroup,
        form=LiaisonGroupForm,
        title=gettext_lazy("Liaison groups"),
        singular=gettext_lazy("liaison group"),
        columns=(
            Column(gettext_lazy("Name"), "name"),
            Column(gettext_lazy("Group leader"), "leader"),
            Column(gettext_lazy("Members"), "members", "list"),
            Column(gettext_lazy("Units in its grid"), "units", "list"),
        ),
        related=("leader",),
        prefetch=("members", "units"),
    ),
    "task-forces": DirectoryKind(
        slug="task-forces",
        model=TaskForce,
        form=TaskForceForm,
        title=gettext_lazy("Task forces"),
        singular=gettext_lazy("task force"),
        columns=(
            Column(gettext_lazy("Name"), "name"),
            Column(gettext_lazy("Leader"), "leader"),
            Column(gettext_lazy("Members"), "members", "list"),
            Column(gettext_lazy("Themes"), "themes", "list"),
        ),
        related=("leader",),
        prefetch=("members", "themes"),
    ),
    "themes": DirectoryKind(
        slug="themes",
        model=Theme,
        form=ThemeForm,
        title=gettext_lazy("Themes"),
        singular=gettext_lazy("theme"),
        columns=(
            Column(gettext_lazy("Name"), "name"),
            Column(gettext_lazy("Task force"), "task_force"),
        ),
        related=("task_force",),
    ),
    "people": DirectoryKind(
        slug="people",
        model=Person,
        form=PersonForm,
        title=gettext_lazy("People"),
        singular=gettext_lazy("person"),
        columns=(
            Column(pgettext_lazy("person", "Name"), "name"),
            Column(gettext_lazy("Username"), "user.username"),
            Column(gettext_lazy("Unit"), "unit"),
            Column(gettext_lazy("Position"), "position"),
            Column(gettext_lazy("Phone"), "phone"),
            Column(gettext_lazy("Young cadre"), "is_young_cadre", "bool"),
            Column(gettext_lazy("Office"), "is_office", "bool"),
            Column(gettext_lazy("Leader"), "is_leader", "bool"),
        ),
        search=("name__icontains", "user__username__icontains", "position__icontains"),
        related=("user", "unit"),
    ),
}


def _kind(slug: str) -> DirectoryKind:
    return KINDS[slug]


def _is_active_q(kind: DirectoryKind) -> str:
    return "user__is_active" if kind.model is Person else "is_active"


def _resolve(obj: Any, attr: str) -> Any:
    value = obj
    for part in attr.split("."):
        value = getattr(value, part)
        if callable(value) and not hasattr(value, "all"):
            value = value()
    return value


def overview(request: HttpRequest) -> HttpResponse:
    require_capability(request, "organization.view")
    org = current_organization(request)
    counts = [
        (k, k.model.objects.visible_to(request.user).count())  # type: ignore[attr-defined]
        for k in KINDS.values()
    ]
    return render(
        request,
        "organization/overview.html",
        {
            "org": org,
            "counts": counts,
            "can_manage": has_capability(request.user, "organization.manage"),
        },
    )


def directory_list(request: HttpRequest, slug: str) -> HttpResponse:
    require_capability(request, "organization.view")
    kind = _kind(slug)
    qs: QuerySet[Any] = kind.model.objects.visible_to(request.user)  # type: ignore[attr-defined]
    if kind.related:
        qs = qs.select_related(*kind.related)
    if kind.prefetch:
        qs = qs.prefetch_related(*kind.prefetch)
    if kind.annotate:
        qs = qs.annotate(**kind.annotate)
    q = search_term(request.GET.get("q"))
    if q:
        cond = Q()
        for lookup in kind.search:
            cond |= Q(**{lookup: q})
        qs = qs.filter(cond)
    status = request.GET.get("status", "active")
    if status not in {"active", "inactive", "all"}:
        status = "active"
    if status != "all":
        qs = qs.filter(**{_is_active_q(kind): status == "active"})
    page = Paginator(qs.order_by(*kind.model._meta.ordering or ["id"]), 50).get_page(
        request.GET.get("page")
    )
    can_manage = policy.can_manage_people(request.user)
    rows = []
    for obj in page.object_list:
        cells = []
        for col in kind.columns:
            value = _resolve(obj, col.attr)
            if col.kind == "list":
                value = "、".join(str(v) for v in value.all())
            cells.append((col, value))
        active = obj.user.is_active if kind.model is Person else obj.is_active
        row = {"obj": obj, "cells": cells, "active": active, "can_manage": can_manage}
        if kind.model is Person:
            # An administrator's account is managed by administrators only.
            row["can_manage"] = policy.can_manage_person(request.user, obj)
            row["can_reset"] = policy.can_reset_password(request.user, obj)
        rows.append(row)
    return render(
        request,
        "organization/directory_list.html",
        {
            "kind": kind,
            "kinds": KINDS.values(),
            "rows": rows,
            "page": page,
            "q": q,
            "status": status,
            "can_manage": can_manage,
        },
    )


class DirectoryEditView(View):
    """Create (pk None) or edit one directory object."""

    def _setup(self, request: HttpRequest, slug: str, pk: int | None) -> tuple[Any, Any]:
        require_capability(request, "organization.manage")
        kind = _kind(slug)
        org = current_organization(request)
        instance = (
            get_object_or_404(kind.model.objects.editable_by(request.user), pk=pk)  # type: ignore[attr-defined]
            if pk is not None
            else kind.model()
        )
        if kind.model is Person and pk is not None:
            policy.require(request.user, "manage_person", instance)
        return kind, org, instance  # type: ignore[return-value]

    def _form(
        self,
        request: HttpRequest,
        kind: DirectoryKind,
        org: Organization,
        instance: Any,
        data: Any = None,
    ) -> Any:
        kwargs: dict[str, Any] = {"instance": instance, "organization": org}
        if kind.model is Person:
            kwargs["can_grant_admin"] = policy.can_manage_admins(request.user)
        return kind.form(data, **kwargs)

    def get(self, request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
        kind, org, instance = self._setup(request, slug, pk)  # type: ignore[misc]
        return self._render(request, kind, self._form(request, kind, org, instance), instance)

    def post(self, request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
        kind, org, instance = self._setup(request, slug, pk)  # type: ignore[misc]
        form = self._form(request, kind, org, instance, request.POST)
        if form.is_valid():
            try:
                obj = self._save(request, kind, form)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if isinstance(obj, PendingChange):
                    messages.info(request, _PENDING_MESSAGE)
                else:
                    messages.success(request, _("Saved: %(name)s") % {"name": obj})
                return HttpResponseRedirect(reverse(f"organization:{kind.url_name}_list"))
        return self._render(request, kind, form, instance, status=400)

    def _save(self, request: HttpRequest, kind: DirectoryKind, form: Any) -> Model:
        if kind.model is Person:
            person = form.save(commit=False)
            return services.person_save(
                actor=request.user,
                person=person,
                username=form.cleaned_data["username"],
                email=form.cleaned_data.get("email") or "",
                password=form.cleaned_data.get("password") or None,
            )
        instance = form.save(commit=False)
        m2m = {
            name: list(form.cleaned_data[name])
            for name in ("members",)
            if name in form.cleaned_data
        }
        units = form.cleaned_data.get("units") if kind.model is LiaisonGroup else None
        return services.directory_save(actor=request.user, instance=instance, m2m=m2m, units=units)

    def _render(
        self, request: HttpRequest, kind: DirectoryKind, form: Any, instance: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "organization/directory_form.html",
            {"kind": kind, "form": form, "object": instance},
            status=status,
        )


@require_POST
def directory_set_active(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    require_capability(request, "organization.manage")
    kind = _kind(slug)
    obj = get_object_or_404(kind.model.objects.editable_by(request.user), pk=pk)  # type: ignore[attr-defined]
    active = request.POST.get("active") == "1"
    if kind.model is Person:
        policy.require(request.user, "manage_person", obj)
    if kind.model is Person and obj.user_id == request.user.pk and not active:
        messages.error(request, _("You cannot deactivate your own account."))
        return HttpResponseRedirect(reverse(f"organization:{kind.url_name}_list"))
    try:
        result = services.directory_set_active(actor=request.user, instance=obj, active=active)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if isinstance(result, PendingChange):
            messages.info(request, _PENDING_MESSAGE)
        elif active:
            messages.success(request, _("Reactivated: %(name)s") % {"name": obj})
        else:
            messages.success(request, _("Deactivated: %(name)s") % {"name": obj})
    return HttpResponseRedirect(reverse(f"organization:{kind.url_name}_list"))


def person_password(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request, "people.reset_password")
    person = get_object_or_404(
        Person.objects.editable_by(request.user).select_related("user"), pk=pk
    )
    policy.require(request.user, "reset_password", person)
    form = PasswordResetForm(request.POST or None, user=person.user)
    if request.method == "POST" and form.is_valid():
        services.person_set_password(
            actor=request.user, person=person, password=form.cleaned_data["password1"]
        )
        messages.success(request, _("The password of %(name)s has been reset.") % {"name": person})
        return HttpResponseRedirect(reverse("organization:people_list"))
    return render(
        request,
        "organization/password_reset.html",
        {"form": form, "person": person},
        status=400 if request.method == "POST" else 200,
    )


def organization_settings(request: HttpRequest) -> HttpResponse:
    require_capability(request, "organization.manage")
    org = get_object_or_404(Organization.objects.editable_by(request.user))
    form = OrganizationForm(request.POST or None, instance=org)
    if request.method == "POST":
        if form.is_valid():
            services.organization_update(actor=request.user, organization=form.save(commit=False))
            messages.success(request, _("Organization settings saved."))
            return HttpResponseRedirect(reverse("organization:overview"))
        return render(request, "organization/settings.html", {"form": form, "org": org}, status=400)
    return render(request, "organization/settings.html", {"form": form, "org": org})


# --- the security administrator's desk (三员分立) ----------------------------------------------


@require_GET
def security_desk(request: HttpRequest) -> HttpResponse:
    """Account changes to approve or reject, and accounts locked after failed sign-ins. The
    system administrator reads the list of their own requests here too."""
    if not (
        policy.may_administer_security(request.user) or policy.may_administer_accounts(request.user)
    ):
        raise PermissionDenied
    changes = PendingChange.objects.visible_to(request.user).select_related(
        "requested_by", "decided_by", "person"
    )
    pending = list(changes.filter(status=PendingStatus.PENDING).order_by("requested_at", "id"))
    decided = list(changes.exclude(status=PendingStatus.PENDING)[:50])
    for change in pending + decided:
        change.rows = _change_rows(request, change)  # type: ignore[attr-defined]
    can_decide = policy.may_administer_security(request.user)
    return render(
        request,
        "organization/security_desk.html",
        {
            "pending": pending,
            "decided": decided,
            "can_decide": can_decide,
            "locked": _locked_people(request) if can_decide else [],
        },
    )


def _change_rows(request: HttpRequest, change: PendingChange) -> list[tuple[Any, Any, Any]]:
    """(field label, before, after) of a change, in words: units by name, flags as yes/no."""
    units = {
        u.pk: u.name
        for u in Unit.objects.visible_to(request.user).filter(
            pk__in=[v for k, v in {**change.before, **change.payload}.items() if k == "unit_id"]
        )
    }
    rows = []
    for name, value in change.shown_payload().items():
        field_name = name.removesuffix("_id")
        if name in ("username", "email"):
            label: Any = _("Username") if name == "username" else _("Email")
        elif name == "is_active":
            label = _("active")
        else:
            label = Person._meta.get_field(field_name).verbose_name

        def shown(v: Any, name: str = name) -> Any:
            if isinstance(v, bool):
                return _("Yes") if v else _("No")
            if name == "unit_id":
                return units.get(v, "—")
            return "—" if v in (None, "") else v

        before = shown(change.before[name]) if name in change.before else ""
        rows.append((label, before, shown(value)))
    return rows


def _locked_people(request: HttpRequest) -> list[Person]:
    """People of the organization whose sign-in is locked by repeated failures (django-axes)."""
    from axes.helpers import get_failure_limit
    from axes.models import AccessAttempt

    # The limit is per account (its organization's security policy): axes answers it.
    failures: dict[str, int] = {}
    for username, count in AccessAttempt.objects.filter(failures_since_start__gt=0).values_list(
        "username", "failures_since_start"
    ):
        failures[username] = max(failures.get(username, 0), count)
    locked = [u for u, n in failures.items() if n >= get_failure_limit(request, {"username": u})]
    return list(
        Person.objects.visible_to(request.user)
        .filter(user__username__in=locked)
        .select_related("user", "unit")
    )


@require_POST
def pending_change_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    policy.require(request.user, "administer_security")
    change = get_object_or_404(PendingChange.objects.editable_by(request.user), pk=pk)
    try:
        if decision == "approve":
            services.pending_change_approve(actor=request.user, change=change)
            messages.success(request, _("Approved: %(change)s") % {"change": change})
        else:
            services.pending_change_reject(
                actor=request.user, change=change, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Rejected: %(change)s") % {"change": change})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return HttpResponseRedirect(reverse("organization:security_desk"))


@require_POST
def person_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, "administer_security")
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("user"), pk=pk
    )
    services.unlock_account(actor=request.user, person=person)
    messages.success(request, _("Unlocked: %(name)s") % {"name": person})
    return HttpResponseRedirect(reverse("organization:security_desk"))
