from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting workflow")

    def ready(self):
        # Every write path below this app (scoped saves and the admin, the entry grid,
        # subsidies) asks this hook whether an approved month or a closed entry window locks it.
        from skills_portal import hooks

        from . import services

        hooks.entry_lock.provide(
            by=self.name, assert_record_open=services.assert_record_open,
            assert_entry_open=services.assert_entry_open, entry_problems=services.entry_problems,
            locked_cells=services.locked_cells, record_cells=services.record_cells,
        )
