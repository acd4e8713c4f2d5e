"""The close-out path through the API, each step with its own person's token: the branch
reports and asks, its liaison group approves, the office closes the measure out."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api.tests.helpers import client_for
from core.models import AuditEvent
from ledger.models import Measure


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def test_report_request_approve_close_through_the_api(world: Any) -> None:
    measure = world.new_measure()
    branch = client_for(world, "branch1")
    liaison = client_for(world, "liaison1")
    office = client_for(world, "office")

    report = _post(
        branch,
        reverse("api:reports", args=[measure.pk]),
        {"work_done": "完成制度修订并印发。", "progress": 100, "next_steps": "巩固成果"},
    )
    assert report.status_code == 201, report.content
    assert report.json()["progress"] == 100
    upload = branch.post(
        reverse("api:evidence", args=[measure.pk]),
        {
            "file": SimpleUploadedFile("印发通知.txt", "制度印发通知".encode(), "text/plain"),
            "description": "印发文件",
        },
    )
    assert upload.status_code == 201, upload.content
    evidence_id = upload.json()[0]["id"]
    download = liaison.get(reverse("api:evidence_download", args=[evidence_id]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == "制度印发通知".encode()

    asked = _post(
        branch,
        reverse("api:closeout_request", args=[measure.pk]),
        {"summary": "制度已印发执行。"},
    )
    assert asked.status_code == 201, asked.content
    assert Measure.objects.get(pk=measure.pk).state == "pending_review"
    # The office cannot skip the liaison group's review.
    early = _post(office, reverse("api:closeout_close", args=[measure.pk]), {})
    assert early.status_code in (400, 403), early.content
    assert early.json()["code"]

    approved = _post(liaison, reverse("api:closeout_approve", args=[measure.pk]), {})
    assert approved.status_code == 200, approved.content
    assert approved.json()["outcome"] == "approved"
    assert Measure.objects.get(pk=measure.pk).state == "pending_close"

    closed = _post(office, reverse("api:closeout_close", args=[measure.pk]), {})
    assert closed.status_code == 200, closed.content
    assert closed.json()["outcome"] == "closed"
    detail = office.get(reverse("api:measure", args=[measure.pk])).json()
    assert detail["state"] == "closed"
    actions = set(
        AuditEvent.objects.filter(object_id=str(measure.pk)).values_list("action", flat=True)
    )
    assert {"report:filed"} <= actions


def test_a_return_sends_the_measure_back_with_its_reason(world: Any) -> None:
    measure = world.new_measure()
    branch, liaison = client_for(world, "branch1"), client_for(world, "liaison1")
    _post(branch, reverse("api:reports", args=[measure.pk]), {"work_done": "完成", "progress": 90})
    branch.post(
        reverse("api:evidence", args=[measure.pk]),
        {"file": SimpleUploadedFile("a.txt", b"record", "text/plain")},
    )
    _post(branch, reverse("api:closeout_request", args=[measure.pk]), {"summary": "已完成"})
    refused = _post(liaison, reverse("api:closeout_return", args=[measure.pk]), {"reason": ""})
    assert refused.status_code == 400
    assert refused.json()["fields"]["reason"]
    returned = _post(
        liaison, reverse("api:closeout_return", args=[measure.pk]), {"reason": "缺少会议记录"}
    )
    assert returned.status_code == 200, returned.content
    fresh = Measure.objects.get(pk=measure.pk)
    assert fresh.state == "in_progress"
    assert fresh.return_reason == "缺少会议记录"


def test_a_stale_version_is_refused_with_a_conflict(world: Any) -> None:
    measure = world.new_measure()
    office = client_for(world, "office")
    url = reverse("api:measure", args=[measure.pk])
    first = office.patch(
        url, json.dumps({"version": measure.version, "progress": 10}), "application/json"
    )
    assert first.status_code == 200, first.content
    assert first.json()["version"] == measure.version + 1
    stale = office.patch(
        url, json.dumps({"version": measure.version, "progress": 20}), "application/json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    assert Measure.objects.get(pk=measure.pk).progress == 10
