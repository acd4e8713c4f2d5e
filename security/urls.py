from django.urls import path

from security import views

app_name = "security"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/remove/", views.two_factor_remove, name="two_factor_remove"),
    path("ping/", views.ping, name="ping"),
    path("policy/", views.policy_edit, name="policy"),
    path(
        "people/<int:pk>/second-factor/remove/",
        views.person_second_factor_remove,
        name="person_second_factor_remove",
    ),
]
