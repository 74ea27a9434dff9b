"""The API's views of progress snapshots, roll-up runs and roll-up requests: read-only, but
for the request of a roll-up (`POST /api/v1/rollup-runs/`, #26)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from org.api.common import ScopedReadOnlyViewSet, drf_error
from org.api.idempotency import idempotent

from .. import services
from ..filters import ProgressFilter, RollupRequestFilter, RollupRunFilter
from ..models import ProgressSnapshot, RollupRequest, RollupRun
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


# The request's names of the service's fields.
_BODY_NAMES = {"first_month": "from", "last_month": "to"}


def request_queryset(user):
    return RollupRequest.objects.for_user(user).select_related("plan", "requested_by") \
        .prefetch_related(Prefetch("runs", queryset=RollupRun.unscoped.only("id", "request_id")
                                   .order_by("period", "id")))


class RollupRunViewSet(ScopedReadOnlyViewSet):
    """Roll-up runs; `POST` asks for months to be rolled up again (a roll-up request)."""

    serializer_class = s.RollupRunSerializer
    filterset_class = RollupRunFilter
    ordering_fields = ["started_at", "period", "id"]
    ordering = ["-started_at", "-id"]

    def scoped_queryset(self, user):
        return RollupRun.objects.for_user(user)

    def get_serializer_class(self):
        return s.RollupRequestCreateSerializer if self.action == "create" \
            else super().get_serializer_class()

    @extend_schema(
        summary="Roll months up again (a roll-up request)",
        request=s.RollupRequestCreateSerializer, responses={202: s.RollupRequestSerializer},
        examples=[OpenApiExample("A plan's first half of 2025", request_only=True, value={
            "plan": "wenzhou-2021", "from": "2025-01", "to": "2025-06"})],
        description=(
            "Queues a roll-up of the months `from` to `to` (YYYY-MM) for a plan (its code) or, "
            "without `plan`, for every plan (superusers only), after an administrator "
            "corrected a target or an indicator. Administrators of the plan's issuing unit or "
            "above may ask; others get 403. The months are narrowed to the plan's window and "
            "to the months that have ended. A month's roll-up recomputes the whole month (every "
            "plan). Answers 202 with the request, run in the background: watch `url` "
            "(`/api/v1/rollup-requests/{id}/`) for `status`, `months_done` of `months_total` "
            "and `current_month`. A request a queued one already covers answers that one."))
    @idempotent
    def create(self, request, *args, **kwargs):
        if not services.may_request_rollup(request.user):
            raise PermissionDenied(_("Only administrators may ask for a roll-up."))
        body = s.RollupRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            made, _created = services.request_rollup(
                user=request.user, plan=data.get("plan"), first=data["first_month"],
                last=data["last_month"])
        except DjangoValidationError as exc:
            error = drf_error(exc)
            error.detail = {_BODY_NAMES.get(k, k): v for k, v in error.detail.items()}
            raise error from exc
        answer = s.RollupRequestSerializer(request_queryset(request.user).get(pk=made.pk),
                                           context=self.get_serializer_context()).data
        return Response(answer, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": str(answer["url"])})  # a plain str for WSGI


@extend_schema_view(
    list=extend_schema(summary="Roll-up requests", description=(
        "Months rolled up again on request or after a definition changed (#26), newest first: "
        "status, months done of the total, the month being rolled up, the runs made. Filter "
        "by plan (code), status, reason.")),
    retrieve=extend_schema(summary="A roll-up request and its progress"),
)
class RollupRequestViewSet(ScopedReadOnlyViewSet):
    serializer_class = s.RollupRequestSerializer
    filterset_class = RollupRequestFilter
    ordering_fields = ["requested_at", "id"]
    ordering = ["-requested_at", "-id"]

    def scoped_queryset(self, user):
        return request_queryset(user)
