from rest_framework import serializers

from org.api.common import MonthField

from ..choices import AuditAction
from ..models import OTHER_ACTIONS, AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True, default=None,
                                          allow_null=True)
    period = MonthField(read_only=True, allow_null=True)
    # Codes beside AuditAction's (OTHER_ACTIONS: api_token …) are answered too.
    action = serializers.ChoiceField(choices=[*AuditAction.choices, *OTHER_ACTIONS.items()],
                                     read_only=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor_name", "action", "action_label", "model_label",
                  "object_id", "object_repr", "org_unit", "org_unit_name", "department",
                  "period", "before", "after", "request_id", "batch", "note"]
        read_only_fields = fields
