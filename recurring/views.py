"""Recurring work screens. Thin: forms validate, services write, selectors read, every object
comes through the scoped querysets."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organization import policy
from organization.managers import get_visible_or_404
from organization.views import current_organization
from recurring import selectors, services
from recurring.forms import ApplyForm, TemplateForm
from recurring.models import RecurringTemplate, TemplateRun
from recurring.services import template_units


def _require_view(request: HttpRequest) -> None:
    if not policy.may(request.user, "view_recurring"):
        raise PermissionDenied(_("Recurring work is the office's."))


def _require_manage(request: HttpRequest, template: RecurringTemplate | None = None) -> None:
    if not policy.may(request.user, "manage_recurring", template):
        raise PermissionDenied(_("Only the office manages recurring work."))


def template_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    templates = selectors.visible_templates(request.user).prefetch_related(
        Prefetch("runs", queryset=selectors.visible_runs(request.user).order_by("year"))
    )
    return render(
        request,
        "recurring/template_list.html",
        {
            "templates": templates,
            "can_manage": policy.may(request.user, "manage_recurring"),
        },
    )


def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_visible_or_404(RecurringTemplate, request.user, pk=pk)
    can_manage = policy.may(request.user, "manage_recurring", template)
    runs = selectors.visible_runs(request.user).filter(template=template).order_by("-year")
    return render(
        request,
        "recurring/template_detail.html",
        {
            "template": template,
            "runs": [(r, selectors.run_rollup(r, user=request.user)) for r in runs],
            "units": template_units(template),
            "form": ApplyForm(template=template, today=timezone.localdate())
            if can_manage
            else None,
            "can_manage": can_manage,
        },
    )


def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    org = current_organization(request)
    instance = (
        get_visible_or_404(RecurringTemplate, request.user, pk=pk)
        if pk
        else RecurringTemplate(organization=org)
    )
    _require_manage(request, instance)
    form = TemplateForm(request.POST or None, instance=instance, organization=org)
    if request.method == "POST":
        if form.is_valid():
            try:
                obj = services.template_save(
                    by=request.user,
                    template=form.save(commit=False),
                    campaigns=list(form.cleaned_data["campaigns"]),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved: %(name)s") % {"name": obj})
                return HttpResponseRedirect(reverse("recurring:template_detail", args=[obj.pk]))
        return render(
            request, "recurring/template_form.html", {"form": form, "object": instance}, status=400
        )
    return render(request, "recurring/template_form.html", {"form": form, "object": instance})


@require_POST
def template_apply(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_visible_or_404(RecurringTemplate, request.user, pk=pk)
    _require_manage(request, template)
    form = ApplyForm(request.POST, template=template, today=timezone.localdate())
    back = HttpResponseRedirect(reverse("recurring:template_detail", args=[template.pk]))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    try:
        run = services.template_apply(
            by=request.user,
            template=template,
            year=form.cleaned_data["year"],
            due_date=form.cleaned_data["due_date"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return back
    messages.success(
        request,
        _("Applied for %(year)s: %(count)s measures, one per unit.")
        % {"year": run.year, "count": len(selectors.run_rollup(run, user=request.user).rows)},
    )
    return HttpResponseRedirect(reverse("recurring:run_detail", args=[run.pk]))


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_visible_or_404(TemplateRun, request.user, pk=pk)
    next_run = selectors.visible_runs(request.user).filter(previous=run).first()
    return render(
        request,
        "recurring/run_detail.html",
        {
            "run": run,
            "template": run.template,
            "rollup": selectors.run_rollup(run, user=request.user),
            "previous": run.previous,
            "next_run": next_run,
        },
    )
