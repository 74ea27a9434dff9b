"""Serializers of the quota-table endpoint: the JSON twin of the Excel quota import."""

from rest_framework import serializers

from targets.models import Plan


class QuotaRowSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=100,
        help_text="The region or department as an office writes it: 鹿城区, 330302, 温州市鹿城区, "
                  "市应急管理局; an alias chosen in an import preview works too.")
    values = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=4, min_value=0),
        allow_empty=False,
        help_text="{indicator code, name or other heading: this row's share}.")


class QuotaTableSerializer(serializers.Serializer):
    plan = serializers.SlugRelatedField(slug_field="code",
                                        queryset=Plan.unscoped.filter(is_reference=False))
    axis = serializers.ChoiceField(choices=[("region", "region"), ("department", "department")],
                                   default="region")
    year = serializers.IntegerField(required=False, allow_null=True, min_value=2000,
                                    max_value=2100,
                                    help_text="For a plan with yearly targets: the year.")
    rows = serializers.ListField(child=QuotaRowSerializer(), min_length=1, max_length=5000)
    dry_run = serializers.BooleanField(default=False,
                                       help_text="Check and answer what would change; save "
                                                 "nothing.")


class QuotaIssueSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Index into `rows`, from 0.")
    field = serializers.CharField(help_text="`name`, `values.<key>` or empty.")
    message = serializers.CharField()


class QuotaResultSerializer(serializers.Serializer):
    applied = serializers.BooleanField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = QuotaIssueSerializer(many=True)
    warnings = QuotaIssueSerializer(many=True)
