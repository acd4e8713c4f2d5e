from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from documents.extensions import EXTENSIONS
        from documents.scope import register_documents_rules
        from ledger.extensions import registry

        register_documents_rules()
        registry.add(*EXTENSIONS)
