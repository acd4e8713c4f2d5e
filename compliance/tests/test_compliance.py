"""The audit administrator's desk, the self-check and retention: read from the installation as
it is, and the audit trail is never pruned."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, AuditVerification, BackupRecord
from core.selfcheck import CheckItem, register, run_checks

pytestmark = pytest.mark.django_db


def client_for(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


def items_by_requirement(world: Any) -> dict[str, CheckItem]:
    return {i.requirement: i for i in run_checks(world.org)}


def test_the_auditor_reads_the_whole_trail_and_the_administrators_own_actions(
    world: Any,
) -> None:
    world.separate_duties()
    from organization import services
    from organization.models import Person

    staff = Person.objects.select_related("user").get(user__username="staff1")
    staff.position = "审计可见的变更"
    services.person_save(
        actor=world.user("admin"), person=staff, username="staff1", email=staff.user.email
    )
    client = client_for(world, "auditor")
    page = client.get(reverse("compliance:trail"))
    assert page.status_code == 200
    assert 'data-action="change_requested"' in page.content.decode()
    admins = client.get(reverse("compliance:trail") + "?who=admins").content.decode()
    assert 'data-action="change_requested"' in admins
    # A measure's event is in the trail too, though the measure itself is out of reach.
    measure_events = AuditEvent.objects.filter(object_type="ledger.measure").count()
    assert measure_events
    assert "ledger.measure" in client.get(reverse("compliance:trail_export")).content.decode()
    # The system administrator, separated, reads no trail.
    assert client_for(world, "admin").get(reverse("compliance:trail")).status_code == 403


def test_the_auditor_verifies_the_chain_and_the_run_is_kept(world: Any) -> None:
    world.separate_duties()
    before = AuditEvent.objects.count()
    response = client_for(world, "auditor").post(reverse("compliance:verify"))
    assert response.status_code == 302
    run = AuditVerification.objects.get()
    assert run.ok and run.checked == before and run.run_by == world.user("auditor")
    assert AuditEvent.objects.filter(object_type="core.auditverification", action="verify")
    item = next(i for i in run_checks(world.org) if "verified intact" in i.requirement)
    assert item.holds


def test_the_command_line_verification_is_kept_too(world: Any) -> None:
    call_command("verify_audit", stdout=io.StringIO())
    run = AuditVerification.objects.get()
    assert run.ok and run.run_by is None


def test_the_self_check_says_what_does_not_hold(world: Any, tmp_path: Any, settings: Any) -> None:
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "files"
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "checkpoint.jsonl"
    world.separate_duties(on=False)
    items = items_by_requirement(world)
    separation = next(i for r, i in items.items() if "switched on" in r)
    assert (separation.setting, separation.holds) == ("off", False)
    backup = next(i for r, i in items.items() if "backup" in r)
    assert (backup.setting, backup.holds) == ("no backup recorded", False)
    verified = next(i for r, i in items.items() if "verified intact" in r)
    assert (verified.setting, verified.holds) == ("never verified", False)
    retention = next(i for r, i in items.items() if "kept at least 6 months" in r)
    assert (retention.setting, retention.holds) == ("kept for ever", True)
    roles = next(i for r, i in items.items() if "different people" in r)
    assert roles.holds  # the demo has admin, secadmin and auditor

    world.separate_duties()
    call_command("backup", str(tmp_path / "backups"), stdout=io.StringIO())
    items = items_by_requirement(world)
    assert next(i for r, i in items.items() if "switched on" in r).holds
    assert next(i for r, i in items.items() if "backup" in r).holds


def test_an_old_backup_does_not_hold(world: Any, settings: Any) -> None:
    record = BackupRecord.objects.create(
        file_name="rectify-backup-20261101-020000.zip",
        size=1024,
        sha256="0" * 64,
        rows=1,
        files=0,
        chain_seq=1,
    )
    # created_at is set on insert; the record is dated back the way time would have.
    BackupRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=settings.BACKUP_MAX_AGE_DAYS + 1)
    )
    backup = next(i for i in run_checks(world.org) if "backup" in i.requirement)
    assert not backup.holds and backup.detail == "rectify-backup-20261101-020000.zip"


def test_a_retention_below_six_months_does_not_hold_and_fails_the_system_check(
    world: Any, settings: Any
) -> None:
    from compliance.selfchecks import audit_retention_setting

    settings.AUDIT_RETENTION_MONTHS = 3
    retention = next(i for i in run_checks(world.org) if "6 months" in i.requirement)
    assert (retention.setting, retention.holds) == ("3 months", False)
    assert [e.id for e in audit_retention_setting()] == ["compliance.E001"]
    settings.AUDIT_RETENTION_MONTHS = 12
    assert audit_retention_setting() == []


def test_other_areas_register_their_checks(world: Any) -> None:
    def password_policy(organization: Any) -> list[CheckItem]:
        return [CheckItem("Passwords of 12 characters", "12", True, "")]

    register(password_policy)
    register(password_policy)  # registering twice lists it once
    try:
        requirements = [i.requirement for i in run_checks(world.org)]
        assert requirements.count("Passwords of 12 characters") == 1
    finally:
        from core import selfcheck

        selfcheck._CHECKS[:] = [c for c in selfcheck._CHECKS if c is not password_policy]


def test_the_self_check_page_and_its_word_file(world: Any) -> None:
    world.separate_duties()
    client = client_for(world, "auditor")
    page = client.get(reverse("compliance:selfcheck")).content.decode()
    assert page.count('data-testid="selfcheck-item"') == len(run_checks(world.org))
    response = client.get(reverse("compliance:selfcheck_docx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        body = z.read("word/document.xml").decode()
    assert "no backup recorded" in body and "Does not hold" in body
    assert world.org.name in body  # the official layout's title and signature


def test_prune_records_keeps_the_audit_trail(world: Any, tmp_path: Any, settings: Any) -> None:
    from documents.models import Job, JobStatus
    from notifications.models import Notification

    settings.PRIVATE_STORAGE_ROOT = str(tmp_path)
    user = world.user("branch1")
    old = timezone.now() - datetime.timedelta(days=400)
    old_note = Notification.objects.create(
        recipient=user, organization=world.org, kind="reminder", title="旧通知", created_at=old
    )
    new_note = Notification.objects.create(
        recipient=user, organization=world.org, kind="reminder", title="新通知"
    )
    old_done = Job.objects.create(kind="ledger_export", owner=user, status=JobStatus.DONE)
    old_running = Job.objects.create(kind="ledger_export", owner=user, status=JobStatus.RUNNING)
    new_done = Job.objects.create(kind="ledger_export", owner=user, status=JobStatus.DONE)
    Job.objects.filter(pk__in=[old_done.pk, old_running.pk]).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    (tmp_path / "jobs" / str(old_done.pk)).mkdir(parents=True)
    (tmp_path / "jobs" / str(old_done.pk) / "ledger.xlsx").write_bytes(b"x")
    events = AuditEvent.objects.count()
    oldest_event = AuditEvent.objects.order_by("seq").first()

    out = io.StringIO()
    call_command("prune_records", "--dry-run", stdout=out)
    assert "Would delete" in out.getvalue()
    assert Notification.objects.filter(pk=old_note.pk).exists()

    call_command("prune_records", stdout=io.StringIO())
    assert not Notification.objects.filter(pk=old_note.pk).exists()
    assert Notification.objects.filter(pk=new_note.pk).exists()
    assert not Job.objects.filter(pk=old_done.pk).exists()
    assert not (tmp_path / "jobs" / str(old_done.pk)).exists()
    assert Job.objects.filter(pk__in=[old_running.pk, new_done.pk]).count() == 2
    assert AuditEvent.objects.count() == events  # never an audit event
    assert AuditEvent.objects.filter(pk=oldest_event.pk).exists()
    with pytest.raises(CommandError):
        call_command("prune_records", "--job-days", "0", stdout=io.StringIO())
