"""Reads of the subsidies app. Every function that serves a user takes the user for scoping."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum

from org.access import VIEW, Scope
from org.closure import OrgUnitClosure
from skills_portal import clock

from . import rules
from .choices import COMMITTED_STATUSES, ClaimStatus, VoucherStatus
from .models import DECIDE, DECIDE_ROLES, Claim, PersonCertificate, Scheme, Voucher


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
    year = year or clock.today().year
    schemes = list(schemes)
    ids = [s.pk for s in schemes]
    committed = dict(
        Claim.unscoped.filter(scheme_id__in=ids, status__in=COMMITTED_STATUSES,
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


def totals(user, *, unit, year: int) -> dict:
    """Money and counts of one unit's subtree for a year, as the user may see them: per scheme,
    the amount approved (by approval date) and paid (by payment date), and the claims pending;
    vouchers issued that year by current status, and the amount redeemed. For the API; one
    grouped query over claims and one over vouchers."""

    subtree = OrgUnitClosure.objects.filter(ancestor=unit).values("descendant_id")
    approved = Q(status__in=COMMITTED_STATUSES, approved_on__year=year)
    paid = Q(status=ClaimStatus.PAID, paid_on__year=year)
    pending = Q(status=ClaimStatus.PENDING)
    rows = (Claim.objects.for_user(user).filter(org_unit__in=subtree)
            .filter(approved | paid | pending)
            .values("scheme_id", "scheme__code", "scheme__name", "scheme__rule_kind")
            .annotate(approved_amount=Sum("amount", filter=approved),
                      paid_amount=Sum("amount", filter=paid),
                      pending_count=Count("pk", filter=pending),
                      pending_amount=Sum("amount", filter=pending))
            .order_by("scheme__code"))
    schemes = [{"code": r["scheme__code"], "name": r["scheme__name"],
                "rule_kind": r["scheme__rule_kind"],
                "approved_amount": r["approved_amount"] or Decimal(0),
                "paid_amount": r["paid_amount"] or Decimal(0),
                "pending_count": r["pending_count"],
                "pending_amount": r["pending_amount"] or Decimal(0)} for r in rows]
    issued = Q(issued_on__year=year)
    redeemed = Q(status=VoucherStatus.REDEEMED, redeemed_on__year=year)
    vouchers = list(Voucher.objects.for_user(user).filter(org_unit__in=subtree)
                    .filter(issued | redeemed).values("status")
                    .annotate(n=Count("pk", filter=issued),
                              redeemed=Sum("redeemed_amount", filter=redeemed)).order_by())
    by_status = {r["status"]: r["n"] for r in vouchers}
    return {
        "year": year,
        "schemes": schemes,
        "approved_amount": sum((v["approved_amount"] for v in schemes), Decimal(0)),
        "paid_amount": sum((v["paid_amount"] for v in schemes), Decimal(0)),
        "vouchers_by_status": {s: by_status.get(s, 0) for s in VoucherStatus.values},
        "voucher_amount_redeemed": sum((r["redeemed"] or Decimal(0) for r in vouchers),
                                       Decimal(0)),
    }
