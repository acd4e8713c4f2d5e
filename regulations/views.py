"""Pages of the 建章立制 register. Thin: forms collect, services write, selectors read."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ledger.models import Inspection
from meetings.models import Meeting
from organization import policy
from organization.managers import get_editable_or_404, get_visible_or_404
from organization.models import Unit
from organization.scope import actor_for
from regulations import compendium, files, selectors, services
from regulations.choices import CRITERIA, DATED_STAGES, Stage
from regulations.forms import (
    DeliberationForm,
    DraftForm,
    EvaluationForm,
    IssueForm,
    OpinionForm,
    RegisterFilter,
    ReplyForm,
    ReturnForm,
    RuleForm,
)
from regulations.models import DraftVersion, Opinion, Rule
from regulations.workflow import TRANSITIONS, available_transitions
from reporting import storage

ACTION_LABELS = {
    "create": _("created the rule"),
    "update": _("edited the rule"),
    "draft_uploaded": _("uploaded a draft"),
    "round_opened": _("opened a consultation round"),
    "opinion": _("answered the consultation"),
    "reply": _("replied to a comment"),
}


def _rule_url(rule: Rule) -> str:
    return reverse("regulations:rule_detail", args=[rule.pk])


def _errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def rule_list(request: HttpRequest) -> HttpResponse:
    if not policy.may(request.user, "regulations.view_register"):
        raise PermissionDenied
    form = RegisterFilter(request.GET or None, user=request.user)
    rules = selectors.visible_rules(request.user).order_by("inspection_id", "id")
    light = ""
    if form.is_valid():
        data = form.cleaned_data
        if data["stage"]:
            rules = rules.filter(stage=data["stage"])
        if data["kind"]:
            rules = rules.filter(kind=data["kind"])
        if data["lead_unit"]:
            rules = rules.filter(lead_unit=data["lead_unit"])
        if data["campaign"]:
            rules = rules.filter(tags=data["campaign"])
        light = data["light"]
    today = timezone.localdate()
    # Lights are computed from the facts, never stored, so the light filter runs on the page's
    # already scoped rows.
    rows = [(rule, selectors.rule_light(rule, today=today)) for rule in rules]
    if light:
        rows = [(rule, result) for rule, result in rows if result.light == light]
    return render(
        request,
        "regulations/rule_list.html",
        {
            "form": form,
            "rows": rows,
            "can_add": policy.may(request.user, "regulations.add_rule"),
            "inspections": Inspection.objects.visible_to(request.user),
        },
    )


def _rule_data(cleaned: dict[str, Any]) -> services.RuleData:
    return services.RuleData(
        title=cleaned["title"],
        kind=cleaned["kind"],
        lead_unit=cleaned["lead_unit"],
        consulted_units=list(cleaned["consulted_units"]),
        findings=list(cleaned["findings"]),
        measures=list(cleaned["measures"]),
        tags=list(cleaned.get("tags") or []),
        dues={stage: cleaned.get(f"{stage}_due") for stage in DATED_STAGES},
    )


def rule_create(request: HttpRequest) -> HttpResponse:
    if not policy.may(request.user, "regulations.add_rule"):
        raise PermissionDenied
    form = RuleForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                rule = services.rule_create(
                    by=request.user,
                    inspection=form.cleaned_data["inspection"],
                    data=_rule_data(form.cleaned_data),
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Added to the register: %(title)s") % {"title": rule})
                return HttpResponseRedirect(_rule_url(rule))
        return render(request, "regulations/rule_form.html", {"form": form}, status=400)
    return render(request, "regulations/rule_form.html", {"form": form})


def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_editable_or_404(Rule, request.user, pk=pk)
    initial: dict[str, Any] = {
        "title": rule.title,
        "kind": rule.kind,
        "lead_unit": rule.lead_unit,
        "consulted_units": list(rule.consulted_units.all()),
        "findings": list(rule.findings.unscoped("the rule's own links, shown to its editor")),
        "measures": list(rule.measures.unscoped("the rule's own links, shown to its editor")),
        "tags": list(rule.tags.all()),
    }
    initial |= {f"{stage}_due": getattr(rule, f"{stage}_due") for stage in DATED_STAGES}
    form = RuleForm(request.POST or None, user=request.user, rule=rule, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.rule_update(by=request.user, rule=rule, data=_rule_data(form.cleaned_data))
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(_rule_url(rule))
        return render(
            request, "regulations/rule_form.html", {"form": form, "rule": rule}, status=400
        )
    return render(request, "regulations/rule_form.html", {"form": form, "rule": rule})


def _describe(event: Any) -> str:
    if event.action.startswith("transition:"):
        transition = TRANSITIONS.get(event.action.split(":", 1)[1])
        if transition is not None:
            return str(transition.label)
    return str(ACTION_LABELS.get(event.action, event.action))


def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_visible_or_404(Rule, request.user, pk=pk)
    actor = actor_for(request.user)
    drafts = list(selectors.drafts_of(request.user, rule))
    history = [(event, _describe(event)) for event in selectors.history_of(request.user, rule)]
    transitions = available_transitions(actor, rule)
    dues = [
        (Stage(stage).label, getattr(rule, f"{stage}_due"), stage == rule.stage)
        for stage in DATED_STAGES
    ]
    answer_units = policy.answer(request.user, "regulations.answer_opinion", rule) or frozenset()
    if answer_units:
        answer_units = _pending_units(
            request.user, rule, answer_units, services.latest_round(rule)
        ).exists()
    return render(
        request,
        "regulations/rule_detail.html",
        {
            "rule": rule,
            "light": selectors.rule_light(rule),
            "drafts": drafts,
            "rounds": selectors.rounds_of(request.user, rule),
            "history": history,
            "dues": dues,
            "transitions": {t.name for t in transitions},
            "blockers": services.consultation_blockers(rule)
            if rule.stage == Stage.CONSULTING
            else [],
            "can_edit": policy.may(request.user, "regulations.edit_rule", rule),
            "can_upload": policy.may(request.user, "regulations.upload_draft", rule),
            "can_answer": bool(answer_units),
            "can_reply": policy.may(request.user, "regulations.reply", rule),
            "evaluations": rule.evaluations.visible_to(request.user).select_related(
                "evaluator", "revision_measure"
            ),
            "criteria": CRITERIA,
            "findings": rule.findings.visible_to(request.user),
            "measures": rule.measures.visible_to(request.user),
            "consulted": rule.consulted_units.order_by("name"),
            "campaigns": rule.tags.visible_to(request.user),
            # Linked only when this person may open the meeting; its name is shown either way.
            "deciding_meeting": Meeting.objects.visible_to(request.user)
            .filter(pk=rule.deciding_meeting_id)
            .first()
            if rule.deciding_meeting_id
            else None,
        },
    )


def draft_upload(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_visible_or_404(Rule, request.user, pk=pk)
    if not policy.may(request.user, "regulations.upload_draft", rule):
        raise PermissionDenied
    form = DraftForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                draft = services.draft_upload(
                    by=request.user,
                    rule=rule,
                    file=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Draft version %(n)d kept.") % {"n": draft.number})
                return HttpResponseRedirect(_rule_url(rule))
        return render(
            request, "regulations/draft_form.html", {"form": form, "rule": rule}, status=400
        )
    return render(request, "regulations/draft_form.html", {"form": form, "rule": rule})


def _serve(sha256: str, name: str, content_type: str, size: int | None) -> FileResponse:
    try:
        handle = storage.open_blob(sha256)
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The stored file is missing; tell the administrator.")) from exc
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["X-Content-Type-Options"] = "nosniff"
    if size is not None:
        response["Content-Length"] = str(size)
    return response


def draft_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft, to those who see its rule (consulted departments included), and nobody else."""
    draft = get_visible_or_404(DraftVersion, request.user, pk=pk)
    return _serve(draft.sha256, draft.original_name, draft.content_type, draft.size)


