"""Forms of the documents screens: uploads, the feedback preview, the document choices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from documents.feedback_parser import (
    FeedbackReadError,
    is_word_document,
    read_docx_text,
    read_text_file,
)
from ledger.deadline_parser import DeadlineParseError, parse_deadline
from ledger.models import Inspection
from organization.forms import BootstrapMixin
from organization.models import Theme, Unit

MAX_TEXT = 200_000


def max_upload_bytes() -> int:
    return int(getattr(settings, "DOCUMENTS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def _check_size(upload: Any) -> Any:
    if upload is not None and upload.size > max_upload_bytes():
        raise ValidationError(
            _("The file is larger than %(mb)d MB.") % {"mb": max_upload_bytes() // (1024 * 1024)}
        )
    if upload is not None and upload.size == 0:
        raise ValidationError(_("The file is empty."))
    return upload


class ImportUploadForm(BootstrapMixin, forms.Form):
    inspection = forms.ModelChoiceField(queryset=Inspection.objects.none(), label=_("Inspection"))
    file = forms.FileField(
        label=_("Ledger file"),
        help_text=_("Excel (.xlsx, .xls) or CSV. Nothing is written before you confirm."),
    )
    default_theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(),
        label=_("Theme for rows without one"),
        required=False,
        help_text=_("Used when the ledger has no theme (问题类别) column."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = Inspection.objects.editable_by(user)  # type: ignore[attr-defined]
        self.fields["default_theme"].queryset = Theme.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            is_active=True
        )
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xls,.csv"

    def clean_file(self) -> Any:
        return _check_size(self.cleaned_data.get("file"))


class FeedbackSourceForm(BootstrapMixin, forms.Form):
    MODES = (
        ("feedback", _("Feedback (反馈意见): items are findings")),
        ("notice", _("Rectification notice (整改情况通报): findings with their measures")),
    )

    inspection = forms.ModelChoiceField(queryset=Inspection.objects.none(), label=_("Inspection"))
    mode = forms.ChoiceField(choices=MODES, label=_("Kind of document"), initial="feedback")
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Paste the text, or upload the document below."),
    )
    file = forms.FileField(label=_("Document (.docx or .txt)"), required=False)
    level = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = Inspection.objects.editable_by(user)  # type: ignore[attr-defined]
        self.fields["file"].widget.attrs["accept"] = ".docx,.txt"

    def clean_file(self) -> Any:
        return _check_size(self.cleaned_data.get("file"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        text = (data.get("text") or "").strip()
        if upload is not None:
            raw = upload.read(max_upload_bytes() + 1)
            try:
                if is_word_document(raw):
                    import io

                    text = read_docx_text(io.BytesIO(raw))
                else:
                    text = read_text_file(raw)
            except FeedbackReadError as exc:
                self.add_error("file", str(exc))
                return data
        if not text.strip():
            raise ValidationError(_("Paste the text of the document or upload it."))
        if len(text) > MAX_TEXT:
            raise ValidationError(_("The text is longer than %(n)d characters.") % {"n": MAX_TEXT})
        data["text"] = text
        return data


class FindingCandidateForm(BootstrapMixin, forms.Form):
    include = forms.BooleanField(label=_("Include"), required=False)
    number = forms.CharField(label=_("Number"), max_length=40, required=False)
    text = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.CharField(widget=forms.HiddenInput, required=False, max_length=MAX_TEXT)
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), label=_("Theme"), required=False)

    def __init__(self, *args: Any, themes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if themes is not None:
            self.fields["theme"].queryset = themes  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("include") and not data.get("theme"):
            self.add_error("theme", _("Choose the theme of this finding."))
        return data


class MeasureCandidateForm(BootstrapMixin, forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    include = forms.BooleanField(label=_("Include"), required=False)
    number = forms.CharField(label=_("Number"), max_length=40, required=False)
    content = forms.CharField(label=_("Measure"), widget=forms.Textarea(attrs={"rows": 2}))
    lead_unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=_("Lead unit"), required=False
    )
    deadline = forms.CharField(label=_("Deadline"), max_length=100, required=False)

    def __init__(
        self, *args: Any, units: Any = None, feedback_date: dt.date | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.feedback_date = feedback_date
        if units is not None:
            self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("include"):
            return data
        if not data.get("lead_unit"):
            self.add_error("lead_unit", _("Choose the lead unit."))
        text = (data.get("deadline") or "").strip()
        if not text:
            self.add_error("deadline", _("Give the deadline (完成时限)."))
            return data
        try:
            data["parsed_deadline"] = parse_deadline(text, reference_date=self.feedback_date)
        except DeadlineParseError as exc:
            self.add_error("deadline", exc.message)
        return data


FindingFormSet = formset_factory(FindingCandidateForm, extra=0, max_num=2000, validate_max=True)
MeasureFormSet = formset_factory(MeasureCandidateForm, extra=0, max_num=5000, validate_max=True)


class UnitChoiceForm(BootstrapMixin, forms.Form):
    """Which unit a per-unit document is for (an empty choice: the whole inspection)."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label=_("Unit"))
    day = forms.DateField(required=False, label=_("A day in the cycle"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]
