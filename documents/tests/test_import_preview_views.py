"""The web preview of an import shows what --json shows; the person narrows a group phrase,
matches a name to a person, chooses a theme and imports the rows without errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Job
from documents.tests import ledger_corpus as corpus
from ledger.models import Measure, MeasureGroup
from organization.models import Theme

pytestmark = pytest.mark.django_db


def _upload(client: Any, inspection: Any, build: Any) -> Job:
    name, data = build()
    response = client.post(
        reverse("documents:import"),
        {"inspection": inspection.pk, "file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 302
    return Job.objects.filter(kind="import_preview").latest("id")


def test_the_preview_page_shows_counts_what_was_read_and_every_problem(
    corpus_org,
    sample_inspection,
):
    client = corpus_org.client("office")
    job = _upload(client, sample_inspection, corpus.every_error_at_once)
    html = client.get(reverse("documents:job", args=[job.pk])).content.decode()
    counts = job.data["counts"]
    assert (counts["rows"], counts["rows_with_errors"], counts["errors"]) == (3, 2, 5)
    assert 'data-testid="import-counts"' in html
    # Row 2 shows what was read next to its three errors, each with its cell.
    for text in ("采购中心", "审计室", "2023-12-31", "D2:", "E2:", "F2:", "D4:", "F4:"):
        assert text in html, text
    assert 'data-testid="import-partly"' in html and 'data-testid="import-again"' in html
    assert 'data-testid="import-confirm"' not in html


def test_the_rows_without_errors_are_imported_on_request(
    corpus_org,
    sample_inspection,
):
    client = corpus_org.client("office")
    job = _upload(client, sample_inspection, corpus.every_error_at_once)
    refused = client.post(
        reverse("documents:import_confirm", args=[job.pk]), {"digest": job.data["digest"]}
    )
    assert refused.status_code == 302
    assert not Measure.objects.filter(finding__inspection=sample_inspection).exists()
    done = client.post(
        reverse("documents:import_confirm", args=[job.pk]),
        {"digest": job.data["digest"], "skip_errors": "1"},
    )
    page = client.get(done["Location"]).content.decode()
    assert 'data-testid="import-done"' in page
    applied = Job.objects.filter(kind="import_apply").latest("id")
    assert applied.data["skipped_rows"] == 2 and applied.message in page
    assert list(
        Measure.objects.filter(finding__inspection=sample_inspection).values_list(
            "content", flat=True
        )
    ) == ["开展专项检查"]


def test_a_group_is_narrowed_and_a_name_matched_then_imported(
    corpus_org,
    sample_inspection,
):
    client = corpus_org.client("office")
    job = _upload(client, sample_inspection, corpus.wechat_two_row_header)
    html = client.get(reverse("documents:job", args=[job.pk])).content.decode()
    assert "各党支部 → 7" in html and 'data-testid="match-person"' in html
    expansion = job.data["rows"][1]["expansions"][0]
    kept = [o["id"] for o in expansion["offered"][:2]]
    liu = job.data["rows"][0]["unmatched"][1]
    assert liu["name"] == "刘某"
    chosen = client.post(
        reverse("documents:import_choose", args=[job.pk]),
        {
            "narrow_key": expansion["key"],
            f"narrow:{expansion['key']}": [str(i) for i in kept],
            "people:刘某": str(liu["candidates"][0]["id"]),
            "people:王某某": "",
        },
    )
    assert chosen.status_code == 302
    second = Job.objects.filter(kind="import_preview").latest("id")
    assert second.pk != job.pk
    assert second.data["rows"][1]["group_units"] == [o["name"] for o in expansion["offered"][:2]]
    assert second.data["rows"][0]["read"]["persons_matched"] == ["刘洋"]
    assert second.data["counts"]["measures_create"] == 4
    done = client.post(
        reverse("documents:import_confirm", args=[second.pk]), {"digest": second.data["digest"]}
    )
    assert 'data-testid="import-done"' in client.get(done["Location"]).content.decode()
    group = MeasureGroup.objects.get(finding__inspection=sample_inspection)
    assert sorted(group.measures.values_list("lead_unit_id", flat=True)) == sorted(kept)
    first = Measure.objects.get(finding__inspection=sample_inspection, number="1")
    assert [p.name for p in first.responsible_persons.all()] == ["刘洋"]
    assert first.responsible_leader_text == "王某某"


def test_an_ambiguous_theme_is_chosen_in_the_preview(
    corpus_org,
    sample_inspection,
):
    client = corpus_org.client("office")
    job = _upload(client, sample_inspection, corpus.ambiguous_theme)
    html = client.get(reverse("documents:job", args=[job.pk])).content.decode()
    assert 'data-testid="theme-choice"' in html
    choice = job.data["findings"][0]["choices"][0]
    # Previewing again without choosing keeps the question open: nothing is guessed.
    client.post(reverse("documents:import_choose", args=[job.pk]), {f"themes:{choice['key']}": ""})
    assert Job.objects.filter(kind="import_preview").latest("id").data["counts"]["errors"] == 1
    theme = Theme.objects.get(organization=corpus_org.org, name="党的建设")
    client.post(
        reverse("documents:import_choose", args=[job.pk]),
        {f"themes:{choice['key']}": str(theme.pk)},
    )
    latest = Job.objects.filter(kind="import_preview").latest("id")
    assert latest.data["can_apply"] and latest.data["findings"][0]["theme"] == "党的建设"


def test_choosing_on_someone_elses_preview_is_404(
    corpus_org,
    sample_inspection,
):
    job = _upload(corpus_org.client("office"), sample_inspection, corpus.ambiguous_theme)
    response = corpus_org.client("admin").post(
        reverse("documents:import_choose", args=[job.pk]), {}
    )
    assert response.status_code == 404
