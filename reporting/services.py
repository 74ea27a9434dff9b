"""Writes of the reporting workflow, and the lock every entry path asks before it writes.

`assert_entry_open(user=…, cells=…)` is called by every service that writes figures: the
entry grids (skills_portal/grid.py), `scoped_save`/`scoped_delete` for single records (data
values, competitions, awards, carriers, and the admin), and the Excel import. An approved
report locks its unit's figures of the month (a department's report its department's), and an
approved report of a unit above locks the whole subtree; past the entry window a month is
closed unless an administrator granted the unit an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from org.access import Scope
from org.choices import Role
from org.closure import OrgUnitClosure
from org.models import Department, Membership, OrgUnit
from org.scoping import unscoped
from org.selectors import unit_level_writable, writable_departments
from org.services import scoped_save
from skills_portal import clock

from .choices import REPORTED, ReportAction, ReportStatus
from .figures import target_values
from .models import EntryWindowException, MonthlyReport, Notice, Reminder, ReportEvent, ReportSubmission
from .schedule import rules_for, rules_of
from .selectors import expected_units
from .snapshot import diff, figures_snapshot

Cell = tuple[int, int | None, dt.date]


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.replace(day=1)


def _normalise(cells: Iterable) -> set[Cell]:
    out = set()
    for unit, department, period in cells:
        if unit is None or period is None:
            continue
        if type(unit) is not int:
            unit = unit.pk if hasattr(unit, "pk") else int(unit)
        if department is not None and type(department) is not int:
            department = department.pk if hasattr(department, "pk") else int(department)
        if type(period) is not dt.date or period.day != 1:
            period = _month(period)
        out.add((unit, department, period))
    return out


def _closed_cells(cells, today: dt.date) -> dict:
    """{cell: the day its entry closed} for the cells past their entry window."""
    rules = rules_for({(u, m) for u, _d, m in cells})
    closed = {}
    for cell in cells:
        closes = rules[(cell[0], cell[2])].entry_closes(cell[2])
        if closes is not None and today > closes:
            closed[cell] = closes
    return closed


def _approval_locks(cells: set[Cell]) -> tuple[dict[tuple, list[dt.date]], set[Cell]]:
    """({(unit, department, "approved" or "above", the unit above or None): months}, the
    locked cells) for the cells whose monthly report (the department's, the unit's own or a
    unit's above) is approved. Two queries whatever the number of cells."""
    units = {u for u, _d, _m in cells}
    months = {m for _u, _d, m in cells}
    problems: dict[tuple, list[dt.date]] = {}
    blocked: set[Cell] = set()
    approved = list(
        MonthlyReport.unscoped.filter(status=ReportStatus.APPROVED, period__in=months)
        .filter(org_unit__in=OrgUnitClosure.objects.filter(descendant_id__in=units)
                .values("ancestor_id"))
        .values_list("org_unit_id", "department_id", "period")
    )
    if approved:
        above: dict[int, list[int]] = {}
        for d, a, _depth in OrgUnitClosure.objects.filter(
                descendant_id__in=units, ancestor_id__in={a for a, _d, _m in approved}
        ).values_list("descendant_id", "ancestor_id", "depth").order_by("descendant_id", "depth"):
            above.setdefault(d, []).append(a)  # nearest first: the unit itself, then upwards
        unit_locks = {(a, m) for a, d, m in approved if d is None}
        dept_locks = {(a, d, m) for a, d, m in approved if d is not None}
        for cell in cells:
            unit, department, month = cell
            if department is not None and (unit, department, month) in dept_locks:
                problems.setdefault((unit, department, "approved", None), []).append(month)
                blocked.add(cell)
                continue
            for ancestor in above.get(unit, ()):
                if (ancestor, month) in unit_locks:
                    key = (unit, department, "approved", None) if ancestor == unit else \
                        (unit, department, "above", ancestor)
                    problems.setdefault(key, []).append(month)
                    blocked.add(cell)
                    break
    return problems, blocked


def locked_cells(cells: Iterable) -> set[Cell]:
    """The (unit, department, month) cells an approved monthly report locks (months as the
    first of the month)."""
    cells = _normalise(cells)
    return _approval_locks(cells)[1] if cells else set()


def entry_problems(cells: Iterable, *, today: dt.date | None = None,
                   window: bool = True) -> list[str]:
    """Why figures of these (unit, department, month) cells may not be written, in Chinese —
    one message per unit (or department) and reason, naming its months; empty when they may.
    Two queries for the locks, at most two more for the window (unless `window` is False:
    approval locks only), whatever the number of cells (an import of a whole province asks
    once)."""
    cells = _normalise(cells)
    if not cells:
        return []
    today = today or clock.today()
    # 1. Approved reports: the unit's own, a department's, or any unit's above.
    problems, blocked = _approval_locks(cells)
    # 2. The entry window.
    closed = _closed_cells(cells - blocked, today) if window else {}
    if closed:
        exempt = set(EntryWindowException.unscoped.filter(
            org_unit_id__in={u for u, _d, _m in closed}, period__in={m for _u, _d, m in closed},
            open_until__gte=today).values_list("org_unit_id", "period"))
        for cell, closes in closed.items():
            if (cell[0], cell[2]) not in exempt:
                problems.setdefault((cell[0], cell[1], "closed", closes), []).append(cell[2])
    if not problems:
        return []

    names = dict(OrgUnit.unscoped.filter(
        pk__in={k[0] for k in problems} | {k[3] for k in problems if k[2] == "above"})
        .values_list("pk", "name"))
    departments = dict(Department.unscoped.filter(
        pk__in={k[1] for k in problems if k[1]}).values_list("pk", "name"))
    texts = {
        "approved": _("%(who)s %(month)s: the monthly report has been approved, so these "
                      "figures are locked. A reviewer must withdraw the approval before they "
                      "can be changed."),
        "above": _("%(who)s %(month)s: the monthly report of %(above)s has been approved, so "
                   "these figures are locked."),
        "closed": _("%(who)s %(month)s: entry closed on %(date)s. Ask an administrator for an "
                    "exception to change these figures."),
    }
    messages = []
    for (unit, department, kind, extra), when in sorted(
            problems.items(), key=lambda item: (min(item[1]), names.get(item[0][0], ""),
                                                item[0][2])):
        who = names.get(unit, "") + (f"·{departments[department]}" if department else "")
        values = {"who": who, "month": "、".join(f"{m:%Y-%m}" for m in sorted(when)),
                  "above": names.get(extra, "") if kind == "above" else "",
                  "date": f"{extra:%Y-%m-%d}" if kind == "closed" else ""}
        messages.append(texts[kind] % values)
    return messages


def assert_entry_open(*, user, cells: Iterable) -> None:
    """Raise ValidationError (Chinese, naming each unit and month) unless every (org unit id,
    department id or None, month) cell may be written now. The same rule holds for every
    user: an approved month is changed by withdrawing the approval, a closed one by an
    administrator's exception."""
    problems = entry_problems(cells)
    if problems:
        raise ValidationError(problems, code="entry_locked")


_UNSET = object()  # an argument not given (None is a value)


# Records that hold figures, and the (unit, department, date) fields that place them.
_RECORD_CELLS = {
    "targets.datavalue": (("org_unit_id", "department_id", "period"),),
    "training.trainingfigure": (("org_unit_id", "department_id", "period"),),
    "certification.certificatefigure": (("org_unit_id", "department_id", "period"),),
    "training.trainingcarrier": (("org_unit_id", "department_id", "established_on"),
                                 ("org_unit_id", "department_id", "closed_on")),
    "competitions.competition": (("organiser_unit_id", "organiser_department_id", "start_date"),),
    "competitions.award": (("org_unit_id", "department_id", "awarded_on"),),
}


def record_cells(obj) -> list[Cell]:
    """The (unit, department, month) cells a figure-holding record counts in; [] for other
    models."""
    spec = _RECORD_CELLS.get(obj._meta.label_lower)
    if not spec:
        return []
    return [(getattr(obj, u), getattr(obj, d), getattr(obj, p)) for u, d, p in spec
            if getattr(obj, u, None) is not None and getattr(obj, p, None) is not None]


def assert_record_open(*, user, obj, stored=_UNSET) -> None:
    """For single-record writes (scoped_save / scoped_delete): the cells the record counts in
    now and the ones it counted in as stored must both be open. `stored`: the row as the
    database holds it (None: not stored), when the caller already read it."""
    if obj._meta.label_lower not in _RECORD_CELLS:
        return
    cells = record_cells(obj)
    if obj.pk is not None:
        if stored is _UNSET:
            stored = unscoped(type(obj)).filter(pk=obj.pk).first()
        if stored is not None:
            cells += record_cells(stored)
    assert_entry_open(user=user, cells=cells)


# --------------------------------------------------------------------------------------------
# The workflow: submit → return (with a comment) → resubmit → approve; withdraw an approval.
# --------------------------------------------------------------------------------------------
def _audit(*, actor, action: str, report: MonthlyReport, before: dict | None, note: str = ""):
    record(actor=actor, action=action, obj=report, before=before,
           after={"status": report.status, "is_late": report.is_late}, org_unit=report.org_unit_id,
           period=report.period, note=note)


def report_for(*, org_unit, period: dt.date, department=None, lock: bool = False
               ) -> MonthlyReport:
    """The report of a unit (or department) and month, created as a draft the first time."""

    period = _month(period)
    qs = MonthlyReport.unscoped.select_related("org_unit", "department")
    if lock:
        qs = qs.select_for_update(of=("self",))
    report = qs.filter(org_unit=org_unit, department=department, period=period).first()
    if report is None:
        from django.db import IntegrityError, transaction

        report = MonthlyReport(org_unit=org_unit, department=department, period=period,
                               deadline=rules_of(org_unit.pk, period).deadline(period))
        report.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:  # created meanwhile by a concurrent request: use that one
            report = qs.get(org_unit=org_unit, department=department, period=period)
    return report


def _locked(report: MonthlyReport) -> MonthlyReport:
    """Re-read the report under a row lock, so two reviewers cannot act on it at once."""
    return (MonthlyReport.unscoped.select_for_update(of=("self",))
            .select_related("org_unit", "department").get(pk=report.pk))


def may_submit(user, report: MonthlyReport) -> bool:
    """Data entry (or an administrator) whose scope covers the unit — for a department's
    report, a member who may report for that department."""

    scope = Scope.of(user)
    if scope.is_global:
        return True
    if report.department_id:
        return writable_departments(user).filter(pk=report.department_id).exists()
    return unit_level_writable(user, report.org_unit)


def reviewer_level(user, report: MonthlyReport) -> int | None:
    """The highest level (smallest number) at which `user` reviews this report: a reviewer or
    administrator at a unit above the report's unit (for a department's report, the unit
    itself also counts). None when the user may not review it."""

    scope = Scope.of(user)
    if scope.is_global:
        return -1
    units = {m.org_unit_id for m in scope.memberships({Role.REVIEWER, Role.ADMIN},
                                                     department=False)}
    if not units:
        return None
    links = OrgUnitClosure.objects.filter(descendant_id=report.org_unit_id, ancestor_id__in=units)
    if not report.department_id:
        links = links.filter(depth__gt=0)  # never one's own unit's report
    levels = list(links.values_list("ancestor__level", flat=True))
    return min(levels) if levels else None


def changes_after_submission(report: MonthlyReport, *, live: dict | None = None) -> list[dict]:
    """The unit's figures of the month changed since the report's last submission (the rows
    of `snapshot.diff`); empty when it was never submitted. `live`: the current snapshot, when
    the caller already has it."""
    if report.pk is None or report.status not in (ReportStatus.SUBMITTED, ReportStatus.RETURNED,
                                                  ReportStatus.APPROVED):
        return []
    latest = report.submissions.order_by("-number").first()
    if latest is None:
        return []
    return diff(latest.snapshot, figures_snapshot(report) if live is None else live)


def may_be_submitted(report: MonthlyReport) -> bool:
    """A draft or a returned report; a submitted one too once its figures changed after the
    submission (the unit resubmits instead of waiting to have it returned)."""
    return report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED) or (
        report.status == ReportStatus.SUBMITTED and bool(changes_after_submission(report)))


