"""Writes of the progress app: marking changed unit-months for the roll-up, and roll-up
requests (#26): months rolled up again on an administrator's request or because a definition
changed. Lower layers reach `mark_for_rollup` through the `rollup` hook and
`definitions_changed` through the hook of that name (skills_portal.hooks), filled in
ProgressConfig.ready()."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from org.access import CHANGE, Scope
from org.choices import Role
from skills_portal import clock, hooks
from targets.measures import months_in
from targets.models import Plan, Target

from .choices import RollupReason, RollupRequestStatus
from .models import ProgressSnapshot, RollupMark, RollupRequest
from .tasks import SWEEP_QUEUED_KEY, SWEEP_QUEUED_SECONDS, rollup_sweep, run_rollup_request

logger = logging.getLogger(__name__)


def mark_for_rollup(*, pairs: Iterable[tuple[int, dt.date]]) -> int:
    """Mark (org unit id, month) pairs as needing a roll-up: each unit's earliest and latest
    month among them (the sweep rolls up the months between too). Call inside the transaction
    that changes the figures; one statement whatever the number of pairs."""
    now = timezone.now()
    # The sweep rolls up every month from the earliest marked one through the latest marked
    # one (or snapshot): a change in one month changes the year-to-date actuals of the months
    # after it. So a unit's earliest and latest months say all a write changed, and a year's
    # import marks two months per unit instead of twelve. Figures are stored on the first of
    # the month already: only other dates are moved.
    span: dict[int, tuple[dt.date, dt.date]] = {}
    for unit, month in pairs:
        if month.day != 1:
            month = month.replace(day=1)
        first, last = span.get(unit, (month, month))
        span[unit] = (min(first, month), max(last, month))
    months = sorted({(u, m) for u, ends in span.items() for m in ends})
    if not months:
        return 0
    if connection.vendor == "postgresql":
        # An import marks tens of thousands of (unit, month) pairs: one upsert over two arrays,
        # without a model instance per mark.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {RollupMark._meta.db_table} (org_unit_id, period, marked_at) "  # noqa: S608
                "SELECT u, p, %s FROM unnest(%s::bigint[], %s::date[]) AS m(u, p) "
                "ON CONFLICT (org_unit_id, period) DO UPDATE SET marked_at = EXCLUDED.marked_at",
                [now, [u for u, _ in months], [m for _, m in months]])
    else:
        RollupMark.objects.bulk_create(
            [RollupMark(org_unit_id=u, period=m, marked_at=now) for u, m in months],
            update_conflicts=True, unique_fields=["org_unit", "period"],
            update_fields=["marked_at"])
    if settings.ROLLUP_SWEEP_ON_COMMIT:
        transaction.on_commit(request_sweep)
    return len(months)


def request_sweep() -> None:
    """Ask Celery for a sweep. If the broker is down the marks stay in the database and the
    next scheduled sweep picks them up: a failed send loses nothing. In the embedded default
    (Celery eager) the sweep runs after the response, on this process's sweep thread
    (progress/background.py), so no write waits for the roll-up.

    With a broker, a save sends no sweep while one is queued and not yet started: that one
    will read this save's marks, committed before it starts (`SWEEP_QUEUED_KEY`). At month-end
    a message per save cost a twentieth of the web workers' time (issue #25), and the sweeps
    queued behind each other each rolled up the same months. The sweep starts
    ROLLUP_SWEEP_DELAY_SECONDS after the send, so that it takes in the saves made meanwhile."""
    eager = rollup_sweep.app.conf.task_always_eager
    if eager and settings.ROLLUP_SWEEP_IN_BACKGROUND:
        from . import background

        background.request()
        return
    if not eager and not cache.add(SWEEP_QUEUED_KEY, 1, settings.ROLLUP_SWEEP_DELAY_SECONDS
                                                       + SWEEP_QUEUED_SECONDS):
        # A queued sweep will read this commit's marks. (Redis down: so is the broker, and
        # the marks wait for the scheduled sweep.)
        return
    try:
        rollup_sweep.apply_async(retry=False, countdown=settings.ROLLUP_SWEEP_DELAY_SECONDS)
    except Exception:  # the broker is unreachable: logged, not raised to the user
        cache.delete(SWEEP_QUEUED_KEY)
        logger.warning("Could not reach the broker for a roll-up sweep; marks are kept.",
                       exc_info=True)


# --- roll-up requests (#26) -----------------------------------------------------------------
# A definition change that touches more plans than this (an indicator of the national
# catalogue) queues one request for every plan instead of one per plan: a month's roll-up
# recomputes every plan's targets anyway.
MAX_PLAN_REQUESTS = 20


def may_request_rollup(user) -> bool:
    """Administrators (of any unit) and superusers may ask for roll-ups; which plans, the
    request's plan decides (`check_request`)."""
    return Scope.of(user).has_role({Role.ADMIN})


