"""The one access choke point.

Every view, export, search, dashboard, API call and file download fetches objects through
`Model.objects.visible_to(user)` / `editable_by(user)`, which end here. Rules are SQL filters
(joins and subqueries the database plans), never Python lists of visible object ids; the few ids
used below are the user's own memberships (a handful of units and groups).

Apps above this one register the rules for their models with `register_scope`, so this module
never imports them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Model, Q, QuerySet

from core.scoping import register_directory_model
from organization.choices import ADMIN_ROLES, Role, UnitRole

Action = Literal["view", "change"]

# Roles that see every object of their organization.
SEE_ALL_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.OFFICE})
# Roles that may change every object of their organization.
MANAGE_ALL_ROLES = frozenset({Role.ADMIN, Role.OFFICE})


@dataclass(frozen=True)
class Actor:
    """Who is asking: resolved once per request from the user's profile and memberships."""

    user_id: int | None = None
    person_id: int | None = None
    organization_id: int | None = None
    roles: frozenset[str] = frozenset()
    unit_id: int | None = None
    head_unit_ids: frozenset[int] = frozenset()
    task_force_ids: frozenset[int] = frozenset()
    liaison_group_ids: frozenset[int] = frozenset()
    # The units of those liaison groups (their grid), read with them; None when not read, and
    # a rule then reaches the grid through the groups.
    grid_unit_ids: frozenset[int] | None = None
    name: str = ""
    # The organization separates the three administrators (三员分立).
    separated: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_authenticated(self) -> bool:
        return self.person_id is not None

    @property
    def business_roles(self) -> frozenset[str]:
        """The roles that reach business records (findings, measures, reports, evidence,
        notices). The security and audit administrators never do; with the separation on,
        neither does the system administrator."""
        if self.separated:
            return self.roles - ADMIN_ROLES
        return self.roles - {Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}

    @property
    def sees_all(self) -> bool:
        return bool(self.business_roles & SEE_ALL_ROLES)

    @property
    def manages_all(self) -> bool:
        return bool(self.business_roles & MANAGE_ALL_ROLES)

    @property
    def manages_directory(self) -> bool:
        """Changes units, groups, themes and people: the office, and the system administrator
        whether or not the administrators are separated."""
        return self.manages_all or Role.ADMIN in self.roles

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def scope_key(self) -> tuple[Any, ...]:
        """Everything that decides what this person may read, as one hashable value: the key
        of figures computed within the scope and kept (the dashboard's), so that two people
        share a key only if every scope rule reads the same rows for both."""
        return (
            self.user_id,
            self.person_id,
            self.organization_id,
            tuple(sorted(self.roles)),
            self.unit_id,
            tuple(sorted(self.head_unit_ids)),
            tuple(sorted(self.task_force_ids)),
            tuple(sorted(self.liaison_group_ids)),
            None if self.grid_unit_ids is None else tuple(sorted(self.grid_unit_ids)),
            self.separated,
        )

    @property
    def unit_ids(self) -> frozenset[int]:
        """Units whose work this person does: their own unit and any unit they head."""
        ids = set(self.head_unit_ids)
        if self.unit_id is not None:
            ids.add(self.unit_id)
        return frozenset(ids)


ANONYMOUS = Actor()
_CACHE_ATTR = "_rectify_actor"


