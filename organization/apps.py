from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationConfig(AppConfig):
    name = "organization"
    verbose_name = _("Organization")

    def ready(self) -> None:
        from organization.policy import register_organization_policy
        from organization.scope import register_organization_rules

        register_organization_rules()
        register_organization_policy()
