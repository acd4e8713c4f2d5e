"""Reporting screens: thin. Objects come through the scoped querysets, forms check shape,
services write and decide, selectors read."""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from core import files
from core.http import safe_next
from core.text import parse_id
from ledger.choices import DONE_STATES, MeasureState
from ledger.models import Inspection, Measure
from ledger.selectors import history_limit, ledger_measures, visible_findings
from ledger.timeline import action_label
from ledger.workflow import available_transitions
from organization import policy
from organization.managers import get_editable_or_404, get_visible_or_404
from organization.models import Unit
from organization.scope import actor_for, has_capability
from organization.views import require_capability
from reporting import selectors, services, storage
from reporting.choices import ExtensionStatus, LookBackStatus, ReviewStage
from reporting.forms import (
    CloseRequestForm,
    CycleForm,
    DecisionForm,
    EvidenceForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    LookBackRecordForm,
    LookBackScheduleForm,
    NoteForm,
    ReportForm,
    UnitReportForm,
    WithdrawForm,
)
from reporting.models import (
    Evidence,
    ExtensionRequest,
    LookBack,
    ProgressReport,
    ReportingCycle,
)

QUEUE_SIZE = 200


# --- helpers -------------------------------------------------------------------------------


def _measure(request: HttpRequest, pk: int) -> Measure:
    return get_object_or_404(ledger_measures(request.user), pk=pk)


