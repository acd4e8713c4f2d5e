from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from api import pages, views

app_name = "api"

# The API authenticates by token in its own views; the login redirect is for pages only.
api = login_not_required

urlpatterns = [
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    path("docs/", api(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("v1/schema/", api(SpectacularJSONAPIView.as_view()), name="schema"),
    path("v1/inspections/", api(views.InspectionList.as_view()), name="inspections"),
    path("v1/inspections/<int:pk>/", api(views.InspectionDetail.as_view()), name="inspection"),
    path("v1/findings/", api(views.FindingList.as_view()), name="findings"),
    path("v1/findings/<int:pk>/", api(views.FindingDetail.as_view()), name="finding"),
    path("v1/measures/", api(views.MeasureList.as_view()), name="measures"),
    path("v1/measures/<int:pk>/", api(views.MeasureDetail.as_view()), name="measure"),
    path("v1/measures/<int:pk>/reports/", api(views.ReportList.as_view()), name="reports"),
    path("v1/measures/<int:pk>/evidence/", api(views.EvidenceList.as_view()), name="evidence"),
    path(
        "v1/evidence/<int:pk>/download/",
        api(views.EvidenceDownload.as_view()),
        name="evidence_download",
    ),
    path(
        "v1/measures/<int:pk>/close-out/request/",
        api(views.CloseOutRequest.as_view()),
        name="closeout_request",
    ),
    path(
        "v1/measures/<int:pk>/close-out/approve/",
        api(views.CloseOutApprove.as_view()),
        name="closeout_approve",
    ),
    path(
        "v1/measures/<int:pk>/close-out/return/",
        api(views.CloseOutReturn.as_view()),
        name="closeout_return",
    ),
    path(
        "v1/measures/<int:pk>/close-out/close/",
        api(views.CloseOutClose.as_view()),
        name="closeout_close",
    ),
    path("v1/statistics/", api(views.Statistics.as_view()), name="statistics"),
]
