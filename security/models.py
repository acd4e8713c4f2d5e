"""Login security: the organization's rules for passwords, sessions and the second factor, and
each account's standing against them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from organization.managers import ScopedQuerySet
from organization.models import Organization

# The safe bounds a security administrator may choose within: (field, lowest, highest).
BOUNDS: dict[str, tuple[int, int]] = {
    "min_length": (8, 64),
    "min_classes": (3, 4),
    "history_count": (0, 24),
    "expiry_days": (0, 365),
    "expiry_warning_days": (0, 30),
    "lockout_limit": (3, 10),
    "idle_timeout_minutes": (5, 120),
}


def _bounded(name: str) -> list[Any]:
    low, high = BOUNDS[name]
    return [MinValueValidator(low), MaxValueValidator(high)]


class SecurityPolicy(models.Model):
    """安全策略 (security policy): one per organization; how strong passwords must be, how
    long they live, when accounts lock and sessions end, and who must use a second factor.

    The field defaults are the 等保 (classified protection) baseline; an organization without a
    saved policy runs on them."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="security_policy"
    )
    min_length = models.PositiveSmallIntegerField(
        _("minimum password length"), default=8, validators=_bounded("min_length")
    )
    min_classes = models.PositiveSmallIntegerField(
        _("character classes required"),
        default=3,
        validators=_bounded("min_classes"),
        help_text=_("Of four: capital letters, small letters, digits, other characters."),
    )
    history_count = models.PositiveSmallIntegerField(
        _("previous passwords that may not be reused"),
        default=5,
        validators=_bounded("history_count"),
    )
    expiry_days = models.PositiveSmallIntegerField(
        _("password expires after (days)"),
        default=90,
        validators=_bounded("expiry_days"),
        help_text=_("0: passwords never expire."),
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        _("warn before expiry (days)"), default=7, validators=_bounded("expiry_warning_days")
    )
    lockout_limit = models.PositiveSmallIntegerField(
        _("failed sign-ins before lockout"), default=5, validators=_bounded("lockout_limit")
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("idle session timeout (minutes)"),
        default=30,
        validators=_bounded("idle_timeout_minutes"),
    )
    single_session = models.BooleanField(
        _("one session per account"),
        default=False,
        help_text=_("A new sign-in ends the account's earlier session."),
    )
    force_password_change = models.BooleanField(
        _("force a password change at first sign-in and after a reset"), default=True
    )
    second_factor_required = models.BooleanField(
        _("second factor required for administrators and the office"), default=True
    )
    second_factor_for_everyone = models.BooleanField(
        _("second factor required for everyone else too"), default=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    **{f"{name}__gte": low for name, (low, _high) in BOUNDS.items()},
                    **{f"{name}__lte": high for name, (_low, high) in BOUNDS.items()},
                ),
                name="security_policy_within_bounds",
            )
        ]

    def __str__(self) -> str:
        return str(_("Security policy of %(org)s") % {"org": self.organization})


class AccountSecurity(models.Model):
    """账户安全状态 (account security state): when the account's password was set, whether it must
    be changed, and the last sign-in's time, address and session. One row per sign-in account,
    read only for the account itself."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_security"
    )
    password_changed_at = models.DateTimeField(null=True, blank=True)
    must_change_password = models.BooleanField(default=False)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    last_sign_in_ip = models.GenericIPAddressField(null=True, blank=True)
    session_key = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("account security state")
        verbose_name_plural = _("account security states")

    def __str__(self) -> str:
        return str(self.user)


class PasswordHistory(models.Model):
    """历史密码 (password history): the hashes of an account's earlier passwords, so the last N
    cannot be chosen again. Only hashes are kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    encoded = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("password history entry")
        verbose_name_plural = _("password history")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"
