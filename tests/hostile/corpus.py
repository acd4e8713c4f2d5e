"""Drive the hostile corpus through the product as each role, the way a person's browser would.

Targets are discovered, never listed: every page of the permission matrix is opened as every
role that reaches it, the forms on it are read from the HTML (`formscan`), and every field of
every form, and every query parameter of every list (its GET forms, the django-filter
filtersets and the paging/sorting parameters), receives every payload class.

`HOSTILE_FULL=1` tries every class on every field as every role; otherwise
`HOSTILE_PER_CLASS` trials (default 6) of each class are drawn from a seeded generator
(`HOSTILE_SEED`, printed), on forms and on lists.
"""

from __future__ import annotations

import os
import random
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client

from tests.hostile.formscan import PageForm, parse_forms
from tests.hostile.payloads import MARKUP, PAYLOADS, UPLOADS, Payload, Upload
from tests.matrix import ROLES

CJK = re.compile("[\u4e00-\u9fff]")
ERROR_BLOCK = re.compile(
    r'<(?:div|ul|li|span|p)[^>]*class="[^"]*(?:invalid-feedback|alert-danger|alert-warning|errorlist|text-danger)[^"]*"[^>]*>(.*?)</(?:div|ul|li|span|p)>',
    re.S,
)
PAGING = ("page", "sort", "ordering", "per_page", "o", "q")
APPS = {"core", "organization", "ledger", "reporting", "notifications", "documents"}
# Forms that end the session or change what the rest of the walk can do: not fuzzed.
SKIP_ACTIONS = ("/logout", "/i18n/setlang", "/login")


@dataclass
class Target:
    role: str
    page: str
    form: PageForm

    @property
    def action(self) -> str:
        return self.form.action or self.page

    def key(self) -> tuple[str, str, str, tuple[str, ...]]:
        return (self.role, self.form.method, self.action, tuple(sorted(self.form.fields)))


@dataclass
class Finding:
    what: str
    role: str
    method: str
    url: str
    field: str
    payload: str
    status: int
    detail: str = ""

    def __str__(self) -> str:
        return (
            f"{self.what}: {self.role} {self.method.upper()} {self.url} "
            f"[{self.field}={self.payload}] -> {self.status} {self.detail}"
        )


@dataclass
class Trial:
    """One payload class in one field of one form (`target`) or list page (`page`)."""

    cls: str
    target: Target | None
    field: str
    page: tuple[str, str] | None
    payload: Any


@dataclass
class Report:
    seed: int
    tried: int = 0
    possible: int = 0
    forms: set[tuple[str, str]] = field(default_factory=set)
    fields: set[tuple[str, str, str]] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    five_hundreds: list[Finding] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"hostile corpus (seed {self.seed}): {self.tried} requests for "
            f"{self.possible} field x class x role trials over "
            f"{len(self.forms)} forms/lists, {len(self.fields)} fields/parameters, "
            f"{len(self.classes)} classes; roles {sorted(self.roles)}; "
            f"5xx {len(self.five_hundreds)}; other problems {len(self.problems)}"
        )


def seed() -> int:
    # `make test` fixes the seed so that a run is repeatable; HOSTILE_SEED=random draws one.
    raw = os.environ.get("HOSTILE_SEED", "")
    if raw.isdigit():
        return int(raw)
    return random.SystemRandom().randrange(1, 10**6)


def full() -> bool:
    return os.environ.get("HOSTILE_FULL", "") not in ("", "0")


def per_class() -> int:
    return int(os.environ.get("HOSTILE_PER_CLASS", "6"))


def client_for(world: Any, role: str) -> Client:
    """A signed-in client that answers a server error with its 500 page, as a browser sees it,
    so that one run collects every failure."""
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    username = ROLES[role]
    if username:
        client.force_login(world.user(username))
    return client


def matrix_pages(world: Any) -> Iterator[tuple[str, str]]:
    """(role, path) of every page a role is served (GET 200) in the permission matrix."""
    from django.contrib.auth import get_user_model

    from tests.test_permission_matrix import CASES

    existing = set(get_user_model().objects.values_list("username", flat=True))
    seen: set[tuple[str, str]] = set()
    for case in CASES:
        if case.method != "get":
            continue
        try:
            # In a savepoint: a case whose demo object cannot be made leaves the test's
            # transaction usable for the others.
            with transaction.atomic():
                path = case.path(world)
                if case.data:
                    path += "?" + urllib.parse.urlencode(case.data(world), doseq=True)
        except Exception:
            continue
        for role in ROLES:
            if role == "anonymous" or ROLES[role] not in existing:
                continue
            expected = case.status_for(role)
            if expected != 200 and not (isinstance(expected, frozenset) and 200 in expected):
                continue
            if (role, path) not in seen:
                seen.add((role, path))
                yield role, path


