from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "imports"
    verbose_name = _("Excel import")

    def ready(self):
        # The entry grid pages (targets.entry) offer their month as a workbook through this hook.
        from skills_portal import hooks

        from . import workbook

        hooks.grid_workbook.provide(by=self.name, grid_workbook=workbook.grid_page_workbook)
