from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from core import views as core_views
from security import views as security_views

urlpatterns = [
    path("login/", security_views.LoginView.as_view(), name="login"),
    path("logout/", security_views.LogoutView.as_view(), name="logout"),
    path("password/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path("security/", include("security.urls")),
    path("sso/", include("sso.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("health/", core_views.health, name="health"),
    path("", include("dashboards.home_urls")),
    path("", include("dashboards.urls")),
    path("org/", include("organization.urls")),
    path("ledger/", include("ledger.urls")),
    path("recurring/", include("recurring.urls")),
    path("reporting/", include("reporting.urls")),
    path("notifications/", include("notifications.urls")),
    path("documents/", include("documents.urls")),
    path("compliance/", include("compliance.urls")),
    path("regulations/", include("regulations.urls")),
    path("meetings/", include("meetings.urls")),
    path("api/", include("api.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
