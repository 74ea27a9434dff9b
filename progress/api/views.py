"""The API's read-only views of progress snapshots and roll-up runs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view

from org.api.common import ScopedReadOnlyViewSet

from ..filters import ProgressFilter, RollupRunFilter
from ..models import ProgressSnapshot, RollupRun
from . import serializers as s


@extend_schema_view(
    list=extend_schema(summary="Progress snapshots", description=(
        "A target's progress at the end of a month, as the monthly roll-up computed it: actual, "
        "completion rate, time progress (序时进度), gaps, status and rank among siblings. Rates "
        "are fractions (0.5 = 50%). Filter with plan and indicator codes, org_unit (exact), "
        "subtree_of, department, period / period_after / period_before (YYYY-MM), status, "
        "warning (red / orange / yellow). Each row also carries foresight: the projection at "
        "the window's end and its method, the monthly pace still needed and the early-warning "
        "level.")),
)
class ProgressViewSet(ScopedReadOnlyViewSet):
    serializer_class = s.ProgressSnapshotSerializer
    filterset_class = ProgressFilter
    ordering_fields = ["period", "completion_rate", "time_progress", "gap_to_time",
                       "projected_completion",
                       "gap_to_target", "actual", "rank", "status", "id"]
    # The index's order (month, then target): ordering by the plan's and the unit's codes
    # sorted every snapshot of the country for each page (0.3 s at national scale).
    ordering = ["period", "target_id"]

    # Only the columns a row shows: plans and targets carry long texts (summaries, quotes)
    # that would otherwise be read and instantiated for every snapshot row.
    COLUMNS = (
        "id", "period", "actual", "target_value", "completion_rate", "time_progress",
        "gap_to_target", "gap_to_time", "status", "is_soft", "rank", "rank_of",
        "completion_change", "projected", "projected_completion", "projection_method",
        "required_pace", "pace_so_far", "warning", "target__id", "target__code", "target__window",
        "target__period_start", "target__period_end", "target__plan__id", "target__plan__code",
        "target__indicator__id", "target__indicator__code", "target__indicator__name",
        "target__indicator__unit", "target__org_unit__id", "target__org_unit__code",
        "target__org_unit__name", "target__department__id", "target__department__name",
        "target__department__sector",
    )

    def scoped_queryset(self, user):
        return ProgressSnapshot.objects.for_user(user).select_related(
            "target__plan", "target__indicator", "target__org_unit", "target__department",
        ).only(*self.COLUMNS)


class RollupRunViewSet(ScopedReadOnlyViewSet):
    serializer_class = s.RollupRunSerializer
    filterset_class = RollupRunFilter
    ordering_fields = ["started_at", "period", "id"]
    ordering = ["-started_at", "-id"]

    def scoped_queryset(self, user):
        return RollupRun.objects.for_user(user)
