"""Reads of the reporting workflow, always for a user.

Completeness is computed set-based over the org-unit closure table: for each unit shown, the
units expected to report in its subtree, how many submitted (submitted or approved) and how
many on time — one grouped query whatever the size of the tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, FilteredRelation, Q
from django.utils.translation import gettext as _

from org.access import Scope, unit_filter
from org.choices import OrgLevel
from org.closure import OrgUnitClosure
from org.models import Department, OrgUnit
from org.selectors import writable_departments

from .choices import REPORTED, ReportStatus
from .models import MonthlyReport, Notice

REPORTING_LEVELS = (OrgLevel.PROVINCE, OrgLevel.CITY, OrgLevel.COUNTY)


def expected_units():
    """Units that report every month: every province, city and county-level unit (each
    level reports its own figures; the nation and townships do not). Not scoped: callers
    narrow it to the user's units."""
    return OrgUnit.unscoped.filter(level__in=REPORTING_LEVELS)


def visible_units(user):
    """Units whose reports and completeness the user may see: their subtrees."""
    scope = Scope.of(user)
    if scope.is_global:
        return OrgUnit.objects.within(Q())
    return OrgUnit.objects.within(unit_filter("pk", scope.unit_subtree()))


def report_unit_and_department(user, *, unit_id: int, department_id: int | None = None):
    """(unit, department) of a report the user may open or submit: the unit when it is in the
    user's visible units, or — for a department member — the department's unit when the
    department is one they may report for. The department (None without `department_id`)
    must be in scope and belong to the unit. Either is None when not found or out of scope."""

    unit = visible_units(user).filter(pk=unit_id).first()
    department = None
    if department_id:
        department = Department.objects.for_user(user).filter(
            pk=department_id, org_unit_id=unit_id).select_related("org_unit").first()
        if department is not None and unit is None and \
                writable_departments(user).filter(pk=department.pk).exists():
            unit = department.org_unit
    return unit, department


def completeness_units(root: OrgUnit) -> list[OrgUnit]:
    """`root` and the units directly below it that report: the rows of a completeness table
    (`root` is one of the user's units, so the units below it are theirs too)."""
    return [root, *OrgUnit.unscoped.filter(parent=root, level__in=REPORTING_LEVELS)
            .order_by("code", "name")]


def reports(user, *, period: dt.date | None = None):
    qs = MonthlyReport.objects.for_user(user).select_related("org_unit", "department",
                                                             "submitted_by", "approved_by")
    if period:
        qs = qs.filter(period=period)
    return qs


@dataclass
class Row:
    unit: OrgUnit
    report: MonthlyReport | None
    counts: dict | None = None  # a unit below the page's: its subtree's units per status
    below: int = 0  # how many units below it report

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        counts = self.counts or {}
        return [(s, status_label(s), counts.get(s, 0)) for s in STATUS_ORDER if counts.get(s)]

    @property
    def status(self) -> str:
        return self.report.status if self.report else ReportStatus.DRAFT

    @property
    def status_label(self) -> str:
        if self.report is None or (self.report.status == ReportStatus.DRAFT):
            return "未报送"
        return self.report.get_status_display()


NOT_SUBMITTED = "draft"  # a draft and no report at all both read 未报送
STATUS_ORDER = (NOT_SUBMITTED, ReportStatus.SUBMITTED, ReportStatus.RETURNED,
                ReportStatus.APPROVED)
ROWS_PER_PAGE = 100  # rows of a status, or found by a search, listed at once


def status_label(status: str) -> str:
    return _("not submitted") if status == NOT_SUBMITTED else ReportStatus(status).label


def subtree_statuses(user, *, period: dt.date, root: OrgUnit) -> dict[int, str]:
    """{unit id: status of its report of the month} for every unit expected to report in
    `root`'s subtree that the user may see ("draft" where nothing was submitted): two
    queries, whatever the size of the subtree."""
    units = expected_units().filter(pk__in=visible_units(user).values("pk")).filter(
        pk__in=root.subtree().values("pk"))
    reported = dict(MonthlyReport.unscoped.filter(
        period=period, department__isnull=True, org_unit__in=units.values("pk"))
        .values_list("org_unit_id", "status"))
    return {pk: reported.get(pk, NOT_SUBMITTED)
            for pk in units.order_by().values_list("pk", flat=True)}


