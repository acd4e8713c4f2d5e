"""Permission-matrix cases for every ledger URL (collected by tests/test_permission_matrix.py).

The in-scope object is branch 1's scoped measure (task force 1's theme, grid 1); branch 7 (the
outsider) must not learn that it exists. Forms are posted as the office's page renders them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from tests.matrix import (
    ANY_REFUSAL,
    EVERYONE,
    MANAGERS,
    READERS,
    Case,
    fields_of,
    once,
    post_only,
    read_only,
    roles,
)

# Who reaches the scoped measure of branch 1 (task force 1's theme, grid 1), and who does not.
SEES = ("leader", "office", "taskforce", "liaison", "branch", "staff")
EDITS = ("office", "taskforce", "branch")
THEME_EDITORS = ("office", "taskforce")


def _m(w: Any) -> Any:
    """Branch 1's scoped measure, found once: an edit may move it out of what finds it."""
    from ledger.models import Measure

    return Measure.objects.get(pk=once(w, "scoped", lambda: w.scoped_measure().pk))


def _fresh(w: Any) -> Any:
    """A not-started measure of branch 1 under the scoped finding, made for this test."""
    return once(w, "fresh", lambda: w.new_measure())


def _measures_of_finding(w: Any) -> int:
    return w.finding().measures.count()


def _inspections(w: Any) -> int:
    from ledger.models import Inspection

    return Inspection.objects.filter(organization=w.org).count()


def _inspection_fields(w: Any) -> Any:
    from ledger.models import Inspection

    return fields_of(Inspection, w.inspection().pk, "name", "inspecting_body", "version")


def _findings(w: Any) -> int:
    return w.inspection().findings.count()


def _finding_fields(w: Any) -> Any:
    from ledger.models import Finding

    return fields_of(Finding, w.finding().pk, "text", "version")


def _measure_fields(w: Any) -> Any:
    from ledger.models import Measure

    return fields_of(Measure, _m(w).pk, "content", "due_date", "lead_unit", "version")


def _closed_fields(w: Any) -> Any:
    from ledger.models import Measure

    pk = once(w, "closed", lambda: w.measure(state="closed").pk)
    return fields_of(Measure, pk, "content", "due_date", "version")


def _flagged(w: Any) -> Any:
    from ledger.models import Measure

    return fields_of(Measure, _fresh(w).pk, "is_flagged")


def _state(w: Any) -> Any:
    from ledger.models import Measure

    return fields_of(Measure, _fresh(w).pk, "state")


def _new_measure_form(w: Any) -> dict[str, Any]:
    due = w.inspection().feedback_date + dt.timedelta(days=60)
    return {
        "content": "新增整改措施：修订制度并组织学习",
        "lead_unit": str(w.unit(w.BRANCH1).pk),
        "deadline_kind": "by_date",
        "due_date": due.isoformat(),
    }


