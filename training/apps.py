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
        from django.utils.translation import gettext

        from org import options
        from targets.models import Indicator

        from .models import TrainingCarrier, TrainingFigure

        for model in (TrainingFigure, TrainingCarrier):
            for field, code in model.OPTION_SETS.items():
                options.register_usage(code, model._meta.label, field)

        def filters_using(dimension):
            def count(value):
                used = sum(1 for filters in Indicator.unscoped.exclude(filters={}).values_list(
                    "filters", flat=True)
                    if value in (lambda v: v if isinstance(v, list) else [v])(
                        (filters or {}).get(dimension)))
                return gettext("indicator filters"), used
            return count

        for code, dimension in (("training_type", "training_type"),
                                ("target_group", "target_group"), ("industry", "industry"),
                                ("carrier_type", "carrier_type"), ("carrier_level", "level")):
            options.register_counter(code, filters_using(dimension))
