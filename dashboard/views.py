from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.models import OrgUnit
from skills_portal.clock import parse_month
from targets.choices import WAN_UNITS, WHOLE_UNITS
from targets.models import Plan

from . import selectors, services
from .exporting import bulletin_title, bulletin_workbook
from .filters import BulletinFilter
from .models import Bulletin, may_issue_bulletins

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _labels() -> dict:
    """The words the dashboard's script prints, translated here."""
    return {
        "target": _("Target"), "actual": _("Actual"), "rate": _("Completion rate"),
        "time": _("Time progress"), "status": _("Status"), "rank": _("Rank"),
        "unit": _("Unit"), "indicator": _("Indicator"), "department": _("Department"),
        "month": _("Month"), "gap_time": _("Short of time progress"),
        "gap_target": _("Short of target"), "this_year": _("this year"),
        "last_year": _("last year"), "none": _("None"), "soft": _("strive for"),
        "no_own": _("This unit holds no target of this plan itself; open a unit below."),
        "no_children": _("No unit below holds a target of this plan."),
        "no_laggards": _("No unit below is behind time progress."),
        "no_departments": _("No department quota at this unit."),
        "no_month": _("No progress snapshot yet: the roll-up has not run for this plan."),
        "drill": _("Open"), "loading": _("Loading…"), "error": _("Could not load the data"),
        "of": _("of"), "window": _("Target period"), "chart_children": _("Completion rate"),
        "chart_time": _("Time progress"), "as_of": _("as of %(year)s-%(month)s"),
        # #16: which target governs a unit, and where it comes from.
        "source": _("Source of the target"), "basis": _("Targets of the units below"),
        "basis_plan": _("By the plan's decomposition"),
        "basis_own": _("By the unit's own commitment"),
        "plan_target": _("Share in this plan"), "own_target": _("Own commitment"),
        # Foresight (#20).
        "projected": _("Projected completion at the window's end"),
        "projected_short": _("Projected"),
        "need": _("Monthly pace still needed"), "pace": _("Monthly pace so far"),
        "warning": _("Early warning"), "method": _("Projection method"),
        "no_warnings": _("No target is projected to fall short."),
        "per_month": _("a month"),
        "warn_red": _("Red"), "warn_orange": _("Orange"), "warn_yellow": _("Yellow"),
        "scale": _("Amounts"), "scale_exact": _("exact"), "scale_wan": _("in 10,000s"),
        # When the month shown was rolled up (#25).
        "rolled_up_at": _("Figures as rolled up at %(time)s; numbers saved since appear after "
                          "the next roll-up, within minutes."),
        # A plan without targets below: the units' own figures, not judged.
        "own_actual": _("Units' own figure"), "share": _("Share of the whole"),
        "units_own_note": _("this plan gives the units below no target: their own figures, "
                            "not judged"),
        # Org-unit groups (#22).
        "group": _("Org-unit group"), "all_units": _("All units"),
        "group_members": _("%(n)s members here this month"),
        "group_total": _("Group total"),
        "no_group_rows": _("No member of the group holds a target of this plan here."),
    }


@login_required
def dashboard_page(request):
    return render(request, "dashboard/dashboard.html", {
        "labels": _labels(),
        # Shortfalls in these units are whole things, rounded up (targets.choices.shortfall).
        "whole_units": sorted(WHOLE_UNITS),
        "wan_units": sorted(WAN_UNITS),
        "can_issue": may_issue_bulletins(request.user),
    })


@login_required
def bulletin_list(request):
    bulletins = selectors.bulletin_list(request.user)
    filterset = BulletinFilter(request.GET, queryset=bulletins, request=request)
    return render(request, "dashboard/bulletin_list.html", {
        "bulletins": filterset.qs[:200],
        "filtered": any(request.GET.get(k) for k in filterset.filters),
    })


@login_required
@require_POST
def bulletin_issue(request):
    back = reverse("dashboard:index") + "?" + request.POST.get("query", "")[:300]
    plan = Plan.objects.for_user(request.user).filter(
        code=request.POST.get("plan", ""), is_reference=False).first()
    unit_id = request.POST.get("unit", "")
    unit = OrgUnit.objects.for_user(request.user).filter(pk=int(unit_id)).first() \
        if unit_id.isdigit() else None
    month = parse_month(request.POST.get("month"))
    if plan is None or unit is None or month is None:
        messages.error(request, _("Choose a plan, a unit and a month to issue a bulletin."))
        return redirect(back)
    try:
        bulletin = services.issue_bulletin(user=request.user, plan=plan, org_unit=unit,
                                           month=month)
    except PermissionDenied:
        messages.error(request, _("Only reviewers and administrators of %(unit)s or a unit "
                                  "above it may issue its bulletin.") % {"unit": unit.name})
        return redirect(back)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("Bulletin issued: %(title)s (version %(v)s).") % {
        "title": bulletin_title(bulletin), "v": bulletin.version})
    return redirect("dashboard:bulletin_detail", pk=bulletin.pk)


def _bulletin(request, pk) -> Bulletin:
    bulletin = selectors.bulletin_list(request.user).filter(pk=pk).first()
    if bulletin is None:
        raise Http404(_("This bulletin does not exist or is outside your scope."))
    return bulletin


@login_required
def bulletin_detail(request, pk):
    bulletin = _bulletin(request, pk)
    return render(request, "dashboard/bulletin_detail.html", {
        "bulletin": bulletin, "c": bulletin.content, "title": bulletin_title(bulletin),
        # 人 / 万人: amounts of people and money in 万 (the exact figure in each one's title).
        "wan": request.GET.get("scale") == "wan",
        "versions": Bulletin.objects.for_user(request.user).filter(
            plan=bulletin.plan, org_unit=bulletin.org_unit, period=bulletin.period,
        ).order_by("version").values("pk", "version", "issued_at"),
    })


@login_required
def bulletin_xlsx(request, pk):
    bulletin = _bulletin(request, pk)
    name = f"{bulletin_title(bulletin)}-{bulletin.org_unit.name}-v{bulletin.version}.xlsx"
    response = HttpResponse(bulletin_workbook(bulletin), content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"bulletin-{bulletin.pk}.xlsx\"; "
        f"filename*=UTF-8''{quote(name)}")
    return response
