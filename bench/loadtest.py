"""`make loadtest`: the production server under a realistic mix of users, then a check that no
acknowledged write was lost.

1. Copy the generated PostgreSQL database of 10,000 measures (bench/cache, generated once) to a
   throw-away database, so every run starts from the same data.
2. Start gunicorn on 127.0.0.1 with production settings (DEBUG off, persistent connections).
3. Sign in 32 virtual users (each with their own session): the office, liaison groups and
   branch secretaries. For a bounded time (60 s) each runs a think-free loop of ledger views
   with filters, measure pages, progress reports (reporting app), close-out requests and
   liaison approvals, with CSRF tokens, following redirects as a browser does.
4. Stop the server; check that every write the client saw acknowledged is in the database and
   in the audit trail, and that the audit chain verifies. Writes bench/loadtest.json.

Traffic goes only to 127.0.0.1. Needs aiohttp.

    .venv/bin/python bench/loadtest.py [--users 32] [--seconds 60] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PY,
    ROOT,
    collectstatic,
    ensure_database,
    log,
    percentile,
    pg_available,
    pg_clone,
    pg_drop,
    pg_name,
    production_env,
)

HOST = "127.0.0.1"
CLONE = "rectify_loadtest"
PASSWORD = "Rectify-2021"
OUT = ROOT / "bench" / "loadtest.json"
SEARCHES = ["组织生活会", "警示教育", "三重一大", "发展党员", "学习计划"]


@dataclass
class Write:
    kind: str  # request_close | liaison_approve | report
    measure_id: int
    username: str
    at: float


@dataclass
class Plan:
    """What each account may do: the measures it sees and the writes it can make."""

    visible: dict[str, list[int]]
    request_close: dict[str, list[int]]  # branch -> in-progress measures of its unit with evidence
    report: dict[str, list[int]]  # branch -> open measures of its unit
    approve: dict[str, list[int]]  # liaison -> pending-review measures of its grid
    units: dict[str, list[int]]  # account -> unit ids to filter by


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    refused: int = 0

    def record(self, kind: str, ms: float) -> None:
        self.latencies.append(ms)
        self.by_kind.setdefault(kind, []).append(ms)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(text)


# --- plan, from the database -------------------------------------------------------------------

PLAN_SCRIPT = r"""
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from core.scoping import unscoped_reads
# Kept in a name: a context manager nobody holds is collected at once, and its exit ends the
# unscoped block before the first read.
UNSCOPED = unscoped_reads("benchmark script reads every row")
UNSCOPED.__enter__()
from django.contrib.auth import get_user_model
from django.db.models import Q
from ledger.models import Measure
from organization.models import Unit
accounts = json.loads(sys.argv[1])
User = get_user_model()
out = {"visible": {}, "request_close": {}, "report": {}, "approve": {}, "units": {}}
taken = set()
for username in accounts:
    user = User.objects.get(username=username)
    visible = Measure.objects.visible_to(user).order_by("?").values_list("id", flat=True)[:300]
    out["visible"][username] = list(visible)
    person = user.person
    if username.startswith("branch"):
        unit_id = person.unit_id
        mine = Measure.objects.filter(lead_unit_id=unit_id)
        ready = mine.filter(state="in_progress", evidence_count__gt=0).order_by("id")
        closable = [m for m in ready.values_list("id", flat=True) if m not in taken]
        taken.update(closable)
        out["request_close"][username] = closable
        open_ids = mine.filter(state__in=["in_progress", "not_started"]).order_by("id")
        open_ids = open_ids.values_list("id", flat=True)
        out["report"][username] = [m for m in open_ids if m not in taken][:50]
        out["units"][username] = [unit_id]
    elif username.startswith("liaison"):
        groups = list(person.led_liaison_groups.values_list("id", flat=True))
        grid = Measure.objects.filter(lead_unit__liaison_group_id__in=groups)
        waiting = grid.filter(state="pending_review").order_by("id").values_list("id", flat=True)
        pending = [m for m in waiting if m not in taken]
        taken.update(pending)
        out["approve"][username] = pending
        grid_units = Unit.objects.filter(liaison_group_id__in=groups)
        out["units"][username] = list(grid_units.values_list("id", flat=True))
    else:
        out["units"][username] = list(Unit.objects.order_by("id").values_list("id", flat=True)[:40])
