"""Reliability tests: real worker and web-server processes, killed with SIGKILL mid-way, on a
database of their own (a copy of a migrated demo database per test: a SQLite file, or a
PostgreSQL database cloned from a template when DATABASE_URL names PostgreSQL)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
DRIVER = str(Path(__file__).with_name("driver.py"))


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if "tests/reliability/" in str(item.fspath):
            item.add_marker(pytest.mark.reliability)


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


class Site:
    """One database and file store, and the processes that use them."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = env
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def driver(self, *args: str) -> Any:
        done = self.run(DRIVER, *args)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the site's database directly, quickly (no Django start-up)."""
        url = self.env["DATABASE_URL"]
        if url.startswith("sqlite"):
            import sqlite3

            path = urllib.parse.urlsplit(url).path
            with sqlite3.connect(path, timeout=30) as conn:
                return list(conn.execute(sql.replace("%s", "?"), params))
        import psycopg

        with psycopg.connect(url) as conn:
            return list(conn.execute(sql, params))

    def job_progress(self, pk: int) -> tuple[str, int]:
        rows = self.query("SELECT status, progress FROM documents_job WHERE id = %s", (pk,))
        return rows[0][0], rows[0][1]

    def writing(self, pk: int) -> bool:
        """Whether the job has planned its import and is inside its data transaction: on
        SQLite, whether the database's write lock is taken (the job's progress is not written
        inside it); on PostgreSQL, whether its progress has passed 50%."""
        status, progress = self.job_progress(pk)
        if status != "running" or progress < 45:
            return False
        url = self.env["DATABASE_URL"]
        if not url.startswith("sqlite"):
            return progress > 50
        import sqlite3

        conn = sqlite3.connect(urllib.parse.urlsplit(url).path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("manage.py", *args)

    def start(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        out = (self.tmp / log).open("ab")
        proc = subprocess.Popen(
            list(args),
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def worker(self) -> subprocess.Popen[bytes]:
        return self.start(
            PY, "manage.py", "run_worker", "--interval", "0.2", "--no-schedule", log="worker.log"
        )

    def web(self, port: int) -> subprocess.Popen[bytes]:
        proc = self.start(
            str(Path(PY).with_name("gunicorn")),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            log="web.log",
        )
        wait_for(lambda: _port_open(port), 60, "the web server to listen")
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and its children (a web server's workers) at once."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def log(self, name: str) -> str:
        path = self.tmp / name
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], Any], seconds: float, what: str) -> Any:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated database holding the demo college, built once."""
    base = tmp_path_factory.mktemp("reliability-template")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reliability.settings",
        "PRIVATE_STORAGE_ROOT": str(base / "private"),
        "AUDIT_CHECKPOINT_PATH": str(base / "checkpoint.jsonl"),
        "FAST_PASSWORD_HASHER": "1",
    }
    pg = _postgres_url()
    if pg:
        name = f"{urllib.parse.urlsplit(pg).path.lstrip('/')}_reliability"
        _pg_admin(pg, f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(pg, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urllib.parse.urlsplit(pg)._replace(path=f"/{name}").geturl()
    else:
        env["DATABASE_URL"] = f"sqlite:///{base / 'db.sqlite3'}"
    site = Site(env, base)
    for args in (("migrate", "--no-input", "-v", "0"), ("load_demo", "--quiet")):
        done = site.manage(*args)
        assert done.returncode == 0, done.stderr[-3000:]
    return env


@pytest.fixture
def site(template: dict[str, str], tmp_path: Path) -> Iterator[Site]:
    env = dict(template)
    env["PRIVATE_STORAGE_ROOT"] = str(tmp_path / "private")
    env["AUDIT_CHECKPOINT_PATH"] = str(tmp_path / "checkpoint.jsonl")
    env["RELIABILITY_MAILBOX"] = str(tmp_path / "mailbox.txt")
    pg = _postgres_url()
    clone = None
    if pg:
        source = urllib.parse.urlsplit(template["DATABASE_URL"]).path.lstrip("/")
        clone = f"{source}_{os.getpid()}_{tmp_path.name[-12:]}".replace("-", "_")[:60]
        _pg_admin(pg, f'DROP DATABASE IF EXISTS "{clone}"')
        _pg_admin(pg, f'CREATE DATABASE "{clone}" TEMPLATE "{source}"')
        env["DATABASE_URL"] = urllib.parse.urlsplit(pg)._replace(path=f"/{clone}").geturl()
    else:
        source = Path(urllib.parse.urlsplit(template["DATABASE_URL"]).path)
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", tmp_path / f"db.sqlite3{suffix}")
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    template_files = Path(template["PRIVATE_STORAGE_ROOT"])
    if template_files.exists():
        shutil.copytree(template_files, tmp_path / "private")
    s = Site(env, tmp_path)
    try:
        yield s
    finally:
        s.stop_all()
        if clone and pg:
            _pg_admin(pg, f'DROP DATABASE IF EXISTS "{clone}" WITH (FORCE)')