def _back(measure: Measure, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("ledger:measure_detail", args=[measure.pk])
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _add_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's errors on the form: on their field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _uploads(form: Any, request: HttpRequest) -> list[services.Upload]:
    return [services.Upload(f, d) for f, d in form.uploaded(request.POST)]


# --- the panel on the measure page ----------------------------------------------------------


def measure_panel(request: HttpRequest, measure: Measure) -> dict[str, Any]:
    """Reports, evidence, close-out, extensions and look-backs on the measure's page."""
    user = request.user
    actor = actor_for(user)
    names = {t.name for t in available_transitions(actor, measure)}
    today = timezone.localdate()
    reporting_unit = services.reporting_unit_for(actor, measure)
    can_report = (
        has_capability(actor, "report.file")
        and reporting_unit is not None
        and measure.state != MeasureState.CLOSED
    )
    # The page shows the newest reports and evidence; ?history=all shows every one.
    limit = history_limit(request.GET)
    counts = selectors.measure_history_counts(user, measure)
    evidence = selectors.measure_evidence(user, measure, limit=limit)
    reports = selectors.measure_reports(user, measure, limit=limit)
    withdrawable = set(
        Evidence.objects.editable_by(user)
        .filter(measure=measure, withdrawn_at__isnull=True)
        .values_list("id", flat=True)
    )
    extensions = selectors.measure_extensions(user, measure)
    pending_ext = next((e for e in extensions if e.status == ExtensionStatus.PENDING), None)
    lookbacks = selectors.measure_lookbacks(user, measure)
    office_reviewer = policy.can_review(actor, "office")
    stage = ""
    if "liaison_approve" in names:
        stage = ReviewStage.LIAISON
    elif measure.state == MeasureState.PENDING_CLOSE and (
        "office_close" in names or "office_stage_complete" in names
    ):
        stage = ReviewStage.OFFICE
    # Decisions are seen with their measure (reporting.scope), and this panel shows a measure
    # the person sees: the list is every decision of the measure, the latest first.
    decisions = selectors.measure_decisions(user, measure)
    last_return = selectors.last_return(measure, decisions=[d.decision for d in decisions])
    return_event = None
    if last_return is None and measure.state == MeasureState.IN_PROGRESS:
        event = selectors.last_return_event(measure)
        later = (
            event is not None
            and measure.state_changed_at
            and event.created_at >= measure.state_changed_at
        )
        return_event = event if later else None
    return {
        "template": "reporting/_measure_panel.html",
        "today": today,
        "reports": reports,
        "more_reports": counts["reports"] - len(reports),
        "evidence": evidence,
        "more_evidence": counts["evidence"] - len(evidence),
        "counts": counts,
        "live_evidence": counts["live_evidence"],
        "withdrawable": withdrawable,
        "decisions": decisions,
        "open_request": selectors.open_request(measure),
        "request_summary": selectors.request_summary(measure) if stage else "",
        "last_return": last_return,
        "return_event": return_event,
        "can_report": can_report,
        "reporting_unit": reporting_unit,
        "can_upload": can_report or (office_reviewer and measure.state == MeasureState.CLOSED),
        "can_request": "request_close" in names,
        "can_withdraw_request": "withdraw" in names,
        "stage": stage,
        "decision_form": DecisionForm(initial={"stage": stage}) if stage else None,
        "close_form": CloseRequestForm(),
        "can_direct_close": "direct_close" in names,
        "can_stage_complete": "office_stage_complete" in names
        and measure.state != MeasureState.PENDING_CLOSE,
        "extensions": extensions,
        "pending_extension": pending_ext,
        "can_request_extension": policy.can_request_extension(actor, measure),
        "extension_form": ExtensionRequestForm(),
        "can_decide_extension": office_reviewer and pending_ext is not None,
        "lookbacks": lookbacks,
        "can_schedule_lookback": (
            office_reviewer
            and measure.state in DONE_STATES
            and not any(lb.status == LookBackStatus.SCHEDULED for lb in lookbacks)
        ),
        "can_record_lookback": office_reviewer,
    }


# --- progress reports ------------------------------------------------------------------------


def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    actor = actor_for(request.user)
    if (
        not has_capability(actor, "report.file")
        or services.reporting_unit_for(actor, measure) is None
    ):
        raise PermissionDenied
    supersedes = None
    raw = request.POST.get("supersedes") or request.GET.get("supersedes")
    if raw:
        if parse_id(raw) is None:
            raise Http404
        supersedes = get_object_or_404(
            ProgressReport.objects.visible_to(request.user), pk=parse_id(raw), measure=measure
        )
    initial: dict[str, Any] = {"progress": measure.progress}
    if supersedes is not None:
        initial = {
            "work_done": supersedes.work_done,
            "problems": supersedes.problems,
            "next_steps": supersedes.next_steps,
            "progress": supersedes.progress,
            "supersedes": supersedes.pk,
        }
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        correcting=supersedes is not None,
    )
    context = {"m": measure, "form": form, "supersedes": supersedes}
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.report_file(
                    by=request.user,
                    measure=measure,
                    data=services.ReportData(
                        work_done=data["work_done"],
                        problems=data.get("problems") or "",
                        next_steps=data.get("next_steps") or "",
                        progress=data["progress"],
                    ),
                    supersedes=supersedes,
                    correction_reason=data.get("correction_reason") or "",
                    uploads=_uploads(form, request),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Progress report filed."))
                _warn_duplicates(request, report.evidence_duplicates)  # type: ignore[attr-defined]
                return _back(measure, "reports")
        return render(request, "reporting/report_form.html", context, status=400)
    return render(request, "reporting/report_form.html", context)


# --- evidence ---------------------------------------------------------------------------------


def _warn_duplicates(request: HttpRequest, duplicates: list[tuple[str, Evidence]]) -> None:
    for name, held in duplicates:
        messages.warning(
            request,
            _(
                "“%(name)s” has the same content as “%(held)s”, already attached "
                "to this measure; it was not added again."
            )
            % {"name": name, "held": held.original_name},
        )


def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    actor = actor_for(request.user)
    if (
        not has_capability(actor, "report.file")
        or services.reporting_unit_for(actor, measure) is None
    ):
        raise PermissionDenied
    form = EvidenceForm(request.POST or None, request.FILES or None)
    context = {"m": measure, "form": form}
    if request.method == "POST":
        if form.is_valid():
            try:
                rows = services.evidence_add(
                    by=request.user, measure=measure, uploads=_uploads(form, request)
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if rows:
                    messages.success(
                        request,
                        ngettext(
                            "%(n)d evidence file added.", "%(n)d evidence files added.", len(rows)
                        )
                        % {"n": len(rows)},
                    )
                _warn_duplicates(request, rows.duplicates)
                return _back(measure, "evidence")
        return render(request, "reporting/evidence_form.html", context, status=400)
    return render(request, "reporting/evidence_form.html", context)


def _shows_inline(handle: Any) -> bool:
    head = handle.read(1024)
    handle.seek(0)
    return (
        b"%PDF-" in head
        or head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
    )


# The measure page previews PDFs in an <iframe>; only this view may be framed, by the site itself.
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Serve an evidence file to those who see its measure, and nobody else (404 otherwise)."""
    evidence = get_visible_or_404(Evidence, request.user, pk=pk)
    inline = request.GET.get("inline") == "1" and bool(evidence.previewable)
    try:
        if not inline and files.presigned_downloads():
            if not storage.exists(evidence.sha256):
                raise FileNotFoundError(evidence.sha256)
            return files.download_response(
                storage.name_for(evidence.sha256),
                filename=evidence.original_name,
                content_type=evidence.content_type,
            )
        # A download streams as it is read; a preview is read once more from the start after
        # its first bytes were checked.
        handle = storage.open_blob(evidence.sha256, stream=not inline)
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The stored file is missing; tell the administrator.")) from exc
    if inline and not _shows_inline(handle):
        # Only a file whose bytes are really a PDF or an image is shown in the page; whatever
        # its stored type says, anything else is downloaded.
        inline = False
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(evidence.size)
    return response


@require_POST
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_visible_or_404(Evidence, request.user, pk=pk)
    if not Evidence.objects.editable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.evidence_withdraw(
                by=request.user, evidence=evidence, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("Withdrawn: %(name)s (the file is kept).") % {"name": evidence.original_name},
            )
    return _back(evidence.measure, "evidence")


# --- close-out ---------------------------------------------------------------------------------


@require_POST
def closeout_request(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    form = CloseRequestForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(measure, "closeout")
    try:
        services.closeout_request(
            by=request.user, measure=measure, summary=form.cleaned_data["summary"]
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Close-out requested; the liaison group will review it."))
    return _back(measure, "closeout")


@require_POST
def closeout_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    try:
        services.closeout_withdraw(
            by=request.user, measure=measure, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("The close-out request was withdrawn."))
    return _back(measure, "closeout")


@require_POST
def closeout_decide(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(measure, "closeout")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decision = services.closeout_decide(
            by=request.user,
            measure=measure,
            stage=form.cleaned_data["stage"],
            approve=approve,
            reason=form.cleaned_data.get("reason") or "",
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("Decision recorded: %(outcome)s") % {"outcome": decision.get_outcome_display()},
        )
        nxt = safe_next(request, "")
        if nxt:
            return HttpResponseRedirect(nxt)
    return _back(measure, "closeout")


@require_POST
def closeout_direct(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request, "review.office")
    measure = _measure(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(measure, "closeout")
    try:
        services.closeout_direct(
            by=request.user, measure=measure, summary=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Closed out directly (直接销号)."))
    return _back(measure, "closeout")


@require_POST
def stage_complete(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request, "review.office")
    measure = _measure(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(measure, "closeout")
    try:
        services.period_review_complete(
            by=request.user, measure=measure, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(
            request, _("Stage marked completed (阶段性完成); the next review is scheduled.")
        )
    return _back(measure, "closeout")


# --- extensions ----------------------------------------------------------------------------


@require_POST
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(measure, "extension")
    try:
        services.extension_request(
            by=request.user,
            measure=measure,
            new_due_date=form.cleaned_data["new_due_date"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Extension requested; the office will decide."))
    return _back(measure, "extension")


@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request, "review.office")
    ext = get_object_or_404(
        ExtensionRequest.objects.visible_to(request.user).select_related("measure"), pk=pk
    )
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(ext.measure, "extension")
    try:
        services.extension_decide(
            by=request.user,
            extension=ext,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data.get("note") or "",
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Extension decided."))
    return _back(ext.measure, "extension")


# --- look-backs ------------------------------------------------------------------------------


def lookback_list(request: HttpRequest) -> HttpResponse:
    require_capability(request, "ledger.view")
    status = request.GET.get("status") or ""
    qs = selectors.lookbacks(request.user)
    if status in LookBackStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/lookback_list.html",
        {
            "page": page,
            "status": status,
            "statuses": LookBackStatus.choices,
            "can_schedule": has_capability(request.user, "review.office"),
            "today": timezone.localdate(),
        },
    )


def lookback_schedule(request: HttpRequest) -> HttpResponse:
    require_capability(request, "review.office")
    initial: dict[str, Any] = {}
    measure = None
    raw = request.GET.get("measure") or request.POST.get("measure")
    if raw:
        if parse_id(raw) is None:
            raise Http404
        measure = get_object_or_404(ledger_measures(request.user), pk=parse_id(raw))
        initial = {"scope": "measure", "measure": measure.pk}
    form = LookBackScheduleForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            scope = data["scope"]
            measures = Measure.objects.visible_to(request.user)
            if scope == "inspection":
                measures = measures.filter(inspection=data["inspection"])
            elif scope == "theme":
                measures = measures.filter(finding__theme=data["theme"])
            elif scope == "unit":
                measures = measures.filter(lead_unit=data["unit"])
            else:
                measures = measures.filter(pk=data["measure"])
            try:
                result = services.lookback_schedule(
                    by=request.user,
                    measures=measures,
                    planned_date=data.get("planned_date") if data["when"] == "date" else None,
                    months_after_closure=data.get("months") if data["when"] == "months" else None,
                    label=data.get("label") or "",
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(created)d look-back checks scheduled; %(skipped)d measures skipped "
                        "(not closed, or a check is already waiting)."
                    )
                    % {"created": result.created, "skipped": result.skipped},
                )
                if measure is not None:
                    return _back(measure, "lookback")
                return HttpResponseRedirect(reverse("reporting:lookback_list"))
        return render(
            request,
            "reporting/lookback_schedule.html",
            {"form": form, "measure": measure},
            status=400,
        )
    return render(request, "reporting/lookback_schedule.html", {"form": form, "measure": measure})


def lookback_record(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request, "review.office")
    lookback = get_object_or_404(
        LookBack.objects.visible_to(request.user).select_related(
            "measure__lead_unit", "measure__finding"
        ),
        pk=pk,
    )
    form = LookBackRecordForm(request.POST or None, request.FILES or None)
    context = {"lb": lookback, "m": lookback.measure, "form": form}
    if request.method == "POST":
        if lookback.status != LookBackStatus.SCHEDULED:
            form.is_valid()
            form.add_error(None, _("This look-back has already been recorded."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                lb = services.lookback_record(
                    by=request.user,
                    lookback=lookback,
                    rating=data["rating"],
                    notes=data.get("notes") or "",
                    new_due_date=data.get("new_due_date"),
                    uploads=_uploads(form, request),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if lb.relapsed:
                    messages.warning(
                        request,
                        _(
                            "Recorded as a relapse (反弹回潮): the measure is reopened for "
                            "renewed rectification."
                        ),
                    )
                else:
                    messages.success(request, _("Look-back recorded."))
                return _back(lookback.measure, "lookback")
        return render(request, "reporting/lookback_record.html", context, status=400)
    return render(request, "reporting/lookback_record.html", context)


# --- reconciliation -------------------------------------------------------------------------


def reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(visible_findings(request.user), pk=pk)
    result = selectors.reconcile_finding(request.user, finding)
    for row in result.rows:
        for event in row.history:
            event.label = action_label(event.action)  # type: ignore[attr-defined]
    return render(request, "reporting/reconcile.html", {"finding": finding, "result": result})


# --- queues -----------------------------------------------------------------------------------


def _rows(measures: Any) -> list[dict[str, Any]]:
    measures = list(measures)
    summaries = selectors.request_summaries([m.pk for m in measures])
    rows = []
    for m in measures:
        current = [r for r in getattr(m, "open_requests", []) if selectors.is_current(r, m)]
        rows.append(
            {"m": m, "request": current[0] if current else None, "summary": summaries.get(m.pk, "")}
        )
    return rows


def liaison_queue(request: HttpRequest) -> HttpResponse:
    require_capability(request, "review.liaison")
    qs = selectors.liaison_queue(request.user)
    return render(
        request,
        "reporting/queue.html",
        {
            "title": _("Close-out requests for my liaison group"),
            "stage": ReviewStage.LIAISON,
            "main": _rows(qs[:QUEUE_SIZE]),
            "main_count": qs.count(),
            "today": timezone.localdate(),
        },
    )


def office_queue(request: HttpRequest) -> HttpResponse:
    require_capability(request, "review.office")
    user = request.user
    today = timezone.localdate()
    close_qs = selectors.office_close_queue(user)
    liaison_qs = selectors.at_liaison_queue(user)
    ext_qs = selectors.pending_extensions(user)
    reviews_qs = selectors.reviews_due(user, today=today)
    lookbacks_qs = selectors.lookbacks_due(user, today=today)
    return render(
        request,
        "reporting/queue.html",
        {
            "title": _("Waiting for the office"),
            "stage": ReviewStage.OFFICE,
            "main": _rows(close_qs[:QUEUE_SIZE]),
            "main_count": close_qs.count(),
            "at_liaison": _rows(liaison_qs[:QUEUE_SIZE]),
            "at_liaison_count": liaison_qs.count(),
            "extensions": list(ext_qs[:QUEUE_SIZE]),
            "reviews_due": list(reviews_qs[:QUEUE_SIZE]),
            "lookbacks_due": list(lookbacks_qs[:QUEUE_SIZE]),
            "today": today,
        },
    )


# --- reporting cycles, missing reports, unit reports --------------------------------------------


def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request, "review.office")
    inspection = get_editable_or_404(Inspection, request.user, pk=pk)
    instance = ReportingCycle.objects.visible_to(request.user).filter(
        inspection=inspection
    ).first() or ReportingCycle(inspection=inspection)
    form = CycleForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.cycle_save(
                    by=request.user,
                    inspection=inspection,
                    data=services.CycleData(
                        frequency=data["frequency"],
                        weekday=int(data["weekday"]),
                        day_of_month=int(data["day_of_month"]),
                        starts_on=data.get("starts_on"),
                        is_active=bool(data.get("is_active")),
                    ),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Reporting cycle saved."))
                return HttpResponseRedirect(
                    reverse("reporting:missing") + f"?inspection={inspection.pk}"
                )
        return render(
            request,
            "reporting/cycle_form.html",
            {"form": form, "inspection": inspection},
            status=400,
        )
    return render(request, "reporting/cycle_form.html", {"form": form, "inspection": inspection})


def missing(request: HttpRequest) -> HttpResponse:
    require_capability(request, "ledger.view")
    user = request.user
    today = timezone.localdate()
    actor = actor_for(user)
    groups = selectors.missing_by_unit(user, today=today)
    periods = selectors.current_periods(user, today=today)
    cycles = selectors.active_cycles(user)
    inspections = {c.inspection_id: c.inspection for c in cycles}
    my_units = (
        list(
            Unit.objects.visible_to(actor)
            .filter(pk__in=sorted(actor.unit_ids))
            .order_by("sort_order")
        )
        if actor.unit_ids
        else []
    )
    return render(
        request,
        "reporting/missing.html",
        {
            "groups": groups,
            "total": sum(len(g.measures) for g in groups),
            "periods": [(inspections[i], p) for i, p in periods.items() if i in inspections],
            "cycles": cycles,
            "inspections_without_cycle": Inspection.objects.visible_to(user)
            .exclude(pk__in=[c.inspection_id for c in cycles])
            .order_by("-feedback_date"),
            "my_units": my_units,
            "can_set_cycle": has_capability(user, "review.office"),
            "today": today,
        },
    )


def unit_report(request: HttpRequest, inspection_pk: int, unit_pk: int) -> HttpResponse:
    require_capability(request, "ledger.view")
    inspection = get_visible_or_404(Inspection, request.user, pk=inspection_pk)
    unit = get_visible_or_404(Unit, request.user, pk=unit_pk)
    view = selectors.unit_report_for(request.user, unit=unit, inspection=inspection)
    if view is None:
        if not ReportingCycle.objects.visible_to(request.user).filter(
            inspection=inspection
        ).exists() and (policy.can_see_unit_report(request.user, unit)):
            messages.warning(
                request, _("The office has not set a reporting cycle for this inspection yet.")
            )
            return HttpResponseRedirect(reverse("reporting:missing"))
        raise Http404
    can_edit = policy.can_edit_unit_report(request.user, unit)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    report = view.report
    initial = (
        {
            "work_done": report.work_done,
            "problems": report.problems,
            "next_steps": report.next_steps,
            "version": report.version,
        }
        if report
        else {**view.prefill, "version": 0}
    )
    form = UnitReportForm(request.POST or None, initial=initial)
    context = {
        "view": view,
        "form": form,
        "can_edit": can_edit,
        "inspection": inspection,
        "unit": unit,
    }
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.unit_report_save(
                    by=request.user,
                    unit=unit,
                    inspection=inspection,
                    data=services.UnitReportData(
                        work_done=data["work_done"],
                        problems=data.get("problems") or "",
                        next_steps=data.get("next_steps") or "",
                    ),
                    expected_version=data.get("version"),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Unit report saved."))
                return HttpResponseRedirect(
                    reverse("reporting:unit_report", args=[inspection.pk, unit.pk])
                )
        return render(request, "reporting/unit_report.html", context, status=400)
    return render(request, "reporting/unit_report.html", context)


# --- links on the ledger's pages -------------------------------------------------------------


def finding_links(request: HttpRequest, finding: Any) -> list[dict[str, Any]]:
    return [
        {
            "url": reverse("reporting:reconcile", args=[finding.pk]),
            "label": _("Reconcile (对账)"),
            "icon": "bi-list-check",
        }
    ]


def ledger_links(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "url": reverse("reporting:missing"),
            "label": _("Missing reports"),
            "icon": "bi-exclamation-circle",
        },
        {
            "url": reverse("reporting:lookback_list"),
            "label": _("Look-backs (回头看)"),
            "icon": "bi-arrow-counterclockwise",
        },
    ]
