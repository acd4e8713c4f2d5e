"""Permission-matrix cases for every reporting URL (collected by tests/test_permission_matrix.py).

The in-scope object is branch 1's scoped measure (task force 1's theme, grid 1), waiting for its
liaison review in the demo; branch 7 (the outsider) must not even learn that it exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.matrix import (
    ANY_REFUSAL,
    EVERYONE,
    MANAGERS,
    Case,
    fields_of,
    once,
    post_only,
    read_only,
    roles,
)

SEES = ("leader", "office", "taskforce", "liaison", "branch", "staff")
UNIT_WRITERS = ("office", "branch", "staff")


def _m(w: Any) -> Any:
    from ledger.models import Measure

    return Measure.objects.get(pk=once(w, "scoped", lambda: w.scoped_measure().pk))


def _in_progress(w: Any) -> Any:
    """The scoped measure, taken back by its unit so that it can be asked for again."""
    from reporting.services import closeout_withdraw

    m = _m(w)
    if m.state == "pending_review":
        closeout_withdraw(by=w.user("branch1"), measure=m, reason="补充材料")
    return _m(w)


def _evidence(w: Any) -> Any:
    from reporting.models import Evidence
    from reporting.services import evidence_add_text

    m = _m(w)
    found = Evidence.objects.filter(measure=m, withdrawn_at__isnull=True).order_by("id").first()
    if found is not None:
        from reporting import storage

        if storage.exists(found.sha256):
            return found
    return evidence_add_text(by=w.user("branch1"), measure=m, name="说明.txt", content="整改说明")


def _extension(w: Any) -> Any:
    from reporting.models import ExtensionRequest
    from reporting.services import extension_request

    m = _m(w)
    found = ExtensionRequest.objects.filter(measure=m, status="pending").first()
    if found is not None:
        return found
    return extension_request(
        by=w.user("branch1"),
        measure=m,
        new_due_date=max(m.due_date, timezone.localdate()) + dt.timedelta(days=20),
        reason="配合单位调整，需延期",
    )


def _lookback(w: Any) -> Any:
    from ledger.models import Measure
    from reporting.models import LookBack
    from reporting.services import lookback_schedule

    m = w.measure(state="closed")
    found = LookBack.objects.filter(measure=m, status="scheduled").first()
    if found is not None:
        return found
    lookback_schedule(
        by=w.user("office"),
        measures=Measure.objects.unscoped("test selection").filter(pk=m.pk),
        planned_date=timezone.localdate(),
    )
    return LookBack.objects.get(measure=m, status="scheduled")


def _long_term(w: Any) -> Any:
    """A long-term measure of branch 1, made for this test, whose stage can be completed."""
    return _started(w, "long_term", "long_term", due_date=None, review_interval_days=30)


def _started(w: Any, key: str, kind: str, **fields: Any) -> Any:
    """A measure of branch 1 of a deadline kind, made for this test, started, with evidence."""
    from ledger.services import measure_transition
    from reporting.services import evidence_add_text

    def make() -> Any:
        m = w.new_measure(deadline_kind=kind, **fields)
        m = measure_transition(by=w.user("branch1"), measure=m, name="start")
        evidence_add_text(by=w.user("branch1"), measure=m, name="说明.txt", content="整改说明")
        return m

    return once(w, key, make)


def _immediate(w: Any) -> Any:
    return _started(w, "immediate", "immediate")


def _immediate_state(w: Any) -> Any:
    from ledger.models import Measure

    return fields_of(Measure, _immediate(w).pk, "state")


def _state(w: Any) -> Any:
    from ledger.models import Measure
    from reporting.models import CloseRequest

    m = _m(w)
    requests = CloseRequest.objects.filter(measure=m).values_list("status", flat=True)
    return (*fields_of(Measure, m.pk, "state"), sorted(requests))


def _reports(w: Any) -> int:
    from reporting.models import ProgressReport

    return ProgressReport.objects.filter(measure=_m(w)).count()


def _evidence_count(w: Any) -> int:
    from reporting.models import Evidence

    return Evidence.objects.filter(measure=_m(w), withdrawn_at__isnull=True).count()


def _withdrawn(w: Any) -> Any:
    from reporting.models import Evidence

    return fields_of(Evidence, once(w, "evidence", lambda: _evidence(w).pk), "withdrawn_at")


def _stages(w: Any) -> int:
    from reporting.models import ReviewDecision

    return ReviewDecision.objects.filter(measure=_long_term(w)).count()


def _extensions(w: Any) -> Any:
    from reporting.models import ExtensionRequest

    return sorted(ExtensionRequest.objects.filter(measure=_m(w)).values_list("status", flat=True))


def _lookbacks(w: Any) -> Any:
    from reporting.models import LookBack

    return sorted(LookBack.objects.values_list("id", "status"))


def _cycle(w: Any) -> Any:
    from reporting.models import ReportingCycle

    return list(ReportingCycle.objects.filter(inspection=w.inspection()).values_list("frequency"))


def _unit_reports(w: Any) -> Any:
    from reporting.models import UnitReport

    return list(
        UnitReport.objects.filter(unit=w.unit(w.BRANCH1)).values_list("work_done", "version")
    )


def _file(name: str = "会议记录.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, pdf, content_type="application/pdf")


def _cycle_inspection(w: Any) -> Any:
    from reporting.models import ReportingCycle
    from reporting.services import CycleData, cycle_save

    inspection = w.inspection()
    if not ReportingCycle.objects.filter(inspection=inspection).exists():
        cycle_save(by=w.user("office"), inspection=inspection, data=CycleData(frequency="weekly"))
    return inspection


def _unit_report_path(w: Any) -> str:
    inspection = _cycle_inspection(w)
    return reverse("reporting:unit_report", args=[inspection.pk, w.unit(w.BRANCH1).pk])


CASES = [
    *read_only(
        Case("reporting:queue", lambda w: reverse("reporting:queue"), roles(*MANAGERS)),
        Case(
            "reporting:liaison_queue",
            lambda w: reverse("reporting:liaison_queue"),
            roles("liaison"),
        ),
        Case("reporting:missing", lambda w: reverse("reporting:missing"), roles(*EVERYONE)),
        Case(
            "reporting:evidence_download",
            lambda w: reverse("reporting:evidence_download", args=[_evidence(w).pk]),
            roles(*SEES) | {"outsider": 404},
        ),
        Case(
            "reporting:evidence_download",
            lambda w: reverse("reporting:evidence_download", args=[_evidence(w).pk + 100000]),
            roles(*EVERYONE, status=404),
            note="guessed-id",
        ),
        Case(
            "reporting:lookback_list",
            lambda w: reverse("reporting:lookback_list"),
            roles(*EVERYONE),
        ),
        Case(
            "reporting:reconcile",
            lambda w: reverse("reporting:reconcile", args=[_m(w).finding_id]),
            roles(*SEES) | {"outsider": 404},
        ),
    ),
    Case(
        "reporting:report_create",
        lambda w: reverse("reporting:report_create", args=[_m(w).pk]),
        roles(*UNIT_WRITERS) | {"outsider": 404},
    ),
    Case(
        "reporting:report_create",
        lambda w: reverse("reporting:report_create", args=[_m(w).pk]),
        roles(*UNIT_WRITERS, status=302) | {"outsider": 404},
        method="post",
        form=lambda w: {"work_done": "召开专题会议，完成制度修订。", "progress": "80"},
        effect=_reports,
    ),
    Case(
        "reporting:evidence_upload",
        lambda w: reverse("reporting:evidence_upload", args=[_m(w).pk]),
        roles(*UNIT_WRITERS) | {"outsider": 404},
    ),
    Case(
        "reporting:evidence_upload",
        lambda w: reverse("reporting:evidence_upload", args=[_m(w).pk]),
        roles(*UNIT_WRITERS, status=302) | {"outsider": 404},
        method="post",
        form=lambda w: {"files": _file(), "description_0": "支部会议记录"},
        effect=_evidence_count,
    ),
    *post_only(
        Case(
            "reporting:evidence_withdraw",
            lambda w: reverse("reporting:evidence_withdraw", args=[_evidence(w).pk]),
            roles(*UNIT_WRITERS, status=302) | {"outsider": 404},
            method="post",
            data=lambda w: {"reason": "上传错误"},
            effect=_withdrawn,
        ),
        Case(
            "reporting:closeout_request",
            lambda w: reverse("reporting:closeout_request", args=[_in_progress(w).pk]),
            roles("office", "branch", status=302) | {"staff": ANY_REFUSAL, "outsider": 404},
            method="post",
            data=lambda w: {"summary": "已完成整改，佐证材料齐全。"},
            effect=_state,
        ),
        Case(
            "reporting:closeout_withdraw",
            lambda w: reverse("reporting:closeout_withdraw", args=[_m(w).pk]),
            roles("office", "branch", status=302) | {"staff": ANY_REFUSAL, "outsider": 404},
            method="post",
            data=lambda w: {"reason": "补充材料"},
            effect=_state,
        ),
        Case(
            "reporting:closeout_decide",
            lambda w: reverse("reporting:closeout_decide", args=[_m(w).pk]),
            roles("liaison", status=302) | {"outsider": 404},
            method="post",
            data=lambda w: {"stage": "liaison", "decision": "approve", "reason": ""},
            effect=_state,
        ),
        Case(
            "reporting:closeout_direct",
            lambda w: reverse("reporting:closeout_direct", args=[_immediate(w).pk]),
            roles(*MANAGERS, status=302),
            method="post",
            data=lambda w: {"note": "现场核查已整改到位"},
            effect=_immediate_state,
        ),
        Case(
            "reporting:stage_complete",
            lambda w: reverse("reporting:stage_complete", args=[_long_term(w).pk]),
            roles(*MANAGERS, status=302),
            method="post",
            data=lambda w: {"note": "本期已完成"},
            effect=_stages,
        ),
        Case(
            "reporting:extension_request",
            lambda w: reverse("reporting:extension_request", args=[_m(w).pk]),
            roles("branch", status=302) | {"outsider": 404},
            method="post",
            data=lambda w: {
                "new_due_date": (
                    max(_m(w).due_date, timezone.localdate()) + dt.timedelta(days=20)
                ).isoformat(),
                "reason": "需延期",
            },
            effect=_extensions,
        ),
        Case(
            "reporting:extension_decide",
            lambda w: reverse(
                "reporting:extension_decide", args=[once(w, "ext", lambda: _extension(w).pk)]
            ),
            roles(*MANAGERS, status=302),
            method="post",
            data=lambda w: {"decision": "approve", "note": ""},
            effect=_extensions,
        ),
    ),
    Case(
        "reporting:lookback_schedule",
        lambda w: reverse("reporting:lookback_schedule"),
        roles(*MANAGERS),
    ),
    Case(
        "reporting:lookback_schedule",
        lambda w: (
            reverse("reporting:lookback_schedule") + f"?measure={w.measure(state='closed').pk}"
        ),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {"when": "date", "planned_date": timezone.localdate().isoformat()},
        effect=_lookbacks,
    ),
    Case(
        "reporting:lookback_record",
        lambda w: reverse("reporting:lookback_record", args=[_lookback(w).pk]),
        roles(*MANAGERS),
    ),
    Case(
        "reporting:lookback_record",
        lambda w: reverse(
            "reporting:lookback_record", args=[once(w, "lookback", lambda: _lookback(w).pk)]
        ),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {"rating": "good", "notes": "回头看未发现反弹。"},
        effect=_lookbacks,
    ),
    Case(
        "reporting:cycle_edit",
        lambda w: reverse("reporting:cycle_edit", args=[w.inspection().pk]),
        roles(*MANAGERS),
    ),
    Case(
        "reporting:cycle_edit",
        lambda w: reverse("reporting:cycle_edit", args=[w.inspection().pk]),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {"frequency": "monthly", "day_of_month": "25"},
        effect=_cycle,
    ),
    Case(
        "reporting:unit_report",
        _unit_report_path,
        roles(*SEES) | {"outsider": 404},
    ),
    Case(
        "reporting:unit_report",
        _unit_report_path,
        roles("office", "branch", "staff", status=302) | {"outsider": 404},
        method="post",
        form=lambda w: {"work_done": "本周期完成制度修订并组织学习。"},
        effect=_unit_reports,
    ),
]
