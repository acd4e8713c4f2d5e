"""What the register adds to other layers: its rules on a campaign's page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from ledger.extensions import Extension, Panel
from organization import policy
from regulations import selectors

APP = "regulations"


def campaign_rules_panel(request: HttpRequest, campaign: Any) -> dict[str, Any]:
    """The rules carrying a campaign, for those who read the register."""
    may_view = policy.may(request.user, "regulations.view_register")
    return {
        "template": "regulations/_campaign_rules.html",
        "may_view": may_view,
        "rules": list(selectors.visible_rules(request.user).filter(tags=campaign).order_by("id"))
        if may_view
        else [],
        "list_url": reverse("regulations:rule_list") + f"?campaign={campaign.pk}",
    }


EXTENSIONS: list[Extension] = [
    Panel(app=APP, key="campaign", page="campaign", render=campaign_rules_panel, order=20),
]
