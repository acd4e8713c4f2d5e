"""The phrases ledgers use for a group of units (各党支部) are the organization's data: seeded
with defaults, edited on the settings page, read back by the ledger import."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organization.choices import UnitKind, default_unit_group_phrases
from organization.forms import group_phrases_as_text, group_phrases_from_text
from organization.models import Organization
from tests.rendered_forms import form_values, rendered_form

pytestmark = pytest.mark.django_db


def test_a_new_organization_starts_with_the_common_phrases():
    org = Organization.objects.create(name="新学院")
    phrases = {e["phrase"]: e["kinds"] for e in org.unit_group_phrases}
    assert phrases["各党支部"] == [UnitKind.BRANCH]
    assert phrases["各职能部门"] == [UnitKind.DEPARTMENT]
    assert set(phrases["全院各单位"]) == set(UnitKind.values)


def test_the_text_form_round_trips():
    entries = default_unit_group_phrases()
    assert group_phrases_from_text(group_phrases_as_text(entries)) == entries
    assert group_phrases_from_text("各教研室 = 其他单位 | 教研室") == [
        {"phrase": "各教研室", "kinds": [UnitKind.OTHER], "name_contains": ["教研室"]}
    ]


def test_the_office_edits_the_phrases_on_the_settings_page(world):
    client = world.client("office")
    page = client.get(reverse("organization:settings")).content
    values = dict(form_values(rendered_form(page, "organization-settings")))
    assert "各党支部 = 党支部" in values["group_phrases"]
    values["group_phrases"] = "各党支部 = 党支部\n各教研室 = 其他单位 | 教研室"
    response = client.post(reverse("organization:settings"), values)
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert [e["phrase"] for e in world.org.unit_group_phrases] == ["各党支部", "各教研室"]

    values["group_phrases"] = "各党支部 = 支部们"
    refused = client.post(reverse("organization:settings"), values)
    assert refused.status_code == 400
    assert "支部们" in refused.content.decode()
    world.org.refresh_from_db()
    assert len(world.org.unit_group_phrases) == 2
