"""Viewsets of the targets API. Every queryset comes from a selector or `for_user`; writes of
manual data values go through `targets.services.record_data_value`, as the import and the
admin do."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from org.api.common import ScopedMixin, service_errors
from org.api.idempotency import idempotent
from org.api.writes import PreconditionMixin, ScopedWriteMixin, writable_schema
from org.models import Department

from .. import selectors, services
from ..cascade import cascade_coverage
from ..filters import (
    DataValueFilter,
    IndicatorFilter,
    PlanFilter,
    PlanTaskFilter,
    TargetApiFilter,
)
from ..models import DataValue, Indicator, Plan, PlanTask
from . import serializers as s


@writable_schema(s.IndicatorWriteSerializer, s.IndicatorSerializer)
class IndicatorViewSet(ScopedMixin, ScopedWriteMixin, mixins.ListModelMixin,
                       mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The indicator catalogue. Curators (provincial administrators and above, as in the admin)
    create, change and delete indicators here: other headings (`synonyms`, which imports
    match), ratios from their numerator and denominator codes, measures with their filters —
    the model's own validation decides. An indicator that targets or figures use cannot be
    deleted."""

    serializer_class = s.IndicatorSerializer
    write_serializer_class = s.IndicatorWriteSerializer
    protected_message = _("This indicator cannot be deleted: targets or figures use it.")
    filterset_class = IndicatorFilter
    ordering_fields = ["code", "name", "id"]
    ordering = ["code"]

    def scoped_queryset(self, user):
        return Indicator.objects.for_user(user).select_related("numerator", "denominator")


@writable_schema(s.PlanWriteSerializer, s.PlanSerializer, summary="A city's own plan", example={
    "code": "wenzhou-2026", "title": "温州市技能人才培养实施方案（2026—2027年）",
    "short_name": "温州2026方案", "doc_number": "温人社发〔2026〕1号",
    "issuer": "温州市人力资源和社会保障局", "issuer_unit": 42, "issue_date": "2026-02-01",
    "period_start": "2026-01", "period_end": "2027-12", "parent": "zhejiang-2021"})
