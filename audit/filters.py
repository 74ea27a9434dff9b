"""One FilterSet for the audit list page and the audit API."""

import django_filters
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from org.filters import ID_BOUNDS, SubtreeFilter, exact_unit
from targets.filters import MonthFilter

from .choices import AuditAction
from .models import AuditEntry, labels_of

# The record types the trail is browsed by (others still appear unfiltered).
AUDITED_MODELS = [
    "targets.target", "targets.datavalue", "targets.plan", "targets.plantask",
    "targets.indicator", "org.orgunit", "org.department", "targets.validationrule",
    "training.trainingfigure", "training.trainingcarrier", "training.programme",
    "certification.certificatefigure", "competitions.competition", "competitions.award",
    "imports.importbatch", "reporting.monthlyreport", "subsidies.claim",
]


def model_choices():
    choices = []
    for label in AUDITED_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        choices.append((label, str(model._meta.verbose_name)))
    return choices


class AuditEntryFilter(django_filters.FilterSet):
    model = django_filters.ChoiceFilter(field_name="model_label", choices=model_choices,
                                        label=_("Record type"), method="filter_model")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    user = django_filters.CharFilter(field_name="actor_name", lookup_expr="iexact",
                                     label=_("Username"))
    unit = SubtreeFilter()
    month_from = django_filters.DateFilter(field_name="period", lookup_expr="gte",
                                           label=_("From month"))
    month_to = django_filters.DateFilter(field_name="period", lookup_expr="lte",
                                         label=_("To month"))
    batch = django_filters.NumberFilter(field_name="batch_id", label=_("Import batch"),
                                       **ID_BOUNDS)
    request = django_filters.CharFilter(field_name="request_id", label=_("Request id"))
    object_id = django_filters.CharFilter(field_name="object_id", label=_("Record id"))

    def filter_model(self, queryset, name, value):
        return queryset.filter(model_label__in=labels_of(value)) if value else queryset


class AuditEntryApiFilter(AuditEntryFilter):
    """The API's common names beside the page's (`unit`, `month_from`, `month_to` stay as
    aliases)."""

    org_unit = exact_unit()
    subtree_of = SubtreeFilter()
    period = MonthFilter(field_name="period", label=_("Month"))
    period_after = MonthFilter(field_name="period", lookup_expr="gte", label=_("From month"))
    period_before = MonthFilter(field_name="period", lookup_expr="lte", label=_("To month"))

    class Meta:
        model = AuditEntry
        fields = []
