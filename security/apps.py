from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("Login security")

    def ready(self) -> None:
        from security import signals
        from security.policy import register_security_policy
        from security.scope import register_security_rules

        register_security_rules()
        register_security_policy()
        signals.connect()
        from core.selfcheck import register
        from security.selectors import password_policy_check, second_factor_coverage

        register(password_policy_check)
        register(second_factor_coverage)
