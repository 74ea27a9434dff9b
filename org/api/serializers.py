"""Serializers of the org tree: units and departments."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import Department, Membership, OrgUnit
from .common import UnitRefSerializer


class OrgUnitSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "short_name", "level", "level_label", "kind", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    org_unit = UnitRefSerializer(read_only=True)
    sector_label = serializers.CharField(source="get_sector_display", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "org_unit", "sector", "sector_label"]


class OrgUnitWriteSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.unscoped.all(), allow_null=True,
                                                required=False)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "short_name", "level", "kind", "parent"]


class DepartmentWriteSerializer(serializers.ModelSerializer):
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.unscoped.all())

    class Meta:
        model = Department
        fields = ["name", "short_name", "org_unit", "sector"]
        validators = []  # (unit, name) uniqueness: the model's own message


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username",
                                        queryset=get_user_model().objects.all())
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.unscoped.all())
    department = serializers.PrimaryKeyRelatedField(queryset=Department.unscoped.all(),
                                                    allow_null=True, required=False)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "org_unit", "department", "role", "role_label"]
        validators = []
