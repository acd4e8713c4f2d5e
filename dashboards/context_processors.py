"""The shell around every page: navigation by role, the user's name and roles, unread count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from organization import policy
from organization.scope import CAPABILITIES, actor_for, has_capability

# (url name, label, icon, capability) in menu order; entries whose URL does not exist are skipped.
# A "capability" that is not in the role table is a rule of the one policy (organization.policy).
NAV = (
    ("home", _("Home"), "bi-house", None),
    ("ledger:ledger", _("Ledger"), "bi-table", "ledger.view"),
    ("reporting:queue", _("Reviews"), "bi-check2-square", "review.office"),
    ("reporting:liaison_queue", _("Reviews"), "bi-check2-square", "review.liaison"),
    ("dashboards:overview", _("Dashboard"), "bi-bar-chart", "dashboard.view"),
    ("ledger:inspection_list", _("Inspections"), "bi-journal-text", "ledger.view"),
    ("regulations:rule_list", _("Rules"), "bi-journal-bookmark", "regulations.view_register"),
    ("meetings:list", _("Meetings"), "bi-people", "ledger.view"),
    ("ledger:campaign_list", _("Campaigns"), "bi-flag", "ledger.view"),
    ("recurring:template_list", _("Recurring work"), "bi-arrow-repeat", "ledger.manage"),
    ("documents:index", _("Documents"), "bi-file-earmark-word", "documents.export"),
    ("organization:overview", _("Organization"), "bi-diagram-3", "organization.view"),
    ("ledger:audit_log", _("Audit log"), "bi-shield-check", "audit.view"),
    ("organization:security_desk", _("Account approvals"), "bi-person-check", "security.admin"),
    ("compliance:trail", _("Audit trail"), "bi-shield-lock", "audit.trail"),
    ("compliance:selfcheck", _("Self-check"), "bi-clipboard-check", "audit.trail"),
)

USER_MENU = (
    ("notifications:preferences", _("Notification preferences"), None),
    ("notifications:deliveries", _("Delivery log"), "notifications.admin"),
    ("security:two_factor", _("Second factor"), None),
    # "may:<action>": a policy rule rather than a role capability.
    ("security:policy", _("Security policy"), "may:set_security_policy"),
)


def _reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    actor = actor_for(user)
    path = request.path
    nav = []
    seen: set[str] = set()
    for name, label, icon, capability in NAV:
        if capability and not (
            has_capability(actor, capability)
            if capability in CAPABILITIES
            else policy.may(actor, capability)
        ):
            continue
        url = _reverse(name)
        if url is None or url in seen:
            continue
        seen.add(url)
        nav.append({"url": url, "label": label, "icon": icon, "active": False})
    # One item is highlighted: the one whose address is the longest prefix of this page's
    # (the ledger's /ledger/ is a prefix of the inspections' /ledger/inspections/).
    matches = [
        i for i in nav if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    labels = policy.role_labels(actor)
    inbox_url = _reverse("notifications:inbox")
    unread = 0
    if inbox_url:
        from django.apps import apps

        Notification = apps.get_model("notifications", "Notification")
        unread = Notification.objects.visible_to(actor).filter(read_at__isnull=True).count()
    user_menu = []
    for name, label, capability in USER_MENU:
        url = _reverse(name)
        if capability and capability.startswith("may:"):
            allowed = policy.may(actor, capability.removeprefix("may:"))
        else:
            allowed = capability is None or has_capability(actor, capability)
        if url and allowed:
            user_menu.append({"url": url, "label": label})
    return {
        "shell": {
            "nav": nav,
            "actor_name": actor.name or user.get_username(),
            "role_labels": labels,
            "inbox_url": inbox_url,
            "unread": unread,
            "user_menu": user_menu,
        }
    }
