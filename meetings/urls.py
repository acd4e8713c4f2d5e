from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/prepare/", views.meeting_prepare, name="prepare"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/minutes/", views.minutes_edit, name="minutes"),
    path("<int:pk>/minutes/issue/", views.minutes_issue, name="minutes_issue"),
    path("<int:pk>/pack.docx", views.pack_docx, name="pack_docx"),
    path("<int:pk>/figures.xlsx", views.pack_xlsx, name="pack_xlsx"),
    path("<int:pk>/minutes.docx", views.minutes_docx, name="minutes_docx"),
    path("parts/<int:pk>/", views.part_edit, name="part"),
    path(
        "requirements/<int:pk>/measures/", views.requirement_measures, name="requirement_measures"
    ),
]
