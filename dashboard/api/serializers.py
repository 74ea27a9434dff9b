"""The dashboard endpoint's query and answer. The answer is built as plain values by
`dashboard.selectors.dashboard` (and cached as such); these serializers validate the query and
describe the answer in the OpenAPI schema."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from org.api.common import MonthField


class DashboardQuerySerializer(serializers.Serializer):
    plan = serializers.SlugField(required=False, help_text=_("Plan code; default: the current "
                                                             "plan of the unit."))
    unit = serializers.IntegerField(required=False, min_value=1,
                                    help_text=_("Org unit id; default: your own unit."))
    month = MonthField(required=False, help_text=_("YYYY-MM; default: the latest month with "
                                                   "progress snapshots."))
    basis = serializers.ChoiceField(
        choices=[("plan", _("By the plan's decomposition")), ("own", _("By the unit's own commitment"))],
        required=False, default="plan",
        help_text=_("Which target governs a unit that has both a share of this plan and its "
                    "own commitment in a plan implementing it: plan (default) or own."))
    group = serializers.SlugField(
        required=False, help_text=_("An org-unit group's code: adds the group's members at or "
                                    "below the unit, ranked, and the group's total."))


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class IndicatorRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OtherBasisSerializer(serializers.Serializer):
    target_id = serializers.IntegerField()
    source = serializers.CharField()
    source_label = serializers.CharField()
    target = serializers.FloatField(allow_null=True)
    actual = serializers.FloatField(allow_null=True)
    completion_rate = serializers.FloatField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()
    window = serializers.CharField()


class ProgressRowSerializer(serializers.Serializer):
    target_id = serializers.IntegerField()
    target_code = serializers.CharField()
    indicator = IndicatorRefSerializer()
    window = serializers.CharField(help_text=_("The target's window, e.g. 2025年."))
    window_kind = serializers.CharField()
    unit = RefSerializer()
    department = DepartmentRefSerializer(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    actual = serializers.FloatField(allow_null=True)
    completion_rate = serializers.FloatField(allow_null=True,
                                             help_text=_("Actual ÷ target (0.5 = 50%)."))
    time_progress = serializers.FloatField(help_text=_("Share of the window elapsed (序时进度)."))
    gap_to_target = serializers.FloatField(allow_null=True)
    gap_to_time = serializers.FloatField(
        allow_null=True, help_text=_("Actual − target × time progress; negative: behind."))
    status = serializers.CharField()
    status_label = serializers.CharField()
    status_icon = serializers.CharField()
    is_soft = serializers.BooleanField()
    rank = serializers.IntegerField(allow_null=True)
    rank_of = serializers.IntegerField(allow_null=True)
    completion_change = serializers.FloatField(allow_null=True)
    actual_as_of = serializers.CharField(
        allow_null=True, help_text=_("YYYY-MM: a stock (level) figure carried forward from the "
                                     "month it was last reported; null when it is this month's."))
    governing_target = serializers.IntegerField(
        help_text=_("The target the row is judged against (the same as target_id)."))
    source = serializers.ChoiceField(
        choices=["plan", "own"], help_text=_("plan: this plan's own target or decomposition "
                                             "share; own: the unit's own commitment in a plan "
                                             "implementing this one."))
    source_label = serializers.CharField(
        help_text=_("本方案分解, or the implementing plan's short name and document number."))
    plan_target = serializers.FloatField(allow_null=True,
                                         help_text=_("This plan's share, where it has one."))
    own_target = serializers.FloatField(allow_null=True,
                                        help_text=_("The unit's own commitment, where it has one."))
    other = OtherBasisSerializer(allow_null=True,
                                 help_text=_("Where both exist: the row under the other basis."))
    projected = serializers.FloatField(
        allow_null=True, help_text=_("Projected at the window's end by projection_method."))
    projected_completion = serializers.FloatField(
        allow_null=True, help_text=_("Projected ÷ target (0.9 = 90%)."))
    projection_method = serializers.ChoiceField(
        choices=["", "seasonal", "pace", "trend"],
        help_text=_("seasonal: this year so far scaled by last year's share done by this month "
                    "(the unit's, else its parent's, else the country's); pace: completion ÷ "
                    "time progress; trend: a level's trend since the window's first month."))
    projection_method_label = serializers.CharField()
    required_pace = serializers.FloatField(
        allow_null=True, help_text=_("The monthly average still needed to reach the target by "
                                     "the window's end (还需月均完成); 0 once met."))
    pace_so_far = serializers.FloatField(
        allow_null=True, help_text=_("Monthly average so far (a level's monthly change)."))
    warning = serializers.ChoiceField(
        choices=["", "red", "orange", "yellow"],
        help_text=_("Early warning (预警) from the projected completion against the thresholds "
                    "administrators set; empty: none."))
    warning_label = serializers.CharField()
    group = serializers.CharField(
        allow_null=True, help_text=_("The org-unit group the target is stated for, or whose "
                                     "member's share it is (#22); null otherwise."))


class SeriesSerializer(serializers.Serializer):
    key = serializers.CharField()
    indicator = IndicatorRefSerializer()
    window = serializers.CharField()
    time_progress = serializers.FloatField()
    reporting = serializers.IntegerField(help_text=_("Units below with a figure."))
    has_both = serializers.BooleanField(
        help_text=_("Some unit has both a share of this plan and its own commitment."))
    rows = ProgressRowSerializer(many=True)


class UnitOwnRowSerializer(serializers.Serializer):
    unit = RefSerializer()
    actual = serializers.FloatField(allow_null=True)
    actual_as_of = serializers.CharField(
        allow_null=True, help_text=_("A stock carried forward: the month it dates from."))
    share = serializers.FloatField(
        allow_null=True, help_text=_("Share of the unit's own figure (sums only)."))


class UnitsOwnSerializer(serializers.Serializer):
    key = serializers.CharField()
    indicator = IndicatorRefSerializer()
    window = serializers.CharField()
    own_actual = serializers.FloatField(allow_null=True)
    additive = serializers.BooleanField()
    reporting = serializers.IntegerField(help_text=_("Units below with a figure."))
    rows = UnitOwnRowSerializer(many=True)


class TrendSerializer(serializers.Serializer):
    key = serializers.CharField()
    indicator = IndicatorRefSerializer()
    window = serializers.CharField()
    this_year = serializers.IntegerField()
    last_year = serializers.IntegerField()
    this_rate = serializers.ListField(child=serializers.FloatField(allow_null=True))
    last_rate = serializers.ListField(child=serializers.FloatField(allow_null=True))
    this_actual = serializers.ListField(child=serializers.FloatField(allow_null=True))
    last_actual = serializers.ListField(child=serializers.FloatField(allow_null=True))
    time_progress = serializers.ListField(child=serializers.FloatField(allow_null=True))


class PlanRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    short_name = serializers.CharField()


class GroupRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()


class GroupTotalSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=[("group_target", "group_target"),
                                              ("members_sum", "members_sum")])
    source_label = serializers.CharField()
    target = serializers.FloatField(allow_null=True)
    actual = serializers.FloatField(allow_null=True)
    completion_rate = serializers.FloatField(allow_null=True)
    time_progress = serializers.FloatField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()


class GroupSeriesSerializer(serializers.Serializer):
    indicator = IndicatorRefSerializer()
    window = serializers.CharField()
    time_progress = serializers.FloatField(allow_null=True)
    total = GroupTotalSerializer(allow_null=True)
    rows = ProgressRowSerializer(many=True, help_text=_("The group's members, ranked."))


class GroupReportSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    members = serializers.IntegerField(help_text=_("Members at or below the unit in the month."))
    series = GroupSeriesSerializer(many=True)


class DashboardSerializer(serializers.Serializer):
    plan = PlanRefSerializer()
    plans = PlanRefSerializer(many=True)
    unit = RefSerializer()
    breadcrumbs = RefSerializer(many=True)
    children = RefSerializer(many=True, help_text=_("Child units to drill down into."))
    month = serializers.CharField(allow_null=True)
    months = serializers.ListField(child=serializers.CharField())
    basis = serializers.CharField()
    rolled_up_at = serializers.CharField(
        allow_null=True, help_text=_("When the month shown was last rolled up (local time, "
                                     "YYYY-MM-DD HH:MM); figures saved since appear after the "
                                     "next roll-up."))
    headline = ProgressRowSerializer(many=True)
    series = SeriesSerializer(many=True, help_text=_("Child units per indicator, ranked."))
    laggards = ProgressRowSerializer(many=True)
    warnings = ProgressRowSerializer(
        many=True, help_text=_("Rows with an early warning, the most severe first."))
    departments = ProgressRowSerializer(many=True)
    units_own = UnitsOwnSerializer(
        many=True, help_text=_("Where the plan gives the units below no target: each unit's "
                               "own figure on the headline indicators, not judged."))
    trend = TrendSerializer(many=True)
    groups = GroupRefSerializer(many=True, help_text=_("Org-unit groups with members at or "
                                                       "below the unit: the group filter."))
    group = GroupReportSerializer(allow_null=True, help_text=_(
        "The chosen group (the `group` parameter): its members ranked and its total."))


class PingSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    user = serializers.CharField()


class BulletinSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.CharField(source="plan.code")
    org_unit = RefSerializer()
    month = MonthField(source="period")
    version = serializers.IntegerField()
    trigger = serializers.CharField()
    issued_at = serializers.DateTimeField()
    issued_by = serializers.CharField(source="issued_by.username", allow_null=True, default=None)
    xlsx = serializers.SerializerMethodField()
    content = serializers.JSONField(help_text=_("The bulletin as issued: headline, series "
                                                "(ranked units), laggards, departments."))

    def get_xlsx(self, obj) -> str:
        from django.urls import reverse

        request = self.context.get("request")
        url = reverse("dashboard:bulletin_xlsx", args=[obj.pk])
        return request.build_absolute_uri(url) if request else url