print("PLAN " + json.dumps(out))
"""


def make_plan(env: dict[str, str], accounts: list[str]) -> Plan:
    proc = subprocess.run(
        [PY, "-c", PLAN_SCRIPT, json.dumps(accounts)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("PLAN "))
    return Plan(**json.loads(line[5:]))


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(
    env: dict[str, str], port: int, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    cmd = [
        str(Path(PY).parent / "gunicorn"),
        "config.wsgi:application",
        "--bind", f"{HOST}:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--worker-class", "gthread" if threads > 1 else "sync",
        "--backlog", "256",
        "--timeout", "60",
        "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited at start") from None
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("gunicorn did not start within 30 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- the virtual users -------------------------------------------------------------------------

ALERT_RE = re.compile(r'class="alert alert-(success|danger|warning|info)')
# The text of a refusal, to name it in the error samples.
DANGER_RE = re.compile(r'class="alert alert-danger[^"]*" role="alert">\s*(?:<div>)?\s*([^<]*?)\s*<')


class User:
    def __init__(
        self,
        base: str,
        username: str,
        plan: Plan,
        stats: Stats,
        rng: random.Random,
        shared: dict[str, Any],
    ) -> None:
        self.base = base
        self.username = username
        self.plan = plan
        self.stats = stats
        self.rng = rng
        self.shared = shared
        self.session: Any = None
        self.last_refusal = ""

    def csrf(self) -> str:
        for cookie in self.session.cookie_jar:
            if cookie.key == "csrftoken":
                return str(cookie.value)
        return ""

    async def login(self, aiohttp: Any) -> None:
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address host
        self.session = aiohttp.ClientSession(
            base_url=self.base, cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=30)
        )
        async with self.session.get("/login/") as r:
            await r.read()
        data = {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()}
        async with self.session.post("/login/", data=data, allow_redirects=False) as r:
            await r.read()
            if r.status != 302:
                raise RuntimeError(f"login of {self.username} failed ({r.status})")

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def get(self, kind: str, url: str) -> str | None:
        t0 = time.perf_counter()
        try:
            async with self.session.get(url, allow_redirects=False) as r:
                body = await r.text()
                ms = (time.perf_counter() - t0) * 1000
                self.stats.record(kind, ms)
                if r.status != 200:
                    self.stats.error(f"GET {url} -> {r.status}")
                    return None
                return body
        except Exception as exc:  # a timeout or a dropped connection is an error of the run
            self.stats.error(f"GET {url} -> {type(exc).__name__}: {exc}")
            return None

    async def post(self, kind: str, url: str, data: dict[str, str]) -> bool | None:
        """POST, then follow the redirect as a browser does; True when the page that follows
        shows a success message, False when it shows an error, None on a failed request."""
        data = {**data, "csrfmiddlewaretoken": self.csrf()}
        t0 = time.perf_counter()
        try:
            async with self.session.post(url, data=data, allow_redirects=False) as r:
                await r.read()
                self.stats.record(kind, (time.perf_counter() - t0) * 1000)
                if r.status != 302:
                    self.stats.error(f"POST {url} -> {r.status}")
                    return None
                location = r.headers.get("Location", "")
        except Exception as exc:
            self.stats.error(f"POST {url} -> {type(exc).__name__}: {exc}")
            return None
        body = await self.get("redirect", location)
        if body is None:
            return None
        alerts = ALERT_RE.findall(body)
        refusals = DANGER_RE.findall(body)
        self.last_refusal = refusals[0] if refusals else ""
        return "success" in alerts

    def pick(self, key: str) -> int | None:
        queue = getattr(self.plan, key).get(self.username) or []
        return queue.pop(0) if queue else None

    async def step(self) -> None:
        rng = self.rng
        roll = rng.random()
        visible = self.plan.visible.get(self.username) or [1]
        if roll < 0.30:
            page = rng.choice(["", "", "?page=2", "?per_page=20", "?sort=due"])
            await self.get("ledger", f"/ledger/{page}")
        elif roll < 0.50:
            choice = rng.randrange(4)
            if choice == 0:
                query = f"q={quote(rng.choice(SEARCHES))}"
            elif choice == 1:
                query = "state=in_progress&overdue=1"
            elif choice == 2:
                query = f"unit={rng.choice(self.plan.units.get(self.username) or [1])}"
            else:
                query = "deadline_kind=long_term&sort=-progress"
            await self.get("ledger_filtered", f"/ledger/?{query}")
        elif roll < 0.78:
            await self.get("measure_detail", f"/ledger/measures/{rng.choice(visible)}/")
        else:
            await self.write()

    async def write(self) -> None:
        rng = self.rng
        name = self.username
        if name.startswith("branch"):
            if rng.random() < 0.5 and self.shared["reporting"]:
                measure_id = rng.choice(self.plan.report.get(name) or [0])
                if measure_id:
                    ok = await self.post(
                        "report",
                        f"/reporting/measures/{measure_id}/report/",
                        {
                            "work_done": "负载测试：召开专题会议研究部署整改，逐项推进落实。",
                            "problems": "",
                            "next_steps": "下一步将加强督促检查。",
                            "progress": str(rng.randrange(10, 95, 5)),
                        },
                    )
                    self._ack("report", measure_id, ok)
                    return
            measure_id = self.pick("request_close")
            if measure_id:
                # Close-out has its own records (申请销号 with a summary), asked for from the
                # measure page's close-out panel, as a branch does.
                ok = await self.post(
                    "request_close",
                    f"/reporting/measures/{measure_id}/close-out/",
                    {"summary": "整改任务已完成，申请对账销号。"},
                )
                self._ack("request_close", measure_id, ok)
                return
        elif name.startswith("liaison"):
            measure_id = self.pick("approve")
            if measure_id:
                ok = await self.post(
                    "liaison_approve",
                    f"/reporting/measures/{measure_id}/close-out/decide/",
                    {
                        "stage": "liaison",
                        "decision": "approve",
                        "reason": "经联络组核查，同意提交整改办销号。",
                    },
                )
                self._ack("liaison_approve", measure_id, ok)
                return
        await self.get("ledger", "/ledger/")

    def _ack(self, kind: str, measure_id: int, ok: bool | None) -> None:
        if ok:
            self.stats.writes.append(Write(kind, measure_id, self.username, time.time()))
        elif ok is False:
            self.stats.refused += 1
            self.stats.error(
                f"{kind} on measure {measure_id} by {self.username} was refused:"
                f" {self.last_refusal or 'no message'}"
            )


async def run_load(
    base: str, accounts: list[str], plan: Plan, seconds: float, reporting: bool
) -> tuple[Stats, float]:
    import aiohttp

    stats = Stats()
    shared = {"reporting": reporting}
    users = [
        User(base, name, plan, stats, random.Random(i), shared) for i, name in enumerate(accounts)
    ]
    # Sign in a few at a time: each login hashes a password (PBKDF2) on the server.
    for i in range(0, len(users), 4):
        await asyncio.gather(*(u.login(aiohttp) for u in users[i : i + 4]))
    stats.latencies.clear()
    stats.by_kind.clear()
    deadline = time.monotonic() + seconds

    async def loop(user: User) -> None:
        while time.monotonic() < deadline:
            await user.step()

    started = time.monotonic()
    await asyncio.gather(*(loop(u) for u in users))
    elapsed = time.monotonic() - started
    for u in users:
        await u.close()
    return stats, elapsed


# --- verification ------------------------------------------------------------------------------

VERIFY_SCRIPT = r"""
import json, os, sys, datetime as dt
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from core.scoping import unscoped_reads
# Kept in a name: a context manager nobody holds is collected at once, and its exit ends the
# unscoped block before the first read.
UNSCOPED = unscoped_reads("benchmark script reads every row")
UNSCOPED.__enter__()
from core.audit import verify_chain
from core.models import AuditEvent
from ledger.models import Measure
writes = json.loads(open(sys.argv[1]).read())
since = dt.datetime.fromtimestamp(float(sys.argv[2]), tz=dt.timezone.utc)
events = AuditEvent.objects.filter(created_at__gte=since, object_type="ledger.measure")
seen = {}
for e in events.values("object_id", "action", "actor__username"):
    key = (e["action"], e["object_id"], e["actor__username"])
    seen[key] = seen.get(key, 0) + 1
