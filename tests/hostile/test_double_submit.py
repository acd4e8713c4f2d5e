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
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.utils import timezone

from core.submission import FIELD
from tests.hostile.corpus import client_for, matrix_pages, table_counts
from tests.hostile.formscan import PageForm, parse_forms
from tests.hostile.payloads import PDF

ROLES = ("office", "branch")


def once_forms(world: Any) -> list[tuple[str, PageForm]]:
    """(role, form) for each kind of form carrying the key, the first role reaching it."""
    found: dict[str, tuple[str, PageForm]] = {}
    clients: dict[str, Any] = {}
    for role, path in matrix_pages(world):
        if role not in ROLES:
            continue
        clients.setdefault(role, client_for(world, role))
        response = clients[role].get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in parse_forms(response.content.decode("utf-8", "replace")):
            if FIELD not in form.fields:
                continue
            form.action = form.action or path
            found.setdefault(re.sub(r"\d+", "N", form.action.split("?")[0]), (role, form))
    return list(found.values())


def filled(form: PageForm) -> dict[str, Any]:
    """What a person would type into the empty fields: some text, a number, a date a month
    ahead, the first choice, a PDF."""
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
    return data


def _post(client: Any, form: PageForm, data: dict[str, Any]) -> Any:
    fresh = dict(data)
    for name, value in data.items():
        if isinstance(value, SimpleUploadedFile):
            fresh[name] = SimpleUploadedFile(value.name, PDF, content_type=value.content_type)
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
    accepted = []
    for role, form in forms:
        client = client_for(world, role)
        data = filled(form)
        with transaction.atomic():
            before = table_counts()
            first = _post(client, form, data)
            middle = table_counts()
            second = _post(client, form, data)
            after = table_counts()
            transaction.set_rollback(True)
        if first.status_code != 302 or not _grown(before, middle):
            continue  # not accepted as filled in: nothing to store twice
        accepted.append(form.action)
        assert second.status_code == 302, form.action
        assert second["Location"] == first["Location"], form.action
        assert after == middle, (form.action, _grown(middle, after))
    with capsys.disabled():
        print(f"\ndouble submit in a row: {len(accepted)} of {len(forms)} keyed forms stored once")
    assert len(forms) >= 10, [f.action for _, f in forms]
    assert len(accepted) >= 6, accepted


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_every_create_form_sent_twice_at_once_is_stored_once(world: Any, capsys: Any) -> None:
    forms = once_forms(world)
    accepted = []
    for role, form in forms:
        data = filled(form)
        # What one submission stores, measured and rolled back.
        with transaction.atomic():
            before = table_counts()
            single = _post(client_for(world, role), form, dict(data, **{FIELD: "x" * 20}))
            once = _grown(before, table_counts())
            transaction.set_rollback(True)
        if single.status_code != 302 or not once:
            continue
        accepted.append(form.action)
        before = table_counts()
        answers = _send_at_once([client_for(world, role), client_for(world, role)], form, data)
        assert all(a is not None and a.status_code == 302 for a in answers), form.action
        assert answers[0]["Location"] == answers[1]["Location"], form.action
        assert _grown(before, table_counts()) == once, form.action
    with capsys.disabled():
        print(f"\ndouble submit at once: {len(accepted)} of {len(forms)} keyed forms stored once")
    assert len(accepted) >= 6, accepted
