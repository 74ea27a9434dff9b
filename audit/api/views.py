"""The audit trail over the API: read-only, scoped with `for_user`, filtered like the page."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from .. import selectors
from ..filters import AuditEntryFilter
from .serializers import AuditEntrySerializer


@extend_schema_view(
    list=extend_schema(summary="Audit trail", description=(
        "Entries of the units in the caller's scope (and the caller's own actions), newest "
        "first. Filters: model, action, user, unit (with its subtree), month_from, month_to, "
        "batch, request, object_id. Read-only: entries cannot be changed or deleted.")),
    retrieve=extend_schema(summary="Audit entry"),
)
class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.entries(self.request.user)
