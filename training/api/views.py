"""Viewsets of the training API. Figures are written through the training grid's service,
carriers through `save_carrier` / `delete_carrier`, as the pages do."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from org.api.common import ScopedReadOnlyViewSet
from org.filters import ID_BOUNDS
from targets.api.figures import FigureViewSet
from targets.api.records import RecordViewSet

from .. import selectors
from ..filters import TrainingCarrierApiFilter, TrainingFigureFilter
from ..forms import TRAINING_GRID
from ..models import Programme, TrainingFigure
from ..services import TrainingSlice, delete_carrier, save_carrier, save_training_month
from .serializers import ProgrammeSerializer, TrainingCarrierSerializer, TrainingFigureSerializer


class ProgrammeFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(field_name="plan__code", label=_("Plan"))
    # The programmes a unit's figures may name: those of plans issued at it or above it.
    available_at = django_filters.NumberFilter(method="filter_available_at", **ID_BOUNDS,
                                               label=_("Available at org unit"))

    class Meta:
        model = Programme
        fields = ["plan", "is_active"]

    def filter_available_at(self, queryset, name, value: int):
        return queryset.filter(pk__in=Programme.objects.available_at(int(value)).values("pk"))


class ProgrammeViewSet(ScopedReadOnlyViewSet):
    """Training programmes (康养云师傅 …): the ids a training figure's `programme` takes."""

    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilter
    ordering_fields = ["name", "id"]
    ordering = ["plan__code", "name", "id"]

    def scoped_queryset(self, user):
        return Programme.objects.for_user(user).select_related("plan")


@extend_schema_view(create=extend_schema(examples=[OpenApiExample(
    "One cell of a county's June report", request_only=True, value={
        "org_unit": 64, "period": "2025-06", "target_group": "企业职工",
        "training_type": "岗位技能提升培训", "trained": 120, "persons": 80, "completed": 110,
        "certified": 60})]))
class TrainingFigureViewSet(FigureViewSet):
    """Monthly training figures: one row per cell of the training report (unit, department,
    month, programme, subsidy status, industry; target group × training type). Writes go
    through the training grid's service: its checks, scope, reporting lock, audit and roll-up
    marks apply."""

    spec = TRAINING_GRID
    serializer_class = TrainingFigureSerializer
    filterset_class = TrainingFigureFilter
    ordering_fields = ["period", "trained", "id"]
    # Newest month first through the (month, unit) index; by the unit's level and code it
    # sorted every figure of the month for each page (0.2 s at national scale).
    ordering = ["-period", "-org_unit_id", "target_group", "training_type", "id"]

    def scoped_queryset(self, user):
        return TrainingFigure.objects.for_user(user).select_related(
            "org_unit", "programme", "entered_by")

    def slice_of(self, key):
        return TrainingSlice(department=key["department"], programme=key["programme"],
                             subsidised=key["subsidised"], industry=key["industry"])

    def save_page(self, *, key, slice_, data, only):
        return save_training_month(user=self.request.user, org_unit=key["org_unit"],
                                   period=key["period"], slice_=slice_, data=data,
                                   only=only)


class TrainingCarrierViewSet(RecordViewSet):
    serializer_class = TrainingCarrierSerializer
    filterset_class = TrainingCarrierApiFilter
    ordering_fields = ["name", "established_on", "id"]
    ordering = ["org_unit__code", "carrier_type", "name", "id"]

    def scoped_queryset(self, user):
        return selectors.carrier_list(user)

    def save_record(self, *, user, obj):
        return save_carrier(user=user, carrier=obj)

    def delete_record(self, *, user, obj):
        delete_carrier(user=user, carrier=obj)


