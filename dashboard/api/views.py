from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from ..filters import BulletinApiFilter
from ..selectors import DashboardError, bulletin_list, cached_dashboard
from .serializers import (
    BulletinSerializer,
    DashboardQuerySerializer,
    DashboardSerializer,
    PingSerializer,
)


class DashboardView(APIView):
    """Everything the officials' dashboard shows for one plan, org unit and month, read from
    progress snapshots and scoped to the user: headline cards, child units per indicator with
    rank and time progress, laggards, department quotas and the monthly trend."""

    @extend_schema(parameters=[DashboardQuerySerializer], responses=DashboardSerializer)
    def get(self, request):
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            payload = cached_dashboard(request.user, plan_code=data.get("plan"),
                                       unit_id=data.get("unit"), month=data.get("month"),
                                       basis=data["basis"], group=data.get("group"))
        except DashboardError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from exc
            raise NotFound(exc.message) from exc
        # Already JSON (cached as rendered bytes): no second serialisation.
        return HttpResponse(payload, content_type="application/json")


class PingView(APIView):
    """A trivial authenticated answer: for monitoring scripts, and the baseline of the
    dashboard benchmark (bench/dashboard_bench.py)."""

    @extend_schema(responses=PingSerializer)
    def get(self, request):
        return Response({"ok": True, "user": request.user.get_username()})


class BulletinViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly bulletins as issued, for the units in your scope (newest first)."""

    serializer_class = BulletinSerializer
    filterset_class = BulletinApiFilter
    ordering_fields = ["period", "issued_at", "version"]
    ordering = ["-period", "-issued_at"]

    def get_queryset(self):
        return bulletin_list(self.request.user)
