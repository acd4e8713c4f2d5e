"""Who may do what: the one answer to every "may this person do X (to this object)".

`organization.scope` says which rows a person may read or change (SQL filters); this module
says which *actions* a person may take. Services always ask it (and raise), views ask it to
answer 403, and templates ask it through the `may` filter and tag (`organization.templatetags.
policy`) to decide whether to show a link or a button. No other module reads role flags.

Rules about the organization's own objects are written here. Apps above this one register the
rules about their objects with `register_rule` from their `AppConfig.ready()`, the way they
register scope rules, so this module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from organization.choices import ADMIN_ROLES, Role
from organization.scope import CAPABILITIES, Actor, actor_for, has_capability

Rule = Callable[[Actor, Any], Any]
_RULES: dict[str, Rule] = {}


def register_rule(action: str, rule: Rule) -> None:
    """Register (or replace) the rule answering `action`; `rule(actor, obj)` returns a truthy
    answer when the actor may. Called from each app's AppConfig.ready()."""
    _RULES[action] = rule


def as_actor(user_or_actor: Any) -> Actor:
    return user_or_actor if isinstance(user_or_actor, Actor) else actor_for(user_or_actor)


def answer(user_or_actor: Any, action: str, obj: Any = None) -> Any:
    """The rule's own answer (e.g. the set of fields a person may change); falsy means no."""
    actor = as_actor(user_or_actor)
    if actor.organization_id is None:
        return None
    rule = _RULES.get(action)
    if rule is None:
        # A role-level capability of the one table (e.g. "ledger.view") needs no object.
        if action in CAPABILITIES:
            return has_capability(actor, action)
        raise LookupError(f"no policy rule registered for {action!r}")
    return rule(actor, obj)


def may(user_or_actor: Any, action: str, obj: Any = None) -> bool:
    return bool(answer(user_or_actor, action, obj))


def require(user_or_actor: Any, action: str, obj: Any = None, *, message: Any = None) -> Actor:
    """Return the actor, or raise PermissionDenied with a message the person can read."""
    actor = as_actor(user_or_actor)
    if not may(actor, action, obj):
        raise PermissionDenied(message or _("You are not allowed to do this."))
    return actor


def rules() -> frozenset[str]:
    return frozenset(_RULES)


# --- plain facts about a person, used by the rules of every app ----------------------------


def acts_for_unit(actor: Actor, unit_id: int | None) -> bool:
    """The person works in the unit or heads it ("belongs to the unit")."""
    return unit_id is not None and unit_id in actor.unit_ids


def heads_unit(actor: Actor, unit_id: int | None) -> bool:
    return unit_id is not None and unit_id in actor.head_unit_ids


def follows_grid(actor: Actor, liaison_group_id: int | None) -> bool:
    """The person is in the liaison group whose grid the unit sits in."""
    return liaison_group_id is not None and liaison_group_id in actor.liaison_group_ids


def owns_theme(actor: Actor, task_force_id: int | None) -> bool:
    """The person is in the task force that owns the theme."""
    return task_force_id is not None and task_force_id in actor.task_force_ids


def in_office(actor: Actor) -> bool:
    """The rectification office (or an administrator): runs the work of the whole organization."""
    return actor.manages_all


def sees_everything(actor: Actor) -> bool:
    """Office, leading group and administrators read every object of their organization."""
    return actor.sees_all


def administers(actor: Actor) -> bool:
    return Role.ADMIN in actor.roles


def in_task_force(actor: Actor) -> bool:
    return bool(actor.task_force_ids)


def in_liaison_group(actor: Actor) -> bool:
    return bool(actor.liaison_group_ids)


def administrators_q(prefix: str = "") -> Q:
    """The three administrators (三员) and superusers, as a filter on Person (`prefix` for a
    path to one, e.g. "actor__person__")."""
    return (
        Q(**{f"{prefix}is_system_admin": True})
        | Q(**{f"{prefix}is_security_admin": True})
        | Q(**{f"{prefix}is_audit_admin": True})
        | Q(**{f"{prefix}user__is_superuser": True})
    )


