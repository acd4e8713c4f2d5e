"""Ledger forms. Validation of measure content is shared with imports via services."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import CleanInputMixin
from core.text import parse_ids
from ledger.choices import DeadlineKind
from ledger.deadline_parser import DeadlineParseError, parse_deadline
from ledger.models import Finding, Inspection, Measure, Tag
from ledger.services import BULK_ACTIONS, MeasureData, validate_measure_data
from organization.choices import UnitKind
from organization.forms import BootstrapMixin
from organization.models import LiaisonGroup, Organization, Person, Theme, Unit
from organization.selectors import person_label, responsible_candidates


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def searchable(multiple: bool = True, **attrs: Any) -> forms.Select:
    """A select that static/js/searchable-select.js turns into a searchable one (Tom Select);
    without JavaScript it stays a plain select."""
    attrs = {"data-searchable": "1", "data-no-results": _("Nothing matches"), **attrs}
    return forms.SelectMultiple(attrs=attrs) if multiple else forms.Select(attrs=attrs)


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class PersonMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class UnitPicker(forms.CheckboxSelectMultiple):
    """Units as large tick boxes, with shortcuts that tick a whole kind or grid at once."""

    template_name = "ledger/widgets/unit_picker.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shortcuts: list[dict[str, str]] = []

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["shortcuts"] = self.shortcuts
        return context

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        unit = getattr(option["value"], "instance", None)
        if unit is not None:
            option["attrs"]["data-kind"] = unit.kind
            option["attrs"]["data-grid"] = str(unit.liaison_group_id or "")
        return option


class InspectionForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    rectification_end = forms.DateField(
        label=_("End of concentrated rectification"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for the feedback date plus three months."),
    )

    class Meta:
        model = Inspection
        fields = [
            "name",
            "short_name",
            "kind",
            "inspecting_body",
            "start_date",
            "end_date",
            "feedback_date",
            "rectification_end",
            "status",
            "feedback_text",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "feedback_date": DateInput(),
            "feedback_text": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance.organization = organization

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Inspection.objects.unscoped("name clash within the form's own organization").filter(
            organization=self.organization, name=name
        )
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                _("An inspection named “%(name)s” already exists.") % {"name": name}
            )
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        feedback, rect_end = data.get("feedback_date"), data.get("rectification_end")
        if start and end and end < start:
            self.add_error("end_date", _("The inspection cannot end before it starts."))
        if end and feedback and feedback < end:
            self.add_error("feedback_date", _("Feedback comes after the inspection has ended."))
        if feedback and rect_end and rect_end < feedback:
            self.add_error(
                "rectification_end", _("The rectification period cannot end before the feedback.")
            )
        return data


class FindingForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Finding
        fields = ["theme", "number", "text", "source_excerpt", "responsible_leaders"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "source_excerpt": forms.Textarea(attrs={"rows": 3}),
        }

    responsible_leaders = PersonMultipleChoiceField(
        queryset=Person.objects.none(),
        label=_("Responsible leaders"),
        required=False,
        widget=searchable(),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = (
            Theme.objects.unscoped("choices of the form's own organization")
            .filter(  # type: ignore[attr-defined]
                organization=organization, is_active=True
            )
            .select_related("task_force")
        )
        self.fields["responsible_leaders"].queryset = responsible_candidates(organization)  # type: ignore[attr-defined]
        self.fields["text"].max_length = 5000


class MeasureForm(BootstrapMixin, forms.Form):
    """Create or edit one measure. `version` carries the optimistic-lock token."""

    number = forms.CharField(label=_("Number"), max_length=40, required=False)
    content = forms.CharField(
        label=_("Measure"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    lead_unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=_("Lead unit"), widget=searchable(multiple=False)
    )
    co_units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        label=_("Co-operating units"),
        required=False,
        widget=searchable(),
    )
    responsible_leader = PersonChoiceField(
        queryset=Person.objects.none(),
        label=_("Responsible leader"),
        required=False,
        widget=searchable(multiple=False),
    )
    responsible_persons = PersonMultipleChoiceField(
        queryset=Person.objects.none(),
        label=_("Responsible persons"),
        required=False,
        help_text=_("Empty: the lead unit's party secretary and administrative head (一岗双责)."),
        widget=searchable(),
    )
    deadline_text = forms.CharField(
        label=_("Deadline as written"),
        max_length=100,
        required=False,
        help_text=_(
            "E.g. 2021年3月底前, 立行立改, 长期坚持, 2个月内. "
            "Read into the fields below when they are empty."
        ),
    )
    deadline_kind = forms.ChoiceField(
        label=_("Deadline kind"), choices=[("", "---------"), *DeadlineKind.choices], required=False
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    review_interval_days = forms.IntegerField(
        label=_("Review interval (days)"),
        required=False,
        min_value=7,
        max_value=366,
        help_text=_("For long-term measures only."),
    )
    progress = forms.IntegerField(label=_("Progress %"), min_value=0, max_value=100, required=False)
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.none(), label=_("Tags"), required=False, widget=searchable()
    )
    new_tags = forms.CharField(
        label=_("New tags"),
        max_length=200,
        required=False,
        help_text=_("Separate several with commas."),
    )
    is_flagged = forms.BooleanField(label=_("Flagged for supervision (挂牌督办)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        finding: Finding,
        can_flag: bool = True,
        editable: frozenset[str] | None = None,
        base: MeasureData | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.finding = finding
        # Editing: `base` is the measure as it stands and `editable` the fields this person may
        # change (ledger.policy). The others are left off the form, so a value posted for them
        # is never read; what the form returns is the measure with only those fields changed.
        self.base = base
        org = finding.inspection.organization
        units = Unit.objects.unscoped("choices of the form's own organization").filter(
            organization=org, is_active=True
        )
        people = responsible_candidates(org)
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["co_units"].queryset = units  # type: ignore[attr-defined]
        self.fields["responsible_leader"].queryset = people  # type: ignore[attr-defined]
        self.fields["responsible_persons"].queryset = people  # type: ignore[attr-defined]
        self.fields["tags"].queryset = Tag.objects.unscoped(
            "choices of the form's own organization"
        ).filter(organization=org)  # type: ignore[attr-defined]
        if not can_flag:
            self.fields["is_flagged"].disabled = True
        if editable is not None:
            for name in list(self.fields):
                if name not in editable and name != "version":
                    del self.fields[name]

    @staticmethod
    def initial_for(measure: Measure) -> dict[str, Any]:
        return {
            "number": measure.number,
            "content": measure.content,
            "lead_unit": measure.lead_unit_id,
            "co_units": [link.unit_id for link in measure.unit_links.all() if link.part == "coop"],
            "responsible_leader": measure.responsible_leader_id,
            "responsible_persons": list(measure.responsible_persons.values_list("id", flat=True)),
            "deadline_text": measure.deadline_text,
            "deadline_kind": measure.deadline_kind,
            "due_date": measure.due_date,
            "review_interval_days": measure.review_interval_days,
            "progress": measure.progress,
            "tags": list(measure.tags.values_list("id", flat=True)),
            "is_flagged": measure.is_flagged,
            "version": measure.version,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "deadline_kind" not in self.fields:
            return self._validate(data)
        kind = data.get("deadline_kind") or ""
        due: dt.date | None = data.get("due_date")
        text = (data.get("deadline_text") or "").strip()
        if text and not kind:
            try:
                parsed = parse_deadline(text, reference_date=self.finding.inspection.feedback_date)
            except DeadlineParseError as exc:
                self.add_error("deadline_text", exc.message)
                return data
            kind = parsed.kind
            if due is None:
                due = parsed.due_date
        if not kind:
            kind = DeadlineKind.BY_DATE
        data["deadline_kind"] = kind
        if kind == DeadlineKind.IMMEDIATE and due is None:
            due = None
        data["due_date"] = due
        return self._validate(data)

    def _validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.errors:
            return data
        try:
            validate_measure_data(
                self.to_data(data, tags=list(data.get("tags") or [])), finding=self.finding
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        return data

    def to_data(self, data: dict[str, Any] | None = None, *, tags: list[Tag]) -> MeasureData:
        d = data if data is not None else self.cleaned_data
        persons = list(d.get("responsible_persons") or [])
        full = MeasureData(
            number=d.get("number") or "",
            content=d.get("content") or "",
            lead_unit=d.get("lead_unit") or (self.base.lead_unit if self.base else None),  # type: ignore[arg-type]
            co_units=list(d.get("co_units") or []),
            responsible_leader=d.get("responsible_leader"),
            responsible_persons=persons or None,
            deadline_kind=d.get("deadline_kind") or DeadlineKind.BY_DATE,
            deadline_text=d.get("deadline_text") or "",
            due_date=d.get("due_date"),
            review_interval_days=d.get("review_interval_days"),
            tags=tags,
            is_flagged=bool(d.get("is_flagged")),
            progress=d.get("progress"),
        )
        if self.base is None:
            return full
        kept = dataclasses.replace(self.base)
        for name in self.fields:
            if hasattr(kept, name):
                setattr(kept, name, getattr(full, name))
        return kept


class AssignManyForm(MeasureForm):
    """The same measure for many units: one measure per unit, tracked separately."""

    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        label=_("Assign to these units"),
        widget=UnitPicker,
    )

    def __init__(self, *args: Any, own_grids: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = self.fields["lead_unit"].queryset  # type: ignore[attr-defined]
        self.fields["units"].queryset = units  # type: ignore[attr-defined]
        picker = self.fields["units"].widget
        picker.attrs = {}
        picker.shortcuts = self._shortcuts(units, own_grids or [])
        for name in ("lead_unit", "co_units", "responsible_persons", "version"):
            del self.fields[name]
        # The units are what this form is about: they come first, under their own label.
        self.order_fields(["units"])

    @staticmethod
    def _shortcuts(units: Any, own_grids: list[int]) -> list[dict[str, str]]:
        """Buttons that tick a kind of unit or a grid (网格) at once: the person's own grid
        when they follow one, else one button per grid."""
        kinds = set(units.values_list("kind", flat=True))
        shortcuts = [
            {"pick": f"kind:{kind}", "label": str(label)}
            for kind, label in (
                (UnitKind.BRANCH, _("All party branches")),
                (UnitKind.DEPARTMENT, _("All functional departments")),
            )
            if kind in kinds
        ]
        if own_grids:
            grids = ",".join(str(g) for g in sorted(own_grids))
            shortcuts.append({"pick": f"grid:{grids}", "label": str(_("My grid"))})
        else:
            org_ids = units.values("organization_id")
            groups = LiaisonGroup.objects.unscoped("grids of the units offered")
            for group in groups.filter(organization__in=org_ids, is_active=True):
                shortcuts.append({"pick": f"grid:{group.pk}", "label": group.name})
        return shortcuts

    def clean(self) -> dict[str, Any]:
        units = list(self.cleaned_data.get("units") or [])
        if units:
            # Validate against the first unit; each copy gets its own unit at creation.
            self.cleaned_data["lead_unit"] = units[0]
        elif "units" not in self._errors:
            self.add_error("units", _("Choose at least one unit."))
            return self.cleaned_data
        return super().clean()


class TransitionForm(CleanInputMixin, forms.Form):
    action = forms.CharField(max_length=40)
    reason = forms.CharField(max_length=2000, required=False)
    new_due_date = forms.DateField(required=False)
    version = forms.IntegerField(required=False)


class CampaignForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Tag
        fields = ["name", "start_date", "end_date", "description"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The campaign cannot end before it starts."))
        return data

    def validate_unique(self) -> None:
        # The organization is not a field of the form: Django's own message would name it in
        # English ("Tag with this Organization and Name already exists").
        name = (self.cleaned_data.get("name") or "").strip()
        clash = Tag.objects.unscoped("names are unique within the organization").filter(
            organization=self.instance.organization, name=name
        )
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if name and clash.exists():
            self.add_error("name", _("A campaign or tag of this name exists already."))


class BulkForm(BootstrapMixin, forms.Form):
    ACTION_CHOICES = [
        ("reassign_unit", _("Reassign lead unit")),
        ("set_deadline", _("Set due date")),
        ("add_tag", _("Add tag")),
        ("flag", _("Flag for supervision")),
        ("unflag", _("Remove supervision flag")),
    ]
    ids = forms.CharField(required=False)
    action = forms.ChoiceField(choices=ACTION_CHOICES, label=_("Action"))
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label=_("Unit"))
    due_date = forms.DateField(required=False, label=_("Due date"), widget=DateInput())
    tag = forms.CharField(required=False, max_length=50, label=_("Tag"))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.unscoped(
            "choices of the form's own organization"
        ).filter(  # type: ignore[attr-defined]
            organization=organization, is_active=True
        )

    def clean_ids(self) -> list[int]:
        raw = (
            self.data.getlist("ids")
            if hasattr(self.data, "getlist")
            else [self.cleaned_data["ids"]]
        )
        parsed = parse_ids([str(x) for x in raw])
        if parsed is None:
            raise ValidationError(_("The selection is invalid."))
        ids = sorted(set(parsed))
        if not ids:
            raise ValidationError(_("Select at least one measure."))
        if len(ids) > 2000:
            raise ValidationError(_("Select at most 2000 measures at once."))
        return ids

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action not in BULK_ACTIONS:
            return data
        if action == "reassign_unit" and not data.get("unit"):
            self.add_error("unit", _("Choose the new lead unit."))
        if action == "set_deadline" and not data.get("due_date"):
            self.add_error("due_date", _("Choose the new due date."))
        if action == "add_tag" and not (data.get("tag") or "").strip():
            self.add_error("tag", _("Enter the tag."))
        return data
