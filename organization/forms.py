"""Forms for the organization screens. Every message the user sees goes through gettext."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.forms import CleanInputMixin
from organization.choices import UnitKind
from organization.models import LiaisonGroup, Organization, Person, TaskForce, Theme, Unit

User = get_user_model()


class BootstrapMixin(CleanInputMixin):
    """Give every widget Bootstrap's classes so templates can render fields in a loop, and
    clean every field by the product's one input rule (`core.forms.CleanInputMixin`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class OrgScopedModelForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A model form bound to one organization: choices and uniqueness are checked within it."""

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        self.organization = organization
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        for field in self.fields.values():
            qs = getattr(field, "queryset", None)
            if qs is not None and hasattr(qs.model, "organization"):
                mine = qs.unscoped("choices of the form's own organization")
                field.queryset = mine.filter(organization=organization)  # type: ignore[attr-defined]

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError(_("This field is required."))
        model = self._meta.model
        clash = model.objects.unscoped("name clash within the organization").filter(
            organization=self.organization, name=name
        )
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _("“%(name)s” already exists. Choose another name.") % {"name": name}
            )
        return name


def _people_field(label: str, required: bool = False) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        queryset=Person.objects.filter(user__is_active=True).order_by("name"),
        required=required,
        label=label,
    )


class UnitForm(OrgScopedModelForm):
    class Meta:
        model = Unit
        fields = ["name", "kind", "liaison_group", "party_secretary", "admin_head", "sort_order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keep the current choice selectable even when it was deactivated, so saving the form
        # never silently drops it.
        self.fields["liaison_group"].queryset = LiaisonGroup.objects.unscoped(  # type: ignore[attr-defined]
            "choices of the form's own organization"
        ).filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=self.instance.liaison_group_id), organization=self.organization
        )


