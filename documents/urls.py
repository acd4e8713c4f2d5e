from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("", views.index, name="index"),
    path("ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/choose/", views.import_choose, name="import_choose"),
    path("feedback/", views.feedback, name="feedback"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path(
        "inspections/<int:pk>/progress-report.docx",
        views.progress_report,
        name="progress_report",
    ),
    path("inspections/<int:pk>/task-division.docx", views.task_division, name="task_division"),
    path(
        "inspections/<int:pk>/responsibility-list.docx",
        views.responsibility_list,
        name="responsibility_list",
    ),
    path(
        "inspections/<int:pk>/units/<int:unit_pk>/report.docx",
        views.unit_report,
        name="unit_report",
    ),
    path(
        "measures/<int:pk>/supervision-notice.docx",
        views.supervision_notice,
        name="supervision_notice",
    ),
]
