"""Every form that creates something carries a one-time key: the same submission sent twice, one
after the other or at the same moment, is stored once and both answers lead to the same place.

The forms are found on the pages, not listed: every form of every page the office and a branch
secretary reach that carries the key (`{% submit_once %}`) is filled as a person would fill it
and sent twice.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.utils import timezone

from core.submission import FIELD
from tests.hostile.corpus import SKIP_ACTIONS, client_for, error_texts, matrix_pages, table_counts
from tests.hostile.formscan import PageForm, parse_forms
from tests.hostile.payloads import PDF

ROLES = ("office", "branch")


def _normal(action: str) -> str:
    return re.sub(r"\d+", "N", action.split("?")[0])


def post_forms(world: Any) -> list[tuple[str, PageForm]]:
    """(role, form) for each kind of POST form, the first role reaching it."""
    found: dict[str, tuple[str, PageForm]] = {}
    clients: dict[str, Any] = {}
    for role, path in [*matrix_pages(world), *_state_pages()]:
        if role not in ROLES:
            continue
        clients.setdefault(role, client_for(world, role))
        response = clients[role].get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in parse_forms(response.content.decode("utf-8", "replace")):
            if form.method != "post":
                continue
            form.action = form.action or path
            if any(form.action.startswith(a) for a in SKIP_ACTIONS):
                continue
            found.setdefault(_normal(form.action), (role, form))
    return list(found.values())


def _state_pages() -> list[tuple[str, str]]:
    """Every measure's page as each role: some forms (a close-out request) show only in some
    states, which the one demo measure of the permission matrix is not in."""
    from ledger.models import Measure

    pks = Measure.objects.unscoped("every state of the demo world").values_list("pk", flat=True)
    return [(role, f"/ledger/measures/{pk}/") for pk in sorted(pks) for role in ROLES]


def once_forms(world: Any) -> list[tuple[str, PageForm]]:
    """(role, form) for each kind of form carrying the key, the first role reaching it."""
    return [(role, form) for role, form in post_forms(world) if FIELD in form.fields]


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _renamed(world: Any, form: PageForm, data: dict[str, Any]) -> dict[str, Any]:
    """An edit form stores something only when something changes: the name does."""
    return {"name": f"{data.get('name', '')}（修订）"}


def _open_extension_slot(world: Any, form: PageForm) -> None:
    """The demo measure already waits on an extension: have it refused, so a new one can be
    asked."""
    from reporting.models import ExtensionRequest, ExtensionStatus

    measure = int(re.findall(r"\d+", form.action)[0])
    ExtensionRequest.objects.filter(measure_id=measure, status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.REFUSED
    )


def _extension_pending(world: Any, form: PageForm) -> None:
    """The extension decided on is the one waiting (an earlier form may have asked another)."""
    from reporting.models import ExtensionRequest, ExtensionStatus

    ext = ExtensionRequest.objects.get(pk=int(re.findall(r"\d+", form.action)[0]))
    ExtensionRequest.objects.filter(
        measure_id=ext.measure_id, status=ExtensionStatus.PENDING
    ).exclude(pk=ext.pk).update(status=ExtensionStatus.REFUSED)
    ExtensionRequest.objects.filter(pk=ext.pk).update(status=ExtensionStatus.PENDING)


# Forms the generic filler cannot complete validly, by normalized action: the values a person
# would choose instead, and what must be true of the demo world first.
FILLERS: dict[str, Callable[[Any, PageForm, dict[str, Any]], dict[str, Any]]] = {
    # The lead unit cannot also be a co-unit: no co-units.
    "/ledger/findings/N/measures/new/": lambda w, f, d: {"co_units": []},
    # Every unit already sits in a liaison group's grid: a new group starts empty.
    "/org/liaison-groups/new/": lambda w, f, d: {"units": []},
    "/org/people/new/": lambda w, f, d: {
        "birth_year": "1988",
        "username": "dup_submit",
        "phone": "021-64470000",
        "password": "Zhenggai-2026-once",
    },
    # The decision is the button pressed.
    "/reporting/extensions/N/decide/": lambda w, f, d: {"decision": "approve"},
    "/reporting/measures/N/close-out/decide/": lambda w, f, d: {"decision": "approve"},
    "/ledger/inspections/N/edit/": _renamed,
    "/org/units/N/edit/": _renamed,
    "/org/liaison-groups/N/edit/": _renamed,
    "/org/task-forces/N/edit/": _renamed,
    "/org/themes/N/edit/": _renamed,
    "/org/people/N/edit/": _renamed,
    # A meeting needs its organizer; the office organizes this one.
    "/meetings/new/": lambda w, f, d: {"by_office": "on"},
    # The reporting units as ticked, and one more unit: its part is the row created.
    "/meetings/N/prepare/": lambda w, f, d: {
        "units": [*_as_list(d.get("units")), str(w.unit("航空维修系党支部").pk)]
    },
    "/ledger/campaigns/N/edit/": _renamed,
    # A campaign's name is unique: one no other form has used.
    "/ledger/campaigns/new/": lambda w, f, d: {"name": f"专题活动{uuid.uuid4().hex[:6]}"},
    # The demo applied this year's work already: next year's run is the row created.
    "/recurring/N/apply/": lambda w, f, d: {"year": str(timezone.localdate().year + 1)},
    "/recurring/new/": lambda w, f, d: {"due_month": "3", "due_day": "31"},
    # The lead department is not among those it consults.
    "/regulations/new/": lambda w, f, d: {"consulted_units": []},
    # Deliberated, issued and evaluated today (never in the future).
    "/regulations/N/deliberate/": lambda w, f, d: {
        "deliberated_on": timezone.localdate().isoformat()
    },
    "/regulations/N/issue/": lambda w, f, d: {
        "issue_number": "院党发〔2026〕9号",
        "issued_on": timezone.localdate().isoformat(),
    },
    "/regulations/N/evaluate/": lambda w, f, d: {
        "evaluated_on": timezone.localdate().isoformat(),
        **{c: "on" for c in ("executable", "supervisable", "checkable", "accountable")},
    },
    # The minutes as they stand, and one more requirement.
    "/meetings/N/minutes/": lambda w, f, d: {
        "requirements": f"{d.get('requirements', '')}\n三要落实责任，统筹推进。"
    },
}


def _rule_at(stage: str) -> Callable[[Any, PageForm], None]:
    """The rule of the form waits at `stage`: the forms sent before it (at once, committed) may
    have moved it on or back."""

    def prepare(world: Any, form: PageForm) -> None:
        from regulations.models import Rule

        rule = int(re.findall(r"\d+", form.action)[0])
        Rule.objects.filter(pk=rule).update(stage=stage)

    return prepare


PREPARE: dict[str, Callable[[Any, PageForm], None]] = {
    "/regulations/N/deliberate/": _rule_at("deliberating"),
    "/reporting/measures/N/extension/": _open_extension_slot,
    "/reporting/extensions/N/decide/": _extension_pending,
}
# Tables a form may grow without creating anything a person would see twice.
BOOKKEEPING = {"core_auditevent", "notifications_notification", "notifications_delivery"}


def filled(world: Any, form: PageForm) -> dict[str, Any]:
    """What a person would type into the empty fields: some text, a number, a date a month
    ahead, the first choice, a PDF; then the form's own values from `FILLERS`."""
    data = form.data()
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    for name, spec in form.fields.items():
        if data.get(name) not in (None, "", []):
            continue
        if spec.kind in ("text", "textarea", "search"):
            data[name] = "重复提交测试" if "number" not in name else ""
        elif spec.kind == "number":
            data[name] = "50"
        elif spec.kind == "date":
            data[name] = later
        elif spec.kind in ("select", "select-multiple", "radio", "checkbox"):
            options = [o for o in spec.options if o]
            if (options and spec.kind != "checkbox") or (
                options and name in ("units", "audiences")
            ):
                data[name] = options[0]
        elif spec.kind == "file":
            data[name] = SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")
    own = FILLERS.get(_normal(form.action))
    if own is not None:
        data.update(own(world, form, data))
    return data


