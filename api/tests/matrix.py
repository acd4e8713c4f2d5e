"""Permission-matrix cases for the API's URLs.

`CASES` join the product-wide matrix (tests/test_permission_matrix.py), whose clients carry a
browser session: the API answers them 401 (it knows only tokens), the token page serves each
person their own tokens. `API_CASES` run every API operation for every role with that role's
token (api/tests/test_api_matrix.py), including guessed ids: out of scope is 404, never 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from meetings.tests.matrix import READERS as MEETING_READERS
from meetings.tests.matrix import _meeting
from regulations.tests.matrix import SEES as RULE_READERS
from regulations.tests.matrix import _rule
from reporting.tests.matrix import _in_progress, _m, _reports, _state
from tests.matrix import ALL_OF_ORG, SIGNED_IN, Case, post_only, read_only, roles

SEES = ("leader", "office", "taskforce", "liaison", "branch", "staff")
GUESS = 10_000_000


def _token_of_branch(w: Any) -> Any:
    from api.models import PersonalToken
    from tests.matrix import once

    return PersonalToken.objects.get(
        pk=once(
            w,
            "branch-token",
            lambda: (
                __import__("api.services", fromlist=["token_create"])
                .token_create(by=w.user("branch1"), name="脚本", days=30, read_only=True)[0]
                .pk
            ),
        )
    )


def _tokens_of_org(w: Any) -> int:
    from api.models import PersonalToken

    return PersonalToken.objects.exclude(user__username="stranger_office").count()


def _revoked(w: Any) -> Any:
    from api.models import PersonalToken

    return PersonalToken.objects.filter(pk=_token_of_branch(w).pk).values_list(
        "revoked_at", flat=True
    )[0]


def _api(name: str, path: Callable[[Any], str]) -> list[Case]:
    """A session reaches no API data: 401 for everyone, by GET and by POST."""
    everyone = roles(*SIGNED_IN, status=401)
    return [
        Case(name, path, everyone, default=401, anonymous=401, stranger=401, note="session"),
        Case(
            name,
            path,
            everyone,
            default=401,
            anonymous=401,
            stranger=401,
            method="post",
            note="session-post",
            changes=(),
        ),
    ]


def _measure_path(name: str) -> Callable[[Any], str]:
    return lambda w: reverse(name, args=[_m(w).pk])


CASES = [
    Case("api:tokens", lambda w: reverse("api:tokens"), roles(*ALL_OF_ORG), stranger=200),
    Case(
        "api:tokens",
        lambda w: reverse("api:tokens"),
        roles(*ALL_OF_ORG, status=302),
        method="post",
        form=lambda w: {"name": "导出脚本"},
        form_as="actor",
        effect=_tokens_of_org,
        changes=ALL_OF_ORG,
        stranger=302,
    ),
    *post_only(
        Case(
            "api:token_revoke",
            lambda w: reverse("api:token_revoke", args=[_token_of_branch(w).pk]),
            {"branch": 302},
            default=404,
            method="post",
            effect=_revoked,
        )
    ),
    *read_only(
        Case(
            "api:schema",
            lambda w: reverse("api:schema"),
            {},
            default=200,
            anonymous=200,
            public=True,
            stranger=200,
        ),
        Case(
            "api:docs",
            lambda w: reverse("api:docs"),
            {},
            default=200,
            anonymous=200,
            public=True,
            stranger=200,
        ),
    ),
    *_api("api:inspections", lambda w: reverse("api:inspections")),
    *_api("api:inspection", lambda w: reverse("api:inspection", args=[w.inspection().pk])),
    *_api("api:findings", lambda w: reverse("api:findings")),
    *_api("api:finding", lambda w: reverse("api:finding", args=[_m(w).finding_id])),
    *_api("api:measures", lambda w: reverse("api:measures")),
    *_api("api:finding_measures", lambda w: reverse("api:finding_measures", args=[1])),
    *_api("api:measure", _measure_path("api:measure")),
    *_api("api:reports", _measure_path("api:reports")),
    *_api("api:evidence", _measure_path("api:evidence")),
    *_api("api:evidence_download", lambda w: reverse("api:evidence_download", args=[1])),
    *_api("api:closeout_request", _measure_path("api:closeout_request")),
    *_api("api:closeout_approve", _measure_path("api:closeout_approve")),
    *_api("api:closeout_return", _measure_path("api:closeout_return")),
    *_api("api:closeout_close", _measure_path("api:closeout_close")),
    *_api("api:statistics", lambda w: reverse("api:statistics")),
    *_api("api:extensions", _measure_path("api:extensions")),
    *_api("api:extension_decide", lambda w: reverse("api:extension_decide", args=[1])),
    *_api("api:urge", _measure_path("api:urge")),
    *_api("api:meetings", lambda w: reverse("api:meetings")),
    *_api("api:meeting", lambda w: reverse("api:meeting", args=[_meeting(w).pk])),
    *_api("api:rules", lambda w: reverse("api:rules")),
    *_api("api:rule", lambda w: reverse("api:rule", args=[_rule(w).pk])),
]


# --- every API operation, with each role's own token -----------------------------------------


@dataclass(frozen=True)
class ApiCase:
    """One API operation: the status each role's token gets (unlisted roles: `default`), and
    for a write, what it changes (read from the database) and who changes it."""

    name: str
    method: str
    path: Callable[[Any], str]
    expect: dict[str, int]
    default: int = 404
    data: Callable[[Any], dict[str, Any]] | None = None
    effect: Callable[[Any], Any] | None = None
    multipart: bool = False

    def status_for(self, role: str) -> int:
        if role == "anonymous":
            return 401
        return self.expect.get(role, self.default)


def _evidence(w: Any) -> Any:
    from reporting.tests.matrix import _evidence as evidence

    return evidence(w)


def _version(w: Any) -> int:
    return int(_m(w).version)


def _progress(w: Any) -> Any:
    from ledger.models import Measure

    return Measure.objects.filter(pk=_m(w).pk).values_list("progress", "version")[0]


def _evidence_count(w: Any) -> int:
    from reporting.models import Evidence

    return Evidence.objects.filter(measure=_m(w)).count()


def _pending_close(w: Any) -> Any:
    """The scoped measure approved by its liaison group: it waits for the office."""
    from reporting.choices import ReviewStage
    from reporting.services import closeout_decide

    m = _m(w)
    if m.state == "pending_review":
        closeout_decide(by=w.user("liaison1"), measure=m, stage=ReviewStage.LIAISON, approve=True)
    return _m(w)


def _file() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("会议记录.txt", "支部会议记录".encode(), "text/plain")


def _measures_of_finding(w: Any) -> int:
    from ledger.models import Measure

    return Measure.objects.filter(finding_id=_m(w).finding_id).count()


def _later(w: Any) -> str:
    import datetime as dt

    from django.utils import timezone

    m = _m(w)
    return (max(m.due_date, timezone.localdate()) + dt.timedelta(days=30)).isoformat()


def _extension(w: Any) -> Any:
    from reporting.tests.matrix import _extension as extension

    return extension(w)


def _extensions(w: Any) -> Any:
    from reporting.tests.matrix import _extensions as extensions

    return extensions(w)


def _urges(w: Any) -> int:
    from notifications.models import Urge

    return Urge.objects.filter(measure=_m(w)).count()


ALL = ("admin", "secadmin", "auditor", *SEES, "outsider", "stranger")
LISTS = dict.fromkeys(ALL, 200)
SEEN = dict.fromkeys(SEES, 200)

API_CASES = [
    ApiCase("inspections", "get", lambda w: reverse("api:inspections"), LISTS),
    ApiCase(
        "inspection",
        "get",
        lambda w: reverse("api:inspection", args=[w.inspection().pk]),
        dict.fromkeys((*SEES, "outsider"), 200),
    ),
    ApiCase("inspection-guess", "get", lambda w: reverse("api:inspection", args=[GUESS]), {}),
    ApiCase("findings", "get", lambda w: reverse("api:findings"), LISTS),
    ApiCase("finding", "get", lambda w: reverse("api:finding", args=[_m(w).finding_id]), SEEN),
    ApiCase("finding-guess", "get", lambda w: reverse("api:finding", args=[GUESS]), {}),
    ApiCase(
        "measures", "get", lambda w: reverse("api:measures") + "?q=整改&state=in_progress", LISTS
    ),
    ApiCase(
        "measure-create",
        "post",
        lambda w: reverse("api:finding_measures", args=[_m(w).finding_id]),
        {
            "office": 201,
            "taskforce": 201,
            "leader": 403,
            "liaison": 403,
            "branch": 403,
            "staff": 403,
        },
        data=lambda w: {
            "content": "修订党委理论学习中心组学习制度。",
            "lead_unit": w.unit(w.BRANCH1).pk,
            "due_date": "2027-06-30",
        },
        effect=_measures_of_finding,
    ),
    ApiCase(
        "measure-create-guess",
        "post",
        lambda w: reverse("api:finding_measures", args=[GUESS]),
        {},
        data=lambda w: {"content": "x", "lead_unit": 1},
    ),
    ApiCase("measure", "get", _measure_path("api:measure"), SEEN),
    ApiCase("measure-guess", "get", lambda w: reverse("api:measure", args=[GUESS]), {}),
    ApiCase(
        "measure-patch",
        "patch",
        _measure_path("api:measure"),
        {
            "office": 200,
            "taskforce": 200,
            "branch": 200,
            "leader": 403,
            "liaison": 403,
            "staff": 403,
        },
        data=lambda w: {"version": _version(w), "progress": 77},
        effect=_progress,
    ),
    ApiCase(
        "measure-patch-guess",
        "patch",
        lambda w: reverse("api:measure", args=[GUESS]),
        {},
        data=lambda w: {"version": 1, "progress": 77},
    ),
    ApiCase("reports", "get", _measure_path("api:reports"), SEEN),
    ApiCase(
        "report-create",
        "post",
        _measure_path("api:reports"),
        {
            "office": 201,
            "branch": 201,
            "staff": 201,
            "leader": 403,
            "taskforce": 403,
            "liaison": 403,
        },
        data=lambda w: {"work_done": "召开专题会议，完成制度修订。", "progress": 80},
        effect=_reports,
    ),
    ApiCase(
        "report-guess",
        "post",
        lambda w: reverse("api:reports", args=[GUESS]),
        {},
        data=lambda w: {"work_done": "x", "progress": 1},
    ),
    ApiCase("evidence", "get", _measure_path("api:evidence"), SEEN),
    ApiCase(
        "evidence-upload",
        "post",
        _measure_path("api:evidence"),
        {
            "office": 201,
            "branch": 201,
            "staff": 201,
            "leader": 403,
            "taskforce": 403,
            "liaison": 403,
        },
        data=lambda w: {"file": _file(), "description": "支部会议记录"},
        effect=_evidence_count,
        multipart=True,
    ),
    ApiCase(
        "evidence-download",
        "get",
        lambda w: reverse("api:evidence_download", args=[_evidence(w).pk]),
        SEEN,
    ),
    ApiCase(
        "evidence-download-guess",
        "get",
        lambda w: reverse("api:evidence_download", args=[GUESS]),
        {},
    ),
    ApiCase(
        "closeout-request",
        "post",
        lambda w: reverse("api:closeout_request", args=[_in_progress(w).pk]),
        {
            "office": 201,
            "branch": 201,
            "staff": 403,
            "leader": 403,
            "taskforce": 403,
            "liaison": 403,
        },
        data=lambda w: {"summary": "已完成整改，佐证材料齐全。"},
        effect=_state,
    ),
    ApiCase(
        "closeout-approve",
        "post",
        _measure_path("api:closeout_approve"),
        {
            "liaison": 200,
            "office": 403,
            "branch": 403,
            "staff": 403,
            "leader": 403,
            "taskforce": 403,
        },
        data=lambda w: {"reason": ""},
        effect=_state,
    ),
    ApiCase(
        "closeout-return",
        "post",
        _measure_path("api:closeout_return"),
        {
            "liaison": 200,
            "office": 403,
            "branch": 403,
            "staff": 403,
            "leader": 403,
            "taskforce": 403,
        },
        data=lambda w: {"reason": "缺少会议记录"},
        effect=_state,
    ),
    ApiCase(
        "closeout-close",
        "post",
        lambda w: reverse("api:closeout_close", args=[_pending_close(w).pk]),
        {
            "office": 200,
            "liaison": 403,
            "branch": 403,
            "staff": 403,
            "leader": 403,
            "taskforce": 403,
        },
        data=lambda w: {"reason": ""},
        effect=_state,
    ),
    ApiCase(
        "closeout-guess",
        "post",
        lambda w: reverse("api:closeout_close", args=[GUESS]),
        {},
        data=lambda w: {"reason": ""},
    ),
    ApiCase("extensions", "get", _measure_path("api:extensions"), SEEN),
    ApiCase(
        "extension-request",
        "post",
        _measure_path("api:extensions"),
        {
            "branch": 201,
            "office": 403,
            "staff": 403,
            "leader": 403,
            "taskforce": 403,
            "liaison": 403,
        },
        data=lambda w: {"new_due_date": _later(w), "reason": "需协调校外单位，申请延期一个月。"},
        effect=_extensions,
    ),
    ApiCase(
        "extension-decide",
        "post",
        lambda w: reverse("api:extension_decide", args=[_extension(w).pk]),
        {
            "office": 200,
            "branch": 403,
            "staff": 403,
            "leader": 403,
            "taskforce": 403,
            "liaison": 403,
        },
        data=lambda w: {"approve": True, "note": ""},
        effect=_extensions,
    ),
    ApiCase(
        "extension-decide-guess",
        "post",
        lambda w: reverse("api:extension_decide", args=[GUESS]),
        {},
        data=lambda w: {"approve": True},
    ),
    ApiCase(
        "urge",
        "post",
        _measure_path("api:urge"),
        {
            "office": 201,
            "liaison": 201,
            "branch": 403,
            "staff": 403,
            "leader": 403,
            "taskforce": 403,
        },
        data=lambda w: {"message": "请抓紧推进，本周内报送进展。"},
        effect=_urges,
    ),
    ApiCase(
        "urge-guess",
        "post",
        lambda w: reverse("api:urge", args=[GUESS]),
        {},
        data=lambda w: {"message": "x"},
    ),
    ApiCase("meetings", "get", lambda w: reverse("api:meetings"), LISTS),
    ApiCase(
        "meeting",
        "get",
        lambda w: reverse("api:meeting", args=[_meeting(w).pk]),
        dict.fromkeys(MEETING_READERS, 200),
    ),
    ApiCase("meeting-guess", "get", lambda w: reverse("api:meeting", args=[GUESS]), {}),
    ApiCase("rules", "get", lambda w: reverse("api:rules"), LISTS),
    ApiCase(
        "rule",
        "get",
        lambda w: reverse("api:rule", args=[_rule(w).pk]),
        dict.fromkeys(RULE_READERS, 200),
    ),
    ApiCase("rule-guess", "get", lambda w: reverse("api:rule", args=[GUESS]), {}),
    ApiCase("statistics", "get", lambda w: reverse("api:statistics") + "?date=2026-01-01", LISTS),
]
