"""Serializers of the org tree: units and departments."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import (
    Department,
    Membership,
    Option,
    OptionSet,
    OrgUnit,
    OrgUnitGroup,
    OrgUnitGroupMember,
    OrgUnitGroupSet,
)
from .common import MonthField, UnitRefSerializer


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


class OrgUnitGroupSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnitGroupSet
        fields = ["id", "code", "name", "description"]


class OrgUnitGroupSerializer(serializers.ModelSerializer):
    group_set = serializers.PrimaryKeyRelatedField(queryset=OrgUnitGroupSet.unscoped.all())
    group_set_name = serializers.CharField(source="group_set.name", read_only=True)

    class Meta:
        model = OrgUnitGroup
        fields = ["id", "code", "name", "description", "group_set", "group_set_name"]
        validators = []  # (type, name) uniqueness: the model's own message


class OptionSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = OptionSet
        fields = ["id", "code", "name", "description", "flag_label"]
        validators = []


class OptionSerializer(serializers.ModelSerializer):
    """A value of an option set (#26): the set by code, months as YYYY-MM."""

    option_set = serializers.SlugRelatedField(slug_field="code",
                                              queryset=OptionSet.unscoped.all())
    synonyms = serializers.ListField(child=serializers.CharField(max_length=60), required=False,
                                     max_length=50)
    active_from = MonthField(allow_null=True, required=False)
    active_to = MonthField(allow_null=True, required=False)

    class Meta:
        model = Option
        fields = ["id", "option_set", "code", "name", "name_en", "synonyms", "active_from",
                  "active_to", "position", "flag"]
        validators = []  # uniqueness: the model's own messages


class OrgUnitGroupMemberSerializer(serializers.ModelSerializer):
    """A unit's membership of a group; months as YYYY-MM (any date in the month is accepted
    and stored as its first day)."""

    group = serializers.PrimaryKeyRelatedField(queryset=OrgUnitGroup.unscoped.all())
    valid_from = MonthField()
    valid_to = MonthField(allow_null=True, required=False)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.unscoped.all())
    group_name = serializers.CharField(source="group.name", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)

    class Meta:
        model = OrgUnitGroupMember
        fields = ["id", "group", "group_name", "org_unit", "org_unit_name", "valid_from",
                  "valid_to"]
        validators = []  # overlap and uniqueness: the model's own messages
