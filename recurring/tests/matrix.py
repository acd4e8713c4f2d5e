"""Permission-matrix cases for every recurring-work URL (collected by
tests/test_permission_matrix.py).

The office manages and applies templates; the leading group reads them; everyone else meets
the measures a template creates in the ledger, not the templates: for them a template does not
exist (404) and the list is refused (403).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.matrix import MANAGERS, READERS, Case, fields_of, post_only, read_only, roles

# The roles that may not read templates, for whom a template is not there at all.
HIDDEN = {r: 404 for r in ("taskforce", "liaison", "branch", "staff", "outsider")}


def _life(w: Any) -> Any:
    """The demo's yearly 组织生活会 template, applied for one year already."""
    from demo.recurring_demo import LIFE_MEETING
    from recurring.models import RecurringTemplate

    return RecurringTemplate.objects.get(organization=w.org, title=LIFE_MEETING)


def _check(w: Any) -> Any:
    """The demo's 标准化规范化建设 check template, not applied yet."""
    from demo.recurring_demo import STANDARDIZATION
    from recurring.models import RecurringTemplate

    return RecurringTemplate.objects.get(organization=w.org, title=STANDARDIZATION)


def _templates(w: Any) -> int:
    from recurring.models import RecurringTemplate

    return RecurringTemplate.objects.filter(organization=w.org).count()


def _check_fields(w: Any) -> Any:
    from recurring.models import RecurringTemplate

    return fields_of(RecurringTemplate, _check(w).pk, "description", "due_month")


def _check_runs(w: Any) -> int:
    return _check(w).runs.count()


def _run(w: Any) -> Any:
    return _life(w).runs.order_by("year").first()


CASES = [
    *read_only(
        Case(
            "recurring:template_list",
            lambda w: reverse("recurring:template_list"),
            roles(*READERS),
        ),
        Case(
            "recurring:template_detail",
            lambda w: reverse("recurring:template_detail", args=[_life(w).pk]),
            roles(*READERS) | HIDDEN,
        ),
        Case(
            "recurring:run_detail",
            lambda w: reverse("recurring:run_detail", args=[_run(w).pk]),
            roles(*READERS) | HIDDEN,
        ),
    ),
    Case(
        "recurring:template_create",
        lambda w: reverse("recurring:template_create"),
        roles(*MANAGERS),
    ),
    Case(
        "recurring:template_create",
        lambda w: reverse("recurring:template_create"),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {
            "title": "党员发展工作年度检查",
            "description": "对照党员发展工作细则开展自查。",
            "due_month": "11",
            "due_day": "30",
            "finding": str(w.finding().pk),
        },
        effect=_templates,
    ),
    Case(
        "recurring:template_edit",
        lambda w: reverse("recurring:template_edit", args=[_check(w).pk]),
        roles(*MANAGERS) | {"leader": 403} | HIDDEN,
    ),
    Case(
        "recurring:template_edit",
        lambda w: reverse("recurring:template_edit", args=[_check(w).pk]),
        roles(*MANAGERS, status=302) | {"leader": 403} | HIDDEN,
        method="post",
        form=lambda w: {"description": "改写后的检查要求", "due_month": "10"},
        effect=_check_fields,
    ),
    *post_only(
        Case(
            "recurring:template_apply",
            lambda w: reverse("recurring:template_apply", args=[_check(w).pk]),
            roles(*MANAGERS, status=302) | {"leader": 403} | HIDDEN,
            method="post",
            data=lambda w: {
                "year": str(_check(w).year_due_after(w.finding().inspection.feedback_date))
            },
            effect=_check_runs,
        ),
    ),
]
