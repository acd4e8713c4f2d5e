"""Recurring work and campaigns in a real browser: the office applies a template through its
rendered form and reads the roll-up; a branch secretary on a phone sees its measure with the
evidence checklist; the office filters the ledger by campaign through the rendered filter form."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.ledger_page import LEDGER, listed, table_reload

pytestmark = pytest.mark.browser

BRANCH1 = "航空运输系党支部"


@pytest.fixture(autouse=True)
def no_lockouts(transactional_db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def test_the_office_applies_a_template_and_reads_the_roll_up(session_factory: Any) -> None:
    from demo.recurring_demo import LIFE_MEETING, STANDARDIZATION
    from recurring.models import RecurringTemplate, TemplateRun

    check = RecurringTemplate.objects.get(title=STANDARDIZATION)
    s = session_factory()
    page = s.login("office")
    page.goto(reverse("recurring:template_list"))
    expect(page.locator("[data-testid=template-table]")).to_contain_text(STANDARDIZATION)
    s.screenshot("recurring-templates-office")
    page.get_by_role("link", name=STANDARDIZATION).click()
    form = page.locator("[data-testid=apply-form]")
    # The year is filled in for the work falling due next; the due date left to the template.
    year = form.locator("#id_year").input_value()
    assert year and form.locator("#id_due_date").input_value() == ""
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    run = TemplateRun.objects.get(template=check)
    assert run.year == int(year)
    assert urlparse(page.url).path == reverse("recurring:run_detail", args=[run.pk])
    expect(page.locator("[data-testid=count-total]")).to_have_text("7")
    expect(page.locator("[data-testid=count-done]")).to_have_text("0")
    expect(page.locator("[data-testid=count-open]")).to_have_text("7")
    expect(page.locator("[data-testid=rollup-table] tbody tr")).to_have_count(7)
    s.screenshot("recurring-run-applied-office")

    # Applying the same year again through the same form creates nothing new.
    page.goto(reverse("recurring:template_detail", args=[check.pk]))
    page.locator("[data-testid=apply-form] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-danger, .alert-error").first).to_contain_text(year)
    assert TemplateRun.objects.filter(template=check).count() == 1
    s.screenshot("recurring-apply-again-office")

    # The demo's 组织生活会 run: two branches closed out, five still at work.
    life = TemplateRun.objects.get(template__title=LIFE_MEETING)
    page.goto(reverse("recurring:run_detail", args=[life.pk]))
    expect(page.locator("[data-testid=count-total]")).to_have_text("7")
    expect(page.locator("[data-testid=count-done]")).to_have_text("2")
    expect(page.locator("[data-testid=count-open]")).to_have_text("5")
    s.screenshot("recurring-run-life-meeting-office")


def test_a_branch_on_a_phone_sees_its_measure_with_the_checklist(session_factory: Any) -> None:
    from demo.recurring_demo import LIFE_MEETING
    from recurring.models import TemplateRun

    run = TemplateRun.objects.get(template__title=LIFE_MEETING)
    mine = run.group.measures.get(lead_unit__name=BRANCH1)
    s = session_factory(width=390, height=844)
    page = s.login("branch1")
    page.goto(LEDGER)
    link = page.locator(f"a[href='{reverse('ledger:measure_detail', args=[mine.pk])}']").first
    link.click()
    page.wait_for_load_state("networkidle")
    card = page.locator("[data-testid=recurring-checklist]")
    expect(card).to_be_visible()
    for item in ("会议记录", "对照检查材料", "民主评议结果"):
        expect(card).to_contain_text(item)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the measure page scrolls sideways on a phone: {width}px"
    s.screenshot("recurring-measure-branch-phone")
    assert page.goto(reverse("recurring:template_list")).status == 403


def test_the_office_filters_the_ledger_by_campaign(session_factory: Any) -> None:
    from demo.ledger_demo import TAG_WARNING
    from ledger.models import Measure, Tag

    tag = Tag.objects.get(name=TAG_WARNING)
    tagged = set(Measure.objects.filter(tags=tag).values_list("id", flat=True))
    assert tagged
    s = session_factory()
    page = s.login("office")
    page.goto(LEDGER)
    page.get_by_role("button", name="更多筛选").click()
    with table_reload(page):
        page.select_option("[data-testid=filter-tag]", str(tag.pk))
    expect(page.locator("#ledger-table tr[data-measure]")).to_have_count(len(tagged))
    assert listed(page) == tagged
    assert parse_qs(urlparse(page.url).query)["tag"] == [str(tag.pk)]
    s.screenshot("ledger-filtered-by-campaign-office")

    page.goto(reverse("ledger:campaign_detail", args=[tag.pk]))
    expect(page.locator("[data-testid=campaign-counts]")).to_contain_text(str(len(tagged)))
    s.screenshot("campaign-detail-office")
    page.goto(reverse("dashboards:overview"))
    expect(page.locator("table[data-testid=campaign-counts]")).to_contain_text(TAG_WARNING)
    s.screenshot("dashboard-campaigns-office")
