"""Forms of the register. They collect input; the services validate and write it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.filetypes import accept_attribute
from ledger.forms import DateInput, searchable
from ledger.lights import LIGHT_ORDER
from ledger.models import Finding, Inspection, Measure, Tag
from meetings.models import Meeting
from organization.forms import BootstrapMixin
from organization.models import Unit
from regulations.choices import Decision, RuleKind, Stage, Stance
from regulations.files import ALLOWED_KINDS

ACCEPT = accept_attribute(list(ALLOWED_KINDS))


class RuleForm(BootstrapMixin, forms.Form):
    inspection = forms.ModelChoiceField(queryset=Inspection.objects.none(), label=_("Inspection"))
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=RuleKind.choices)
    lead_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Lead department"))
    consulted_units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(), label=_("Consulted departments"), required=False
    )
    findings = forms.ModelMultipleChoiceField(
        queryset=Finding.objects.none(), label=_("Findings it fixes"), required=False
    )
    measures = forms.ModelMultipleChoiceField(
        queryset=Measure.objects.none(), label=_("Measures"), required=False
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.none(), label=_("Campaigns"), required=False, widget=searchable()
    )
    drafting_due = forms.DateField(label=_("Drafting due"), required=False, widget=DateInput())
    consulting_due = forms.DateField(
        label=_("Consultation due"), required=False, widget=DateInput()
    )
    deliberating_due = forms.DateField(
        label=_("Deliberation due"), required=False, widget=DateInput()
    )
    issuing_due = forms.DateField(label=_("Issue due"), required=False, widget=DateInput())
    evaluating_due = forms.DateField(label=_("Evaluation due"), required=False, widget=DateInput())

    def __init__(self, *args: Any, user: Any, rule: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inspections = Inspection.objects.visible_to(user)
        self.fields["inspection"].queryset = inspections
        # The round being rectified now is the usual one.
        self.fields["inspection"].initial = inspections.order_by("-feedback_date", "-id").first()
        units = Unit.objects.visible_to(user).filter(is_active=True).order_by("kind", "name")
        self.fields["lead_unit"].queryset = units
        self.fields["consulted_units"].queryset = units
        self.fields["findings"].queryset = Finding.objects.visible_to(user).select_related(
            "inspection"
        )
        self.fields["measures"].queryset = Measure.objects.visible_to(user)
        self.fields["tags"].queryset = Tag.objects.visible_to(user)
        if rule is not None:
            # The inspection of a rule is fixed once it exists.
            del self.fields["inspection"]


class DraftForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("Draft file (.docx, .doc or .pdf)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    note = forms.CharField(label=_("What changed"), max_length=500, required=False)


class OpinionForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("For department"))
    stance = forms.ChoiceField(label=_("Opinion"), choices=Stance.choices, widget=forms.RadioSelect)
    comments = forms.CharField(
        label=_("Comments or reasons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.fields["unit"].initial = units.first()


class ReplyForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Required unless the comment is adopted in full."),
    )


class ReturnForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class DeliberationForm(BootstrapMixin, forms.Form):
    held_at = forms.ModelChoiceField(
        queryset=Meeting.objects.none(),
        label=_("Meeting in the system"),
        required=False,
        empty_label=_("Held outside the system"),
        widget=searchable(multiple=False),
        help_text=_("The leading group's or party committee's meeting, if it was called here."),
    )
    meeting = forms.CharField(
        label=_("Deciding meeting"),
        max_length=200,
        required=False,
        help_text=_(
            "E.g. 巡视整改工作领导小组会议 or 党委会; the chosen meeting's title if empty."
        ),
    )
    deliberated_on = forms.DateField(label=_("Deliberated on"), widget=DateInput())

    def __init__(self, *args: Any, user: Any, rule: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_at"].queryset = (
            Meeting.objects.visible_to(user)
            .filter(organization_id=rule.organization_id)
            .order_by("-starts_at", "-id")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("meeting") or "").strip() and data.get("held_at") is None:
            self.add_error("meeting", _("Name the meeting that deliberated the rule."))
        return data


class IssueForm(BootstrapMixin, forms.Form):
    issue_number = forms.CharField(label=_("Document number (文号)"), max_length=80)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput())
    file = forms.FileField(
        label=_("Issued document"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT})
    )


class EvaluationForm(BootstrapMixin, forms.Form):
    """评估 against 可执行、可监督、可检查、可问责: each test with a note (see choices.CRITERIA)."""

    evaluated_on = forms.DateField(label=_("Evaluated on"), widget=DateInput())
    executable = forms.BooleanField(label=_("Executable (可执行)"), required=False)
    executable_note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    supervisable = forms.BooleanField(label=_("Supervisable (可监督)"), required=False)
    supervisable_note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    checkable = forms.BooleanField(label=_("Checkable (可检查)"), required=False)
    checkable_note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    accountable = forms.BooleanField(label=_("Accountable (可问责)"), required=False)
    accountable_note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    revision_due = forms.DateField(
        label=_("Revision due (if it fails)"), required=False, widget=DateInput()
    )


class RegisterFilter(BootstrapMixin, forms.Form):
    """The register's filters; an empty select means "no filter"."""

    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("All stages")), *Stage.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *RuleKind.choices], required=False
    )
    lead_unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        label=_("Lead department"),
        required=False,
        empty_label=_("All departments"),
    )
    light = forms.ChoiceField(label=_("Light"), choices=[], required=False)
    campaign = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        label=_("Campaign"),
        required=False,
        empty_label=_("All campaigns"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = Unit.objects.visible_to(user).order_by("kind", "name")
        self.fields["campaign"].queryset = Tag.objects.visible_to(user)
        # Light labels are translated when the form is built, in the request's language.
        self.fields["light"].choices = [
            ("", _("All lights")),
            *[(light.value, light.label) for light in LIGHT_ORDER],
        ]
