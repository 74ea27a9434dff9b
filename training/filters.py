import django_filters
from django.utils.translation import gettext_lazy as _

from org import options
from org.filters import FigureFilter, SubtreeFilter, YesNoFilter, exact_unit
from targets.filters import UnitMonthFilterSet

from .models import TrainingCarrier, TrainingFigure


class TrainingCarrierFilter(django_filters.FilterSet):
    carrier_type = django_filters.ChoiceFilter(choices=lambda: list(options.choices("carrier_type")),
                                               label=_("carrier type"))
    level = django_filters.ChoiceFilter(choices=lambda: list(options.choices("carrier_level")),
                                        label=_("Carrier level"))
    unit = SubtreeFilter()
    active = YesNoFilter(field_name="closed_on", lookup_expr="isnull",
                                          label=_("Still operating"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = TrainingCarrier
        fields = ["carrier_type", "level", "unit", "active"]



class TrainingCarrierApiFilter(TrainingCarrierFilter):
    """The API's common names (`unit` stays as an alias of `subtree_of`)."""

    org_unit = exact_unit()
    subtree_of = SubtreeFilter()

class TrainingFigureFilter(FigureFilter, UnitMonthFilterSet):
    class Meta:
        model = TrainingFigure
        fields = ["unit", "month_from", "month_to", "training_type", "target_group", "subsidised",
                  "programme", "industry"]
