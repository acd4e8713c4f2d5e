from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from ledger import views as ledger_views
        from ledger.timeline import EXTRA_ACTION_LABELS
        from ledger.views import FINDING_LINKS, LEDGER_LINKS, MEASURE_PANELS
        from ledger.workflow import register_guard
        from reporting.policy import register_reporting_policy
        from reporting.scope import register_reporting_rules
        from reporting.services import PANEL_TRANSITIONS, evidence_guard
        from reporting.views import finding_links, ledger_links, measure_panel

        register_reporting_rules()
        register_reporting_policy()
        # Close-out rests on evidence, whoever asks and from wherever (guards bind every caller).
        for transition in ("request_close", "direct_close", "office_close"):
            register_guard(transition, evidence_guard)
        for hooks, hook in (
            (MEASURE_PANELS, measure_panel),
            (FINDING_LINKS, finding_links),
            (LEDGER_LINKS, ledger_links),
        ):
            if hook not in hooks:
                hooks.append(hook)
        # The close-out steps have their own forms in the panel (summary, reasons, snapshots);
        # where the ledger offers a way to leave them out of its generic action buttons, use it.
        handled = getattr(ledger_views, "HANDLED_TRANSITIONS", None)
        if handled is not None:
            handled.update(PANEL_TRANSITIONS)
        EXTRA_ACTION_LABELS.update(
            {
                "report:filed": _("Progress reported"),
                "report:corrected": _("Progress report corrected"),
                "evidence:added": _("Evidence added"),
                "evidence:withdrawn": _("Evidence withdrawn"),
                "extension:requested": _("Extension (延期) requested"),
                "extension:refused": _("Extension (延期) refused"),
                "lookback:scheduled": _("Look-back (回头看) scheduled"),
                "lookback:recorded": _("Look-back (回头看) recorded"),
                "reporting_cycle:set": _("Reporting cycle set"),
            }
        )
