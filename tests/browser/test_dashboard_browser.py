"""The leaders' dashboard in Chromium: its charts draw without a script error, and the
measures-by-unit chart shows a readable number of units at a time, with a slider past it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

UNITS_CHART = """() => {
  const chart = window.echarts.getInstanceByDom(document.getElementById("chart-units"));
  const option = chart.getOption();
  return {units: option.xAxis[0].data.length, zooms: option.dataZoom.length,
          end: option.dataZoom.length ? option.dataZoom[0].endValue : null};
}"""


@pytest.mark.parametrize(("width", "shown"), [(1366, 20), (390, 8)])
def test_the_dashboard_charts_draw_and_page_through_many_units(
    session_factory: Any, width: int, shown: int
) -> None:
    s = session_factory(width=width)
    errors: list[str] = []
    s.page.on("pageerror", lambda error: errors.append(str(error)))
    page = s.login("leader")
    page.goto(reverse("dashboards:overview"))
    for chart in ("chart-lights", "chart-units", "chart-themes"):
        expect(page.locator(f"#{chart} canvas")).to_have_count(1)
    drawn = page.evaluate(UNITS_CHART)
    assert drawn["units"] > 0
    if drawn["units"] > shown:
        assert (drawn["zooms"], drawn["end"]) == (2, shown - 1)
    else:
        assert drawn["zooms"] == 0
    assert errors == []
    assert s.foreign_requests() == []
    s.screenshot(f"dashboard-leader-{width}")