def actor_for(user: Any) -> Actor:
    """The Actor for a user, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from organization.models import Person

    person = (
        Person.objects.unscoped("resolving who is asking")
        .select_related("organization")
        .filter(user_id=user.pk)
        .first()
    )
    if person is None:
        # A user without a profile (e.g. a bare `createsuperuser`) belongs to no organization
        # and so sees no domain data; profiles come from load_demo or the people screens.
        actor = Actor(user_id=user.pk, name=user.get_username())
        setattr(user, _CACHE_ATTR, actor)
        return actor
    roles: set[str] = set()
    if person.is_system_admin or user.is_superuser:
        roles.add(Role.ADMIN)
    if person.is_security_admin:
        roles.add(Role.SECURITY_ADMIN)
    if person.is_audit_admin:
        roles.add(Role.AUDIT_ADMIN)
    if person.is_leader:
        roles.add(Role.LEADER)
    if person.is_office:
        roles.add(Role.OFFICE)
    held = _memberships(person.pk)
    task_force_ids = held["task_force"]
    liaison_ids = held["liaison_group"]
    grid_units = held["grid_unit"]
    head_units = held["head_unit"]
    if person.unit_id is not None and person.unit_role == UnitRole.HEAD:
        head_units |= {person.unit_id}
    if task_force_ids:
        roles.add(Role.TASK_FORCE)
    if liaison_ids:
        roles.add(Role.LIAISON)
    if head_units:
        roles.add(Role.UNIT_HEAD)
    if person.unit_id is not None and person.unit_id not in head_units:
        roles.add(Role.UNIT_STAFF)
    actor = Actor(
        user_id=user.pk,
        person_id=person.pk,
        organization_id=person.organization_id,
        roles=frozenset(roles),
        unit_id=person.unit_id,
        head_unit_ids=head_units,
        task_force_ids=task_force_ids,
        liaison_group_ids=liaison_ids,
        grid_unit_ids=grid_units,
        name=person.name,
        separated=person.organization.separation_of_duties,
    )
    setattr(user, _CACHE_ATTR, actor)
    return actor


def _memberships(person_id: int) -> dict[str, frozenset[int]]:
    """The asker's own memberships in one statement: the active task forces and liaison
    groups they are a member or the leader of, the units of those groups (their grid), and
    the active units they are party secretary or administrative head of. Every request
    resolves its asker; the six reads this replaces were a quarter of a small page's time,
    and one round trip each on PostgreSQL. Written out by hand: the same statement built with
    the ORM (a union of four querysets) took longer to build than the six reads to run."""
    from django.db import connection

    from organization.models import Person

    held: dict[str, set[int]] = {
        "task_force": set(),
        "liaison_group": set(),
        "grid_unit": set(),
        "head_unit": set(),
    }
    sql = _memberships_sql(connection.vendor)
    rows = Person.objects.unscoped("the asker's own memberships").read_sql(sql, [person_id] * 8)
    for kind, pk in rows:
        held[kind].add(pk)
    return {kind: frozenset(ids) for kind, ids in held.items()}


@functools.cache
def _memberships_sql(vendor: str) -> str:
    """`_memberships`' statement for the database in use (`vendor`, the cache key), written
    once per process."""
    from django.db import connection

    from organization.models import LiaisonGroup, TaskForce, Unit

    qn = connection.ops.quote_name

    def table(model: Any) -> str:
        return qn(model._meta.db_table)

    def col(model: Any, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    def groups_of(model: Any, kind: str = "") -> str:
        """The active groups the person leads or belongs to: their ids, after `kind`."""
        through = model.members.through
        return (
            f"SELECT {kind}g.{col(model, 'id')} FROM {table(model)} g "
            f"WHERE g.{col(model, 'is_active')} AND (g.{col(model, 'leader')} = %s "
            f"OR g.{col(model, 'id')} IN (SELECT m.{col(through, model._meta.model_name)} "
            f"FROM {table(through)} m WHERE m.{col(through, 'person')} = %s))"
        )

    def units(kind: str) -> str:
        return f"SELECT {kind}u.{col(Unit, 'id')} FROM {table(Unit)} u WHERE "

    return " UNION ALL ".join(
        [
            groups_of(TaskForce, kind="'task_force', "),
            groups_of(LiaisonGroup, kind="'liaison_group', "),
            units("'grid_unit', ")
            + f"u.{col(Unit, 'liaison_group')} IN ({groups_of(LiaisonGroup)})",
            units("'head_unit', ")
            + f"u.{col(Unit, 'is_active')} AND (u.{col(Unit, 'party_secretary')} = %s "
            f"OR u.{col(Unit, 'admin_head')} = %s)",
        ]
    )


def forget_actor(user: Any) -> None:
    """Drop the cached Actor, after a change to the user's own roles or memberships."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- capabilities: role-level permissions, one table ------------------------------------

CAPABILITIES: dict[str, frozenset[str]] = {
    # Organization management screens.
    "organization.view": frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER}),
    "organization.manage": frozenset({Role.ADMIN, Role.OFFICE}),
    "people.reset_password": frozenset({Role.ADMIN}),
    # Ledger.
    "ledger.view": frozenset(Role.values),
    "ledger.manage": frozenset({Role.ADMIN, Role.OFFICE}),
    "ledger.manage_own_themes": frozenset({Role.ADMIN, Role.OFFICE, Role.TASK_FORCE}),
    "ledger.bulk": frozenset({Role.ADMIN, Role.OFFICE}),
    "audit.view": frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER}),
    # Review, close-out, supervision.
    "review.liaison": frozenset({Role.LIAISON}),
    "review.office": frozenset({Role.ADMIN, Role.OFFICE}),
    "report.file": frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF, Role.OFFICE, Role.ADMIN}),
    "urge": frozenset({Role.ADMIN, Role.OFFICE, Role.LIAISON}),
    "dashboard.view": frozenset(Role.values),
    "documents.import": frozenset({Role.ADMIN, Role.OFFICE}),
    "documents.export": frozenset(Role.values),
    # The delivery log holds the text of every message: a business record.
    "notifications.admin": frozenset({Role.ADMIN}),
    # The security administrator's desk: approvals of account changes, unlocking accounts.
    "security.admin": frozenset({Role.SECURITY_ADMIN, Role.ADMIN}),
    # The audit administrator's desk: the whole audit trail, its verification and export.
    "audit.trail": frozenset({Role.AUDIT_ADMIN, Role.ADMIN}),
}

# Capabilities of the accounts and the directory: the system administrator keeps them when the
# administrators are separated. Every other capability reaches business records.
ACCOUNT_CAPABILITIES = frozenset(
    {"organization.view", "organization.manage", "people.reset_password"}
)
# The security and audit desks: with the separation off, the system administrator holds them.
OVERSIGHT_CAPABILITIES = frozenset({"security.admin", "audit.trail"})


