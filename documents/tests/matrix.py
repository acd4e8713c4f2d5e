"""Permission-matrix cases for every documents URL (collected by tests/test_permission_matrix.py).

Jobs belong to the office person who started them: nobody else learns they exist (404). Per-unit
documents are for branch 1's unit, which branch 7 (the outsider) does not reach.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.matrix import (
    EVERYONE,
    MANAGERS,
    READERS,
    Case,
    once,
    post_only,
    read_only,
    roles,
)

SEES = ("leader", "office", "taskforce", "liaison", "branch", "staff")


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
        from django.core.files.base import ContentFile

        from core import files

        files.save(f"{job_dir(job)}/ledger.xlsx", ContentFile(b"PK\x05\x06" + b"\x00" * 18))
        job.result_path = f"{job.pk}/ledger.xlsx"
        job.result_name = "ledger.xlsx"
        job.save()
    return job


def _preview_with_upload(w: Any) -> Any:
    """A finished preview of the office's, with its uploaded file kept for a new preview."""
    from documents.jobs import job_create

    upload = _workbook()
    job = job_create(
        kind="import_preview",
        owner=w.user("office"),
        params={"inspection_id": w.inspection().pk, "filename": upload.name, "size": upload.size},
        upload=upload.read(),
        upload_name=upload.name,
    )
    job.status, job.progress = "done", 100
    job.data = {"counts": {}, "rows": [], "problems": [], "findings": [], "can_apply": False}
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


def _jobs(w: Any) -> int:
    from documents.models import Job

    return Job.objects.count()


def _measures(w: Any) -> int:
    from ledger.models import Measure

    return Measure.objects.filter(organization=w.org).count()


def _workbook() -> Any:
    """A one-row ledger workbook, as an office keeps it."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "问题", "整改措施", "牵头单位", "完成时限"])
    sheet.append(["1", "制度执行不到位", "修订制度并组织学习", "航空运输系党支部", "2021年6月底"])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(
        "台账.xlsx",
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


FEEDBACK = "一、党的建设方面\n（一）组织生活不规范\n1. 个别支部组织生活会流于形式。\n"


CASES = [
    *read_only(
        Case("documents:index", lambda w: reverse("documents:index"), roles(*EVERYONE)),
        Case(
            "documents:ledger_export",
            lambda w: reverse("documents:ledger_export"),
            roles(*EVERYONE),
        ),
        Case(
            "documents:ledger_export",
            lambda w: reverse("documents:ledger_export") + "?state=bogus",
            roles(*EVERYONE, status=400),
            note="bad-filter",
            stranger=400,
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
                reverse("documents:task_division", args=[w.inspection().pk])
                + f"?unit={_branch1(w).pk}"
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
    ),
    Case("documents:import", lambda w: reverse("documents:import"), roles(*MANAGERS)),
    Case(
        "documents:import",
        lambda w: reverse("documents:import"),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {"inspection": str(w.inspection().pk), "file": _workbook()},
        effect=_jobs,
    ),
    Case(
        "documents:import",
        lambda w: reverse("documents:import"),
        roles(*MANAGERS, status=400),
        method="post",
        data=lambda w: {"inspection": w.inspection().pk},
        note="no-file",
        changes=(),
    ),
    # A preview that has nothing to apply: confirming it changes nothing, for anyone.
    *post_only(
        Case(
            "documents:import_confirm",
            lambda w: reverse(
                "documents:import_confirm", args=[once(w, "job", lambda: _job(w).pk)]
            ),
            {"office": 302},
            method="post",
            data=lambda w: {"digest": "x"},
            effect=_measures,
            changes=(),
        )
    ),
    # Choices made in a preview (a narrowed group, a matched name) preview the file again: a
    # new preview job of the office's own, nothing written to the ledger.
    *post_only(
        Case(
            "documents:import_choose",
            lambda w: reverse(
                "documents:import_choose",
                args=[once(w, "upload-job", lambda: _preview_with_upload(w).pk)],
            ),
            {"office": 302},
            method="post",
            data=lambda w: {"narrow_key": "D2|各党支部"},
            effect=_jobs,
            changes=("office",),
        )
    ),
    Case("documents:feedback", lambda w: reverse("documents:feedback"), roles(*MANAGERS)),
    # Reading a pasted feedback document shows its findings to check; nothing is created yet.
    Case(
        "documents:feedback",
        lambda w: reverse("documents:feedback"),
        roles(*MANAGERS),
        method="post",
        form=lambda w: {"inspection": str(w.inspection().pk), "mode": "feedback", "text": FEEDBACK},
        effect=_measures,
        changes=(),
    ),
    Case(
        "documents:feedback",
        lambda w: reverse("documents:feedback"),
        roles(*MANAGERS, status=400),
        method="post",
        data=lambda w: {"inspection": w.inspection().pk, "mode": "feedback", "text": " "},
        note="empty-text",
        changes=(),
    ),
]
