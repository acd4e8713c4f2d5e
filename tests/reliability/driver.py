"""Actions the reliability tests run in a process of their own, against the database named by
DATABASE_URL: `python tests/reliability/driver.py ACTION [ARGS]`; each prints one JSON line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.reliability.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import OperationalError, transaction  # noqa: E402

from core.scoping import unscoped_reads  # noqa: E402

User = get_user_model()


def _office() -> Any:
    return User.objects.get(username="office")


def ledger_csv(rows: int) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("序号", "具体问题", "整改措施", "牵头单位", "完成时限"))
    for n in range(1, rows + 1):
        finding, measure = f"（{n}）可靠性测试问题{n}", f"1.整改措施{n}"
        writer.writerow((str(n), finding, measure, "党委办公室", "2024-06-30"))
    return out.getvalue().encode("utf-8")


def setup_import(rows: int) -> dict[str, Any]:
    """An inspection, a preview of a ledger of `rows` findings run now, and its import queued
    for the worker."""
    from documents.jobs import job_create, run_job, start_job
    from documents.models import JobKind
    from ledger.models import Inspection
    from ledger.services import inspection_save
    from organization.models import Organization, Theme

    office = _office()
    org = Organization.objects.unscoped("test set-up").get(name="上海民航职业技术学院")
    inspection = inspection_save(
        by=office,
        inspection=Inspection(
            organization=org,
            name="可靠性测试巡察",
            feedback_date=dt.date(2024, 1, 15),
            rectification_end=dt.date(2024, 12, 31),
        ),
    )
    data = ledger_csv(rows)
    preview = job_create(
        kind=JobKind.IMPORT_PREVIEW,
        owner=office,
        params={
            "inspection_id": inspection.pk,
            "default_theme_id": Theme.objects.unscoped("test set-up")
            .filter(organization=org)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first(),
            "filename": "ledger.csv",
            "size": len(data),
        },
        upload=data,
        upload_name="ledger.csv",
    )
    preview = run_job(preview.pk)
    if not preview.data.get("can_apply"):
        problems = [f["problems"] for f in preview.data.get("findings", []) if f["problems"]]
        problems += [m["problems"] for m in preview.data.get("measures", []) if m.get("problems")]
        return {"error": preview.message, "problems": problems[:3]}
    with transaction.atomic():
        job = job_create(
            kind=JobKind.IMPORT_APPLY,
            owner=office,
            params={"preview_job_id": preview.pk, "digest": preview.data["digest"]},
        )
        start_job(job)
    return {"job": job.pk, "inspection": inspection.pk}


def job(pk: int) -> dict[str, Any]:
    from documents.models import Job

    j = Job.objects.unscoped("test").get(pk=pk)
    return {
        "status": j.status,
        "progress": j.progress,
        "message": j.message,
        "attempts": j.attempts,
        "worker": j.worker,
        "result_path": j.result_path,
    }


def measures(inspection: int) -> dict[str, Any]:
    from ledger.models import Finding, Measure

    return {
        "findings": Finding.objects.unscoped("test").filter(inspection_id=inspection).count(),
        "measures": Measure.objects.unscoped("test")
        .filter(finding__inspection_id=inspection)
        .count(),
    }


def session(username: str) -> dict[str, Any]:
    user = User.objects.get(username=username)
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return {"sessionid": store.session_key}


def setup_deliveries(count: int) -> dict[str, Any]:
    from notifications.choices import Channel
    from notifications.models import Delivery
    from organization.models import Organization

    org = Organization.objects.unscoped("test set-up").get(name="上海民航职业技术学院")
    Delivery.objects.bulk_create(
        Delivery(
            organization=org,
            channel=Channel.EMAIL,
            to=f"person{n}@example.org",
            subject=f"delivery-{n}",
            body="test",
        )
        for n in range(count)
    )
    return {"count": count}


def deliveries() -> dict[str, Any]:
    from notifications.models import Delivery

    rows = Delivery.objects.unscoped("test").filter(subject__startswith="delivery-")
    return {s: rows.filter(status=s).count() for s in ("pending", "sending", "sent", "failed")}


def write_burst(count: int) -> dict[str, Any]:
    """`count` short write transactions (a job row written and updated), as fast as possible;
    reports every database error a person would have seen."""
    from documents.models import Job, JobKind

    office = _office()
    errors: list[str] = []
    for _n in range(count):
        try:
            with transaction.atomic():
                j = Job.objects.create(kind=JobKind.LEDGER_EXPORT, owner=office, params={})
                Job.objects.unscoped("test").filter(pk=j.pk).update(progress=50)
        except OperationalError as exc:
            errors.append(str(exc))
        time.sleep(0.005)
    return {"errors": errors}


class _Rollback(Exception):
    pass


def reporting_target() -> dict[str, Any]:
    """A measure of branch 1 on which its secretary may add evidence and ask for close-out."""
    from ledger.models import Measure
    from reporting import services

    branch = User.objects.get(username="branch1")
    for measure in Measure.objects.visible_to(branch).order_by("pk")[:50]:
        try:
            with transaction.atomic():
                services.evidence_add_text(by=branch, measure=measure, name="probe", content="x")
                services.closeout_request(by=branch, measure=measure, summary="probe")
                raise _Rollback
        except _Rollback:
            return {"measure": measure.pk}
        except Exception:
            continue
    return {"measure": None}


def evidence_consistency() -> dict[str, Any]:
    """Evidence rows whose file is missing, and stored files no row refers to."""
    from core import files as stored
    from reporting import storage
    from reporting.models import Evidence

    shas = set(Evidence.objects.unscoped("test").values_list("sha256", flat=True))
    missing = sorted(sha for sha in shas if not storage.exists(sha))
    # Every stored object under the evidence prefix, through the storage API (disk or S3).
    files = {name.rsplit("/", 1)[-1] for name in stored.walk(storage.SUBDIR)}
    return {"rows": len(shas), "missing": missing, "unreferenced": sorted(files - shas)}


def closeout_consistency(measure_id: int) -> dict[str, Any]:
    """The open close-out requests of the measure, each checked against the measure's state."""
    from ledger.models import Measure
    from reporting.choices import OPEN_REQUEST_STATUSES
    from reporting.models import CloseRequest
    from reporting.services.closeout import request_check

    measure = Measure.objects.unscoped("test").get(pk=measure_id)
    open_requests = list(
        CloseRequest.objects.unscoped("test").filter(
            measure=measure, status__in=OPEN_REQUEST_STATUSES
        )
    )
    problems = []
    for request in open_requests:
        try:
            request_check(request.status, measure)
        except Exception as exc:
            problems.append(str(exc))
    return {"open": len(open_requests), "state": measure.state, "problems": problems}


def main() -> None:
    action, *args = sys.argv[1:]
    functions = {
        "setup-import": lambda: setup_import(int(args[0])),
        "job": lambda: job(int(args[0])),
        "measures": lambda: measures(int(args[0])),
        "session": lambda: session(args[0]),
        "setup-deliveries": lambda: setup_deliveries(int(args[0])),
        "deliveries": deliveries,
        "write-burst": lambda: write_burst(int(args[0])),
        "reporting-target": reporting_target,
        "evidence-consistency": evidence_consistency,
        "closeout-consistency": lambda: closeout_consistency(int(args[0])),
    }
    with unscoped_reads("reliability test driver"):
        print(json.dumps(functions[action](), ensure_ascii=False))


if __name__ == "__main__":
    main()
