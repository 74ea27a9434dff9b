"""Writes of the subsidies app: keyword-only, atomic, validated, scope-checked, audited.

- Records (certificate holders, hires, start-up projects) and schemes are saved through
  `scoped_save` (audited there).
- Claims are made from the records a scheme's rule looks at (`generate_claims`) or by hand
  (`create_claim`); the amount and its explanation always come from `rules.compute`. The
  database refuses a second claim on the same basis.
- `approve_claim` locks the scheme row (SELECT … FOR UPDATE) and then the claim, so approvals
  of one scheme are serialised: the per-enterprise cap and the annual budget are checked
  against what is committed, and two concurrent approvals cannot both pass a limit.
- Vouchers move one step at a time and are redeemed only against the holder's certificate.

Nothing here logs or repeats an ID number.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from competitions.models import Award
from org.access import CHANGE, Scope
from org.scoping import unscoped
from org.services import scoped_save
from skills_portal import clock, hooks
from skills_portal.hooks import audit
from skills_portal.identity import normalise_id_number

from . import rules
from .choices import (
    COMMITTED_STATUSES,
    OPEN_VOUCHER_STATUSES,
    VOUCHER_DATE_FIELD,
    VOUCHER_NEXT,
    ClaimStatus,
    RuleKind,
    VoucherStatus,
)
from .models import (
    DECIDE,
    DUPLICATE_CLAIM,
    Claim,
    Hire,
    PersonCertificate,
    PersonYearLimit,
    PriorityOccupation,
    Scheme,
    SchemeBudget,
    SchemeRate,
    StartupProject,
    TrainingRecord,
    Voucher,
)


def _refuse_if_locked(unit_id: int, day: dt.date) -> None:
    """A step dated in a month whose monthly report (the unit's or one above it) is approved
    is refused: the subsidy figures of an approved month stay as approved (amounts approved
    and paid, claims and vouchers counted in the month of their event). Only the month the
    step itself dates is checked, so a claim approved in May is still paid in June after
    May's report is approved; the entry window, which is for monthly figures, does not apply."""
    problems = hooks.entry_lock.entry_problems([(unit_id, None, day.replace(day=1))], window=False)
    if problems:
        raise ValidationError(problems, code="locked")


def _mark(unit_id: int, *days) -> None:
    """The roll-up counts claims and vouchers (measures.py): mark the months they change."""
    hooks.rollup.mark_for_rollup(pairs={(unit_id, day) for day in days if day is not None})


def _stored_language():
    """Explanations are stored text: written in the portal's language whoever triggers them."""
    return translation.override(settings.LANGUAGE_CODE)


# --------------------------------------------------------------------------------------------
# Records and schemes
# --------------------------------------------------------------------------------------------
def save_record(*, user, obj):
    """Save a certificate holder record, a hire or a start-up project inside `user`'s scope.
    A record that a claim or voucher already pays keeps its person and amounts-relevant facts:
    correct the claim first (reject it) if they were wrong."""
    if not isinstance(obj, PersonCertificate | Hire | StartupProject | TrainingRecord):
        raise TypeError(type(obj))
    with transaction.atomic():
        creating = obj._state.adding or obj.pk is None
        if creating:
            obj.created_by = user
        elif obj.claims.exclude(status=ClaimStatus.REJECTED).exists():
            stored = unscoped(type(obj)).get(pk=obj.pk)
            frozen = [f.name for f in obj._meta.concrete_fields
                      if f.name not in ("note", "updated_at", "created_by", "allowance_ends_on",
                                        "allowance_starts_on", "left_on", "insured_months")]
            changed = [f for f in frozen if getattr(stored, f) != getattr(obj, f)]
            if changed:
                raise ValidationError(_("Claims have been made on this record: its %(fields)s "
                                        "can no longer be changed.") % {"fields": "、".join(
                    str(obj._meta.get_field(f).verbose_name) for f in changed)})
        return scoped_save(user=user, obj=obj)


SCHEME_PARTS = {"rates": SchemeRate, "budgets": SchemeBudget,
                "priority_occupations": PriorityOccupation}


def save_scheme(*, user, scheme: Scheme, parts: dict[str, list[dict]] | None = None) -> Scheme:
    """Save a scheme inside `user`'s scope and, for each list in `parts` (`rates`, `budgets`,
    `priority_occupations`), replace the scheme's list by it: all or nothing, each item
    checked against the scheme as saved (its rule decides which keys an amount names). An
    error names the list and the item (第2项)."""
    parts = parts or {}

    def replace(saved: Scheme) -> None:
        errors: dict[str, list[str]] = {}
        for name, items in parts.items():
            model = SCHEME_PARTS[name]
            for old in model.objects.filter(scheme=saved):
                before = audit.snapshot(old)
                pk = old.pk
                old.delete()
                old.pk = pk  # the entry names the row that was deleted
                audit.record_change(actor=user, obj=old, before=before, after=None)
            for index, values in enumerate(items, start=1):
                row = model(scheme=saved, **values)
                try:
                    row.full_clean()
                except ValidationError as exc:
                    errors.setdefault(name, []).extend(
                        _("Item %(n)d: %(message)s") % {"n": index, "message": m}
                        for m in exc.messages)
                    continue
                row.save()
                audit.record_change(actor=user, obj=row, before=None, after=audit.snapshot(row))
        if errors:
            raise ValidationError(errors)

    return scoped_save(user=user, obj=scheme, after_save=replace if parts else None)


# --------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------
def _new_claim(scheme, computed: rules.Computed, *, basis: dict, period, user, manual: bool,
               note: str = "") -> Claim:
    return Claim(
        scheme=scheme, status=ClaimStatus.PENDING, period=period,
        org_unit_id=computed.org_unit_id, payee_name=computed.payee_name,
        payee_id_number=computed.payee_id_number, enterprise_name=computed.enterprise_name,
        enterprise_code=computed.enterprise_code, amount=computed.amount,
        explanation=computed.explanation, submitted_on=clock.today(), is_manual=manual, note=note,
        created_by=user, basis_on=computed.basis_on,
        **{k: v for k, v in basis.items() if v is not None},
    )


# --- per-person yearly limits (#22) ----------------------------------------------------------
# The first key of the advisory locks that count one person's claims under a limit.
LIMIT_LOCK_NAMESPACE = 22_000


def _limits_of(scheme) -> list[PersonYearLimit]:
    cached = getattr(scheme, "_person_limits", None)
    if cached is None:
        cached = list(PersonYearLimit.unscoped.filter(is_active=True, schemes=scheme)
                      .prefetch_related("schemes"))
        scheme._person_limits = cached
    return cached


def _lock_person(limit: PersonYearLimit, id_number: str) -> None:
    """Claims of one person under one limit are counted one at a time: a transaction-scoped
    advisory lock on PostgreSQL (SQLite writes one transaction at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [LIMIT_LOCK_NAMESPACE + limit.pk % 1000,
                            zlib.crc32(id_number.encode()) - 2**31])


def limit_problem(claim: Claim, *, pending=()) -> str:
    """Why `claim` would pass a per-person yearly limit of its scheme, naming the claims that
    already count ("" when it does not): live claims of the limit's schemes for the same
    person (ID number) whose training falls in the same year, plus `pending` (claims of the
    same run not yet saved). Takes the limit's lock first."""
    if not claim.payee_id_number:
        return ""
    year = (claim.basis_on or claim.submitted_on).year
    for limit in _limits_of(claim.scheme):
        if not rules.in_unit(limit, claim.org_unit_id):
            continue
        _lock_person(limit, claim.payee_id_number)
        counted = list(limit.schemes.all())
        earlier = list(Claim.unscoped.filter(
            scheme__in=counted, payee_id_number=claim.payee_id_number, basis_on__year=year)
            .exclude(status=ClaimStatus.REJECTED).exclude(pk=claim.pk)
            .select_related("scheme").order_by("basis_on", "pk"))
        earlier += [c for c in pending if c.payee_id_number == claim.payee_id_number
                    and c.scheme in counted and (c.basis_on or c.submitted_on).year == year]
        if len(earlier) >= limit.max_per_year:
            named = "；".join(
                f"{c.scheme.name} {(c.basis_on or c.submitted_on):%Y-%m-%d} "
                f"{rules.yuan(c.amount)}元（{c.get_status_display()}）" for c in earlier)
            return _("%(name)s has had %(n)s subsidised trainings in %(year)s, the most "
                     "%(limit)s allows (%(max)s a year): %(claims)s.") % {
                "name": claim.payee_name, "n": len(earlier), "year": year,
                "limit": limit.name, "max": limit.max_per_year, "claims": named}
    return ""


def _duplicate_message() -> str:
    """A concurrent claim on the same basis won the race past `full_clean`'s check."""
    return str(DUPLICATE_CLAIM)


def create_claim(*, user, scheme: Scheme, award=None, certificate=None, hire=None,
                 project=None, voucher=None, training=None, period: dt.date | None = None,
                 amount: Decimal | None = None, note: str = "") -> Claim:
    """A claim entered by hand: the basis record must be one the user may change, and the
    amount is computed by the scheme (or, for a range grant, decided within its range)."""
    basis = {"award": award, "certificate": certificate, "hire": hire, "project": project,
             "voucher": voucher, "training": training}
    with transaction.atomic(), _stored_language():
        _lock_scheme(scheme.pk)
        for record in basis.values():
            if record is not None and not type(record).objects.for_user(user, CHANGE).filter(
                    pk=record.pk).exists():
                raise PermissionDenied(_("You may not claim for this record: it is outside "
                                         "your scope."))
        try:
            computed = rules.compute(scheme, period=period, amount=amount, as_of=clock.today(),
                                     **basis)
        except rules.NotEligible as exc:
            raise ValidationError(exc.reason, code="not_eligible") from exc
        claim = _new_claim(scheme, computed, basis=basis, period=period, user=user, manual=True,
                           note=note)
        _refuse_if_locked(claim.org_unit_id, claim.submitted_on)
        problem = limit_problem(claim)
        if problem:
            raise ValidationError(problem, code="person_limit")
        try:  # full_clean refuses a second live claim on the same basis (Claim's constraints)
            with transaction.atomic():
                scoped_save(user=user, obj=claim)
                _mark(claim.org_unit_id, claim.submitted_on)
        except IntegrityError as exc:  # a concurrent claim on the same basis won
            raise ValidationError(_duplicate_message(), code="duplicate") from exc
    return claim


@dataclass
class GenerationReport:
    created: int = 0
    amount: Decimal = Decimal(0)
    skipped: Counter = field(default_factory=Counter)  # reason → count
    schemes: int = 0

    def lines(self) -> list[str]:
        out = [_("%(schemes)s schemes: %(created)s claims created, %(amount)s yuan.") % {
            "schemes": self.schemes, "created": self.created, "amount": rules.yuan(self.amount)}]
        out += [f"{reason}（{count}）" for reason, count in self.skipped.most_common(20)]
        return out


def _in_scheme_unit(queryset, scheme, unit_field="org_unit"):
    return queryset.filter(**{f"{unit_field}__ancestor_links__ancestor_id": scheme.org_unit_id})


def _end_of_validity(scheme) -> dt.date | None:
    return rules.month_end(scheme.valid_to) if scheme.valid_to else None


def _candidates(scheme: Scheme, *, as_of: dt.date, user=None):
    """(basis kwargs, period) pairs the scheme's rule looks at and that have no claim yet."""
    claimed = Claim.unscoped.filter(scheme=scheme)
    end = _end_of_validity(scheme)
    kind = scheme.rule_kind
    rates = list(scheme.rates.all())

    def scoped(qs):
        return qs if user is None else qs.filter(
            pk__in=qs.model.objects.for_user(user, CHANGE).values("pk"))

    if kind in (RuleKind.TIERED_AWARD, RuleKind.HONOUR):
        qs = _in_scheme_unit(Award.unscoped.all(), scheme).filter(
            awarded_on__gte=scheme.valid_from).exclude(
            pk__in=claimed.filter(award__isnull=False).values("award_id"))
        if end:
            qs = qs.filter(awarded_on__lte=end)
        if kind == RuleKind.TIERED_AWARD:
            qs = qs.filter(competition__level__in={r.competition_level for r in rates},
                           medal__in={r.medal for r in rates})
        else:
            qs = qs.filter(honour_title__in={r.honour_title for r in rates})
        for award in scoped(qs).select_related("competition").order_by("pk"):
            yield {"award": award}, None
    elif kind == RuleKind.MONTHLY_ALLOWANCE:
        qs = _in_scheme_unit(PersonCertificate.unscoped.all(), scheme).filter(
            level__in={r.certificate_level for r in rates}, issued_on__lt=as_of)
        if scheme.occupation_list():
            qs = qs.filter(occupation__in=scheme.occupation_list())
        if end:
            qs = qs.filter(issued_on__lte=end)
        qs = scoped(qs).exclude(allowance_ends_on__lt=scheme.valid_from)
        done = set(claimed.filter(certificate__isnull=False, period__isnull=False)
                   .values_list("certificate_id", "period"))
        for certificate in qs.order_by("pk"):
            for month in rules.allowance_months(scheme, certificate, until=as_of):
                if (certificate.pk, month) not in done:
                    yield {"certificate": certificate}, month
    elif kind == RuleKind.PER_HIRE:
        qs = _in_scheme_unit(Hire.unscoped.all(), scheme).filter(
            hired_on__gte=scheme.valid_from).exclude(
            pk__in=claimed.filter(hire__isnull=False).values("hire_id"))
        if end:
            qs = qs.filter(hired_on__lte=end)
        for hire in scoped(qs).select_related("certificate").order_by("pk"):
            yield {"hire": hire}, None
    elif kind == RuleKind.TRAINING_BY_LEVEL:
        # Vouchers are claimed when redeemed; this catches any redeemed without a claim.
        qs = Voucher.unscoped.filter(scheme=scheme, status=VoucherStatus.REDEEMED).exclude(
            pk__in=claimed.filter(voucher__isnull=False).values("voucher_id"))
        for voucher in scoped(qs).select_related("certificate").order_by("pk"):
            yield {"voucher": voucher}, None
    elif kind in (RuleKind.PER_DAY_PARTIAL, RuleKind.HOURS_PRORATA):
        qs = _in_scheme_unit(TrainingRecord.unscoped.all(), scheme).filter(
            ended_on__gte=scheme.valid_from, ended_on__lt=as_of).exclude(
            pk__in=claimed.filter(training__isnull=False).values("training_id"))
        if kind == RuleKind.PER_DAY_PARTIAL:
            qs = qs.filter(certified=False)
        if end:
            qs = qs.filter(ended_on__lte=end)
        for training in scoped(qs).order_by("ended_on", "pk"):
            yield {"training": training}, None
    # Range grants are decided by officers one by one: entered by hand.


def generate_claims(*, scheme: Scheme | None = None, user=None,
                    as_of: dt.date | None = None) -> GenerationReport:
    """Create the pending claims that active schemes' rules give for records not yet claimed.
    Run by a user, only records in their change scope and schemes they may read; run by the
    system (Celery, management command) with `user=None`, everything. Idempotent: a second run
    creates nothing.

    Each scheme is generated in one transaction holding its row lock (the lock approvals and
    hand entries of that scheme take too), so two runs cannot both create a claim; its new
    claims are written in bulk, audited with one `record_many` and marked for the roll-up with
    one statement."""
    as_of = as_of or clock.today()
    report = GenerationReport()
    schemes = Scheme.unscoped.filter(is_active=True).select_related("org_unit", "plan")
    if user is not None and not Scope.of(user).is_member:  # members read every scheme
        raise PermissionDenied(_("You do not have permission to do this."))
    if scheme is not None:
        schemes = schemes.filter(pk=scheme.pk)
    with _stored_language():
        for current in schemes.prefetch_related("rates", "priority_occupations"):
            report.schemes += 1
            with transaction.atomic():
                _lock_scheme(current.pk)
                claims = []
                for basis, period in _candidates(current, as_of=as_of, user=user):
                    try:
                        computed = rules.compute(current, period=period, as_of=as_of, **basis)
                    except rules.NotEligible as exc:
                        report.skipped[exc.reason] += 1
                        continue
                    claim = _new_claim(current, computed, basis=basis, period=period,
                                       user=user, manual=False)
                    problem = limit_problem(claim, pending=claims)
                    if problem:
                        report.skipped[_("a per-person yearly limit is reached")] += 1
                        continue
                    claims.append(claim)
                claims = _outside_approved_months(claims, report)
                _insert_claims(claims, user=user)
            report.created += len(claims)
            report.amount += sum((c.amount for c in claims), Decimal(0))
    return report


def _outside_approved_months(claims: list[Claim], report: GenerationReport) -> list[Claim]:
    """The claims whose submission month is not locked by an approved monthly report (a run
    dated back into an approved month); the others are counted as skipped, with the reason."""
    locked = {(unit, month) for unit, _d, month in hooks.entry_lock.locked_cells(
        {(c.org_unit_id, None, c.submitted_on) for c in claims})}
    kept = [c for c in claims if (c.org_unit_id, c.submitted_on.replace(day=1)) not in locked]
    if len(kept) < len(claims):
        report.skipped[_("the month's report is approved (claims of an approved month are "
                         "not created)")] += len(claims) - len(kept)
    return kept


def _lock_scheme(scheme_id: int) -> Scheme:
    """SELECT … FOR UPDATE on the scheme row: approvals, hand entries and generation of one
    scheme run one at a time (a no-op on SQLite, which writes one transaction at a time)."""
    return Scheme.unscoped.select_for_update().get(pk=scheme_id)


_CLAIM_RELATIONS = ["scheme", "award", "certificate", "hire", "project", "voucher", "org_unit",
                    "created_by", "approved_by", "paid_by", "rejected_by"]


def _insert_claims(claims: list[Claim], *, user) -> None:
    """Validate (field formats and the model's rules; the related rows come from the database),
    insert in bulk, audit in one statement, mark the roll-up in one statement."""
    if not claims:
        return
    for claim in claims:
        claim.clean_fields(exclude=_CLAIM_RELATIONS)
        claim.clean()
    Claim.unscoped.bulk_create(claims, batch_size=1000)
    audit.record_many(actor=user, action="create", model=Claim, rows=[
        {"object_id": c.pk, "org_unit_id": c.org_unit_id, "period": c.period,
         "before": None, "after": audit.snapshot(c), "object_repr": str(c),
         "note": "generate_claims"} for c in claims])
    hooks.rollup.mark_for_rollup(pairs={(c.org_unit_id, c.submitted_on) for c in claims})


# --- decisions -------------------------------------------------------------------------------
def _locked_claim(user, claim_id: int) -> tuple[Scheme, Claim]:
    """Lock the claim's scheme row, then the claim (always in this order), and check the user
    may decide it."""
    scheme_id = Claim.unscoped.filter(pk=claim_id).values_list("scheme_id", flat=True).first()
    if scheme_id is None:
        raise ValidationError(_("This claim no longer exists."))
    scheme = _lock_scheme(scheme_id)
    claim = Claim.unscoped.select_for_update().get(pk=claim_id)
    if not Claim.objects.for_user(user, DECIDE).filter(pk=claim.pk).exists():
        raise PermissionDenied(_("Only reviewers and administrators of the beneficiary's unit "
                                 "or a unit above it decide this claim."))
    return scheme, claim


def committed_total(scheme: Scheme, **filters) -> Decimal:
    total = Claim.unscoped.filter(scheme=scheme, status__in=COMMITTED_STATUSES, **filters)\
        .aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


def budget_position(scheme: Scheme, year: int) -> tuple[Decimal | None, Decimal]:
    """(the year's budget or None when the scheme has none, amount committed that year)."""
    budget = next((b.amount for b in scheme.budgets.all() if b.year == year), None)
    return budget, committed_total(scheme, approved_on__year=year)


def _transition(claim: Claim, user, action: str, changes: dict, note: str = "") -> Claim:
    before = audit.snapshot(claim)
    for name, value in changes.items():
        setattr(claim, name, value)
    claim.full_clean(validate_constraints=False)
    claim.save(update_fields=[*changes, "updated_at"])
    _mark(claim.org_unit_id, claim.approved_on, claim.paid_on)
    audit.record(actor=user, action=action, obj=claim, before=before,
                 after=audit.snapshot(claim), org_unit=claim.org_unit, note=note)
    return claim


def approve_claim(*, user, claim: Claim, on: dt.date | None = None) -> Claim:
    """pending → approved, if the per-enterprise cap and the year's budget allow it."""
    on = on or clock.today()
    with transaction.atomic():
        scheme, claim = _locked_claim(user, claim.pk)
        if claim.status != ClaimStatus.PENDING:
            raise ValidationError(_("Only a pending claim can be approved (this one is "
                                    "%(status)s).") % {"status": claim.get_status_display()})
        if claim.is_manual and claim.created_by_id == user.pk and not user.is_superuser:
            raise PermissionDenied(_("A claim entered by hand is approved by someone other "
                                     "than the person who entered it."))
        if not scheme.is_active:
            raise ValidationError(_("The scheme is not active: its claims cannot be approved."))
        _refuse_if_locked(claim.org_unit_id, on)
        problem = limit_problem(claim)  # a claim entered before the limit was set
        if problem:
            raise ValidationError(problem, code="person_limit")
        if scheme.cap_per_enterprise is not None and claim.enterprise_code:
            used = committed_total(scheme, enterprise_code=claim.enterprise_code)
            if used + claim.amount > scheme.cap_per_enterprise:
                raise ValidationError(_(
                    "Refused: %(enterprise)s has %(used)s yuan approved under this scheme; "
                    "%(amount)s more would exceed the cap of %(cap)s yuan per enterprise "
                    "(%(left)s yuan left).") % {
                    "enterprise": claim.enterprise_name, "used": rules.yuan(used),
                    "amount": rules.yuan(claim.amount),
                    "cap": rules.yuan(scheme.cap_per_enterprise),
                    "left": rules.yuan(scheme.cap_per_enterprise - used)}, code="cap")
        budgets = {b.year: b.amount for b in scheme.budgets.all()}  # one read
        if budgets:
            budget = budgets.get(on.year)
            if budget is None:
                raise ValidationError(_("The scheme has no budget for %(year)s: add the year's "
                                        "budget before approving.") % {"year": on.year},
                                      code="budget")
            used = committed_total(scheme, approved_on__year=on.year)
            if used + claim.amount > budget:
                raise ValidationError(_(
                    "Refused: %(used)s yuan of the %(year)s budget of %(budget)s yuan is "
                    "committed; %(amount)s more would exceed it (%(left)s yuan left).") % {
                    "used": rules.yuan(used), "year": on.year, "budget": rules.yuan(budget),
                    "amount": rules.yuan(claim.amount), "left": rules.yuan(budget - used)},
                    code="budget")
        return _transition(claim, user, "approve", {
            "status": ClaimStatus.APPROVED, "approved_on": on, "approved_by": user})


def reject_claim(*, user, claim: Claim, reason: str, on: dt.date | None = None) -> Claim:
    """pending → rejected, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"rejection_reason": _("Say why the claim is rejected.")})
    with transaction.atomic():
        _scheme, claim = _locked_claim(user, claim.pk)
        if claim.status != ClaimStatus.PENDING:
            raise ValidationError(_("Only a pending claim can be rejected (this one is "
                                    "%(status)s).") % {"status": claim.get_status_display()})
        return _transition(claim, user, "reject", {
            "status": ClaimStatus.REJECTED, "rejected_on": on or clock.today(), "rejected_by": user,
            "rejection_reason": reason}, note=reason)


def pay_claim(*, user, claim: Claim, paid_on: dt.date | None = None,
              reference: str = "") -> Claim:
    """approved → paid."""
    paid_on = paid_on or clock.today()
    with transaction.atomic():
        _scheme, claim = _locked_claim(user, claim.pk)
        if claim.status != ClaimStatus.APPROVED:
            raise ValidationError(_("Only an approved claim can be paid (this one is "
                                    "%(status)s).") % {"status": claim.get_status_display()})
        if paid_on < claim.approved_on:
            raise ValidationError({"paid_on": _("A claim cannot be paid before it was approved "
                                                "(%(day)s).") % {"day": claim.approved_on}})
        if paid_on > clock.today():
            raise ValidationError({"paid_on": _("The payment date cannot be in the future.")})
        _refuse_if_locked(claim.org_unit_id, paid_on)
        return _transition(claim, user, "pay", {
            "status": ClaimStatus.PAID, "paid_on": paid_on, "paid_by": user,
            "payment_reference": (reference or "").strip()})


# --------------------------------------------------------------------------------------------
# Training vouchers
# --------------------------------------------------------------------------------------------
def _voucher_number(day: dt.date) -> str:
    return f"PXQ{day:%Y%m%d}{secrets.token_hex(4).upper()}"


def issue_voucher(*, user, scheme: Scheme, org_unit, person_name: str, id_number: str,
                  occupation: str = "", issued_on: dt.date | None = None,
                  expires_on: dt.date) -> Voucher:
    """Issue a voucher to one named person under a training-subsidy scheme."""
    issued_on = issued_on or clock.today()
    voucher = Voucher(scheme=scheme, org_unit=org_unit, person_name=(person_name or "").strip(),
                      id_number=id_number, occupation=(occupation or "").strip(),
                      issued_on=issued_on, expires_on=expires_on, status=VoucherStatus.ISSUED,
                      number=_voucher_number(issued_on), created_by=user)
    with transaction.atomic():
        check_issue(scheme=scheme, org_unit=org_unit, id_number=id_number, issued_on=issued_on)
        _refuse_if_locked(org_unit.pk, issued_on)
        scoped_save(user=user, obj=voucher)
        _mark(voucher.org_unit_id, voucher.issued_on)
        return voucher


def check_issue(*, scheme: Scheme, org_unit, id_number: str, issued_on: dt.date) -> None:
    """Why a voucher cannot be issued, as a ValidationError naming the field."""
    if scheme.rule_kind != RuleKind.TRAINING_BY_LEVEL:
        raise ValidationError({"scheme": _("Vouchers are issued under a training-subsidy "
                                           "scheme.")})
    if not scheme.is_active or not scheme.in_force(issued_on):
        raise ValidationError({"scheme": _("The scheme is not in force on the issue date.")})
    if not rules.in_unit(scheme, org_unit.pk):
        raise ValidationError({"org_unit": _("The holder is outside %(unit)s, where the scheme "
                                             "applies.") % {"unit": scheme.org_unit.name}})
    if Voucher.unscoped.filter(scheme=scheme, id_number=normalise_id_number(id_number),
                              status__in=OPEN_VOUCHER_STATUSES).exists():
        raise ValidationError({"id_number": _("This person already holds an open voucher "
                                              "under this scheme.")})


def advance_voucher(*, user, voucher: Voucher, to_status: str, on: dt.date | None = None,
                    institution: str = "", certificate: PersonCertificate | None = None) -> Voucher:
    """Move a voucher one step along issue → enrolled → trained → assessed → certified →
    redeemed. Certifying names the holder's own certificate; redeeming computes the subsidy
    from it and creates the pending claim that pays it."""
    on = on or clock.today()
    with transaction.atomic(), _stored_language():
        voucher = Voucher.unscoped.select_for_update().get(pk=voucher.pk)
        if not Voucher.objects.for_user(user, CHANGE).filter(pk=voucher.pk).exists():
            raise PermissionDenied(_("You may not change this voucher: it is outside your "
                                     "scope."))
        current = VoucherStatus(voucher.status)
        wanted = VoucherStatus(to_status)
        expected = VOUCHER_NEXT.get(current)
        if expected is None:
            raise ValidationError(_("This voucher is %(status)s: it cannot move on.")
                                  % {"status": current.label})
        if wanted != expected:
            raise ValidationError(_("This voucher is %(status)s: the next step is %(next)s, not "
                                    "%(wanted)s. No step may be skipped.") % {
                "status": current.label, "next": expected.label, "wanted": wanted.label})
        previous = getattr(voucher, VOUCHER_DATE_FIELD[current])
        if on < previous:
            raise ValidationError({"on": _("This step cannot be dated before the previous one "
                                           "(%(day)s).") % {"day": previous.isoformat()}})
        if on > clock.today():
            raise ValidationError({"on": _("This step cannot be dated in the future.")})
        if on > voucher.expires_on:
            raise ValidationError({"on": _("The voucher expired on %(day)s.")
                                   % {"day": voucher.expires_on.isoformat()}})
        before = audit.snapshot(voucher)
        changes = {"status": wanted, VOUCHER_DATE_FIELD[wanted]: on}
        if wanted == VoucherStatus.ENROLLED:
            institution = (institution or "").strip()
            if not institution:
                raise ValidationError({"institution": _("Name the training institution.")})
            changes["institution"] = institution
        if wanted == VoucherStatus.CERTIFIED:
            _check_certificate(voucher, certificate, on)
            changes["certificate"] = certificate
        for name, value in changes.items():
            setattr(voucher, name, value)
        claim = None
        if wanted == VoucherStatus.REDEEMED:
            if voucher.certificate_id is None:
                raise ValidationError(_("No certificate, no value: a voucher is redeemed only "
                                        "against the holder's certificate."))
            _refuse_if_locked(voucher.org_unit_id, on)  # counted in its redemption month
            try:
                computed = rules.compute(voucher.scheme, voucher=voucher, as_of=on)
            except rules.NotEligible as exc:
                raise ValidationError(exc.reason, code="not_eligible") from exc
            voucher.redeemed_amount = computed.amount
            changes["redeemed_amount"] = computed.amount
            claim = _new_claim(voucher.scheme, computed, basis={"voucher": voucher}, period=None,
                               user=user, manual=False)
        voucher.full_clean()
        voucher.save(update_fields=[*changes, "updated_at"])
        audit.record(actor=user, action="update", obj=voucher, before=before,
                     after=audit.snapshot(voucher), org_unit=voucher.org_unit,
                     note=str(wanted.label))
        # Vouchers are counted by status in their issue month; redemptions in their month.
        _mark(voucher.org_unit_id, voucher.issued_on, voucher.redeemed_on)
        if claim is not None:
            try:
                with transaction.atomic():
                    claim.full_clean(validate_constraints=False)
                    claim.save()
            except IntegrityError as exc:
                raise ValidationError(_duplicate_message(), code="duplicate") from exc
            audit.record(actor=user, action="create", obj=claim, after=audit.snapshot(claim),
                         org_unit=claim.org_unit)
            _mark(claim.org_unit_id, claim.submitted_on)
    return voucher


def _check_certificate(voucher: Voucher, certificate, on: dt.date) -> None:
    if certificate is None:
        raise ValidationError({"certificate": _("No certificate, no value: name the "
                                                "certificate the holder obtained.")})
    if certificate.id_number != voucher.id_number:
        raise ValidationError({"certificate": _("The certificate belongs to another person: a "
                                                "voucher is bound to its holder and cannot be "
                                                "transferred.")})
    if certificate.issued_on < voucher.issued_on or certificate.issued_on > on:
        raise ValidationError({"certificate": _("The certificate must be issued between the "
                                                "voucher's issue (%(issued)s) and this step.")
                               % {"issued": voucher.issued_on.isoformat()}})
    if voucher.occupation and certificate.occupation != voucher.occupation:
        raise ValidationError({"certificate": _("The certificate is for %(got)s; the voucher "
                                                "was issued for %(want)s.") % {
            "got": certificate.occupation, "want": voucher.occupation}})
    if Voucher.unscoped.filter(certificate=certificate).exclude(pk=voucher.pk).exists():
        raise ValidationError({"certificate": _("This certificate has already redeemed a "
                                                "voucher.")})


def expire_vouchers(*, today: dt.date | None = None) -> int:
    """Void vouchers not redeemed by their expiry date. Returns how many."""
    today = today or clock.today()
    with transaction.atomic():
        expiring = list(Voucher.unscoped.select_for_update().filter(
            status__in=OPEN_VOUCHER_STATUSES, expires_on__lt=today)
            .values_list("pk", "number", "org_unit_id", "issued_on", "status"))
        if not expiring:
            return 0
        Voucher.unscoped.filter(pk__in=[row[0] for row in expiring]).update(
            status=VoucherStatus.EXPIRED, expired_on=today, updated_at=timezone.now())
        audit.record_many(actor=None, action="update", model=Voucher, rows=[
            {"object_id": pk, "object_repr": number, "org_unit_id": unit_id, "period": None,
             "before": {"id": pk, "status": status, "expired_on": None},
             "after": {"id": pk, "status": VoucherStatus.EXPIRED.value,
                       "expired_on": today.isoformat()},
             "note": "expired"} for pk, number, unit_id, _issued, status in expiring])
        # Vouchers are counted by status in their issue month.
        hooks.rollup.mark_for_rollup(pairs={(unit_id, issued) for _pk, _n, unit_id, issued, _s in expiring})
    return len(expiring)
