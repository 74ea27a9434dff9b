"""Reads of the subsidies app. Every function that serves a user takes the user for scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from skills_portal.access import VIEW, Scope

from . import rules
from .choices import COMMITTED_STATUSES, ClaimStatus, VoucherStatus
from .models import DECIDE, Claim, PersonCertificate, Scheme, Voucher


def scheme_list(user):
    return (Scheme.objects.for_user(user).select_related("plan", "org_unit")
            .prefetch_related("rates", "budgets", "priority_occupations")
            .order_by("plan__code", "code"))


def scheme_for(user, pk: int, action: str = VIEW) -> Scheme:
    return Scheme.objects.for_user(user, action).select_related("plan", "org_unit").get(pk=pk)


def scheme_overview(user, schemes, *, year: int | None = None) -> list[dict]:
    """Each scheme with its rule summary, this year's budget, what is committed against it
    (all claims, whoever may see them: a budget is the scheme's) and the user's visible claim
    counts by status. Two grouped queries whatever the number of schemes."""
    year = year or timezone.localdate().year
    schemes = list(schemes)
    ids = [s.pk for s in schemes]
    committed = dict(
        Claim.objects.filter(scheme_id__in=ids, status__in=COMMITTED_STATUSES,
                             approved_on__year=year)
        .values_list("scheme_id").annotate(total=Sum("amount")).order_by())
    visible = Claim.objects.for_user(user).filter(scheme_id__in=ids)
    counts: dict[int, dict] = {}
    for row in visible.values("scheme_id", "status").annotate(
            n=Count("pk"), total=Sum("amount")).order_by():
        counts.setdefault(row["scheme_id"], {})[row["status"]] = (row["n"], row["total"])
    out = []
    for scheme in schemes:
        budget = next((b.amount for b in scheme.budgets.all() if b.year == year), None)
        used = committed.get(scheme.pk) or Decimal(0)
        out.append({
            "scheme": scheme,
            "summary": rules.rule_summary(scheme),
            "year": year,
            "budget": budget,
            "committed": used,
            "remaining": None if budget is None else budget - used,
            "has_budgets": bool(scheme.budgets.all()),
            "counts": [(ClaimStatus(s).label, *counts.get(scheme.pk, {}).get(s, (0, None)))
                       for s in ClaimStatus.values],
        })
    return out


def claim_list(user):
    return Claim.objects.for_user(user).select_related(
        "scheme", "org_unit", "award__competition", "certificate", "hire", "project", "voucher")


def claim_for(user, pk: int, action: str = VIEW) -> Claim:
    return claim_list(user).filter(
        pk__in=Claim.objects.for_user(user, action).values("pk")).get(pk=pk)


def claim_totals(queryset) -> list[tuple[str, int, Decimal]]:
    """(status label, count, amount) of the filtered claims."""
    rows = {r["status"]: (r["n"], r["total"] or Decimal(0)) for r in
            queryset.order_by().values("status").annotate(n=Count("pk"), total=Sum("amount"))}
    return [(ClaimStatus(s).label, *rows.get(s, (0, Decimal(0)))) for s in ClaimStatus.values]


def decidable_ids(user, claims) -> set[int]:
    ids = [c.pk for c in claims]
    return set(Claim.objects.for_user(user, DECIDE).filter(pk__in=ids)
               .values_list("pk", flat=True))


def can_decide(user) -> bool:
    from .models import DECIDE_ROLES

    return Scope.of(user).has_role(DECIDE_ROLES)


def with_id_display(user, records):
    records = list(records)
    for record in records:
        record.id_display = record.id_number_for(user)
    return records


def voucher_list(user):
    return Voucher.objects.for_user(user).select_related("scheme", "org_unit", "certificate")


def voucher_for(user, pk: int, action: str = VIEW) -> Voucher:
    return voucher_list(user).filter(
        pk__in=Voucher.objects.for_user(user, action).values("pk")).get(pk=pk)


def voucher_counts(queryset) -> list[tuple[str, int, Decimal]]:
    rows = {r["status"]: (r["n"], r["total"] or Decimal(0)) for r in
            queryset.order_by().values("status").annotate(n=Count("pk"),
                                                          total=Sum("redeemed_amount"))}
    return [(VoucherStatus(s).label, *rows.get(s, (0, Decimal(0)))) for s in VoucherStatus.values]


def certificate_for_voucher(user, voucher: Voucher, number: str) -> PersonCertificate | None:
    """The holder's certificate with this number, among certificates the user may read."""
    number = (number or "").strip()
    if not number:
        return None
    found = PersonCertificate.objects.for_user(user).filter(certificate_number=number)
    # The holder's own certificate if the number exists under several certificate types;
    # otherwise whatever has the number, so that the service can say it is someone else's.
    return found.filter(id_number=voucher.id_number).first() or found.first()


def writable_schemes(user):
    """Active schemes, offered for hand entry and vouchers to every member (schemes are
    published policy); the services check the record's scope and the scheme's unit."""
    return Scheme.objects.for_user(user).filter(is_active=True).select_related("plan")


def today() -> dt.date:
    return timezone.localdate()


def totals(user, *, unit, year: int) -> dict:
    """Money and counts of one unit's subtree for a year, as the user may see them: per scheme,
    the amount approved (by approval date) and paid (by payment date), and the claims pending;
    vouchers issued that year by current status, and the amount redeemed. For the dashboard
    and the API; four grouped queries."""
    from targets.models import OrgUnitClosure

    subtree = OrgUnitClosure.objects.filter(ancestor=unit).values("descendant_id")
    claims = Claim.objects.for_user(user).filter(org_unit__in=subtree)
    per_scheme: dict[int, dict] = {}

    def row(scheme_id):
        return per_scheme.setdefault(scheme_id, {
            "approved_amount": Decimal(0), "paid_amount": Decimal(0), "pending_count": 0,
            "pending_amount": Decimal(0)})

    for r in claims.filter(status__in=COMMITTED_STATUSES, approved_on__year=year).values(
            "scheme_id").annotate(total=Sum("amount")).order_by():
        row(r["scheme_id"])["approved_amount"] = r["total"]
    for r in claims.filter(status=ClaimStatus.PAID, paid_on__year=year).values(
            "scheme_id").annotate(total=Sum("amount")).order_by():
        row(r["scheme_id"])["paid_amount"] = r["total"]
    for r in claims.filter(status=ClaimStatus.PENDING).values("scheme_id").annotate(
            n=Count("pk"), total=Sum("amount")).order_by():
        row(r["scheme_id"]).update(pending_count=r["n"], pending_amount=r["total"])
    schemes = {s.pk: s for s in Scheme.objects.filter(pk__in=list(per_scheme))}
    vouchers = Voucher.objects.for_user(user).filter(org_unit__in=subtree, issued_on__year=year)
    by_status = dict(vouchers.values_list("status").annotate(n=Count("pk")).order_by())
    redeemed = Voucher.objects.for_user(user).filter(
        org_unit__in=subtree, status=VoucherStatus.REDEEMED, redeemed_on__year=year,
    ).aggregate(total=Sum("redeemed_amount"))["total"] or Decimal(0)
    return {
        "year": year,
        "schemes": [{"code": schemes[k].code, "name": schemes[k].name,
                     "rule_kind": schemes[k].rule_kind, **v}
                    for k, v in sorted(per_scheme.items(), key=lambda kv: schemes[kv[0]].code)],
        "approved_amount": sum((v["approved_amount"] for v in per_scheme.values()), Decimal(0)),
        "paid_amount": sum((v["paid_amount"] for v in per_scheme.values()), Decimal(0)),
        "vouchers_by_status": {s: by_status.get(s, 0) for s in VoucherStatus.values},
        "voucher_amount_redeemed": redeemed,
    }
