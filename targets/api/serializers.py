"""Serializers of the targets API: the spine (units, departments, indicators, plans, targets),
manual data values, progress snapshots and roll-up runs. They shape data; rules live in the
models and services."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from org.api.common import DepartmentBriefSerializer, MonthField, UnitRefSerializer, number
from org.models import Department, OrgUnit, OrgUnitGroup
from org.selectors import writable_departments, writable_units

from ..models import DataValue, Indicator, Plan, PlanTask, Target

FOUR = Decimal("0.0001")


class IndicatorSerializer(serializers.ModelSerializer):
    numerator = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    denominator = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                               allow_null=True)

    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "unit", "kind", "source", "measure", "filters",
                  "numerator", "denominator", "synonyms", "description", "is_active"]


class IndicatorWriteSerializer(serializers.ModelSerializer):
    """What a curator sends to create or change an indicator (#17, #18): the parts of a ratio
    by code, other headings (`synonyms`) as a list of texts; the model's validation decides."""

    numerator = serializers.SlugRelatedField(slug_field="code", queryset=Indicator.unscoped.all(),
                                             allow_null=True, required=False)
    denominator = serializers.SlugRelatedField(slug_field="code",
                                               queryset=Indicator.unscoped.all(),
                                               allow_null=True, required=False)
    synonyms = serializers.ListField(child=serializers.CharField(max_length=100), max_length=100,
                                     required=False)

    class Meta:
        model = Indicator
        fields = ["code", "name", "unit", "kind", "source", "measure", "filters", "numerator",
                  "denominator", "synonyms", "description", "is_active"]
        validators = []  # uniqueness is the model's full_clean, with its own messages


class PlanWriteSerializer(serializers.ModelSerializer):
    """What an administrator sends to create or change a plan: the issuing unit by id, the
    plan above by code, months as YYYY-MM or any date in the month."""

    issuer_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.unscoped.all())
    parent = serializers.SlugRelatedField(slug_field="code", queryset=Plan.unscoped.all(),
                                          allow_null=True, required=False)
    period_start = MonthField(allow_null=True, required=False)
    period_end = MonthField(allow_null=True, required=False)

    class Meta:
        model = Plan
        fields = ["code", "title", "short_name", "doc_number", "issuer", "issuer_unit",
                  "issue_date", "period_start", "period_end", "parent", "is_reference",
                  "source_document", "summary"]
        validators = []


class PlanTaskSerializer(serializers.ModelSerializer):
    lead_departments = DepartmentBriefSerializer(many=True, read_only=True)
    responsible_departments = DepartmentBriefSerializer(many=True, read_only=True)

    class Meta:
        model = PlanTask
        fields = ["id", "number", "position", "section", "title", "summary", "lead_departments",
                  "responsible_departments", "responsible_note"]


class PlanTaskDetailSerializer(PlanTaskSerializer):
    """A task as `/plan-tasks/` answers it: with the code of its plan."""

    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta(PlanTaskSerializer.Meta):
        fields = ["id", "plan", *PlanTaskSerializer.Meta.fields[1:]]


class PlanTaskWriteSerializer(serializers.ModelSerializer):
    """What an administrator sends to create or change a plan's task: the plan by code, the
    lead and responsible departments by id."""

    plan = serializers.SlugRelatedField(slug_field="code", queryset=Plan.unscoped.all())
    lead_departments = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Department.unscoped.all())
    responsible_departments = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Department.unscoped.all())

    class Meta:
        model = PlanTask
        fields = ["plan", "number", "position", "section", "title", "summary",
                  "lead_departments", "responsible_departments", "responsible_note"]
        validators = []


class PlanSerializer(serializers.ModelSerializer):
    issuer_unit = UnitRefSerializer(read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    period_start = MonthField(read_only=True, allow_null=True)
    period_end = MonthField(read_only=True, allow_null=True)
    tasks = PlanTaskSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "code", "title", "short_name", "doc_number", "issuer", "issuer_unit",
                  "issue_date", "period_start", "period_end", "parent", "is_reference",
                  "source_document", "summary", "tasks"]


class IndicatorBriefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)


