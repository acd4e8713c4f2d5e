"""Several processes writing at once (web workers, the task worker): on SQLite they queue on
the write lock (IMMEDIATE transactions, WAL, a busy timeout); nobody sees "database is locked"."""

from __future__ import annotations

import json
import subprocess

from tests.reliability.conftest import DRIVER, PY, ROOT, Site


def test_several_writer_processes_never_see_a_locked_database(site: Site):
    site.driver("setup-deliveries", "40")
    # The worker sends emails (short write transactions) while four processes write.
    site.start(PY, "manage.py", "run_reminders", log="reminders.log")
    writers = [
        subprocess.Popen(
            [PY, DRIVER, "write-burst", "60"],
            cwd=ROOT,
            env=site.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _n in range(4)
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=180)
        assert writer.returncode == 0, err[-2000:]
        assert json.loads(out.strip().splitlines()[-1]) == {"errors": []}
    rows = site.query("SELECT count(*) FROM documents_job")
    assert rows[0][0] == 240
