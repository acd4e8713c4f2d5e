from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from ledger.extensions import registry
        from notifications.extensions import EXTENSIONS
        from notifications.scope import register_notification_rules

        register_notification_rules()
        registry.add(*EXTENSIONS)
