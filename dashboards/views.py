"""Home page and the leaders' dashboards. Every figure comes from scoped querysets."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dashboards.selectors import (
    dashboard_figures,
    home_sections,
    people_record,
    scope_counts,
    scope_summary,
)
from ledger.models import Inspection
from organization import policy
from organization.scope import actor_for, has_capability
from organization.views import require_capability


def home(request: HttpRequest) -> HttpResponse:
    """The home page says what this person has to do, by role."""
    actor = actor_for(request.user)
    # The three administrators (三员) reach no business records: their home is their desks.
    business = bool(actor.organization_id) and has_capability(actor, "ledger.view")
    counts = scope_counts(request.user) if business else None
    context = {
        "actor": actor,
        "business": business,
        "desks": [] if business else _desks(actor),
        "sections": home_sections(request.user, counts=counts) if business else [],
        "summary": scope_summary(request.user, counts=counts) if business else None,
    }
    return render(request, "dashboards/home.html", context)


def _desks(actor: object) -> list[tuple[str, str, str]]:
    """(url name, label, icon) of the administrator's pages this person may open."""
    from django.utils.translation import gettext as _

    desks = []
    if has_capability(actor, "organization.manage"):
        desks.append(("organization:people_list", _("People and accounts"), "bi-people"))
    if has_capability(actor, "organization.view"):
        desks.append(("organization:overview", _("Organization"), "bi-diagram-3"))
    if policy.may_administer_security(actor) or policy.may_administer_accounts(actor):
        desks.append(("organization:security_desk", _("Account approvals"), "bi-person-check"))
    if policy.may_read_audit_trail(actor):
        desks.append(("compliance:trail", _("Audit trail"), "bi-shield-lock"))
        desks.append(("compliance:selfcheck", _("Self-check"), "bi-clipboard-check"))
    return desks


def _chosen_inspection(request: HttpRequest) -> tuple[list[Inspection], Inspection | None, bool]:
    inspections = list(
        Inspection.objects.visible_to(request.user).order_by("-feedback_date", "-id")
    )
    raw = request.GET.get("inspection")
    if not raw:
        return inspections, (inspections[0] if inspections else None), False
    chosen = next((i for i in inspections if str(i.pk) == raw), None)
    return inspections, chosen, chosen is None


def overview(request: HttpRequest) -> HttpResponse:
    require_capability(request, "dashboard.view")
    inspections, inspection, bad = _chosen_inspection(request)
    # One day for the figures and the headline's "as of", also across midnight.
    today = timezone.localdate()
    figures = (
        dashboard_figures(request.user, inspection=inspection, today=today) if inspection else None
    )
    data = figures.overview if figures else None
    chart = None
    if data is not None:
        chart = {
            "lights": data.light_counts,
            "units": [
                {
                    "name": r["name"],
                    "done": r["done"],
                    "open": r["total"] - r["done"],
                    "overdue": r["overdue"],
                }
                for r in data.by_unit
            ],
            "themes": [{"name": r["name"], "rate": float(r["rate"])} for r in data.by_theme],
        }
    return render(
        request,
        "dashboards/overview.html",
        {
            "inspections": inspections,
            "inspection": inspection,
            "data": data,
            "chart": chart,
            "campaigns": figures.campaigns if figures else [],
            "bad_inspection": bad,
            "today": today,
        },
        status=404 if bad else 200,
    )


def people(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view_track_records")
    young_only = request.GET.get("young") == "1"
    return render(
        request,
        "dashboards/people.html",
        {"rows": people_record(request.user, young_only=young_only), "young_only": young_only},
    )
