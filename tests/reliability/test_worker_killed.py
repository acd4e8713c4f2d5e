"""SIGKILL of the worker in the middle of an import: nothing half-imported, the job is run again
(or failed with a message), the audit chain verifies."""

from __future__ import annotations

from tests.reliability.conftest import Site, wait_for

ROWS = 400


def test_a_worker_killed_mid_import_leaves_no_half_ledger_and_the_job_is_retried(site: Site):
    queued = site.driver("setup-import", str(ROWS))
    assert "job" in queued, queued
    job, inspection = str(queued["job"]), str(queued["inspection"])

    worker = site.worker()
    # The import has read the file and matched its rows; it is writing the ledger, in one
    # transaction, when the worker dies.
    wait_for(lambda: site.writing(queued["job"]), 120, "the import to write")
    site.kill(worker)

    after_kill = site.driver("job", job)
    assert after_kill["status"] == "running", (after_kill, site.log("worker.log"))
    assert site.driver("measures", inspection) == {"findings": 0, "measures": 0}
    assert site.manage("verify_audit").returncode == 0

    # The next worker on this host sees the process is gone and runs the job again.
    site.worker()
    done = wait_for(
        lambda: (j := site.driver("job", job))["status"] in ("done", "failed") and j,
        180,
        "the job to finish",
    )
    assert done["status"] == "done", (done, site.log("worker.log"))
    assert done["attempts"] == 2
    assert site.driver("measures", inspection) == {"findings": ROWS, "measures": ROWS}
    audit = site.manage("verify_audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
