"""Serializers of the competitions API. Recipients' ID numbers are shown as the pages show
them: in full to the recipient's own unit (and system administrators), masked
(530523********1234) to everyone else; someone who sees a number masked may leave it out (or
send the masked value back) to keep the stored one."""

from __future__ import annotations

from rest_framework import serializers

from org.api.common import DepartmentBriefSerializer, UnitRefSerializer
from org.models import Department, OrgUnit
from org.selectors import writable_departments, writable_units

from .. import selectors
from ..models import Award, Competition


def _user(serializer):
    request = serializer.context.get("request")
    return request.user if request else None


class CompetitionSerializer(serializers.ModelSerializer):
    organiser_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    organiser_unit_detail = UnitRefSerializer(source="organiser_unit", read_only=True)
    organiser_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(), allow_null=True, required=False)
    organiser_department_detail = DepartmentBriefSerializer(
        source="organiser_department", read_only=True, allow_null=True)
    award_count = serializers.IntegerField(read_only=True, default=0,
                                           help_text="Awards of it the caller may see.")

    class Meta:
        model = Competition
        fields = ["id", "name", "level", "organiser_unit", "organiser_unit_detail",
                  "organiser_department", "organiser_department_detail", "start_date",
                  "end_date", "occupations", "participants", "note", "award_count", "is_demo",
                  "updated_at"]
        read_only_fields = ["is_demo", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["organiser_unit"].queryset = writable_units(user)
            self.fields["organiser_department"].queryset = writable_departments(user)


class CompetitionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    level = serializers.CharField(read_only=True)


class AwardSerializer(serializers.ModelSerializer):
    competition = serializers.PrimaryKeyRelatedField(
        queryset=Competition.objects.none(), allow_null=True, required=False)
    competition_detail = CompetitionBriefSerializer(source="competition", read_only=True,
                                                    allow_null=True)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    org_unit_detail = UnitRefSerializer(source="org_unit", read_only=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(),
                                                    allow_null=True, required=False)
    recipient_id_number = serializers.CharField(
        max_length=18, allow_blank=True, required=False, default="",
        help_text="Full to the recipient's own unit, masked (530523********1234) elsewhere. "
                  "On update, leave it out or send the masked value to keep the stored number.")

    class Meta:
        model = Award
        fields = ["id", "competition", "competition_detail", "medal", "honour_title",
                  "honour_level", "recipient_kind", "recipient_name", "recipient_id_number",
                  "employer", "org_unit", "org_unit_detail", "department", "awarded_on", "note",
                  "is_demo", "updated_at"]
        read_only_fields = ["is_demo", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["competition"].queryset = selectors.linkable_competitions(user)
            self.fields["org_unit"].queryset = writable_units(user)
            self.fields["department"].queryset = writable_departments(user)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["recipient_id_number"] = instance.id_number_for(_user(self))
        return data

    def validate_recipient_id_number(self, value):
        award = self.instance
        if award is not None and award.recipient_id_number and \
                not award.may_see_full_id(_user(self)) and \
                value in ("", award.masked_id_number):
            # The caller was only ever shown the masked number: keep the stored one.
            return award.recipient_id_number
        return value
