from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from ledger.extensions import registry
        from meetings.extensions import EXTENSIONS, register_notification_sources
        from meetings.policy import register_meetings_policy
        from meetings.scope import register_meetings_rules

        register_meetings_rules()
        register_meetings_policy()
        registry.add(*EXTENSIONS)
        register_notification_sources()
