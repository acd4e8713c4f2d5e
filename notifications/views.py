"""Screens for notifications and supervision: inbox, preferences, calendar feed, urging,
supervision notices, the office's reminder settings and the administrator's delivery log.

Thin: forms validate, services write, selectors read, and every object comes through the
scoped querysets.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import safe_next
from core.text import parse_id
from ledger.choices import OPEN_STATES
from ledger.models import Measure
from ledger.selectors import measure_light, policy_for
from notifications import dispatch, feeds, selectors, services, worknotice
from notifications.choices import Channel, DeliveryStatus
from notifications.forms import (
    AUDIENCE_LABELS,
    AnswerForm,
    LadderFormSet,
    NoticeForm,
    NoticeReplyForm,
    PreferenceForm,
    SettingsForm,
    UrgeForm,
    ladder_config,
)
from notifications.ladder import DEFAULT_LADDER, Audience, LadderStep, ladder_to_config
from notifications.models import Delivery, Notification, Preference, SupervisionNotice, Urge
from organization.managers import get_visible_or_404
from organization.scope import actor_for, has_capability
from organization.views import current_organization, require_capability

_safe_next = safe_next


def _messages_from(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- inbox ---------------------------------------------------------------------------------


def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    notes = selectors.inbox(request.user, unread_only=unread_only)
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count(request.user),
        },
    )


def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a notification read and go where it points."""
    try:
        note = services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    target = note.url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = reverse("notifications:inbox")
    return HttpResponseRedirect(target)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("%(n)d notifications marked as read.") % {"n": count})
    return HttpResponseRedirect(_safe_next(request, reverse("notifications:inbox")))


# --- preferences and the calendar feed ---------------------------------------------------------


def preferences(request: HttpRequest) -> HttpResponse:
    pref = selectors.preference_for(request.user)
    person = selectors.own_person(request.user)
    initial = {
        "email_enabled": pref.email_enabled,
        "webhook_enabled": pref.webhook_enabled,
        "dingtalk_enabled": pref.dingtalk_enabled,
        "wecom_enabled": pref.wecom_enabled,
        "dingtalk_userid": person.dingtalk_userid if person else "",
        "wecom_userid": person.wecom_userid if person else "",
        "daily_digest": pref.daily_digest,
        "digest_hour": pref.digest_hour,
    }
    form = PreferenceForm(
        request.POST or None,
        initial=initial,
        channels=worknotice.configured_channels(),
        has_profile=person is not None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.preference_update(user=request.user, **form.preference_values())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your notification preferences are saved."))
                return HttpResponseRedirect(reverse("notifications:preferences"))
        status = 400
    token = services.calendar_token_for(user=request.user)
    feed_url = request.build_absolute_uri(reverse("notifications:calendar_feed", args=[token]))
    org = current_organization(request)
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "feed_url": feed_url,
            "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
            "email": getattr(request.user, "email", ""),
            "has_webhook": selectors.webhook_target(org) is not None,
            "has_work_notices": bool(worknotice.configured_channels()),
        },
        status=status,
    )


@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    services.calendar_token_regenerate(user=request.user)
    messages.success(
        request, _("Your calendar has a new private address; the old one no longer works.")
    )
    return HttpResponseRedirect(reverse("notifications:preferences") + "#calendar")


