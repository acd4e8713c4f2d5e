"""Campaigns (专题活动) carried by meetings and rules, the campaign-limited meeting pack, and the
rule deliberated (审议) at a meeting held in the system."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from demo.ledger_demo import TAG_PARTY_HISTORY, TAG_WARNING
from demo.meetings_demo import LEADING_GROUP_TITLE
from demo.meetings_demo import TITLE as DEMO_MEETING
from ledger.models import Measure, Tag
from meetings.models import Meeting
from meetings.tests.helpers import joint_meeting
from regulations.models import Rule
from regulations.tests.matrix import _make
from tests.forms import post_form

pytestmark = pytest.mark.django_db


def _tag(world: Any, name: str) -> Tag:
    return Tag.objects.get(organization=world.org, name=name)


def _text(docx: bytes) -> str:
    document = Document(io.BytesIO(docx))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_meeting_called_through_its_form_carries_the_campaign_and_is_filtered_by_it(
    world: Any,
) -> None:
    client = world.client("office")
    path = reverse("meetings:create")
    form = post_form(client.get(path).content, path).values()
    campaign = _tag(world, TAG_WARNING)
    tf = world.user("taskforce1").person.task_forces.first()
    form |= {
        "title": "警示教育专题会",
        "place": "1205会议室",
        "task_forces": [str(tf.pk)],
        "tags": [str(campaign.pk)],
    }
    assert client.post(path, form).status_code == 302
    meeting = Meeting.objects.get(title="警示教育专题会")
    assert list(meeting.tags.all()) == [campaign]
    page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert 'data-testid="meeting-campaigns"' in page and campaign.name in page
    listed = client.get(reverse("meetings:list"), {"campaign": campaign.pk}).content.decode()
    assert "警示教育专题会" in listed and DEMO_MEETING not in listed
    other = client.get(
        reverse("meetings:list"), {"campaign": _tag(world, TAG_PARTY_HISTORY).pk}
    ).content.decode()
    assert "警示教育专题会" not in other and DEMO_MEETING in other


def test_the_pack_limited_to_a_campaign_counts_and_lists_only_its_measures(world: Any) -> None:
    meeting = joint_meeting(world)
    campaign = _tag(world, TAG_PARTY_HISTORY)
    branch1 = world.unit(world.BRANCH1)
    inside = Measure.objects.filter(
        lead_unit=branch1, tags=campaign, finding__inspection=meeting.inspection
    )
    outside = Measure.objects.filter(
        lead_unit=branch1, finding__inspection=meeting.inspection
    ).exclude(tags=campaign)
    assert inside.exists() and outside.exists(), "the demo's branch 1 has both kinds"
    client = world.client("office")
    docx = client.get(reverse("meetings:pack_docx", args=[meeting.pk]), {"campaign": campaign.pk})
    assert docx.status_code == 200
    text = _text(docx.content)
    assert campaign.name in text
    for m in inside:
        assert m.reference in text
    for m in outside:
        assert m.content[:200] not in text
    xlsx = client.get(reverse("meetings:pack_xlsx", args=[meeting.pk]), {"campaign": campaign.pk})
    book = load_workbook(io.BytesIO(xlsx.content))
    figures = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=5, values_only=True)}
    assert figures[branch1.name] == inside.count()
    rows = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert sorted(r[1] for r in rows if r[0] == branch1.name) == sorted(m.reference for m in inside)
    # "All" (the form's default) is the whole pack, unchanged.
    whole = client.get(reverse("meetings:pack_xlsx", args=[meeting.pk]), {"campaign": ""})
    assert len(load_workbook(io.BytesIO(whole.content)).worksheets) == 1
    # A campaign that is not one of the reader's is no campaign: 404, never the whole pack.
    assert (
        client.get(
            reverse("meetings:pack_docx", args=[meeting.pk]), {"campaign": "999999"}
        ).status_code
        == 404
    )


def test_a_rule_deliberated_at_a_meeting_links_it_both_ways(world: Any) -> None:
    meeting = joint_meeting(world, days=-1)
    rule = Rule.objects.get(pk=_make(world, "deliberating"))
    client = world.client("office")
    path = reverse("regulations:rule_deliberate", args=[rule.pk])
    form = post_form(client.get(path).content, path).values()
    form |= {"held_at": [str(meeting.pk)], "meeting": [""]}
    form["deliberated_on"] = [meeting.starts_at.date().isoformat()]
    assert client.post(path, form).status_code == 302
    rule.refresh_from_db()
    assert rule.deciding_meeting == meeting and rule.deliberation_meeting == meeting.title
    page = client.get(reverse("regulations:rule_detail", args=[rule.pk])).content.decode()
    assert reverse("meetings:detail", args=[meeting.pk]) in page
    shown = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert 'data-testid="deliberated-rules"' in shown and rule.title in shown
    # Branch 7 is consulted on the rule but does not attend the meeting: the name, no link.
    outsider = world.client("branch7")
    page = outsider.get(reverse("regulations:rule_detail", args=[rule.pk])).content.decode()
    assert meeting.title in page
    assert reverse("meetings:detail", args=[meeting.pk]) not in page


def test_neither_a_meeting_nor_a_text_is_no_deliberation(world: Any) -> None:
    rule = Rule.objects.get(pk=_make(world, "deliberating"))
    client = world.client("office")
    path = reverse("regulations:rule_deliberate", args=[rule.pk])
    form = post_form(client.get(path).content, path).values()
    form |= {"meeting": [""], "held_at": [""]}
    response = client.post(path, form)
    assert response.status_code == 400
    rule.refresh_from_db()
    assert rule.stage == "deliberating" and rule.deciding_meeting is None


def test_the_campaign_page_lists_the_demo_meeting_and_rules(world: Any) -> None:
    campaign = _tag(world, TAG_PARTY_HISTORY)
    page = world.client("office").get(reverse("ledger:campaign_detail", args=[campaign.pk]))
    html = page.content.decode()
    assert 'data-testid="campaign-meetings"' in html and DEMO_MEETING in html
    assert 'data-testid="campaign-rules"' in html
    for rule in Rule.objects.unscoped("test reads the demo").filter(tags=campaign):
        assert rule.title in html
    rules = Rule.objects.unscoped("test reads the demo").filter(
        deciding_meeting__title=LEADING_GROUP_TITLE
    )
    assert rules.count() == 2


def test_the_rule_form_and_the_register_filter_carry_campaigns(world: Any) -> None:
    client = world.client("office")
    campaign = _tag(world, TAG_WARNING)
    path = reverse("regulations:rule_create")
    form = post_form(client.get(path).content, path).values()
    form |= {
        "title": "警示教育常态化制度",
        "kind": ["system"],
        "lead_unit": [str(world.unit("党委办公室").pk)],
        "tags": [str(campaign.pk)],
    }
    assert client.post(path, form).status_code == 302
    rule = Rule.objects.unscoped("test").get(title="警示教育常态化制度")
    assert list(rule.tags.all()) == [campaign]
    page = client.get(reverse("regulations:rule_detail", args=[rule.pk])).content.decode()
    assert 'data-testid="rule-campaigns"' in page
    listed = client.get(reverse("regulations:rule_list"), {"campaign": campaign.pk})
    html = listed.content.decode()
    assert "警示教育常态化制度" in html and "巡视整改责任清单" not in html
