"""Campaigns (专题活动): a tag with a period and a description, its page and counts, the ledger
filter, the dashboard table and the progress report limited to one campaign."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.urls import reverse

from demo.ledger_demo import TAG_PARTY_HISTORY, TAG_WARNING
from ledger.choices import DONE_STATES
from ledger.models import Measure, Tag


def campaign(world: Any, name: str = TAG_PARTY_HISTORY) -> Tag:
    return Tag.objects.get(organization=world.org, name=name)


def test_the_demo_campaigns_have_a_period_and_a_description(world: Any) -> None:
    for name in (TAG_PARTY_HISTORY, TAG_WARNING):
        tag = campaign(world, name)
        assert tag.start_date and tag.end_date and tag.start_date < tag.end_date
        assert tag.description
    assert "以案为鉴知敬畏 不忘初心守底线" in campaign(world, TAG_WARNING).description


def test_the_campaign_page_counts_its_measures(world: Any) -> None:
    tag = campaign(world)
    tagged = Measure.objects.filter(tags=tag)
    done = tagged.filter(state__in=DONE_STATES).count()
    page = world.client("office").get(reverse("ledger:campaign_detail", args=[tag.pk]))
    assert page.status_code == 200
    counts = page.context["counts"]
    assert (counts.total, counts.done, counts.open) == (
        tagged.count(),
        done,
        tagged.count() - done,
    )
    assert counts.total >= 7 + 3  # the branches' recurring work and the demo's own measures


def test_a_branch_counts_only_the_campaign_measures_it_may_see(world: Any) -> None:
    tag = campaign(world)
    page = world.client("branch7").get(reverse("ledger:campaign_detail", args=[tag.pk]))
    shown = [m for m, _late in page.context["rows"]]
    assert shown and all(
        m.lead_unit.name == world.BRANCH7 or m.units.filter(name=world.BRANCH7).exists()
        for m in shown
    )
    assert page.context["counts"].total == len(shown)


def test_the_ledger_filtered_by_campaign_shows_only_its_measures(world: Any) -> None:
    tag = campaign(world, TAG_WARNING)
    page = world.client("office").get(
        reverse("ledger:ledger"), {"tag": str(tag.pk), "state": "", "per_page": "200"}
    )
    assert page.status_code == 200
    ids = {row["m"].pk for row in page.context["rows"]}
    assert ids == set(Measure.objects.filter(tags=tag).values_list("pk", flat=True))


def test_the_dashboard_counts_per_campaign(world: Any) -> None:
    page = world.client("leader").get(reverse("dashboards:overview"))
    rows = {r["campaign"].name: r["counts"] for r in page.context["campaigns"]}
    inspection = world.inspection()
    tagged = Measure.objects.filter(tags=campaign(world), finding__inspection=inspection)
    assert rows[TAG_PARTY_HISTORY].total == tagged.count()
    assert rows[TAG_PARTY_HISTORY].done == tagged.filter(state__in=DONE_STATES).count()
    assert 'data-testid="campaign-counts"' in page.content.decode()


def _docx_text(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return z.read("word/document.xml").decode()


def test_the_progress_report_can_be_limited_to_one_campaign(world: Any) -> None:
    tag = campaign(world, TAG_WARNING)
    url = reverse("documents:progress_report", args=[world.inspection().pk])
    client = world.client("office")
    whole = _docx_text(client.get(url))
    limited = client.get(url, {"campaign": str(tag.pk)})
    assert limited.status_code == 200
    text = _docx_text(limited)
    assert f"（{TAG_WARNING}相关事项）" in text and TAG_WARNING not in whole.split("</w:p>")[0]
    assert client.get(url, {"campaign": "x"}).status_code == 404
    assert client.get(url, {"campaign": ""}).status_code == 200


def test_a_campaign_cannot_end_before_it_starts(world: Any) -> None:
    client = world.client("office")
    count = Tag.objects.count()
    page = client.post(
        reverse("ledger:campaign_create"),
        {"name": "主题教育", "start_date": "2023-05-01", "end_date": "2023-04-01"},
    )
    assert page.status_code == 400 and Tag.objects.count() == count


def test_a_second_campaign_of_the_same_name_is_refused_in_words(world: Any) -> None:
    client = world.client("office")
    count = Tag.objects.count()
    page = client.post(reverse("ledger:campaign_create"), {"name": TAG_PARTY_HISTORY})
    assert page.status_code == 400 and Tag.objects.count() == count
    text = page.content.decode()
    assert "已有同名的专题活动或标签" in text and "Organization" not in text


def test_only_the_office_manages_campaigns(world: Any) -> None:
    tag = campaign(world)
    for username in ("leader", "taskforce1", "branch1"):
        page = world.client(username).post(
            reverse("ledger:campaign_edit", args=[tag.pk]), {"name": "改名", "description": "x"}
        )
        assert page.status_code == 403
    assert campaign(world).name == TAG_PARTY_HISTORY
