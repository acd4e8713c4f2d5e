"""`.ci/run` on a machine whose PostgreSQL does not serve the suite's default database.

The script is run for real (`--prepare-only`: everything but `make test`) with the default
address pointed at a role and database that do not exist: it must fall back to provisioning a
role and database of its own with a password — the path a bare Debian machine takes after it
installs PostgreSQL — and hand `make test` an address that answers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "run"


def _can_provision() -> bool:
    return (
        os.geteuid() == 0
        and shutil.which("pg_ctlcluster") is not None
        and shutil.which("runuser") is not None
        and shutil.which("psql") is not None
    )


@pytest.mark.skipif(
    not _can_provision() and os.environ.get("CI") != "true",
    reason="needs root and Debian's PostgreSQL server packages (as on CI machines)",
)
def test_without_the_default_database_the_script_makes_its_own() -> None:
    env = {
        **os.environ,
        # An address nobody serves: no such role, no such database.
        "TEST_DATABASE_URL": "postgresql://nobody_here@127.0.0.1:5432/no_such_database",
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), "--prepare-only"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    shown = re.search(r"PostgreSQL for the suite: (\S+)", done.stdout)
    assert shown, done.stdout
    # The password is never printed.
    assert shown.group(1).startswith("postgresql://rectify_ci:***@127.0.0.1:")
    port = shown.group(1).rsplit(":", 1)[1].split("/")[0]
    url = f"postgresql://rectify_ci:rectify_ci@127.0.0.1:{port}/rectify_ci"
    answered = subprocess.run(
        ["psql", url, "-Atqc", "select current_user, current_database()"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert answered.stdout.strip() == "rectify_ci|rectify_ci", answered.stderr
    # The role may create the suite's test databases.
    can_create = subprocess.run(
        ["psql", url, "-Atqc", "select rolcreatedb from pg_roles where rolname = current_user"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert can_create.stdout.strip() == "t"
