"""The six ways hostile input once broke the product, each driven through the rendered forms."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.hostile.formscan import form_on
from tests.hostile.payloads import PDF

HUGE = "9223372036854775808"
CJK = re.compile("[\u4e00-\u9fff]")


def _html(response: Any) -> str:
    return response.content.decode("utf-8", "replace")


def _errors(response: Any) -> str:
    html = _html(response)
    found = re.findall(
        r'class="[^"]*(?:invalid-feedback|alert-danger|alert-warning)[^"]*"[^>]*>(.*?)</div>',
        html,
        re.S,
    )
    return " ".join(re.sub(r"<[^>]+>", "", f).strip() for f in found)


def _follow_messages(client: Any, response: Any) -> str:
    assert response.status_code == 302, response.status_code
    return _errors(client.get(response["Location"]))


# 1. A stored value breaks other people's pages ---------------------------------------------


class TestStoredValuesDoNotBreakOthersPages:
    def test_a_due_date_in_year_9999_is_refused_on_the_measure_form(self, world: Any) -> None:
        m = world.scoped_measure()
        client = world.client("office")
        url = reverse("ledger:measure_edit", args=[m.pk])
        form = form_on(_html(client.get(url)), testid="measure-form")
        data = form.data() | {"due_date": "9999-12-31", "deadline_text": "", "deadline_kind": ""}
        response = client.post(url, data)
        assert response.status_code == 400
        assert "2000" in _errors(response) and "2100" in _errors(response)
        m.refresh_from_db()
        assert m.due_date.year != 9999

    def test_calendar_feeds_survive_a_stored_due_date_in_year_9999(self, world: Any) -> None:
        from ledger.models import Measure
        from notifications import services

        m = world.scoped_measure()
        Measure.objects.filter(pk=m.pk).update(due_date=dt.date(9999, 12, 31))
        for username in ("office", "liaison1", "branch1"):
            token = services.calendar_token_for(user=world.user(username))
            response = world.client(None).get(reverse("notifications:calendar_feed", args=[token]))
            assert response.status_code == 200, username
            assert b"9999" not in response.content

    def test_control_characters_typed_into_a_measure_are_dropped(self, world: Any) -> None:
        m = world.scoped_measure()
        client = world.client("office")
        url = reverse("ledger:measure_edit", args=[m.pk])
        form = form_on(_html(client.get(url)), testid="measure-form")
        response = client.post(url, form.data() | {"content": "整改\x1b[31m措施\x00\n第二行\t缩进"})
        assert response.status_code == 302, _errors(response)
        m.refresh_from_db()
        assert m.content == "整改[31m措施\n第二行\t缩进"

    def test_word_exports_survive_control_characters_already_stored(self, world: Any) -> None:
        from ledger.models import Finding, Measure, Tag
        from notifications.models import NotificationSettings
        from organization.models import Organization, Unit

        m = world.scoped_measure()
        inspection = m.finding.inspection
        esc = "\x1b\x07\x0b"
        Measure.objects.filter(pk=m.pk).update(content=f"措施{esc}内容")
        Finding.objects.filter(pk=m.finding_id).update(text=f"问题{esc}")
        Unit.objects.filter(pk=m.lead_unit_id).update(name=f"航空运输系{esc}党支部")
        Organization.objects.filter(pk=world.org.pk).update(short_name=f"学院{esc}")
        tag = Tag.objects.create(organization=world.org, name=f"标签{esc}")
        m.tags.add(tag)
        NotificationSettings.objects.filter(organization=world.org).update(notice_prefix=f"督{esc}")
        client = world.client("office")
        for name, args in [
            ("documents:task_division", [inspection.pk]),
            ("documents:responsibility_list", [inspection.pk]),
            ("documents:progress_report", [inspection.pk]),
            ("documents:unit_report", [inspection.pk, m.lead_unit_id]),
            ("documents:supervision_notice", [m.pk]),
            ("documents:ledger_export", []),
        ]:
            response = client.get(reverse(name, args=args))
            assert response.status_code < 500, (name, response.status_code)


# 2. 500 on out-of-range numbers and dates ---------------------------------------------------


class TestOutOfRangeNumbersAndDates:
    def test_a_huge_id_in_the_bulk_form_is_a_message(self, world: Any) -> None:
        client = world.client("office")
        form = form_on(_html(client.get(reverse("ledger:ledger"))), action="/bulk/")
        response = client.post(form.action, form.data() | {"ids": HUGE, "action": "flag"})
        assert CJK.search(_follow_messages(client, response))

    def test_a_huge_id_in_the_urge_form_is_refused(self, world: Any) -> None:
        from notifications.models import Urge

        client = world.client("office")
        m = world.scoped_measure()
        page = _html(client.get(reverse("ledger:measure_detail", args=[m.pk])))
        form = form_on(page, testid="urge-form")
        before = Urge.objects.count()
        response = client.post(form.action, form.data() | {"ids": HUGE, "message": "请尽快"})
        assert response.status_code == 302
        assert Urge.objects.count() == before

    def test_a_huge_id_in_delivery_retry_is_ignored(self, world: Any) -> None:
        client = world.client("admin")
        response = client.post(reverse("notifications:delivery_retry"), {"ids": HUGE})
        assert response.status_code == 302

    @pytest.mark.parametrize("field", ["co_units", "responsible_persons", "tags"])
    def test_a_huge_id_in_a_measure_choice_is_a_message(self, world: Any, field: str) -> None:
        m = world.scoped_measure()
        client = world.client("office")
        url = reverse("ledger:measure_edit", args=[m.pk])
        form = form_on(_html(client.get(url)), testid="measure-form")
        response = client.post(url, form.data() | {field: [HUGE]})
        assert response.status_code == 400
        assert CJK.search(_errors(response))

    def test_a_huge_id_for_a_responsible_leader_is_a_message(self, world: Any) -> None:
        f = world.finding()
        client = world.client("office")
        url = reverse("ledger:finding_edit", args=[f.pk])
        form = form_on(_html(client.get(url)), has="responsible_leaders")
        response = client.post(url, form.data() | {"responsible_leaders": [HUGE]})
        assert response.status_code == 400
        assert CJK.search(_errors(response))

    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
    def test_an_impossible_day_on_the_unit_report_is_a_message(self, world: Any, day: str) -> None:
        m = world.scoped_measure()
        url = reverse("documents:unit_report", args=[m.finding.inspection_id, m.lead_unit_id])
        response = world.client("office").get(url, {"day": day})
        assert response.status_code == 400
        assert CJK.search(_html(response))

    def test_a_feedback_date_in_year_9999_is_a_message(self, world: Any) -> None:
        from ledger.models import Inspection

        client = world.client("office")
        url = reverse("ledger:inspection_create")
        form = form_on(_html(client.get(url)), has="feedback_date")
        before = Inspection.objects.count()
        data = form.data() | {"name": "二〇二六年巡察", "feedback_date": "9999-12-31"}
        response = client.post(url, data)
        assert response.status_code == 400
        assert "2100" in _errors(response)
        assert Inspection.objects.count() == before

    def test_deleting_every_ladder_step_is_a_message(self, world: Any) -> None:
        client = world.client("office")
        url = reverse("notifications:settings")
        form = form_on(_html(client.get(url)), testid="settings-form")
        data = form.data()
        total = int(data["step-TOTAL_FORMS"])
        for i in range(total):
            data[f"step-{i}-DELETE"] = "on"
        response = client.post(url, data)
        assert response.status_code == 400
        assert CJK.search(_errors(response))


# 3. Stored twice ------------------------------------------------------------------------------


class TestStoredOnce:
    def test_the_same_progress_report_posted_twice_is_stored_once(self, world: Any) -> None:
        from reporting.models import Evidence, ProgressReport

        m = world.new_measure()
        client = world.client("branch1")
        url = reverse("reporting:report_create", args=[m.pk])
        form = form_on(_html(client.get(url)), testid="report-form")
        data = form.data() | {"work_done": "已完成制度修订", "progress": "50"}

        def send() -> Any:
            upload = SimpleUploadedFile("会议纪要.pdf", PDF, content_type="application/pdf")
            return client.post(url, data | {"files": upload})

        first, second = send(), send()
        assert first.status_code == 302 and second.status_code == 302
        assert second["Location"] == first["Location"]
        assert ProgressReport.objects.filter(measure=m).count() == 1
        assert Evidence.objects.filter(measure=m).count() == 1

    def test_the_same_urge_sent_twice_is_stored_once(self, world: Any) -> None:
        from notifications.models import Urge

        m = world.scoped_measure()
        client = world.client("office")
        page = _html(client.get(reverse("ledger:measure_detail", args=[m.pk])))
        form = form_on(page, testid="urge-form")
        data = form.data() | {"message": "请于本周内报送进展"}
        before = Urge.objects.count()
        client.post(form.action, data)
        client.post(form.action, data)
        assert Urge.objects.count() == before + 1


# 4. Stored half ------------------------------------------------------------------------------


class TestRefusedActionsWriteNothing:
    def test_a_measure_save_that_lost_the_version_race_creates_no_tag(self, world: Any) -> None:
        from core.models import AuditEvent
        from ledger.models import Measure, Tag

        m = world.scoped_measure()
        client = world.client("office")
        url = reverse("ledger:measure_edit", args=[m.pk])
        form = form_on(_html(client.get(url)), testid="measure-form")
        Measure.objects.filter(pk=m.pk).update(version=m.version + 1)  # someone else saved
        events = AuditEvent.objects.count()
        response = client.post(url, form.data() | {"new_tags": "党史学习教育专题"})
        assert response.status_code == 400
        assert not Tag.objects.filter(name="党史学习教育专题").exists()
        assert AuditEvent.objects.count() == events

    def test_a_bulk_add_tag_with_no_valid_measure_creates_no_tag(self, world: Any) -> None:
        from ledger.models import Tag

        client = world.client("office")
        form = form_on(_html(client.get(reverse("ledger:ledger"))), action="/bulk/")
        data = form.data() | {"ids": "999999999", "action": "add_tag", "tag": "警示教育专项"}
        response = client.post(form.action, data)
        assert CJK.search(_follow_messages(client, response))
        assert not Tag.objects.filter(name="警示教育专项").exists()


# 5. Bare error pages ---------------------------------------------------------------------------


class TestLongFileNames:
    def _evidence_form(self, world: Any) -> tuple[Any, str, dict[str, Any]]:
        m = world.scoped_measure()
        client = world.client("branch1")
        url = reverse("reporting:evidence_upload", args=[m.pk])
        form = form_on(_html(client.get(url)), testid="evidence-form")
        return client, url, form.data()

    def test_a_thousand_character_file_name_is_a_message_on_the_form(self, world: Any) -> None:
        client, url, data = self._evidence_form(world)
        # A browser sends the name as it is; Django's own upload objects would shorten it.
        upload = io.BytesIO(PDF)
        upload.name = "佐" * 1000 + ".pdf"
        response = client.post(url, data | {"files": upload}, HTTP_REFERER=f"http://127.0.0.1{url}")
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "文件名" in _errors(page)

    def test_a_long_file_name_is_shortened_keeping_its_extension(self, world: Any) -> None:
        from reporting.models import Evidence

        client, url, data = self._evidence_form(world)
        upload = SimpleUploadedFile("整改" * 120 + ".pdf", PDF, content_type="application/pdf")
        response = client.post(url, data | {"files": upload})
        assert response.status_code == 302
        stored = Evidence.objects.order_by("-id").first()
        assert stored.original_name.endswith(".pdf")
        assert len(stored.original_name) <= 100


# 6. Unsafe-looking uploads ---------------------------------------------------------------------


class TestUnsafeUploads:
    @pytest.mark.parametrize(
        "name,content",
        [
            ("page.html", b"<html><body><script>alert(1)</script></body></html>"),
            ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
            ("notes.txt", b"<!DOCTYPE html><html><script>alert(1)</script>"),
        ],
    )
    def test_markup_is_refused_as_evidence(self, world: Any, name: str, content: bytes) -> None:
        from reporting.models import Evidence

        m = world.scoped_measure()
        client = world.client("branch1")
        url = reverse("reporting:evidence_upload", args=[m.pk])
        form = form_on(_html(client.get(url)), testid="evidence-form")
        before = Evidence.objects.count()
        upload = SimpleUploadedFile(name, content, content_type="text/html")
        response = client.post(url, form.data() | {"files": upload})
        assert response.status_code == 400
        assert "SVG" in _errors(response)
        assert Evidence.objects.count() == before

    def test_a_stored_file_claiming_to_be_a_pdf_is_downloaded_not_shown(self, world: Any) -> None:
        from reporting.models import Evidence
        from reporting.services import evidence_add_text

        m = world.scoped_measure()
        ev = evidence_add_text(
            by=world.user("branch1"), measure=m, name="x.txt", content="只是一段说明文字"
        )
        Evidence.objects.filter(pk=ev.pk).update(kind="pdf", content_type="application/pdf")
        url = reverse("reporting:evidence_download", args=[ev.pk])
        response = world.client("branch1").get(url, {"inline": "1"})
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_a_real_pdf_is_shown_inline(self, world: Any) -> None:
        from reporting.services import evidence_add
        from reporting.services.evidence import Upload

        m = world.scoped_measure()
        f = SimpleUploadedFile("会议纪要.pdf", PDF, content_type="application/pdf")
        (ev,) = evidence_add(by=world.user("branch1"), measure=m, uploads=[Upload(file=f)])
        url = reverse("reporting:evidence_download", args=[ev.pk])
        response = world.client("branch1").get(url, {"inline": "1"})
        assert response["Content-Disposition"].startswith("inline")
