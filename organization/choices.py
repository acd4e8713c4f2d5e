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


def default_unit_group_phrases() -> list[dict[str, object]]:
    """The phrases ledgers use for a group of units (各党支部, 全院各单位), and what they cover.

    Each entry: ``phrase`` as written (compared without spaces and bracket width), ``kinds`` the
    unit kinds it covers, and optionally ``name_contains``: a unit counts only if its name holds
    one of these words (各系（部） is the branches of the 系 and 部: "系党", "部党"). An
    organization edits its own list; these are what a new organization starts with.
    """
    every = [UnitKind.BRANCH.value, UnitKind.DEPARTMENT.value, UnitKind.OTHER.value]
    return [
        {"phrase": "各党支部", "kinds": [UnitKind.BRANCH.value]},
        {"phrase": "各支部", "kinds": [UnitKind.BRANCH.value]},
        {"phrase": "各二级党组织", "kinds": [UnitKind.BRANCH.value]},
        {"phrase": "各基层党组织", "kinds": [UnitKind.BRANCH.value]},
        {
            "phrase": "各系（部）",
            "kinds": [UnitKind.BRANCH.value],
            "name_contains": ["系党", "部党"],
        },
        {"phrase": "各系部", "kinds": [UnitKind.BRANCH.value], "name_contains": ["系党", "部党"]},
        {"phrase": "各职能部门", "kinds": [UnitKind.DEPARTMENT.value]},
        {"phrase": "各部门", "kinds": [UnitKind.DEPARTMENT.value]},
        {"phrase": "全院各单位", "kinds": every},
        {"phrase": "全校各单位", "kinds": every},
        {"phrase": "各单位", "kinds": every},
    ]
