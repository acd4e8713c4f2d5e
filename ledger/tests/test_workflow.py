"""The measure state machine: every transition, from every state, for every relation and kind.

The scoped measure of the demo (branch 1 leads it, task force 1 owns its theme, grid 1 follows
it) is put into each state and deadline kind in turn, and each named person tries each
transition. The expected outcome is worked out here from the table and from the relations the
demo gives each person, so the table in `ledger.workflow` is checked, not merely repeated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils import timezone, translation

from core.audit import verify_chain
from core.models import AuditEvent
from ledger import extensions, services
from ledger.choices import DeadlineKind, MeasureState
from ledger.models import Measure
from ledger.services import TransitionError
from ledger.tests.helpers import fire_as_owner
from ledger.workflow import (
    LEAD_HEAD,
    LEAD_MEMBER,
    LIAISON,
    OFFICE,
    TASK_FORCE,
    TRANSITIONS,
    available_transitions,
    relations,
)
from organization.scope import actor_for

pytestmark = pytest.mark.django_db

# Each named person, and how the demo places them towards the scoped measure of branch 1.
# The office director also leads both task forces in the demo, hence TASK_FORCE.
PEOPLE: dict[str, tuple[str, frozenset[str]]] = {
    "office": ("office", frozenset({OFFICE, TASK_FORCE})),
    "lead unit head": ("branch1", frozenset({LEAD_HEAD, LEAD_MEMBER})),
    "lead unit staff": ("staff1", frozenset({LEAD_MEMBER})),
    "liaison of the grid": ("liaison1", frozenset({LIAISON})),
    "task force of the theme": ("taskforce1", frozenset({TASK_FORCE})),
    "leader": ("leader", frozenset()),
    "outsider": ("branch7", frozenset()),
}
# People who cannot even see the measure: refused before anything else is looked at.
INVISIBLE = {"outsider"}

STATES = list(MeasureState.values)
KINDS = list(DeadlineKind.values)
REASON = "Checked on site; the new rules are in force."
REAL_REGISTRY = extensions.registry


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def no_guards(monkeypatch: pytest.MonkeyPatch) -> extensions.Registry:
    """A state machine without the guards other layers declare (e.g. "evidence first");
    the original registry comes back when the test ends."""
    registry = extensions.Registry()
    monkeypatch.setattr(extensions, "registry", registry)
    return registry


def register_guard(transition: str, check: Any, *, key: str = "") -> None:
    extensions.registry.add(
        extensions.Guard(app="tests", key=key or transition, transition=transition, check=check)
    )


def put(measure: Measure, *, state: str, kind: str = DeadlineKind.BY_DATE) -> Measure:
    """Put the measure into a state and deadline kind directly, as a fixture would."""
    feedback = measure.finding.inspection.feedback_date
    long_term = kind == DeadlineKind.LONG_TERM
    Measure.objects.filter(pk=measure.pk).update(
        state=state,
        deadline_kind=kind,
        due_date=None if long_term else feedback + dt.timedelta(days=90),
        review_interval_days=30 if long_term else None,
        closed_at=timezone.now() if state == MeasureState.CLOSED else None,
    )
    return Measure.objects.select_related("finding__theme", "lead_unit").get(pk=measure.pk)


def events_of(measure: Measure) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="ledger.measure", object_id=measure.pk).order_by(
            "seq"
        )
    )


def expected_outcome(name: str, person: str, state: str, kind: str, reason: str) -> set[str]:
    """The outcomes the table allows: {"ok"}, or the refusals that fit (one or several when
    more than one thing is wrong at once)."""
    t = TRANSITIONS[name]
    if person in INVISIBLE:
        return {"denied"}
    wrong: set[str] = set()
    if state not in t.sources:
        wrong.add("state")
    if t.kinds is not None and kind not in t.kinds:
        wrong.add("kind")
    if not PEOPLE[person][1] & t.who:
        wrong.add("denied")
    if wrong:
        return wrong
    if t.needs_reason and not reason:
        return {"reason"}
    return {"ok"}


def attempt(user: Any, measure: Measure, name: str, reason: str) -> str:
    try:
        fire_as_owner(by=user, measure=measure, name=name, reason=reason)
    except PermissionDenied:
        return "denied"
    except TransitionError as exc:
        return str(exc.code)
    return "ok"


# --- the people ----------------------------------------------------------------------------


@pytest.mark.parametrize("person", list(PEOPLE))
def test_each_person_stands_to_the_scoped_measure_as_the_demo_places_them(
    world: Any, person: str
) -> None:
    username, expected = PEOPLE[person]
    measure = Measure.objects.select_related("finding__theme", "lead_unit").get(
        pk=world.scoped_measure().pk
    )
    assert relations(actor_for(world.user(username)), measure) == expected


# The workflow as the office runs it: 未启动 → 推进中 → 待审核 → 待销号 → 已销号, returns with a
# reason, a relapse path back to 推进中, and 阶段性完成 instead of closing for 长期坚持 measures.
# (sources, target, who, needs a reason, deadline kinds or None for all)
S = MeasureState
SPEC: dict[str, tuple[set[str], str, set[str], bool, set[str] | None]] = {
    "start": (
        {S.NOT_STARTED},
        S.IN_PROGRESS,
        {OFFICE, LEAD_HEAD, LEAD_MEMBER, TASK_FORCE},
        False,
        None,
    ),
    "request_close": ({S.IN_PROGRESS}, S.PENDING_REVIEW, {OFFICE, LEAD_HEAD}, False, None),
    "withdraw": ({S.PENDING_REVIEW}, S.IN_PROGRESS, {OFFICE, LEAD_HEAD}, False, None),
    "liaison_approve": ({S.PENDING_REVIEW}, S.PENDING_CLOSE, {LIAISON}, False, None),
    "liaison_return": ({S.PENDING_REVIEW}, S.IN_PROGRESS, {LIAISON}, True, None),
    "office_close": ({S.PENDING_CLOSE}, S.CLOSED, {OFFICE}, False, {"immediate", "by_date"}),
    "office_stage_complete": (
        {S.IN_PROGRESS, S.PENDING_CLOSE, S.STAGE_DONE},
        S.STAGE_DONE,
        {OFFICE},
        False,
        {"long_term"},
    ),
    "office_return": ({S.PENDING_CLOSE}, S.IN_PROGRESS, {OFFICE}, True, None),
    "direct_close": (
        {S.NOT_STARTED, S.IN_PROGRESS, S.PENDING_REVIEW},
        S.CLOSED,
        {OFFICE},
        False,
        {"immediate"},
    ),
    "reopen": ({S.CLOSED, S.STAGE_DONE}, S.IN_PROGRESS, {OFFICE}, True, None),
}


@pytest.mark.parametrize("name", list(SPEC))
def test_the_transition_table_says_what_the_workflow_says(name: str) -> None:
    t = TRANSITIONS[name]
    sources, target, who, needs_reason, kinds = SPEC[name]
    assert set(t.sources) == sources
    assert t.target == target
    assert set(t.who) == who
    assert t.needs_reason is needs_reason
    assert (set(t.kinds) if t.kinds is not None else None) == kinds


def test_the_table_has_no_transition_the_workflow_does_not_describe() -> None:
    assert set(TRANSITIONS) == set(SPEC)


# --- the whole table -----------------------------------------------------------------------


@pytest.mark.parametrize("person", list(PEOPLE))
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_a_transition_succeeds_exactly_when_the_table_allows_it(
    world: Any, no_guards: extensions.Registry, name: str, person: str
) -> None:
    """Every state x every deadline kind x with and without a reason, for one person and one
    transition: success exactly when allowed, one audit event per success, and a refusal
    leaves the measure and the audit trail untouched."""
    t = TRANSITIONS[name]
    user = world.user(PEOPLE[person][0])
    base = world.scoped_measure()
    mismatches: list[str] = []
    for state in STATES:
        for kind in KINDS:
            for reason in ("", REASON) if t.needs_reason else ("",):
                measure = put(base, state=state, kind=kind)
                version = measure.version
                before_events = events_of(measure)
                expected = expected_outcome(name, person, state, kind, reason)
                got = attempt(user, measure, name, reason)
                where = f"{name} by {person} from {state} ({kind}, reason={bool(reason)})"
                if got not in expected:
                    mismatches.append(f"{where}: got {got}, expected {sorted(expected)}")
                    continue
                after = Measure.objects.get(pk=measure.pk)
                new_events = events_of(after)[len(before_events) :]
                if got == "ok":
                    assert after.state == t.target, where
                    assert after.version == version + 1, where
                    assert len(new_events) == 1, where
                    event = new_events[0]
                    assert event.action == f"transition:{name}", where
                    # A reopening also records the progress it resets.
                    assert event.before == {"state": state} | (
                        {"progress": event.before["progress"]} if name == "reopen" else {}
                    ), where
                    assert event.after["state"] == t.target, where
                    assert event.actor_id == user.pk, where
                    assert event.message == reason, where
                else:
                    assert after.state == state, where
                    assert after.version == version, where
                    assert new_events == [], where
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("person", list(PEOPLE))
@pytest.mark.parametrize("state", STATES)
def test_the_actions_offered_are_exactly_those_the_person_may_fire(
    world: Any, person: str, state: str
) -> None:
    user = world.user(PEOPLE[person][0])
    for kind in KINDS:
        measure = put(world.scoped_measure(), state=state, kind=kind)
        offered = {t.name for t in available_transitions(actor_for(user), measure)}
        if person in INVISIBLE:
            assert offered == set()
            continue
        allowed = {
            n for n in TRANSITIONS if expected_outcome(n, person, state, kind, REASON) == {"ok"}
        }
        assert offered == allowed, f"{person} on a {kind} measure in {state}"


# --- single rules, one at a time -----------------------------------------------------------


def test_a_branch_secretary_cannot_close_out_a_measure(world: Any, no_guards: Any) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.PENDING_CLOSE)
    with pytest.raises(PermissionDenied):
        fire_as_owner(by=world.user("branch1"), measure=measure, name="office_close")
    assert Measure.objects.get(pk=measure.pk).state == MeasureState.PENDING_CLOSE


def test_a_liaison_cannot_approve_a_measure_outside_its_grid(world: Any, no_guards: Any) -> None:
    measure = put(world.measure(unit=world.BRANCH7), state=MeasureState.PENDING_REVIEW)
    with pytest.raises(PermissionDenied):
        fire_as_owner(by=world.user("liaison1"), measure=measure, name="liaison_approve")


def test_an_unknown_transition_is_refused_with_a_message(world: Any) -> None:
    measure = world.scoped_measure()
    with pytest.raises(TransitionError) as exc:
        fire_as_owner(by=world.user("office"), measure=measure, name="teleport")
    assert exc.value.code == "unknown"
    assert exc.value.messages == ["Unknown action."]


def test_a_return_without_a_reason_is_refused_and_says_so(world: Any, no_guards: Any) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.PENDING_REVIEW)
    with pytest.raises(TransitionError) as exc:
        fire_as_owner(
            by=world.user("liaison1"), measure=measure, name="liaison_return", reason="   "
        )
    assert exc.value.messages == ["Give a reason."]
    assert Measure.objects.get(pk=measure.pk).state == MeasureState.PENDING_REVIEW


def test_a_reason_longer_than_two_thousand_characters_is_refused(
    world: Any, no_guards: Any
) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.PENDING_REVIEW)
    with pytest.raises(TransitionError) as exc:
        fire_as_owner(
            by=world.user("liaison1"), measure=measure, name="liaison_return", reason="x" * 2001
        )
    assert "too long" in exc.value.messages[0]
    assert events_of(measure) == events_of(Measure.objects.get(pk=measure.pk))


def test_a_wrong_state_names_the_action_and_the_state(world: Any, no_guards: Any) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.CLOSED)
    with pytest.raises(TransitionError) as exc:
        fire_as_owner(by=world.user("branch1"), measure=measure, name="start")
    assert exc.value.code == "state"
    assert "Start work" in exc.value.messages[0] and "Closed" in exc.value.messages[0]


def test_a_long_term_measure_is_stage_completed_not_closed(world: Any, no_guards: Any) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.PENDING_CLOSE, kind="long_term")
    with pytest.raises(TransitionError) as exc:
        fire_as_owner(by=world.user("office"), measure=measure, name="office_close")
    assert exc.value.code == "kind"
    done = fire_as_owner(by=world.user("office"), measure=measure, name="office_stage_complete")
    assert done.state == MeasureState.STAGE_DONE
    assert done.next_review_date == timezone.localdate() + dt.timedelta(days=30)
    assert events_of(done)[-1].after["next_review_date"] == done.next_review_date.isoformat()


def test_only_a_fix_at_once_measure_can_be_closed_directly(world: Any, no_guards: Any) -> None:
    office = world.user("office")
    by_date = put(world.scoped_measure(), state=MeasureState.IN_PROGRESS, kind="by_date")
    with pytest.raises(TransitionError):
        fire_as_owner(by=office, measure=by_date, name="direct_close")
    immediate = put(world.scoped_measure(), state=MeasureState.IN_PROGRESS, kind="immediate")
    closed = fire_as_owner(by=office, measure=immediate, name="direct_close")
    assert closed.state == MeasureState.CLOSED


def test_closing_a_measure_stamps_the_time_and_sets_progress_to_full(
    world: Any, no_guards: Any
) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.PENDING_CLOSE)
    Measure.objects.filter(pk=measure.pk).update(progress=60)
    closed = fire_as_owner(by=world.user("office"), measure=measure, name="office_close")
    assert closed.closed_at is not None
    assert Measure.objects.get(pk=measure.pk).progress == 100


def test_reopening_counts_a_relapse_and_can_set_a_new_due_date(world: Any, no_guards: Any) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.CLOSED)
    relapses = measure.relapse_count
    new_due = timezone.localdate() + dt.timedelta(days=30)
    reopened = fire_as_owner(
        by=world.user("office"),
        measure=measure,
        name="reopen",
        reason="The problem came back.",
        new_due_date=new_due,
    )
    assert reopened.state == MeasureState.IN_PROGRESS
    assert reopened.relapse_count == relapses + 1
    assert reopened.closed_at is None
    assert reopened.due_date == new_due
    event = events_of(reopened)[-1]
    assert event.after["relapse_count"] == relapses + 1
    assert event.after["due_date"] == new_due.isoformat()
    assert event.message == "The problem came back."


def test_reopening_with_a_due_date_in_the_past_changes_nothing(world: Any, no_guards: Any) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.CLOSED)
    with pytest.raises(TransitionError) as exc:
        fire_as_owner(
            by=world.user("office"),
            measure=measure,
            name="reopen",
            reason="The problem came back.",
            new_due_date=timezone.localdate() - dt.timedelta(days=1),
        )
    assert exc.value.code == "due"
    after = Measure.objects.get(pk=measure.pk)
    assert (after.state, after.relapse_count, after.version) == (
        MeasureState.CLOSED,
        measure.relapse_count,
        measure.version,
    )


def test_reopening_a_long_term_measure_with_a_due_date_is_refused(
    world: Any, no_guards: Any
) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.STAGE_DONE, kind="long_term")
    with pytest.raises(TransitionError):
        fire_as_owner(
            by=world.user("office"),
            measure=measure,
            name="reopen",
            reason="Slipped back.",
            new_due_date=timezone.localdate() + dt.timedelta(days=10),
        )
    assert Measure.objects.get(pk=measure.pk).state == MeasureState.STAGE_DONE


# --- guards --------------------------------------------------------------------------------


def test_a_registered_guard_blocks_the_transition_and_leaves_no_trace(
    world: Any, no_guards: extensions.Registry
) -> None:
    seen: list[tuple[int, int | None, dict[str, Any]]] = []

    def evidence_first(measure: Measure, actor: Any, payload: dict[str, Any]) -> str | None:
        seen.append((measure.pk, actor.user_id, payload))
        return "Attach the evidence first."

    register_guard("request_close", evidence_first)
    measure = put(world.scoped_measure(), state=MeasureState.IN_PROGRESS)
    branch1 = world.user("branch1")
    before = events_of(measure)
    with pytest.raises(TransitionError) as exc:
        fire_as_owner(by=branch1, measure=measure, name="request_close", payload={"files": 0})
    assert [error.code for error in exc.value.error_list] == ["guard"]
    assert exc.value.messages == ["Attach the evidence first."]
    assert seen == [(measure.pk, branch1.pk, {"files": 0})]
    after = Measure.objects.get(pk=measure.pk)
    assert (after.state, after.version) == (MeasureState.IN_PROGRESS, measure.version)
    assert events_of(after) == before


def test_a_guard_that_returns_nothing_lets_the_transition_through(
    world: Any, no_guards: extensions.Registry
) -> None:
    register_guard("start", lambda measure, actor, payload: None)
    measure = put(world.scoped_measure(), state=MeasureState.NOT_STARTED)
    started = fire_as_owner(by=world.user("staff1"), measure=measure, name="start")
    assert started.state == MeasureState.IN_PROGRESS


def test_a_guard_only_blocks_the_transition_it_was_registered_for(
    world: Any, no_guards: extensions.Registry
) -> None:
    register_guard("office_close", lambda measure, actor, payload: "Not yet.")
    measure = put(world.scoped_measure(), state=MeasureState.NOT_STARTED)
    assert fire_as_owner(by=world.user("branch1"), measure=measure, name="start").state == (
        MeasureState.IN_PROGRESS
    )


def test_a_guard_is_registered_once_and_only_for_a_known_transition(
    no_guards: extensions.Registry,
) -> None:
    def guard(measure: Measure, actor: Any, payload: dict[str, Any]) -> str | None:
        return None

    register_guard("start", guard)
    register_guard("start", guard)
    assert [g.check for g in no_guards.guards("start")] == [guard]
    with pytest.raises(ImproperlyConfigured):
        register_guard("teleport", guard)


def test_when_two_guards_refuse_both_messages_are_shown(
    world: Any, no_guards: extensions.Registry
) -> None:
    register_guard("start", lambda measure, actor, payload: None, key="a")
    register_guard("start", lambda measure, actor, payload: "Assign a person first.", key="b")
    register_guard("start", lambda measure, actor, payload: "Set a due date first.", key="c")
    measure = put(world.scoped_measure(), state=MeasureState.NOT_STARTED)
    with pytest.raises(TransitionError) as exc:
        services.measure_transition(by=world.user("staff1"), measure=measure, name="start")
    assert exc.value.messages == ["Assign a person first.", "Set a due date first."]
    assert Measure.objects.get(pk=measure.pk).state == MeasureState.NOT_STARTED


def test_guards_registered_in_a_test_are_gone_afterwards() -> None:
    # Tests declare guards in a private registry (no_guards); the real one is untouched.
    assert extensions.registry is REAL_REGISTRY
    for guard in REAL_REGISTRY.guards("request_close"):
        assert guard.app == "reporting"


def test_snapshot_entries_of_the_payload_are_kept_in_the_audit_event(
    world: Any, no_guards: Any
) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.IN_PROGRESS)
    fire_as_owner(
        by=world.user("branch1"),
        measure=measure,
        name="request_close",
        payload={"snapshot_evidence": [1, 2], "other": "dropped"},
    )
    event = events_of(measure)[-1]
    assert event.after == {"state": MeasureState.PENDING_REVIEW, "snapshot_evidence": [1, 2]}


# --- one transaction -----------------------------------------------------------------------


def test_a_transition_and_its_audit_event_commit_or_fail_together(
    world: Any, no_guards: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.NOT_STARTED)

    def broken_audit(**kwargs: Any) -> None:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(services, "record_event", broken_audit)
    with pytest.raises(RuntimeError):
        fire_as_owner(by=world.user("branch1"), measure=measure, name="start")
    after = Measure.objects.get(pk=measure.pk)
    assert (after.state, after.version) == (MeasureState.NOT_STARTED, measure.version)


def test_transitions_keep_the_audit_chain_intact(world: Any, no_guards: Any) -> None:
    measure = put(world.scoped_measure(), state=MeasureState.NOT_STARTED)
    steps = [
        ("branch1", "start", ""),
        ("branch1", "request_close", ""),
        ("liaison1", "liaison_return", "Evidence is thin."),
        ("branch1", "request_close", ""),
        ("liaison1", "liaison_approve", ""),
        ("office", "office_return", "Ask the dean to sign."),
        ("branch1", "request_close", ""),
        ("liaison1", "liaison_approve", ""),
        ("office", "office_close", ""),
        ("office", "reopen", "It happened again."),
    ]
    for username, name, reason in steps:
        measure = fire_as_owner(by=world.user(username), measure=measure, name=name, reason=reason)
    actions = [e.action for e in events_of(measure)][-len(steps) :]
    assert actions == [f"transition:{name}" for _, name, _ in steps]
    assert measure.state == MeasureState.IN_PROGRESS
    assert verify_chain().ok
