"""The reporting workflow over the API: the same services as the pages (scope, roles, lock,
audit, notices)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from org.api.common import ScopedMixin, ScopedReadOnlyViewSet, service_errors
from org.selectors import root_units
from skills_portal.clock import parse_month
from targets.entry import previous_month

from .. import selectors, services
from ..filters import MonthlyReportFilter
from .serializers import (
    ActionSerializer,
    CompletenessAnswerSerializer,
    CompletenessSerializer,
    MonthlyReportDetailSerializer,
    MonthlyReportSerializer,
    NoticeSerializer,
    ReportKeySerializer,
)


class MonthlyReportViewSet(ScopedReadOnlyViewSet):
    """Monthly reports in the user's scope. `POST submit/` submits (or resubmits) the report of
    a unit or department and month; `return`, `approve`, `unapprove` and `comment` act on one
    report."""

    filterset_class = MonthlyReportFilter
    ordering_fields = ["period", "submitted_at", "id"]
    ordering = ["-period", "org_unit__level", "org_unit__code", "id"]

    def scoped_queryset(self, user):
        return selectors.reports(user).prefetch_related("events__actor")

    def get_serializer_class(self):
        if self.action == "retrieve" or self.action in ("return_", "approve", "unapprove",
                                                        "comment"):
            return MonthlyReportDetailSerializer
        if self.action == "submit":
            return ReportKeySerializer
        return MonthlyReportSerializer

    def _answer(self, report):
        report = self.scoped_queryset(self.request.user).get(pk=report.pk)
        return Response(MonthlyReportDetailSerializer(report).data)

    @extend_schema(request=ReportKeySerializer, responses=MonthlyReportDetailSerializer)
    @action(detail=False, methods=["post"])
    def submit(self, request):
        key = ReportKeySerializer(data=request.data)
        key.is_valid(raise_exception=True)
        data = key.validated_data
        unit, department = selectors.report_unit_and_department(
            request.user, unit_id=data["org_unit"], department_id=data.get("department"))
        if data.get("department") and department is None:
            raise ValidationError({"department": ["没有这个部门，或不在您的权限范围内"]})
        if unit is None:
            raise ValidationError({"org_unit": ["没有这个单位，或不在您的权限范围内"]})
        with service_errors():
            report = services.submit_for(user=request.user, org_unit=unit,
                                         department=department, period=data["period"],
                                         comment=data.get("comment", ""),
                                         zero_report=data.get("zero_report", False))
        return self._answer(report)

    def _act(self, request, run):
        report = self.get_object()
        body = ActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            run(report, body.validated_data)
        return self._answer(report)

    @extend_schema(request=ActionSerializer, responses=MonthlyReportDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._act(request, lambda r, d: services.return_report(
            user=request.user, report=r, comment=d.get("comment", "")))

    @extend_schema(request=ActionSerializer, responses=MonthlyReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(request, lambda r, d: services.approve(
            user=request.user, report=r, comment=d.get("comment", ""),
            override_reason=d.get("override_reason", "")))

    @extend_schema(request=ActionSerializer, responses=MonthlyReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def unapprove(self, request, pk=None):
        return self._act(request, lambda r, d: services.unapprove(
            user=request.user, report=r, reason=d.get("comment", "")))

    @extend_schema(request=ActionSerializer, responses=MonthlyReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        return self._act(request, lambda r, d: services.add_comment(
            user=request.user, report=r, text=d.get("comment", "")))


class CompletenessView(APIView):
    """Expected / submitted / on-time / approved reports of a month for a unit (its whole
    subtree) and each unit directly below it."""

    @extend_schema(parameters=[
        OpenApiParameter("month", str, description="YYYY-MM (default: last month)"),
        OpenApiParameter("unit", int, description="org unit id (default: your top unit)"),
    ], responses=CompletenessAnswerSerializer)
    def get(self, request):
        raw = request.query_params.get("month")
        period = parse_month(raw) if raw else previous_month()
        if period is None:
            raise ValidationError({"month": ["月份格式应为 YYYY-MM，例如 2025-03。"]})
        roots = root_units(request.user)
        raw_unit = request.query_params.get("unit")
        if raw_unit:
            if not raw_unit.isdigit():
                raise ValidationError({"unit": ["单位应为编号"]})
            root = selectors.visible_units(request.user).filter(pk=int(raw_unit)).first()
            if root is None:
                raise Http404
        elif roots:
            root = roots[0]
        else:
            raise PermissionDenied("您还没有所属单位：请联系管理员分配。")
        rows = selectors.completeness(units=selectors.completeness_units(root), period=period)
        return Response({"month": f"{period:%Y-%m}",
                         "rows": CompletenessSerializer(rows, many=True).data,
                         "not_reported": [{"id": u.pk, "code": u.code, "name": u.name}
                                          for u in selectors.not_reported(root=root,
                                                                          period=period)]})


class NoticeViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The user's own notices; `POST {id}/read/` marks one read."""

    serializer_class = NoticeSerializer

    def scoped_queryset(self, user):
        return selectors.notices(user)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notice = self.get_object()
        if notice.read_at is None and services.mark_notices_read(user=request.user,
                                                                 notice_id=notice.pk):
            notice.refresh_from_db(fields=["read_at"])
        return Response(NoticeSerializer(notice).data, status=status.HTTP_200_OK)
