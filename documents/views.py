"""Documents screens: import a ledger or a feedback document, export the ledger, produce the
official Word documents, follow background jobs. Thin: forms validate, the import, export and
document modules do the work, and every object comes through the scoped querysets."""

from __future__ import annotations

import datetime as dt
import posixpath
import tempfile
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import files
from core.forms import check_date_range
from core.text import parse_id
from documents import selectors, word, wording
from documents.feedback import (
    FindingInput,
    candidates,
    default_level,
    findings_create,
    levels,
)
from documents.feedback_parser import parse_feedback_text
from documents.forms import (
    FeedbackSourceForm,
    FindingFormSet,
    ImportUploadForm,
    MeasureFormSet,
    UnitChoiceForm,
)
from documents.imports import ImportChoices
from documents.jobs import job_create, job_file, job_refresh, run_job, start_job
from documents.models import Job, JobKind, JobStatus
from documents.similarity import similar_findings
from ledger.choices import DeadlineKind
from ledger.filters import MeasureFilter
from ledger.models import Finding, Inspection, Measure, Tag
from ledger.selectors import ledger_measures
from ledger.services import MeasureData
from organization import policy
from organization.managers import get_visible_or_404
from organization.models import Organization, Theme, Unit
from organization.scope import actor_for, has_capability
from organization.views import require_capability

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def background_rows() -> int:
    return int(getattr(settings, "DOCUMENTS_BACKGROUND_ROWS", 2000))


def background_bytes() -> int:
    return int(getattr(settings, "DOCUMENTS_BACKGROUND_BYTES", 128 * 1024))


