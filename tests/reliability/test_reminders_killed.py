"""The reminder run killed halfway through sending, then run again: every email goes out
once; none is lost or sent twice (the one being sent at the kill waits for its claim to
expire rather than risk a second copy)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.reliability.conftest import PY, Site, wait_for

COUNT = 30


def _sent(site: Site) -> Counter[str]:
    path = Path(site.env["RELIABILITY_MAILBOX"])
    lines = path.read_text().splitlines() if path.exists() else []
    # The run also announces the demo's own events; these tests count the queued ones.
    return Counter(line for line in lines if line.startswith("delivery-"))


def test_a_reminder_run_killed_halfway_and_rerun_sends_everything_once(site: Site):
    site.driver("setup-deliveries", str(COUNT))
    run = site.start(PY, "manage.py", "run_reminders", log="reminders.log")
    wait_for(lambda: sum(_sent(site).values()) >= COUNT // 3, 120, "a third of the emails")
    site.kill(run)
    halfway = _sent(site)
    assert sum(halfway.values()) < COUNT

    again = site.manage("run_reminders")
    assert again.returncode == 0, again.stderr[-2000:]
    sent = _sent(site)
    assert max(sent.values()) == 1, [s for s, n in sent.items() if n > 1]
    state = site.driver("deliveries")
    assert state["sent"] + state["sending"] == COUNT and state["pending"] == state["failed"] == 0
    # At most the one email in flight at the kill is held by its expired-claim lease.
    assert state["sending"] <= 1
    assert len(sent) >= COUNT - 1
    audit = site.manage("verify_audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
