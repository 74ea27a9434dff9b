from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self):
        from targets.seeding import register_before_indicators, register_plan_section

        from .seeding import load_option_sets, load_programmes

        register_plan_section("programmes", load_programmes)
        register_before_indicators(load_option_sets)
        self._register_option_usages()

    @staticmethod
    def _register_option_usages():
        """Where the training lists' values are stored (#26): a value used there is retired,
        never deleted."""
        from org import options
        from targets.selectors import filter_usage_counter

        from .measures import CARRIER_MEASURES, FIGURE_MEASURES
        from .models import TrainingCarrier, TrainingFigure

        for model in (TrainingCarrier, TrainingFigure):
            for field, code in model.OPTION_SETS.items():
                options.register_usage(code, model._meta.label, field)
        for code, dimension, measures in (
                ("training_type", "training_type", FIGURE_MEASURES),
                ("target_group", "target_group", FIGURE_MEASURES),
                ("industry", "industry", FIGURE_MEASURES),
                ("carrier_type", "carrier_type", CARRIER_MEASURES),
                ("carrier_level", "level", CARRIER_MEASURES)):
            options.register_counter(code, filter_usage_counter(dimension, measures))
