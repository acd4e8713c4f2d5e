from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("queue/", views.office_queue, name="queue"),
    path("liaison/", views.liaison_queue, name="liaison_queue"),
    path("missing/", views.missing, name="missing"),
    path("measures/<int:pk>/report/", views.report_create, name="report_create"),
    path("measures/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("measures/<int:pk>/close-out/", views.closeout_request, name="closeout_request"),
    path(
        "measures/<int:pk>/close-out/withdraw/", views.closeout_withdraw, name="closeout_withdraw"
    ),
    path("measures/<int:pk>/close-out/decide/", views.closeout_decide, name="closeout_decide"),
    path("measures/<int:pk>/close-out/direct/", views.closeout_direct, name="closeout_direct"),
    path("measures/<int:pk>/stage-complete/", views.stage_complete, name="stage_complete"),
    path("measures/<int:pk>/extension/", views.extension_request, name="extension_request"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
    path("look-backs/", views.lookback_list, name="lookback_list"),
    path("look-backs/schedule/", views.lookback_schedule, name="lookback_schedule"),
    path("look-backs/<int:pk>/", views.lookback_record, name="lookback_record"),
    path("findings/<int:pk>/reconcile/", views.reconcile, name="reconcile"),
    path("inspections/<int:pk>/cycle/", views.cycle_edit, name="cycle_edit"),
    path(
        "inspections/<int:inspection_pk>/units/<int:unit_pk>/report/",
        views.unit_report,
        name="unit_report",
    ),
]