def submit(*, user, report: MonthlyReport, comment: str = "",
           zero_report: bool = False) -> MonthlyReport:
    """Submit (or resubmit after a return, or after a change to a submitted report's figures)
    the month's report, storing a snapshot of its figures. A report without figures is
    submitted only as an explicit zero report (`zero_report`: the unit confirms it has nothing
    new this month); a report with figures is never one. A first submission after the deadline
    is flagged late."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    with transaction.atomic():
        report = _locked(report)
        if not may_submit(user, report):
            raise PermissionDenied(_("You may not submit this report: it is outside your scope "
                                     "or your role does not submit reports."))
        if not may_be_submitted(report):
            raise ValidationError(_("This report is %(status)s: only a draft or a returned report "
                                    "can be submitted.") % {"status": report.get_status_display()})
        before = {"status": report.status}
        now, today = timezone.now(), clock.today()
        if report.period > today.replace(day=1):
            raise ValidationError(_("%(month)s has not started yet: a month is reported once it "
                                    "has begun.") % {"month": f"{report.period:%Y-%m}"})
        snapshot = figures_snapshot(report)
        if not snapshot and not zero_report:
            raise ValidationError(
                {"zero_report": _("There are no figures for this month. If the unit really has "
                                  "nothing new, confirm “No new figures this month” to submit a "
                                  "zero report.")}, code="empty_report")
        if snapshot and zero_report:
            raise ValidationError(
                {"zero_report": _("This month has figures, so it cannot be submitted as a zero "
                                  "report: remove the “No new figures this month” "
                                  "confirmation.")}, code="not_empty")
        late = today > report.deadline
        number = report.submissions.count() + 1
        if number == 1:
            report.is_late = late
        previous = report.status
        report.status, report.submitted_at, report.submitted_by = ReportStatus.SUBMITTED, now, user
        report.is_zero_report = bool(zero_report)
        report.full_clean()
        report.save()
        ReportSubmission.objects.create(report=report, number=number, submitted_at=now,
                                        submitted_by=user, is_late=late, snapshot=snapshot,
                                        target_values=target_values(report),
                                        is_zero_report=report.is_zero_report)
        _event(report, user, ReportAction.SUBMIT, previous, comment)
        _audit(actor=user, action="submit" if number == 1 else "resubmit", report=report,
               before=before, note=comment)
        _notify_reviewers(report, user)
    return report


def submit_for(*, user, org_unit, department=None, period: dt.date,
               comment: str = "", zero_report: bool = False) -> MonthlyReport:
    """Submit the report of a unit (or department) and month, creating its draft the first
    time — only when the user may submit it (no draft is left behind otherwise)."""
    from django.core.exceptions import PermissionDenied

    probe = MonthlyReport(org_unit=org_unit, department=department, period=period)
    if not may_submit(user, probe):
        raise PermissionDenied(_("You may not submit this report: it is outside your scope "
                                 "or your role does not submit reports."))
    report = report_for(org_unit=org_unit, department=department, period=period)
    return submit(user=user, report=report, comment=comment, zero_report=zero_report)


def return_report(*, user, report: MonthlyReport, comment: str) -> MonthlyReport:
    """Send a submitted report back to the unit with a comment saying what to fix."""
    from django.db import transaction

    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs fixing: a returned report needs a "
                                            "comment.")})
    with transaction.atomic():
        report = _locked(report)
        _require_reviewer(user, report)
        if report.status != ReportStatus.SUBMITTED:
            raise ValidationError(_("Only a submitted report can be returned (this one is "
                                    "%(status)s).") % {"status": report.get_status_display()})
        previous = report.status
        report.status = ReportStatus.RETURNED
        report.save()
        _event(report, user, ReportAction.RETURN, previous, comment)
        _audit(actor=user, action="return", report=report, before={"status": previous},
               note=comment)
        _notify_submitter(report, _("Returned: %(report)s") % {"report": report}, comment)
    return report


def unapproved_children(report: MonthlyReport) -> list:
    """The units directly below a unit's report whose own report of the month is not approved
    (only units expected to report)."""

    if report.department_id:
        return []
    children = expected_units().filter(parent_id=report.org_unit_id)
    approved = MonthlyReport.unscoped.filter(period=report.period, department__isnull=True,
                                            status=ReportStatus.APPROVED).values("org_unit_id")
    return list(children.exclude(pk__in=approved).order_by("code", "name"))


def _approve_refusal(user, report: MonthlyReport, level: int | None, *,
                     live: dict | None = None):
    """Why the user may not approve the report (the exception to raise), or None. A report
    whose figures changed after its submission is not approved: the reviewer would approve
    figures nobody submitted. `live`: the figures snapshot now, when the caller has it."""
    from django.core.exceptions import PermissionDenied

    if level is None:
        return None  # _require_reviewer raises
    if report.submitted_by_id == user.pk and not user.is_superuser:
        return PermissionDenied(_("You submitted this report yourself: another reviewer must "
                                  "approve it."))
    if report.status != ReportStatus.SUBMITTED:
        return ValidationError(_("Only a submitted report can be approved (this one is "
                                 "%(status)s).") % {"status": report.get_status_display()})
    changes = changes_after_submission(report, live=live)
    if changes:
        return ValidationError(_(
            "The figures were changed after the report was submitted (%(count)s changes): "
            "what would be approved is not what was submitted. Return the report so that the "
            "unit resubmits it, then approve.") % {"count": len(changes)},
            code="changed_after_submission")
    return None


def may_approve(user, report: MonthlyReport, *, level=_UNSET, live: dict | None = None) -> bool:
    """May the user approve the report now (`level`: their reviewer level, when known;
    `live`: the figures snapshot now, when known)?"""
    if level is _UNSET:
        level = reviewer_level(user, report)
    return level is not None and _approve_refusal(user, report, level, live=live) is None


def _unapprove_refusal(user, report: MonthlyReport, level: int | None):
    """Why the user may not withdraw the report's approval (the exception to raise), or None
    (the approved report above it is checked by `unapprove` itself)."""
    from django.core.exceptions import PermissionDenied

    if level is None:
        return None  # _require_reviewer raises
    if report.status != ReportStatus.APPROVED:
        return ValidationError(_("This report is not approved."))
    if report.approved_level is not None and level > report.approved_level:
        return PermissionDenied(_("This report was approved at a higher level: only a "
                                  "reviewer at that level or above can withdraw the "
                                  "approval."))
    return None


def may_unapprove(user, report: MonthlyReport, *, level=_UNSET) -> bool:
    """May the user withdraw the report's approval (`level`: their reviewer level, when
    known)?"""
    if level is _UNSET:
        level = reviewer_level(user, report)
    return level is not None and _unapprove_refusal(user, report, level) is None


def approve(*, user, report: MonthlyReport, override_reason: str = "",
            comment: str = "") -> MonthlyReport:
    """Approve a submitted report, which locks its figures. A unit's own report needs the
    reports of the units below it approved first, or an override with a reason."""
    from django.db import transaction

    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        report = _locked(report)
        level = _require_reviewer(user, report)
        refusal = _approve_refusal(user, report, level)
        if refusal is not None:
            raise refusal
        pending = unapproved_children(report)
        if pending and not override_reason:
            raise ValidationError({"override_reason": _(
                "The reports of %(units)s for this month are not approved yet. Approve them "
                "first, or give a reason to approve this report anyway."
            ) % {"units": "、".join(u.name for u in pending[:20])
                 + (" …" if len(pending) > 20 else "")}})
        previous = report.status
        report.status, report.approved_at, report.approved_by = (ReportStatus.APPROVED,
                                                                 timezone.now(), user)
        report.approved_level = max(level, 0)
        report.override_reason = override_reason if pending else ""
        report.save()
        note = "；".join(x for x in (comment.strip(), override_reason if pending else "") if x)
        _event(report, user, ReportAction.APPROVE, previous, note)
        _audit(actor=user, action="approve", report=report, before={"status": previous},
               note=note)
        _notify_submitter(report, _("Approved: %(report)s") % {"report": report}, note)
    return report


def unapprove(*, user, report: MonthlyReport, reason: str) -> MonthlyReport:
    """Withdraw an approval (the figures unlock and the report goes back to the unit as
    returned). Needs a reason and a reviewer at the approver's level or above, and no approved
    report above it for the month."""
    from django.db import transaction

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Withdrawing an approval needs a reason.")})
    with transaction.atomic():
        report = _locked(report)
        level = _require_reviewer(user, report)
        refusal = _unapprove_refusal(user, report, level)
        if refusal is not None:
            raise refusal
        above = (MonthlyReport.unscoped.filter(
            period=report.period, department__isnull=True, status=ReportStatus.APPROVED,
            org_unit__in=OrgUnitClosure.objects.filter(descendant_id=report.org_unit_id,
                                                       depth__gt=0).values("ancestor_id"))
            .select_related("org_unit").first())
        if above is not None:
            raise ValidationError(_("The report of %(unit)s for this month is approved: withdraw "
                                    "that approval first.") % {"unit": above.org_unit.name})
        previous = report.status
        report.status = ReportStatus.RETURNED
        report.approved_at = report.approved_by = report.approved_level = None
        report.save()
        _event(report, user, ReportAction.UNAPPROVE, previous, reason)
        _audit(actor=user, action="unapprove", report=report, before={"status": previous},
               note=reason)
        _notify_submitter(report, _("Approval withdrawn: %(report)s") % {"report": report},
                          reason)
    return report


def add_comment(*, user, report: MonthlyReport, text: str):
    """A comment on the report's page, by anyone who may submit or review it."""
    from django.core.exceptions import PermissionDenied

    text = (text or "").strip()
    if not text:
        raise ValidationError({"comment": _("The comment is empty.")})
    if not may_submit(user, report) and reviewer_level(user, report) is None:
        raise PermissionDenied(_("You may not comment on this report."))
    return _event(report, user, ReportAction.COMMENT, "", text)


