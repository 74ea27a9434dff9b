from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard and bulletins")

    def ready(self):
        # The roll-up (progress app) announces a finished month through this hook.
        from skills_portal import hooks

        from . import tasks

        hooks.month_rolled_up.provide(by=self.name, month_rolled_up=tasks.month_rolled_up,
                                      issue_now=tasks.issue_now)
