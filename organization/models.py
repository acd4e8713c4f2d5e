"""The organization doing the rectification: units, people, task forces, liaison grid."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.workdays import CalendarMode
from organization.choices import (
    PendingKind,
    PendingStatus,
    UnitKind,
    UnitRole,
    default_unit_group_phrases,
)
from organization.managers import ScopedQuerySet


class Organization(models.Model):
    """组织 (organization): the college or agency being inspected and doing the rectification."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    leading_group_name = models.CharField(_("leading group"), max_length=100, blank=True)
    office_name = models.CharField(_("rectification office"), max_length=100, blank=True)
    office_director = models.ForeignKey(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office director"),
    )
    calendar_mode = models.CharField(
        _("deadline counting"),
        max_length=16,
        choices=CalendarMode.choices,
        default=CalendarMode.CALENDAR_DAYS,
    )
    warn_days = models.PositiveSmallIntegerField(
        _("warning window (days)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    behind_points = models.PositiveSmallIntegerField(
        _("behind schedule threshold (points)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    # Whether a lead unit may name its own responsible persons on its measures; otherwise only
    # the office (or the task force for its themes) changes them.
    units_edit_responsible_persons = models.BooleanField(
        _("units may change the responsible persons of their measures"), default=False
    )
    # 三员分立: the system, security and audit administrators are three people, and none of
    # them reads business records. Only a small installation switches it off.
    separation_of_duties = models.BooleanField(
        _("separation of the three administrators"), default=True
    )
    # Which units a phrase such as 各党支部 names in a ledger: data the organization edits,
    # see organization.choices.default_unit_group_phrases for the form of each entry.
    unit_group_phrases = models.JSONField(
        _("phrases naming a group of units"), default=default_unit_group_phrases, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class LiaisonGroup(models.Model):
    """联络组 (liaison group): follows the units of its grid (网格化管理)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="liaison_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_liaison_groups",
        verbose_name=_("group leader"),
    )
    members = models.ManyToManyField(  # type: ignore[var-annotated]
        "Person", blank=True, related_name="liaison_groups", verbose_name=_("members")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("liaison group")
        verbose_name_plural = _("liaison groups")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="liaison_group_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """单位 (unit): a party branch (党支部), a functional department (职能部门) or other unit.

    Each unit sits in exactly one liaison group's grid (a plain foreign key makes "two grids"
    impossible) and has a party secretary and an administrative head (一岗双责、党政同责).
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    liaison_group = models.ForeignKey(
        LiaisonGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("liaison group (grid)"),
    )
    party_secretary = models.ForeignKey(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="secretary_of",
        verbose_name=_("party secretary"),
    )
    admin_head = models.ForeignKey(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="head_of",
        verbose_name=_("administrative head"),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unit_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class TaskForce(models.Model):
    """工作专班 (task force): owns one or more themes of findings."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="task_forces"
    )
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_task_forces",
        verbose_name=_("leader"),
    )
    members = models.ManyToManyField(  # type: ignore[var-annotated]
        "Person", blank=True, related_name="task_forces", verbose_name=_("members")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("task force")
        verbose_name_plural = _("task forces")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="task_force_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """问题类别 (theme): a group of findings, owned by one task force."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="themes")
    name = models.CharField(_("name"), max_length=100)
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="themes", verbose_name=_("task force")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="theme_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """人员 (person): a user's profile — name, unit, position, contact, and global roles.

    Roles that follow from structure (task-force and liaison membership, heading a unit) are
    derived by `organization.scope`; only the organization-wide roles are flags here.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="people")
    name = models.CharField(_("name"), max_length=50)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("unit"),
    )
    unit_role = models.CharField(
        _("role in unit"), max_length=16, choices=UnitRole.choices, default=UnitRole.STAFF
    )
    position = models.CharField(_("position"), max_length=100, blank=True)
    # 工号: how the college's identity service names a person; single sign-on may match on it.
    employee_number = models.CharField(_("employee number"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1930), MaxValueValidator(2015)],
    )
    is_young_cadre = models.BooleanField(_("young cadre"), default=False)
    # The person's account in the organization's DingTalk / WeCom, for work notices to them.
    dingtalk_userid = models.CharField(
        _("DingTalk user ID"),
        max_length=64,
        blank=True,
        help_text=_("The person's userid in the organization's DingTalk, for work notices."),
    )
    wecom_userid = models.CharField(
        _("WeCom user ID"),
        max_length=64,
        blank=True,
        help_text=_("The person's account (UserID) in the organization's WeCom, for app messages."),
    )
    is_system_admin = models.BooleanField(_("system administrator"), default=False)
    is_security_admin = models.BooleanField(_("security administrator"), default=False)
    is_audit_admin = models.BooleanField(_("audit administrator"), default=False)
    is_leader = models.BooleanField(_("leading group member"), default=False)
    is_office = models.BooleanField(_("rectification office"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["id"]
        constraints = [
            # One person per employee number in an organization, so a sign-in by it finds at most
            # one account there (sso refuses a number two organizations share). Per
            # organization, so that no college learns which numbers another one uses.
            models.UniqueConstraint(
                fields=["organization", "employee_number"],
                condition=~Q(employee_number=""),
                name="person_unique_employee_number",
                violation_error_message=_("Another person already has this employee number."),
            ),
            # 三员: nobody holds two of the three administrator roles.
            models.CheckConstraint(
                condition=(
                    Q(is_system_admin=False, is_security_admin=False)
                    | Q(is_system_admin=False, is_audit_admin=False)
                    | Q(is_security_admin=False, is_audit_admin=False)
                ),
                name="person_one_admin_role",
                violation_error_message=_(
                    "A person holds at most one of the system, security and audit "
                    "administrator roles."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return bool(self.user.is_active)


class PendingChange(models.Model):
    """待审批变更 (pending account change): an account or role change the system administrator
    asked for while the three administrators are separated. It takes effect only when the
    security administrator approves it; a rejected one never does. Kept, never deleted.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("change"), max_length=16, choices=PendingKind.choices)
    # The person changed; empty for a new account until it is approved.
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pending_changes",
        verbose_name=_("person"),
    )
    person_name = models.CharField(_("name"), max_length=50)
    # The fields to set (only the changed ones for an update); a new account's password is
    # kept as its hash, never in plain text, and never shown.
    payload = models.JSONField(_("change"), default=dict)
    before = models.JSONField(_("before"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PendingStatus.choices,
        default=PendingStatus.PENDING,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pending account change")
        verbose_name_plural = _("pending account changes")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person_name}"

    def shown_payload(self) -> dict[str, object]:
        """The change as the approver reads it (the password hash left out)."""
        return {k: v for k, v in self.payload.items() if k != "password"}
