"""Writes to the register. Every service is atomic, locks the rule it changes, and is audited
on the rule, so the rule's history (its audit events) shows every step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import filetypes
from core.audit import diff_fields, record_event
from ledger.choices import DeadlineKind
from ledger.models import Finding, Inspection, Measure, Tag
from ledger.services import MeasureData, measure_create
from meetings.models import Meeting
from organization import policy
from organization.models import Person, Unit
from organization.scope import actor_for
from regulations import files
from regulations.choices import CRITERIA, DATED_STAGES, Decision, RuleKind, Stage, Stance
from regulations.models import ConsultationRound, DraftVersion, Evaluation, Opinion, Reply, Rule
from regulations.workflow import TRANSITIONS, relations


class TransitionError(ValidationError):
    """A stage change that is not possible now, or lacks what it needs."""


@dataclass
class RuleData:
    """The editable fields of a rule, validated the same way by every form."""

    title: str
    kind: str
    lead_unit: Unit
    consulted_units: list[Unit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    dues: dict[str, dt.date | None] = field(default_factory=dict)


@dataclass
class EvaluationData:
    evaluated_on: dt.date
    checks: dict[str, bool]
    notes: dict[str, str]
    revision_due: dt.date | None = None


def _person(by: Any) -> Person:
    person = getattr(by, "person", None)
    if person is None:
        raise PermissionDenied
    return person


def _lock(rule_id: int) -> Rule:
    return (
        Rule.objects.unscoped("locking a rule the caller has already been shown")
        .select_for_update()
        .get(pk=rule_id)
    )


def _validate(data: RuleData, *, organization_id: int, inspection: Inspection) -> None:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors.setdefault("title", []).append(_("The title is required."))
    if data.kind not in RuleKind.values:
        errors.setdefault("kind", []).append(_("Unknown kind."))
    if data.lead_unit.organization_id != organization_id:
        errors.setdefault("lead_unit", []).append(
            _("The lead department is not in this organization.")
        )
    if any(u.organization_id != organization_id for u in data.consulted_units):
        errors.setdefault("consulted_units", []).append(
            _("A consulted department is not in this organization.")
        )
    if any(u.pk == data.lead_unit.pk for u in data.consulted_units):
        errors.setdefault("consulted_units", []).append(
            _("The lead department is not consulted on its own rule.")
        )
    if any(f.inspection_id != inspection.pk for f in data.findings):
        errors.setdefault("findings", []).append(_("A finding belongs to another inspection."))
    if any(m.finding.inspection_id != inspection.pk for m in data.measures):
        errors.setdefault("measures", []).append(_("A measure belongs to another inspection."))
    if any(t.organization_id != organization_id for t in data.tags):
        errors.setdefault("tags", []).append(_("A campaign is of another organization."))
    previous: dt.date | None = None
    for stage in DATED_STAGES:
        due = data.dues.get(stage)
        if due is None:
            continue
        if previous is not None and due < previous:
            errors.setdefault(f"{stage}_due", []).append(
                _("A stage cannot fall due before the stage before it.")
            )
        previous = due
    if errors:
        raise ValidationError(errors)


def _snapshot(rule: Rule) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": rule.title,
        "kind": rule.kind,
        "lead_unit": rule.lead_unit_id,
        "consulted_units": sorted(rule.consulted_units.values_list("id", flat=True)),
        "findings": sorted(
            rule.findings.unscoped("audit of the rule's links").values_list("id", flat=True)
        ),
        "measures": sorted(
            rule.measures.unscoped("audit of the rule's links").values_list("id", flat=True)
        ),
        "tags": sorted(rule.tags.values_list("id", flat=True)),
    }
    for stage in DATED_STAGES:
        data[f"{stage}_due"] = getattr(rule, f"{stage}_due")
    return data


def _apply(rule: Rule, data: RuleData) -> None:
    rule.title = data.title.strip()
    rule.kind = data.kind
    rule.lead_unit = data.lead_unit
    for stage in DATED_STAGES:
        setattr(rule, f"{stage}_due", data.dues.get(stage))


def _apply_links(rule: Rule, data: RuleData) -> None:
    rule.consulted_units.set(data.consulted_units)
    rule.findings.set(data.findings)
    rule.measures.set(data.measures)
    rule.tags.set(data.tags)


def rule_create(*, by: Any, inspection: Inspection, data: RuleData) -> Rule:
    policy.require(
        by, "regulations.add_rule", message=_("Only the office adds rules to the register.")
    )
    if inspection.organization_id != actor_for(by).organization_id:
        raise PermissionDenied
    _validate(data, organization_id=inspection.organization_id, inspection=inspection)
    with transaction.atomic():
        rule = Rule(
            organization_id=inspection.organization_id,
            inspection=inspection,
            stage=Stage.DRAFTING,
            stage_changed_at=timezone.now(),
        )
        _apply(rule, data)
        rule.save()
        _apply_links(rule, data)
        record_event(actor=by, obj=rule, action="create", after=_snapshot(rule))
        return rule


def rule_update(*, by: Any, rule: Rule, data: RuleData) -> Rule:
    policy.require(by, "regulations.edit_rule", rule)
    _validate(data, organization_id=rule.organization_id, inspection=rule.inspection)
    with transaction.atomic():
        current = _lock(rule.pk)
        if current.stage == Stage.CONSULTING and {u.pk for u in data.consulted_units} != set(
            current.consulted_units.values_list("id", flat=True)
        ):
            raise ValidationError(
                {
                    "consulted_units": _(
                        "The consulted departments cannot change during a round; "
                        "change them while drafting."
                    )
                }
            )
        before = _snapshot(current)
        _apply(current, data)
        current.save()
        _apply_links(current, data)
        b, a = diff_fields(before, _snapshot(current))
        if a or b:
            record_event(actor=by, obj=current, action="update", before=b, after=a)
        return current


def _open_round(by: Any, rule: Rule, draft: DraftVersion) -> ConsultationRound:
    number = rule.rounds.unscoped("numbering the rounds of a locked rule").count() + 1
    consultation = ConsultationRound.objects.create(rule=rule, number=number, draft=draft)
    record_event(
        actor=by,
        obj=rule,
        action="round_opened",
        after={"round": number, "draft": draft.number},
    )
    return consultation


def latest_round(rule: Rule) -> ConsultationRound | None:
    return (
        ConsultationRound.objects.unscoped("the rounds of a rule the caller holds")
        .filter(rule=rule)
        .order_by("-number")
        .first()
    )


def draft_upload(*, by: Any, rule: Rule, file: IO[bytes] | Any, note: str = "") -> DraftVersion:
    """Keep a new draft version; while in 会商 it opens a new round for every consulted
    department."""
    policy.require(by, "regulations.edit_rule", rule)
    person = _person(by)
    try:
        stored = files.store_upload(file)
    except filetypes.FileRefused as exc:
        raise ValidationError({"file": str(exc)}) from exc
    with transaction.atomic():
        current = _lock(rule.pk)
        if current.stage not in (Stage.DRAFTING, Stage.CONSULTING):
            raise TransitionError(_("Drafts are uploaded while drafting or in consultation."))
        policy.require(by, "regulations.upload_draft", current)
        number = current.drafts.unscoped("numbering the drafts of a locked rule").count() + 1
        draft = DraftVersion.objects.create(
            rule=current,
            number=number,
            sha256=stored.sha256,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            text=stored.text,
            note=note.strip()[:500],
            uploaded_by=person,
        )
        record_event(
            actor=by,
            obj=current,
            action="draft_uploaded",
            after={"version": number, "file": stored.original_name},
            message=draft.note,
        )
        if current.stage == Stage.CONSULTING:
            _open_round(by, current, draft)
        return draft


def opinion_submit(*, by: Any, rule: Rule, unit: Unit, stance: str, comments: str = "") -> Opinion:
    """A consulted department's answer in the current round; once per department per round."""
    comments = (comments or "").strip()
    if stance not in Stance.values:
        raise ValidationError({"stance": _("Choose an opinion.")})
    if stance != Stance.AGREE and not comments:
        raise ValidationError(
            {"comments": _("Write the comments, or the reasons for disagreeing.")}
        )
    person = _person(by)
    with transaction.atomic():
        current = _lock(rule.pk)
        if current.stage != Stage.CONSULTING:
            raise TransitionError(_("The consultation is closed."))
        # Asked of the locked row: the stage and the consulted departments as they are now.
        units = policy.answer(by, "regulations.answer_opinion", current) or frozenset()
        if unit.pk not in units:
            raise PermissionDenied
        consultation = latest_round(current)
        if consultation is None:
            raise TransitionError(_("No consultation round is open."))
        if (
            consultation.opinions.unscoped("the opinions of a locked rule")
            .filter(unit=unit)
            .exists()
        ):
            raise ValidationError(
                _("%(unit)s has already answered round %(round)d.")
                % {"unit": unit, "round": consultation.number}
            )
        try:
            with transaction.atomic():
                opinion = Opinion.objects.create(
                    round=consultation,
                    unit=unit,
                    stance=stance,
                    comments=comments,
                    answered_by=person,
                )
        except IntegrityError as exc:
            raise ValidationError(_("This department has already answered this round.")) from exc
        record_event(
            actor=by,
            obj=current,
            action="opinion",
            after={"round": consultation.number, "unit": unit.name, "stance": stance},
            message=comments,
        )
        return opinion


