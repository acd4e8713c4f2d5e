"""The REST API (/api/v1/): thin views over the ledger's and reporting's selectors and services.

Every read goes through `visible_to` (an id out of scope answers 404, never 403: the API does
not confirm that a record exists); every write through the service the page calls, which checks
the same policy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.pagination import MeasurePagination
from dashboards.selectors import scope_summary
from ledger.filters import MeasureFilter
from ledger.models import Finding, Inspection, Measure
from ledger.selectors import ledger_measures
from ledger.services import MeasureData, measure_create, measure_data_of, measure_update
from meetings.selectors import meetings_for
from notifications.services import urge_create
from organization.models import Unit
from regulations.selectors import visible_rules
from reporting import services as reporting
from reporting.choices import ReviewStage
from reporting.models import ExtensionRequest
from reporting.selectors import measure_evidence, measure_extensions, measure_reports
from reporting.services.evidence import Upload
from reporting.services.reports import ReportData
from reporting.views import evidence_download

Q = OpenApiParameter.QUERY


def visible_measure(request: Request, pk: int) -> Measure:
    return get_object_or_404(Measure.objects.visible_to(request.user), pk=pk)


class InspectionList(generics.ListAPIView):
    serializer_class = s.InspectionSerializer

    def get_queryset(self) -> Any:
        return Inspection.objects.visible_to(self.request.user).order_by("-feedback_date", "-id")


class InspectionDetail(generics.RetrieveAPIView):
    serializer_class = s.InspectionSerializer

    def get_queryset(self) -> Any:
        return Inspection.objects.visible_to(self.request.user)


class FindingList(generics.ListAPIView):
    serializer_class = s.FindingSerializer

    @extend_schema(parameters=[OpenApiParameter("inspection", OpenApiTypes.INT, Q)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        qs = (
            Finding.objects.visible_to(self.request.user)
            .select_related("theme")
            .order_by("inspection_id", "sort_key", "id")
        )
        inspection = self.request.query_params.get("inspection")
        if inspection:
            if not inspection.isdigit() or len(inspection) > 18:
                raise ValidationError({"inspection": [_invalid_id()]})
            qs = qs.filter(inspection_id=int(inspection))
        return qs


class FindingDetail(generics.RetrieveAPIView):
    serializer_class = s.FindingSerializer

    def get_queryset(self) -> Any:
        return Finding.objects.visible_to(self.request.user).select_related("theme")


def _invalid_id() -> str:
    from django.utils.translation import gettext as _

    return _("Give a record's number.")


MEASURE_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, Q, description="search in measure and finding"),
    OpenApiParameter("inspection", OpenApiTypes.INT, Q),
    OpenApiParameter("theme", OpenApiTypes.INT, Q),
    OpenApiParameter("task_force", OpenApiTypes.INT, Q),
    OpenApiParameter("unit", OpenApiTypes.INT, Q),
    OpenApiParameter("liaison_group", OpenApiTypes.INT, Q),
    OpenApiParameter("state", OpenApiTypes.STR, Q, many=True),
    OpenApiParameter("deadline_kind", OpenApiTypes.STR, Q),
    OpenApiParameter("due_within", OpenApiTypes.INT, Q),
    OpenApiParameter("overdue", OpenApiTypes.STR, Q, enum=["0", "1"]),
    OpenApiParameter("flagged", OpenApiTypes.STR, Q, enum=["0", "1"]),
    OpenApiParameter("tag", OpenApiTypes.INT, Q),
    OpenApiParameter("person", OpenApiTypes.INT, Q),
    OpenApiParameter("sort", OpenApiTypes.STR, Q),
]


class MeasureList(generics.ListAPIView):
    """The ledger: the same filters and search as the ledger page."""

    serializer_class = s.MeasureSerializer
    pagination_class = MeasurePagination
    # The same measures as the queryset, written to be counted (set by get_queryset).
    counted: Any = None

    @extend_schema(parameters=MEASURE_FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        user = self.request.user
        qs = ledger_measures(user).order_by("sort_key", "id")
        params = self.request.query_params.copy()
        params.pop("page", None)
        params.pop("page_size", None)
        params.setdefault("sort", "number")
        filters = MeasureFilter(params, queryset=qs, user=user)
        if not filters.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in filters.form.errors.items()})
        self.counted = filters.qs
        return filters.rows_qs()


class MeasureDetail(APIView):
    @extend_schema(responses=s.MeasureSerializer)
    def get(self, request: Request, pk: int) -> Response:
        measure = get_object_or_404(ledger_measures(request.user), pk=pk)
        return Response(s.MeasureSerializer(measure).data)

    @extend_schema(
        request=s.MeasureUpdateSerializer,
        responses={200: s.MeasureSerializer},
        description="Change fields with the version read: a concurrent edit answers 409.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        measure = visible_measure(request, pk)
        form = s.MeasureUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        values = dict(form.validated_data)
        version = values.pop("version")
        data = measure_data_of(measure)
        for name, value in values.items():
            setattr(data, name, value)
        measure_update(by=request.user, measure=measure, data=data, expected_version=version)
        fresh = get_object_or_404(ledger_measures(request.user), pk=pk)
        return Response(s.MeasureSerializer(fresh).data)


class FindingMeasures(APIView):
    """The office, or the task force owning the theme, adds a measure to a finding."""

    @extend_schema(request=s.MeasureCreateSerializer, responses={201: s.MeasureSerializer})
    def post(self, request: Request, pk: int) -> Response:
        finding = get_object_or_404(
            Finding.objects.visible_to(request.user).select_related("inspection"), pk=pk
        )
        form = s.MeasureCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        values = dict(form.validated_data)
        lead = (
            Unit.objects.visible_to(request.user)
            .filter(organization_id=finding.inspection.organization_id, pk=values.pop("lead_unit"))
            .first()
        )
        if lead is None:
            raise ValidationError({"lead_unit": [_unknown_unit()]})
        measure = measure_create(
            by=request.user, finding=finding, data=MeasureData(lead_unit=lead, **values)
        )
        fresh = get_object_or_404(ledger_measures(request.user), pk=measure.pk)
        return Response(s.MeasureSerializer(fresh).data, status=status.HTTP_201_CREATED)


def _unknown_unit() -> str:
    from django.utils.translation import gettext as _

    return _("Choose a unit of the organization.")


class ReportList(APIView):
    @extend_schema(responses=s.ReportSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        measure = visible_measure(request, pk)
        rows = measure_reports(request.user, measure)
        return Response(s.ReportSerializer([r.report for r in rows], many=True).data)

    @extend_schema(request=s.ReportCreateSerializer, responses={201: s.ReportSerializer})
    def post(self, request: Request, pk: int) -> Response:
        measure = visible_measure(request, pk)
        form = s.ReportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        report = reporting.report_file(
            by=request.user, measure=measure, data=ReportData(**form.validated_data)
        )
        return Response(s.ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class EvidenceList(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(responses=s.EvidenceSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        measure = visible_measure(request, pk)
        rows = measure_evidence(request.user, measure)
        return Response(s.EvidenceSerializer(rows, many=True).data)

    @extend_schema(
        request={"multipart/form-data": s.EvidenceUploadSerializer},
        responses={201: s.EvidenceSerializer(many=True)},
        description="Upload one file through the same checks as the page (type, size, zip).",
    )
    def post(self, request: Request, pk: int) -> Response:
        measure = visible_measure(request, pk)
        form = s.EvidenceUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rows = reporting.evidence_add(
            by=request.user,
            measure=measure,
            uploads=[Upload(form.validated_data["file"], form.validated_data["description"])],
        )
        return Response(s.EvidenceSerializer(rows, many=True).data, status=201)


class EvidenceDownload(APIView):
    """The file itself, to whoever sees its measure (404 to anyone else)."""

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        return evidence_download(request._request, pk)


class ExtensionList(APIView):
    """Extension requests (申请延期) of a measure; the lead unit asks for one."""

    @extend_schema(responses=s.ExtensionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        measure = visible_measure(request, pk)
        rows = measure_extensions(request.user, measure)
        return Response(s.ExtensionSerializer(rows, many=True).data)

    @extend_schema(request=s.ExtensionCreateSerializer, responses={201: s.ExtensionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        measure = visible_measure(request, pk)
        form = s.ExtensionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        made = reporting.extension_request(
            by=request.user,
            measure=measure,
            new_due_date=form.validated_data["new_due_date"],
            reason=form.validated_data["reason"],
        )
        return Response(s.ExtensionSerializer(made).data, status=status.HTTP_201_CREATED)


class ExtensionDecide(APIView):
    """The office approves (the due date moves) or refuses an extension request."""

    @extend_schema(request=s.ExtensionDecideSerializer, responses=s.ExtensionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        extension = get_object_or_404(ExtensionRequest.objects.visible_to(request.user), pk=pk)
        form = s.ExtensionDecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        decided = reporting.extension_decide(
            by=request.user,
            extension=extension,
            approve=form.validated_data["approve"],
            note=form.validated_data["note"],
        )
        return Response(s.ExtensionSerializer(decided).data)


class UrgeCreate(APIView):
    """The office or a liaison group urges a measure (督办/催办); its unit is told."""

    @extend_schema(request=s.UrgeCreateSerializer, responses={201: s.UrgeSerializer(many=True)})
    def post(self, request: Request, pk: int) -> Response:
        measure = visible_measure(request, pk)
        form = s.UrgeCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        urges = urge_create(
            by=request.user, measure_ids=[measure.pk], message=form.validated_data["message"]
        )
        return Response(s.UrgeSerializer(urges, many=True).data, status=status.HTTP_201_CREATED)


class CloseOutRequest(APIView):
    """The lead unit asks for close-out (申请销号); the measure needs evidence."""

    @extend_schema(request=s.SummarySerializer, responses={201: s.CloseRequestSerializer})
    def post(self, request: Request, pk: int) -> Response:
        measure = visible_measure(request, pk)
        form = s.SummarySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        made = reporting.closeout_request(
            by=request.user, measure=measure, summary=form.validated_data["summary"]
        )
        return Response(s.CloseRequestSerializer(made).data, status=status.HTTP_201_CREATED)


def _decide(request: Request, pk: int, *, stage: str | None, approve: bool) -> Response:
    measure = visible_measure(request, pk)
    form = s.ReasonSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    if stage is None:
        # A return is decided at whichever review the measure waits for.
        stage = ReviewStage.OFFICE if measure.state == "pending_close" else ReviewStage.LIAISON
    decision = reporting.closeout_decide(
        by=request.user,
        measure=measure,
        stage=stage,
        approve=approve,
        reason=form.validated_data.get("reason", ""),
    )
    return Response(s.DecisionSerializer(decision).data)


class CloseOutApprove(APIView):
    """The liaison group approves a request (联络组审核通过); it goes on to the office."""

    @extend_schema(request=s.ReasonSerializer, responses=s.DecisionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return _decide(request, pk, stage=ReviewStage.LIAISON, approve=True)


class CloseOutReturn(APIView):
    """The reviewer the request waits for returns it with a reason (退回)."""

    @extend_schema(request=s.ReasonSerializer, responses=s.DecisionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return _decide(request, pk, stage=None, approve=False)


class CloseOutClose(APIView):
    """The office closes the measure out (销号; 阶段性完成 for a long-term measure)."""

    @extend_schema(request=s.ReasonSerializer, responses=s.DecisionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return _decide(request, pk, stage=ReviewStage.OFFICE, approve=True)


class MeetingList(generics.ListAPIView):
    """Meetings (会议) the person takes part in or reads, newest first."""

    serializer_class = s.MeetingSerializer

    def get_queryset(self) -> Any:
        return meetings_for(self.request.user)


class MeetingDetail(generics.RetrieveAPIView):
    serializer_class = s.MeetingSerializer

    def get_queryset(self) -> Any:
        return meetings_for(self.request.user)


class RuleList(generics.ListAPIView):
    """Rules and regulations (制度) made or revised in the rectification."""

    serializer_class = s.RuleSerializer

    def get_queryset(self) -> Any:
        return visible_rules(self.request.user).order_by("-created_at", "-id")


class RuleDetail(generics.RetrieveAPIView):
    serializer_class = s.RuleSerializer

    def get_queryset(self) -> Any:
        return visible_rules(self.request.user)


class Statistics(APIView):
    """The home page's headline figures for the person's scope, as of a date (today by default)."""

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, Q)],
        responses=s.StatisticsSerializer,
    )
    def get(self, request: Request) -> Response:
        query = s.StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day: dt.date = query.validated_data.get("date") or timezone.localdate()
        summary = scope_summary(request.user, today=day)
        return Response(s.StatisticsSerializer(s.statistics_of(summary, day)).data)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request: Request) -> Response:
    raise NotFound
