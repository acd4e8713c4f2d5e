"""Thin views of the meetings pages: fetch through the scope, ask the policy, call a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ledger.models import Measure
from meetings import exports, selectors, services
from meetings.choices import Attendance, MeetingState
from meetings.forms import (
    AttendanceForm,
    MeetingFilter,
    MeetingForm,
    MinutesForm,
    PackFilter,
    PartForm,
    ReportingUnitsForm,
    RequirementMeasuresForm,
)
from meetings.models import Meeting, MeetingPart, Requirement
from organization import policy
from organization.managers import get_visible_or_404
from organization.views import current_organization


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_visible_or_404(Meeting, request.user, pk=pk)


def _back(meeting: Meeting, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("meetings:detail", args=[meeting.pk]) + anchor)


def meeting_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view_ledger")
    form = MeetingFilter(request.GET or None, user=request.user)
    meetings = selectors.meetings_for(request.user)
    if form.is_valid() and form.cleaned_data["campaign"]:
        meetings = meetings.filter(tags=form.cleaned_data["campaign"])
    return render(
        request,
        "meetings/list.html",
        {
            "form": form,
            "meetings": meetings,
            "can_add": policy.may(request.user, "add_meeting"),
        },
    )


def meeting_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "add_meeting")
    org = current_organization(request)
    form = MeetingForm(request.POST or None, user=request.user, organization=org)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                meeting = services.meeting_create(
                    by=request.user,
                    organization=org,
                    data=services.MeetingData(
                        title=d["title"],
                        kind=d["kind"],
                        inspection=d["inspection"],
                        starts_at=d["starts_at"],
                        place=d["place"],
                        parts_due_at=d["parts_due_at"],
                        chair=d.get("chair"),
                        task_forces=list(d.get("task_forces") or []),
                        by_office=d.get("by_office", False),
                        by_leading_group=d.get("by_leading_group", False),
                        agenda=d.get("agenda") or [],
                        people=list(d.get("people") or []),
                        tags=list(d.get("tags") or []),
                    ),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Meeting called. Now pick the reporting units."))
                return HttpResponseRedirect(reverse("meetings:prepare", args=[meeting.pk]))
        return render(request, "meetings/form.html", {"form": form}, status=400)
    return render(request, "meetings/form.html", {"form": form})


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    user = request.user
    parts = selectors.meeting_parts(user, meeting)
    for part in parts:
        part.may_edit = policy.may(user, "edit_meeting_part", part)  # type: ignore[attr-defined]
    attendees = selectors.meeting_attendees(user, meeting)
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "agenda": list(meeting.agenda.visible_to(user).order_by("position")),
            "task_forces": list(meeting.task_forces.all()),
            "campaigns": list(meeting.tags.visible_to(user)),
            "deliberated_rules": selectors.rules_deliberated_at(user, meeting),
            "pack_form": PackFilter(user=user, auto_id="pack_%s"),
            "parts": parts,
            "attendees": attendees,
            "on_leave": [a for a in attendees if a.attendance == Attendance.LEAVE],
            "minutes": selectors.meeting_minutes(user, meeting),
            "requirements": selectors.requirement_views(user, meeting),
            "runs": policy.may(user, "run_meeting", meeting),
            "can_prepare": policy.may(user, "prepare_meeting", meeting),
            "can_attend": policy.may(user, "record_attendance", meeting),
            "can_minute": policy.may(user, "record_minutes", meeting),
            "can_act": policy.may(user, "act_on_requirements", meeting),
            "now": timezone.now(),
            "can_issue": policy.may(user, "run_meeting", meeting)
            and meeting.state == MeetingState.HELD,
        },
    )


def meeting_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    policy.require(request.user, "prepare_meeting", meeting)
    chosen = [p.unit_id for p in selectors.meeting_parts(request.user, meeting)]
    form = ReportingUnitsForm(
        request.POST or None,
        user=request.user,
        meeting=meeting,
        initial={"units": chosen},
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.meeting_set_reporting_units(
                    by=request.user, meeting=meeting, units=list(form.cleaned_data["units"])
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Reporting units saved; their parts are pre-filled."))
                return _back(meeting, "#parts")
        return render(
            request, "meetings/prepare.html", {"meeting": meeting, "form": form}, status=400
        )
    return render(request, "meetings/prepare.html", {"meeting": meeting, "form": form})


def part_edit(request: HttpRequest, pk: int) -> HttpResponse:
    part = get_visible_or_404(MeetingPart, request.user, pk=pk)
    meeting = part.meeting
    may_edit = policy.may(request.user, "edit_meeting_part", part)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied(_("This part can no longer be changed."))
    form = PartForm(
        request.POST or None,
        initial={
            "work_done": part.work_done,
            "problems": part.problems,
            "next_steps": part.next_steps,
            "version": part.version,
        },
    )
    context = {"part": part, "meeting": meeting, "form": form, "may_edit": may_edit}
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            submit = request.POST.get("action") == "submit"
            try:
                services.part_save(
                    by=request.user,
                    part=part,
                    data=services.PartData(
                        work_done=d.get("work_done") or "",
                        problems=d.get("problems") or "",
                        next_steps=d.get("next_steps") or "",
                    ),
                    expected_version=d.get("version"),
                    submit=submit,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("Part submitted.") if submit else _("Part saved as a draft.")
                )
                return HttpResponseRedirect(reverse("meetings:part", args=[part.pk]))
        return render(request, "meetings/part.html", context, status=400)
    return render(request, "meetings/part.html", context)


def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    policy.require(request.user, "record_attendance", meeting)
    attendees = selectors.meeting_attendees(request.user, meeting)
    form = AttendanceForm(request.POST or None, attendees=attendees)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            rows = [
                services.AttendanceRow(a.pk, d[choice], d.get(reason) or "")
                for a, choice, reason in form.rows
                if d.get(choice)
            ]
            try:
                services.attendance_record(by=request.user, meeting=meeting, rows=rows)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Attendance recorded; the meeting is held."))
                return _back(meeting, "#attendees")
        return render(
            request, "meetings/attendance.html", {"meeting": meeting, "form": form}, status=400
        )
    return render(request, "meetings/attendance.html", {"meeting": meeting, "form": form})


def minutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    policy.require(request.user, "record_minutes", meeting)
    minutes = selectors.meeting_minutes(request.user, meeting)
    requirements = [v.requirement for v in selectors.requirement_views(request.user, meeting)]
    form = MinutesForm(
        request.POST or None,
        initial={
            "summary": minutes.summary if minutes else "",
            "requirements": "\n".join(r.text for r in requirements),
            "version": minutes.version if minutes else 0,
        },
    )
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.minutes_save(
                    by=request.user,
                    meeting=meeting,
                    summary=d["summary"],
                    requirements=d["requirements"],
                    expected_version=d.get("version"),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Minutes saved."))
                return _back(meeting, "#minutes")
        return render(
            request, "meetings/minutes.html", {"meeting": meeting, "form": form}, status=400
        )
    return render(request, "meetings/minutes.html", {"meeting": meeting, "form": form})


@require_POST
def minutes_issue(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    policy.require(request.user, "run_meeting", meeting)
    try:
        services.meeting_transition(by=request.user, meeting=meeting, name="issue_minutes")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Minutes issued."))
    return _back(meeting, "#minutes")


def requirement_measures(request: HttpRequest, pk: int) -> HttpResponse:
    requirement = get_visible_or_404(Requirement, request.user, pk=pk)
    meeting = requirement.meeting
    policy.require(request.user, "act_on_requirements", meeting)
    office = policy.in_office(policy.as_actor(request.user))
    form = RequirementMeasuresForm(
        request.POST or None,
        user=request.user,
        meeting=meeting,
        office=office,
        initial={"content": requirement.text},
    )
    context = {"meeting": meeting, "requirement": requirement, "form": form}
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                created = services.requirement_make_measures(
                    by=request.user,
                    requirement=requirement,
                    data=services.RequirementMeasuresData(
                        finding=d["finding"],
                        content=d["content"],
                        units=list(d["units"]),
                        due_date=d["due_date"],
                        deadline_kind=d["deadline_kind"],
                        supervised=d.get("supervised", False),
                        number=d.get("number") or "",
                    ),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(count)d measures created in the ledger.") % {"count": len(created)},
                )
                return _back(meeting, f"#requirement-{requirement.number}")
        return render(request, "meetings/requirement_measures.html", context, status=400)
    return render(request, "meetings/requirement_measures.html", context)


# --- documents ----------------------------------------------------------------------------


def _pack_campaign(request: HttpRequest) -> Any:
    """The campaign the pack is limited to, or None for all; one this person may not see is
    not a campaign at all (404), never a pack of everything."""
    form = PackFilter(request.GET, user=request.user)
    if not form.is_valid():
        raise Http404(_("No such campaign."))
    return form.cleaned_data.get("campaign")


def pack_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return exports.pack_docx_response(request.user, meeting, campaign=_pack_campaign(request))


def pack_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return exports.figures_xlsx_response(request.user, meeting, campaign=_pack_campaign(request))


def minutes_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if selectors.meeting_minutes(request.user, meeting) is None:
        messages.warning(request, _("The minutes have not been recorded yet."))
        return _back(meeting, "#minutes")
    return exports.minutes_docx_response(request.user, meeting)


# --- the card on the measure page ---------------------------------------------------------


def measure_origin_panel(request: HttpRequest, measure: Measure) -> dict[str, Any]:
    origin = selectors.measure_origin(request.user, measure)
    return {
        "template": "meetings/_measure_origin.html",
        "origin": origin[0] if origin else None,
        "may_open": origin[1] if origin else False,
    }


def campaign_meetings_panel(request: HttpRequest, campaign: Any) -> dict[str, Any]:
    """The meetings carrying a campaign, on the campaign's page."""
    return {
        "template": "meetings/_campaign_meetings.html",
        "meetings": list(selectors.meetings_for(request.user).filter(tags=campaign)),
        "list_url": reverse("meetings:list") + f"?campaign={campaign.pk}",
    }
