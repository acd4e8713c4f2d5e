"""The documents screens: the index by role, the import and feedback flows through HTTP, jobs,
the similar-findings panel, the commands for scripts, and bad input answered without a 500."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from documents.feedback import candidates, default_level, levels
from documents.feedback_parser import parse_feedback_text
from documents.models import Job
from documents.similarity import SimilarityIndex, similarity
from documents.tests import ledger_samples as samples
from ledger.models import Finding, Measure

pytestmark = pytest.mark.django_db

FEEDBACK = """学院党委：
根据市委统一部署，市委第三巡视组对学院党委进行了巡视。现将反馈意见通报如下：
一、党的建设方面
（一）理论学习中心组学习不够深入，学习计划性不强。
（二）基层党组织建设薄弱。一是组织生活会不规范；二是党员发展程序不严格。
二、党风廉政建设方面
（一）“三重一大”决策制度执行不到位。
"""

NOTICE = """一、关于党建工作方面的问题
（一）问题：部分党支部组织生活会质量不高。
整改情况：1. 制定《党支部组织生活会工作规程》；2. 对7个直属党支部组织生活会开展督导。
"""


def test_the_index_lists_what_each_role_can_produce(world):
    office = world.client("office").get(reverse("documents:index")).content.decode()
    assert reverse("documents:import") in office and "progress-report" in office
    branch = world.client("branch1").get(reverse("documents:index")).content.decode()
    assert reverse("documents:import") not in branch
    assert "progress-report" not in branch
    unit = world.unit(world.BRANCH1)
    assert f"?unit={unit.pk}" in branch  # its own unit's documents


def _upload(
    client: Any, inspection: Any, data: bytes, name: str = "台账.xlsx", **extra: Any
) -> Any:
    return client.post(
        reverse("documents:import"),
        {"inspection": inspection.pk, "file": SimpleUploadedFile(name, data), **extra},
    )


def test_the_import_flow_previews_then_confirms(samples_org, sample_inspection):
    client = samples_org.client("office")
    response = _upload(client, sample_inspection, samples.csv_ledger(), name="台账.csv")
    assert response.status_code == 302
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert 'data-testid="import-confirm"' in html
    assert not Measure.objects.filter(finding__inspection=sample_inspection).exists()
    job = Job.objects.get(kind="import_preview")
    confirmed = client.post(
        reverse("documents:import_confirm", args=[job.pk]), {"digest": job.data["digest"]}
    )
    assert confirmed.status_code == 302
    done = client.get(confirmed["Location"]).content.decode()
    assert 'data-testid="import-done"' in done
    assert Measure.objects.filter(finding__inspection=sample_inspection).count() == 3
    # Confirming the same preview again changes nothing: the plan no longer matches.
    again = client.post(
        reverse("documents:import_confirm", args=[job.pk]), {"digest": job.data["digest"]}
    )
    page = client.get(again["Location"]).content.decode()
    assert 'data-testid="job-failed"' in page
    assert Measure.objects.filter(finding__inspection=sample_inspection).count() == 3


def test_an_import_with_errors_cannot_be_confirmed(samples_org, sample_inspection):
    client = samples_org.client("office")
    response = _upload(client, sample_inspection, samples.finding_first_row_only())
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-blocked"' in html and "C7" in html
    job = Job.objects.get(kind="import_preview")
    refused = client.post(reverse("documents:import_confirm", args=[job.pk]), {"digest": "x"})
    assert refused.status_code == 302
    assert not Finding.objects.filter(inspection=sample_inspection).exists()


@pytest.mark.parametrize(
    "builder",
    [
        samples.pdf_file,
        samples.encrypted_xlsx,
        samples.macro_xlsx,
        samples.zip_bomb,
        samples.no_header_sheet,
        samples.random_bytes,
    ],
)
def test_hostile_uploads_end_in_a_clear_message(world, empty_inspection, builder):
    client = world.client("office")
    response = _upload(client, empty_inspection, builder())
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'data-testid="job-failed"' in page.content.decode()
    assert Job.objects.get().message


def test_bad_import_forms_are_400_not_500(world, empty_inspection, settings):
    client = world.client("office")
    assert client.post(reverse("documents:import"), {}).status_code == 400
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 10
    assert _upload(client, empty_inspection, b"x" * 20).status_code == 400
    assert client.post(reverse("documents:import_confirm", args=[999999])).status_code == 404
    assert client.get(reverse("documents:import_confirm", args=[1])).status_code == 405


def test_a_large_upload_runs_in_the_background_with_a_progress_bar(
    samples_org, sample_inspection, settings
):
    settings.DOCUMENTS_BACKGROUND_BYTES = 10
    # The dummy backend only records what is queued: the job waits for a worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    import documents.jobs as jobs

    client = samples_org.client("office")
    response = _upload(client, sample_inspection, samples.csv_ledger(), name="x.csv")
    job = Job.objects.get()
    queued = default_task_backend.results
    assert [r.args for r in queued] == [[job.pk]] and job.status == "pending"
    assert job.task_id == str(queued[0].id)
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page
    jobs.run_job(job.pk)  # what the worker does
    status = client.get(reverse("documents:job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"
    assert Job.objects.get().data["counts"]["measures_create"] == 3


def test_a_job_stuck_after_a_restart_is_shown_as_interrupted(world):
    import datetime as dt

    from django.utils import timezone

    job = Job.objects.create(kind="ledger_export", owner=world.user("office"), status="running")
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    page = world.client("office").get(reverse("documents:job", args=[job.pk])).content.decode()
    assert 'data-testid="job-failed"' in page


# --- feedback documents -----------------------------------------------------------------------


def test_feedback_is_split_at_the_level_under_the_themes(world, empty_inspection):
    roots = parse_feedback_text(FEEDBACK)
    assert [style for style, _example in levels(roots)] == ["cn_dun", "cn_paren"]
    assert default_level(roots) == "cn_paren"
    found = candidates(
        roots,
        level="cn_paren",
        notice=False,
        inspection=empty_inspection,
        user=world.user("office"),
    )
    assert [c.number for c in found] == ["一、（一）", "一、（二）", "二、（一）"]
    assert found[0].theme.name == "党的建设"
    assert found[2].theme.name == "党风廉政建设"
    assert found[1].text.startswith("基层党组织建设薄弱。一是组织生活会不规范")
    assert found[1].source.startswith("（二）基层党组织建设薄弱")


def test_the_feedback_flow_creates_the_ticked_findings(world, empty_inspection):
    client = world.client("office")
    parsed = client.post(
        reverse("documents:feedback"),
        {
            "inspection": empty_inspection.pk,
            "mode": "feedback",
            "text": FEEDBACK,
            "action": "parse",
        },
    )
    assert parsed.status_code == 200
    form = parsed.context["findings"]
    data: dict[str, Any] = {
        "inspection": empty_inspection.pk,
        "mode": "feedback",
        "text": FEEDBACK,
        "level": "cn_paren",
        "action": "confirm",
        "f-TOTAL_FORMS": len(form.forms),
        "f-INITIAL_FORMS": len(form.forms),
        "m-TOTAL_FORMS": 0,
        "m-INITIAL_FORMS": 0,
    }
    for index, f in enumerate(form.forms):
        for name in ("number", "text", "source", "theme"):
            value = f.initial.get(name)
            data[f"f-{index}-{name}"] = value if value is not None else ""
        if index != 1:
            data[f"f-{index}-include"] = "on"
    created = client.post(reverse("documents:feedback"), data)
    assert created.status_code == 302, created.content.decode()[:2000]
    findings = Finding.objects.filter(inspection=empty_inspection).order_by("sort_key")
    assert [f.number for f in findings] == ["一、（一）", "二、（一）"]
    assert findings[0].source_excerpt.startswith("（一）理论学习中心组")
    # The same numbers cannot be created twice.
    again = client.post(reverse("documents:feedback"), data)
    assert again.status_code == 400
    assert Finding.objects.filter(inspection=empty_inspection).count() == 2


def test_a_rectification_notice_offers_its_measures(world, empty_inspection):
    client = world.client("office")
    parsed = client.post(
        reverse("documents:feedback"),
        {"inspection": empty_inspection.pk, "mode": "notice", "text": NOTICE, "action": "parse"},
    )
    measures = parsed.context["measures"]
    assert [m.initial["number"] for m in measures.forms] == ["1", "2"]
    unit = world.unit("党委办公室")
    data: dict[str, Any] = {
        "inspection": empty_inspection.pk,
        "mode": "notice",
        "text": NOTICE,
        "action": "confirm",
        "f-TOTAL_FORMS": 1,
        "f-INITIAL_FORMS": 1,
        "f-0-include": "on",
        "f-0-number": "一、（一）",
        "f-0-text": "部分党支部组织生活会质量不高。",
        "f-0-source": "",
        "f-0-theme": world.finding().theme_id,
        "m-TOTAL_FORMS": 2,
        "m-INITIAL_FORMS": 2,
        "m-0-finding": 0,
        "m-0-include": "on",
        "m-0-number": "1",
        "m-0-content": "制定工作规程",
        "m-0-lead_unit": unit.pk,
        "m-0-deadline": "长期坚持",
        "m-1-finding": 0,
        "m-1-number": "2",
        "m-1-content": "开展督导",
        "m-1-lead_unit": "",
        "m-1-deadline": "",
    }
    response = client.post(reverse("documents:feedback"), data)
    assert response.status_code == 302
    (measure,) = Measure.objects.filter(finding__inspection=empty_inspection)
    assert measure.deadline_kind == "long_term" and measure.lead_unit == unit


def test_feedback_bad_input_is_answered_with_messages(world, empty_inspection):
    client = world.client("office")
    url = reverse("documents:feedback")
    bad_docx = SimpleUploadedFile("x.docx", b"PK\x03\x04 not really")
    response = client.post(
        url, {"inspection": empty_inspection.pk, "mode": "feedback", "file": bad_docx}
    )
    assert response.status_code == 400
    binary = SimpleUploadedFile("x.txt", bytes(range(256)) * 10)
    assert (
        client.post(
            url, {"inspection": empty_inspection.pk, "mode": "feedback", "file": binary}
        ).status_code
        == 400
    )
    assert (
        client.post(url, {"inspection": "x", "mode": "feedback", "text": "一、x"}).status_code
        == 400
    )
    broken = client.post(
        url,
        {
            "inspection": empty_inspection.pk,
            "mode": "feedback",
            "text": FEEDBACK,
            "action": "confirm",
            "f-TOTAL_FORMS": "x",
        },
    )
    assert broken.status_code in (200, 400)


# --- similar findings -----------------------------------------------------------------------------


def test_bigram_similarity_ranks_the_relapse_first():
    index = SimilarityIndex(
        [
            (1, "2021年巡察", "（一）", "党委理论学习中心组学习计划性不强，专题研讨不深入"),
            (2, "2021年巡察", "（二）", "财务报销审核把关不严，公务接待超标准"),
            (3, "2021年巡察", "（三）", "理论学习中心组学习流于形式"),
        ]
    )
    top = index.top("党委理论学习中心组学习计划性不强")
    assert [s.finding_id for s in top] == [1, 3]
    assert similarity("完全相同的文本", "完全相同的文本") == pytest.approx(1.0)
    assert similarity("", "文本") == 0


def test_the_finding_page_shows_similar_findings_of_earlier_rounds(world):
    import datetime as dt

    from ledger.models import Inspection
    from ledger.services import finding_save, inspection_save

    demo = world.finding()
    office = world.user("office")
    later = inspection_save(
        by=office,
        inspection=Inspection(
            organization=world.org,
            name="回头看巡察",
            feedback_date=demo.inspection.feedback_date + dt.timedelta(days=365),
            rectification_end=demo.inspection.feedback_date + dt.timedelta(days=455),
        ),
    )
    relapse = finding_save(
        by=office,
        finding=Finding(inspection=later, theme=demo.theme, number="（一）", text=demo.text),
    )
    html = (
        world.client("office")
        .get(reverse("ledger:finding_detail", args=[relapse.pk]))
        .content.decode()
    )
    assert 'data-testid="similar-findings"' in html
    assert reverse("ledger:finding_detail", args=[demo.pk]) in html
    # The earlier round does not list the later one.
    earlier = (
        world.client("office")
        .get(reverse("ledger:finding_detail", args=[demo.pk]))
        .content.decode()
    )
    assert reverse("ledger:finding_detail", args=[relapse.pk]) not in earlier


# --- commands -------------------------------------------------------------------------------------


def test_parse_feedback_prints_the_tree_as_json(tmp_path):
    source = tmp_path / "feedback.txt"
    source.write_text(FEEDBACK, encoding="utf-8")
    out = io.StringIO()
    call_command("parse_feedback", str(source), "--json", stdout=out)
    tree = json.loads(out.getvalue())
    assert [node["number"] for node in tree] == ["", "一、", "二、"]
    assert tree[1]["children"][0]["number"] == "（一）"
    assert set(tree[1]["children"][0]) == {"number", "title", "text", "children"}


def test_import_ledger_dry_run_prints_the_preview_and_writes_nothing(
    samples_org, sample_inspection, tmp_path
):
    source = tmp_path / "ledger.xlsx"
    source.write_bytes(samples.finding_first_row_only())
    out = io.StringIO()
    call_command(
        "import_ledger",
        str(source),
        "--inspection",
        str(sample_inspection.pk),
        "--dry-run",
        "--json",
        stdout=out,
    )
    preview = json.loads(out.getvalue())
    assert {"C4", "C7"} <= {p["address"] for p in preview["problems"]}
    assert preview["rows"][0]["action"] == "create"
    assert not Finding.objects.filter(inspection=sample_inspection).exists()

    source.write_bytes(samples.csv_ledger())
    out = io.StringIO()
    call_command(
        "import_ledger",
        str(source),
        "--inspection",
        str(sample_inspection.pk),
        "--json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["created_measures"] == 3


def test_import_ledger_refuses_what_it_cannot_do(world, empty_inspection, tmp_path):
    from django.core.management.base import CommandError

    source = tmp_path / "x.pdf"
    source.write_bytes(samples.pdf_file())
    with pytest.raises(CommandError):
        call_command("import_ledger", str(source), "--inspection", str(empty_inspection.pk))
    with pytest.raises(CommandError):
        call_command(
            "import_ledger",
            str(source),
            "--inspection",
            str(empty_inspection.pk),
            "--as",
            "branch1",
        )
