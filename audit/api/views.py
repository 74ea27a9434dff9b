"""The audit trail over the API: read-only, scoped with `for_user`, filtered like the page."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from .. import selectors
from ..filters import AuditEntryApiFilter
from .serializers import AuditEntrySerializer


@extend_schema_view(
    list=extend_schema(summary="Audit trail", description=(
        "Entries of the units in the caller's scope (and the caller's own actions), newest "
        "first. Filters: model, action, user, org_unit, subtree_of, period, period_after, "
        "period_before, batch, request, object_id (unit, month_from and month_to are the "
        "older names, kept as aliases). Read-only: entries cannot be changed or deleted.")),
    retrieve=extend_schema(summary="Audit entry"),
)
class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryApiFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.entries(self.request.user)
