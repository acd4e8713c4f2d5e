from django.urls import reverse

from tests.matrix import EVERYONE, MANAGERS, READERS, Case, roles

# Who reaches the scoped measure of branch 1 (task force 1's theme, grid 1), and who does not.
SEES = ("admin", "leader", "office", "taskforce", "liaison", "branch", "staff")
EDITS = ("admin", "office", "taskforce", "branch")
THEME_EDITORS = ("admin", "office", "taskforce")


def _m(w, state=None):  # type: ignore[no-untyped-def]
    return w.scoped_measure(state=state)


CASES = [
    Case("ledger:ledger", lambda w: reverse("ledger:ledger"), roles(*EVERYONE)),
    Case(
        "ledger:ledger",
        lambda w: reverse("ledger:ledger") + "?state=bogus&due_within=x",
        roles(*EVERYONE, status=400),
        note="bad-filter",
    ),
    Case(
        "ledger:bulk",
        lambda w: reverse("ledger:bulk"),
        roles(*MANAGERS, status=302),
        method="post",
        data=lambda w: {"ids": [_m(w).pk], "action": "flag"},
    ),
    Case("ledger:audit_log", lambda w: reverse("ledger:audit_log"), roles(*READERS)),
    Case("ledger:inspection_list", lambda w: reverse("ledger:inspection_list"), roles(*EVERYONE)),
    Case(
        "ledger:inspection_create", lambda w: reverse("ledger:inspection_create"), roles(*MANAGERS)
    ),
    Case(
        "ledger:inspection_detail",
        lambda w: reverse("ledger:inspection_detail", args=[w.inspection().pk]),
        roles(*EVERYONE),
    ),
    Case(
        "ledger:inspection_edit",
        lambda w: reverse("ledger:inspection_edit", args=[w.inspection().pk]),
        roles(*MANAGERS),
    ),
    Case(
        "ledger:finding_create",
        lambda w: reverse("ledger:finding_create", args=[w.inspection().pk]),
        roles(*THEME_EDITORS),
    ),
    Case(
        "ledger:finding_detail",
        lambda w: reverse("ledger:finding_detail", args=[w.finding().pk]),
        roles(*SEES) | {"outsider": 404},
    ),
    Case(
        "ledger:finding_edit",
        lambda w: reverse("ledger:finding_edit", args=[w.finding().pk]),
        roles(*THEME_EDITORS) | {"outsider": 403},
    ),
    Case(
        "ledger:measure_create",
        lambda w: reverse("ledger:measure_create", args=[w.finding().pk]),
        roles(*THEME_EDITORS),
    ),
    Case(
        "ledger:measure_assign_many",
        lambda w: reverse("ledger:measure_assign_many", args=[w.finding().pk]),
        roles(*THEME_EDITORS),
    ),
    Case(
        "ledger:measure_detail",
        lambda w: reverse("ledger:measure_detail", args=[_m(w).pk]),
        roles(*SEES) | {"outsider": 404},
    ),
    Case(
        "ledger:measure_edit",
        lambda w: reverse("ledger:measure_edit", args=[_m(w).pk]),
        roles(*EDITS) | {"outsider": 404},
    ),
    # A closed measure is edited by nobody (it changes only by being reopened), even by a POST
    # built by hand.
    Case(
        "ledger:measure_edit",
        lambda w: reverse("ledger:measure_edit", args=[w.measure(state="closed").pk]),
        {"outsider": 404},
        note="closed",
    ),
    Case(
        "ledger:measure_edit",
        lambda w: reverse("ledger:measure_edit", args=[w.measure(state="closed").pk]),
        {"outsider": 404},
        method="post",
        data=lambda w: {
            "content": "Rewritten after close-out",
            "due_date": "2031-12-31",
            "version": str(w.measure(state="closed").version),
        },
        note="closed-post",
    ),
    Case(
        "ledger:measure_transition",
        lambda w: reverse("ledger:measure_transition", args=[w.new_measure().pk]),
        roles("admin", "office", "taskforce", "branch", "staff", status=302) | {"outsider": 404},
        method="post",
        data=lambda w: {"action": "start"},
    ),
]