def prepared(world: Any, form: PageForm) -> None:
    prepare = PREPARE.get(_normal(form.action))
    if prepare is not None:
        prepare(world, form)


def _why(response: Any) -> str:
    if response.status_code in (301, 302, 303):
        return f"{response.status_code} -> {response['Location']}"
    return f"{response.status_code} {error_texts(response.content.decode('utf-8', 'replace'))}"


def _post(client: Any, form: PageForm, data: dict[str, Any]) -> Any:
    fresh = dict(data)
    for name, value in data.items():
        if isinstance(value, SimpleUploadedFile):
            # A file of its own per form: evidence already stored with the same content (by an
            # earlier form, committed in the concurrent case) is refused as a duplicate.
            content = PDF + f"% {form.action}\n".encode()
            fresh[name] = SimpleUploadedFile(value.name, content, content_type=value.content_type)
    return client.post(form.action, fresh)


def _send_at_once(clients: list[Any], form: PageForm, data: dict[str, Any]) -> list[Any]:
    """The same submission from two connections released at the same instant."""
    start = threading.Barrier(len(clients))
    answers: list[Any] = [None] * len(clients)

    def send(i: int) -> None:
        try:
            start.wait(10)
            answers[i] = _post(clients[i], form, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return answers


def _grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: after[t] - before[t] for t in before if after[t] != before[t]}


