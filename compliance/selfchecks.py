"""The requirements this area answers for the self-check (三员分立, retention, backup, audit
verification), each read from the installation as it is: settings and records, never assumed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import checks
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import AuditEvent, AuditVerification, BackupRecord
from core.selfcheck import CheckItem
from organization import policy
from organization.choices import Role


def _when(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def separation(organization: Any) -> Iterable[CheckItem]:
    on = organization.separation_of_duties
    yield CheckItem(
        _("Separation of the three administrators (三员分立) is switched on"),
        _("on") if on else _("off"),
        on,
        "" if on else _("The system administrator also holds the security and audit duties."),
    )
    holders = {
        Role(role).label: who for role, who in policy.administrators_of(organization.pk).items()
    }
    missing = [str(role) for role, who in holders.items() if not who]
    yield CheckItem(
        _("Each administrator role is held, by different people"),
        "；".join(
            f"{role}: {'、'.join(p.name for p in who) or '—'}" for role, who in holders.items()
        ),
        not missing,
        _("Nobody holds: %(roles)s") % {"roles": "、".join(missing)} if missing else "",
    )


def retention(organization: Any) -> Iterable[CheckItem]:
    months = settings.AUDIT_RETENTION_MONTHS
    minimum = settings.AUDIT_RETENTION_MIN_MONTHS
    oldest = (
        AuditEvent.objects.unscoped("the date of the oldest event, for the self-check")
        .order_by("seq")
        .values_list("created_at", flat=True)
        .first()
    )
    yield CheckItem(
        _("The audit trail is kept at least %(n)d months") % {"n": minimum},
        _("kept for ever") if months is None else _("%(n)d months") % {"n": months},
        months is None or months >= minimum,
        (_("Oldest event: %(when)s") % {"when": _when(oldest)} if oldest else _("No events yet"))
        + "；"
        + _(
            "notifications are pruned after %(n)d days, finished jobs after %(j)d days; "
            "audit events never"
        )
        % {"n": settings.NOTIFICATION_RETENTION_DAYS, "j": settings.JOB_RETENTION_DAYS},
    )


def last_backup(organization: Any) -> Iterable[CheckItem]:
    record = BackupRecord.objects.first()
    max_age = settings.BACKUP_MAX_AGE_DAYS
    requirement = _("A backup was made in the last %(n)d days") % {"n": max_age}
    if record is None:
        yield CheckItem(
            requirement,
            _("no backup recorded"),
            False,
            _("Back up with `manage.py backup <folder>`: each archive is recorded."),
        )
        return
    recent = timezone.now() - record.created_at <= datetime.timedelta(days=max_age)
    yield CheckItem(requirement, _when(record.created_at), recent, record.file_name)


def last_verification(organization: Any) -> Iterable[CheckItem]:
    run = AuditVerification.objects.first()
    max_age = settings.AUDIT_VERIFY_MAX_AGE_DAYS
    requirement = _("The audit chain was verified intact in the last %(n)d days") % {"n": max_age}
    if run is None:
        yield CheckItem(requirement, _("never verified"), False, "")
        return
    recent = timezone.now() - run.started_at <= datetime.timedelta(days=max_age)
    if run.ok:
        detail = _("%(n)d events checked, chain intact") % {"n": run.checked}
    else:
        detail = _("broken at event #%(seq)s: %(reason)s") % {
            "seq": run.broken_at,
            "reason": run.reason,
        }
    yield CheckItem(requirement, _when(run.started_at), run.ok and recent, detail)


CHECKS = (separation, retention, last_backup, last_verification)


def audit_retention_setting(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """AUDIT_RETENTION_MONTHS may say "for ever" (empty) or a number of months, never fewer
    than the minimum."""
    months = settings.AUDIT_RETENTION_MONTHS
    if months is not None and months < settings.AUDIT_RETENTION_MIN_MONTHS:
        return [
            checks.Error(
                f"AUDIT_RETENTION_MONTHS is {months}: the audit trail is kept at least "
                f"{settings.AUDIT_RETENTION_MIN_MONTHS} months.",
                id="compliance.E001",
            )
        ]
    return []