class LiaisonGroupForm(OrgScopedModelForm):
    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        label=_("Units in its grid"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )

    class Meta:
        model = LiaisonGroup
        fields = ["name", "leader", "members", "sort_order"]
        widgets = {"members": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        in_grid = Q(liaison_group=self.instance) if self.instance.pk else Q(pk__in=[])
        self.fields["units"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.unscoped("choices of the form's own organization")
            .filter(  # type: ignore[attr-defined]
                Q(is_active=True) | in_grid, organization=self.organization
            )
            .select_related("liaison_group")
        )
        if self.instance.pk:
            self.initial["units"] = list(self.instance.units.values_list("pk", flat=True))

    def clean_units(self) -> list[Unit]:
        units: list[Unit] = list(self.cleaned_data.get("units") or [])
        taken = [
            u
            for u in units
            if u.liaison_group_id is not None and u.liaison_group_id != self.instance.pk
        ]
        if taken:
            names = "、".join(f"{u.name}（{u.liaison_group}）" for u in taken)
            raise forms.ValidationError(
                _(
                    "Each unit belongs to exactly one liaison group's grid. Already in another "
                    "grid: %(units)s. Move them out of that group first."
                )
                % {"units": names}
            )
        return units


class TaskForceForm(OrgScopedModelForm):
    class Meta:
        model = TaskForce
        fields = ["name", "leader", "members", "sort_order"]
        widgets = {"members": forms.SelectMultiple(attrs={"size": 8})}


class ThemeForm(OrgScopedModelForm):
    class Meta:
        model = Theme
        fields = ["name", "task_force", "sort_order"]


_PHRASE_LIST_SPLIT = re.compile(r"[、,，;；]+")


def group_phrases_as_text(entries: list[dict[str, Any]]) -> str:
    """The organization's group phrases, one a line: "各系（部） = 党支部 | 系党、部党"."""
    labels = dict(UnitKind.choices)
    lines = []
    for entry in entries or []:
        kinds = "、".join(str(labels.get(k, k)) for k in entry.get("kinds", []))
        line = f"{entry.get('phrase', '')} = {kinds}"
        if entry.get("name_contains"):
            line += " | " + "、".join(entry["name_contains"])
        lines.append(line)
    return "\n".join(lines)


def group_phrases_from_text(text: str) -> list[dict[str, Any]]:
    # A kind is written by its value or its label, in either language of the product.
    by_name = {value: value for value in UnitKind.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            by_name.update({str(label): value for value, label in UnitKind.choices})
    entries: list[dict[str, Any]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        phrase, sep, rest = line.partition("=")
        kinds_text, _bar, words_text = rest.partition("|")
        kinds = [k.strip() for k in _PHRASE_LIST_SPLIT.split(kinds_text) if k.strip()]
        if not sep or not phrase.strip() or not kinds:
            raise forms.ValidationError(
                _("Line %(n)d: write the phrase, “=”, then the unit kinds it covers.")
                % {"n": number}
            )
        unknown = [k for k in kinds if k not in by_name]
        if unknown:
            raise forms.ValidationError(
                _("Line %(n)d: “%(kind)s” is not a unit kind (%(kinds)s).")
                % {
                    "n": number,
                    "kind": unknown[0],
                    "kinds": "、".join(str(label) for _v, label in UnitKind.choices),
                }
            )
        entry: dict[str, Any] = {
            "phrase": phrase.strip(),
            "kinds": list(dict.fromkeys(by_name[k] for k in kinds)),
        }
        words = [w.strip() for w in _PHRASE_LIST_SPLIT.split(words_text) if w.strip()]
        if words:
            entry["name_contains"] = words
        entries.append(entry)
    return entries


class OrganizationForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    group_phrases = forms.CharField(
        label=_("Phrases naming a group of units"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "How ledgers name several units at once, one a line: the phrase, “=”, the unit kinds "
            "it covers, and optionally “|” and words a unit's name must hold. For example: "
            "各系（部） = 党支部 | 系党、部党"
        ),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "short_name",
            "leading_group_name",
            "office_name",
            "office_director",
            "calendar_mode",
            "warn_days",
            "behind_points",
            "units_edit_responsible_persons",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group_phrases"].initial = group_phrases_as_text(
            self.instance.unit_group_phrases
        )
        self.fields["office_director"].queryset = Person.objects.unscoped(  # type: ignore[attr-defined]
            "choices of the form's own organization"
        ).filter(  # type: ignore[attr-defined]
            organization=self.instance
        )

    def clean_group_phrases(self) -> list[dict[str, Any]]:
        cleaned = self.cleaned_data or {}
        return group_phrases_from_text(cleaned.get("group_phrases", ""))

    def save(self, commit: bool = True) -> Organization:
        self.instance.unit_group_phrases = (self.cleaned_data or {})["group_phrases"]
        return super().save(commit=commit)  # type: ignore[no-any-return]


ADMIN_FLAGS = ("is_system_admin", "is_security_admin", "is_audit_admin")


class PersonForm(OrgScopedModelForm):
    username = forms.RegexField(
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        label=_("Username"),
        error_messages={
            "invalid": _("Use letters, digits and @ . + - _ only."),
        },
    )
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Required for a new person; leave empty when editing."),
    )

    class Meta:
        model = Person
        fields = [
            "name",
            "unit",
            "unit_role",
            "position",
            "employee_number",
            "phone",
            "birth_year",
            "is_young_cadre",
            "dingtalk_userid",
            "wecom_userid",
            "is_leader",
            "is_office",
            *ADMIN_FLAGS,
        ]

    def __init__(self, *args: Any, can_grant_admin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_grant_admin:
            # Only a system administrator grants an administrator's role (三员).
            for name in ADMIN_FLAGS:
                self.fields[name].disabled = True
        if self.instance.pk:
            self.initial.setdefault("username", self.instance.user.username)
            self.initial.setdefault("email", self.instance.user.email)
            del self.fields["password"]
        self.fields["unit"].queryset = Unit.objects.unscoped(  # type: ignore[attr-defined]
            "choices of the form's own organization"
        ).filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=self.instance.unit_id), organization=self.organization
        )

    def clean_name(self) -> str:
        # People may share a name; only emptiness is an error here.
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError(_("This field is required."))
        return name

    def clean_employee_number(self) -> str:
        number = (self.cleaned_data.get("employee_number") or "").strip()
        if not number:
            return number
        clash = Person.objects.unscoped(
            "employee numbers are unique within the organization"
        ).filter(organization=self.organization, employee_number=number)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another person already has this employee number."))
        return number

    def _get_validation_exclusions(self) -> set[str]:
        # The employee number's constraint is checked above, within the form's organization;
        # the model's own check would read every organization's people.
        return {*super()._get_validation_exclusions(), "employee_number"}  # type: ignore[misc]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        clash = User.objects.filter(username__iexact=username)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.user_id)
        if clash.exists():
            raise forms.ValidationError(_("The username “%(name)s” is taken.") % {"name": username})
        return username

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        if not self.instance.pk:
            password = data.get("password") or ""
            if not password:
                self.add_error("password", _("A new person needs an initial password."))
            else:
                try:
                    password_validation.validate_password(
                        password, User(username=data.get("username", ""))
                    )
                except forms.ValidationError as exc:
                    self.add_error("password", exc)
        if sum(bool(data.get(name)) for name in ADMIN_FLAGS) > 1:
            raise forms.ValidationError(
                _(
                    "A person holds at most one of the system, security and audit "
                    "administrator roles."
                )
            )
        return data


class PasswordResetForm(BootstrapMixin, forms.Form):
    password1 = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(
        label=_("Repeat the new password"), strip=False, widget=forms.PasswordInput
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