def reply_submit(*, by: Any, opinion: Opinion, decision: str, reason: str = "") -> Reply:
    """The lead department answers a comment: 采纳 / 部分采纳 / 不采纳 (with a reason)."""
    rule = opinion.round.rule
    reason = (reason or "").strip()
    if not opinion.needs_reply:
        raise ValidationError(_("An opinion without comments needs no reply."))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose a decision.")})
    if decision != Decision.ADOPTED and not reason:
        raise ValidationError({"reason": _("Give the reason for not adopting it in full.")})
    person = _person(by)
    with transaction.atomic():
        current = _lock(rule.pk)
        if current.stage != Stage.CONSULTING:
            raise TransitionError(_("The consultation is closed."))
        if (
            Reply.objects.unscoped("the reply of a locked rule's opinion")
            .filter(opinion=opinion)
            .exists()
        ):
            raise ValidationError(_("This comment has already been answered."))
        reply = Reply.objects.create(
            opinion=opinion, decision=decision, reason=reason, replied_by=person
        )
        record_event(
            actor=by,
            obj=current,
            action="reply",
            after={
                "round": opinion.round.number,
                "unit": opinion.unit.name,
                "decision": decision,
            },
            message=reason,
        )
        return reply


# --- stage transitions -------------------------------------------------------------------


