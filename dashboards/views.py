from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards.selectors import home_sections, scope_summary
from organization.scope import actor_for


def home(request: HttpRequest) -> HttpResponse:
    """The home page says what this person has to do, by role."""
    actor = actor_for(request.user)
    context = {
        "actor": actor,
        "sections": home_sections(request.user) if actor.organization_id else [],
        "summary": scope_summary(request.user) if actor.organization_id else None,
    }
    return render(request, "dashboards/home.html", context)
