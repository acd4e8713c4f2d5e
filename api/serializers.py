"""What the API shows of each record: the same fields the pages show to the same person."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from ledger.choices import DeadlineKind
from ledger.models import Finding, Inspection, Measure
from meetings.models import Meeting
from notifications.models import Urge
from regulations.models import Rule
from reporting.models import Evidence, ExtensionRequest, ProgressReport


class InspectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Inspection
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "inspecting_body",
            "start_date",
            "end_date",
            "feedback_date",
            "rectification_end",
            "status",
        ]


class FindingSerializer(serializers.ModelSerializer):
    theme = serializers.CharField(source="theme.name", read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "inspection", "number", "text", "theme"]


class MeasureSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id",
            "reference",
            "finding",
            "number",
            "content",
            "lead_unit",
            "lead_unit_name",
            "deadline_kind",
            "deadline_text",
            "due_date",
            "original_due_date",
            "is_flagged",
            "progress",
            "state",
            "state_changed_at",
            "closed_at",
            "evidence_count",
            "last_report_at",
            "urge_count",
            "updated_at",
            "version",
        ]


class BoundedDate(serializers.DateField):
    """A calendar date the ledger can reckon with (deadlines and warnings count days from it)."""

    def to_internal_value(self, value: Any) -> Any:
        day = super().to_internal_value(value)
        if not 2000 <= day.year <= 2100:
            raise serializers.ValidationError(_("Give a date between 2000 and 2100."))
        return day


class MeasureUpdateSerializer(serializers.Serializer):
    """The fields a program may change; each person only those the page lets them change."""

    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    content = serializers.CharField(required=False, max_length=5000)
    number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    deadline_text = serializers.CharField(required=False, allow_blank=True, max_length=100)
    due_date = BoundedDate(required=False, allow_null=True)
    progress = serializers.IntegerField(required=False, min_value=0, max_value=100)
    is_flagged = serializers.BooleanField(required=False)


class MeasureCreateSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=5000)
    lead_unit = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    number = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    deadline_kind = serializers.ChoiceField(choices=DeadlineKind.choices, default="by_date")
    deadline_text = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )
    due_date = BoundedDate(required=False, allow_null=True, default=None)


class ReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "measure",
            "unit",
            "unit_name",
            "filed_at",
            "work_done",
            "problems",
            "next_steps",
            "progress",
            "supersedes",
        ]


class ReportCreateSerializer(serializers.Serializer):
    work_done = serializers.CharField(max_length=5000)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    problems = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    next_steps = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = [
            "id",
            "measure",
            "report",
            "original_name",
            "description",
            "kind",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "withdrawn_at",
        ]


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default=""
    )


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "measure",
            "requested_at",
            "current_due_date",
            "requested_due_date",
            "reason",
            "status",
            "decided_at",
            "decision_note",
        ]


class ExtensionCreateSerializer(serializers.Serializer):
    new_due_date = BoundedDate()
    reason = serializers.CharField(max_length=2000)


class ExtensionDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class UrgeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Urge
        fields = ["id", "measure", "message", "created_at", "answer", "answered_at"]


class UrgeCreateSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=2000)


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = ["id", "inspection", "title", "kind", "starts_at", "place", "state"]


class RuleSerializer(serializers.ModelSerializer):
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)

    class Meta:
        model = Rule
        fields = [
            "id",
            "inspection",
            "title",
            "kind",
            "lead_unit",
            "lead_unit_name",
            "stage",
            "issue_number",
            "issued_on",
        ]


class SummarySerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DecisionSerializer(serializers.Serializer):
    measure = serializers.IntegerField(source="measure_id")
    stage = serializers.CharField()
    outcome = serializers.CharField()
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField()


class CloseRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    measure = serializers.IntegerField(source="measure_id")
    status = serializers.CharField()
    summary = serializers.CharField()
    requested_at = serializers.DateTimeField()


class StatisticsSerializer(serializers.Serializer):
    date = serializers.DateField()
    measures = serializers.IntegerField()
    measures_done = serializers.IntegerField()
    measures_open = serializers.IntegerField()
    measures_rate = serializers.CharField()
    overdue = serializers.IntegerField()
    flagged = serializers.IntegerField()
    findings = serializers.IntegerField()
    findings_done = serializers.IntegerField()
    findings_rate = serializers.CharField()


class StatisticsQuerySerializer(serializers.Serializer):
    date = BoundedDate(required=False)


def statistics_of(summary: dict[str, Any], day: Any) -> dict[str, Any]:
    rates = summary["completion"]
    return {
        "date": day,
        "measures": summary["total"],
        "measures_done": summary["done"],
        "measures_open": summary["open"],
        "measures_rate": rates.measures_rate,
        "overdue": summary["overdue"],
        "flagged": summary["flagged"],
        "findings": rates.findings,
        "findings_done": rates.findings_done,
        "findings_rate": rates.findings_rate,
    }
