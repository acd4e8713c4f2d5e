"""Background tasks of notifications (run by `manage.py run_worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_deliveries(ids: list[int]) -> dict[str, int]:
    """Send these deliveries now (queued when the action that produced them commits)."""
    from notifications.dispatch import deliveries_send

    # The person who acted just committed: one failure pauses the channel; the scheduled run
    # retries what is left.
    report = deliveries_send(ids=ids, pause_channel_after=1)
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}


@task()
def reminders_task() -> str:
    """The periodic reminder run: what `manage.py run_reminders` does (idempotent)."""
    from django.core.management import call_command

    call_command("run_reminders", verbosity=0)
    return "done"
