"""The audit administrator's desk: the whole trail, its verification and export, and the
self-check with its Word file for the assessor. Pages read; the one POST runs a verification."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compliance.word import selfcheck_document
from core.audit import verify_and_record
from core.models import AuditEvent, AuditVerification
from core.selfcheck import run_checks
from core.text import search_term
from ledger.timeline import action_label, describe_events
from organization import policy
from organization.views import current_organization

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require_auditor(request: HttpRequest) -> None:
    policy.require(
        request.user,
        "read_audit_trail",
        message=_("Only the audit administrator reads the whole audit trail."),
    )


def _trail(request: HttpRequest) -> tuple[QuerySet[AuditEvent], str, bool]:
    """The organization's trail as the audit administrator reads it, with the page's filters:
    a search, and "the administrators' own actions" only."""
    events = AuditEvent.objects.visible_to(request.user).select_related("actor__person")
    q = search_term(request.GET.get("q"))
    if q:
        events = events.filter(
            Q(object_repr__icontains=q) | Q(actor_name__icontains=q) | Q(action__icontains=q)
        )
    admins = request.GET.get("who") == "admins"
    if admins:
        events = events.filter(policy.administrators_q("actor__person__"))
    return events.order_by("-seq"), q, admins


@require_GET
def trail(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    events, q, admins = _trail(request)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/trail.html",
        {
            "page": page,
            "events": describe_events(list(page.object_list)),
            "q": q,
            "admins": admins,
            "last_run": AuditVerification.objects.select_related("run_by").first(),
        },
    )


@require_GET
def trail_export(request: HttpRequest) -> HttpResponse:
    """The trail as it is filtered on the page, as CSV (UTF-8 with BOM for Excel and WPS),
    with each event's hash so the assessor can compare it with the chain."""
    _require_auditor(request)
    events, _q, _admins = _trail(request)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Sequence"),
            _("Time"),
            _("Person"),
            _("Action"),
            _("Object type"),
            _("Object"),
            _("Message"),
            _("Before"),
            _("After"),
            _("Hash"),
        ]
    )
    for e in events.iterator(chunk_size=2000):
        writer.writerow(
            [
                e.seq,
                timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_name,
                str(action_label(e.action)),
                e.object_type,
                e.object_repr,
                e.message,
                json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
                e.hash,
            ]
        )
    filename = f"{_('audit-trail')}-{timezone.localdate():%Y%m%d}.csv"
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Run `verify_audit` now; the run is kept for the self-check and recorded in the trail."""
    _require_auditor(request)
    result, run = verify_and_record(run_by=request.user)
    if result.ok:
        messages.success(
            request, _("Audit chain intact: %(n)d events checked.") % {"n": run.checked}
        )
    else:
        messages.error(
            request,
            _("Audit chain broken at event #%(seq)s: %(reason)s")
            % {"seq": run.broken_at, "reason": run.reason},
        )
    return HttpResponseRedirect(reverse("compliance:trail"))


def _selfcheck_items(request: HttpRequest) -> tuple[Any, list[Any]]:
    org = current_organization(request)
    return org, run_checks(org)


@require_GET
def selfcheck(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    org, items = _selfcheck_items(request)
    return render(
        request,
        "compliance/selfcheck.html",
        {
            "org": org,
            "items": items,
            "failing": sum(1 for i in items if not i.holds),
            "now": timezone.now(),
        },
    )


@require_GET
def selfcheck_docx(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    org, items = _selfcheck_items(request)
    today: datetime.date = timezone.localdate()
    data = selfcheck_document(org, items, today)
    filename = f"{org.name}{_('security self-check')}{today:%Y%m%d}.docx"
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response
