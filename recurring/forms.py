from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ledger.forms import DateInput
from ledger.models import Finding, Tag
from organization.choices import UnitKind
from organization.forms import BootstrapMixin
from organization.models import Organization
from recurring.models import RecurringTemplate


class FindingChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        head = obj.text[:50] + ("…" if len(obj.text) > 50 else "")
        return f"{obj.inspection.label} · {obj.number} {head}".strip()


class TemplateForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    unit_kinds = forms.MultipleChoiceField(
        choices=UnitKind.choices,
        label=_("Applies to units of the kinds"),
        widget=forms.SelectMultiple(attrs={"size": len(UnitKind.choices)}),
    )
    finding = FindingChoiceField(
        queryset=Finding.objects.none(), label=_("Finding the measures answer")
    )

    class Meta:
        model = RecurringTemplate
        fields = [
            "title",
            "description",
            "unit_kinds",
            "due_month",
            "due_day",
            "due_next_year",
            "checklist",
            "finding",
            "campaigns",
            "is_active",
            "apply_on",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "checklist": forms.Textarea(attrs={"rows": 4}),
            "apply_on": DateInput(),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        if self.instance.pk is None:
            # Most recurring work is the branches' (组织生活会, 民主评议党员, 标准化建设).
            self.initial["unit_kinds"] = [UnitKind.BRANCH]
        self.fields["finding"].queryset = (
            Finding.objects.unscoped("choices of the form's own organization")  # type: ignore[attr-defined]
            .filter(inspection__organization=organization)
            .select_related("inspection")
            .order_by("inspection_id", "sort_key", "id")
        )
        self.fields["campaigns"].queryset = Tag.objects.unscoped(  # type: ignore[attr-defined]
            "choices of the form's own organization"
        ).filter(organization=organization)


class ApplyForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for the template's day."),
    )

    def __init__(self, *args: Any, template: RecurringTemplate, today: dt.date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.template = template
        year = template.year_due_after(today)
        self.fields["year"].initial = year
        self.fields["due_date"].help_text = _(
            "Leave empty for the template's day (%(day)s for %(year)s)."
        ) % {"day": template.due_date_for(year).isoformat(), "year": year}