def administrators_of(organization_id: int) -> dict[str, list[Any]]:
    """The active holders of each administrator role (三员), by role."""
    from organization.models import Person

    people = Person.objects.unscoped("the organization's administrators, for the self-check")
    active = people.filter(organization_id=organization_id, user__is_active=True)
    return {
        Role.ADMIN: list(active.filter(is_system_admin=True)),
        Role.SECURITY_ADMIN: list(active.filter(is_security_admin=True)),
        Role.AUDIT_ADMIN: list(active.filter(is_audit_admin=True)),
    }


def office_people_q() -> Q:
    """The people of the rectification office (a filter on Person), e.g. to notify them."""
    return Q(is_office=True)


def is_administrator_or_office(actor: Actor) -> bool:
    """One of the three administrators (三员) or a member of the rectification office, by the
    roles held — whether or not the separation keeps the administrators from business records
    (login security asks these people for a second factor)."""
    return bool(actor.roles & (ADMIN_ROLES | {Role.OFFICE}))


def administrators_and_office_q() -> Q:
    """The three administrators and the people of the rectification office (a filter on
    Person): those whom login security asks for a second factor."""
    return office_people_q() | administrators_q()


def role_labels(actor: Actor) -> list[str]:
    """The person's roles in the UI language, in a fixed order (for the page header)."""
    return [str(Role(r).label) for r in Role.values if r in actor.roles]


# --- the organization's own rules -----------------------------------------------------------


def _capability(name: str) -> Rule:
    return lambda actor, obj: has_capability(actor, name)


def _person_is_admin(person: Any) -> bool:
    """One of the three administrators (or a superuser)."""
    user = getattr(person, "user", None)
    return bool(
        getattr(person, "is_system_admin", False)
        or getattr(person, "is_security_admin", False)
        or getattr(person, "is_audit_admin", False)
        or getattr(user, "is_superuser", False)
    )


def _manage_person(actor: Actor, person: Any) -> bool:
    """Edit or (de)activate a person: the office for ordinary people; only an administrator
    for an administrator's account."""
    if not has_capability(actor, "organization.manage"):
        return False
    if person is None or getattr(person, "organization_id", None) != actor.organization_id:
        return person is None
    return not _person_is_admin(person) or administers(actor)


def _reset_password(actor: Actor, person: Any) -> bool:
    return has_capability(actor, "people.reset_password") and _manage_person(actor, person)


def _see_person_record(actor: Actor, person: Any) -> bool:
    """A person's track record (工作实绩): the organization's readers see everyone's; a person
    sees their own."""
    if has_capability(actor, "organization.view"):
        return True
    return person is not None and getattr(person, "pk", None) == actor.person_id


def _in_org(actor: Actor, obj: Any) -> bool:
    return obj is not None and getattr(obj, "organization_id", None) == actor.organization_id


def _report_for_unit(actor: Actor, unit: Any) -> bool:
    """File reports in the unit's name: its own people, or the office on its behalf."""
    if not (_in_org(actor, unit) and has_capability(actor, "report.file")):
        return False
    return in_office(actor) or acts_for_unit(actor, getattr(unit, "pk", None))


def _see_unit_report(actor: Actor, unit: Any) -> bool:
    """A unit's report (单位汇报): read by the unit, its liaison group, the task forces (who hear
    every unit at joint meetings) and those who see everything."""
    return _in_org(actor, unit) and (
        sees_everything(actor)
        or acts_for_unit(actor, unit.pk)
        or follows_grid(actor, unit.liaison_group_id)
        or in_task_force(actor)
    )


def _edit_unit_report(actor: Actor, unit: Any) -> bool:
    return _in_org(actor, unit) and (in_office(actor) or acts_for_unit(actor, unit.pk))


def _review_office(actor: Actor, obj: Any) -> bool:
    return in_office(actor) and has_capability(actor, "review.office")


