"""Access scoping: the one place that turns a user's memberships into row filters.

Every model's `QuerySet.for_user(user, action)` builds its filter from a `Scope`. Filters are
subqueries over the org-unit closure table, so scoping costs one SQL statement whatever the
size of the tree, and nothing is materialised in Python.

Rules:
- a membership without a department covers its unit's whole subtree;
- a membership with a department covers that department and the departments of the same
  sector below it (a city 应急管理局 sees the county 应急管理局s);
- ancestors of a member's unit are readable as context (plans and targets handed down),
  siblings never are;
- writes need a role that allows them (see WRITE_ROLES).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q

from .choices import Role
from .closure import OrgUnitClosure

VIEW = "view"
CHANGE = "change"

# Which roles may write which kind of record.
WRITE_ROLES = {
    "values": {Role.DATA_ENTRY, Role.ADMIN},
    "targets": {Role.ADMIN},
    "structure": {Role.ADMIN},
}


@dataclass
class Scope:
    user: object
    _memberships: list = field(default_factory=list)

    @classmethod
    def of(cls, user) -> Scope:
        cached = getattr(user, "_portal_scope", None)
        if cached is not None:
            return cached
        memberships = []
        if user is not None and user.is_authenticated and user.is_active:
            memberships = list(user.memberships.select_related("department", "org_unit"))
        scope = cls(user=user, _memberships=memberships)
        if user is not None:
            user._portal_scope = scope
        return scope

    @property
    def is_global(self) -> bool:
        return bool(self.user is not None and self.user.is_active and self.user.is_superuser)

    @property
    def is_member(self) -> bool:
        return self.is_global or bool(self._memberships)

    def memberships(self, roles=None, *, department: bool | None = None):
        for m in self._memberships:
            if roles is not None and m.role not in roles:
                continue
            if department is True and not m.department_id:
                continue
            if department is False and m.department_id:
                continue
            yield m

    def has_role(self, roles) -> bool:
        return self.is_global or any(True for _ in self.memberships(roles))

    # --- unit sets (subqueries of OrgUnit ids) -----------------------------------------
    @staticmethod
    def _subtree(unit_ids):
        return OrgUnitClosure.objects.filter(ancestor_id__in=unit_ids).values("descendant_id")

    @staticmethod
    def _ancestors(unit_ids, include_self=False):
        qs = OrgUnitClosure.objects.filter(descendant_id__in=unit_ids)
        if not include_self:
            qs = qs.filter(depth__gt=0)
        return qs.values("ancestor_id")

    def unit_subtree(self, roles=None):
        """Units covered by whole-unit memberships (with one of `roles`)."""
        ids = sorted({m.org_unit_id for m in self.memberships(roles, department=False)})
        return self._subtree(ids) if ids else None

    def unit_context(self):
        """Strict ancestors of every membership unit: readable context."""
        ids = sorted({m.org_unit_id for m in self._memberships})
        return self._ancestors(ids) if ids else None

    def member_units_and_ancestors(self):
        ids = sorted({m.org_unit_id for m in self._memberships})
        return self._ancestors(ids, include_self=True) if ids else None

    def department_q(self, field_name: str, roles=None) -> Q:
        """Rows whose department (at `field_name`) is a member's department or a same-sector
        department below it."""
        q = Q(pk__in=[])
        for m in self.memberships(roles, department=True):
            q |= Q(**{
                f"{field_name}__sector": m.department.sector,
                f"{field_name}__org_unit__in": self._subtree([m.department.org_unit_id]),
            })
        return q

    @cached_property
    def unit_view_ids(self):
        """Units a member may look at: own subtrees (and department units' subtrees) plus
        ancestors as context."""
        ids = sorted({m.org_unit_id for m in self._memberships})
        return ids


def nothing() -> Q:
    return Q(pk__in=[])


def unit_filter(field_name: str, subquery) -> Q:
    if subquery is None:
        return nothing()
    return Q(**{f"{field_name}__in": subquery})
