from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from ledger.timeline import EXTRA_ACTION_LABELS
        from ledger.views import MEASURE_PANELS
        from ledger.workflow import register_guard
        from reporting.scope import register_reporting_rules
        from reporting.services import evidence_guard
        from reporting.views import measure_panel

        register_reporting_rules()
        # Close-out rests on evidence, whoever asks and from wherever (guards bind every caller).
        for transition in ("request_close", "direct_close", "office_close"):
            register_guard(transition, evidence_guard)
        if measure_panel not in MEASURE_PANELS:
            MEASURE_PANELS.append(measure_panel)
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
