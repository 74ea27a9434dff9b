from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies and rewards")

    def ready(self):
        from targets.seeding import register_after_plans

        from .seeding import load_scheme_fixtures

        register_after_plans(load_scheme_fixtures)
