"""Reads of the org tree for a user: where they may enter figures."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Value

from .access import WRITE_ROLES, Scope, unit_filter
from .closure import OrgUnitClosure
from .models import Department, OrgUnit


def writable_departments(user):
    """Departments the user may report for: any department in a whole-unit member's subtree;
    for a department member, their department and the same-sector departments below it."""
    scope = Scope.of(user)
    if scope.is_global:
        return Department.objects.within(Q()).select_related("org_unit")
    roles = WRITE_ROLES["values"]
    q = unit_filter("org_unit", scope.unit_subtree(roles))
    for m in scope.memberships(roles, department=True):
        q |= Q(sector=m.department.sector,
               org_unit__in=Scope._subtree([m.department.org_unit_id]))
    return Department.objects.within(q).select_related("org_unit")


def writable_units(user):
    """Org units the user may enter figures or records for: whole-unit members' subtrees, and
    for a department member the units where a department they may report for sits."""
    scope = Scope.of(user)
    if scope.is_global:
        return OrgUnit.objects.within(Q())
    q = unit_filter("pk", scope.unit_subtree(WRITE_ROLES["values"]))
    if any(True for _ in scope.memberships(WRITE_ROLES["values"], department=True)):
        q |= Q(pk__in=writable_departments(user).values("org_unit"))
    return OrgUnit.objects.within(q)


def unit_level_writable(user, unit) -> bool:
    """May the user enter the unit's own figures (not only a department's)?"""
    scope = Scope.of(user)
    subtree = scope.unit_subtree(WRITE_ROLES["values"])
    return scope.is_global or (
        subtree is not None and subtree.filter(descendant_id=unit.pk).exists()
    )


def writable_units_with_level(user):
    """`writable_units`, each unit with `unit_level`: what `unit_level_writable` says of it,
    in the same query (the entry grids ask both on every page)."""
    scope = Scope.of(user)
    units = writable_units(user)
    if scope.is_global:
        return units.annotate(unit_level=Value(True))
    subtree = scope.unit_subtree(WRITE_ROLES["values"])
    if subtree is None:
        return units.annotate(unit_level=Value(False))
    return units.annotate(unit_level=Exists(subtree.filter(descendant_id=OuterRef("pk"))))


def may_enter(user, unit, department=None) -> bool:
    """Would the entry grids open for this unit (and department) for the user? What a page
    checks before it links to them."""
    if department is not None:
        return writable_departments(user).filter(pk=department.pk).exists()
    return unit_level_writable(user, unit) or \
        writable_departments(user).filter(org_unit=unit).exists()


def root_units(user) -> list[OrgUnit]:
    """The top units of the user's scope (their membership units, highest first)."""
    scope = Scope.of(user)
    if scope.is_global:
        return list(OrgUnit.objects.within(Q(parent__isnull=True)).order_by("name"))
    ids = {m.org_unit_id for m in scope.memberships(department=False)}
    units = list(OrgUnit.objects.within(Q(pk__in=ids)).order_by("level", "code", "name"))
    # Drop units inside another member unit's subtree.
    inside = set(OrgUnitClosure.objects.filter(ancestor_id__in=ids, descendant_id__in=ids,
                                               depth__gt=0).values_list("descendant_id",
                                                                        flat=True))
    return [u for u in units if u.pk not in inside]
