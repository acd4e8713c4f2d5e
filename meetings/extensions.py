"""What meetings add to other layers: the "born of a meeting" card on the measure page, meeting
entries on attendees' calendar feeds, and reminders of parts falling due."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ledger.extensions import Extension, Panel, timeline_labels
from meetings.views import campaign_meetings_panel, measure_origin_panel

APP = "meetings"

LABELS = {
    "reporting_units": _("Reporting units chosen"),
    "attendance": _("Attendance recorded"),
    "minutes": _("Minutes recorded"),
    "measures_created": _("Measures created from a meeting requirement"),
    "transition:hold": _("Meeting held"),
    "transition:issue_minutes": _("Minutes issued"),
}

EXTENSIONS: list[Extension] = [
    Panel(app=APP, key="origin", page="measure", render=measure_origin_panel, order=5),
    Panel(app=APP, key="campaign", page="campaign", render=campaign_meetings_panel, order=10),
    *timeline_labels(APP, LABELS),
]


def register_notification_sources() -> None:
    from meetings.reminders import calendar_entries, parts_due_run
    from notifications.escalation import register_reminder_job
    from notifications.feeds import register_calendar_source

    register_calendar_source(APP, calendar_entries)
    register_reminder_job(APP, parts_due_run)
