from rest_framework import serializers

from ..models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True, default=None)
    period = serializers.DateField(format="%Y-%m", read_only=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor_name", "action", "action_label", "model_label",
                  "object_id", "object_repr", "org_unit", "org_unit_name", "department",
                  "period", "before", "after", "request_id", "batch", "note"]
        read_only_fields = fields
