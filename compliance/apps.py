from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from django.core import checks as django_checks

        from compliance import selfchecks
        from core import selfcheck

        for check in selfchecks.CHECKS:
            selfcheck.register(check)
        django_checks.register(selfchecks.audit_retention_setting, django_checks.Tags.security)
