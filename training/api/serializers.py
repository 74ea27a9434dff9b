"""Serializers of the training API: monthly training figures (one grid cell per row) and
training carriers."""

from __future__ import annotations

from rest_framework import serializers

from org.api.common import DepartmentBriefSerializer, UnitRefSerializer
from org.models import Department, OrgUnit
from org.selectors import writable_departments, writable_units
from targets.api.figures import FigureSerializer

from ..forms import TRAINING_GRID
from ..models import Programme, TrainingCarrier, TrainingFigure


class ProgrammeSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "plan", "name", "description", "is_active"]


class TrainingFigureSerializer(FigureSerializer):
    """A cell of the monthly training report. The key is (org_unit, department, period,
    programme, subsidised, industry, target_group, training_type); POSTing the same key again
    replaces the cell's numbers."""

    spec = TRAINING_GRID
    slice_fields = ("programme", "subsidised", "industry")

    programme = serializers.PrimaryKeyRelatedField(
        queryset=Programme.objects.none(), allow_null=True, required=False, default=None,
        help_text="A programme (康养云师傅 …) of a plan issued at the unit or above it.")
    programme_name = serializers.CharField(source="programme.name", read_only=True,
                                           allow_null=True)
    subsidised = serializers.BooleanField(required=False, default=False)
    industry = serializers.CharField(allow_blank=True, required=False, default="", max_length=40,
                                     help_text="A value of the option set `industry` (#26).")

    class Meta:
        model = TrainingFigure
        fields = ["id", "org_unit", "org_unit_detail", "department", "period", "target_group",
                  "training_type", "programme", "programme_name", "subsidised", "industry",
                  "trained", "persons", "completed", "certified", "entered_by", "is_demo",
                  "updated_at", "warnings"]
        read_only_fields = ["is_demo", "updated_at"]
        validators = []  # the cell key is an upsert key, not a uniqueness error

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and hasattr(self, "initial_data"):  # as the base's
            self.fields["programme"].queryset = Programme.objects.for_user(request.user)


class TrainingCarrierSerializer(serializers.ModelSerializer):
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    org_unit_detail = UnitRefSerializer(source="org_unit", read_only=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(),
                                                    allow_null=True, required=False)
    department_detail = DepartmentBriefSerializer(source="department", read_only=True,
                                                  allow_null=True)

    class Meta:
        model = TrainingCarrier
        fields = ["id", "name", "carrier_type", "level", "org_unit", "org_unit_detail",
                  "department", "department_detail", "established_on", "closed_on", "note",
                  "is_demo", "updated_at"]
        read_only_fields = ["is_demo", "updated_at"]
        validators = []  # uniqueness is the model's (full_clean in the service)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["org_unit"].queryset = writable_units(request.user)
            self.fields["department"].queryset = writable_departments(request.user)
