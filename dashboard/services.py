"""Writes of the dashboard app: issuing monthly bulletins (一月一通报).

A bulletin freezes what the progress snapshots say about a plan, an org unit and its children
for a month. The roll-up's Celery task issues the first one of each month for every unit that
has children to rank (`issue_monthly_bulletins`); a reviewer or administrator may issue a new
version on demand (`issue_bulletin`), which keeps the earlier ones as they were.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from audit.services import record
from org.choices import Role
from org.closure import OrgUnitClosure
from org.models import Membership, OrgUnit, OrgUnitGroup
from org.services import scoped_save
from progress.choices import RollupStatus, WarningColour
from progress.models import ProgressSnapshot, RollupRun
from reporting.choices import REPORTED
from reporting.models import MonthlyReport
from reporting.schedule import rules_for
from reporting.services import notify
from skills_portal import clock
from targets.choices import still_needed
from targets.models import Plan, Target

from . import selectors
from .models import Bulletin, Trigger, WarningNotice


def month_run(month: dt.date) -> dict | None:
    """The month's latest succeeded roll-up ({"pk", "finished_at"}), which a bulletin names."""
    return (RollupRun.unscoped.filter(period=month, status=RollupStatus.SUCCEEDED)
            .order_by("-finished_at").values("pk", "finished_at").first())


def bulletin_content(*, plan: Plan, org_unit: OrgUnit, month: dt.date, run: dict | None
                     ) -> dict:
    """What the bulletin says, from the month's snapshots (unscoped: the scope is checked on
    the bulletin itself); `run` is the month's roll-up (`month_run`)."""
    body = selectors.report(None, plan_id=plan.pk, unit=org_unit, month=month)
    if not body["headline"] and not body["series"] and not body["departments"]:
        raise ValidationError(_(
            "%(unit)s has no progress snapshot of %(plan)s for %(month)s: roll the month up "
            "first.") % {"unit": org_unit.name, "plan": plan.short_name,
                         "month": f"{month:%Y年%m月}"})
    return {
        "plan": {"code": plan.code, "short_name": plan.short_name, "title": plan.title,
                 "doc_number": plan.doc_number, "issuer": plan.issuer},
        "unit": {"id": org_unit.pk, "code": org_unit.code, "name": org_unit.name},
        "month": f"{month:%Y-%m}",
        "run": {"id": run["pk"], "finished_at": run["finished_at"].isoformat()
                if run and run["finished_at"] else None} if run else None,
        **body,
        "groups": _group_sections(plan, org_unit, month),
    }


def _group_sections(plan: Plan, org_unit: OrgUnit, month: dt.date) -> list[dict]:
    """The org-unit groups the plan states targets for, at this unit or above it (#22): each
    group's total and its members here, ranked (`selectors.group_report`)."""
    above = OrgUnitClosure.objects.filter(descendant_id=org_unit.pk).values("ancestor_id")
    named = OrgUnitGroup.unscoped.filter(
        targets__plan=plan, targets__org_unit__in=above).distinct().order_by("name")
    sections = []
    for group in named:
        section = selectors.group_report(None, plan_id=plan.pk, unit=org_unit, month=month,
                                         group=group)
        if section["series"]:
            sections.append(section)
    return sections


def _next_version(plan: Plan, org_unit: OrgUnit, month: dt.date) -> int:
    last = Bulletin.unscoped.select_for_update().filter(
        plan=plan, org_unit=org_unit, period=month).aggregate(v=Max("version"))["v"]
    return (last or 0) + 1


def issue_bulletin(*, user, plan: Plan, org_unit: OrgUnit, month: dt.date) -> Bulletin:
    """Issue a (new version of the) bulletin on demand. Only reviewers and administrators of
    the unit or above may; earlier versions stay as they were issued."""
    month = month.replace(day=1)
    with transaction.atomic():
        content = bulletin_content(plan=plan, org_unit=org_unit, month=month,
                                   run=month_run(month))
        bulletin = Bulletin(plan=plan, org_unit=org_unit, period=month, trigger=Trigger.MANUAL,
                            version=_next_version(plan, org_unit, month), issued_by=user,
                            run_id=(content["run"] or {}).get("id"), content=content)
        return scoped_save(user=user, obj=bulletin)


def bulletin_units(plan: Plan, month: dt.date) -> list[OrgUnit]:
    """Units that get a bulletin of `plan` for `month`: the issuing unit and every unit below
    it with a child holding a target of the plan in force that month."""
    in_force = Target.unscoped.filter(plan=plan, period_start__lte=month, period_end__gte=month)
    parents = in_force.filter(department__isnull=True, org_unit__parent__isnull=False) \
        .values("org_unit__parent_id")
    below_issuer = OrgUnitClosure.objects.filter(ancestor_id=plan.issuer_unit_id) \
        .values("descendant_id")
    return list(OrgUnit.unscoped.filter(Q(pk__in=parents, id__in=below_issuer)
                                       | Q(pk=plan.issuer_unit_id)).order_by("level", "code"))


