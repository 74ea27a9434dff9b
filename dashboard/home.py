"""The home page and the entry landing page: where every role starts."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from org.selectors import writable_units
from targets import selectors

HOME_PLANS = 12  # cards; the rest are on the plans page


@login_required
def home(request):
    relevant = selectors.plans_by_relevance(request.user)
    plans = selectors.with_counts(relevant[:HOME_PLANS])
    parents = list(
        selectors.target_list(request.user).filter(children__isnull=False).distinct()
    )
    coverage = selectors.decomposition_coverage(parents, request.user)
    statuses = [c.status for cs in coverage.values() for c in cs]
    return render(request, "home.html", {
        "memberships": request.user.memberships.select_related("org_unit", "department"),
        "plans": plans,
        "plan_total": relevant.count() if len(plans) == HOME_PLANS else len(plans),
        "decompositions": len(statuses),
        "decomposition_problems": sum(1 for s in statuses if s in ("under", "over", "incomplete")),
    })


@login_required
def entry_home(request):
    return render(request, "entry/home.html", {
        "can_enter": writable_units(request.user).exists(),
    })