def _rows(units, period: dt.date) -> list[Row]:
    """Rows for `units` (in their order) with their reports of the month (one query)."""
    found = {r.org_unit_id: r for r in MonthlyReport.unscoped.filter(
        period=period, department__isnull=True, org_unit__in=[u.pk for u in units])
        .select_related("submitted_by", "approved_by")}
    return [Row(unit=u, report=found.get(u.pk)) for u in units]


def level_rows(*, period: dt.date, root: OrgUnit, statuses: dict[int, str]) -> list[Row]:
    """月度报送 one level at a time: `root`'s own row (when it reports), then a row per unit
    directly below it, each with the counts per status over the units of its subtree
    (`statuses`: `subtree_statuses`, already scoped to the user)."""
    child_of = dict(OrgUnitClosure.objects.filter(
        ancestor__parent=root, descendant_id__in=list(statuses)).values_list(
        "descendant_id", "ancestor_id"))
    counts: dict[int, dict[str, int]] = {}
    for pk, status in statuses.items():
        child = child_of.get(pk)
        if child is not None:
            tally = counts.setdefault(child, {})
            tally[status] = tally.get(status, 0) + 1
    children = list(OrgUnit.unscoped.filter(pk__in=list(counts)).order_by("code", "name"))
    rows = _rows(([root] if root.pk in statuses else []) + children, period)
    for row in rows:
        if row.unit.pk != root.pk:
            row.counts = counts[row.unit.pk]
            row.below = sum(row.counts.values()) - int(row.unit.pk in statuses)
    return rows


def listed_rows(*, period: dt.date, statuses: dict[int, str], status: str | None = None,
                text: str = "", page: int = 1) -> tuple[list[Row], int]:
    """(a page of rows, how many in all): the units of the subtree with reports of `status`,
    or whose name contains `text`, in tree order."""
    ids = [pk for pk, s in statuses.items() if status is None or s == status]
    units = OrgUnit.unscoped.filter(pk__in=ids)
    if text:
        units = units.filter(Q(name__icontains=text) | Q(short_name__icontains=text)
                             | Q(code__icontains=text))
    total = units.count()
    start = (max(page, 1) - 1) * ROWS_PER_PAGE
    return _rows(list(units.order_by("level", "code", "name")[start:start + ROWS_PER_PAGE]),
                 period), total


def department_rows(user, *, period: dt.date) -> list[tuple]:
    """(department, report or None) for the month: the departments a department member
    reports for, and every department report of the month in the user's scope."""

    scope = Scope.of(user)
    found = {r.department_id: r for r in reports(user, period=period)
             .filter(department__isnull=False)}
    departments = {r.department_id: r.department for r in found.values()}
    if any(True for _ in scope.memberships(department=True)):
        for d in writable_departments(user):
            departments.setdefault(d.pk, d)
    rows = [(d, found.get(pk)) for pk, d in departments.items()]
    rows.sort(key=lambda row: (row[0].org_unit.level, row[0].org_unit.code or "",
                               row[0].org_unit.name, row[0].name))
    return rows


@dataclass
class Completeness:
    unit: OrgUnit
    expected: int
    submitted: int
    on_time: int
    approved: int

    def _rate(self, n: int) -> float | None:
        return round(100 * n / self.expected, 1) if self.expected else None

    @property
    def rate(self):
        return self._rate(self.submitted)

    @property
    def on_time_rate(self):
        return self._rate(self.on_time)

    @property
    def missing(self) -> int:
        return self.expected - self.submitted


