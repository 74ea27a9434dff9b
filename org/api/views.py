"""The API's views of the org tree: the units and departments a caller may see, and the
memberships they manage. Structure administrators write them here as in the admin (#18)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from ..filters import (
    DepartmentFilter,
    MembershipFilter,
    OptionFilter,
    OrgUnitFilter,
    OrgUnitGroupFilter,
    OrgUnitGroupMemberFilter,
)
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
from . import serializers as s
from .common import ScopedMixin, service_errors
from .writes import ScopedWriteMixin, writable_schema


class ScopedWritableViewSet(ScopedMixin, ScopedWriteMixin, mixins.ListModelMixin,
                            mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass


@extend_schema_view(
    list=extend_schema(summary="Org units", description=(
        "The org units the caller may see: their subtrees and, as context, the units above "
        "them. `subtree_of=<id>` gives a unit and everything below it.")),
)
@writable_schema(s.OrgUnitWriteSerializer, s.OrgUnitSerializer)
class OrgUnitViewSet(ScopedWritableViewSet):
    serializer_class = s.OrgUnitSerializer
    write_serializer_class = s.OrgUnitWriteSerializer
    protected_message = _("This unit cannot be deleted: units, departments, members or records "
                          "belong to it.")
    filterset_class = OrgUnitFilter
    ordering_fields = ["level", "code", "name", "id"]
    ordering = ["level", "code", "name", "id"]

    def scoped_queryset(self, user):
        return OrgUnit.objects.for_user(user)


@writable_schema(s.DepartmentWriteSerializer, s.DepartmentSerializer)
class DepartmentViewSet(ScopedWritableViewSet):
    serializer_class = s.DepartmentSerializer
    write_serializer_class = s.DepartmentWriteSerializer
    protected_message = _("This department cannot be deleted: members or records belong to it.")
    filterset_class = DepartmentFilter
    ordering_fields = ["name", "sector", "id"]
    ordering = ["org_unit__level", "org_unit__code", "name", "id"]

    def scoped_queryset(self, user):
        return Department.objects.for_user(user).select_related("org_unit")


class MembershipViewSet(ScopedWritableViewSet):
    """Who may see and do what: a role at a unit, optionally narrowed to a department. A member
    reads their own; structure administrators manage those in their subtree."""

    serializer_class = s.MembershipSerializer
    write_serializer_class = s.MembershipSerializer
    filterset_class = MembershipFilter
    ordering_fields = ["id"]
    ordering = ["org_unit__level", "org_unit__code", "id"]

    def scoped_queryset(self, user):
        return Membership.objects.for_user(user).select_related("user", "org_unit", "department")


class OrgUnitGroupSetViewSet(ScopedWritableViewSet):
    """Types of org-unit group (区域, 政策类别 …), curated by provincial or higher
    administrators (#22)."""

    serializer_class = s.OrgUnitGroupSetSerializer
    write_serializer_class = s.OrgUnitGroupSetSerializer
    protected_message = _("This group type cannot be deleted: groups belong to it.")
    ordering_fields = ["name", "code", "id"]
    ordering = ["name", "id"]

    def scoped_queryset(self, user):
        return OrgUnitGroupSet.objects.for_user(user)


class OrgUnitGroupViewSet(ScopedWritableViewSet):
    """Named groups of units (脱贫县, 民族地区, 国家级开发区 …); a unit may be in several."""

    serializer_class = s.OrgUnitGroupSerializer
    write_serializer_class = s.OrgUnitGroupSerializer
    filterset_class = OrgUnitGroupFilter
    ordering_fields = ["name", "code", "id"]
    ordering = ["name", "id"]

    def scoped_queryset(self, user):
        return OrgUnitGroup.objects.for_user(user).select_related("group_set")


class OrgUnitGroupMemberViewSet(ScopedWritableViewSet):
    """Which unit is in which group from which month (and until which): kept by the
    administrators of the unit; `in_month=YYYY-MM` lists the members of that month."""

    serializer_class = s.OrgUnitGroupMemberSerializer
    write_serializer_class = s.OrgUnitGroupMemberSerializer
    filterset_class = OrgUnitGroupMemberFilter
    ordering_fields = ["valid_from", "id"]
    ordering = ["group_id", "org_unit_id", "valid_from", "id"]

    def scoped_queryset(self, user):
        return OrgUnitGroupMember.objects.for_user(user).select_related("group", "org_unit")


class OptionSetViewSet(ScopedWritableViewSet):
    """The lists records' fields take (培训对象, 培训类型, 行业, 载体类型, 载体级别 …), curated by
    provincial or higher administrators (#26)."""

    serializer_class = s.OptionSetSerializer
    write_serializer_class = s.OptionSetSerializer
    protected_message = _("This list cannot be deleted: it has values.")
    ordering_fields = ["name", "code", "id"]
    ordering = ["name", "id"]

    def scoped_queryset(self, user):
        return OptionSet.objects.for_user(user)


class OptionViewSet(ScopedWritableViewSet):
    """The values of a list (`option_set=<code>`): what grids, filters, Excel templates, the
    import and this API accept. A value in use is retired (`active_to`), never deleted."""

    serializer_class = s.OptionSerializer
    write_serializer_class = s.OptionSerializer
    filterset_class = OptionFilter
    ordering_fields = ["position", "code", "id"]
    ordering = ["option_set__code", "position", "id"]

    def scoped_queryset(self, user):
        return Option.objects.for_user(user).select_related("option_set")

    def perform_destroy(self, instance):
        from ..options import in_use_message

        message = in_use_message(instance)
        if message:
            with service_errors():
                raise DjangoValidationError(message)
        super().perform_destroy(instance)
