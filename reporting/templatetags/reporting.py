from decimal import Decimal

from django import template

from org.access import Scope
from reporting.models import MonthlyReport
from reporting.schedule import rules_of
from reporting.selectors import approval_lock, unread_notices
from reporting.services import entry_problems

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notice_count(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cache = getattr(request, "_unread_notices", None)
    if cache is None:
        cache = request._unread_notices = unread_notices(user).count()
    return cache


@register.simple_tag(takes_context=True)
def sees_completeness(context) -> bool:
    """Whether the reporting-rate page opens for the user: it is about a unit, so a member of
    a department only (no whole unit) is not offered it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    scope = Scope.of(user)
    return scope.is_global or any(True for _m in scope.memberships(department=False))


@register.inclusion_tag("reporting/_entry_status.html", takes_context=True)
def entry_status(context, unit, period, department=None):
    """The month's report status and lock, shown on the entry grids."""

    if unit is None or period is None:
        return {"show": False}
    # The entry page's unit and department are ones the user may enter figures for.
    report = MonthlyReport.unscoped.filter(org_unit=unit, department=department,
                                          period=period.replace(day=1)).first()
    rules = rules_of(unit.pk, period)
    # An entry grid has just asked for this unit, department and month.
    problems = context.get("entry_problems")
    if problems is None:
        problems = entry_problems([(unit.pk, department.pk if department else None, period)])
    return {
        "show": True, "unit": unit, "period": period, "department": department, "report": report,
        "deadline": report.deadline if report else rules.deadline(period),
        "entry_closes": rules.entry_closes(period),
        "problems": problems,
        "lock": approval_lock(unit=unit, period=period, department=department) if problems
        else None,
    }


@register.filter
def person(user) -> str:
    """A user's full name, else their username, else a dash."""
    if not user or not hasattr(user, "get_full_name"):
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def figure(value) -> str:
    """A figure for the report page: thousands separated, at most two decimals, "—" when
    there is none."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(Decimal('0.01')):,}".rstrip("0").rstrip(".")
