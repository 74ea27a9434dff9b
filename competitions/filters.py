"""One FilterSet per model: the list pages use these now, the API and exports will too.
Text search never looks at ID numbers (a search box would let anyone confirm a number)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from org import options
from org.filters import YEAR_RANGE, SubtreeFilter, exact_unit, search_any
from skills_portal.choice_search import SearchSelect

from .choices import RecipientKind
from .models import Award, Competition


def _user(request):
    return request.user if request else None


def _competitions(request):
    return Competition.objects.linkable_for(_user(request)).select_related("organiser_unit")


class CompetitionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=lambda: list(options.choices("competition_level")),
                                        label=_("Competition level"))
    year = django_filters.NumberFilter(field_name="start_date", lookup_expr="year",
                                       label=_("Year"), **YEAR_RANGE)
    unit = SubtreeFilter("organiser_unit")
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Competition
        fields = ["level", "year", "unit"]

    def filter_text(self, queryset, name, value):
        return search_any(queryset, value, ("name", "occupations", "note", "organiser_unit__name",
                                         "organiser_department__name"))


class AwardFilter(django_filters.FilterSet):
    competition = django_filters.ModelChoiceFilter(queryset=_competitions,
                                                   label=_("Competition"),
                                                   widget=SearchSelect("competition"))
    level = django_filters.ChoiceFilter(field_name="competition__level",
                                        choices=lambda: list(options.choices("competition_level")),
                                        label=_("Competition level"))
    medal = django_filters.ChoiceFilter(choices=lambda: list(options.choices("medal")),
                                        label=_("Medal or prize"))
    honour_title = django_filters.ChoiceFilter(choices=lambda: list(options.choices("honour_title")),
                                               label=_("Honour title"))
    honour_level = django_filters.ChoiceFilter(choices=lambda: list(options.choices("honour_level")),
                                               label=_("Honour level"))
    recipient_kind = django_filters.ChoiceFilter(choices=RecipientKind.choices,
                                                 label=_("Recipient"))
    year = django_filters.NumberFilter(field_name="awarded_on", lookup_expr="year",
                                       label=_("Year"), **YEAR_RANGE)
    unit = SubtreeFilter()
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Award
        fields = ["competition", "level", "medal", "honour_title", "honour_level",
                  "recipient_kind", "year", "unit"]

    def filter_text(self, queryset, name, value):
        return search_any(queryset, value, ("recipient_name", "employer", "note", "competition__name",
                                         "org_unit__name", "department__name"))


# The API's common names beside the list pages' (the pages' forms show only the above).
class CompetitionApiFilter(CompetitionFilter):
    org_unit = exact_unit("organiser_unit")
    subtree_of = SubtreeFilter("organiser_unit")


class AwardApiFilter(AwardFilter):
    org_unit = exact_unit()
    subtree_of = SubtreeFilter()