def issued_download(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_visible_or_404(Rule, request.user, pk=pk)
    if not rule.issued_sha256:
        raise Http404
    return _serve(rule.issued_sha256, rule.issued_name, rule.issued_content_type, rule.issued_size)


def draft_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """The text changes from the previous version to this one, when both are .docx."""
    draft = get_visible_or_404(DraftVersion, request.user, pk=pk)
    previous = (
        DraftVersion.objects.visible_to(request.user)
        .filter(rule_id=draft.rule_id, number__lt=draft.number)
        .order_by("-number")
        .first()
    )
    table = ""
    if previous is not None and previous.is_docx and draft.is_docx:
        table = files.text_diff_html(
            previous.text,
            draft.text,
            old_label=_("Version %(n)d") % {"n": previous.number},
            new_label=_("Version %(n)d") % {"n": draft.number},
        )
    return render(
        request,
        "regulations/draft_diff.html",
        {
            "rule": draft.rule,
            "draft": draft,
            "previous": previous,
            # Built by difflib.HtmlDiff, which escapes every line; the labels are escaped too.
            "table": mark_safe(table),
        },
    )


def _pending_units(user: Any, rule: Rule, unit_ids: frozenset[int], consultation: Any) -> Any:
    units = Unit.objects.visible_to(user).filter(pk__in=sorted(unit_ids)).order_by("name")
    if consultation is not None:
        answered = Opinion.objects.visible_to(user).filter(round=consultation).values("unit_id")
        units = units.exclude(pk__in=answered)
    return units


def opinion_answer(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_visible_or_404(Rule, request.user, pk=pk)
    unit_ids = policy.answer(request.user, "regulations.answer_opinion", rule) or frozenset()
    if not unit_ids:
        raise PermissionDenied
    consultation = services.latest_round(rule)
    # The departments this person answers for that have not answered the open round yet.
    units = _pending_units(request.user, rule, unit_ids, consultation)
    form = OpinionForm(request.POST or None, units=units)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.opinion_submit(
                    by=request.user,
                    rule=rule,
                    unit=form.cleaned_data["unit"],
                    stance=form.cleaned_data["stance"],
                    comments=form.cleaned_data["comments"],
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Your opinion has been recorded."))
                return HttpResponseRedirect(_rule_url(rule))
        return render(
            request,
            "regulations/opinion_form.html",
            {"form": form, "rule": rule, "round": consultation},
            status=400,
        )
    return render(
        request,
        "regulations/opinion_form.html",
        {"form": form, "rule": rule, "round": consultation, "pending": units.exists()},
    )


def reply_answer(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_visible_or_404(Opinion, request.user, pk=pk)
    rule = opinion.round.rule
    if not policy.may(request.user, "regulations.reply", rule):
        raise PermissionDenied
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reply_submit(
                    by=request.user,
                    opinion=opinion,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Reply recorded."))
                return HttpResponseRedirect(_rule_url(rule))
        return render(
            request,
            "regulations/reply_form.html",
            {"form": form, "rule": rule, "opinion": opinion},
            status=400,
        )
    return render(
        request, "regulations/reply_form.html", {"form": form, "rule": rule, "opinion": opinion}
    )


SIMPLE_TRANSITIONS = {
    "start_consultation": services.rule_start_consultation,
    "submit_for_deliberation": services.rule_submit_for_deliberation,
}


@require_POST
def rule_advance(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """The transitions that need no input: each calls its own named service."""
    rule = get_visible_or_404(Rule, request.user, pk=pk)
    service = SIMPLE_TRANSITIONS.get(name)
    if service is None:
        raise Http404
    try:
        service(by=request.user, rule=rule)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, str(TRANSITIONS[name].label))
    return HttpResponseRedirect(_rule_url(rule))


def _stage_form(
    request: HttpRequest,
    pk: int,
    *,
    transition: str,
    form_class: Any,
    run: Any,
    title: str,
    with_user: bool = False,
) -> HttpResponse:
    rule = get_visible_or_404(Rule, request.user, pk=pk)
    if transition not in {t.name for t in available_transitions(actor_for(request.user), rule)}:
        raise PermissionDenied
    extra = {"user": request.user, "rule": rule} if with_user else {}
    form = form_class(request.POST or None, request.FILES or None, **extra)
    if request.method == "POST":
        if form.is_valid():
            try:
                run(rule, form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, title)
                return HttpResponseRedirect(_rule_url(rule))
        status = 400
    else:
        status = 200
    return render(
        request,
        "regulations/stage_form.html",
        {"form": form, "rule": rule, "title": title, "criteria": CRITERIA},
        status=status,
    )


def rule_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _stage_form(
        request,
        pk,
        transition="return_for_revision",
        form_class=ReturnForm,
        run=lambda rule, data: services.rule_return_for_revision(
            by=request.user, rule=rule, reason=data["reason"]
        ),
        title=str(TRANSITIONS["return_for_revision"].label),
    )


def rule_deliberate(request: HttpRequest, pk: int) -> HttpResponse:
    return _stage_form(
        request,
        pk,
        transition="approve",
        form_class=DeliberationForm,
        run=lambda rule, data: services.rule_approve(
            by=request.user,
            rule=rule,
            meeting=data["meeting"],
            deliberated_on=data["deliberated_on"],
            held_at=data.get("held_at"),
        ),
        title=str(TRANSITIONS["approve"].label),
        with_user=True,
    )


def rule_issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _stage_form(
        request,
        pk,
        transition="issue",
        form_class=IssueForm,
        run=lambda rule, data: services.rule_issue(
            by=request.user,
            rule=rule,
            issue_number=data["issue_number"],
            issued_on=data["issued_on"],
            file=data["file"],
        ),
        title=str(TRANSITIONS["issue"].label),
    )


def rule_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rule: Rule, data: dict[str, Any]) -> None:
        services.rule_evaluate(
            by=request.user,
            rule=rule,
            data=services.EvaluationData(
                evaluated_on=data["evaluated_on"],
                checks={key: data[key] for key, _label in CRITERIA},
                notes={key: data[f"{key}_note"] for key, _label in CRITERIA},
                revision_due=data["revision_due"],
            ),
        )

    return _stage_form(
        request,
        pk,
        transition="evaluate_pass",
        form_class=EvaluationForm,
        run=run,
        title=_("Evaluation (评估)"),
    )


def compendium_export(request: HttpRequest, pk: int) -> HttpResponse:
    """制度汇编 of an inspection: the issued rules this person may see, as Word."""
    if not policy.may(request.user, "regulations.view_register"):
        raise PermissionDenied
    inspection = get_visible_or_404(Inspection, request.user, pk=pk)
    rules = list(selectors.issued_rules(request.user, inspection.pk))
    data = compendium.build_compendium(inspection, rules)
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = _("Compendium of rules") + f" {inspection.label}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