def issue_monthly_bulletins(*, month: dt.date) -> list[Bulletin]:
    """After a roll-up of `month`: the first bulletin of every plan and unit that has none
    for that month yet. A bulletin already issued is never replaced, so re-running a month's
    roll-up leaves last month's bulletin as it was sent."""

    month = month.replace(day=1)
    issued = []
    run = month_run(month)  # one lookup for every plan and unit of the month
    plans = Plan.unscoped.filter(is_reference=False, targets__period_start__lte=month,
                                targets__period_end__gte=month).distinct().order_by("code")
    for plan in plans:
        done = set(Bulletin.unscoped.filter(plan=plan, period=month)
                   .values_list("org_unit_id", flat=True))
        for unit in bulletin_units(plan, month):
            if unit.pk in done:
                continue
            try:
                content = bulletin_content(plan=plan, org_unit=unit, month=month, run=run)
            except ValidationError:
                continue  # nothing rolled up for this unit yet
            with transaction.atomic():
                bulletin = Bulletin(plan=plan, org_unit=unit, period=month,
                                    trigger=Trigger.ROLLUP, version=1,
                                    run_id=(content["run"] or {}).get("id"), content=content)
                bulletin.full_clean()
                bulletin.save()
                record(actor=None, action="create", obj=bulletin,
                       note="一月一通报：月度汇总后自动生成")
            issued.append(bulletin)
    return issued


# --- red warnings (预警) -----------------------------------------------------------------------
def notify_red_warnings(*, month: dt.date, today: dt.date | None = None) -> dict:
    """Tell the reviewers of every unit with a target in red warning in `month` (projected to
    reach less than the red threshold by its window's end): an in-app notice to each reviewer
    and administrator of the unit and of the unit directly above, once per unit and month.

    Only once the unit's figures for the month are in — its monthly report submitted or
    approved, or the month's reporting deadline passed — so that a county that has not yet
    entered the month is not called red for it. The WarningNotice rows are inserted with ON
    CONFLICT DO NOTHING against their unique constraint and only the rows this run inserted
    are told, so a second run — or a second worker at the same time — tells nothing again."""
    month = month.replace(day=1)
    today = today or clock.today()
    told = WarningNotice.unscoped.filter(period=month).values("org_unit_id")
    reds: dict[int, list[dict]] = {}
    for row in (ProgressSnapshot.unscoped
                .filter(period=month, warning=WarningColour.RED)
                .exclude(target__org_unit_id__in=told)
                .values("target__org_unit_id", "target__org_unit__parent_id",
                        "target__org_unit__name", "target__indicator__name",
                        "target__indicator__unit", "completion_rate", "projected_completion",
                        "required_pace")
                .order_by("target__org_unit_id", "projected_completion", "target_id")):
        reds.setdefault(row["target__org_unit_id"], []).append(row)
    sent = {"month": f"{month:%Y-%m}", "units": 0, "notices": 0}
    if reds:
        reported = set(MonthlyReport.unscoped.filter(
            period=month, department__isnull=True, status__in=REPORTED,
            org_unit_id__in=list(reds)).values_list("org_unit_id", flat=True))
        rules = rules_for([(unit, month) for unit in reds if unit not in reported])
        reds = {unit: rows for unit, rows in reds.items()
                if unit in reported or today > rules[(unit, month)].deadline(month)}
    if not reds:
        return sent
    parent = {unit: rows[0]["target__org_unit__parent_id"] for unit, rows in reds.items()}
    reviewers: dict[int, dict[int, object]] = {}
    for m in (Membership.unscoped.filter(
            org_unit_id__in={*reds, *(p for p in parent.values() if p)},
            department__isnull=True, user__is_active=True,
            role__in=[Role.REVIEWER, Role.ADMIN]).select_related("user")):
        reviewers.setdefault(m.org_unit_id, {})[m.user_id] = m.user
    # The unit's reviewers and those of the unit above.
    told_to = {unit: {**reviewers.get(unit, {}), **reviewers.get(parent[unit], {})}
               for unit in reds}
    run = uuid.uuid4()
    WarningNotice.unscoped.bulk_create(
        [WarningNotice(org_unit_id=unit, period=month, run=run, targets=len(rows),
                       recipients=len(told_to[unit])) for unit, rows in reds.items()],
        ignore_conflicts=True)
    mine = list(WarningNotice.unscoped.filter(run=run).values_list("org_unit_id", flat=True))
    for unit in mine:
        rows = reds[unit]
        lines = [_("%(indicator)s: %(rate)s done, %(projected)s projected by the end; "
                   "%(need)s %(unit)s a month still needed") % {
                     "indicator": r["target__indicator__name"],
                     "rate": _percent(r["completion_rate"]),
                     "projected": _percent(r["projected_completion"]),
                     "need": "—" if r["required_pace"] is None else
                     f"{still_needed(r['required_pace'], r['target__indicator__unit']):,}",
                     "unit": r["target__indicator__unit"]} for r in rows]
        title = _("Red warning: %(unit)s, %(month)s (%(n)s targets)") % {
            "unit": rows[0]["target__org_unit__name"], "month": f"{month.year}年{month.month}月",
            "n": len(rows)}
        link = f"{reverse('dashboard:index')}?unit={unit}&month={month:%Y-%m}"
        sent["notices"] += notify(users=list(told_to[unit].values()), title=title,
                                  body="\n".join(lines), link=link)
        sent["units"] += 1
    return sent


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
