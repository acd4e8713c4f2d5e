from django.urls import path

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("trail/", views.trail, name="trail"),
    path("trail/export/", views.trail_export, name="trail_export"),
    path("trail/verify/", views.verify, name="verify"),
    path("self-check/", views.selfcheck, name="selfcheck"),
    path("self-check/word/", views.selfcheck_docx, name="selfcheck_docx"),
]
