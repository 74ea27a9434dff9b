"""Pages of the reporting workflow: 月度报送 (the month's reports in the user's scope), a
report's page with its actions and what changed, completeness, notices."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from org.selectors import may_enter, root_units
from skills_portal.clock import parse_month
from targets.entry import previous_month

from . import selectors, services
from .choices import ReportStatus
from .figures import report_figures
from .forms import ActionForm
from .models import MonthlyReport
from .schedule import rules_of
from .services import entry_problems, may_submit, reviewer_level, unapproved_children
from .snapshot import diff, figures_snapshot


def _month(request, default=None):
    raw = request.GET.get("month")
    period = parse_month(raw)
    if raw and period is None:
        messages.error(request, _("Month must be written as YYYY-MM, e.g. 2025-03."))
    return period or default or previous_month()


def _root(request, *, allow_none: bool = False):
    """The unit the page is about: ?unit= inside the user's scope, else their top unit."""
    roots = root_units(request.user)
    if not roots:
        if allow_none:
            return None, []
        raise PermissionDenied(_("You have no org unit: ask an administrator for a membership."))
    raw = request.GET.get("unit")
    if not raw:
        return roots[0], roots
    if not raw.isdigit():
        raise Http404
    unit = selectors.visible_units(request.user).filter(pk=int(raw)).first()
    if unit is None:
        raise Http404
    return unit, roots


@login_required
def month_list(request):
    """月度报送 one level at a time: the chosen unit's own report and one row per unit
    directly below it with its subtree's counts (drill down with ?unit=); or, with ?status=
    or ?q=, the units of the whole subtree with reports of that status or that name, a page
    at a time."""
    period = _month(request)
    root, roots = _root(request, allow_none=True)  # a department member has only departments
    status = request.GET.get("status") or None
    if status not in (None, *selectors.STATUS_ORDER):
        messages.error(request, _("Unknown status."))
        status = None
    text = (request.GET.get("q") or "").strip()[:50]
    page = request.GET.get("page") or "1"
    page = int(page) if page.isdigit() else 1
    statuses = selectors.subtree_statuses(request.user, period=period, root=root) if root else {}
    counts = {}
    for value in statuses.values():
        counts[value] = counts.get(value, 0) + 1
    listed, found = None, 0
    if root and (status or text):
        listed, found = selectors.listed_rows(period=period, statuses=statuses, status=status,
                                              text=text, page=page)
    rows = selectors.level_rows(period=period, root=root,
                                statuses=statuses) if root and listed is None else []
    path = list(root.ancestors().filter(pk__in=selectors.visible_units(request.user)
                                        .values("pk"))) if root else []
    return render(request, "reporting/month_list.html", {
        "period": period, "root": root, "roots": roots, "rows": rows, "path": path,
        "listed": listed, "found": found, "q": text, "page": page,
        "pages": -(-found // selectors.ROWS_PER_PAGE) if found else 0,
        "status": status, "total": len(statuses), "groups": [],
        "counts": [(s, selectors.status_label(s), counts.get(s, 0))
                   for s in selectors.STATUS_ORDER],
        "department_rows": selectors.department_rows(request.user, period=period),
        "deadline": rules_of(root.pk if root else 0, period).deadline(period),
    })


def _report_page_objects(request, unit_id: int, month: str):
    period = parse_month(month)
    if period is None:
        raise Http404
    raw = request.GET.get("department") or request.POST.get("department")
    if raw and not str(raw).isdigit():
        raise Http404
    unit, department = selectors.report_unit_and_department(
        request.user, unit_id=unit_id, department_id=int(raw) if raw else None)
    if unit is None or (raw and department is None):
        raise Http404
    report = MonthlyReport.objects.for_user(request.user).filter(
        org_unit=unit, department=department, period=period).select_related(
        "org_unit", "department", "submitted_by", "approved_by").first()
    return unit, department, period, report


@login_required
def report_detail(request, unit_id: int, month: str):
    unit, department, period, report = _report_page_objects(request, unit_id, month)
    form = ActionForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _("Unknown action."))
        else:
            try:
                report = _act(request, form.cleaned_data, unit, department, period, report)
            except (ValidationError, PermissionDenied) as exc:
                texts = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                for text in texts:
                    messages.error(request, text)
                status = 403 if isinstance(exc, PermissionDenied) else 400
                return _render_detail(request, unit, department, period, report, form, status)
            return HttpResponseRedirect(request.get_full_path())
    return _render_detail(request, unit, department, period, report, form, 200)