def _require_reviewer(user, report: MonthlyReport) -> int:
    from django.core.exceptions import PermissionDenied

    level = reviewer_level(user, report)
    if level is None:
        raise PermissionDenied(_("Only a reviewer or administrator of a unit above %(unit)s can "
                                 "review its report.") % {"unit": report.org_unit.name})
    return level


def _event(report, user, action, previous, comment):
    return ReportEvent.objects.create(report=report, action=action, actor=user,
                                      from_status=previous, to_status=report.status
                                      if action != "comment" else "", comment=comment or "")


# --- notices ----------------------------------------------------------------------------------
def _report_link(report) -> str:
    from django.urls import reverse

    url = reverse("reporting:detail", args=[report.org_unit_id, f"{report.period:%Y-%m}"])
    return url + (f"?department={report.department_id}" if report.department_id else "")


def mark_notices_read(*, user, notice_id: int | None = None) -> int:
    """Mark the user's unread notices read (only `notice_id`, when given); returns how many."""

    unread = Notice.objects.for_user(user).filter(read_at__isnull=True)
    if notice_id is not None:
        unread = unread.filter(pk=notice_id)
    return unread.update(read_at=timezone.now())


def notify(*, users, title: str, body: str = "", link: str = "") -> int:
    notices = [Notice(user=u, title=title[:200], body=body, link=link) for u in users]
    Notice.unscoped.bulk_create(notices)
    return len(notices)


