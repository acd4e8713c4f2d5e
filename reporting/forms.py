"""Forms of the reporting screens. They check shape and required fields; the services check
everything that depends on the measure, the person and the time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.filetypes import accept_attribute
from ledger.forms import DateInput
from ledger.models import Inspection
from organization.forms import BootstrapMixin
from organization.models import Theme, Unit
from reporting.choices import CycleFrequency, LookBackRating, Weekday
from reporting.models import ReportingCycle


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (`multiple`), each checked by the evidence service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [f for f in files if f]


def file_widget_attrs() -> dict[str, str]:
    return {
        "accept": accept_attribute(list(settings.EVIDENCE_ALLOWED_TYPES)),
        "class": "form-control js-evidence-files",
        "data-max-bytes": str(settings.EVIDENCE_MAX_BYTES),
        "data-testid": "files-input",
        "aria-describedby": "files-help",
    }


def _files_help() -> str:
    kinds = ", ".join(k.upper() for k in settings.EVIDENCE_ALLOWED_TYPES)
    mb = settings.EVIDENCE_MAX_BYTES // (1024 * 1024)
    return str(
        _("Accepted: %(kinds)s; up to %(mb)d MB each. Several files may be chosen at once.")
    ) % {
        "kinds": kinds,
        "mb": mb,
    }


class EvidenceFieldsMixin:
    """The file input, a second camera-only input for phones, and a shared description."""

    def _add_file_fields(self, *, required: bool) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        fields["files"] = MultipleFileField(
            label=_("Evidence files (佐证材料)"),
            required=required,
            help_text=_files_help(),
        )
        fields["files"].widget.attrs.update(file_widget_attrs())
        fields["photos"] = MultipleFileField(label=_("Take a photo"), required=False)
        fields["photos"].widget.attrs.update(
            {
                "accept": "image/*",
                "capture": "environment",
                "class": "visually-hidden js-evidence-files",
                "data-testid": "photos-input",
            }
        )
        fields["description"] = forms.CharField(
            label=_("Description of the files"),
            required=False,
            max_length=500,
            help_text=_("Used for every file that has no description of its own."),
        )

    def uploaded(self, request_post: Any) -> list[tuple[Any, str]]:
        """(file, description) pairs: per-file descriptions `description_<n>` when the page
        script added them, else the shared description."""
        data = self.cleaned_data  # type: ignore[attr-defined]
        files = list(data.get("files") or []) + list(data.get("photos") or [])
        shared = (data.get("description") or "").strip()
        pairs = []
        for index, f in enumerate(files):
            own = (request_post.get(f"description_{index}") or "").strip()
            pairs.append((f, own or shared))
        return pairs


class ReportForm(EvidenceFieldsMixin, BootstrapMixin, forms.Form):
    work_done = forms.CharField(
        label=_("Work done (工作开展情况)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    problems = forms.CharField(
        label=_("Problems and obstacles (存在的问题 / 难点堵点)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    next_steps = forms.CharField(
        label=_("Next steps (下一步工作打算)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    progress = forms.IntegerField(
        label=_("Progress %"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput())
    correction_reason = forms.CharField(
        label=_("Reason for the correction"), required=False, max_length=500
    )

    def __init__(self, *args: Any, correcting: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_file_fields(required=False)
        if not correcting:
            del self.fields["correction_reason"]
        else:
            self.fields["correction_reason"].required = True


class EvidenceForm(EvidenceFieldsMixin, BootstrapMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_file_fields(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("files") or data.get("photos")):
            raise forms.ValidationError(_("Choose at least one file."))
        return data


class WithdrawForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class CloseRequestForm(BootstrapMixin, forms.Form):
    summary = forms.CharField(
        label=_("Summary of the rectification"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("What was done and how the evidence shows it."),
    )


class DecisionForm(BootstrapMixin, forms.Form):
    stage = forms.ChoiceField(
        choices=[("liaison", "liaison"), ("office", "office")], widget=forms.HiddenInput()
    )
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    reason = forms.CharField(
        label=_("Comments / reason for returning"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why it is returned: the unit sees this reason."))
        return data


class NoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ExtensionRequestForm(BootstrapMixin, forms.Form):
    new_due_date = forms.DateField(label=_("New due date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ExtensionDecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the extension is refused."))
        return data


class CycleForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    starts_on = forms.DateField(label=_("First cycle starts"), required=False, widget=DateInput())

    class Meta:
        model = ReportingCycle
        fields = ["frequency", "weekday", "day_of_month", "starts_on", "is_active"]
        help_texts = {
            "weekday": _("Weekly cycles: reports are due on this day (e.g. every Friday)."),
            "day_of_month": _("Monthly cycles: reports are due by this day (e.g. the 25th)."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["frequency"].choices = CycleFrequency.choices  # type: ignore[attr-defined]
        self.fields["weekday"].choices = Weekday.choices  # type: ignore[attr-defined]


class UnitReportForm(BootstrapMixin, forms.Form):
    work_done = forms.CharField(
        label=_("Work done (工作开展情况)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
    )
    problems = forms.CharField(
        label=_("Problems and obstacles (存在的问题 / 难点堵点)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
    )
    next_steps = forms.CharField(
        label=_("Next steps (下一步工作打算)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())


class LookBackScheduleForm(BootstrapMixin, forms.Form):
    SCOPES = [
        ("inspection", _("All closed measures of an inspection")),
        ("theme", _("All closed measures of a theme")),
        ("unit", _("All closed measures of a unit")),
        ("measure", _("One measure")),
    ]
    scope = forms.ChoiceField(label=_("Which measures"), choices=SCOPES)
    inspection = forms.ModelChoiceField(
        label=_("Inspection"), queryset=Inspection.objects.none(), required=False
    )
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    measure = forms.IntegerField(label=_("Measure id"), required=False, widget=forms.HiddenInput())
    when = forms.ChoiceField(
        label=_("When"),
        choices=[("months", _("Months after each closure")), ("date", _("On a date"))],
        initial="months",
    )
    months = forms.IntegerField(
        label=_("Months after closure"), min_value=1, max_value=60, initial=6, required=False
    )
    planned_date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    label = forms.CharField(label=_("Label"), required=False, max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = Inspection.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["theme"].queryset = Theme.objects.visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["unit"].queryset = Unit.objects.visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scope = data.get("scope")
        if scope and scope != "measure" and not data.get(scope):
            self.add_error(scope, _("Choose one."))
        if scope == "measure" and not data.get("measure"):
            self.add_error(None, _("No measure was given."))
        if data.get("when") == "months" and not data.get("months"):
            self.add_error("months", _("Give the number of months."))
        if data.get("when") == "date" and not data.get("planned_date"):
            self.add_error("planned_date", _("Give the date."))
        return data


class LookBackRecordForm(EvidenceFieldsMixin, BootstrapMixin, forms.Form):
    rating = forms.ChoiceField(
        label=_("Rating"), choices=LookBackRating.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    new_due_date = forms.DateField(
        label=_("New due date (when rated 一般 or 差)"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_file_fields(required=False)
        self.fields["rating"].widget.attrs["class"] = "form-check-input"
