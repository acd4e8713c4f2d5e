from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from ledger.policy import register_ledger_policy
        from ledger.scope import register_ledger_rules

        register_ledger_rules()
        register_ledger_policy()

        from ledger.services import measure_link_person_names
        from organization.services import register_person_added

        register_person_added(measure_link_person_names)
