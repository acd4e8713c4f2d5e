from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from documents.scope import register_documents_rules
        from documents.views import ledger_links, measure_links, similar_panel
        from ledger.timeline import EXTRA_ACTION_LABELS
        from ledger.views import FINDING_PANELS, LEDGER_LINKS, MEASURE_LINKS

        register_documents_rules()
        for hooks, hook in (
            (LEDGER_LINKS, ledger_links),
            (MEASURE_LINKS, measure_links),
            (FINDING_PANELS, similar_panel),
        ):
            if hook not in hooks:
                hooks.append(hook)
        EXTRA_ACTION_LABELS["ledger:imported"] = _("Ledger imported from a file")
