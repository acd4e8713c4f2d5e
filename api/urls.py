from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from api import pages, views

app_name = "api"


class IdConverter:
    """A record id as the database can hold it: longer numbers are simply not found."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "api_id")

# The API authenticates by token in its own views; the login redirect is for pages only.
api = login_not_required

urlpatterns = [
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<api_id:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    path("docs/", api(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("v1/schema/", api(SpectacularJSONAPIView.as_view()), name="schema"),
    path("v1/inspections/", api(views.InspectionList.as_view()), name="inspections"),
    path("v1/inspections/<api_id:pk>/", api(views.InspectionDetail.as_view()), name="inspection"),
    path("v1/findings/", api(views.FindingList.as_view()), name="findings"),
    path("v1/findings/<api_id:pk>/", api(views.FindingDetail.as_view()), name="finding"),
    path(
        "v1/findings/<api_id:pk>/measures/",
        api(views.FindingMeasures.as_view()),
        name="finding_measures",
    ),
    path("v1/measures/", api(views.MeasureList.as_view()), name="measures"),
    path("v1/measures/<api_id:pk>/", api(views.MeasureDetail.as_view()), name="measure"),
    path("v1/measures/<api_id:pk>/reports/", api(views.ReportList.as_view()), name="reports"),
    path("v1/measures/<api_id:pk>/evidence/", api(views.EvidenceList.as_view()), name="evidence"),
    path(
        "v1/measures/<api_id:pk>/extensions/",
        api(views.ExtensionList.as_view()),
        name="extensions",
    ),
    path(
        "v1/extensions/<api_id:pk>/decide/",
        api(views.ExtensionDecide.as_view()),
        name="extension_decide",
    ),
    path("v1/measures/<api_id:pk>/urge/", api(views.UrgeCreate.as_view()), name="urge"),
    path(
        "v1/evidence/<api_id:pk>/download/",
        api(views.EvidenceDownload.as_view()),
        name="evidence_download",
    ),
    path(
        "v1/measures/<api_id:pk>/close-out/request/",
        api(views.CloseOutRequest.as_view()),
        name="closeout_request",
    ),
    path(
        "v1/measures/<api_id:pk>/close-out/approve/",
        api(views.CloseOutApprove.as_view()),
        name="closeout_approve",
    ),
    path(
        "v1/measures/<api_id:pk>/close-out/return/",
        api(views.CloseOutReturn.as_view()),
        name="closeout_return",
    ),
    path(
        "v1/measures/<api_id:pk>/close-out/close/",
        api(views.CloseOutClose.as_view()),
        name="closeout_close",
    ),
    path("v1/meetings/", api(views.MeetingList.as_view()), name="meetings"),
    path("v1/meetings/<api_id:pk>/", api(views.MeetingDetail.as_view()), name="meeting"),
    path("v1/rules/", api(views.RuleList.as_view()), name="rules"),
    path("v1/rules/<api_id:pk>/", api(views.RuleDetail.as_view()), name="rule"),
    path("v1/statistics/", api(views.Statistics.as_view()), name="statistics"),
    # Anything else under /api/v1/ is a JSON 404, like every other API error.
    re_path(r"^v1/", api(views.not_found)),
]
