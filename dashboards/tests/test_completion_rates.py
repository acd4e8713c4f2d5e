"""问题完成率 and 措施完成率: each computed in one place, named with its base wherever shown,
and the same figures on the home page, the dashboard and the public notice."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import reverse
from docx import Document

from ledger.choices import MeasureState
from ledger.models import Finding, Measure
from ledger.selectors import completion

NUMBERS = re.compile(
    r"截至(\d+)年(\d+)月(\d+)日，巡视反馈问题(\d+)个，已完成整改(\d+)个，正在整改(\d+)个，"
    r"整改完成率([\d.]+)%；?。?细化整改措施(\d+)条，已完成(\d+)条，正在推进(\d+)条，措施完成率([\d.]+)%"
)


def shown(body: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}">([^<]*)<', body)
    assert found, name
    return found.group(1).strip()


def headline_figures(text: str) -> tuple[str, ...]:
    found = NUMBERS.search(re.sub(r"\s+", "", text))
    assert found, text
    return found.groups()[3:]


def test_a_finding_counts_as_rectified_only_when_all_its_measures_are_done(world: Any) -> None:
    finding = world.finding()
    world.new_measure()  # one more open measure under the finding
    measures = Measure.objects.unscoped("test: the finding's measures").filter(finding=finding)
    rates = completion(
        findings=Finding.objects.unscoped("test").filter(pk=finding.pk), measures=measures
    )
    assert rates.findings == 1
    assert rates.findings_done == 0
    assert rates.measures == measures.count()
    done = measures.filter(state__in=[MeasureState.CLOSED, MeasureState.STAGE_DONE]).count()
    assert rates.measures_done == done
    assert rates.findings_rate == "0"


@pytest.mark.parametrize("who", ["office", "leader"])
def test_the_home_page_dashboard_and_public_notice_give_the_same_rates(
    world: Any, who: str
) -> None:
    client = world.client(who)
    home = client.get(reverse("home")).content.decode()
    dashboard = client.get(reverse("dashboards:overview")).content.decode()

    assert shown(home, "findings-rate") == shown(dashboard, "findings-rate")
    assert shown(home, "measures-rate") == shown(dashboard, "measures-rate")
    # Each rate is named with its base where it is shown.
    for body in (home, dashboard):
        assert "问题完成率" in body
        assert "措施完成率" in body

    headline = re.sub(r"<[^>]+>", "", dashboard.split('data-testid="headline"', 1)[1])
    figures = headline_figures(headline.split("</div>", 1)[0])
    assert figures[3] + "%" == shown(dashboard, "findings-rate")
    assert figures[7] + "%" == shown(dashboard, "measures-rate")

    if who == "office":
        notice = client.get(
            reverse("documents:progress_report", args=[world.inspection().pk]),
            {"kind": "notice"},
        )
        text = "".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
        assert headline_figures(text) == figures


def test_the_theme_bars_show_the_measure_completion_rate_of_each_theme(world: Any) -> None:
    response = world.client("office").get(reverse("dashboards:overview"))
    chart = response.context["chart"]
    body = response.content.decode()
    assert "各方面措施完成率" in body
    assert 'data-rate="措施完成率"' in body
    for row in chart["themes"]:
        measures = Measure.objects.unscoped("test: the theme's measures").filter(
            finding__theme__name=row["name"], finding__inspection=world.inspection()
        )
        rates = completion(findings=Finding.objects.none(), measures=measures)
        assert row["rate"] == float(rates.measures_rate)