def _refuse(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(
        request, "documents/message.html", {"message": message, "status": status}, status=status
    )


def _no_cycle_yet(request: HttpRequest, inspection: Inspection) -> HttpResponse:
    """Unit reports are kept per reporting cycle: without one there is nothing to print yet, so
    say what to do (and offer the way to do it to whoever may)."""
    if policy.may(request.user, "set_reporting_cycle"):
        message = _(
            "There is no reporting cycle for %(inspection)s yet, so there is no current cycle "
            "to report on. Set the reporting cycle first; each unit then reports once a cycle."
        )
        action = {
            "url": reverse("reporting:cycle_edit", args=[inspection.pk]),
            "label": _("Set the reporting cycle"),
        }
    else:
        message = _(
            "There is no reporting cycle for %(inspection)s yet, so there is no current cycle "
            "to report on. The rectification office sets it; ask them to."
        )
        action = None
    return render(
        request,
        "documents/message.html",
        {"message": message % {"inspection": inspection.name}, "action": action},
    )


def _docx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def _stamp(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


# --- the index ---------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    require_capability(request, "documents.export")
    actor = actor_for(request.user)
    inspections = list(Inspection.objects.visible_to(request.user).order_by("-feedback_date"))
    own_units = list(
        Unit.objects.visible_to(actor).filter(pk__in=sorted(actor.unit_ids)).order_by("sort_order")
    )
    jobs = Job.objects.visible_to(request.user).order_by("-created_at")[:10]
    return render(
        request,
        "documents/index.html",
        {
            "inspections": inspections,
            "can_import": has_capability(request.user, "documents.import"),
            "own_units": own_units,
            "unit_form": UnitChoiceForm(user=request.user),
            "campaigns": list(Tag.objects.visible_to(request.user).order_by("name")),
            "jobs": [job_refresh(j) for j in jobs],
        },
    )


# --- Excel export ------------------------------------------------------------------------------


def _ledger_title(user: Any, inspection: Inspection | None) -> str:
    if inspection is not None:
        return wording.LEDGER_TITLE.format(name=inspection.name)
    org = Organization.objects.visible_to(user).first()
    return wording.LEDGER_TITLE_ALL.format(name=org.name if org else "")


def ledger_export(request: HttpRequest) -> HttpResponseBase:
    """The ledger exactly as filtered on the ledger page, as an Excel workbook."""
    require_capability(request, "documents.export")
    user = request.user
    filterset = MeasureFilter(request.GET, queryset=ledger_measures(user), user=user)
    if not filterset.is_valid():
        errors = [str(e) for errs in filterset.form.errors.values() for e in errs]
        return _refuse(
            request, _("The ledger filters are invalid: %(errors)s") % {"errors": " ".join(errors)}
        )
    measures = filterset.qs
    title = _ledger_title(user, filterset.form.cleaned_data.get("inspection"))
    filename = f"{title}-{_stamp(timezone.localdate())}.xlsx"
    total = measures.count()
    if total > background_rows():
        job = job_create(
            kind=JobKind.LEDGER_EXPORT,
            owner=user,
            params={"query": request.GET.urlencode(), "title": title, "filename": filename},
        )
        start_job(job)
        return HttpResponseRedirect(reverse("documents:job", args=[job.pk]))
    from documents.exports import export_ledger_xlsx

    # FileResponse closes the file once it has been sent.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    export_ledger_xlsx(measures, out, title=title)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)


# --- Excel import ------------------------------------------------------------------------------


def import_start(request: HttpRequest) -> HttpResponse:
    require_capability(request, "documents.import")
    initial: dict[str, Any] = {}
    if request.GET.get("inspection", "").isdigit():
        initial["inspection"] = int(request.GET["inspection"])
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            theme = form.cleaned_data.get("default_theme")
            job = job_create(
                kind=JobKind.IMPORT_PREVIEW,
                owner=request.user,
                params={
                    "inspection_id": form.cleaned_data["inspection"].pk,
                    "default_theme_id": theme.pk if theme else None,
                    "filename": upload.name[:200],
                    "size": len(data),
                },
                upload=data,
                upload_name=upload.name,
            )
            if len(data) > background_bytes():
                start_job(job)
            else:
                run_job(job.pk)
            return HttpResponseRedirect(reverse("documents:job", args=[job.pk]))
        return render(request, "documents/import_form.html", {"form": form}, status=400)
    return render(request, "documents/import_form.html", {"form": form})


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request, "documents.import")
    preview = _preview_job(request, pk)
    partly = request.POST.get("skip_errors") == "1"
    allowed = preview.data.get("can_apply_partly" if partly else "can_apply")
    if preview.status != JobStatus.DONE or not allowed:
        messages.error(
            request, _("This preview cannot be imported; fix the file and upload it again.")
        )
        return HttpResponseRedirect(reverse("documents:job", args=[pk]))
    digest = request.POST.get("digest", "")
    if digest != preview.data.get("digest"):
        messages.error(request, _("The confirmation does not match the preview; review it again."))
        return HttpResponseRedirect(reverse("documents:job", args=[pk]))
    job = job_create(
        kind=JobKind.IMPORT_APPLY,
        owner=request.user,
        params={"preview_job_id": preview.pk, "digest": digest, "skip_errors": partly},
    )
    rows = len(preview.data.get("rows", []))
    if preview.params.get("size", 0) > background_bytes() or rows > 100:
        start_job(job)
    else:
        run_job(job.pk)
    return HttpResponseRedirect(reverse("documents:job", args=[job.pk]))


def _preview_job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(
        Job.objects.visible_to(request.user).filter(kind=JobKind.IMPORT_PREVIEW), pk=pk
    )


def _posted_choices(request: HttpRequest, before: dict[str, Any]) -> dict[str, Any]:
    """The choices of the preview form over those made before: narrowed groups, matches."""
    choices = ImportChoices.from_dict(before)
    for key in request.POST.getlist("narrow_key"):
        choices.narrow[key[:200]] = [
            int(v) for v in request.POST.getlist(f"narrow:{key}") if v.isdigit()
        ]
    for field_name, value in request.POST.items():
        kind, _sep, name = field_name.partition(":")
        if kind in ("people", "units", "themes") and name and value.isdigit():
            getattr(choices, kind)[name[:200]] = int(value)
    return choices.to_dict()


@require_POST
def import_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview the same file again with the person's choices: narrowed groups, matches."""
    require_capability(request, "documents.import")
    preview = _preview_job(request, pk)
    name = job_file(preview, preview.upload_path) if preview.upload_path else None
    storage = files.private_storage()
    if preview.status != JobStatus.DONE or name is None or not storage.exists(name):
        messages.error(request, _("This preview is no longer available; upload the file again."))
        return HttpResponseRedirect(reverse("documents:import"))
    with storage.open(name, "rb") as stored:
        upload = stored.read()
    params = dict(preview.params)
    params["choices"] = _posted_choices(request, params.get("choices") or {})
    job = job_create(
        kind=JobKind.IMPORT_PREVIEW,
        owner=request.user,
        params=params,
        upload=upload,
        upload_name=posixpath.basename(name),
    )
    if params.get("size", 0) > background_bytes():
        start_job(job)
    else:
        run_job(job.pk)
    return HttpResponseRedirect(reverse("documents:job", args=[job.pk]))


# --- jobs --------------------------------------------------------------------------------------


def _job(request: HttpRequest, pk: int) -> Job:
    return job_refresh(get_visible_or_404(Job, request.user, pk=pk))


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    context: dict[str, Any] = {"job": job, "data": job.data}
    if job.kind == JobKind.IMPORT_PREVIEW and job.status == JobStatus.DONE:
        rows = job.data.get("rows", [])
        context["shown_rows"] = rows[:2000]
        context["more_rows"] = max(0, len(rows) - 2000)
        context["new_findings"] = [
            f for f in job.data.get("findings", []) if f["action"] == "create"
        ]
        may_import = has_capability(request.user, "documents.import")
        context["can_confirm"] = job.data.get("can_apply") and may_import
        context["can_confirm_partly"] = job.data.get("can_apply_partly") and may_import
        context["may_choose"] = may_import and bool(job.upload_path)
    return render(request, "documents/job.html", context)


def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = render(request, "documents/_job_progress.html", {"job": job})
    if job.is_finished and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"
    return response


def job_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = _job(request, pk)
    name = job_file(job, job.result_path) if job.status == JobStatus.DONE else None
    if name is None or not files.private_storage().exists(name):
        raise Http404
    return files.download_response(
        name, filename=job.result_name or posixpath.basename(name), content_type=XLSX
    )


# --- feedback documents ------------------------------------------------------------------------


def _feedback_context(
    request: HttpRequest, source: FeedbackSourceForm, *, parse: bool
) -> dict[str, Any]:
    inspection: Inspection = source.cleaned_data["inspection"]
    mode = source.cleaned_data["mode"]
    roots = parse_feedback_text(source.cleaned_data["text"])
    found_levels = levels(roots)
    level = source.cleaned_data.get("level") or ""
    if level not in {style for style, _example in found_levels}:
        level = default_level(roots)
    # Through the choke point like every other read; the inspection itself came from
    # editable_by, so its organization is the user's.
    themes = Theme.objects.visible_to(request.user).filter(is_active=True)
    units = Unit.objects.visible_to(request.user).filter(is_active=True)
    found = candidates(
        roots, level=level, notice=mode == "notice", inspection=inspection, user=request.user
    )
    if parse:
        findings = FindingFormSet(
            prefix="f",
            initial=[
                {
                    "include": not c.exists,
                    "number": c.number,
                    "text": c.text,
                    "source": c.source,
                    "theme": c.theme.pk if c.theme else None,
                }
                for c in found
            ],
            form_kwargs={"themes": themes},
        )
        measures = MeasureFormSet(
            prefix="m",
            initial=[
                {"finding": index, "include": False, "number": m.number, "content": m.text}
                for index, c in enumerate(found)
                for m in c.measures
            ],
            form_kwargs={"units": units, "feedback_date": inspection.feedback_date},
        )
    else:
        findings = FindingFormSet(request.POST, prefix="f", form_kwargs={"themes": themes})
        measures = MeasureFormSet(
            request.POST,
            prefix="m",
            form_kwargs={"units": units, "feedback_date": inspection.feedback_date},
        )
    rows = []
    measure_forms = list(measures.forms)
    for index, form in enumerate(findings.forms):
        rows.append(
            {
                "form": form,
                "candidate": found[index] if index < len(found) else None,
                "measures": [m for m in measure_forms if str(m["finding"].value()) == str(index)],
            }
        )
    return {
        "source": source,
        "inspection": inspection,
        "levels": found_levels,
        "level": level,
        "findings": findings,
        "measures": measures,
        "rows": rows,
        "preamble": roots[0].text if roots and not roots[0].number else "",
    }


def feedback(request: HttpRequest) -> HttpResponse:
    """Paste or upload a feedback document, check the findings read from it, create them."""
    require_capability(request, "documents.import")
    if request.method != "POST":
        initial = {}
        if request.GET.get("inspection", "").isdigit():
            initial["inspection"] = int(request.GET["inspection"])
        source = FeedbackSourceForm(user=request.user, initial=initial)
        return render(request, "documents/feedback_form.html", {"form": source})
    source = FeedbackSourceForm(request.POST, request.FILES or None, user=request.user)
    if not source.is_valid():
        return render(request, "documents/feedback_form.html", {"form": source}, status=400)
    action = request.POST.get("action", "parse")
    context = _feedback_context(request, source, parse=action != "confirm")
    if action != "confirm":
        return render(request, "documents/feedback_preview.html", context)
    findings, measures = context["findings"], context["measures"]
    errors: list[str] = []
    if findings.is_valid() and measures.is_valid():
        items = _feedback_items(findings, measures, errors)
        if not items and not errors:
            errors.append(_("Tick at least one finding to create."))
        if not errors:
            try:
                created = findings_create(
                    by=request.user, inspection=context["inspection"], items=items
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("%(n)d findings created.") % {"n": len(created)})
                return HttpResponseRedirect(
                    reverse("ledger:inspection_detail", args=[context["inspection"].pk])
                )
    context["errors"] = errors
    return render(request, "documents/feedback_preview.html", context, status=400)


def _feedback_items(findings: Any, measures: Any, errors: list[str]) -> list[FindingInput]:
    items: dict[int, FindingInput] = {}
    for index, form in enumerate(findings.forms):
        data = form.cleaned_data
        if data.get("include"):
            items[index] = FindingInput(
                number=(data.get("number") or "").strip(),
                text=data["text"],
                source=data.get("source") or "",
                theme=data["theme"],
            )
    for form in measures.forms:
        data = form.cleaned_data
        if not data.get("include"):
            continue
        parent = items.get(data["finding"])
        if parent is None:
            errors.append(
                _("Measure %(number)s belongs to a finding that is not included.")
                % {"number": data.get("number") or data["content"][:20]}
            )
            continue
        parsed = data["parsed_deadline"]
        review = 90 if parsed.kind == DeadlineKind.LONG_TERM else None
        parent.measures.append(
            MeasureData(
                content=data["content"],
                lead_unit=data["lead_unit"],
                number=(data.get("number") or "").strip(),
                deadline_kind=parsed.kind,
                deadline_text=data["deadline"].strip(),
                due_date=parsed.due_date,
                review_interval_days=review,
            )
        )
    return list(items.values())


# --- Word documents ----------------------------------------------------------------------------


def _inspection(request: HttpRequest, pk: int) -> Inspection:
    require_capability(request, "documents.export")
    return get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("organization"), pk=pk
    )


