from rest_framework import serializers

from org.api.common import DepartmentBriefSerializer, MonthField, UnitRefSerializer
from org.filters import ID_BOUNDS

from ..models import MonthlyReport, Notice, ReportEvent


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True,
                                  allow_null=True)

    class Meta:
        model = ReportEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "comment"]


class MonthlyReportSerializer(serializers.ModelSerializer):
    org_unit = UnitRefSerializer(read_only=True)
    department = DepartmentBriefSerializer(read_only=True, allow_null=True)
    period = MonthField(read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", default=None,
                                         read_only=True, allow_null=True)
    approved_by = serializers.CharField(source="approved_by.username", default=None,
                                        read_only=True, allow_null=True)

    class Meta:
        model = MonthlyReport
        fields = ["id", "org_unit", "department", "period", "status", "deadline", "is_late",
                  "submitted_at", "submitted_by", "approved_at", "approved_by",
                  "approved_level", "override_reason", "is_zero_report"]
        read_only_fields = fields


class MonthlyReportDetailSerializer(MonthlyReportSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(MonthlyReportSerializer.Meta):
        fields = [*MonthlyReportSerializer.Meta.fields, "events"]
        read_only_fields = fields


class ReportKeySerializer(serializers.Serializer):
    """Which report to submit: a unit (and optionally a department) and a month."""

    org_unit = serializers.IntegerField(**ID_BOUNDS)
    department = serializers.IntegerField(required=False, allow_null=True, **ID_BOUNDS)
    period = MonthField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    zero_report = serializers.BooleanField(
        required=False, default=False,
        help_text="No new figures this month (本月无新增): submit a report without figures as a "
                  "zero report; a report without figures is refused otherwise.")


class ActionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CompletenessSerializer(serializers.Serializer):
    unit = UnitRefSerializer(read_only=True)
    expected = serializers.IntegerField()
    submitted = serializers.IntegerField()
    on_time = serializers.IntegerField()
    approved = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)


class CompletenessAnswerSerializer(serializers.Serializer):
    """What GET /api/v1/reporting-completeness/ answers: the month, a row for the unit and
    each unit directly below it, and the units that have not reported."""

    month = serializers.CharField()
    rows = CompletenessSerializer(many=True)
    not_reported = UnitRefSerializer(many=True)


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "title", "body", "link", "created_at", "read_at"]
        read_only_fields = fields
