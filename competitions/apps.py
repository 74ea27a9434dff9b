from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("Competitions and awards")

    def ready(self):
        from org import options
        from org.access import CHANGE
        from skills_portal.choice_search import Source, register
        from targets.seeding import register_before_indicators
        from targets.selectors import filter_usage_counter

        from .models import Award, Competition

        register_before_indicators(load_option_sets)
        # Where the lists' values are stored (#26): a value used there is retired, never
        # deleted.
        for model in (Competition, Award):
            for field, code in model.OPTION_SETS.items():
                options.register_usage(code, model._meta.label, field)
        measures = ("competitions.events", "competitions.participants", "competitions.awards")
        for code, dimension in (("competition_level", "level"), ("honour_title", "honour_title"),
                                ("honour_level", "honour_level")):
            options.register_counter(code, filter_usage_counter(dimension, measures))

        register("competition", Source(
            rows=lambda user: Competition.objects.linkable_for(user).select_related(
                "organiser_unit").order_by("-start_date", "name"),
            fields=("name", "occupations")))
        # The awards a claim may pay (the claim form's list: those the user may change).
        register("award", Source(
            rows=lambda user: Award.objects.for_user(user, CHANGE).select_related(
                "competition").order_by("-awarded_on"),
            fields=("recipient_name", "competition__name", "employer")))


def load_option_sets(loader) -> None:
    """The competition lists' option sets, where a flushed database lacks them (#26)."""
    from org import options

    from .vocabulary import SEEDED

    options.load_seeded(SEEDED)
