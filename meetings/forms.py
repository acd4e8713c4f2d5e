"""Forms of the meetings pages; choices come from the reader's own scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.choices import DeadlineKind
from ledger.forms import DateInput, UnitPicker, searchable
from ledger.models import Inspection, Tag
from meetings import selectors
from meetings.choices import Attendance, MeetingKind
from meetings.models import Meeting
from organization.choices import UnitKind
from organization.forms import BootstrapMixin
from organization.models import Unit
from organization.selectors import person_label


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class PeopleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class MeetingForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    inspection = forms.ModelChoiceField(label=_("Inspection"), queryset=Inspection.objects.none())
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    chair = PersonChoice(
        label=_("Chair"), queryset=None, required=False, widget=searchable(multiple=False)
    )
    task_forces = forms.ModelMultipleChoiceField(
        label=_("Organizing task forces"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Campaigns"), queryset=Tag.objects.none(), required=False, widget=searchable()
    )
    by_office = forms.BooleanField(label=_("Organized by the office"), required=False)
    by_leading_group = forms.BooleanField(label=_("Organized by the leading group"), required=False)
    parts_due_at = forms.DateTimeField(
        label=_("Units' parts due"),
        widget=DateTimeInput(),
        help_text=_("Reporting units edit their parts until then."),
    )
    agenda = forms.CharField(
        label=_("Agenda (one item a line)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=9000,
    )
    people = PeopleChoice(
        label=_("Further attendees"),
        queryset=None,
        required=False,
        widget=searchable(),
        help_text=_("The chair and the members of the organizing task forces attend anyway."),
    )

    def __init__(self, *args: Any, user: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = Inspection.objects.visible_to(user).filter(
            organization=organization
        )
        people = selectors.chooseable_people(user, organization.pk)
        self.fields["chair"].queryset = people
        self.fields["people"].queryset = people
        self.fields["task_forces"].queryset = selectors.chooseable_task_forces(
            user, organization.pk
        )
        self.fields["tags"].queryset = Tag.objects.visible_to(user).filter(
            organization=organization
        )
        if not self.is_bound:
            start = (timezone.localtime() + dt.timedelta(days=7)).replace(
                hour=14, minute=30, second=0, microsecond=0
            )
            first = self.fields["inspection"].queryset.order_by("-feedback_date", "-id").first()
            self.initial.setdefault("inspection", first.pk if first else None)
            self.initial.setdefault("starts_at", start)
            self.initial.setdefault("parts_due_at", start - dt.timedelta(days=2))
            self.initial.setdefault("kind", MeetingKind.JOINT)
            self.initial.setdefault("chair", organization.office_director_id)

    def clean_agenda(self) -> list[str]:
        return _lines(self.cleaned_data.get("agenda") or "")


def unit_shortcuts(units: Any, theme_units: list[Unit] | None = None) -> list[dict[str, str]]:
    """Buttons that tick units at once: the units of the organizing task forces' themes, every
    branch, every department, one grid (网格)."""
    shortcuts = []
    if theme_units:
        shortcuts.append(
            {
                "pick": "unit:" + ",".join(str(u.pk) for u in theme_units),
                "label": str(_("Units of the task forces' themes")),
            }
        )
    kinds = set(units.values_list("kind", flat=True))
    for kind, label in (
        (UnitKind.BRANCH, _("All party branches")),
        (UnitKind.DEPARTMENT, _("All functional departments")),
    ):
        if kind in kinds:
            shortcuts.append({"pick": f"kind:{kind}", "label": str(label)})
    return shortcuts


class ReportingUnitsForm(BootstrapMixin, forms.Form):
    units = forms.ModelMultipleChoiceField(
        label=_("Reporting units"), queryset=None, required=False, widget=UnitPicker()
    )

    def __init__(self, *args: Any, user: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = selectors.units_to_pick(user, meeting)
        self.fields["units"].queryset = units
        picker = self.fields["units"].widget
        picker.attrs = {}
        picker.shortcuts = unit_shortcuts(
            units, selectors.shortcut_units(user, meeting, "themes")
        ) + selectors.grid_shortcuts(user, meeting)


class PartForm(BootstrapMixin, forms.Form):
    work_done = forms.CharField(
        label=_("Work done (工作开展情况)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
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


ATTENDANCE_CHOICES = [
    (Attendance.PRESENT, Attendance.PRESENT.label),
    (Attendance.LEAVE, Attendance.LEAVE.label),
    (Attendance.ABSENT, Attendance.ABSENT.label),
]


class AttendanceForm(BootstrapMixin, forms.Form):
    """One choice and one reason per attendee (fields named after the attendee's id)."""

    def __init__(self, *args: Any, attendees: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for a in attendees:
            choice = f"attendance_{a.pk}"
            reason = f"reason_{a.pk}"
            # Not required: a form shown before an attendee was added records the ones it shows.
            self.fields[choice] = forms.ChoiceField(
                label=str(a.person or a.unit),
                required=False,
                choices=ATTENDANCE_CHOICES,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[reason] = forms.CharField(
                label=_("Reason for leave"),
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.initial.setdefault(
                choice,
                a.attendance if a.attendance != Attendance.EXPECTED else Attendance.PRESENT,
            )
            self.initial.setdefault(reason, a.reason)
            self.rows.append((a, choice, reason))

    def bound_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(a, self[c], self[r]) for a, c, r in self.rows]


class MinutesForm(BootstrapMixin, forms.Form):
    summary = forms.CharField(
        label=_("The chair's summing-up (总结讲话)"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20000,
    )
    requirements = forms.CharField(
        label=_("Requirements (会议要求), one a line, numbered in this order"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=60000,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def clean_requirements(self) -> list[str]:
        return _lines(self.cleaned_data.get("requirements") or "")


class RequirementMeasuresForm(BootstrapMixin, forms.Form):
    finding = forms.ModelChoiceField(
        label=_("Under the finding"), queryset=None, widget=searchable(multiple=False)
    )
    content = forms.CharField(
        label=_("Measure"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=None,
        widget=UnitPicker(),
        help_text=_("Several units: one measure each, kept together as one group."),
    )
    deadline_kind = forms.ChoiceField(
        label=_("Deadline kind"),
        choices=[
            (DeadlineKind.BY_DATE, DeadlineKind.BY_DATE.label),
            (DeadlineKind.IMMEDIATE, DeadlineKind.IMMEDIATE.label),
        ],
        initial=DeadlineKind.BY_DATE,
    )
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    number = forms.CharField(
        label=_("Number"),
        max_length=30,
        required=False,
        help_text=_("Empty: the number after the finding's last measure."),
    )
    supervised = forms.BooleanField(
        label=_("Flag for supervision (挂牌督办)"),
        required=False,
        help_text=_("A supervised item: the office follows it and may issue a supervision notice."),
    )

    def __init__(self, *args: Any, user: Any, meeting: Meeting, office: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = selectors.findings_for_measures(user, meeting)
        units = selectors.units_to_pick(user, meeting)
        self.fields["units"].queryset = units
        picker = self.fields["units"].widget
        picker.attrs = {}
        picker.shortcuts = unit_shortcuts(units)
        if not office:
            del self.fields["supervised"]
        if not self.is_bound:
            self.initial.setdefault("due_date", meeting.inspection.rectification_end)


class MeetingFilter(BootstrapMixin, forms.Form):
    """The meeting list's filter; an empty select means "every campaign"."""

    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Tag.objects.none(),
        required=False,
        empty_label=_("All campaigns"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Tag.objects.visible_to(user)


class PackFilter(MeetingFilter):
    """Which campaign the meeting pack is limited to; empty means all."""
