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
        try:
            from core.selfcheck import register  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            pass
        else:
            from security.selectors import password_policy_check, second_factor_coverage

            register(password_policy_check)
            register(second_factor_coverage)
