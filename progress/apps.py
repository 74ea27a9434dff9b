from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Roll-up and progress")

    def ready(self):
        # Writes of figures below this app mark their unit-months through this hook.
        from skills_portal import hooks

        from . import selectors, services

        hooks.rollup.provide(by=self.name, mark_for_rollup=services.mark_for_rollup)
        # The targets app shows each commitment's progress in its cascade coverage.
        hooks.progress.provide(by=self.name, latest_of=selectors.latest_of)
        # A changed target, decomposition or indicator queues a roll-up request (#26).
        hooks.definitions_changed.provide(by=self.name, changed=services.definitions_changed)
