from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .cascade import cascade_coverage, chain
from .filters import TargetFilter
from .models import Plan, Target

PLAN_TARGETS_PER_PAGE = 50
CHAINS_SHOWN = 5  # chains on a plan's page; every target's own page shows its chain


@login_required
def plan_list(request):
    # A page of plans at a time, the user's own first (at national scale every unit may have
    # a plan of its own); the reference plans cited by them are few.
    page = Paginator(selectors.plans_by_relevance(request.user), 50).get_page(
        request.GET.get("page"))
    return render(request, "targets/plan_list.html", {
        "plans": selectors.with_counts(page.object_list), "page": page,
        "reference_plans": selectors.plans_by_relevance(request.user, reference=True)
        .select_related("parent") if page.number == 1 else [],
    })


@login_required
def plan_detail(request, code):
    try:
        plan = selectors.plan_detail(request.user, code)
    except Plan.DoesNotExist as exc:
        raise Http404 from exc
    # A page of the targets the plan states (a national plan may state one per unit: 28,856).
    page = Paginator(selectors.plan_top_targets(request.user, plan), PLAN_TARGETS_PER_PAGE
                     ).get_page(request.GET.get("page"))
    top_level = list(page.object_list)
    coverage = selectors.decomposition_coverage(top_level, request.user)
    rows = [(t, coverage.get(t.pk, [])) for t in top_level]
    # 上下级方案目标链: for the page's first targets linked across plans, the chain from the
    # national target down (each level's number and progress; a long level below is counted).
    implemented = selectors.implemented_ids([t.pk for t in top_level])
    linked = [t for t in top_level if t.implements_id or t.pk in implemented]
    chains = [(t, _with_progress(chain(request.user, t))) for t in linked[:CHAINS_SHOWN]]
    return render(request, "targets/plan_detail.html", {
        "chains": chains,
        "chains_not_shown": len(linked) - len(chains),
        "plan": plan,
        "ancestry": plan.ancestry(),
        "implementing": plan.children.all(),
        "tasks": plan.tasks.all(),
        "rows": rows,
        "page": page,
        "counts": selectors.plan_target_counts(request.user, plan),
    })


@login_required
def target_detail(request, plan_code, code):
    try:
        target, children, coverage = selectors.target_detail(request.user, plan_code, code)
    except Target.DoesNotExist as exc:
        raise Http404 from exc
    by_axis = {c.axis: {"coverage": c, "children": []} for c in coverage}
    for child in children:
        child.share_pct = (
            (child.value / target.value * 100).quantize(Decimal("0.01"))
            if child.value is not None and target.value else None
        )
        by_axis.setdefault(child.axis, {"coverage": None, "children": []})["children"].append(child)
    cascade = cascade_coverage(request.user, target)
    return render(request, "targets/target_detail.html", {
        "target": target,
        "cascade": cascade,
        "chain": _with_progress(chain(request.user, target)),
        "axes": list(by_axis.values()),
    })


@login_required
def target_list(request):
    base = selectors.target_list(request.user).order_by(
        "plan__code", "period_start", "indicator__code", "org_unit__level", "org_unit__code"
    )
    filterset = TargetFilter(request.GET or None, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    selectors.attach_coverage(page.object_list, request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "targets/target_list.html", {
        "filter": filterset, "page": page, "total": page.paginator.count,
        "querystring": query.urlencode(),
    })


@login_required
def decomposition_list(request):
    parents = list(
        selectors.target_list(request.user).filter(children__isnull=False).distinct()
        .order_by("plan__code", "period_start", "indicator__code")
    )
    coverage = selectors.decomposition_coverage(parents, request.user)
    rows = [(t, c) for t in parents for c in coverage.get(t.pk, [])]
    return render(request, "targets/decomposition_list.html", {
        "rows": rows,
        "problems": sum(1 for _, c in rows if c.status in ("under", "over", "incomplete")),
    })


@login_required
def org_unit_tree(request):
    """The org tree one level at a time (3,673 units at national scale): the user's top units
    with the level below them, a unit's children on demand (`?parent=`), or a search (`?q=`)
    listing each match with its path."""
    text = (request.GET.get("q") or "").strip()[:50]
    parent_raw = request.GET.get("parent") or ""
    parent, path = None, []
    if text:
        rows = [(u, 0) for u in selectors.find_units(request.user, text)]
    else:
        if parent_raw.isdigit():
            parent = selectors.visible_units(request.user).filter(pk=int(parent_raw)).first()
            if parent is None:
                raise Http404
        rows, path = selectors.tree_level(request.user, parent)
    return render(request, "targets/org_unit_tree.html", {
        "rows": rows, "parent": parent, "path": path, "q": text,
        "limit": selectors.UNITS_FOUND})


def _with_progress(targets: list) -> list:
    """The targets of a chain, each with `progress` (its latest snapshot, or None)."""
    from skills_portal import hooks

    latest = hooks.progress.latest_of([t.pk for t in targets])
    for t in targets:
        t.progress = latest.get(t.pk)
    return targets