def _notify_submitter(report, title, body):
    if report.submitted_by_id:
        notify(users=[report.submitted_by], title=title, body=body, link=_report_link(report))


def _notify_reviewers(report, actor):
    """Tell the reviewers of the unit directly above that a report waits for them."""
    from django.contrib.auth import get_user_model

    if report.org_unit.parent_id is None:
        return
    reviewers = get_user_model().objects.filter(
        is_active=True, memberships__org_unit_id=report.org_unit.parent_id,
        memberships__department__isnull=True,
        memberships__role__in=[Role.REVIEWER, Role.ADMIN]).exclude(pk=actor.pk).distinct()
    notify(users=list(reviewers), title=_("Waiting for review: %(report)s") % {"report": report},
           link=_report_link(report))


# --- reminders ---------------------------------------------------------------------------------
def send_reminders(*, today: dt.date | None = None, period: dt.date | None = None) -> dict:
    """Remind every unit expected to report that has not submitted the month (by default the
    month just ended) once the reminder window before its deadline has started: an e-mail to
    its data-entry staff and an in-app notice each. At most once per unit and month: the
    Reminder rows are inserted with ON CONFLICT DO NOTHING against their unique constraint and
    only the rows this run inserted (its run id) are sent, so a second run — or a second
    worker at the same time — sends nothing. A constant number of queries at any scale."""
    import uuid

    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection
    from django.db import transaction


    today = today or clock.today()
    period = _month(period) if period else clock.previous_month(today)
    reported = MonthlyReport.unscoped.filter(period=period, department__isnull=True,
                                            status__in=REPORTED).values("org_unit_id")
    reminded = Reminder.unscoped.filter(period=period).values("org_unit_id")
    units = {u.pk: u for u in expected_units().exclude(pk__in=reported).exclude(pk__in=reminded)}
    rules = rules_for([(pk, period) for pk in units])
    due = {pk: rules[(pk, period)] for pk in units
           if today >= rules[(pk, period)].remind_from(period)}
    sent = {"period": f"{period:%Y-%m}", "units": 0, "notices": 0, "emails": 0}
    if not due:
        return sent
    run = uuid.uuid4()
    recipients: dict[int, list] = {}
    for m in (Membership.unscoped.filter(
            org_unit_id__in=list(due), department__isnull=True, user__is_active=True,
            role__in=[Role.DATA_ENTRY, Role.ADMIN]).select_related("user")
            .order_by("org_unit_id", "user_id")):
        users = recipients.setdefault(m.org_unit_id, [])
        if all(u.pk != m.user_id for u in users):
            users.append(m.user)
    messages, notices = [], []
    with transaction.atomic():
        Reminder.unscoped.bulk_create(
            [Reminder(org_unit_id=pk, period=period, run=run,
                      recipients=len(recipients.get(pk, [])),
                      emails=sum(1 for u in recipients.get(pk, []) if u.email))
             for pk in sorted(due)], ignore_conflicts=True)
        mine = set(Reminder.unscoped.filter(period=period, run=run)
                   .values_list("org_unit_id", flat=True))
        for pk in sorted(mine):
            unit, rule = units[pk], due[pk]
            deadline = rule.deadline(period)
            values = {"unit": unit.name, "month": f"{period:%Y-%m}",
                      "deadline": f"{deadline:%Y-%m-%d}"}
            title = (_("Overdue: %(unit)s has not submitted the %(month)s report (due "
                       "%(deadline)s)") if today > deadline else
                     _("Reminder: %(unit)s's %(month)s report is due on %(deadline)s")) % values
            body = _("The monthly report of %(unit)s for %(month)s has not been submitted yet. "
                     "Enter the month's figures and submit the report under 月度报送.") % values
            users = recipients.get(pk, [])
            notices += [Notice(user=u, title=title[:200], body=body,
                               link=f"/reporting/?month={period:%Y-%m}") for u in users]
            addresses = [u.email for u in users if u.email]
            if addresses:
                messages.append(EmailMessage(title, body, settings.DEFAULT_FROM_EMAIL,
                                             addresses))
        Notice.unscoped.bulk_create(notices, batch_size=2000)
    emails = 0
    if messages:
        # After the commit: a mail server outage does not undo the notices; failures are
        # counted, not raised (the Reminder row records the addresses it was meant for).
        emails = get_connection(fail_silently=True).send_messages(messages) or 0
    sent.update(units=len(mine), notices=len(notices), emails=emails)
    return sent


# --- entry window exceptions ---------------------------------------------------------------------
def save_exception(*, user, exception):
    """An administrator keeps a unit's month open after the window closed (within their
    subtree; audited through scoped_save)."""

    if exception.period:
        exception.period = _month(exception.period)
    if exception.pk is None and exception.granted_by_id is None:
        exception.granted_by = user
    return scoped_save(user=user, obj=exception)
