"""Values already in the database (written before input was cleaned, by an import or a script)
must not break anyone's page: store the worst of each class straight into every field a person
fills, and every date a person sets, then open every page, export, feed and document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps

from tests.hostile.corpus import client_for, matrix_pages

# One value holding every textual class at once: markup, control characters (no NUL, which
# PostgreSQL cannot store), a formula prefix, bidirectional and zero-width marks, emoji,
# template and format syntax, and line breaks.
WORST = (
    "<script>alert('x')</script>\x1b[31m\x07\x0b\x0c"
    '=HYPERLINK("http://x.invalid")\u202e反转\u200b👍🏽🇨🇳{{ 7*7 }}%s%(x)s\r\n第二行\x85'
)
LONG = "长" * 5000
RAW_MARKUP = "<script>alert("

TEXT_FIELDS = {
    "organization.Organization": ["name", "short_name", "leading_group_name", "office_name"],
    "organization.LiaisonGroup": ["name"],
    "organization.Unit": ["name"],
    "organization.TaskForce": ["name"],
    "organization.Theme": ["name"],
    "organization.Person": ["name", "position", "phone"],
    "ledger.Inspection": ["name", "inspecting_body", "feedback_text"],
    "ledger.Tag": ["name"],
    "ledger.Finding": ["number", "text", "source_excerpt"],
    "ledger.MeasureGroup": ["content"],
    "ledger.Measure": ["number", "content", "deadline_text"],
    "reporting.ProgressReport": ["work_done", "problems", "next_steps", "correction_reason"],
    "reporting.CloseRequest": ["summary"],
    "reporting.ReviewDecision": ["reason"],
    "reporting.LookBack": ["batch_label", "notes"],
    "reporting.Evidence": ["original_name", "description", "withdraw_reason"],
    "reporting.ExtensionRequest": ["reason", "decision_note"],
    "reporting.UnitReport": ["work_done", "problems", "next_steps"],
    "notifications.NotificationSettings": ["notice_prefix"],
    "notifications.Notification": ["title", "body"],
    "notifications.Urge": ["message", "answer"],
    "notifications.SupervisionNotice": ["number", "requirements", "reply"],
}
DATE_FIELDS = {
    "ledger.Inspection": ["start_date", "end_date", "feedback_date", "rectification_end"],
    "ledger.Measure": ["due_date", "original_due_date", "next_review_date"],
    "reporting.ReportingCycle": ["starts_on"],
    "reporting.LookBack": ["planned_date", "new_due_date"],
    "reporting.UnitReport": ["period_start", "period_end"],
    "notifications.SupervisionNotice": ["reply_deadline"],
}
EXTREMES = (dt.date(9999, 12, 31), dt.date(1, 1, 1))


def _worst_text(field: Any, pk: int) -> str:
    # A per-row suffix keeps names unique where the database asks for it.
    suffix = f"#{pk}"
    value = WORST + (LONG if field.get_internal_type() == "TextField" else "")
    limit = field.max_length or len(value) + len(suffix)
    return value[: limit - len(suffix)] + suffix


def store_worst_values() -> int:
    changed = 0
    for label, names in TEXT_FIELDS.items():
        model = apps.get_model(label)
        fields = [model._meta.get_field(n) for n in names]
        for pk in model._default_manager.values_list("pk", flat=True):
            model._default_manager.filter(pk=pk).update(
                **{f.name: _worst_text(f, pk) for f in fields}
            )
            changed += 1
    for label, names in DATE_FIELDS.items():
        model = apps.get_model(label)
        for pk in model._default_manager.values_list("pk", flat=True):
            for name in names:
                # Only dates that are set: an empty one stays empty (a long-term measure
                # has no due date, by a constraint of the database).
                model._default_manager.filter(pk=pk, **{f"{name}__isnull": False}).update(
                    **{name: EXTREMES[pk % 2]}
                )
            changed += 1
    return changed


def test_no_page_export_or_feed_breaks_on_the_worst_stored_values(world: Any) -> None:
    from notifications import services

    # Addresses are taken before the data is spoilt: the matrix finds its objects by name.
    pages = list(matrix_pages(world))
    feeds = [
        services.calendar_token_for(user=world.user(name))
        for name in ("office", "leader", "liaison1", "branch1", "staff1")
    ]
    assert store_worst_values() > 100
    clients: dict[str, Any] = {}
    broken, unescaped = [], []
    for role, path in pages:
        if role not in clients:
            clients[role] = client_for(world, role)
        response = clients[role].get(path)
        if response.status_code >= 500:
            broken.append(f"{role} {path} -> {response.status_code}")
        elif "html" in response.get("Content-Type", "") and RAW_MARKUP in response.content.decode(
            "utf-8", "replace"
        ):
            unescaped.append(f"{role} {path}")
    for token in feeds:
        from django.urls import reverse

        response = client_for(world, "anonymous").get(
            reverse("notifications:calendar_feed", args=[token])
        )
        if response.status_code != 200:
            broken.append(f"feed {token[:6]}… -> {response.status_code}")
    assert len(pages) > 100
    assert not broken, broken
    assert not unescaped, unescaped
