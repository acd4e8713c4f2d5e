"""Background tasks of the documents app (run by `manage.py run_worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_document_job(job_id: int) -> str:
    """Run one import or export job; its outcome is on the job's row."""
    from documents.jobs import run_job

    return str(run_job(job_id).status)
