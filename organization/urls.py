from django.urls import path

from organization import views
from organization.views import KINDS

app_name = "organization"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("settings/", views.organization_settings, name="settings"),
    path("people/<int:pk>/password/", views.person_password, name="people_password"),
    path("people/<int:pk>/unlock/", views.person_unlock, name="people_unlock"),
    path("approvals/", views.security_desk, name="security_desk"),
    path(
        "approvals/<int:pk>/approve/",
        views.pending_change_decide,
        {"decision": "approve"},
        name="pending_approve",
    ),
    path(
        "approvals/<int:pk>/reject/",
        views.pending_change_decide,
        {"decision": "reject"},
        name="pending_reject",
    ),
]

for _slug in KINDS:
    _name = _slug.replace("-", "_")
    urlpatterns += [
        path(f"{_slug}/", views.directory_list, {"slug": _slug}, name=f"{_name}_list"),
        path(
            f"{_slug}/new/",
            views.DirectoryEditView.as_view(),
            {"slug": _slug},
            name=f"{_name}_create",
        ),
        path(
            f"{_slug}/<int:pk>/edit/",
            views.DirectoryEditView.as_view(),
            {"slug": _slug},
            name=f"{_name}_edit",
        ),
        path(
            f"{_slug}/<int:pk>/active/",
            views.directory_set_active,
            {"slug": _slug},
            name=f"{_name}_active",
        ),
    ]
