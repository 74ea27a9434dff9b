from django.conf import settings

from skills_portal.memo import Memo
from targets.models import DataValue

# The pages that show reported figures or what is computed from them (progress, bulletins,
# reports, records): the demo banner is shown there, and only where demo figures are within
# the user's units (#26). Set-up pages (plans' lists, imports, the admin, the audit trail, the
# org tree, schemes) show none.
FIGURE_PAGES = frozenset({
    "dashboard:index", "dashboard:bulletin_detail",
    "targets:plan_detail", "targets:target_detail", "targets:value_entry",
    "training:grid", "training:carrier_list", "certification:grid",
    "competitions:competition_list", "competitions:award_list",
    "reporting:list", "reporting:detail", "reporting:completeness",
    "subsidies:claim_list", "subsidies:voucher_list", "subsidies:record_list",
})


def _holds_demo_figures(user) -> bool:
    return DataValue.objects.for_user(user).filter(is_demo=True).exists()


# Whether demo figures lie within a user's units, remembered in the process per user for this
# long: asked on every figure page (a query over the user's subtree, a few percent of a grid
# page at month-end), and it changes only when the demo is generated or removed.
DEMO_MEMO_SECONDS = 30.0
_demo = Memo(_holds_demo_figures, seconds=DEMO_MEMO_SECONDS)


def shows_demo_figures(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if not request.user.is_authenticated or match is None or match.view_name not in FIGURE_PAGES:
        return False
    return _demo.get(request.user)  # a user is equal to, and hashed as, its primary key


def forget() -> None:
    """Forget what `shows_demo_figures` remembered (tests; the demo commands' own process)."""
    _demo.forget()


def portal(request):
    return {
        "portal_demo_data": shows_demo_figures(request),
        "portal_debug": settings.DEBUG,
    }
