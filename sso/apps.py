from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        # django-cas-ng writes its setting defaults onto the settings when first imported; done
        # here, at start-up, they land on the project's settings and not on a temporary override.
        import django_cas_ng  # noqa: F401

        from sso import checks  # noqa: F401  (registers the settings checks)