def test_every_create_form_sent_twice_in_a_row_is_stored_once(world: Any, capsys: Any) -> None:
    forms = once_forms(world)
    accepted, unfilled = [], []
    for role, form in forms:
        client = client_for(world, role)
        data = filled(world, form)
        with transaction.atomic():
            prepared(world, form)
            before = table_counts()
            first = _post(client, form, data)
            middle = table_counts()
            second = _post(client, form, data)
            after = table_counts()
            transaction.set_rollback(True)
        if first.status_code != 302 or not _grown(before, middle):
            unfilled.append(f"{form.action}: {_why(first)}")
            continue
        accepted.append(form.action)
        assert second.status_code == 302, form.action
        assert second["Location"] == first["Location"], form.action
        assert after == middle, (form.action, _grown(middle, after))
    with capsys.disabled():
        print(f"\ndouble submit in a row: {len(accepted)} of {len(forms)} keyed forms stored once:")
        print("\n".join(f"  {a}" for a in accepted))
    # A keyed form whose first submission stores nothing would go unchecked: give it a filler.
    assert not unfilled, "\n".join(unfilled)
    assert len(forms) >= 20, [f.action for _, f in forms]


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_every_create_form_sent_twice_at_once_is_stored_once(world: Any, capsys: Any) -> None:
    forms = once_forms(world)
    accepted, unfilled = [], []
    for role, form in forms:
        prepared(world, form)
        data = filled(world, form)
        # What one submission stores, measured and rolled back.
        with transaction.atomic():
            before = table_counts()
            single = _post(client_for(world, role), form, dict(data, **{FIELD: "x" * 20}))
            once = _grown(before, table_counts())
            transaction.set_rollback(True)
        if single.status_code != 302 or not once:
            unfilled.append(f"{form.action}: {_why(single)}")
            continue
        accepted.append(form.action)
        before = table_counts()
        answers = _send_at_once([client_for(world, role), client_for(world, role)], form, data)
        assert all(a is not None and a.status_code == 302 for a in answers), form.action
        assert answers[0]["Location"] == answers[1]["Location"], form.action
        assert _grown(before, table_counts()) == once, form.action
    with capsys.disabled():
        print(f"\ndouble submit at once: {len(accepted)} of {len(forms)} keyed forms stored once:")
        print("\n".join(f"  {a}" for a in accepted))
    assert not unfilled, "\n".join(unfilled)
    assert len(forms) >= 20, [f.action for _, f in forms]


def test_every_form_that_creates_a_row_carries_the_key(world: Any, capsys: Any) -> None:
    """A POST form without the key, filled and sent once, creates no row a second send would
    duplicate (what it may add is its audit trail and the notifications of a decision)."""
    forms = post_forms(world)
    keyed = [f for _, f in forms if FIELD in f.fields]
    unkeyed = []
    for role, form in forms:
        if FIELD in form.fields:
            continue
        data = filled(world, form)
        with transaction.atomic():
            prepared(world, form)
            before = table_counts()
            _post(client_for(world, role), form, data)
            grown = {t: n for t, n in _grown(before, table_counts()).items() if n > 0}
            transaction.set_rollback(True)
        if set(grown) - BOOKKEEPING:
            unkeyed.append((form.action, grown))
    with capsys.disabled():
        print(f"\nforms carrying the one-time key: {len(keyed)} of {len(forms)} POST forms")
    assert not unkeyed, "\n".join(f"{a}: {g}" for a, g in unkeyed)


def test_findings_read_from_feedback_confirmed_twice_are_created_once(world: Any) -> None:
    """The feedback preview is reached by a POST (the document read), so the walk above never
    opens it: the office reads a feedback text, confirms the findings shown, and taps twice."""
    from documents.tests.test_views import FEEDBACK
    from ledger.models import Finding, Inspection
    from ledger.services import inspection_save
    from tests.hostile.formscan import form_on

    demo = world.inspection()
    inspection = inspection_save(
        by=world.user("office"),
        inspection=Inspection(
            organization=world.org,
            name="重复确认测试巡察",
            feedback_date=demo.feedback_date,
            rectification_end=demo.rectification_end,
        ),
    )
    client = client_for(world, "office")
    source = form_on(client.get("/documents/feedback/").content.decode(), testid="feedback-form")
    data = source.data()
    data.update({"inspection": str(inspection.pk), "mode": "feedback", "text": FEEDBACK})
    preview = client.post("/documents/feedback/", dict(data, action="parse"))
    assert preview.status_code == 200
    form = form_on(preview.content.decode(), testid="feedback-preview")
    assert FIELD in form.fields
    confirm = dict(form.data(), action="confirm")
    first = client.post("/documents/feedback/", confirm)
    assert first.status_code == 302, error_texts(first.content.decode())
    created = Finding.objects.filter(inspection=inspection).count()
    assert created >= 1
    second = client.post("/documents/feedback/", confirm)
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Finding.objects.filter(inspection=inspection).count() == created