def _unit_param(request: HttpRequest, inspection: Inspection) -> Unit | None:
    raw = request.GET.get("unit", "")
    if not raw:
        return None
    if parse_id(raw) is None:
        raise Http404
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=parse_id(raw))
    if not policy.may(request.user, "choose_any_unit") and not selectors.unit_in_reach(
        request.user, inspection, unit
    ):
        raise Http404
    return unit


def _campaign_param(request: HttpRequest) -> Tag | None:
    """The campaign a document is limited to (`?campaign=`; empty means all)."""
    raw = request.GET.get("campaign", "")
    if not raw:
        return None
    if parse_id(raw) is None:
        raise Http404
    return get_visible_or_404(Tag, request.user, pk=parse_id(raw))


def progress_report(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection(request, pk)
    policy.require(request.user, "export_progress_report")
    notice = request.GET.get("kind") == "notice"
    campaign = _campaign_param(request)
    today = timezone.localdate()
    data = selectors.progress_data(request.user, inspection, today=today, campaign=campaign)
    body = word.progress_report(data, notice=notice)
    title = (wording.NOTICE_TITLE if notice else wording.REPORT_TITLE).format(
        inspection=word.progress_subject(data)
    )
    return _docx(body, f"{title}-{_stamp(today)}.docx")


def task_division(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection(request, pk)
    unit = _unit_param(request, inspection)
    today = timezone.localdate()
    rows = selectors.division_rows(request.user, inspection, unit=unit)
    body = word.task_division(inspection, rows, unit=unit, as_of=today)
    name = wording.TASK_DIVISION_TITLE.format(inspection=inspection.name)
    suffix = f"-{unit.name}" if unit else ""
    return _docx(body, f"{name}{suffix}-{_stamp(today)}.docx")


def responsibility_list(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection(request, pk)
    unit = _unit_param(request, inspection)
    today = timezone.localdate()
    sections = selectors.responsibility_units(request.user, inspection, unit=unit)
    body = word.responsibility_list(inspection, sections, unit=unit, as_of=today)
    name = wording.RESPONSIBILITY_TITLE.format(inspection=inspection.name)
    suffix = f"-{unit.name}" if unit else ""
    return _docx(body, f"{name}{suffix}-{_stamp(today)}.docx")


def unit_report(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    from reporting.models import ReportingCycle
    from reporting.selectors import unit_report_for

    inspection = _inspection(request, pk)
    unit = get_visible_or_404(Unit, request.user, pk=unit_pk)
    day = None
    if request.GET.get("day"):
        try:
            day = dt.date.fromisoformat(request.GET["day"])
        except ValueError:
            return _refuse(request, _("The day must be written as YYYY-MM-DD."))
        try:
            check_date_range(day)
        except ValidationError as exc:
            return _refuse(request, exc.messages[0])
    view = unit_report_for(request.user, unit=unit, inspection=inspection, day=day)
    if view is None:
        if not ReportingCycle.objects.visible_to(request.user).filter(
            inspection=inspection
        ).exists() and (policy.can_see_unit_report(request.user, unit)):
            return _no_cycle_yet(request, inspection)
        raise Http404
    report = view.report
    texts = (
        {
            "work_done": report.work_done,
            "problems": report.problems,
            "next_steps": report.next_steps,
        }
        if report is not None
        else view.prefill
    )
    content = word.UnitReportContent(
        unit=unit,
        inspection=inspection,
        start=view.period.start,
        end=view.period.end,
        work_done=texts["work_done"],
        problems=texts["problems"],
        next_steps=texts["next_steps"],
        measures=[
            (
                line.measure,
                line.part,
                line.report.progress if line.report else line.measure.progress,
            )
            for line in view.lines
        ],
    )
    today = timezone.localdate()
    body = word.unit_report(content, as_of=today)
    name = wording.UNIT_REPORT_TITLE.format(unit=unit.name)
    return _docx(body, f"{name}-{_stamp(view.period.end)}.docx")


def supervision_notice(request: HttpRequest, pk: int) -> HttpResponse:
    from notifications.selectors import supervision_notice_data, visible_notices

    require_capability(request, "documents.export")
    measure = get_object_or_404(
        Measure.objects.visible_to(request.user).select_related(
            "finding__inspection__organization", "lead_unit", "responsible_leader"
        ),
        pk=pk,
    )
    notice = visible_notices(request.user).filter(measure=measure).order_by("-issued_at").first()
    today = timezone.localdate()
    if notice is not None:
        content = word.notice_from_data(
            supervision_notice_data(notice), deadline_kind=measure.deadline_kind
        )
    else:
        policy.require(request.user, "draft_supervision_notice")
        if not measure.is_flagged:
            return _refuse(
                request,
                _("This measure is not flagged for supervision (挂牌督办); flag it first."),
            )
        content = word.notice_from_measure(measure, today=today)
    body = word.supervision_notice(content)
    number = f"{measure.finding.number}-{measure.number}".strip("-")
    return _docx(body, f"{wording.SUPERVISION_TITLE}-{number}-{_stamp(today)}.docx")


# --- hooks on ledger pages ---------------------------------------------------------------------


def ledger_links(request: HttpRequest) -> list[dict[str, Any]]:
    """Buttons on the ledger page: the export carries the page's filters."""
    if not has_capability(request.user, "documents.export"):
        return []
    query = request.GET.copy()
    for key in ("page", "per_page"):
        query.pop(key, None)
    url = reverse("documents:ledger_export")
    if query:
        url += "?" + query.urlencode()
    links = [
        {
            "url": url,
            "label": _("Export Excel"),
            "icon": "bi-file-earmark-excel",
            "style": "success",
            "keep_query": True,
        }
    ]
    if has_capability(request.user, "documents.import"):
        inspection = request.GET.get("inspection", "")
        target = reverse("documents:import")
        if inspection.isdigit():
            target += "?" + urlencode({"inspection": inspection})
        links.append(
            {"url": target, "label": _("Import Excel"), "icon": "bi-upload", "style": "secondary"}
        )
    return links


def measure_links(request: HttpRequest, measure: Measure) -> list[dict[str, Any]]:
    if not measure.is_flagged or not has_capability(request.user, "documents.export"):
        return []
    if not policy.may(request.user, "draft_supervision_notice"):
        from notifications.selectors import visible_notices

        if not visible_notices(request.user).filter(measure=measure).exists():
            return []
    return [
        {
            "url": reverse("documents:supervision_notice", args=[measure.pk]),
            "label": _("Supervision notice (督办通知, Word)"),
            "icon": "bi-file-earmark-word",
            "style": "danger",
        }
    ]


def similar_panel(request: HttpRequest, finding: Finding) -> dict[str, Any]:
    return {
        "template": "documents/_similar_panel.html",
        "similar": similar_findings(request.user, finding),
    }