lost = []
touched = Measure.objects.filter(pk__in=[w["measure_id"] for w in writes])
state_of = dict(touched.values_list("id", "state"))
after_request = {"pending_review", "pending_close", "closed"}
report_rows = {}
try:
    from reporting.models import ProgressReport
    filed = ProgressReport.objects.filter(filed_at__gte=since)
    for r in filed.values("measure_id", "author__username"):
        key = (r["measure_id"], r["author__username"])
        report_rows[key] = report_rows.get(key, 0) + 1
except Exception:
    pass
for w in writes:
    if w["kind"] == "report":
        key = ("report:filed", w["measure_id"], w["username"])
        row_key = (w["measure_id"], w["username"])
        if seen.get(key, 0) > 0 and report_rows.get(row_key, 0) > 0:
            seen[key] -= 1
            report_rows[row_key] -= 1
        else:
            lost.append(w)
        continue
    key = ("transition:" + w["kind"], w["measure_id"], w["username"])
    expected = after_request if w["kind"] == "request_close" else {"pending_close", "closed"}
    if seen.get(key, 0) > 0 and state_of.get(w["measure_id"]) in expected:
        seen[key] -= 1
    else:
        lost.append(w)
result = verify_chain()
print("VERIFY " + json.dumps({
    "lost": lost,
    "chain_ok": result.ok,
    "chain_checked": result.checked,
    "chain_break": str(result.first_break) if result.first_break else None,
    "events_in_run": events.count(),
}))
"""


def verify(env: dict[str, str], writes: list[Write], since: float) -> dict[str, Any]:
    path = ROOT / "bench" / "cache" / "loadtest-writes.json"
    path.write_text(json.dumps([asdict(w) for w in writes]), encoding="utf-8")
    proc = subprocess.run(
        [PY, "-c", VERIFY_SCRIPT, str(path), str(since)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("VERIFY "))
    return dict(json.loads(line[7:]))


# --- main --------------------------------------------------------------------------------------


def accounts_for(users: int) -> list[str]:
    """A realistic mix: a few office staff, the liaison group leaders, many branch secretaries."""
    office = ["office", "office2", "office3", "office4"]
    liaison = [f"liaison{i}" for i in range(1, 9)]
    branches = [f"branch{i}" for i in range(1, 21)]
    mix = office[: max(1, users // 8)] + liaison[: max(1, users // 4)]
    mix += branches[: max(0, users - len(mix))]
    return mix[:users]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--measures", type=int, default=10_000)
    args = parser.parse_args()
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        print("The load test needs aiohttp: .venv/bin/pip install aiohttp", file=sys.stderr)
        return 2
    if not pg_available():
        print("The load test runs against PostgreSQL, which is not reachable.", file=sys.stderr)
        return 2
    collectstatic()
    ensure_database("postgresql", args.measures)
    url = pg_clone(pg_name(args.measures), CLONE)
    env = production_env(url, DB_CONN_MAX_AGE="60")
    accounts = accounts_for(args.users)
    plan = make_plan(env, accounts)
    reporting = (ROOT / "reporting" / "views.py").exists()
    port = free_port()
    log(f"gunicorn: {args.workers} workers x {args.threads} threads on {HOST}:{port}")
    server = start_server(env, port, args.workers, args.threads)
    try:
        since = time.time()
        log(f"{len(accounts)} users sign in, then run for {args.seconds:.0f} s")
        # The client's own CPU, as a share of the machine: a client that takes more than a
        # quarter of it starves the server it measures.
        cpu0, wall0 = time.process_time(), time.monotonic()
        stats, elapsed = asyncio.run(
            run_load(f"http://{HOST}:{port}", accounts, plan, args.seconds, reporting)
        )
        client_cpu = (time.process_time() - cpu0) / (
            (time.monotonic() - wall0) * (os.cpu_count() or 1)
        )
    finally:
        stop_server(server)
    log("checking the writes and the audit chain")
    checked = verify(env, stats.writes, since)
    lat = stats.latencies or [0.0]
    outcome = {
        "rps": round(len(stats.latencies) / elapsed, 1),
        "p50_ms": round(percentile(lat, 50), 1),
        "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "errors": stats.errors,
        "writes_acknowledged": len(stats.writes),
        "writes_lost": len(checked["lost"]),
        "requests": len(stats.latencies),
        "seconds": round(elapsed, 1),
        "users": len(accounts),
        "server": f"gunicorn {args.workers} workers x {args.threads} threads",
        "client_cpu_share": round(client_cpu, 3),
        "measures": args.measures,
        "audit_chain_ok": checked["chain_ok"],
        "audit_events_checked": checked["chain_checked"],
        "by_kind_p95_ms": {
            k: round(percentile(v, 95), 1) for k, v in sorted(stats.by_kind.items())
        },
        "by_kind_count": {k: len(v) for k, v in sorted(stats.by_kind.items())},
        "error_samples": stats.error_samples,
    }
    OUT.write_text(json.dumps(outcome, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    pg_drop(CLONE)
    print()
    for key in (
        "rps",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "errors",
        "writes_acknowledged",
        "writes_lost",
        "audit_chain_ok",
        "client_cpu_share",
    ):
        print(f"  {key:<22} {outcome[key]}")
    print(f"  {'p95 by kind (ms)':<22} {outcome['by_kind_p95_ms']}")
    for sample in stats.error_samples[:5]:
        print(f"  error: {sample}")
    print(f"\nResults: {OUT}")
    ok = checked["chain_ok"] and not checked["lost"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
