from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self):
        from targets.seeding import register_plan_section

        from .seeding import load_programmes

        register_plan_section("programmes", load_programmes)
