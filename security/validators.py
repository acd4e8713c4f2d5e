"""The organization's password rules as a Django password validator (AUTH_PASSWORD_VALIDATORS).

Django's own MinimumLengthValidator answers below 8 characters; this one applies the
organization's longer minimum, its character classes and its history."""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from security.models import PasswordHistory
from security.selectors import policy_for_user


def character_classes(password: str) -> int:
    return sum(
        (
            any(c in string.ascii_uppercase for c in password),
            any(c in string.ascii_lowercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isascii() or not c.isalnum() for c in password),
        )
    )


class PolicyPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        policy = policy_for_user(user)
        errors: list[ValidationError] = []
        if 8 <= len(password) < policy.min_length:
            errors.append(
                ValidationError(
                    ngettext(
                        "The password must have at least %(n)d character.",
                        "The password must have at least %(n)d characters.",
                        policy.min_length,
                    )
                    % {"n": policy.min_length},
                    code="password_too_short_for_policy",
                )
            )
        if character_classes(password) < policy.min_classes:
            errors.append(
                ValidationError(
                    _(
                        "The password must mix at least %(n)d of: capital letters, small "
                        "letters, digits, other characters."
                    )
                    % {"n": policy.min_classes},
                    code="password_too_few_classes",
                )
            )
        if policy.history_count and user is not None and getattr(user, "pk", None):
            earlier = PasswordHistory.objects.filter(user_id=user.pk).values_list(
                "encoded", flat=True
            )[: policy.history_count]
            if any(check_password(password, encoded) for encoded in earlier):
                errors.append(
                    ValidationError(
                        ngettext(
                            "This password was used recently; choose one different from the "
                            "last %(n)d.",
                            "This password was used recently; choose one different from the "
                            "last %(n)d.",
                            policy.history_count,
                        )
                        % {"n": policy.history_count},
                        code="password_reused",
                    )
                )
        if errors:
            raise ValidationError(errors)

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is not None and getattr(user, "pk", None):
            from security.services import password_recorded

            password_recorded(user=user)

    def get_help_text(self) -> str:
        return _(
            "Your password must follow the organization's security policy: its minimum length, "
            "a mix of character classes, and none of your recent passwords."
        )
