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
    LEADER = "leader", _("Leading group member")
    OFFICE = "office", _("Rectification office")
    TASK_FORCE = "taskforce", _("Task force member")
    LIAISON = "liaison", _("Liaison group member")
    UNIT_HEAD = "unit_head", _("Unit head / party secretary")
    UNIT_STAFF = "unit_staff", _("Unit staff")
