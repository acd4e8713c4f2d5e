from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    BRANCH = "branch", _("Party branch")
    DEPARTMENT = "department", _("Functional department")
    OTHER = "other", _("Other unit")


class UnitRole(models.TextChoices):
    STAFF = "staff", _("Staff")
    HEAD = "head", _("Head")


class Role(models.TextChoices):
    """The roles a person can hold; several at once. Derived, never stored as one field."""

    ADMIN = "admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    LEADER = "leader", _("Leading group member")
    OFFICE = "office", _("Rectification office")
    TASK_FORCE = "taskforce", _("Task force member")
    LIAISON = "liaison", _("Liaison group member")
    UNIT_HEAD = "unit_head", _("Unit head / party secretary")
    UNIT_STAFF = "unit_staff", _("Unit staff")


# 三员: the three administrators. With separation of duties (三员分立) on, each is held by a
# different person and none of them reads or changes business records.
ADMIN_ROLES = frozenset({Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class PendingStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PendingKind(models.TextChoices):
    CREATE = "create", _("New account")
    UPDATE = "update", _("Account or role change")
    ACTIVATE = "activate", _("Reactivate account")
    DEACTIVATE = "deactivate", _("Deactivate account")
