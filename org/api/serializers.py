"""Serializers of the org tree: units and departments."""

from rest_framework import serializers

from ..models import Department, OrgUnit
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
