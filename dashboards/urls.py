from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.overview, name="overview"),
    path("dashboard/people/", views.people, name="people"),
]