@login_not_required
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar feed: the token in the address is the only credential."""
    pref = (
        Preference.objects.unscoped("the calendar token is the credential")
        .filter(calendar_token=token, user__is_active=True)
        .select_related("user")
        .first()
    )
    if pref is None or len(token) < 20:
        raise Http404
    user = pref.user
    actor = actor_for(user)
    name = _("Rectification deadlines · %(name)s") % {"name": actor.name or user.get_username()}
    body = feeds.build_calendar(
        selectors.calendar_measures(user), name=name, entries=feeds.calendar_entries(user)
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rectify.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- urging (催办) --------------------------------------------------------------------------


def _ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            # An id beyond the database's range, or in full-width digits, is no id at all.
            number = parse_id(part)
            if number is not None:
                ids.append(number)
    return ids


def urge(request: HttpRequest) -> HttpResponse:
    """Urge one measure or a selection: GET lists what is overdue or due soon in scope."""
    require_capability(request, "urge")
    org = current_organization(request)
    form = UrgeForm(request.POST or None)
    if request.method == "POST":
        ids = _ids(request.POST.getlist("ids"))
        back = _safe_next(request, reverse("notifications:urge"))
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return HttpResponseRedirect(back)
        try:
            urges = services.urge_create(
                by=request.user, measure_ids=ids, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            _messages_from(request, exc)
        else:
            messages.success(request, _("%(n)d measures urged.") % {"n": len(urges)})
        return HttpResponseRedirect(back)
    selected = set(_ids(request.GET.getlist("ids")))
    candidates = list(selectors.urge_candidates(request.user, warn_days=org.warn_days)[:300])
    known = {m.pk for m in candidates}
    if selected - known:
        candidates = (
            list(
                Measure.objects.visible_to(request.user)
                .filter(pk__in=selected - known, state__in=OPEN_STATES)
                .select_related("lead_unit", "finding__inspection")
            )
            + candidates
        )
    policy = policy_for(org)
    today = timezone.localdate()
    rows = [
        {
            "m": m,
            "light": measure_light(m, today=today, policy=policy),
            "checked": m.pk in selected,
        }
        for m in candidates
    ]
    return render(
        request,
        "notifications/urge.html",
        {"form": form, "rows": rows, "warn_days": org.warn_days},
    )


@require_POST
def urge_answer(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_visible_or_404(Urge, request.user, pk=pk)
    back = reverse("ledger:measure_detail", args=[found.measure_id]) + f"#urge-{pk}"
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write an answer."))
        return HttpResponseRedirect(back)
    try:
        services.urge_answer(by=request.user, urge_id=pk, answer=form.cleaned_data["answer"])
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, _("Your answer is recorded."))
    return HttpResponseRedirect(back)


# --- supervision notices (督办通知) ----------------------------------------------------------


def notice_list(request: HttpRequest) -> HttpResponse:
    # Notices are business records: the administrators (三员) are refused them.
    require_capability(request, "ledger.view")
    notices = selectors.visible_notices(request.user).order_by("-year", "-seq")
    page = Paginator(notices, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notice_list.html",
        {
            "page": page,
            "can_issue": has_capability(request.user, "review.office"),
            "flagged": (
                Measure.objects.visible_to(request.user)
                .filter(is_flagged=True, state__in=OPEN_STATES)
                .select_related("lead_unit")
                .order_by("due_date", "id")[:100]
                if has_capability(request.user, "review.office")
                else []
            ),
        },
    )


def notice_create(request: HttpRequest, measure_pk: int) -> HttpResponse:
    require_capability(request, "review.office")
    measure = get_object_or_404(
        Measure.objects.editable_by(request.user).select_related("lead_unit", "finding"),
        pk=measure_pk,
    )
    form = NoticeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                notice = services.notice_issue(
                    by=request.user,
                    measure_id=measure.pk,
                    requirements=form.cleaned_data["requirements"],
                    reply_deadline=form.cleaned_data["reply_deadline"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Supervision notice %(n)s issued.") % {"n": notice})
                return HttpResponseRedirect(
                    reverse("notifications:notice_detail", args=[notice.pk])
                )
        status = 400
    elif not measure.is_flagged:
        form.add_error(
            None,
            _("Only a measure flagged for supervision (挂牌督办) gets a supervision notice."),
        )
    return render(
        request, "notifications/notice_form.html", {"form": form, "m": measure}, status=status
    )


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    measure = selectors.measure_for_recipients(notice.measure_id)
    can_reply = not notice.is_replied and selectors.is_unit_member(request.user, measure)
    return render(
        request,
        "notifications/notice_detail.html",
        {
            "notice": notice,
            "m": measure,
            "data": selectors.supervision_notice_data(notice),
            "can_reply": can_reply,
            "form": NoticeReplyForm() if can_reply else None,
        },
    )


@require_POST
def notice_reply(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_visible_or_404(SupervisionNotice, request.user, pk=pk)
    back = reverse("notifications:notice_detail", args=[notice.pk])
    form = NoticeReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reply."))
        return HttpResponseRedirect(back)
    try:
        services.notice_reply(
            by=request.user, notice_id=notice.pk, reply=form.cleaned_data["reply"]
        )
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, _("Your reply is recorded."))
    return HttpResponseRedirect(back)


# --- the office's settings ---------------------------------------------------------------------


def settings_page(request: HttpRequest) -> HttpResponse:
    require_capability(request, "ledger.manage")  # the office's reminder settings
    org = current_organization(request)
    stored = selectors.settings_for(org)
    ladder = ladder_to_config(selectors.ladder_for(org))
    status = 200
    if request.method == "POST" and request.POST.get("action") == "test":
        try:
            delivery = services.webhook_test(by=request.user, organization=org)
        except ValidationError as exc:
            _messages_from(request, exc)
        else:
            if delivery.status == DeliveryStatus.SENT:
                messages.success(request, _("The test message was delivered."))
            else:
                messages.error(
                    request,
                    _("The test message failed: %(error)s") % {"error": delivery.last_error},
                )
        return HttpResponseRedirect(reverse("notifications:settings"))
    if request.method == "POST" and request.POST.get("action") == "reset":
        formset = LadderFormSet(initial=ladder_to_config(DEFAULT_LADDER), prefix="step")
        form = SettingsForm(initial=_settings_initial(stored))
        messages.info(request, _("The default ladder is filled in below; save to use it."))
    elif request.method == "POST":
        formset = LadderFormSet(request.POST, prefix="step")
        form = SettingsForm(request.POST)
        if formset.is_valid() and form.is_valid():
            data = form.cleaned_data
            secret = "" if data["clear_secret"] else (data["webhook_secret"] or None)
            try:
                services.settings_update(
                    by=request.user,
                    organization=org,
                    ladder=ladder_config(formset),
                    webhook_url=data["webhook_url"],
                    webhook_kind=data["webhook_kind"],
                    webhook_secret=secret,
                    notice_prefix=data["notice_prefix"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Reminder settings saved."))
                return HttpResponseRedirect(reverse("notifications:settings"))
        status = 400
    else:
        formset = LadderFormSet(initial=ladder, prefix="step")
        form = SettingsForm(initial=_settings_initial(stored))
    return render(
        request,
        "notifications/settings.html",
        {
            "formset": formset,
            "form": form,
            "org": org,
            "has_secret": bool(stored.webhook_secret),
            "audience_labels": [(a.value, AUDIENCE_LABELS[a]) for a in Audience],
            "server_webhook": bool(selectors.webhook_target(org)) and not stored.webhook_url,
            "work_channels": [Channel(c).label for c in worknotice.configured_channels()],
        },
        status=status,
    )


def _settings_initial(stored: Any) -> dict[str, Any]:
    return {
        "webhook_url": stored.webhook_url,
        "webhook_kind": stored.webhook_kind,
        "notice_prefix": stored.notice_prefix,
    }


# --- the administrator's delivery log ---------------------------------------------------------


def deliveries(request: HttpRequest) -> HttpResponse:
    require_capability(request, "notifications.admin")
    show = request.GET.get("show") or "problems"
    qs = Delivery.objects.visible_to(request.user).select_related("recipient__person")
    if show == "problems":
        qs = qs.filter(
            Q(status=DeliveryStatus.FAILED) | Q(status=DeliveryStatus.PENDING, attempts__gt=0)
        )
    elif show in DeliveryStatus.values:
        qs = qs.filter(status=show)
    page = Paginator(qs.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    base = Delivery.objects.visible_to(request.user)
    counts = {
        "failed": base.filter(status=DeliveryStatus.FAILED).count(),
        "retrying": base.filter(status=DeliveryStatus.PENDING, attempts__gt=0).count(),
        "pending": base.filter(status=DeliveryStatus.PENDING).count(),
        "digest": base.filter(status=DeliveryStatus.DIGEST).count(),
    }
    return render(
        request,
        "notifications/deliveries.html",
        {
            "page": page,
            "show": show,
            "counts": counts,
            "statuses": DeliveryStatus.choices,
            "max_attempts": dispatch.max_attempts(),
        },
    )


@require_POST
def delivery_retry(request: HttpRequest) -> HttpResponse:
    require_capability(request, "notifications.admin")
    ids = _ids(request.POST.getlist("ids"))
    if request.POST.get("all_failed"):
        ids = list(
            Delivery.objects.visible_to(request.user)
            .filter(status=DeliveryStatus.FAILED)
            .values_list("pk", flat=True)[:1000]
        )
    count = services.delivery_retry(by=request.user, delivery_ids=ids)
    messages.success(request, _("%(n)d deliveries queued again.") % {"n": count})
    return HttpResponseRedirect(_safe_next(request, reverse("notifications:deliveries")))


# --- the panel on the measure page -------------------------------------------------------------


def step_description(step: LadderStep | None, offset: int | None = None) -> str:
    days = step.offset_days if step is not None else offset
    if days is None:
        return ""
    if days < 0:
        return _("%(n)d days before the due date") % {"n": -days}
    if days == 0:
        return _("on the due date")
    return _("%(n)d days overdue") % {"n": days}


def measure_panel(request: HttpRequest, measure: Measure) -> dict[str, Any]:
    """The reminders, urges and supervision card under the measure's actions."""
    org = measure.finding.inspection.organization
    steps = selectors.ladder_for(org)
    status = selectors.reminder_status(measure, ladder=steps)
    is_open = measure.state in OPEN_STATES
    ladder = {s.code: s for s in steps}
    return {
        "template": "notifications/_measure_panel.html",
        "status": status,
        "sent": [
            {"step": s, "when": step_description(ladder.get(s.code), s.offset_days)}
            for s in status.sent
        ],
        "next_when": step_description(ladder.get(status.next_code or "")),
        "urges": selectors.measure_urges(measure),
        "notices": selectors.measure_notices(measure),
        "can_urge": is_open and has_capability(request.user, "urge"),
        "can_answer": selectors.is_unit_member(request.user, measure),
        "can_issue": is_open
        and measure.is_flagged
        and has_capability(request.user, "review.office"),
        "due_warning": selectors.due_date_warning(org, measure.due_date) if is_open else None,
        "urge_form": UrgeForm(auto_id="id_urge_%s"),
        "answer_form": AnswerForm(auto_id=False),
    }


def ledger_links(request: HttpRequest) -> list[dict[str, Any]]:
    """Buttons on the ledger page: urging, the supervision notices, the office's settings."""
    links = [
        {
            "url": reverse("notifications:notice_list"),
            "label": _("Supervision notices"),
            "icon": "bi-flag",
        }
    ]
    if has_capability(request.user, "urge"):
        links.insert(
            0,
            {
                "url": reverse("notifications:urge"),
                "label": _("Urge (催办)"),
                "icon": "bi-megaphone",
            },
        )
    if has_capability(request.user, "ledger.manage"):
        links.append(
            {
                "url": reverse("notifications:settings"),
                "label": _("Reminder settings"),
                "icon": "bi-sliders",
            }
        )
    return links