# Bookkeeping of the submission machinery itself is not "something stored".
UNCOUNTED = {"core_submissiontoken"}


def _tables() -> list[str]:
    return sorted(
        {
            m._meta.db_table
            for m in apps.get_models()
            if m._meta.app_label in APPS and not m._meta.proxy and m._meta.managed
        }
        - UNCOUNTED
    )


def table_counts() -> dict[str, int]:
    """Row counts of every table of the product, in one query."""
    tables = _tables()
    q = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {q(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


def error_texts(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).strip() for m in ERROR_BLOCK.findall(html)]


def encode_query(params: list[tuple[str, Any]]) -> str:
    parts = []
    for name, value in params:
        values = value if isinstance(value, list) else [value]
        for v in values:
            raw = v if isinstance(v, bytes) else str(v).encode("utf-8", "surrogatepass")
            parts.append(f"{urllib.parse.quote(name)}={urllib.parse.quote_from_bytes(raw)}")
    return "&".join(parts)


def _upload(u: Upload) -> SimpleUploadedFile:
    return SimpleUploadedFile(u.filename, u.content, content_type=u.content_type)


class Corpus:
    def __init__(self, world: Any, report: Report) -> None:
        self.world = world
        self.report = report
        self.rng = random.Random(report.seed)
        self.clients: dict[str, Client] = {}
        self.values: dict[str, list[Any]] = {}

    def client(self, role: str) -> Client:
        if role not in self.clients:
            self.clients[role] = client_for(self.world, role)
        return self.clients[role]

    def payload_values(self, payload: Payload) -> list[Any]:
        if payload.name not in self.values:
            self.values[payload.name] = payload.values(self.world)
        return self.values[payload.name]

    # Discovery ---------------------------------------------------------------------------
    def targets(self) -> tuple[list[Target], dict[tuple[str, str], set[str]]]:
        import django_filters

        filter_names: set[str] = set()
        for fs in _subclasses(django_filters.FilterSet):
            filter_names |= set(fs.base_filters)
        forms: dict[tuple[str, str, str, tuple[str, ...]], Target] = {}
        lists: dict[tuple[str, str], set[str]] = {}
        pages = list(matrix_pages(self.world))
        if not full():
            # A sampled run reads each page as at most two of the roles that reach it (drawn
            # with the seed); the full run reads it as every one of them.
            by_path: dict[str, list[str]] = {}
            for role, path in pages:
                by_path.setdefault(path, []).append(role)
            pages = [
                (role, path)
                for path, roles in by_path.items()
                for role in self.rng.sample(roles, min(2, len(roles)))
            ]
        for role, path in pages:
            response = self.client(role).get(path)
            if response.status_code >= 500:
                self.report.five_hundreds.append(
                    Finding("5xx", role, "get", path, "-", "-", response.status_code)
                )
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode("utf-8", "replace")
            params = set(PAGING)
            query = urllib.parse.urlsplit(path).query
            params |= {k for k, _ in urllib.parse.parse_qsl(query)}
            for form in parse_forms(html):
                if any(s in (form.action or "") for s in SKIP_ACTIONS):
                    continue
                if form.method == "get":
                    params |= set(form.fields)
                    if set(form.fields) & filter_names:
                        params |= filter_names
                    continue
                target = Target(role, path, form)
                forms.setdefault(target.key(), target)
            lists[(role, path)] = params
        return list(forms.values()), lists

    # Trials ----------------------------------------------------------------------------
    def form_trials(self, target: Target) -> list[Trial]:
        trials = []
        for name, spec in target.form.fields.items():
            if name == "csrfmiddlewaretoken":
                continue
            self.report.fields.add((target.form.method, target.action, name))
            if spec.kind == "file":
                trials += [Trial(u.name, target, name, None, u) for u in UPLOADS]
            else:
                trials += [Trial(p.name, target, name, None, p) for p in PAYLOADS]
        self.report.forms.add((target.form.method, target.action))
        return trials

    def list_trials(self, role: str, path: str, params: set[str]) -> list[Trial]:
        base = path.partition("?")[0]
        self.report.forms.add(("get", base))
        trials = []
        for name in sorted(params):
            self.report.fields.add(("get", base, name))
            trials += [Trial(p.name, None, name, (role, path), p) for p in PAYLOADS]
        return trials

    def sample(self, trials: list[Trial]) -> list[Trial]:
        """Every trial under HOSTILE_FULL; else HOSTILE_PER_CLASS of each class, drawn with the
        seed, so every class is tried on forms and lists of several roles in every run."""
        self.report.possible += len(trials)
        if full():
            return trials
        by_class: dict[str, list[Trial]] = {}
        for trial in trials:
            by_class.setdefault(trial.cls, []).append(trial)
        chosen = []
        for cls in sorted(by_class):
            group = by_class[cls]
            chosen += self.rng.sample(group, min(per_class(), len(group)))
        return chosen

    def run(self, trial: Trial) -> None:
        self.report.classes.add(trial.cls)
        payload = trial.payload
        if trial.target is not None:
            self.report.roles.add(trial.target.role)
            if isinstance(payload, Upload):
                self.submit(trial.target, trial.field, payload.name, _upload(payload))
            else:
                for value in self.payload_values(payload):
                    self.submit(trial.target, trial.field, payload.name, value)
        else:
            role, path = trial.page
            self.report.roles.add(role)
            for value in self.payload_values(payload):
                self.query(role, path, trial.field, payload.name, value)

    def submit(self, target: Target, name: str, cls: str, value: Any) -> None:
        report = self.report
        report.tried += 1
        data = target.form.data()
        data[name] = value
        if isinstance(value, bytes) and not target.form.multipart:
            # A urlencoded body carrying raw bytes, as a browser with a broken encoding sends.
            body = encode_query([(k, v) for k, v in data.items() if k != name] + [(name, value)])
            post = dict(content_type="application/x-www-form-urlencoded", data=body)
        else:
            post = {"data": data}
        client = self.client(target.role)
        with transaction.atomic():
            before = table_counts()
            response = client.post(target.action, **post)
            status = response.status_code
            finding = Finding("", target.role, "post", target.action, name, cls, status)
            if status >= 500:
                finding.what = "5xx"
                report.five_hundreds.append(finding)
            elif status in (301, 302, 303):
                if cls == "html_js":
                    self.check_escaped(target.role, response["Location"], finding)
            else:
                html = response.content.decode("utf-8", "replace")
                errors = error_texts(html) if "html" in response.get("Content-Type", "") else []
                refused = bool(errors) or status >= 400
                if refused:
                    if status == 400 and not errors:
                        finding.what = "refused without a message"
                        report.problems.append(finding)
                    elif errors and not any(CJK.search(e) for e in errors):
                        finding.what = "message not in the UI language"
                        finding.detail = "; ".join(errors)[:200]
                        report.problems.append(finding)
                    after = table_counts()
                    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                    if changed and status not in (403, 404):
                        finding.what = "refused but stored"
                        finding.detail = str(changed)
                        report.problems.append(finding)
                elif cls == "html_js" and MARKUP in html:
                    finding.what = "markup rendered unescaped"
                    report.problems.append(finding)
            transaction.set_rollback(True)

    def check_escaped(self, role: str, location: str, finding: Finding) -> None:
        if not location.startswith("/"):
            return
        response = self.client(role).get(location)
        if response.status_code >= 500:
            finding.what = "5xx on the page after saving"
            self.report.five_hundreds.append(finding)
        elif MARKUP in response.content.decode("utf-8", "replace"):
            finding.what = "markup rendered unescaped after saving"
            self.report.problems.append(finding)

    # Lists -------------------------------------------------------------------------------
    def query(self, role: str, path: str, name: str, cls: str, value: Any) -> None:
        report = self.report
        report.tried += 1
        base, _, query = path.partition("?")
        keep = urllib.parse.parse_qsl(query)
        qs = encode_query([(k, v) for k, v in keep if k != name] + [(name, value)])
        response = self.client(role).get(f"{base}?{qs}")
        status = response.status_code
        if status >= 500:
            report.five_hundreds.append(Finding("5xx", role, "get", base, name, cls, status))
        elif status == 400 and not CJK.search(response.content.decode("utf-8", "replace")):
            report.problems.append(
                Finding("refused without a message", role, "get", base, name, cls, status)
            )
        elif cls == "html_js" and MARKUP in response.content.decode("utf-8", "replace"):
            report.problems.append(
                Finding("markup rendered unescaped", role, "get", base, name, cls, status)
            )


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out
