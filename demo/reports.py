"""Demo monthly reports: the reporting history the demo figures would have had, so that the
demo's report list, completeness table and locks show a working year rather than nothing.

Deterministic (a hash of unit and month decides), marked `is_demo` and replaced on every run;
real reports are never touched, nor are the months they cover. For the year of `as_of`, with
the demo's business date a few days before `as_of`'s deadline:
- counties: the months before last approved (some submitted late), last month mostly approved,
  a few awaiting review and one in twenty returned with a comment; `as_of` itself submitted by
  about half, a few already approved, the rest not yet begun;
- cities and provinces: approved once every unit below them is, submitted once every unit
  below has reported, not begun otherwise (a higher level reviews its own report last);
- 龙陵县's `as_of` is left unreported: the demo walk-through submits it;
- a report without figures is a zero report (本月无新增), as the portal requires."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from org.choices import OrgLevel, Role
from org.models import Membership, OrgUnit
from reporting.choices import REPORTED, ReportAction, ReportStatus
from reporting.models import MonthlyReport, ReportEvent, ReportSubmission
from reporting.schedule import rules_for
from reporting.selectors import REPORTING_LEVELS
from reporting.snapshot import figures_snapshots
from skills_portal import clock
from targets.measures import next_month

WALK_THROUGH = "龙陵县"  # its last month stays open for the README's walk-through
RETURN_COMMENT = "请核对培训后取证人次与结业人次（演示数据）"


def _draw(unit_id: int, period: dt.date) -> float:
    """A number in [0, 1) fixed by the unit and month."""
    digest = hashlib.sha256(f"{unit_id}:{period:%Y-%m}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _county_status(draw: float, period: dt.date, as_of: dt.date) -> str | None:
    if period == as_of:
        return (ReportStatus.APPROVED if draw < 0.1 else ReportStatus.SUBMITTED if draw < 0.5
                else None)
    if next_month(period) == as_of:
        return (ReportStatus.RETURNED if draw < 0.05 else ReportStatus.SUBMITTED if draw < 0.15
                else ReportStatus.APPROVED)
    return ReportStatus.APPROVED


def _status(unit: OrgUnit, period: dt.date, below: list[str | None], as_of: dt.date
            ) -> str | None:
    """A unit's demo status for a month, given those of the units below it (None: no report)."""
    if unit.level == OrgLevel.COUNTY or not below:
        if unit.name == WALK_THROUGH and period == as_of:
            return None
        return _county_status(_draw(unit.pk, period), period, as_of)
    if period != as_of and all(s == ReportStatus.APPROVED for s in below):
        return ReportStatus.APPROVED
    return ReportStatus.SUBMITTED if all(s in REPORTED for s in below) else None


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def generate_demo_reports(*, as_of: dt.date) -> dict:
    """Replace the demo reports with the history of `as_of`'s year through `as_of` (the first
    day of a month). Returns counts by status."""
    as_of = as_of.replace(day=1)
    months = [dt.date(as_of.year, m, 1) for m in range(1, as_of.month + 1)]
    units = list(OrgUnit.unscoped.filter(level__in=REPORTING_LEVELS).order_by("-level", "pk"))
    real = set(MonthlyReport.unscoped.filter(is_demo=False, department__isnull=True)
                    .values_list("org_unit_id", "period"))
    rules = rules_for([(u.pk, m) for u in units for m in months])
    children: dict[int, list[int]] = {}
    for unit in units:
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit.pk)
    status: dict[tuple[int, dt.date], str | None] = {}
    for unit in units:  # counties first: a unit's status follows its children's
        for period in months:
            below = [status.get((child, period)) for child in children.get(unit.pk, [])]
            status[(unit.pk, period)] = _status(unit, period, below, as_of)
    made = [(unit, period, chosen) for unit in units for period in months
            if (chosen := status[(unit.pk, period)]) is not None and (unit.pk, period) not in real]
    snapshots = figures_snapshots([(unit.pk, None, period) for unit, period, _s in made])
    with transaction.atomic():
        MonthlyReport.unscoped.filter(is_demo=True).delete()  # their submissions and events too
        counts: dict[str, int] = {}
        for unit, period, chosen in made:
            _create(unit, period, chosen, rules[(unit.pk, period)].deadline(period),
                    snapshots[(unit.pk, None, period)])
            counts[chosen] = counts.get(chosen, 0) + 1
    return counts