class CoverageSerializer(serializers.Serializer):
    axis = serializers.CharField(read_only=True)
    axis_label = serializers.CharField(read_only=True)
    children = serializers.IntegerField(read_only=True)
    hidden = serializers.IntegerField(
        read_only=True, help_text="Parts outside the caller's scope: counted, never summed.")
    children_sum = number(help_text="Sum of the visible parts.")
    children_without_value = serializers.IntegerField(read_only=True)
    parent_value = number(allow_null=True)
    difference = number(allow_null=True)
    coverage_pct = number(allow_null=True, decimal_places=2)
    exhaustive = serializers.BooleanField(
        read_only=True, help_text="Whether the parts must add up to the whole: false for a "
                                  "slice (其中) breakdown whose parent does not say its slices "
                                  "are the whole (#26).")
    status = serializers.ChoiceField(
        read_only=True, choices=["balanced", "under", "over", "incomplete", "restricted",
                                 "part_listed"],
        help_text="part_listed: slices listed of the whole, not exceeding it (其中已列示); over "
                  "for slices: they exceed the whole by `difference`.")
    status_label = serializers.CharField(read_only=True)


class TargetSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    indicator = IndicatorBriefSerializer(read_only=True)
    org_unit = UnitRefSerializer(read_only=True)
    department = DepartmentBriefSerializer(read_only=True, allow_null=True)
    task = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    group = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    window_label = serializers.CharField(read_only=True)
    period_start = MonthField(read_only=True)
    period_end = MonthField(read_only=True)
    value = number(allow_null=True)
    value_max = number(allow_null=True)
    baseline = number(allow_null=True)
    coverage = serializers.SerializerMethodField(
        help_text="How the target's children add up, per decomposition axis.")

    class Meta:
        model = Target
        fields = ["id", "plan", "code", "indicator", "org_unit", "department", "task", "window",
                  "window_label", "period_start", "period_end", "value", "value_max",
                  "comparator", "is_soft", "is_increment", "baseline", "parent", "axis",
                  "implements", "group", "group_mode", "slices_exhaustive", "quote", "note",
                  "coverage"]

    @extend_schema_field(CoverageSerializer(many=True))
    def get_coverage(self, obj):
        return CoverageSerializer(getattr(obj, "coverages", []), many=True).data


class TargetWriteSerializer(serializers.ModelSerializer):
    """What a client sends to create or change a target (#16): the plan and indicator by code,
    the unit, department, parent and implemented target by id, months as YYYY-MM or any date
    in the month. The model's own validation decides (its Chinese messages come back per
    field), and the caller's scope: administrators of the plan's issuing unit or above."""

    plan = serializers.SlugRelatedField(slug_field="code", queryset=Plan.unscoped.all())
    indicator = serializers.SlugRelatedField(slug_field="code", queryset=Indicator.unscoped.all())
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.unscoped.all())
    department = serializers.PrimaryKeyRelatedField(queryset=Department.unscoped.all(),
                                                    allow_null=True, required=False)
    parent = serializers.PrimaryKeyRelatedField(queryset=Target.unscoped.all(), allow_null=True,
                                                required=False)
    implements = serializers.PrimaryKeyRelatedField(
        queryset=Target.unscoped.all(), allow_null=True, required=False,
        help_text="A target of a plan above (one this target's plan implements).")
    group = serializers.SlugRelatedField(
        slug_field="code", queryset=OrgUnitGroup.unscoped.all(), allow_null=True, required=False,
        help_text="An org-unit group (by code) the target is stated for (#22); with group_mode "
                  "`each` every member holds it, with `total` the members' sum is judged.")
    period_start = MonthField()
    period_end = MonthField()

    class Meta:
        model = Target
        fields = ["plan", "code", "indicator", "org_unit", "department", "window",
                  "period_start", "period_end", "value", "value_max", "comparator", "is_soft",
                  "is_increment", "baseline", "parent", "axis", "implements", "group",
                  "group_mode", "slices_exhaustive", "quote", "note"]
        # The model's clean() judges the whole target; no unique-together check here.
        validators = []

    def validate(self, attrs):
        # Ids the caller may not see read as unknown, never as someone else's record.
        user = self.context["request"].user
        for name, model in (("org_unit", OrgUnit), ("parent", Target),
                            ("implements", Target), ("plan", Plan)):
            obj = attrs.get(name)
            if obj is not None and not model.objects.for_user(user).filter(pk=obj.pk).exists():
                raise serializers.ValidationError({name: [_("Not found.")]})
        return attrs


