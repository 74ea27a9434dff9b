"""Viewsets of the subsidies API: schemes, claims and vouchers read through the selectors
(scoped with `for_user`); a claim's decisions (approve, reject, pay) go through the same
services as the pages, with their locks, caps, budgets and audit."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from org.api.common import ScopedMixin, ScopedReadOnlyViewSet, service_errors
from org.api.writes import ScopedWriteMixin, writable_schema
from org.models import OrgUnit
from skills_portal import clock

from .. import selectors, services
from ..filters import ClaimApiFilter, SchemeFilter, VoucherApiFilter
from ..models import Scheme
from .serializers import (
    ClaimSerializer,
    PaySerializer,
    RejectSerializer,
    SchemeSerializer,
    SchemeWriteSerializer,
    VoucherSerializer,
)


@writable_schema(SchemeWriteSerializer, SchemeSerializer, summary="An honour award", example={
    "code": "wenzhou-expert-award-2026", "name": "温州市技术能手奖励", "plan": "wenzhou-2021",
    "rule_kind": "honour", "org_unit": 42, "valid_from": "2026-01", "valid_to": "2026-12",
    "rates": [{"honour_title": "技术能手", "honour_level": "市级", "amount": 5000}],
    "budgets": [{"year": 2026, "amount": 200000}]})
class SchemeViewSet(ScopedMixin, ScopedWriteMixin, mixins.ListModelMixin,
                    mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Subsidy schemes with their rates, budgets, priority occupations and a one-line rule
    summary. Administrators of the unit a scheme applies in (or above) create, change and
    delete schemes, with the admin's rules; a scheme with claims or vouchers cannot be
    deleted (set `is_active` false instead)."""

    serializer_class = SchemeSerializer
    write_serializer_class = SchemeWriteSerializer
    protected_message = _("This scheme cannot be deleted: claims or vouchers refer to it. "
                          "Make it inactive instead.")
    filterset_class = SchemeFilter
    ordering_fields = ["code", "name", "id"]
    ordering = ["code"]

    def scoped_queryset(self, user):
        return selectors.scheme_list(user)

    def save_record(self, serializer, instance=None):
        values = dict(serializer.validated_data)
        parts = {name: values.pop(name) for name in services.SCHEME_PARTS if name in values}
        scheme = instance or Scheme()
        for name, value in values.items():
            setattr(scheme, name, value)
        with service_errors():
            services.save_scheme(user=self.request.user, scheme=scheme, parts=parts)
        return self.answer(scheme.pk)


class ClaimViewSet(ScopedReadOnlyViewSet):
    """Claims in the caller's scope. Approving, rejecting and paying need a reviewer or
    administrator of the beneficiary's unit or above; a refusal is a 400 saying why."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimApiFilter
    ordering_fields = ["submitted_on", "amount", "id"]
    ordering = ["-submitted_on", "-id"]

    def scoped_queryset(self, user):
        return selectors.claim_list(user)

    def _decided(self, claim):
        fresh = self.scoped_queryset(self.request.user).get(pk=claim.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        claim = self.get_object()
        with service_errors():
            services.approve_claim(user=request.user, claim=claim)
        return self._decided(claim)

    @extend_schema(request=RejectSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        claim = self.get_object()
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            services.reject_claim(user=request.user, claim=claim,
                                  reason=data.validated_data["reason"])
        return self._decided(claim)

    @extend_schema(request=PaySerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        claim = self.get_object()
        data = PaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            services.pay_claim(user=request.user, claim=claim,
                               paid_on=data.validated_data.get("paid_on"),
                               reference=data.validated_data["reference"])
        return self._decided(claim)


class VoucherViewSet(ScopedReadOnlyViewSet):
    """Training vouchers in the caller's scope."""

    serializer_class = VoucherSerializer
    filterset_class = VoucherApiFilter
    ordering_fields = ["issued_on", "number", "id"]
    ordering = ["-issued_on", "-id"]

    def scoped_queryset(self, user):
        return selectors.voucher_list(user)


class TotalsQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text="Org unit id: totals cover its whole subtree.")
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class TotalsView(APIView):
    """Subsidy money and voucher counts of a unit's subtree for a year, limited to what the
    caller may see: per scheme approved (by approval date), paid (by payment date) and pending;
    vouchers issued that year by status; amount redeemed. For the dashboard."""

    @extend_schema(parameters=[OpenApiParameter("unit", int, required=True),
                               OpenApiParameter("year", int)],
                   responses={200: dict})
    def get(self, request):
        query = TotalsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        unit = OrgUnit.objects.for_user(request.user).filter(
            pk=query.validated_data["unit"]).first()
        if unit is None:
            raise NotFound()
        year = query.validated_data.get("year") or clock.today().year
        data = selectors.totals(request.user, unit=unit, year=year)
        money = ("approved_amount", "paid_amount", "pending_amount")
        for row in data["schemes"]:
            for key in money:
                row[key] = float(row[key])
        for key in ("approved_amount", "paid_amount", "voucher_amount_redeemed"):
            data[key] = float(data[key])
        return Response({"unit": {"id": unit.pk, "code": unit.code, "name": unit.name}, **data})