def _create(unit: OrgUnit, period: dt.date, status: str, deadline: dt.date,
            snapshot: dict) -> None:
    draw = _draw(unit.pk, period)
    latest = _at(clock.today(), 18)  # nothing happens after the business date
    late = draw > 0.93 and status != ReportStatus.RETURNED and deadline < clock.today()
    # Counties submit in the days before the deadline (a late one a few days after), the
    # level above reviews within days; cities and provinces after the units below them.
    lead = 6 - unit.level + int(draw * 100) % 3 if not late else -1 - int(draw * 30) % 4
    submitted = min(_at(deadline - dt.timedelta(days=lead), 9 + int(draw * 100) % 8),
                    latest - dt.timedelta(hours=6))
    zero = not snapshot  # no figures: submitted as a zero report (本月无新增), as the portal asks
    report = MonthlyReport.unscoped.create(
        org_unit=unit, period=period, status=status, deadline=deadline, submitted_at=submitted,
        is_late=late, is_zero_report=zero, is_demo=True)
    ReportSubmission.objects.create(report=report, number=1, submitted_at=submitted,
                                    is_late=late, snapshot=snapshot, is_zero_report=zero)
    events = [ReportEvent(report=report, action=ReportAction.SUBMIT, from_status=ReportStatus.DRAFT,
                          to_status=ReportStatus.SUBMITTED)]
    reviewed = min(submitted + dt.timedelta(days=1 + int(draw * 1000) % 3), latest)
    if status == ReportStatus.APPROVED:
        report.approved_at, report.approved_level = reviewed, max(unit.level - 1, 0)
        report.save(update_fields=["approved_at", "approved_level"])
        events.append(ReportEvent(report=report, action=ReportAction.APPROVE,
                                  from_status=ReportStatus.SUBMITTED,
                                  to_status=ReportStatus.APPROVED))
    elif status == ReportStatus.RETURNED:
        events.append(ReportEvent(report=report, action=ReportAction.RETURN,
                                  from_status=ReportStatus.SUBMITTED,
                                  to_status=ReportStatus.RETURNED, comment=RETURN_COMMENT))
    ReportEvent.objects.bulk_create(events)
    # `at` is stamped on creation: set the history's own times afterwards.
    for event, at in zip(events, (submitted, reviewed), strict=False):
        event.at = at
    ReportEvent.objects.bulk_update(events, ["at"])


def attribute_demo_reports(users: dict[str, object]) -> int:
    """Give the demo reports the demo accounts that would have done them: a unit's clerk
    submitted its reports, the reviewer of the unit above approved or returned them. Reports
    of units with no demo account keep no person (they were generated). Returns how many
    reports were given a submitter or a reviewer."""
    count = 0
    members = Membership.unscoped.filter(user__in=users.values(), department__isnull=True)
    for m in members.filter(role=Role.DATA_ENTRY):
        reports = MonthlyReport.unscoped.filter(is_demo=True, org_unit_id=m.org_unit_id,
                                                department__isnull=True)
        count += reports.update(submitted_by=m.user)
        ReportSubmission.objects.filter(report__in=reports).update(submitted_by=m.user)
        ReportEvent.objects.filter(report__in=reports, action=ReportAction.SUBMIT).update(
            actor=m.user)
    for m in members.filter(role=Role.REVIEWER):
        below = MonthlyReport.unscoped.filter(is_demo=True, org_unit__parent_id=m.org_unit_id,
                                              department__isnull=True)
        below.filter(status=ReportStatus.APPROVED).update(approved_by=m.user)
        reviewed = ReportEvent.objects.filter(report__in=below).filter(
            Q(action=ReportAction.APPROVE) | Q(action=ReportAction.RETURN))
        count += reviewed.values("report").distinct().count()
        reviewed.update(actor=m.user)
    return count
