"""Serializers of the subsidies API. ID numbers are shown as the pages show them: in full to
the record's own unit (and system administrators), masked everywhere else. Money is a JSON
number of yuan with two decimals."""

from __future__ import annotations

from rest_framework import serializers

from org.api.common import MonthField, UnitRefSerializer, number
from org.models import OrgUnit
from targets.models import Plan

from .. import rules
from ..models import (
    BASIS_FIELDS,
    Claim,
    PriorityOccupation,
    Scheme,
    SchemeBudget,
    SchemeRate,
    Voucher,
)


def _user(serializer):
    request = serializer.context.get("request")
    return request.user if request else None


def money(**kwargs):
    return number(max_digits=14, decimal_places=2, **kwargs)


class SchemeRateSerializer(serializers.ModelSerializer):
    amount = money()

    class Meta:
        model = SchemeRate
        fields = ["competition_level", "medal", "honour_title", "honour_level",
                  "certificate_level", "amount"]


class SchemeBudgetSerializer(serializers.ModelSerializer):
    amount = money()

    class Meta:
        model = SchemeBudget
        fields = ["year", "amount"]


class PriorityOccupationSerializer(serializers.ModelSerializer):
    multiplier = number(max_digits=5, decimal_places=2)

    class Meta:
        model = PriorityOccupation
        fields = ["occupation", "multiplier"]


class SchemeRateWriteSerializer(SchemeRateSerializer):
    amount = money(read_only=False)


class SchemeBudgetWriteSerializer(SchemeBudgetSerializer):
    amount = money(read_only=False)

    class Meta(SchemeBudgetSerializer.Meta):
        validators = []  # one budget per year: checked with the scheme, by the model


class PriorityOccupationWriteSerializer(PriorityOccupationSerializer):
    multiplier = number(max_digits=5, decimal_places=2, read_only=False)

    class Meta(PriorityOccupationSerializer.Meta):
        validators = []


class SchemeWriteSerializer(serializers.ModelSerializer):
    """What an administrator sends to create or change a subsidy scheme: the plan by code,
    the unit it applies in by id, months as YYYY-MM. `rates`, `budgets` and
    `priority_occupations`, when sent, replace the scheme's lists as a whole (all or nothing,
    each item checked by the scheme's rule as in the admin); left out, they stay as they are."""

    plan = serializers.SlugRelatedField(slug_field="code", queryset=Plan.unscoped.all())
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.unscoped.all())
    valid_from = MonthField()
    valid_to = MonthField(allow_null=True, required=False)
    cap_per_enterprise = money(allow_null=True, required=False, read_only=False)
    min_amount = money(allow_null=True, required=False, read_only=False)
    max_amount = money(allow_null=True, required=False, read_only=False)
    per_day_amount = money(allow_null=True, required=False, read_only=False)
    cap_share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True,
                                         required=False, coerce_to_string=False)
    reference_scheme = serializers.SlugRelatedField(
        slug_field="code", queryset=Scheme.unscoped.all(), allow_null=True, required=False,
        help_text="The training subsidy scheme (by code) a per-day subsidy's cap is a share of.")
    rates = SchemeRateWriteSerializer(many=True, required=False)
    budgets = SchemeBudgetWriteSerializer(many=True, required=False)
    priority_occupations = PriorityOccupationWriteSerializer(many=True, required=False)

    class Meta:
        model = Scheme
        fields = ["code", "name", "plan", "rule_kind", "org_unit", "valid_from", "valid_to",
                  "team_same_again", "cap_per_enterprise", "min_amount", "max_amount",
                  "min_employment_months", "sme_only", "per_day_amount", "cap_share",
                  "reference_scheme", "occupations", "quote", "note", "is_active", "rates",
                  "budgets", "priority_occupations"]
        validators = []


class SchemeSerializer(serializers.ModelSerializer):
    org_unit = UnitRefSerializer(read_only=True)
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    valid_from = MonthField(read_only=True)
    valid_to = MonthField(read_only=True, allow_null=True)
    cap_per_enterprise = money(allow_null=True)
    min_amount = money(allow_null=True)
    max_amount = money(allow_null=True)
    per_day_amount = money(allow_null=True)
    cap_share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True,
                                         read_only=True, coerce_to_string=False)
    reference_scheme = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                                    allow_null=True)
    rates = SchemeRateSerializer(many=True, read_only=True)
    budgets = SchemeBudgetSerializer(many=True, read_only=True)
    priority_occupations = PriorityOccupationSerializer(many=True, read_only=True)
    rule_summary = serializers.SerializerMethodField()

    class Meta:
        model = Scheme
        fields = ["id", "code", "name", "plan", "rule_kind", "org_unit", "valid_from",
                  "valid_to", "team_same_again", "cap_per_enterprise", "min_amount",
                  "max_amount", "min_employment_months", "sme_only", "per_day_amount",
                  "cap_share", "reference_scheme", "occupations", "quote", "note", "is_active",
                  "rates", "budgets", "priority_occupations", "rule_summary"]

    def get_rule_summary(self, obj) -> str:
        return rules.rule_summary(obj)


class ClaimSerializer(serializers.ModelSerializer):
    scheme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    org_unit = UnitRefSerializer(read_only=True)
    period = MonthField(read_only=True, allow_null=True)
    amount = money()
    payee_id_number = serializers.SerializerMethodField(
        help_text="Full to the beneficiary's own unit, masked (530523********1234) elsewhere.")
    basis = serializers.SerializerMethodField(
        help_text="The record the claim pays: {kind, id}.")

    class Meta:
        model = Claim
        fields = ["id", "scheme", "status", "basis", "period", "org_unit", "payee_name",
                  "payee_id_number", "enterprise_name", "enterprise_code", "amount",
                  "explanation", "submitted_on", "is_manual", "approved_on", "paid_on",
                  "payment_reference", "rejected_on", "rejection_reason", "note", "updated_at"]
        read_only_fields = fields

    def get_payee_id_number(self, obj) -> str:
        return obj.id_number_for(_user(self))

    def get_basis(self, obj) -> dict:
        for name in BASIS_FIELDS:
            value = getattr(obj, f"{name}_id")
            if value:
                return {"kind": name, "id": value}
        return {}


class VoucherSerializer(serializers.ModelSerializer):
    scheme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    org_unit = UnitRefSerializer(read_only=True)
    id_number = serializers.SerializerMethodField(
        help_text="Full to the holder's own unit, masked elsewhere.")
    certificate_number = serializers.CharField(source="certificate.certificate_number",
                                               read_only=True, allow_null=True, default=None)
    redeemed_amount = money(allow_null=True)

    class Meta:
        model = Voucher
        fields = ["id", "number", "scheme", "org_unit", "person_name", "id_number",
                  "occupation", "institution", "status", "issued_on", "expires_on",
                  "enrolled_on", "trained_on", "assessed_on", "certified_on", "redeemed_on",
                  "expired_on", "certificate_number", "redeemed_amount", "updated_at"]
        read_only_fields = fields

    def get_id_number(self, obj) -> str:
        return obj.id_number_for(_user(self))


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class PaySerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                      default="")