def _act(request, data, unit, department, period, report):
    user, action = request.user, data["action"]
    if report is None and action != "submit":
        raise ValidationError(_("This report has not been submitted yet."))
    if action == "submit":
        report = services.submit_for(user=user, org_unit=unit, department=department,
                                     period=period, comment=data["comment"],
                                     zero_report=data["zero_report"])
        messages.success(request, _("Submitted."))
    elif action == "return":
        services.return_report(user=user, report=report, comment=data["comment"])
        messages.success(request, _("Returned to the unit."))
    elif action == "approve":
        services.approve(user=user, report=report, comment=data["comment"],
                         override_reason=data["override_reason"])
        messages.success(request, _("Approved: the month's figures are locked."))
    elif action == "unapprove":
        services.unapprove(user=user, report=report, reason=data["comment"])
        messages.success(request, _("Approval withdrawn: the figures can be corrected again."))
    else:
        services.add_comment(user=user, report=report, text=data["comment"])
        messages.success(request, _("Comment added."))
    return report


def _render_detail(request, unit, department, period, report, form, status):
    probe = report or MonthlyReport(org_unit=unit, department=department, period=period)
    submissions = list(report.submissions.select_related("submitted_by")) if report else []
    live = figures_snapshot(probe)
    latest = submissions[-1] if submissions else None
    previous = submissions[-2] if len(submissions) > 1 else None
    rules = rules_of(unit.pk, period)
    # A submitted report whose figures changed since: not approved until resubmitted. (A
    # returned one is expected to change: "since_latest" shows how.)
    pending = diff(latest.snapshot, live) if latest and report.status == ReportStatus.SUBMITTED \
        else []
    can_submit = may_submit(request.user, probe) and (
        probe.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
        or (probe.status == ReportStatus.SUBMITTED and bool(pending)))
    level = reviewer_level(request.user, probe) if report else None
    figures = report_figures(probe, submitted=latest.target_values if latest else None)
    return render(request, "reporting/report_detail.html", {
        "unit": unit, "department": department, "period": period, "report": report,
        "status": probe.status, "status_label": probe.get_status_display() if report
        else _("not submitted"),
        "deadline": report.deadline if report else rules.deadline(period),
        "entry_closes": rules.entry_closes(period),
        "lock_messages": entry_problems([(unit.pk, department.pk if department else None,
                                          period)]),
        "submissions": submissions,
        "since_previous": diff(previous.snapshot, latest.snapshot) if previous else None,
        "since_latest": diff(latest.snapshot, live) if latest else None,
        "pending_changes": pending,
        "is_empty": not live,
        "figures": figures,
        "other_figures": [row for row in figures if row.target is None],
        "live_rows": diff({}, live) if not latest else None,
        "submitted_rows": diff({}, latest.snapshot) if latest else None,
        "events": report.events.select_related("actor") if report else [],
        "can_submit": can_submit,
        "can_enter": may_enter(request.user, unit, department),
        "can_review": level is not None and probe.status == ReportStatus.SUBMITTED,
        "can_approve": services.may_approve(request.user, probe, level=level, live=live),
        "can_unapprove": services.may_unapprove(request.user, probe, level=level),
        "pending_children": unapproved_children(probe) if level is not None and report and
        probe.status == ReportStatus.SUBMITTED else [],
        "form": form,
        "month": f"{period:%Y-%m}",
    }, status=status)


@login_required
def completeness_page(request):
    period = _month(request)
    root, roots = _root(request)
    table = selectors.completeness(units=selectors.completeness_units(root), period=period)
    months = [period]
    for _i in range(5):
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    trend = selectors.completeness_trend(root=root, months=list(reversed(months)),
                                         expected=table[0].expected)
    missing = selectors.not_reported(root=root, period=period)
    return render(request, "reporting/completeness.html", {
        "period": period, "root": root, "roots": roots, "summary": table[0],
        "rows": table[1:], "trend": trend,
        # The first of the units not reported; the month list pages through them all.
        "missing": missing[:selectors.ROWS_PER_PAGE],
        "missing_count": table[0].expected - table[0].submitted,
    })


@login_required
def notice_list(request):
    if request.method == "POST":
        raw = request.POST.get("notice")
        services.mark_notices_read(user=request.user,
                                   notice_id=int(raw) if raw and raw.isdigit() else None)
        return HttpResponseRedirect(reverse("reporting:notices"))
    return render(request, "reporting/notices.html", {
        "notices": selectors.notices(request.user)[:200],
    })

