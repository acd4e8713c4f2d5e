"""Ledger screens: the master table, inspections, findings and measures. Thin: forms validate,
services write, selectors read, and every object comes through the scoped querysets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.http import safe_next
from core.models import AuditEvent
from core.text import search_term
from core.workdays import CalendarMode, due_date_warning, non_working_reason
from ledger import extensions, selectors, services
from ledger.choices import DONE_STATES, MeasureState
from ledger.filters import SORTS, CountedApart, MeasureFilter, SearchedApart
from ledger.forms import (
    AssignManyForm,
    BulkForm,
    CampaignForm,
    FindingForm,
    InspectionForm,
    MeasureForm,
    TransitionForm,
)
from ledger.models import Finding, Inspection, Measure, Tag
from ledger.rows import render_rows
from ledger.timeline import describe_events
from ledger.workflow import TRANSITIONS, available_transitions
from organization import policy
from organization.managers import get_editable_or_404, get_visible_or_404
from organization.models import Organization
from organization.scope import actor_for, has_capability
from organization.views import current_organization, require_capability

PAGE_SIZES = (20, 50, 100, 200)
FINDINGS_PER_PAGE = 100  # the inspection page's list of findings


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("per_page", 50))
    except ValueError:
        return 50
    return size if size in PAGE_SIZES else 50


LEDGER_INSPECTION = "ledger.inspection"


def _ledger_query(request: HttpRequest) -> QueryDict:
    """The filters asked for, on the inspection the person chose last (kept in the session),
    else the current one: rounds must not mix unless the person asks for all of them."""
    query = request.GET.copy()
    if "inspection" in query:
        request.session[LEDGER_INSPECTION] = query.get("inspection", "")
        return query
    visible = selectors.inspection_ids_current_first(request.user)
    remembered = request.session.get(LEDGER_INSPECTION)
    if remembered == "" or (remembered and remembered.isdigit() and int(remembered) in visible):
        query["inspection"] = remembered
    elif visible:
        query["inspection"] = str(visible[0])
    return query


def ledger(request: HttpRequest) -> HttpResponse:
    require_capability(request, "ledger.view")
    org = Organization.objects.visible_to(request.user).first()
    base = selectors.ledger_measures(request.user, as_lists=True).order_by(*SORTS["number"])
    # The page's links (other pages, page sizes, the Excel export) are built from its query:
    # they must carry the inspection shown even when the person did not choose it.
    request.GET = _ledger_query(request)
    filterset = MeasureFilter(request.GET, queryset=base, user=request.user)
    filter_errors: list[str] = []
    if filterset.is_bound and not filterset.is_valid():
        for field, errors in filterset.form.errors.items():
            label = filterset.form.fields[field].label if field in filterset.form.fields else ""
            for error in errors:
                filter_errors.append(f"{label}: {error}" if label else str(error))
        qs = rows = base.none()
    else:
        qs, rows = filterset.qs, filterset.rows_qs()
    searched = (
        filterset.is_bound and not filter_errors and bool(filterset.form.cleaned_data.get("q"))
    )
    paginator = (
        SearchedApart(rows, _page_size(request), counted=qs, listed=base)
        if searched
        else CountedApart(rows, _page_size(request), counted=qs)
    )
    page = paginator.get_page(request.GET.get("page"))
    filter_choices = filterset.frozen_choices()
    chosen = None if filter_errors else filterset.form.cleaned_data.get("inspection")
    row_data = selectors.ledger_rows(list(page.object_list), org)
    can_bulk = has_capability(request.user, "ledger.bulk")
    # Rounds meet on one page only when no inspection is chosen and there are several.
    show_inspection = chosen is None and sum(1 for pk, _l in filter_choices["inspection"] if pk) > 1
    context = {
        "filter": filterset,
        "filter_choices": filter_choices,
        "filter_errors": filter_errors,
        "page": page,
        "rows": row_data,
        "rows_html": render_rows(row_data, can_bulk=can_bulk, show_inspection=show_inspection),
        "show_inspection": show_inspection,
        "per_page": _page_size(request),
        "page_sizes": PAGE_SIZES,
        "can_bulk": can_bulk,
        "bulk_form": BulkForm(organization=org) if org else None,
        # The units a selection can be handed to, as (pk, name) pairs joined in Python.
        "hx_target": "#ledger-table",
        "ledger_links": extensions.registry.links("ledger", request),
        "more_filters": any(
            request.GET.get(k)
            for k in (
                "theme",
                "task_force",
                "liaison_group",
                "deadline_kind",
                "flagged",
                "tag",
                "person",
                "due_within",
                "sort",
            )
        ),
    }
    template = (
        "ledger/_table.html" if request.htmx and not request.htmx.boosted else "ledger/ledger.html"
    )
    status = 400 if filter_errors else 200
    return render(request, template, context, status=status)


@require_GET
def filter_options(request: HttpRequest, kind: str) -> JsonResponse:
    """A searchable select's choices for what was typed (people and units are not listed in
    the page). `active=1`: only those that can still be chosen for new work."""
    require_capability(request, "ledger.view")
    if kind not in selectors.SEARCHED_CHOICES:
        raise Http404
    query = search_term(request.GET.get("q"), limit=50)
    active_only = request.GET.get("active") == "1"
    results = selectors.filter_options(request.user, kind, query, active_only=active_only)
    return JsonResponse({"results": results})


@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    require_capability(request, "ledger.bulk")
    org = current_organization(request)
    form = BulkForm(request.POST, organization=org)
    back = safe_next(request, reverse("ledger:ledger"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(back)
    action = form.cleaned_data["action"]
    selection = Measure.objects.editable_by(request.user).filter(pk__in=form.cleaned_data["ids"])
    value: Any = None
    try:
        # One transaction: a refused change leaves no new tag behind.
        with transaction.atomic():
            if action == "reassign_unit":
                value = form.cleaned_data["unit"]
            elif action == "set_deadline":
                value = form.cleaned_data["due_date"]
            elif action == "add_tag":
                value = services.tag_get_or_create(
                    by=request.user, organization=org, name=form.cleaned_data["tag"]
                )
            count = services.measures_bulk_update(
                by=request.user, measures=selection, action=action, value=value
            )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)d measures changed.") % {"n": count})
    return HttpResponseRedirect(back)


# --- inspections ---------------------------------------------------------------------------


def inspection_list(request: HttpRequest) -> HttpResponse:
    require_capability(request, "ledger.view")
    inspections = Inspection.objects.visible_to(request.user).order_by("-feedback_date", "-id")
    stats = {}
    measures = Measure.objects.visible_to(request.user)
    for row in measures.order_by().values("inspection_id", "state").annotate(n=Count("id")):
        entry = stats.setdefault(row["inspection_id"], {"total": 0, "done": 0})
        entry["total"] += row["n"]
        if row["state"] in DONE_STATES:
            entry["done"] += row["n"]
    items = [(i, stats.get(i.pk, {"total": 0, "done": 0})) for i in inspections]
    return render(
        request,
        "ledger/inspection_list.html",
        {"items": items, "can_manage": has_capability(request.user, "ledger.manage")},
    )


def inspection_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_capability(request, "ledger.manage")
    org = current_organization(request)
    instance = get_editable_or_404(Inspection, request.user, pk=pk) if pk else Inspection()
    form = InspectionForm(request.POST or None, instance=instance, organization=org)
    if request.method == "POST":
        if form.is_valid():
            try:
                obj = services.inspection_save(by=request.user, inspection=form.save(commit=False))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved: %(name)s") % {"name": obj})
                return HttpResponseRedirect(reverse("ledger:inspection_detail", args=[obj.pk]))
        return render(
            request, "ledger/inspection_form.html", {"form": form, "object": instance}, status=400
        )
    return render(request, "ledger/inspection_form.html", {"form": form, "object": instance})


def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_visible_or_404(Inspection, request.user, pk=pk)
    # A round may hold thousands of findings: they are paged like the ledger, and the
    # roll-ups are counted for the page's findings only.
    page = Paginator(
        selectors.visible_findings(request.user)
        .filter(inspection=inspection)
        .order_by("sort_key", "id")
        .values_list("pk", flat=True),
        FINDINGS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    findings = selectors.with_rollup(
        Finding.objects.unscoped("the page's ids were read from visible_findings")
        .filter(pk__in=ids)
        .select_related("theme")
    ).in_bulk()
    # Each finding's state is its own; the counts are of the measures this person may see.
    seen = selectors.visible_rollups(request.user, inspection, finding_ids=ids)
    empty = selectors.rollup_of_states([])
    rows = [
        (findings[pk], selectors.rollup_of(findings[pk]), seen.get(pk, empty))
        for pk in ids
        if pk in findings
    ]
    counts = selectors.state_counts(
        Measure.objects.visible_to(request.user).filter(inspection=inspection)
    )
    return render(
        request,
        "ledger/inspection_detail.html",
        {
            "inspection": inspection,
            "rows": rows,
            "page": page,
            "state_rows": [(s, label, counts[s]) for s, label in MeasureState.choices],
            "timeline": describe_events(
                selectors.inspection_timeline(inspection, user=request.user)
            ),
            "can_manage": Inspection.objects.editable_by(request.user).filter(pk=pk).exists(),
        },
    )


# --- findings ---------------------------------------------------------------------------


def finding_edit(
    request: HttpRequest, inspection_pk: int | None = None, pk: int | None = None
) -> HttpResponse:
    require_capability(request, "ledger.manage_own_themes")
    org = current_organization(request)
    if pk is not None:
        instance = get_object_or_404(
            Finding.objects.visible_to(request.user).select_related("inspection"), pk=pk
        )
        if not Finding.objects.editable_by(request.user).filter(pk=pk).exists():
            raise PermissionDenied
        inspection = instance.inspection
    else:
        inspection = get_object_or_404(
            Inspection.objects.visible_to(request.user), pk=inspection_pk
        )
        instance = Finding(inspection=inspection)
    form = FindingForm(request.POST or None, instance=instance, organization=org)
    actor = actor_for(request.user)
    if not policy.in_office(actor):
        # A task force files findings only under its own themes.
        form.fields["theme"].queryset = form.fields["theme"].queryset.filter(  # type: ignore[attr-defined]
            task_force_id__in=actor.task_force_ids
        )
    if request.method == "POST":
        if form.is_valid():
            finding = form.save(commit=False)
            try:
                finding = services.finding_save(
                    by=request.user,
                    finding=finding,
                    responsible_leaders=list(form.cleaned_data["responsible_leaders"]),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Finding saved."))
                return HttpResponseRedirect(reverse("ledger:finding_detail", args=[finding.pk]))
        return render(
            request,
            "ledger/finding_form.html",
            {"form": form, "object": instance, "inspection": inspection},
            status=400,
        )
    return render(
        request,
        "ledger/finding_form.html",
        {"form": form, "object": instance, "inspection": inspection},
    )


def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(selectors.visible_findings(request.user), pk=pk)
    measures = list(
        selectors.ledger_measures(request.user).filter(finding=finding).order_by("sort_key", "id")
    )
    org = finding.inspection.organization
    policy = selectors.policy_for(org)
    today = timezone.localdate()
    rows = [
        {
            "m": m,
            "light": selectors.measure_light(m, today=today, policy=policy),
            "coop": [link.unit for link in m.coop_links],
        }  # type: ignore[attr-defined]
        for m in measures
    ]
    return render(
        request,
        "ledger/finding_detail.html",
        {
            "finding": finding,
            "rows": rows,
            # The state is the finding's own; the counts are of the measures shown here.
            "finding_state": selectors.rollup_of(finding),
            "rollup": selectors.rollup_of_measures(measures),
            "groups": finding.groups.all(),
            "timeline": describe_events(selectors.finding_timeline(finding, user=request.user)),
            "can_edit": Finding.objects.editable_by(request.user).filter(pk=pk).exists(),
            "finding_links": extensions.registry.links("finding", request, finding),
            "panels": extensions.registry.panels("finding", request, finding),
        },
    )


# --- measures ---------------------------------------------------------------------------


def _flag_non_working_due_date(request: HttpRequest, measure: Measure) -> None:
    """A due date on a weekend or public holiday is allowed but flagged when it is set."""
    if measure.due_date is None:
        return
    # The one calendar rule (core.workdays), then whatever other layers check (ledger.extensions).
    org = measure.finding.inspection.organization
    mode = CalendarMode.of(org.calendar_mode)
    found = [due_date_warning(measure.due_date, mode=mode)]
    for message in found + extensions.registry.due_date_warnings(org, measure.due_date):
        if message:
            messages.warning(request, message)


def _measure_form_tags(request: HttpRequest, form: MeasureForm, org: Organization) -> list[Tag]:
    tags = list(form.cleaned_data.get("tags") or [])
    for name in (form.cleaned_data.get("new_tags") or "").replace("，", ",").split(","):
        if name.strip():
            tags.append(services.tag_get_or_create(by=request.user, organization=org, name=name))
    return tags


def measure_create(request: HttpRequest, finding_pk: int) -> HttpResponse:
    require_capability(request, "ledger.manage_own_themes")
    finding = get_object_or_404(
        Finding.objects.editable_by(request.user).select_related("inspection__organization"),
        pk=finding_pk,
    )
    form = MeasureForm(request.POST or None, finding=finding)
    if request.method == "POST":
        if form.is_valid():
            try:
                # New tags are created in the same transaction as the measure: a refused
                # measure leaves none behind.
                with transaction.atomic():
                    measure = services.measure_create(
                        by=request.user,
                        finding=finding,
                        data=form.to_data(
                            tags=_measure_form_tags(request, form, finding.inspection.organization)
                        ),
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Measure created."))
                _flag_non_working_due_date(request, measure)
                return HttpResponseRedirect(reverse("ledger:measure_detail", args=[measure.pk]))
        return render(
            request, "ledger/measure_form.html", {"form": form, "finding": finding}, status=400
        )
    return render(request, "ledger/measure_form.html", {"form": form, "finding": finding})


def measure_assign_many(request: HttpRequest, finding_pk: int) -> HttpResponse:
    require_capability(request, "ledger.manage_own_themes")
    finding = get_object_or_404(
        Finding.objects.editable_by(request.user).select_related("inspection__organization"),
        pk=finding_pk,
    )
    form = AssignManyForm(
        request.POST or None,
        finding=finding,
        own_grids=sorted(actor_for(request.user).liaison_group_ids),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    group = services.measure_assign_to_units(
                        by=request.user,
                        finding=finding,
                        data=form.to_data(
                            tags=_measure_form_tags(request, form, finding.inspection.organization)
                        ),
                        units=list(form.cleaned_data["units"]),
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(n)d measures created, one per unit.")
                    % {"n": group.measures.unscoped("the measures just created").count()},
                )
                return HttpResponseRedirect(reverse("ledger:finding_detail", args=[finding.pk]))
        return render(
            request,
            "ledger/measure_form.html",
            {"form": form, "finding": finding, "many": True},
            status=400,
        )
    return render(
        request, "ledger/measure_form.html", {"form": form, "finding": finding, "many": True}
    )


def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The organization comes with the measure: its light policy, reminders and calendar are read
    # from it by the page and its panels.
    measure = get_object_or_404(
        selectors.ledger_measures(request.user).select_related("finding__inspection__organization"),
        pk=pk,
    )
    actor = actor_for(request.user)
    org = measure.finding.inspection.organization
    shown = selectors.history_limit(request.GET)
    # One event more than shown is read: whether there is more to show.
    events = selectors.measure_timeline(
        measure, user=request.user, limit=300 if shown is None else shown + 1
    )
    return render(
        request,
        "ledger/measure_detail.html",
        {
            "m": measure,
            "light": selectors.measure_light(measure, policy=selectors.policy_for(org)),
            "coop": [link.unit for link in measure.coop_links],  # type: ignore[attr-defined]
            "transitions": [
                t
                for t in available_transitions(actor, measure)
                if t.name not in extensions.registry.handled_transitions()
            ],
            "timeline": describe_events(events[:shown]),
            "timeline_more": shown is not None and len(events) > shown,
            # The other units' copies of a task assigned to many: only those this person sees.
            "siblings": Measure.objects.visible_to(request.user)
            .filter(group_id=measure.group_id)
            .select_related("lead_unit")
            .order_by("sort_key")
            if measure.group_id
            else [],
            "panels": extensions.registry.panels("measure", request, measure),
            "measure_links": extensions.registry.links("measure", request, measure),
            "due_date_note": non_working_reason(measure.due_date) if measure.due_date else None,
        },
    )


def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_object_or_404(
        Measure.objects.visible_to(request.user).select_related(
            "finding__inspection__organization", "finding__theme", "lead_unit"
        ),
        pk=pk,
    )
    editable = policy.can_edit_measure_fields(request.user, measure)
    if not editable:
        raise PermissionDenied
    form = MeasureForm(
        request.POST or None,
        finding=measure.finding,
        initial=MeasureForm.initial_for(measure),
        editable=editable,
        base=services.measure_data_of(measure),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                version = form.cleaned_data.get("version")
                if version is None:
                    raise ValidationError(_("The form is missing its version; reload the page."))
                # New tags and the measure are saved together: a refused save (a lost version
                # race) leaves no new tag and no audit event behind.
                with transaction.atomic():
                    org = measure.finding.inspection.organization
                    data = form.to_data(tags=_measure_form_tags(request, form, org))
                    measure = services.measure_update(
                        by=request.user, measure=measure, data=data, expected_version=version
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Measure saved."))
                _flag_non_working_due_date(request, measure)
                return HttpResponseRedirect(reverse("ledger:measure_detail", args=[measure.pk]))
        return render(
            request,
            "ledger/measure_form.html",
            {"form": form, "finding": measure.finding, "object": measure},
            status=400,
        )
    return render(
        request,
        "ledger/measure_form.html",
        {"form": form, "finding": measure.finding, "object": measure},
    )


@require_POST
def measure_transition(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_visible_or_404(Measure, request.user, pk=pk)
    form = TransitionForm(request.POST)
    back = reverse("ledger:measure_detail", args=[pk])
    if not form.is_valid() or form.cleaned_data["action"] not in TRANSITIONS:
        messages.error(request, _("The action is invalid."))
        return HttpResponseRedirect(back)
    name = form.cleaned_data["action"]
    try:
        services.measure_transition(
            by=request.user,
            measure=measure,
            name=name,
            reason=form.cleaned_data.get("reason") or "",
            new_due_date=form.cleaned_data.get("new_due_date"),
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done: %(action)s") % {"action": TRANSITIONS[name].label})
    return HttpResponseRedirect(back)


# --- audit log ------------------------------------------------------------------------------


def audit_log(request: HttpRequest) -> HttpResponse:
    require_capability(request, "audit.view")
    events = AuditEvent.objects.visible_to(request.user).select_related("actor__person")
    events = events.order_by("-seq")
    q = search_term(request.GET.get("q"))
    if q:
        events = events.filter(
            Q(object_repr__icontains=q) | Q(actor_name__icontains=q) | Q(action__icontains=q)
        )
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/audit_log.html",
        {"page": page, "events": describe_events(list(page.object_list)), "q": q},
    )


# --- campaigns (专题活动) ------------------------------------------------------------------


def campaign_list(request: HttpRequest) -> HttpResponse:
    require_capability(request, "ledger.view")
    campaigns = list(Tag.objects.visible_to(request.user).order_by("-start_date", "name"))
    counts = selectors.campaign_counts(Measure.objects.visible_to(request.user))
    empty = selectors.CampaignCounts()
    return render(
        request,
        "ledger/campaign_list.html",
        {
            "rows": [(c, counts.get(c.pk, empty)) for c in campaigns],
            "can_manage": policy.may(request.user, "manage_campaigns"),
        },
    )


def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request, "ledger.view")
    campaign = get_visible_or_404(Tag, request.user, pk=pk)
    measures = (
        Measure.objects.visible_to(request.user)
        .filter(tags=campaign)
        .select_related("finding__inspection", "lead_unit")
        .order_by(*SORTS["number"])
    )
    counts = selectors.campaign_counts(measures).get(campaign.pk, selectors.CampaignCounts())
    today = timezone.localdate()
    shown = list(measures[:200])
    return render(
        request,
        "ledger/campaign_detail.html",
        {
            "campaign": campaign,
            "counts": counts,
            "rows": [(m, selectors.is_overdue(m, today)) for m in shown],
            "more": counts.total - len(shown),
            "ledger_url": reverse("ledger:ledger") + f"?tag={campaign.pk}",
            "can_manage": policy.may(request.user, "manage_campaigns", campaign),
            # Meetings and rules carrying the campaign, from the layers that own them.
            "panels": extensions.registry.panels("campaign", request, campaign),
        },
    )


def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    org = current_organization(request)
    instance = get_visible_or_404(Tag, request.user, pk=pk) if pk else Tag(organization=org)
    if not policy.may(request.user, "manage_campaigns", instance):
        raise PermissionDenied(_("Only the office manages campaigns."))
    form = CampaignForm(request.POST or None, instance=instance, organization=org)
    if request.method == "POST":
        if form.is_valid():
            try:
                obj = services.campaign_save(by=request.user, tag=form.save(commit=False))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved: %(name)s") % {"name": obj})
                return HttpResponseRedirect(reverse("ledger:campaign_detail", args=[obj.pk]))
        return render(
            request, "ledger/campaign_form.html", {"form": form, "object": instance}, status=400
        )
    return render(request, "ledger/campaign_form.html", {"form": form, "object": instance})
