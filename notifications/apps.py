from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from ledger.timeline import EXTRA_ACTION_LABELS
        from ledger.views import MEASURE_PANELS
        from notifications.scope import register_notification_rules
        from notifications.views import measure_panel

        register_notification_rules()
        EXTRA_ACTION_LABELS.update(
            {
                "urge": _("Urged (催办)"),
                "urge:answered": _("Urge answered"),
                "reminder:sent": _("Deadline reminder sent"),
                "notice:issued": _("Supervision notice issued (督办通知)"),
                "notice:replied": _("Supervision notice answered"),
                "delivery:retry": _("Delivery queued again"),
                "delivery:test": _("Group robot test message"),
                "calendar_token_regenerated": _("Calendar address regenerated"),
            }
        )
        if measure_panel not in MEASURE_PANELS:
            MEASURE_PANELS.append(measure_panel)