def completeness(*, units, period: dt.date) -> list[Completeness]:
    """Expected / submitted / on-time / approved unit reports of the month in each given
    unit's subtree (itself included): one grouped query over the closure table."""
    units = list(units)
    if not units:
        return []
    # One LEFT JOIN of the month's unit reports onto the closure rows (FilteredRelation puts
    # the month in the ON clause), then a filtered COUNT per ancestor.
    reported = Q(report__status__in=REPORTED)
    rows = (OrgUnitClosure.objects
            .filter(ancestor_id__in=[u.pk for u in units],
                    descendant__level__in=REPORTING_LEVELS)
            .annotate(report=FilteredRelation(
                "descendant__monthly_reports",
                condition=Q(descendant__monthly_reports__period=period,
                            descendant__monthly_reports__department__isnull=True)))
            .values("ancestor_id")
            .annotate(expected=Count("descendant_id"),
                      submitted=Count("report__id", filter=reported),
                      on_time=Count("report__id", filter=reported & Q(report__is_late=False)),
                      approved=Count("report__id",
                                     filter=Q(report__status=ReportStatus.APPROVED)))
            .order_by())
    by_unit = {r["ancestor_id"]: r for r in rows}
    out = []
    for u in units:
        r = by_unit.get(u.pk, {})
        out.append(Completeness(unit=u, expected=r.get("expected", 0) or 0,
                                submitted=r.get("submitted", 0) or 0,
                                on_time=r.get("on_time", 0) or 0,
                                approved=r.get("approved", 0) or 0))
    return out


def completeness_trend(*, root: OrgUnit, months: list[dt.date],
                       expected: int) -> list[tuple[dt.date, Completeness]]:
    """`root`'s completeness month by month (one grouped query for all the months; the units
    expected are those of the tree today, `expected` of them)."""
    reported = Q(status__in=REPORTED)
    counted = {r["period"]: r for r in MonthlyReport.unscoped.filter(
        period__in=months, department__isnull=True,
        org_unit__in=expected_units().filter(pk__in=root.subtree().values("pk")).values("pk"))
        .values("period").annotate(
            submitted=Count("pk", filter=reported),
            on_time=Count("pk", filter=reported & Q(is_late=False)),
            approved=Count("pk", filter=Q(status=ReportStatus.APPROVED))).order_by()}
    return [(m, Completeness(unit=root, expected=expected,
                             submitted=counted.get(m, {}).get("submitted", 0),
                             on_time=counted.get(m, {}).get("on_time", 0),
                             approved=counted.get(m, {}).get("approved", 0))) for m in months]


def not_reported(*, root: OrgUnit, period: dt.date):
    """Expected units under `root` (itself included) with no submitted or approved report."""
    done = MonthlyReport.unscoped.filter(period=period, department__isnull=True,
                                        status__in=REPORTED).values("org_unit_id")
    return (expected_units().filter(pk__in=root.subtree().values("pk"))
            .exclude(pk__in=done).select_related("parent").order_by("level", "code", "name"))


def unread_notices(user):
    return Notice.objects.for_user(user).filter(read_at__isnull=True)


def notices(user):
    return Notice.objects.for_user(user)



@dataclass(frozen=True)
class ApprovalLock:
    """The approved report that locks a unit's (or department's) month, for the entry pages'
    banner: who approved it and when, and at which unit a reviewer may withdraw it."""

    report: MonthlyReport
    above: bool  # the report of a unit above locks this month
    reopen_unit: OrgUnit | None  # a reviewer here or higher may withdraw; None: administrators


def approval_lock(*, unit: OrgUnit, period: dt.date, department: Department | None = None
                  ) -> ApprovalLock | None:
    """The approved monthly report that locks this month of the unit (or department) — the
    department's own, the unit's own, else the nearest unit's above — or None. Not scoped:
    the entry page's unit and department are ones the user may enter figures for."""
    period = period.replace(day=1)
    approved = MonthlyReport.unscoped.filter(status=ReportStatus.APPROVED, period=period) \
        .select_related("approved_by", "org_unit")
    report = None
    if department is not None:
        report = approved.filter(org_unit=unit, department=department).first()
    if report is None:
        report = (approved.filter(department__isnull=True, org_unit__in=OrgUnit.unscoped
                                  .ancestors_of([unit.pk], include_self=True))
                  .order_by("-org_unit__level").first())  # the nearest: the lowest level
    if report is None:
        return None
    reopen = None
    if report.approved_level is not None and report.approved_level >= 0:
        reopen = (OrgUnit.unscoped.ancestors_of([report.org_unit_id],
                                                include_self=report.department_id is not None)
                  .filter(level=report.approved_level).first())
    return ApprovalLock(report=report, above=report.org_unit_id != unit.pk, reopen_unit=reopen)
