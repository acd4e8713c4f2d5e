"""Identical evidence is kept once per measure (by SHA-256), with a warning; fingerprints are
shown on demand; notification links are built from the configured site address."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.urls import reverse

from notifications.dispatch import absolute_url
from reporting.models import Evidence
from reporting.tests.conftest import PDF, PNG, upload

BASE_DIR = Path(__file__).resolve().parents[2]


def upload_form(client: Any, measure: Any, *files: Any) -> Any:
    url = reverse("reporting:evidence_upload", args=[measure.pk])
    assert client.get(url).status_code == 200
    return client.post(url, {"files": list(files), "description": ""}, follow=True)


def test_the_same_file_uploaded_twice_is_kept_once_with_a_warning(world: Any) -> None:
    measure = world.new_measure()
    client = world.client("branch1")
    upload_form(client, measure, upload("纪要.pdf", PDF))
    again = upload_form(client, measure, upload("纪要（再次）.pdf", PDF))
    body = again.content.decode()
    assert Evidence.objects.filter(measure=measure).count() == 1
    assert "纪要（再次）.pdf" in body and "内容相同" in body
    assert "份佐证材料。" not in body  # no "added" message for a file not added


def test_identical_files_in_one_upload_are_kept_once(world: Any) -> None:
    measure = world.new_measure()
    response = upload_form(
        world.client("branch1"),
        measure,
        upload("照片1.png", PNG),
        upload("照片2.png", PNG),
        upload("纪要.pdf", PDF),
    )
    names = sorted(Evidence.objects.filter(measure=measure).values_list("original_name", flat=True))
    assert names == ["照片1.png", "纪要.pdf"]
    assert "照片2.png" in response.content.decode()


def test_a_report_with_a_file_already_attached_keeps_one_and_says_so(world: Any) -> None:
    measure = world.new_measure()
    client = world.client("branch1")
    upload_form(client, measure, upload("纪要.pdf", PDF))
    url = reverse("reporting:report_create", args=[measure.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "files"}
    data |= {"work_done": "召开支部会议研究整改。", "progress": "30"}
    response = client.post(url, data | {"files": [upload("纪要副本.pdf", PDF)]}, follow=True)
    assert Evidence.objects.filter(measure=measure).count() == 1
    assert "纪要副本.pdf" in response.content.decode()
    assert "内容相同" in response.content.decode()


def test_the_fingerprint_is_shown_on_demand(world: Any) -> None:
    measure = world.new_measure()
    page = upload_form(world.client("branch1"), measure, upload("纪要.pdf", PDF))
    body = page.content.decode()
    sha = Evidence.objects.get(measure=measure).sha256
    details = re.search(r"<details[^>]*evidence-hash[^>]*>(.*?)</details>", body, re.S)
    assert details and sha in details.group(1)
    assert "<details" in body and " open" not in details.group(0).split(">")[0]


def test_notification_links_use_the_configured_site_address(settings: Any) -> None:
    settings.SITE_URL = "https://rectify.example.edu.cn/"
    assert (
        absolute_url("/ledger/measures/7/") == "https://rectify.example.edu.cn/ledger/measures/7/"
    )


def test_no_port_is_written_into_the_code() -> None:
    offenders = []
    for path in BASE_DIR.rglob("*"):
        if path.suffix not in {".py", ".html", ".js", ".txt"} or not path.is_file():
            continue
        parts = set(path.relative_to(BASE_DIR).parts)
        if parts & {".venv", "vendor", "tests", "var", "test-output", "bench"}:
            continue
        if path == BASE_DIR / "config" / "settings.py":
            continue  # the documented default of SITE_URL
        if re.search(r"(127\.0\.0\.1|localhost):\d+", path.read_text(errors="ignore")):
            offenders.append(str(path.relative_to(BASE_DIR)))
    assert offenders == []
