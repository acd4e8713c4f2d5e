from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("bulk/", views.bulk, name="bulk"),
    path("options/<slug:kind>/", views.filter_options, name="filter_options"),
    path("audit/", views.audit_log, name="audit_log"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_edit, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_edit, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/edit/", views.inspection_edit, name="inspection_edit"),
    path(
        "inspections/<int:inspection_pk>/findings/new/",
        views.finding_edit,
        name="finding_create",
    ),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="finding_edit"),
    path("findings/<int:finding_pk>/measures/new/", views.measure_create, name="measure_create"),
    path(
        "findings/<int:finding_pk>/measures/assign/",
        views.measure_assign_many,
        name="measure_assign_many",
    ),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/transition/", views.measure_transition, name="measure_transition"),
]
