"""The API's read-only views of the org tree: the units and departments a caller may see."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from ..filters import DepartmentFilter, OrgUnitFilter
from ..models import Department, OrgUnit
from . import serializers as s
from .common import ScopedReadOnlyViewSet


@extend_schema_view(
    list=extend_schema(summary="Org units", description=(
        "The org units the caller may see: their subtrees and, as context, the units above "
        "them. `subtree_of=<id>` gives a unit and everything below it.")),
)
class OrgUnitViewSet(ScopedReadOnlyViewSet):
    serializer_class = s.OrgUnitSerializer
    filterset_class = OrgUnitFilter
    ordering_fields = ["level", "code", "name", "id"]
    ordering = ["level", "code", "name", "id"]

    def scoped_queryset(self, user):
        return OrgUnit.objects.for_user(user)


class DepartmentViewSet(ScopedReadOnlyViewSet):
    serializer_class = s.DepartmentSerializer
    filterset_class = DepartmentFilter
    ordering_fields = ["name", "sector", "id"]
    ordering = ["org_unit__level", "org_unit__code", "name", "id"]

    def scoped_queryset(self, user):
        return Department.objects.for_user(user).select_related("org_unit")
