"""Urging (催办) and answering, and supervision notices (督办通知)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from ledger.models import Measure
from notifications.choices import Kind
from notifications.models import Notification, SupervisionNotice, Urge
from notifications.selectors import supervision_notice_data
from notifications.services import notice_issue, notice_reply, urge_answer, urge_create
from notifications.tests.conftest import make_measure

pytestmark = pytest.mark.usefixtures("quiet_history", "english")


def events(measure: Any, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="ledger.measure", object_id=measure.pk, action=action)
    )


class TestUrging:
    def test_the_office_urges_and_the_unit_hears_of_it(self, world: Any, cast: Any) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=30))
        (urge,) = urge_create(
            by=world.user("office"), measure_ids=[measure.pk], message="Report by Friday."
        )
        measure.refresh_from_db()
        assert measure.urge_count == 1
        (event,) = events(measure, "urge")
        assert event.message == "Report by Friday."
        assert event.actor_id == world.user("office").pk
        notes = Notification.objects.filter(key=f"urge:{urge.pk}")
        assert {n.recipient_id for n in notes} == cast.users("staff1", "branch1", "head1")
        assert all(n.kind == Kind.URGE for n in notes)

    def test_urges_count_up_with_every_urge(self, world: Any) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=30))
        for _ in range(3):
            urge_create(by=world.user("liaison1"), measure_ids=[measure.pk], message="Again.")
        measure.refresh_from_db()
        assert measure.urge_count == 3
        assert len(events(measure, "urge")) == 3

    def test_a_selection_is_urged_all_or_nothing(self, world: Any) -> None:
        due = timezone.localdate() + dt.timedelta(days=30)
        first = make_measure(world, due=due, content="Selection one")
        second = make_measure(world, due=due, content="Selection two")
        urges = urge_create(
            by=world.user("office"), measure_ids=[first.pk, second.pk], message="Both, please."
        )
        assert len(urges) == 2
        closed = Measure.objects.filter(state="closed").first()
        assert closed is not None
        with pytest.raises(ValidationError):
            urge_create(
                by=world.user("office"), measure_ids=[first.pk, closed.pk], message="Again."
            )
        first.refresh_from_db()
        assert first.urge_count == 1

    def test_a_liaison_group_urges_only_its_own_grid(self, world: Any) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=30))
        with pytest.raises(ValidationError, match="not in your scope"):
            urge_create(by=world.user("liaison7"), measure_ids=[measure.pk], message="Hurry.")

    @pytest.mark.parametrize("username", ["branch1", "staff1", "taskforce1", "leader"])
    def test_others_may_not_urge(self, world: Any, username: str) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=30))
        with pytest.raises(PermissionDenied):
            urge_create(by=world.user(username), measure_ids=[measure.pk], message="Hurry.")

    def test_an_empty_message_is_refused(self, world: Any) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=30))
        with pytest.raises(ValidationError):
            urge_create(by=world.user("office"), measure_ids=[measure.pk], message="   ")

    def test_the_unit_answers_once_and_the_urger_is_told(self, world: Any) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=30))
        (urge,) = urge_create(by=world.user("liaison1"), measure_ids=[measure.pk], message="When?")
        urge_answer(by=world.user("staff1"), urge_id=urge.pk, answer="Next Monday.")
        urge.refresh_from_db()
        assert urge.answer == "Next Monday."
        assert urge.answered_by == world.user("staff1")
        (event,) = events(measure, "urge:answered")
        assert event.message == "Next Monday."
        (note,) = Notification.objects.filter(key=f"urge-answer:{urge.pk}")
        assert note.recipient == world.user("liaison1")
        with pytest.raises(ValidationError):
            urge_answer(by=world.user("branch1"), urge_id=urge.pk, answer="Again.")

    def test_people_outside_the_unit_cannot_answer(self, world: Any) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=30))
        (urge,) = urge_create(by=world.user("office"), measure_ids=[measure.pk], message="When?")
        with pytest.raises(PermissionDenied):
            urge_answer(by=world.user("office"), urge_id=urge.pk, answer="Not mine.")
        with pytest.raises(Urge.DoesNotExist):
            urge_answer(by=world.user("branch7"), urge_id=urge.pk, answer="Not mine.")


class TestUrgingScreens:
    def test_the_measure_page_offers_urging_to_the_office(self, world: Any) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=5))
        page = world.client("office").get(reverse("ledger:measure_detail", args=[measure.pk]))
        html = page.content.decode()
        assert 'data-testid="supervision-panel"' in html
        assert 'data-testid="urge-form"' in html
        unit_page = world.client("branch1").get(reverse("ledger:measure_detail", args=[measure.pk]))
        assert 'data-testid="urge-form"' not in unit_page.content.decode()

    def test_urging_from_the_measure_page_and_answering_there(self, world: Any) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=5))
        detail = reverse("ledger:measure_detail", args=[measure.pk])
        response = world.client("office").post(
            reverse("notifications:urge"),
            {"ids": [measure.pk], "message": "Please hurry.", "next": detail},
        )
        assert response.status_code == 302
        assert response["Location"] == detail
        urge = Urge.objects.get(measure=measure)
        page = world.client("staff1").get(detail)
        assert 'data-testid="answer-urge"' in page.content.decode()
        response = world.client("staff1").post(
            reverse("notifications:urge_answer", args=[urge.pk]), {"answer": "Done tomorrow."}
        )
        assert response.status_code == 302
        urge.refresh_from_db()
        assert urge.is_answered

    def test_the_selection_page_lists_what_is_overdue_or_due_soon(self, world: Any) -> None:
        soon = make_measure(world, due=timezone.localdate() + dt.timedelta(days=3), content="Soon")
        later = make_measure(
            world, due=timezone.localdate() + dt.timedelta(days=80), content="Much later"
        )
        page = world.client("office").get(reverse("notifications:urge"))
        html = page.content.decode()
        assert f'value="{soon.pk}"' in html
        assert f'value="{later.pk}"' not in html

    def test_a_bad_selection_gives_a_message_not_an_error(self, world: Any) -> None:
        response = world.client("office").post(
            reverse("notifications:urge"), {"ids": ["abc"], "message": "x"}, follow=True
        )
        assert response.status_code == 200
        assert "Select at least one measure." in response.content.decode()


class TestSupervisionNotices:
    def flagged(self, world: Any) -> Any:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=5))
        Measure.objects.filter(pk=measure.pk).update(is_flagged=True)
        measure.refresh_from_db()
        return measure

    def test_notices_are_numbered_per_year(self, world: Any, cast: Any) -> None:
        measure = self.flagged(world)
        reply_by = timezone.localdate() + dt.timedelta(days=7)
        now = timezone.make_aware(dt.datetime(2021, 5, 6, 10))
        first = notice_issue(
            by=world.user("office"),
            measure_id=measure.pk,
            requirements="Finish and report.",
            reply_deadline=reply_by,
            now=now,
        )
        second = notice_issue(
            by=world.user("office"),
            measure_id=measure.pk,
            requirements="Still waiting.",
            reply_deadline=reply_by,
            now=now,
        )
        assert (first.number, second.number) == ("督办〔2021〕1号", "督办〔2021〕2号")
        (event, _second) = events(measure, "notice:issued")
        assert event.message.startswith("督办〔2021〕1号")
        told = Notification.objects.filter(key=f"notice:{first.pk}")
        assert {n.recipient_id for n in told} == cast.users("staff1", "branch1", "head1", "leader")

    def test_only_a_flagged_measure_gets_a_notice(self, world: Any) -> None:
        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=5))
        with pytest.raises(ValidationError, match="flagged"):
            notice_issue(
                by=world.user("office"),
                measure_id=measure.pk,
                requirements="x",
                reply_deadline=timezone.localdate() + dt.timedelta(days=7),
            )

    def test_only_the_office_issues_notices(self, world: Any) -> None:
        measure = self.flagged(world)
        with pytest.raises(PermissionDenied):
            notice_issue(
                by=world.user("liaison1"),
                measure_id=measure.pk,
                requirements="x",
                reply_deadline=timezone.localdate() + dt.timedelta(days=7),
            )

    def test_the_unit_replies_and_the_office_hears_of_it(self, world: Any, cast: Any) -> None:
        measure = self.flagged(world)
        notice = notice_issue(
            by=world.user("office"),
            measure_id=measure.pk,
            requirements="Finish and report.",
            reply_deadline=timezone.localdate() + dt.timedelta(days=7),
        )
        notice_reply(by=world.user("branch1"), notice_id=notice.pk, reply="Finished on Monday.")
        notice.refresh_from_db()
        assert notice.is_replied
        told = Notification.objects.filter(key=f"notice-reply:{notice.pk}")
        assert {n.recipient_id for n in told} == cast.users("office", "office2")
        with pytest.raises(ValidationError):
            notice_reply(by=world.user("branch1"), notice_id=notice.pk, reply="Again.")

    def test_the_data_accessor_gives_the_document_everything(self, world: Any) -> None:
        measure = self.flagged(world)
        notice = notice_issue(
            by=world.user("office"),
            measure_id=measure.pk,
            requirements="Finish and report.",
            reply_deadline=timezone.localdate() + dt.timedelta(days=7),
        )
        data = supervision_notice_data(notice)
        assert data.number == notice.number
        assert data.lead_unit == world.BRANCH1
        assert data.measure_content == measure.content
        assert data.responsible_leader
        assert data.requirements == "Finish and report."
        assert data.reply_deadline == notice.reply_deadline
        assert data.reply == "" and data.replied_on is None

    def test_the_screens_issue_show_and_answer_a_notice(self, world: Any) -> None:
        measure = self.flagged(world)
        office = world.client("office")
        form = office.get(reverse("notifications:notice_create", args=[measure.pk]))
        assert form.status_code == 200
        bad = office.post(
            reverse("notifications:notice_create", args=[measure.pk]),
            {"requirements": "", "reply_deadline": "2000-01-01"},
        )
        assert bad.status_code == 400
        response = office.post(
            reverse("notifications:notice_create", args=[measure.pk]),
            {
                "requirements": "Finish and report.",
                "reply_deadline": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
            },
        )
        assert response.status_code == 302
        notice = SupervisionNotice.objects.get(measure=measure)
        page = world.client("branch1").get(reverse("notifications:notice_detail", args=[notice.pk]))
        assert 'data-testid="send-reply"' in page.content.decode()
        world.client("branch1").post(
            reverse("notifications:notice_reply", args=[notice.pk]), {"reply": "Done."}
        )
        notice.refresh_from_db()
        assert notice.reply == "Done."
        listing = world.client("leader").get(reverse("notifications:notice_list"))
        assert notice.number in listing.content.decode()
        assert (
            notice.number
            not in world.client("branch7")
            .get(reverse("notifications:notice_list"))
            .content.decode()
        )
