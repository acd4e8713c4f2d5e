"""Writes of the reporting layer. Every service is atomic, locks the measure it acts on, checks
the person against the measure's scope and relations, and records an audit event on the measure
(so it shows on the measure's timeline). State changes go through `ledger.services`.
"""

from reporting.services.closeout import (
    STAGE_REQUEST_STATUS,
    STAGE_STATES,
    closeout_decide,
    closeout_direct,
    closeout_request,
    closeout_withdraw,
    period_review_complete,
)
from reporting.services.common import (
    MAX_FILES_PER_UPLOAD,
    TEXT_LIMIT,
    evidence_snapshot,
    measure_snapshot,
    reporting_unit_for,
)
from reporting.services.cycles import (
    CycleData,
    UnitReportData,
    cycle_description,
    cycle_period,
    cycle_save,
    unit_report_save,
)
from reporting.services.evidence import (
    PreparedFile,
    Upload,
    UploadLike,
    evidence_add,
    evidence_add_text,
    evidence_guard,
    evidence_prepare,
    evidence_withdraw,
    max_unzipped_bytes,
)
from reporting.services.extensions import (
    extension_decide,
    extension_request,
)
from reporting.services.lookbacks import (
    ScheduleResult,
    lookback_record,
    lookback_schedule,
)
from reporting.services.reports import (
    ReportData,
    report_file,
)

__all__ = [
    "MAX_FILES_PER_UPLOAD",
    "STAGE_REQUEST_STATUS",
    "STAGE_STATES",
    "TEXT_LIMIT",
    "CycleData",
    "PreparedFile",
    "ReportData",
    "ScheduleResult",
    "UnitReportData",
    "Upload",
    "UploadLike",
    "closeout_decide",
    "closeout_direct",
    "closeout_request",
    "closeout_withdraw",
    "cycle_description",
    "cycle_period",
    "cycle_save",
    "evidence_add",
    "evidence_add_text",
    "evidence_guard",
    "evidence_prepare",
    "evidence_snapshot",
    "evidence_withdraw",
    "extension_decide",
    "extension_request",
    "lookback_record",
    "lookback_schedule",
    "max_unzipped_bytes",
    "measure_snapshot",
    "period_review_complete",
    "report_file",
    "reporting_unit_for",
    "unit_report_save",
]
