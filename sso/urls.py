from django.contrib.auth.decorators import login_not_required
from django.urls import path

from sso import views

app_name = "sso"

urlpatterns = [
    path("cas/login/", views.cas_login, name="cas_login"),
    path("oidc/login/", login_not_required(views.OIDCStartView.as_view()), name="oidc_login"),
    path(
        "oidc/callback/",
        login_not_required(views.OIDCCallbackView.as_view()),
        name="oidc_callback",
    ),
]
