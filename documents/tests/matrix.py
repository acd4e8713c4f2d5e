"""Permission-matrix cases for every documents URL (collected by tests/test_permission_matrix.py).

Jobs belong to the office person who started them: nobody else learns they exist (404). Per-unit
documents are for branch 1's unit, which branch 7 (the outsider) does not reach.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.matrix import EVERYONE, MANAGERS, READERS, Case, roles

SEES = ("admin", "leader", "office", "taskforce", "liaison", "branch", "staff")


def _job(w: Any, *, kind: str = "import_preview", with_file: bool = False) -> Any:
    from documents.jobs import job_dir
    from documents.models import Job, JobStatus

    job = Job.objects.create(
        kind=kind,
        owner=w.user("office"),
        status=JobStatus.DONE,
        progress=100,
        params={"filename": "ledger.xlsx"},
        data={"counts": {}, "rows": [], "problems": [], "findings": [], "can_apply": False},
    )
    if with_file:
        folder = job_dir(job)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ledger.xlsx").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
        job.result_path = f"{job.pk}/ledger.xlsx"
        job.result_name = "ledger.xlsx"
        job.save()
    return job


def _branch1(w: Any) -> Any:
    return w.unit(w.BRANCH1)


def _with_cycle(w: Any) -> Any:
    from reporting.models import ReportingCycle

    inspection = w.inspection()
    ReportingCycle.objects.get_or_create(inspection=inspection)
    return inspection


def _flagged(w: Any) -> Any:
    return w.new_measure(content="挂牌督办测试措施", is_flagged=True)


CASES = [
    Case("documents:index", lambda w: reverse("documents:index"), roles(*EVERYONE)),
    Case("documents:ledger_export", lambda w: reverse("documents:ledger_export"), roles(*EVERYONE)),
    Case(
        "documents:ledger_export",
        lambda w: reverse("documents:ledger_export") + "?state=bogus",
        roles(*EVERYONE, status=400),
        note="bad-filter",
    ),
    Case("documents:import", lambda w: reverse("documents:import"), roles(*MANAGERS)),
    Case(
        "documents:import",
        lambda w: reverse("documents:import"),
        roles(*MANAGERS, status=400),
        method="post",
        data=lambda w: {"inspection": w.inspection().pk},
        note="no-file",
    ),
    Case(
        "documents:import_confirm",
        lambda w: reverse("documents:import_confirm", args=[_job(w).pk]),
        {"office": 302, "admin": 404},
        method="post",
        data=lambda w: {"digest": "x"},
    ),
    Case("documents:feedback", lambda w: reverse("documents:feedback"), roles(*MANAGERS)),
    Case(
        "documents:feedback",
        lambda w: reverse("documents:feedback"),
        roles(*MANAGERS, status=400),
        method="post",
        data=lambda w: {"inspection": w.inspection().pk, "mode": "feedback", "text": " "},
        note="empty-text",
    ),
    Case(
        "documents:job",
        lambda w: reverse("documents:job", args=[_job(w).pk]),
        {"office": 200},
        default=404,
    ),
    Case(
        "documents:job_status",
        lambda w: reverse("documents:job_status", args=[_job(w).pk]),
        {"office": 200},
        default=404,
    ),
    Case(
        "documents:job_download",
        lambda w: reverse(
            "documents:job_download", args=[_job(w, kind="ledger_export", with_file=True).pk]
        ),
        {"office": 200},
        default=404,
    ),
    Case(
        "documents:progress_report",
        lambda w: reverse("documents:progress_report", args=[w.inspection().pk]),
        roles(*READERS),
    ),
    Case(
        "documents:task_division",
        lambda w: reverse("documents:task_division", args=[w.inspection().pk]),
        roles(*EVERYONE),
    ),
    Case(
        "documents:task_division",
        lambda w: (
            reverse("documents:task_division", args=[w.inspection().pk]) + f"?unit={_branch1(w).pk}"
        ),
        roles(*SEES) | {"outsider": 404},
        note="unit",
    ),
    Case(
        "documents:responsibility_list",
        lambda w: reverse("documents:responsibility_list", args=[w.inspection().pk]),
        roles(*EVERYONE),
    ),
    Case(
        "documents:responsibility_list",
        lambda w: (
            reverse("documents:responsibility_list", args=[w.inspection().pk])
            + f"?unit={_branch1(w).pk}"
        ),
        roles(*SEES) | {"outsider": 404},
        note="unit",
    ),
    Case(
        "documents:unit_report",
        lambda w: reverse("documents:unit_report", args=[_with_cycle(w).pk, _branch1(w).pk]),
        roles(*SEES) | {"outsider": 404},
    ),
    Case(
        "documents:supervision_notice",
        lambda w: reverse("documents:supervision_notice", args=[_flagged(w).pk]),
        roles(*MANAGERS) | {"outsider": 404},
    ),
    Case(
        "documents:supervision_notice",
        lambda w: reverse("documents:supervision_notice", args=[w.new_measure().pk]),
        roles(*MANAGERS, status=400) | {"outsider": 404},
        note="not-flagged",
    ),
]