# With the administrators separated, a capability the system administrator held over business
# records passes to these roles instead.
SEPARATED_CAPABILITIES: dict[str, frozenset[str]] = {
    "notifications.admin": frozenset({Role.OFFICE}),
}


def _roles_for(actor: Actor, capability: str) -> frozenset[str]:
    if capability in ACCOUNT_CAPABILITIES:
        return actor.roles - {Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
    if capability in OVERSIGHT_CAPABILITIES:
        return actor.roles - {Role.ADMIN} if actor.separated else actor.roles
    return actor.business_roles


def has_capability(user_or_actor: Any, capability: str) -> bool:
    actor = user_or_actor if isinstance(user_or_actor, Actor) else actor_for(user_or_actor)
    if not actor.roles:
        return False
    allowed = CAPABILITIES[capability]
    if actor.separated:
        allowed = SEPARATED_CAPABILITIES.get(capability, allowed)
    return bool(_roles_for(actor, capability) & allowed)


# --- object scope rules -----------------------------------------------------------------

ScopeRule = Callable[[Actor, Action], Q]
_RULES: dict[str, ScopeRule] = {}


def register_scope(model: type[Model], rule: ScopeRule) -> None:
    """Register the row filter for a model; called from each app's AppConfig.ready()."""
    _RULES[model._meta.label_lower] = rule
    if rule is org_directory_rule:
        register_directory_model(model._meta.label_lower)


def scope_filter(qs: QuerySet[Any], user: Any, *, action: Action) -> QuerySet[Any]:
    actor = user if isinstance(user, Actor) else actor_for(user)
    if actor.organization_id is None:
        return qs.none()
    rule = _RULES.get(qs.model._meta.label_lower)
    if rule is None:
        raise LookupError(f"no scope rule registered for {qs.model._meta.label_lower}")
    return qs.filter(rule(actor, action))


NOTHING = Q(pk__in=[])


def org_directory_rule(actor: Actor, action: Action) -> Q:
    """Units, groups, themes and people: everyone in the organization may read the directory
    (names appear on every measure); only the office and administrators change it."""
    if action == "view" or actor.manages_directory:
        return Q(organization_id=actor.organization_id)
    return NOTHING


def organization_rule(actor: Actor, action: Action) -> Q:
    if action == "view" or actor.manages_directory:
        return Q(pk=actor.organization_id)
    return NOTHING


def audit_event_rule(actor: Actor, action: Action) -> Q:
    """An audit event is seen by whoever may see the object it records; nobody changes one.

    One branch per registered model (the database evaluates only the branch of each row's
    type), plus sign-in accounts, which are seen through their person."""
    from django.apps import apps

    from organization.models import Person

    if action != "view":
        return NOTHING
    if has_capability(actor, "audit.trail"):
        return whole_trail_q(actor)
    people = Person.objects.visible_to(actor).values("user_id")
    q = Q(object_type="auth.user", object_id__in=people)
    for label in sorted(_RULES):
        if label != "core.auditevent":
            visible = apps.get_model(label)._default_manager.visible_to(actor).values("pk")
            q |= Q(object_type=label, object_id__in=visible)
    return q


def whole_trail_q(actor: Actor) -> Q:
    """The organization's whole audit trail, for the audit administrator: every event about an
    object of the organization (as a reader of everything would find it) and every event its
    people caused. The auditor reads these records as records; the objects stay out of reach."""
    from django.apps import apps

    from organization.models import Person

    reader = Actor(
        user_id=actor.user_id,
        person_id=actor.person_id,
        organization_id=actor.organization_id,
        roles=frozenset({Role.LEADER}),
    )
    in_org = Person.objects.unscoped("the organization's people, for its whole trail").filter(
        organization_id=actor.organization_id
    )
    q = Q(actor_id__in=in_org.values("user_id")) | Q(
        object_type="auth.user", object_id__in=in_org.values("user_id")
    )
    for label in sorted(_RULES):
        if label != "core.auditevent":
            visible = apps.get_model(label)._default_manager.visible_to(reader).values("pk")
            q |= Q(object_type=label, object_id__in=visible)
    return q


def pending_change_rule(actor: Actor, action: Action) -> Q:
    """Account changes awaiting approval: the system administrator who asks and the security
    administrator who decides read them; only the security administrator decides."""
    in_org = Q(organization_id=actor.organization_id)
    if has_capability(actor, "security.admin"):
        return in_org
    if action == "view" and Role.ADMIN in actor.roles:
        return in_org
    return NOTHING


def register_organization_rules() -> None:
    from core.models import AuditEvent
    from core.scoping import install_scope_resolver
    from organization.models import (
        LiaisonGroup,
        Organization,
        PendingChange,
        Person,
        TaskForce,
        Theme,
        Unit,
    )

    install_scope_resolver(lambda qs, user, action: scope_filter(qs, user, action=action))
    register_scope(AuditEvent, audit_event_rule)
    register_scope(Organization, organization_rule)
    for model in (Unit, LiaisonGroup, TaskForce, Theme, Person):
        register_scope(model, org_directory_rule)
    register_scope(PendingChange, pending_change_rule)