class PlanViewSet(ScopedMixin, ScopedWriteMixin, mixins.ListModelMixin,
                  mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Plans with their tasks. Administrators of the issuing unit or above create, change and
    delete plans (the parent plan by code, months as YYYY-MM); a plan with targets cannot be
    deleted."""

    serializer_class = s.PlanSerializer
    write_serializer_class = s.PlanWriteSerializer
    protected_message = _("This plan cannot be deleted: it has targets, tasks or plans below it.")
    filterset_class = PlanFilter
    ordering_fields = ["code", "issue_date", "id"]
    ordering = ["is_reference", "-issue_date", "code"]

    def scoped_queryset(self, user):
        # The departments named by tasks of plans in scope (read through those tasks).
        departments = Department.unscoped.select_related("org_unit")
        tasks = PlanTask.objects.for_user(user).order_by("position").prefetch_related(
            Prefetch("lead_departments", queryset=departments),
            Prefetch("responsible_departments", queryset=departments),
        )
        return Plan.objects.for_user(user).select_related("issuer_unit", "parent").prefetch_related(
            Prefetch("tasks", queryset=tasks))


@writable_schema(s.PlanTaskWriteSerializer, s.PlanTaskDetailSerializer, summary="A task",
                 example={"plan": "wenzhou-2021", "number": "（五）", "position": 5,
                          "title": "实施技能人才评价扩面行动", "lead_departments": [25],
                          "responsible_departments": [26, 27]})
class PlanTaskViewSet(ScopedMixin, ScopedWriteMixin, mixins.ListModelMixin,
                      mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A plan's tasks (重点任务), each with its lead and responsible departments. Whoever may
    change the plan creates, changes and deletes its tasks (the plan by code, departments by
    id); a task's number is unique within its plan."""

    serializer_class = s.PlanTaskDetailSerializer
    write_serializer_class = s.PlanTaskWriteSerializer
    filterset_class = PlanTaskFilter
    ordering_fields = ["position", "number", "id"]
    ordering = ["plan__code", "position", "id"]

    def scoped_queryset(self, user):
        departments = Department.unscoped.select_related("org_unit")
        return PlanTask.objects.for_user(user).select_related("plan").prefetch_related(
            Prefetch("lead_departments", queryset=departments),
            Prefetch("responsible_departments", queryset=departments))


@writable_schema(s.TargetWriteSerializer, s.TargetSerializer,
                 summary="A district's share of the city's training target", example={
                     "plan": "wenzhou-2021", "code": "training-2021-lucheng",
                     "indicator": "training_person_times", "org_unit": 43,
                     "window": "cumulative", "period_start": "2021-01",
                     "period_end": "2021-12", "value": 12000, "comparator": "gte",
                     "parent": 120, "axis": "region"})
class TargetViewSet(ScopedMixin, ScopedWriteMixin, mixins.ListModelMixin,
                    mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Targets with the coverage of their decompositions (children counted and summed within
    the caller's scope, in the same query as the targets). Administrators of a plan's issuing
    unit or above create, change and delete its targets here as in the admin: the same
    validation (a link to a target of a plan above through `implements`, #16), scope check and
    audit trail."""

    serializer_class = s.TargetSerializer
    write_serializer_class = s.TargetWriteSerializer
    protected_message = _("This target cannot be deleted: targets of plans below implement it.")
    filterset_class = TargetApiFilter
    ordering_fields = ["code", "value", "period_start", "id"]
    ordering = ["plan__code", "period_start", "indicator__code", "org_unit__level",
                "org_unit__code", "id"]

    def scoped_queryset(self, user):
        return selectors.target_list(user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.attach_coverage(page, self.request.user)
        return page

    def get_object(self):
        obj = super().get_object()
        selectors.attach_coverage([obj], self.request.user)
        return obj

    @extend_schema(responses=s.CascadeCoverageSerializer,
                   summary="Cascade coverage: what the units below committed in their own plans")
    @action(detail=True, methods=["get"], url_path="cascade")
    def cascade(self, request, pk=None):
        """The targets of the units directly below that implement this one, compared with it
        by the rule stated in `rule` (flows converted to this target's window, stocks added as
        levels, ratios never added), the units with none (未制定) and those below the share
        this plan's own decomposition gave them (承诺低于分解任务)."""
        target = self.get_object()
        return Response(s.CascadeCoverageSerializer(cascade_coverage(request.user, target)).data)

    def answer(self, pk):
        obj = self.scoped_queryset(self.request.user).get(pk=pk)
        selectors.attach_coverage([obj], self.request.user)
        return s.TargetSerializer(obj, context=self.get_serializer_context()).data


class DataValueViewSet(PreconditionMixin, ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                       viewsets.GenericViewSet):
    """Manual monthly values (就业人员数, 技能人才总量 …). POST records a value for an
    (indicator, unit, department, month), updating the stored one if there is one; PUT/PATCH
    change a stored value's number and comment; DELETE removes it. All go through the targets
    services the import and the admin use: scope, validation, roll-up marks, audit and the
    reporting lock apply."""

    serializer_class = s.DataValueSerializer
    filterset_class = DataValueFilter
    ordering_fields = ["period", "value", "id"]
    ordering = ["-period", "indicator__code", "org_unit__code", "id"]

    def scoped_queryset(self, user):
        # Read scope: someone who may see a value but not change it gets the service's 403
        # on a write, not a 404 that would hide why.
        return DataValue.objects.for_user(user).select_related(
            "indicator", "org_unit", "department", "entered_by")

    def _record(self, serializer, instance=None):
        data = serializer.validated_data
        source = instance or data
        get = (lambda k: getattr(instance, k)) if instance is not None else source.get
        with service_errors():
            return services.record_data_value(
                user=self.request.user, indicator=get("indicator"), org_unit=get("org_unit"),
                department=get("department"), period=get("period"),
                value=data.get("value", instance.value if instance else None),
                comment=data.get("comment", instance.comment if instance else ""),
            )

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        existed = DataValue.unscoped.filter(  # the validated cell is in the user's scope
            indicator=serializer.validated_data["indicator"],
            org_unit=serializer.validated_data["org_unit"],
            department=serializer.validated_data.get("department"),
            period=serializer.validated_data["period"]).exists()
        obj = self._record(serializer)
        out = self.get_serializer(self.scoped_queryset(request.user).get(pk=obj.pk))
        return Response(out.data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_precondition(instance)
        serializer = self.get_serializer(instance, data=request.data,
                                         partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        obj = self._record(serializer, instance)
        return Response(self.get_serializer(self.scoped_queryset(request.user).get(pk=obj.pk)).data)

    def perform_destroy(self, instance):
        self.check_precondition(instance)
        with service_errors():
            services.delete_data_value(user=self.request.user, data_value=instance)
