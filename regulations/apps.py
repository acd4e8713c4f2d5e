from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegulationsConfig(AppConfig):
    name = "regulations"
    verbose_name = _("Institution building")

    def ready(self) -> None:
        from ledger.extensions import registry
        from regulations.extensions import EXTENSIONS
        from regulations.policy import register_regulations_policy
        from regulations.scope import register_regulations_rules

        register_regulations_rules()
        register_regulations_policy()
        registry.add(*EXTENSIONS)
