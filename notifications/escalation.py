"""The scheduler's work: fire the escalation ladder (催办升级) and announce close-out progress.

Both passes are idempotent by construction. A rung of the ladder is written to `ReminderLog`
(unique per measure, due date and step) in the same transaction as its notifications; transitions
are read from the audit chain after a cursor that moves in the same transaction as the messages
it produced. Running twice sends nothing twice; a crash halfway loses nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.audit import record_event
from core.models import AuditEvent
from core.workdays import CalendarMode, days_between
from ledger.choices import OPEN_STATES, DeadlineKind
from ledger.models import Measure
from ledger.selectors import clock_deadline, clock_stopped, clock_stopped_q
from ledger.services import measures_bulk_update
from ledger.workflow import TRANSITIONS
from notifications import selectors
from notifications.choices import Kind
from notifications.dispatch import (
    Message,
    SendReport,
    deliveries_send,
    digests_bundle,
    measure_label,
    measure_url,
    notify,
    person_names,
)
from notifications.ladder import Audience, LadderStep, due_steps
from notifications.models import EventCursor, ReminderLog
from organization.models import Organization

TRANSITION_CURSOR = "transitions"
TRANSITION_BATCH = 200


# --- the escalation ladder ------------------------------------------------------------------


@dataclass
class LadderReport:
    steps: int = 0
    notifications: int = 0
    flagged: int = 0


def _latest_due_date(step: LadderStep, today: dt.date, mode: CalendarMode) -> dt.date:
    """The latest due date for which this rung can already be due today: a necessary condition
    the database checks cheaply, before the exact date arithmetic per measure.

    In calendar days it is exact. Counting working days, a rung after the due date comes at
    least as late as in calendar days; one before it can reach further back, by weekends and
    holidays (Spring Festival adds up to a fortnight), hence the generous margin."""
    if mode == CalendarMode.WORKING_DAYS and step.offset_days < 0:
        return today + dt.timedelta(days=-step.offset_days * 2 + 31)
    return today - dt.timedelta(days=step.offset_days)


def _step_message(
    measure: Measure, step: LadderStep, *, today: dt.date, mode: CalendarMode
) -> Message:
    # Days are counted against the deadline clock (a late return restarts it); the text shows
    # the due date itself.
    due = clock_deadline(measure)
    assert due is not None and measure.due_date is not None
    label = measure_label(measure)
    left = days_between(today, due, mode=mode)
    working = mode == CalendarMode.WORKING_DAYS
    if step.flag_for_supervision:
        title = _("Flagged for supervision (挂牌督办): %(measure)s") % {"measure": label}
    elif today > due:
        late = (today - due).days
        title = ngettext(
            "Overdue by %(n)d day: %(measure)s", "Overdue by %(n)d days: %(measure)s", late
        ) % {"n": late, "measure": label}
    elif left == 0:
        title = _("Due today: %(measure)s") % {"measure": label}
    elif working:
        title = ngettext(
            "Due in %(n)d working day: %(measure)s",
            "Due in %(n)d working days: %(measure)s",
            left,
        ) % {"n": left, "measure": label}
    else:
        title = ngettext(
            "Due in %(n)d day: %(measure)s", "Due in %(n)d days: %(measure)s", left
        ) % {"n": left, "measure": label}
    lines = [
        measure.content,
        _("Lead unit: %(unit)s · due %(due)s · progress %(progress)d%% · %(state)s")
        % {
            "unit": measure.lead_unit.name,
            "due": date_format(measure.due_date, "Y-m-d"),
            "progress": measure.progress,
            "state": measure.get_state_display(),
        },
    ]
    if step.flag_for_supervision:
        lines.append(
            _(
                "The measure is still open after the last reminder and is now listed for "
                "supervision by the rectification office."
            )
        )
    elif today > due:
        lines.append(_("The measure is overdue. Report progress or ask for an extension."))
    return Message(
        kind=Kind.REMINDER,
        title=title,
        body="\n".join(lines),
        url=measure_url(measure),
        key=f"reminder:{measure.pk}:{measure.due_date.isoformat()}:{step.code}",
    )


def _ladder_candidates(
    org: Organization, ladder: Sequence[LadderStep], today: dt.date, mode: CalendarMode
) -> list[int]:
    """Open dated measures with at least one rung that may be due and has not fired for their
    current due date. Measures whose every due rung has fired are filtered out in SQL, so a
    run over a large ledger touches only the few that need something."""
    wanted = Q(pk__in=[])
    for step in ladder:
        sent = ReminderLog.objects.unscoped("scheduler works for every organization").filter(
            measure_id=OuterRef("pk"), due_date=OuterRef("due_date"), step_code=step.code
        )
        q = Q(~Exists(sent), due_date__lte=_latest_due_date(step, today, mode))
        if step.offset_days <= 0:
            q &= ~Q(state__in=selectors.AWAITING_REVIEW_STATES)
        else:
            # Nobody is late while a request filed in time waits for reviewers.
            q &= ~clock_stopped_q()
        wanted |= q
    return list(
        Measure.objects.unscoped("scheduler works for every organization")
        .filter(organization=org, state__in=OPEN_STATES, due_date__isnull=False)
        .exclude(deadline_kind=DeadlineKind.LONG_TERM)
        .filter(wanted)
        .order_by("id")
        .values_list("pk", flat=True)
    )


def measure_escalate(
    *,
    measure_id: int,
    ladder: Sequence[LadderStep],
    mode: CalendarMode,
    now: dt.datetime,
) -> LadderReport:
    """Fire the rungs due for one measure that have not fired for its current due date.

    Rungs missed by earlier runs catch up; a person in several of them hears only the latest.
    """
    report = LadderReport()
    today = timezone.localdate(now)
    with transaction.atomic():
        locked = (
            Measure.objects.unscoped("scheduler works for every organization")
            .select_for_update(of=("self",))
            .filter(pk=measure_id, state__in=OPEN_STATES, due_date__isnull=False)
            .exclude(deadline_kind=DeadlineKind.LONG_TERM)
            .first()
        )
        if locked is None:
            return report
        measure = selectors.measure_for_recipients(measure_id)
        due = measure.due_date
        assert due is not None
        deadline = clock_deadline(measure)
        assert deadline is not None
        steps = due_steps(due_date=deadline, today=today, ladder=ladder, mode=mode)
        if clock_stopped(measure):
            steps = []
        elif measure.state in selectors.AWAITING_REVIEW_STATES:
            steps = [s for s in steps if s.offset_days > 0]
        sent = set(
            ReminderLog.objects.unscoped("scheduler works for every organization")
            .filter(measure=measure, due_date=due)
            .values_list("step_code", flat=True)
        )
        todo = [s for s in steps if s.code not in sent]
        if not todo:
            return report
        audiences = {s.code: selectors.audience_users(measure, s.audiences) for s in todo}
        latest: dict[int, str] = {}
        for step in reversed(todo):
            for user in audiences[step.code]:
                latest.setdefault(user.pk, step.code)
        org = measure.finding.inspection.organization
        for step in todo:
            recipients = [u for u in audiences[step.code] if latest[u.pk] == step.code]
            flag = step.flag_for_supervision and not measure.is_flagged
            ReminderLog.objects.create(
                measure=measure,
                due_date=due,
                step_code=step.code,
                sent_at=now,
                recipient_count=len(audiences[step.code]),
                flagged=flag,
            )
            message = _step_message(measure, step, today=today, mode=mode)
            notes = notify(
                organization=org,
                recipients=recipients,
                message=message,
                measure=measure,
                now=now,
                send_after=False,
            )
            if flag:
                measures_bulk_update(
                    by=None,
                    measures=Measure.objects.unscoped(
                        "scheduler works for every organization"
                    ).filter(pk=measure.pk),
                    action="flag",
                )
                measure.is_flagged = True
                report.flagged += 1
            names = "、".join(person_names(audiences[step.code])) or "—"
            record_event(
                actor=None,
                obj=measure,
                action="reminder:sent",
                message=_("%(title)s\nStep %(step)s, sent to: %(names)s")
                % {"title": message.title, "step": step.code, "names": names},
            )
            report.steps += 1
            report.notifications += len(notes)
    return report


def ladder_run(*, now: dt.datetime | None = None) -> LadderReport:
    """Fire every rung that is due, in every active organization."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    total = LadderReport()
    for org in (
        Organization.objects.unscoped("scheduler works for every organization")
        .filter(is_active=True)
        .order_by("id")
    ):
        ladder = selectors.ladder_for(org)
        if not ladder:
            continue
        mode = selectors.calendar_mode_for(org)
        with translation.override(settings.LANGUAGE_CODE):
            for measure_id in _ladder_candidates(org, ladder, today, mode):
                part = measure_escalate(measure_id=measure_id, ladder=ladder, mode=mode, now=now)
                total.steps += part.steps
                total.notifications += part.notifications
                total.flagged += part.flagged
    return total


