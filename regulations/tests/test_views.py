"""The register's pages, driven through their rendered forms."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from regulations.choices import Stage
from regulations.models import Rule
from regulations.tests.helpers import CONSULTED, docx_upload, make_rule
from tests.forms import post_form

pytestmark = pytest.mark.django_db


def _submit(
    client: Any, path: str, changes: dict[str, Any], files: dict[str, Any] | None = None
) -> Any:
    page = client.get(path)
    assert page.status_code == 200, path
    data: dict[str, Any] = post_form(page.content.decode(), path).values()
    data.update(changes)
    data.update(files or {})
    return client.post(path, data)


def test_the_rule_page_shows_every_step_of_its_history(world: Any) -> None:
    office, lead = world.client("office"), world.client("dept1")
    hr, students = world.client("dept2"), world.client("dept3")
    rule = make_rule(world)
    detail = reverse("regulations:rule_detail", args=[rule.pk])
    upload = reverse("regulations:draft_upload", args=[rule.pk])
    answer = reverse("regulations:opinion_answer", args=[rule.pk])

    assert _submit(lead, upload, {}, {"file": docx_upload("第一条 会商。")}).status_code == 302
    lead.post(reverse("regulations:rule_advance", args=[rule.pk, "start_consultation"]))
    unit2, unit3 = world.unit(CONSULTED[0]).pk, world.unit(CONSULTED[1]).pk
    assert _submit(hr, answer, {"unit": str(unit2), "stance": "agree"}).status_code == 302
    response = _submit(students, answer, {"unit": str(unit3), "stance": "disagree", "comments": ""})
    assert response.status_code == 400  # a disagreement needs its reasons
    assert (
        _submit(
            students,
            answer,
            {"unit": str(unit3), "stance": "disagree", "comments": "<b>职责不清</b>"},
        ).status_code
        == 302
    )
    opinion = rule.rounds.unscoped("test").get().opinions.unscoped("test").get(unit_id=unit3)
    reply = reverse("regulations:reply_answer", args=[opinion.pk])
    assert _submit(lead, reply, {"decision": "adopted"}).status_code == 302
    assert (
        _submit(
            lead,
            upload,
            {"note": "修改职责"},
            {"file": docx_upload("第一条 会商。", "第二条 职责。")},
        ).status_code
        == 302
    )
    for client, unit in ((hr, unit2), (students, unit3)):
        assert _submit(client, answer, {"unit": str(unit), "stance": "agree"}).status_code == 302
    lead.post(reverse("regulations:rule_advance", args=[rule.pk, "submit_for_deliberation"]))
    today = timezone.localdate().isoformat()
    assert (
        _submit(
            office,
            reverse("regulations:rule_deliberate", args=[rule.pk]),
            {"meeting": "党委会", "deliberated_on": today},
        ).status_code
        == 302
    )
    assert (
        _submit(
            lead,
            reverse("regulations:rule_issue", args=[rule.pk]),
            {"issue_number": "院党委发〔2021〕5号", "issued_on": today},
            {"file": docx_upload("正式文本第一条", name="印发稿.docx")},
        ).status_code
        == 302
    )
    assert (
        _submit(
            office,
            reverse("regulations:rule_evaluate", args=[rule.pk]),
            {
                "evaluated_on": today,
                "executable": "on",
                "supervisable": "on",
                "checkable": "on",
                "accountable": "on",
            },
        ).status_code
        == 302
    )
    rule.refresh_from_db()
    assert rule.stage == Stage.DONE

    page = office.get(detail).content.decode()
    assert page.count('class="list-group-item small"') == 15  # every step, each once
    assert "&lt;b&gt;职责不清&lt;/b&gt;" in page
    assert "院党委发〔2021〕5号" in page

    # The diff of the two .docx drafts shows the added line, escaped.
    second = rule.drafts.unscoped("test").get(number=2)
    diff = office.get(reverse("regulations:draft_diff", args=[second.pk])).content.decode()
    assert "第二条" in diff and "diff_add" in diff

    # The compendium of the inspection holds the issued rule and its text.
    response = office.get(reverse("regulations:compendium", args=[rule.inspection_id]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert (
        "会商研讨机制实施办法" in xml and "正式文本第一条" in xml and "院党委发〔2021〕5号" in xml
    )


def test_a_consulted_department_sees_only_the_rules_it_is_consulted_on(world: Any) -> None:
    mine = make_rule(world, title="甲制度", consulted=(CONSULTED[0],))
    other = make_rule(world, title="乙制度", consulted=(CONSULTED[1],))
    hr = world.client("dept2")
    listing = hr.get(reverse("regulations:rule_list")).content.decode()
    assert "甲制度" in listing and "乙制度" not in listing
    assert hr.get(reverse("regulations:rule_detail", args=[other.pk])).status_code == 404
    assert hr.get(reverse("regulations:rule_detail", args=[mine.pk])).status_code == 200


def test_the_register_filters_by_stage_and_light(world: Any) -> None:
    make_rule(world, title="甲制度")
    late = make_rule(world, title="乙制度")
    Rule.objects.unscoped("test").filter(pk=late.pk).update(
        drafting_due=timezone.localdate().replace(year=2020)
    )
    office = world.client("office")
    red = office.get(reverse("regulations:rule_list"), {"light": "red"}).content.decode()
    assert "乙制度" in red and "甲制度" not in red
    consulting = office.get(
        reverse("regulations:rule_list"), {"stage": "consulting"}
    ).content.decode()
    assert "甲制度" not in consulting
    defaults = office.get(
        reverse("regulations:rule_list"), {"stage": "", "kind": "", "lead_unit": "", "light": ""}
    )
    assert "甲制度" in defaults.content.decode()


def test_a_refused_file_is_a_message_not_a_draft(world: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    rule = make_rule(world)
    response = _submit(
        world.client("dept1"),
        reverse("regulations:draft_upload", args=[rule.pk]),
        {},
        {
            "file": SimpleUploadedFile(
                "x.docx", b"MZ\x90\x00program", content_type="application/octet-stream"
            )
        },
    )
    assert response.status_code == 400
    assert rule.drafts.unscoped("test").count() == 0


def test_the_diff_escapes_what_the_drafts_say(world: Any) -> None:
    from regulations import services

    dept1 = world.user("dept1")
    rule = make_rule(world)
    services.draft_upload(by=dept1, rule=rule, file=docx_upload("第一条"))
    second = services.draft_upload(
        by=dept1, rule=rule, file=docx_upload("第一条", "<script>alert(1)</script>")
    )
    page = world.client("office").get(reverse("regulations:draft_diff", args=[second.pk]))
    html = page.content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_pdf_draft_is_kept_without_a_text_diff(world: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from regulations import services

    dept1 = world.user("dept1")
    rule = make_rule(world)
    services.draft_upload(by=dept1, rule=rule, file=docx_upload("第一条"))
    pdf = SimpleUploadedFile(
        "稿.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", content_type="application/pdf"
    )
    second = services.draft_upload(by=dept1, rule=rule, file=pdf)
    page = world.client("office").get(reverse("regulations:draft_diff", args=[second.pk]))
    assert page.status_code == 200
    assert 'data-testid="diff"' not in page.content.decode()
    download = world.client("dept2").get(reverse("regulations:draft_download", args=[second.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_the_register_page_costs_the_same_queries_for_more_rules(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    office = world.client("office")
    path = reverse("regulations:rule_list")
    office.get(path)
    with CaptureQueriesContext(connection) as few:
        assert office.get(path).status_code == 200
    for n in range(5):
        make_rule(world, title=f"制度{n}")
    with CaptureQueriesContext(connection) as many:
        assert office.get(path).status_code == 200
    assert len(many) == len(few)
