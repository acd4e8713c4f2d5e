from django.urls import path

from recurring import views

app_name = "recurring"

urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("new/", views.template_edit, name="template_create"),
    path("<int:pk>/", views.template_detail, name="template_detail"),
    path("<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("<int:pk>/apply/", views.template_apply, name="template_apply"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
]
