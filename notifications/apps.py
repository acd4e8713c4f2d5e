from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from ledger import views as ledger_views
        from ledger.timeline import EXTRA_ACTION_LABELS
        from ledger.workflow import register_observer
        from notifications.escalation import transition_announce
        from notifications.scope import register_notification_rules
        from notifications.selectors import due_date_warning
        from notifications.views import ledger_links, measure_panel

        register_notification_rules()
        # Review outcomes reach the people concerned when the transaction commits.
        register_observer(transition_announce)
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
        for hooks, hook in (
            (ledger_views.MEASURE_PANELS, measure_panel),
            (ledger_views.LEDGER_LINKS, ledger_links),
            # Warnings on a due date as it is set: (organization, date) -> message | None.
            (getattr(ledger_views, "DUE_DATE_WARNINGS", None), due_date_warning),
        ):
            if hooks is not None and hook not in hooks:
                hooks.append(hook)