class DataValueSerializer(serializers.ModelSerializer):
    """Read: the value with its unit, department and indicator. Write: indicator code, unit
    id, optional department id, month (YYYY-MM), value, comment; the same (indicator, unit,
    department, month) again updates the stored value."""

    indicator = serializers.SlugRelatedField(slug_field="code", queryset=Indicator.objects.none())
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(),
                                                    allow_null=True, required=False)
    period = MonthField()
    value = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=False)
    comment = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    org_unit_detail = UnitRefSerializer(source="org_unit", read_only=True)
    indicator_detail = IndicatorBriefSerializer(source="indicator", read_only=True)
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                              allow_null=True)

    class Meta:
        model = DataValue
        fields = ["id", "indicator", "indicator_detail", "org_unit", "org_unit_detail",
                  "department", "period", "value", "comment", "entered_by", "is_demo",
                  "updated_at"]
        read_only_fields = ["is_demo", "updated_at"]
        # The (indicator, unit, department, month) key is an upsert key here, not a uniqueness
        # error: the service updates the stored value.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request else None
        if user is not None:
            # A unit or department outside the caller's scope is "not found" (400), never
            # silently accepted; the service checks the scope again when it saves.
            self.fields["indicator"].queryset = Indicator.objects.for_user(user)
            self.fields["org_unit"].queryset = writable_units(user)
            self.fields["department"].queryset = writable_departments(user)

    def validate(self, attrs):
        if self.instance is not None:
            for key in ("indicator", "org_unit", "department", "period"):
                if key in attrs and attrs[key] != getattr(self.instance, key):
                    raise serializers.ValidationError({key: _(
                        "The unit, department, indicator and month of a stored value do not "
                        "change: record a new value instead.")})
        return attrs


class CommitmentTargetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.CharField(source="plan.code")
    plan_name = serializers.CharField(source="plan.short_name")
    doc_number = serializers.CharField(source="plan.doc_number", allow_blank=True)
    org_unit = serializers.IntegerField(source="org_unit_id")
    org_unit_name = serializers.CharField(source="org_unit.name")
    period_start = serializers.DateField(format="%Y-%m")
    period_end = serializers.DateField(format="%Y-%m")
    months = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)


class CommitmentProgressSerializer(serializers.Serializer):
    period = serializers.DateField(format="%Y-%m")
    actual = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    completion_rate = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    time_progress = serializers.DecimalField(max_digits=7, decimal_places=4)
    status = serializers.CharField()
    status_label = serializers.CharField()


class CommitmentSerializer(serializers.Serializer):
    org_unit = serializers.IntegerField(source="unit.pk")
    org_unit_name = serializers.CharField(source="unit.name")
    targets = CommitmentTargetSerializer(many=True, help_text="The unit's own targets "
                                         "implementing this one, else those of units below it.")
    by_units_below = serializers.BooleanField(source="deeper")
    value = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True,
                                     help_text="The commitment compared as `rule` says.")
    share = serializers.DecimalField(source="share.value", max_digits=18, decimal_places=4,
                                     allow_null=True, default=None,
                                     help_text="The share this plan's own decomposition gave.")
    missing = serializers.BooleanField(help_text="未制定: the unit has no implementing target.")
    below_share = serializers.BooleanField(help_text="承诺低于分解任务.")
    state = serializers.CharField()
    progress = CommitmentProgressSerializer(allow_null=True)


class CascadeCoverageSerializer(serializers.Serializer):
    target = serializers.IntegerField(source="target.pk")
    value = serializers.DecimalField(source="target.value", max_digits=18, decimal_places=4,
                                     allow_null=True)
    kind = serializers.ChoiceField(choices=["flow", "stock", "ratio"])
    rule = serializers.CharField()
    committed = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True,
                                         help_text="各地承诺合计; null for ratios.")
    difference = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    status = serializers.CharField()
    missing = serializers.IntegerField(source="missing_count", help_text="Units with no own "
                                       "implementing target (未制定).")
    below_share = serializers.IntegerField(source="below_share_count")
    hidden = serializers.IntegerField(help_text="Units below outside the caller's scope.")
    rows = CommitmentSerializer(many=True)
    same_level = CommitmentTargetSerializer(many=True)