def _fire(
    *,
    by: Any,
    rule: Rule,
    name: str,
    check: Callable[[Rule], list[str]] | None = None,
    apply: Callable[[Rule], dict[str, Any]] | None = None,
    message: str = "",
) -> Rule:
    """Fire one transition of the table: locked, checked, audited, in one transaction."""
    transition = TRANSITIONS[name]
    actor = actor_for(by)
    with transaction.atomic():
        current = _lock(rule.pk)
        if not Rule.objects.visible_to(by).filter(pk=current.pk).exists():
            raise PermissionDenied
        if current.stage not in transition.sources:
            raise TransitionError(
                _("“%(action)s” is not possible while the rule is at “%(stage)s”.")
                % {"action": transition.label, "stage": current.get_stage_display()},
                code="stage",
            )
        if not relations(actor, current) & transition.who:
            raise PermissionDenied
        refusals = check(current) if check else []
        if refusals:
            raise TransitionError([TransitionError(r, code="guard") for r in refusals])
        before = {"stage": current.stage}
        after: dict[str, Any] = {"stage": transition.target}
        if apply:
            after |= apply(current)
        current.stage = transition.target
        current.stage_changed_at = timezone.now()
        current.save()
        record_event(
            actor=by,
            obj=current,
            action=f"transition:{name}",
            before=before,
            after=after,
            message=message,
        )
        return current