CASES = [
    *read_only(
        Case("ledger:ledger", lambda w: reverse("ledger:ledger"), roles(*EVERYONE)),
        Case(
            "ledger:filter_options",
            lambda w: reverse("ledger:filter_options", args=["person"]) + "?q=%E5%BC%A0",
            roles(*EVERYONE),
            # Another organization's office finds its own people (the leak test checks which).
            stranger=200,
        ),
        Case(
            "ledger:filter_options",
            lambda w: reverse("ledger:filter_options", args=["unit"]) + "?q=%E7%B3%BB&active=1",
            roles(*EVERYONE),
            note="units",
            stranger=200,
        ),
        Case(
            "ledger:ledger",
            lambda w: reverse("ledger:ledger") + "?state=bogus&due_within=x",
            roles(*EVERYONE, status=400),
            note="bad-filter",
            stranger=400,
        ),
        Case("ledger:audit_log", lambda w: reverse("ledger:audit_log"), roles(*READERS)),
        Case(
            "ledger:inspection_list", lambda w: reverse("ledger:inspection_list"), roles(*EVERYONE)
        ),
        Case(
            "ledger:inspection_detail",
            lambda w: reverse("ledger:inspection_detail", args=[w.inspection().pk]),
            roles(*EVERYONE),
        ),
        Case(
            "ledger:finding_detail",
            lambda w: reverse("ledger:finding_detail", args=[w.finding().pk]),
            roles(*SEES) | {"outsider": 404},
        ),
        Case(
            "ledger:measure_detail",
            lambda w: reverse("ledger:measure_detail", args=[_m(w).pk]),
            roles(*SEES) | {"outsider": 404},
        ),
    ),
    *post_only(
        Case(
            "ledger:bulk",
            lambda w: reverse("ledger:bulk"),
            roles(*MANAGERS, status=302),
            method="post",
            data=lambda w: {"ids": [_fresh(w).pk], "action": "flag"},
            effect=_flagged,
        ),
        Case(
            "ledger:measure_transition",
            lambda w: reverse("ledger:measure_transition", args=[_fresh(w).pk]),
            roles("office", "taskforce", "branch", "staff", status=302) | {"outsider": 404},
            method="post",
            data=lambda w: {"action": "start"},
            effect=_state,
        ),
    ),
    Case(
        "ledger:inspection_create", lambda w: reverse("ledger:inspection_create"), roles(*MANAGERS)
    ),
    Case(
        "ledger:inspection_create",
        lambda w: reverse("ledger:inspection_create"),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {"name": "2022年校内巡察", "feedback_date": "2022-03-01"},
        effect=_inspections,
    ),
    Case(
        "ledger:inspection_edit",
        lambda w: reverse("ledger:inspection_edit", args=[w.inspection().pk]),
        roles(*MANAGERS),
    ),
    Case(
        "ledger:inspection_edit",
        lambda w: reverse("ledger:inspection_edit", args=[w.inspection().pk]),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {"inspecting_body": "改写后的巡视组名称"},
        effect=_inspection_fields,
    ),
    Case(
        "ledger:finding_create",
        lambda w: reverse("ledger:finding_create", args=[w.inspection().pk]),
        roles(*THEME_EDITORS),
    ),
    Case(
        "ledger:finding_create",
        lambda w: reverse("ledger:finding_create", args=[w.inspection().pk]),
        roles(*THEME_EDITORS, status=302),
        method="post",
        form=lambda w: {"text": "新增问题：制度执行不到位", "theme": str(w.finding().theme_id)},
        effect=_findings,
    ),
    Case(
        "ledger:finding_edit",
        lambda w: reverse("ledger:finding_edit", args=[w.finding().pk]),
        roles(*THEME_EDITORS) | {"outsider": 403},
    ),
    Case(
        "ledger:finding_edit",
        lambda w: reverse("ledger:finding_edit", args=[w.finding().pk]),
        roles(*THEME_EDITORS, status=302) | {"outsider": 403},
        method="post",
        form=lambda w: {"text": "改写后的问题表述"},
        effect=_finding_fields,
    ),
    Case(
        "ledger:measure_create",
        lambda w: reverse("ledger:measure_create", args=[w.finding().pk]),
        roles(*THEME_EDITORS),
    ),
    Case(
        "ledger:measure_create",
        lambda w: reverse("ledger:measure_create", args=[w.finding().pk]),
        roles(*THEME_EDITORS, status=302),
        method="post",
        form=_new_measure_form,
        effect=_measures_of_finding,
    ),
    Case(
        "ledger:measure_assign_many",
        lambda w: reverse("ledger:measure_assign_many", args=[w.finding().pk]),
        roles(*THEME_EDITORS),
    ),
    Case(
        "ledger:measure_assign_many",
        lambda w: reverse("ledger:measure_assign_many", args=[w.finding().pk]),
        roles(*THEME_EDITORS, status=302),
        method="post",
        form=lambda w: (
            _new_measure_form(w)
            | {"units": [str(w.unit(w.BRANCH1).pk), str(w.unit("航空乘务系党支部").pk)]}
        ),
        effect=_measures_of_finding,
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
        effect=_closed_fields,
        note="closed-post",
    ),
    # The unit may not rewrite its own measure, move its deadline or hand it to another unit:
    # the office and the theme's task force edit measures; a unit asks for an extension.
    Case(
        "ledger:measure_edit",
        lambda w: reverse("ledger:measure_edit", args=[_m(w).pk]),
        roles(*THEME_EDITORS, status=302) | {"branch": ANY_REFUSAL, "outsider": 404},
        method="post",
        form=lambda w: {
            "content": "改写后的措施内容",
            "due_date": (_m(w).due_date + dt.timedelta(days=90)).isoformat(),
        },
        effect=_measure_fields,
        note="content-and-deadline",
    ),
    Case(
        "ledger:measure_edit",
        lambda w: reverse("ledger:measure_edit", args=[_m(w).pk]),
        roles(*THEME_EDITORS, status=302) | {"branch": ANY_REFUSAL, "outsider": 404},
        method="post",
        form=lambda w: {"lead_unit": str(w.unit("航空乘务系党支部").pk)},
        effect=_measure_fields,
        note="lead-unit",
    ),
]


# --- campaigns (专题活动): read by everyone of the organization, managed by the office --------


def _campaign(w: Any) -> Any:
    from demo.ledger_demo import TAG_WARNING
    from ledger.models import Tag

    return Tag.objects.get(organization=w.org, name=TAG_WARNING)


def _party_history(w: Any) -> Any:
    from demo.ledger_demo import TAG_PARTY_HISTORY
    from ledger.models import Tag

    return Tag.objects.get(organization=w.org, name=TAG_PARTY_HISTORY)


def _campaigns(w: Any) -> int:
    from ledger.models import Tag

    return Tag.objects.filter(organization=w.org).count()


def _campaign_fields(w: Any) -> Any:
    from ledger.models import Tag

    return fields_of(Tag, _campaign(w).pk, "description", "end_date")


CASES += [
    *read_only(
        Case("ledger:campaign_list", lambda w: reverse("ledger:campaign_list"), roles(*EVERYONE)),
        Case(
            "ledger:campaign_detail",
            lambda w: reverse("ledger:campaign_detail", args=[_campaign(w).pk]),
            roles(*EVERYONE),
        ),
        # The campaign the demo's meeting and rules carry: their panels, read in each one's scope.
        Case(
            "ledger:campaign_detail",
            lambda w: reverse("ledger:campaign_detail", args=[_party_history(w).pk]),
            roles(*EVERYONE),
            note="meetings-and-rules",
        ),
    ),
    Case("ledger:campaign_create", lambda w: reverse("ledger:campaign_create"), roles(*MANAGERS)),
    Case(
        "ledger:campaign_create",
        lambda w: reverse("ledger:campaign_create"),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {
            "name": "主题教育",
            "start_date": "2023-04-01",
            "end_date": "2023-12-31",
            "description": "学习贯彻主题教育",
        },
        effect=_campaigns,
    ),
    Case(
        "ledger:campaign_edit",
        lambda w: reverse("ledger:campaign_edit", args=[_campaign(w).pk]),
        roles(*MANAGERS),
    ),
    Case(
        "ledger:campaign_edit",
        lambda w: reverse("ledger:campaign_edit", args=[_campaign(w).pk]),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {"description": "改写后的活动说明", "end_date": "2031-12-31"},
        effect=_campaign_fields,
    ),
]