# --- close-out progress, read from the audit chain ----------------------------------------------

_UNIT = selectors.UNIT_AUDIENCES
_LIAISON = (Audience.LIAISON_GROUP,)
_OFFICE = (Audience.OFFICE,)
_LEADER = (Audience.RESPONSIBLE_LEADER,)

# Who hears of each transition of a measure. "start" concerns nobody but the unit itself.
TRANSITION_AUDIENCES: dict[str, tuple[Audience, ...]] = {
    "request_close": _LIAISON,
    "withdraw": _LIAISON,
    "liaison_approve": _OFFICE + _UNIT,
    "liaison_return": _UNIT,
    "office_return": _UNIT + _LIAISON,
    "office_close": _UNIT + _LIAISON,
    "direct_close": _UNIT + _LIAISON,
    "office_stage_complete": _UNIT + _LIAISON,
    "reopen": _UNIT + _LIAISON + _LEADER,
}


def _transition_title(name: str, label: str) -> str:
    titles = {
        "request_close": _("Close-out requested, please review: %(measure)s"),
        "withdraw": _("Close-out request withdrawn: %(measure)s"),
        "liaison_approve": _("Approved by the liaison group, awaiting close-out: %(measure)s"),
        "liaison_return": _("Returned by the liaison group: %(measure)s"),
        "office_return": _("Returned by the rectification office: %(measure)s"),
        "office_close": _("Closed out (销号): %(measure)s"),
        "direct_close": _("Closed out (销号): %(measure)s"),
        "office_stage_complete": _("Stage completed: %(measure)s"),
        "reopen": _("Reopened (重新整改): %(measure)s"),
    }
    return titles[name] % {"measure": label}