def rule_start_consultation(*, by: Any, rule: Rule) -> Rule:
    """起草 → 会商: the latest draft goes to the consulted departments as a new round."""

    def check(current: Rule) -> list[str]:
        if not current.drafts.unscoped("the drafts of a locked rule").exists():
            return [_("Upload a draft before putting it to consultation.")]
        return []

    def apply(current: Rule) -> dict[str, Any]:
        draft = current.drafts.unscoped("the drafts of a locked rule").order_by("-number").first()
        assert draft is not None
        consultation = _open_round(by, current, draft)
        return {"round": consultation.number}

    return _fire(by=by, rule=rule, name="start_consultation", check=check, apply=apply)


def consultation_blockers(rule: Rule) -> list[str]:
    """Why 会商 cannot move to 审议 yet: in the latest round every consulted department has
    answered, none disagrees, and every comment has been replied to."""
    consultation = latest_round(rule)
    if consultation is None:
        return [_("No consultation round has been held.")]
    opinions = {
        o.unit_id: o
        for o in Opinion.objects.unscoped("the opinions of a rule the caller holds")
        .filter(round=consultation)
        .select_related("reply")
    }
    problems: list[str] = []
    for unit in rule.consulted_units.order_by("name"):
        opinion = opinions.get(unit.pk)
        if opinion is None:
            problems.append(
                _("%(unit)s has not answered round %(round)d.")
                % {"unit": unit, "round": consultation.number}
            )
        elif opinion.stance == Stance.DISAGREE:
            problems.append(
                _("%(unit)s disagrees in round %(round)d; upload a revised draft for a new round.")
                % {"unit": unit, "round": consultation.number}
            )
        elif opinion.needs_reply and not hasattr(opinion, "reply"):
            problems.append(_("The comments of %(unit)s await a reply.") % {"unit": unit})
    return problems


def rule_submit_for_deliberation(*, by: Any, rule: Rule) -> Rule:
    """会商 → 审议, once the latest round has no missing, disagreeing or unanswered opinion."""
    return _fire(by=by, rule=rule, name="submit_for_deliberation", check=consultation_blockers)


