from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("Competitions and awards")

    def ready(self):
        from org.access import CHANGE
        from skills_portal.choice_search import Source, register

        from .models import Award, Competition

        register("competition", Source(
            rows=lambda user: Competition.objects.linkable_for(user).select_related(
                "organiser_unit").order_by("-start_date", "name"),
            fields=("name", "occupations")))
        # The awards a claim may pay (the claim form's list: those the user may change).
        register("award", Source(
            rows=lambda user: Award.objects.for_user(user, CHANGE).select_related(
                "competition").order_by("-awarded_on"),
            fields=("recipient_name", "competition__name", "employer")))