def _notify_transition(
    event: AuditEvent, measure: Measure, now: dt.datetime, *, send_after: bool = False
) -> int:
    name = event.action.split(":", 1)[1]
    audiences = TRANSITION_AUDIENCES.get(name)
    if not audiences:
        return 0
    transition = TRANSITIONS.get(name)
    who = event.actor_name or _("System")
    lines = [
        _("%(who)s: %(action)s, %(time)s")
        % {
            "who": who,
            "action": transition.label if transition else name,
            "time": date_format(timezone.localtime(event.created_at), "Y-m-d H:i"),
        }
    ]
    if event.message:
        lines.append(_("Reason: %(reason)s") % {"reason": event.message})
    notes = notify(
        organization=measure.finding.inspection.organization,
        recipients=selectors.audience_users(measure, audiences),
        message=Message(
            kind=Kind.TRANSITION,
            title=_transition_title(name, measure_label(measure)),
            body="\n".join(lines),
            url=measure_url(measure),
            key=f"event:{event.seq}",
        ),
        measure=measure,
        now=now,
        exclude=[event.actor_id] if event.actor_id else [],
        send_after=send_after,
    )
    return len(notes)


_QUIET: ContextVar[bool] = ContextVar("quiet_transitions", default=False)


@contextmanager
def transitions_unannounced() -> Iterator[None]:
    """Leave the transitions made inside to the scheduler's pass (e.g. loading a history of
    demo data, which nobody is waiting to hear about as it happens)."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def transition_announce(measure: Measure, name: str, event: AuditEvent) -> None:
    """Announce a transition in its own transaction, as urges are: the unit learns of a return
    or a close-out at once, and the emails go out when the transaction commits. The scheduler's
    pass over the audit chain then finds these already sent (same key) and adds nothing."""
    if name not in TRANSITION_AUDIENCES or _QUIET.get():
        return
    with translation.override(settings.LANGUAGE_CODE):
        _notify_transition(
            event, selectors.measure_for_recipients(measure.pk), event.created_at, send_after=True
        )


def transitions_process(*, now: dt.datetime | None = None, batch: int = TRANSITION_BATCH) -> int:
    """Turn measure transitions recorded on the audit chain since the last run into
    notifications. The cursor moves in the same transaction as the notifications it produced,
    so events are announced exactly once whatever crashes in between. Returns the number of
    notifications created."""
    now = now or timezone.now()
    created = 0
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            with transaction.atomic():
                cursor, _created = EventCursor.objects.select_for_update().get_or_create(
                    name=TRANSITION_CURSOR
                )
                events = list(
                    AuditEvent.objects.unscoped("scheduler works for every organization")
                    .filter(
                        seq__gt=cursor.seq,
                        object_type="ledger.measure",
                        action__startswith="transition:",
                    )
                    .order_by("seq")[:batch]
                )
                if not events:
                    return created
                ids = {e.object_id for e in events}
                measures = {
                    m.pk: m
                    for m in Measure.objects.unscoped("scheduler works for every organization")
                    .filter(pk__in=ids)
                    .select_related(
                        "finding__inspection__organization",
                        "finding__theme",
                        "lead_unit",
                        "responsible_leader__user",
                    )
                }
                for event in events:
                    measure = measures.get(event.object_id)
                    if measure is not None:
                        created += _notify_transition(event, measure, now)
                cursor.seq = events[-1].seq
                cursor.save(update_fields=["seq", "updated_at"])


def transitions_skip_to_latest() -> int:
    """Announce nothing that happened before now: move the cursor to the newest event (for a
    deployment that turns notifications on over a long history)."""
    with transaction.atomic():
        cursor, _created = EventCursor.objects.select_for_update().get_or_create(
            name=TRANSITION_CURSOR
        )
        cursor.seq = (
            AuditEvent.objects.unscoped("scheduler works for every organization").aggregate(
                top=Max("seq")
            )["top"]
            or 0
        )
        cursor.save(update_fields=["seq", "updated_at"])
        return cursor.seq


# --- the scheduler's run ------------------------------------------------------------------------


@dataclass
class RunReport:
    transition_notifications: int = 0
    # Notifications sent by the reminder jobs of other layers, by app.
    jobs: dict[str, int] = field(default_factory=dict)
    ladder: LadderReport = field(default_factory=LadderReport)
    digests: int = 0
    sending: SendReport = field(default_factory=SendReport)


# Reminders other layers need sent on the scheduler's run (a meeting part falling due), by
# app: a callable (now) -> number of notifications, idempotent like the rest of the run. Filled
# from those layers' AppConfig.ready(); notifications never imports them.
ReminderJob = Callable[[dt.datetime], int]
_reminder_jobs: dict[str, ReminderJob] = {}


def register_reminder_job(app: str, job: ReminderJob) -> None:
    _reminder_jobs[app] = job


def reminders_run(*, now: dt.datetime | None = None, send: bool = True) -> RunReport:
    """Everything the scheduler does, in order: announce transitions, fire due rungs of the
    ladder, bundle daily digests, send. Each part is idempotent, so the whole run is."""
    now = now or timezone.now()
    report = RunReport()
    report.transition_notifications = transitions_process(now=now)
    report.ladder = ladder_run(now=now)
    with translation.override(settings.LANGUAGE_CODE):
        for app in sorted(_reminder_jobs):
            report.jobs[app] = _reminder_jobs[app](now)
    with translation.override(settings.LANGUAGE_CODE):
        report.digests = digests_bundle(now=now)
    if send:
        report.sending = deliveries_send(now=now)
    return report