def register_organization_policy() -> None:
    for action, capability in (
        ("view_organization", "organization.view"),
        ("manage_organization", "organization.manage"),
        ("manage_people", "organization.manage"),
        ("view_ledger", "ledger.view"),
        ("manage_ledger", "ledger.manage"),
        ("manage_own_themes", "ledger.manage_own_themes"),
        ("bulk_edit", "ledger.bulk"),
        ("view_audit_log", "audit.view"),
        ("review_liaison", "review.liaison"),
        ("file_reports", "report.file"),
        ("urge", "urge"),
        ("view_dashboard", "dashboard.view"),
        ("import", "documents.import"),
        ("export", "documents.export"),
        ("manage_notifications", "notifications.admin"),
        ("administer_security", "security.admin"),
        ("read_audit_trail", "audit.trail"),
    ):
        register_rule(action, _capability(capability))
    # 工作实绩: who did what, by person — business records, for the organization's readers.
    register_rule("view_track_records", lambda actor, obj: sees_everything(actor))
    register_rule("administer_accounts", lambda actor, obj: administers(actor))
    register_rule("review_office", _review_office)
    # Documents about the whole organization, and documents for any unit of it.
    register_rule("export_progress_report", lambda actor, obj: sees_everything(actor))
    register_rule("choose_any_unit", lambda actor, obj: sees_everything(actor))
    register_rule("draft_supervision_notice", lambda actor, obj: in_office(actor))
    register_rule("set_reporting_cycle", _review_office)
    register_rule("manage_admins", lambda actor, obj: administers(actor))
    register_rule("grant_admin", lambda actor, obj: administers(actor))
    register_rule("manage_person", _manage_person)
    register_rule("reset_password", _reset_password)
    register_rule("see_person_record", _see_person_record)
    register_rule("report_for_unit", _report_for_unit)
    register_rule("see_unit_report", _see_unit_report)
    register_rule("edit_unit_report", _edit_unit_report)


# --- named questions: what services, views and templates call -------------------------------


def may_administer_accounts(person: Any) -> bool:
    """系统管理员: creates and deactivates accounts, edits the directory and the settings."""
    return may(person, "administer_accounts")


def may_administer_security(person: Any) -> bool:
    """安全管理员: approves account changes, sets the security policy, unlocks accounts (the
    system administrator too when the organization does not separate the three)."""
    return may(person, "administer_security")


def may_read_audit_trail(person: Any) -> bool:
    """审计管理员: reads the whole audit trail, verifies and exports it."""
    return may(person, "read_audit_trail")


def changes_need_approval(person: Any) -> bool:
    """The system administrator's account and role changes wait for the security
    administrator while the three administrators are separated."""
    actor = as_actor(person)
    return actor.separated and administers(actor)


def can_manage_people(user: Any) -> bool:
    return may(user, "manage_people")


def can_manage_admins(user: Any) -> bool:
    return may(user, "manage_admins")


def can_manage_person(user: Any, person: Any) -> bool:
    return may(user, "manage_person", person)


def can_reset_password(user: Any, person: Any) -> bool:
    return may(user, "reset_password", person)


def can_see_person_record(user: Any, person: Any = None) -> bool:
    return may(user, "see_person_record", person)


def can_view_track_records(user: Any) -> bool:
    return may(user, "view_track_records")


def can_urge(user: Any, measure: Any = None) -> bool:
    return may(user, "urge", measure)


def can_import(user: Any) -> bool:
    return may(user, "import")


def can_review(user: Any, stage: str, measure: Any = None) -> bool:
    """`stage` is "liaison" or "office" (the two review steps of close-out)."""
    return may(user, f"review_{stage}", measure)


def can_report_for_unit(user: Any, unit: Any) -> bool:
    return may(user, "report_for_unit", unit)


def can_see_unit_report(user: Any, unit: Any) -> bool:
    return may(user, "see_unit_report", unit)


def can_edit_unit_report(user: Any, unit: Any) -> bool:
    return may(user, "edit_unit_report", unit)


def can_add_measure(user: Any, finding: Any) -> bool:
    return may(user, "add_measure", finding)


def can_edit_measure(user: Any, measure: Any) -> bool:
    return may(user, "edit_measure", measure)


def can_edit_measure_fields(user: Any, measure: Any) -> frozenset[str]:
    """The fields of the measure's edit form this person may change (empty: none)."""
    return frozenset(answer(user, "edit_measure_fields", measure) or ())


def can_request_extension(user: Any, measure: Any) -> bool:
    return may(user, "request_extension", measure)


def unit_ids_of(user: Any) -> frozenset[int]:
    """The units a person acts for, for filters that start from them."""
    return as_actor(user).unit_ids
