from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecurringConfig(AppConfig):
    name = "recurring"
    verbose_name = _("Recurring work")

    def ready(self) -> None:
        from ledger.extensions import registry
        from recurring.extensions import EXTENSIONS
        from recurring.policy import register_recurring_policy
        from recurring.scope import register_recurring_rules

        register_recurring_rules()
        register_recurring_policy()
        registry.add(*EXTENSIONS)
