"""The one input-cleaning rule every form of the product follows: knows no domain.

`CleanInputMixin` is the first base of every form (through `organization.forms.BootstrapMixin`,
or directly), so a new form and a new field are covered without anyone thinking of it:

- text fields lose control characters (tab and line breaks are kept in multi-line fields) and
  refuse lone surrogates with a message;
- date fields accept only 2000-01-01 … 2100-12-31, so no stored date breaks a calendar feed or
  date arithmetic later;
- integer fields without bounds get the database's, and choice fields over database rows
  refuse ids that are not numbers or lie beyond the integer range, instead of letting the
  database raise an overflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.text import DATE_MAX, DATE_MIN, INT_MAX, clean_text, has_lone_surrogate, parse_id


def _text_cleaner(field: forms.CharField, multiline: bool) -> Callable[[Any], Any]:
    original = field.to_python

    def to_python(value: Any) -> Any:
        if isinstance(value, str) and has_lone_surrogate(value):
            raise ValidationError(
                _("The text contains characters that cannot be stored; type it again."),
                code="surrogate",
            )
        value = original(value)
        if isinstance(value, str):
            value = clean_text(value, multiline=multiline)
            if field.strip:
                value = value.strip()
        return value

    return to_python


def check_date_range(value: dt.date | None) -> None:
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s.")
            % {
                "first": date_format(DATE_MIN, "DATE_FORMAT"),
                "last": date_format(DATE_MAX, "DATE_FORMAT"),
            },
            code="date_range",
        )


def _int_range(value: int | None) -> None:
    if value is not None and not -INT_MAX <= value <= INT_MAX:
        raise ValidationError(_("Enter a smaller number."), code="int_range")


def _safe_choice_clean(field: forms.ModelChoiceField) -> Callable[[Any], Any]:  # type: ignore[type-arg]
    original = field.clean
    key = field.to_field_name

    def clean(value: Any) -> Any:
        if key is None and value not in field.empty_values:
            values = value if isinstance(value, (list, tuple)) else [value]
            for one in values:
                if one in field.empty_values or hasattr(one, "pk"):
                    continue
                if parse_id(one) is None:
                    # The same message Django gives a value it can look up and not find.
                    if isinstance(field, forms.ModelMultipleChoiceField):
                        raise ValidationError(
                            field.error_messages["invalid_pk_value"],
                            code="invalid_pk_value",
                            params={"pk": str(one)[:50]},
                        )
                    raise ValidationError(
                        field.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": str(one)[:50]},
                    )
        return original(value)

    return clean


def harden_field(field: forms.Field) -> None:
    """Apply the product's input rules to one (per-form copy of a) field."""
    if getattr(field, "_hardened", False):
        return
    field._hardened = True  # type: ignore[attr-defined]
    if isinstance(field, forms.CharField):
        multiline = isinstance(field.widget, forms.Textarea)
        field.to_python = _text_cleaner(field, multiline)  # type: ignore[method-assign,assignment]
    elif isinstance(field, (forms.DateField, forms.DateTimeField)):
        field.validators.append(check_date_range)
    elif isinstance(field, forms.IntegerField):
        field.validators.append(_int_range)
    elif isinstance(field, forms.ModelChoiceField):
        field.clean = _safe_choice_clean(field)  # type: ignore[method-assign,assignment]


class CleanInputMixin:
    """First base of every form: hardens each field of this form instance just before it is
    cleaned, so fields a form adds in its own `__init__` are covered too."""

    def full_clean(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            harden_field(field)
        super().full_clean()  # type: ignore[misc]

    def add_error(self, field: str | None, error: Any) -> None:
        """A service's ValidationError may name fields this form does not have (the ladder of
        a formset, a column of an import): those messages go to the top of the form."""
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            regrouped: dict[str, list[ValidationError]] = {}
            for name, errors in error.error_dict.items():
                key = name if name in self.fields else NON_FIELD_ERRORS  # type: ignore[attr-defined]
                regrouped.setdefault(key, []).extend(errors)
            error = ValidationError(regrouped)  # type: ignore[arg-type]
        super().add_error(field, error)  # type: ignore[misc]
