"""Serializers of the roll-up's tables."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from org.api.common import DepartmentBriefSerializer, MonthField, UnitRefSerializer, number
from targets.api.serializers import FOUR, IndicatorBriefSerializer
from targets.models import Plan

from ..models import ProgressSnapshot, RollupRequest, RollupRun


class ProgressSnapshotSerializer(serializers.ModelSerializer):
    """One row of progress: a target at the end of a month. Field names are stable (the
    dashboard and other systems read them)."""

    month = MonthField(source="period", read_only=True)
    org_unit = UnitRefSerializer(source="target.org_unit", read_only=True)
    department = DepartmentBriefSerializer(source="target.department", read_only=True,
                                         allow_null=True)
    indicator = IndicatorBriefSerializer(source="target.indicator", read_only=True)
    plan = serializers.CharField(source="target.plan.code", read_only=True)
    target = serializers.IntegerField(source="target_id", read_only=True)
    target_code = serializers.CharField(source="target.code", read_only=True)
    window = serializers.CharField(source="target.window", read_only=True)
    window_label = serializers.CharField(source="target.window_label", read_only=True)
    target_value = number(allow_null=True)
    actual = number(allow_null=True)
    completion_rate = number(allow_null=True)
    time_progress = number()
    gap_to_target = number(allow_null=True)
    gap_to_time = number(allow_null=True)
    completion_change = number(allow_null=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    projected = number(allow_null=True,
                       help_text=_("Projected at the window's end by projection_method."))
    projected_completion = number(allow_null=True,
                                  help_text=_("Projected ÷ target (0.9 = 90%)."))
    projection_method_label = serializers.CharField(source="get_projection_method_display",
                                                    read_only=True)
    required_pace = number(allow_null=True, help_text=_(
        "The monthly average still needed to reach the target by the window's end "
        "(还需月均完成); 0 once met."))
    pace_so_far = number(allow_null=True,
                         help_text=_("Monthly average so far (a level's monthly change)."))
    warning_label = serializers.CharField(source="get_warning_display", read_only=True)

    class Meta:
        model = ProgressSnapshot
        fields = ["id", "month", "plan", "org_unit", "department", "indicator", "target",
                  "target_code", "window", "window_label", "target_value", "actual",
                  "completion_rate", "time_progress", "gap_to_target", "gap_to_time", "status",
                  "status_label", "is_soft", "rank", "rank_of", "completion_change",
                  "projected", "projected_completion", "projection_method",
                  "projection_method_label", "required_pace", "pace_so_far", "warning",
                  "warning_label"]

    def to_representation(self, instance):
        """The same row as the declared fields give (a test compares the two), built directly:
        pages of a thousand rows are read by other systems, and DRF's per-field machinery
        costs more than the query."""
        target = instance.target
        unit, department, indicator = target.org_unit, target.department, target.indicator
        return {
            "id": instance.pk,
            "month": f"{instance.period:%Y-%m}",
            "plan": target.plan.code,
            "org_unit": {"id": unit.pk, "code": unit.code, "name": unit.name},
            "department": None if department is None else {
                "id": department.pk, "name": department.name, "sector": department.sector},
            "indicator": {"code": indicator.code, "name": indicator.name,
                          "unit": indicator.unit},
            "target": target.pk,
            "target_code": target.code,
            "window": target.window,
            "window_label": target.window_label,
            "target_value": _num(instance.target_value),
            "actual": _num(instance.actual),
            "completion_rate": _num(instance.completion_rate),
            "time_progress": _num(instance.time_progress),
            "gap_to_target": _num(instance.gap_to_target),
            "gap_to_time": _num(instance.gap_to_time),
            "status": instance.status,
            "status_label": instance.get_status_display(),
            "is_soft": instance.is_soft,
            "rank": instance.rank,
            "rank_of": instance.rank_of,
            "completion_change": _num(instance.completion_change),
            "projected": _num(instance.projected),
            "projected_completion": _num(instance.projected_completion),
            "projection_method": instance.projection_method,
            "projection_method_label": instance.get_projection_method_display(),
            "required_pace": _num(instance.required_pace),
            "pace_so_far": _num(instance.pace_so_far),
            "warning": instance.warning,
            "warning_label": instance.get_warning_display(),
        }


def _num(value):
    return None if value is None else value.quantize(FOUR)


class RollupRunSerializer(serializers.ModelSerializer):
    period = MonthField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    request = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True,
        help_text=_("The roll-up request this run worked for (trigger `request`)."))

    class Meta:
        model = RollupRun
        fields = ["id", "period", "trigger", "status", "status_label", "started_at",
                  "finished_at", "rows_written", "queries", "error", "request"]


class RollupRequestSerializer(serializers.ModelSerializer):
    """A roll-up request and how far it is: `months_done` of `months_total`, the month being
    rolled up, the runs it made (watch `url`)."""

    url = serializers.HyperlinkedIdentityField(view_name="api-rollup-request-detail")
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True,
                                        help_text=_("Empty: every plan."))
    first_month = MonthField(read_only=True)
    last_month = MonthField(read_only=True)
    current_month = MonthField(read_only=True, allow_null=True)
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                                allow_null=True)
    runs = serializers.PrimaryKeyRelatedField(many=True, read_only=True,
                                              help_text=_("The roll-up runs it made."))

    class Meta:
        model = RollupRequest
        fields = ["id", "url", "plan", "first_month", "last_month", "reason", "reason_label",
                  "status", "status_label", "months_total", "months_done", "current_month",
                  "requested_by", "requested_at", "started_at", "finished_at", "error", "runs"]


class RollupRequestCreateSerializer(serializers.Serializer):
    """What to roll up: a plan by code (none: every plan, superusers only) and the months
    `from` and `to` (YYYY-MM), which the portal narrows to the plan's window and the months
    that have ended."""

    plan = serializers.SlugRelatedField(
        slug_field="code", queryset=Plan.unscoped.all(), required=False, allow_null=True,
        error_messages={"does_not_exist": _("No plan has the code “{value}”.")},
        help_text=_("The plan's code; leave it out for every plan (superusers only)."))

    def get_fields(self):
        # `from` is a Python keyword: declared here rather than in the class body.
        fields = super().get_fields()
        fields["from"] = MonthField(source="first_month", help_text=_("The first month."))
        fields["to"] = MonthField(source="last_month", help_text=_("The last month."))
        return fields
