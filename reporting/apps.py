from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from ledger.extensions import registry
        from reporting.extensions import EXTENSIONS
        from reporting.policy import register_reporting_policy
        from reporting.scope import register_reporting_rules

        register_reporting_rules()
        register_reporting_policy()
        registry.add(*EXTENSIONS)