def plan_window(plan: Plan | None) -> tuple[dt.date, dt.date] | None:
    """The months in which `plan` (every plan when None) can have snapshots: its period,
    widened to its targets' windows. None when it has neither."""
    targets = Target.unscoped.all() if plan is None else Target.unscoped.filter(plan=plan)
    span = targets.aggregate(first=Min("period_start"), last=Max("period_end"))
    firsts = [d for d in (span["first"], plan and plan.period_start) if d]
    lasts = [d for d in (span["last"], plan and plan.period_end) if d]
    if not firsts or not lasts:
        return None
    return min(firsts).replace(day=1), max(lasts).replace(day=1)


def check_request(*, user, plan: Plan | None, first: dt.date, last: dt.date
                  ) -> tuple[dt.date, dt.date]:
    """Whether `user` may roll up `plan` (every plan: superusers only) from `first` to `last`,
    and the months it comes to: those of the plan's window, up to the latest month that has
    ended (`skills_portal.clock`). PermissionDenied or ValidationError (Chinese messages, on
    `first_month` / `last_month` where they concern one)."""
    if plan is None:
        if not Scope.of(user).is_global:
            raise PermissionDenied(_("Only a system administrator may roll up every plan: "
                                     "choose a plan."))
    elif not Plan.objects.for_user(user, CHANGE).filter(pk=plan.pk).exists():
        raise PermissionDenied(_("You may not roll up this plan: only administrators of its "
                                 "issuing unit or above may."))
    first, last = first.replace(day=1), last.replace(day=1)
    if first > last:
        raise ValidationError({"last_month": _(
            "The last month (%(last)s) comes before the first (%(first)s).") % {
            "first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}})
    latest = clock.previous_month()
    if first > latest:
        raise ValidationError({"first_month": _(
            "%(first)s has not ended yet: the latest month that can be rolled up is "
            "%(latest)s.") % {"first": f"{first:%Y-%m}", "latest": f"{latest:%Y-%m}"}})
    window = plan_window(plan)
    if window is None:
        raise ValidationError(_("This plan has no targets and no period: there is nothing to "
                                "roll up.") if plan else _("No plan has targets: there is "
                                                           "nothing to roll up."))
    start, end = max(first, window[0]), min(last, window[1], latest)
    if start > end:
        raise ValidationError(_(
            "No month from %(first)s to %(last)s falls in the plan's window (%(start)s to "
            "%(end)s).") % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}",
                            "start": f"{window[0]:%Y-%m}", "end": f"{window[1]:%Y-%m}"})
    return start, end


def request_rollup(*, user, plan: Plan | None, first: dt.date, last: dt.date
                   ) -> tuple[RollupRequest, bool]:
    """An administrator's request to roll up `plan` (every plan: None) from `first` to
    `last`: checked (`check_request`), clamped to the months that can have snapshots, and
    queued after commit, to run in the background. (request, False) when a queued request
    already covers it: that one is answered instead of a second."""
    start, end = check_request(user=user, plan=plan, first=first, last=last)
    return queue_request(plan_id=plan.pk if plan else None, first=start, last=end,
                         reason=RollupReason.MANUAL, user=user)


def queue_request(*, plan_id: int | None, first: dt.date, last: dt.date, reason: str,
                  user=None) -> tuple[RollupRequest, bool]:
    """Queue a roll-up of `first` to `last` (already checked) unless a queued request of the
    same plan or of every plan covers those months; the task is sent after commit."""
    with transaction.atomic():
        covering = RollupRequest.unscoped.filter(
            status=RollupRequestStatus.QUEUED, first_month__lte=first, last_month__gte=last)
        covering = covering.filter(Q(plan__isnull=True) | Q(plan_id=plan_id)) if plan_id \
            else covering.filter(plan__isnull=True)
        existing = covering.order_by("requested_at", "pk").first()
        if existing is not None:
            return existing, False
        request = RollupRequest.unscoped.create(
            plan_id=plan_id, first_month=first, last_month=last, reason=reason,
            requested_by=user, months_total=months_in(first, last))
        if user is not None:
            hooks.audit.record_change(actor=user, obj=request, before=None,
                                      after=hooks.audit.snapshot(request))
        pk = request.pk
        transaction.on_commit(lambda: start_request(pk))
    return request, True


def start_request(pk: int) -> None:
    """Send a queued request to a worker. In the embedded default (Celery eager) it runs on
    the process's roll-up thread after the response (progress/background.py), so the request
    that made it never waits. A broker that cannot be reached loses nothing: the request
    stays queued and the beat sends it again (`redo_abandoned_rollups`)."""
    if run_rollup_request.app.conf.task_always_eager and settings.ROLLUP_SWEEP_IN_BACKGROUND:
        from . import background

        background.request("requests")
        return
    try:
        run_rollup_request.apply_async((pk,), retry=False)
    except Exception:  # the broker is unreachable: logged, not raised to the user
        logger.warning("Could not reach the broker for roll-up request %s; it stays queued.",
                       pk, exc_info=True)


class _Changes:
    """The definition changes of one transaction, {(plan id, reason): (first, last)},
    queued once after it commits (an import of a thousand targets queues one request per
    plan, not a thousand)."""

    def __init__(self):
        self.spans: dict[tuple[int, str], tuple[dt.date, dt.date]] = {}
        self.done = False

    def add(self, plan_ids, first: dt.date, last: dt.date, why: str) -> None:
        for plan_id in plan_ids:
            if plan_id is None:
                continue
            have = self.spans.get((plan_id, why))
            self.spans[(plan_id, why)] = (first, last) if have is None else \
                (min(have[0], first), max(have[1], last))

    def __call__(self):
        self.done = True
        queue_changes(self.spans)


def _changes_of_this_transaction() -> tuple[_Changes, bool]:
    conn = transaction.get_connection()
    changes = getattr(conn, "_rollup_definition_changes", None)
    if changes is not None and not changes.done and \
            any(func is changes for _sids, func, _robust in conn.run_on_commit):
        return changes, False
    changes = conn._rollup_definition_changes = _Changes()
    return changes, True


def definitions_changed(*, plan_ids: Iterable[int], months: tuple[dt.date, dt.date],
                        why: str) -> None:
    """A definition the snapshots of `plan_ids` depend on changed (the `definitions_changed`
    hook; `why` a `RollupReason`: target, indicator, decomposition) for the targets of
    `months` (first, last). After the transaction commits, the months already rolled up among
    them (from the earliest to the latest month with a snapshot, none after the latest month
    that has ended) are queued for a roll-up, one request per plan and reason. Off with
    ROLLUP_ON_DEFINITION_CHANGE (tests switch it on where they test it)."""
    if not settings.ROLLUP_ON_DEFINITION_CHANGE:
        return
    first, last = (m.replace(day=1) for m in months)
    changes, new = _changes_of_this_transaction()
    changes.add(plan_ids, first, last, why)
    if new:  # registered after the first change: outside a transaction it runs at once
        transaction.on_commit(changes, robust=True)


def queue_changes(spans: dict[tuple[int, str], tuple[dt.date, dt.date]]) -> list[RollupRequest]:
    if not spans:
        return []
    rolled = ProgressSnapshot.unscoped.aggregate(first=Min("period"), last=Max("period"))
    if rolled["first"] is None:
        return []  # nothing rolled up yet: the first roll-up reads the new definitions
    latest = min(rolled["last"], clock.previous_month())
    existing = set(Plan.unscoped.filter(pk__in={p for p, _why in spans})
                   .values_list("pk", flat=True))  # a deleted plan took its snapshots along
    by_reason: dict[str, dict[int, tuple[dt.date, dt.date]]] = {}
    for (plan_id, why), (first, last) in sorted(spans.items()):
        start, end = max(first, rolled["first"]), min(last, latest)
        if plan_id in existing and start <= end:
            by_reason.setdefault(why, {})[plan_id] = (start, end)
    queued = []
    for why, plans in by_reason.items():
        if len(plans) > MAX_PLAN_REQUESTS:
            plans = {None: (min(s for s, _e in plans.values()), max(e for _s, e in plans.values()))}
        for plan_id, (start, end) in plans.items():
            queued.append(queue_request(plan_id=plan_id, first=start, last=end, reason=why)[0])
    return queued