def rule_return_for_revision(*, by: Any, rule: Rule, reason: str) -> Rule:
    """审议 → 起草: the deliberation sends the draft back."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Give a reason."), code="reason")
    return _fire(by=by, rule=rule, name="return_for_revision", message=reason[:2000])


def rule_approve(
    *,
    by: Any,
    rule: Rule,
    meeting: str,
    deliberated_on: dt.date | None,
    held_at: Meeting | None = None,
) -> Rule:
    """审议 → 印发: the leading group or party committee adopted the draft at a meeting: one held
    in the system (`held_at`, which also names it) or one named as text."""
    meeting = (meeting or "").strip() or (held_at.title if held_at is not None else "")

    def check(current: Rule) -> list[str]:
        problems = []
        if held_at is not None and (
            held_at.organization_id != current.organization_id
            or not Meeting.objects.visible_to(by).filter(pk=held_at.pk).exists()
        ):
            problems.append(_("Choose a meeting of your organization."))
        if not meeting:
            problems.append(_("Name the meeting that deliberated the rule."))
        if deliberated_on is None:
            problems.append(_("Give the date of the deliberation."))
        elif deliberated_on > timezone.localdate():
            problems.append(_("The deliberation date is in the future."))
        return problems

    def apply(current: Rule) -> dict[str, Any]:
        current.deliberation_meeting = meeting[:200]
        current.deciding_meeting = held_at
        current.deliberated_on = deliberated_on
        return {
            "meeting": current.deliberation_meeting,
            "deciding_meeting": held_at.pk if held_at is not None else None,
            "deliberated_on": deliberated_on,
        }

    return _fire(by=by, rule=rule, name="approve", check=check, apply=apply)


def rule_issue(
    *, by: Any, rule: Rule, issue_number: str, issued_on: dt.date | None, file: Any
) -> Rule:
    """印发 → 评估: needs the document number (文号), the date and the issued file."""
    issue_number = (issue_number or "").strip()
    stored: files.StoredUpload | None = None
    problems: list[str] = []
    if not issue_number:
        problems.append(_("Give the document number (文号)."))
    if issued_on is None:
        problems.append(_("Give the date of issue."))
    if file is None:
        problems.append(_("Attach the issued document."))
    if not problems:
        try:
            stored = files.store_upload(file)
        except filetypes.FileRefused as exc:
            problems.append(str(exc))

    def check(current: Rule) -> list[str]:
        return problems

    def apply(current: Rule) -> dict[str, Any]:
        assert stored is not None
        current.issue_number = issue_number[:80]
        current.issued_on = issued_on
        current.issued_sha256 = stored.sha256
        current.issued_name = stored.original_name
        current.issued_content_type = stored.content_type
        current.issued_size = stored.size
        return {
            "issue_number": current.issue_number,
            "issued_on": issued_on,
            "file": stored.original_name,
        }

    return _fire(by=by, rule=rule, name="issue", check=check, apply=apply)


def rule_evaluate(*, by: Any, rule: Rule, data: EvaluationData) -> Evaluation:
    """评估 against 可执行、可监督、可检查、可问责. A rule that fails every test it must pass
    goes back to 起草 with a revision measure (整改措施) created through the ledger."""
    policy.require(by, "regulations.evaluate", rule)
    person = _person(by)
    passed = all(data.checks.get(key, False) for key, _label in CRITERIA)
    failed_notes = [
        key
        for key, _label in CRITERIA
        if not data.checks.get(key) and not data.notes.get(key, "").strip()
    ]
    problems: list[str] = []
    if data.evaluated_on > timezone.localdate():
        problems.append(_("The evaluation date is in the future."))
    if failed_notes:
        problems.append(_("Write a note for every test the rule fails."))
    if not passed and data.revision_due is None:
        problems.append(_("A rule that fails needs a due date for its revision."))
    if not passed and data.revision_due is not None and data.revision_due < timezone.localdate():
        problems.append(_("The revision due date is in the past."))
    holder: dict[str, Evaluation] = {}

    def check(current: Rule) -> list[str]:
        if not passed and not current.findings.unscoped("the rule's own links").exists():
            return [
                *problems,
                _("Link the finding this rule fixes: the revision measure hangs from it."),
            ]
        return problems

    def apply(current: Rule) -> dict[str, Any]:
        evaluation = Evaluation(rule=current, evaluator=person, evaluated_on=data.evaluated_on)
        for key, _label in CRITERIA:
            setattr(evaluation, key, bool(data.checks.get(key)))
            setattr(evaluation, f"{key}_note", data.notes.get(key, "").strip()[:2000])
        after: dict[str, Any] = {
            "passed": passed,
            "checks": {k: bool(data.checks.get(k)) for k, _l in CRITERIA},
        }
        if not passed:
            finding = current.findings.unscoped("the rule's own links").order_by("id").first()
            assert finding is not None and data.revision_due is not None
            measure = measure_create(
                by=by,
                finding=finding,
                data=MeasureData(
                    content=_("Revise “%(title)s” after its evaluation") % {"title": current.title},
                    lead_unit=current.lead_unit,
                    deadline_kind=DeadlineKind.BY_DATE,
                    due_date=data.revision_due,
                ),
            )
            current.measures.add(measure)
            evaluation.revision_measure = measure
            current.drafting_due = data.revision_due
            after["revision_measure"] = measure.pk
        evaluation.save()
        holder["evaluation"] = evaluation
        return after

    name = "evaluate_pass" if passed else "evaluate_fail"
    _fire(by=by, rule=rule, name=name, check=check, apply=apply)
    return holder["evaluation"]
