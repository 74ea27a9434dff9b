"""What a scheme pays for one basis record, and why: the rule kinds as code, their parameters
as data (the scheme's fields, rates, multipliers). Pure reads; `services.py` writes.

Proration of monthly allowances: **whole months only**. A month is paid when the holder is
eligible on every day of it — the certificate was issued (and, for a holder recruited from
elsewhere, the post taken up: `allowance_starts_on`) on or before the 1st, and eligibility
(`allowance_ends_on`, the day the holder left) ends after the month's last day — and the month
is within the scheme's months in force. A month started or ended part-way is not paid: a holder
certified on 15 March is paid from April; one who left on 20 October is paid up to September.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from competitions.choices import RecipientKind
from org import options
from org.closure import OrgUnitClosure
from targets.measures import months_between, next_month

from .choices import RuleKind, VoucherStatus
from .models import SchemeRate, TrainingRecord, Voucher

CENT = Decimal("0.01")


class NotEligible(Exception):
    """The basis does not qualify under the scheme; `reason` says why, in the user's words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Computed:
    amount: Decimal
    explanation: str
    org_unit_id: int
    payee_name: str
    payee_id_number: str = ""
    enterprise_name: str = ""
    enterprise_code: str = ""
    # The training's (or certificate's) date: the year a per-person yearly limit counts.
    basis_on: dt.date | None = None


def yuan(value: Decimal | int | None) -> str:
    """150000 → '150,000'; 1234.5 → '1,234.50'."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(CENT):,}"


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def in_unit(scheme, unit_id: int) -> bool:
    """Is the unit at or below the scheme's unit? The subtree is read once per scheme object
    (generation checks thousands of records against it)."""
    subtree = getattr(scheme, "_subtree_ids", None)
    if subtree is None or scheme.__dict__.get("_subtree_of") != scheme.org_unit_id:
        subtree = set(OrgUnitClosure.objects.filter(ancestor_id=scheme.org_unit_id)
                      .values_list("descendant_id", flat=True))
        scheme._subtree_ids, scheme._subtree_of = subtree, scheme.org_unit_id
    return unit_id in subtree


def _rates(scheme) -> list[SchemeRate]:
    cached = getattr(scheme, "_rates_cache", None)
    if cached is None:
        cached = list(scheme.rates.all())
        scheme._rates_cache = cached
    return cached


def match_rate(scheme, **attrs) -> SchemeRate:
    """The most specific rate whose keys all match `attrs`."""
    best, best_size, tie = None, -1, False
    for rate in _rates(scheme):
        keys = rate.key_values()
        if all(attrs.get(k) == v for k, v in keys.items()):
            if len(keys) > best_size:
                best, best_size, tie = rate, len(keys), False
            elif len(keys) == best_size:
                tie = True
    if best is None:
        what = " ".join(str(v) for v in attrs.values() if v)
        raise NotEligible(_("The scheme sets no amount for %(what)s.") % {"what": what or "—"})
    if tie:
        raise NotEligible(_("Two amounts of the scheme apply equally: make the rates "
                            "unambiguous."))
    return best


def _check_unit_and_date(scheme, unit_id: int, day: dt.date, what: str) -> None:
    if not in_unit(scheme, unit_id):
        raise NotEligible(_("The beneficiary is outside %(unit)s, where the scheme applies.")
                          % {"unit": scheme.org_unit.name})
    if not scheme.in_force(day):
        raise NotEligible(_("%(what)s (%(day)s) is outside the months the scheme is in force.")
                          % {"what": what, "day": day.isoformat()})


def allowance_months(scheme, certificate, *, until: dt.date) -> list[dt.date]:
    """Whole months in force for which `certificate`'s holder is paid, up to the last month
    that has ended before `until` (see the module docstring)."""
    starts = max(certificate.issued_on, certificate.allowance_starts_on or certificate.issued_on)
    first = starts if starts.day == 1 else next_month(starts)
    first = max(first.replace(day=1), scheme.valid_from)
    last = (until.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the last month ended
    if scheme.valid_to is not None:
        last = min(last, scheme.valid_to)
    months = months_between(first, last) if first <= last else []
    ends = certificate.allowance_ends_on
    return [m for m in months if ends is None or ends > month_end(m)]


# --------------------------------------------------------------------------------------------
def compute(scheme, *, award=None, certificate=None, hire=None, project=None, voucher=None,
            training=None, period: dt.date | None = None, amount: Decimal | None = None,
            as_of: dt.date) -> Computed:
    """What `scheme` pays for the basis record given, with a human-readable explanation.
    Raises NotEligible with the reason when it pays nothing."""
    if not scheme.is_active:
        raise NotEligible(_("The scheme is not active."))
    kind = scheme.rule_kind
    if amount is not None and kind != RuleKind.BOUNDED_GRANT:
        raise NotEligible(_("This scheme computes the amount itself; only grants decided "
                            "within a range take an amount."))
    if period is not None and kind != RuleKind.MONTHLY_ALLOWANCE:
        raise NotEligible(_("Only monthly allowances are claimed per month."))
    handler = {
        RuleKind.TIERED_AWARD: (_tiered_award, award, _("an award or honour")),
        RuleKind.HONOUR: (_honour, award, _("an award or honour")),
        RuleKind.MONTHLY_ALLOWANCE: (_allowance, certificate, _("a certificate holder record")),
        RuleKind.PER_HIRE: (_per_hire, hire, _("a hire of a certified person")),
        RuleKind.BOUNDED_GRANT: (_bounded_grant, project, _("a start-up project")),
        RuleKind.TRAINING_BY_LEVEL: (_training, voucher or certificate,
                                     _("a training voucher or a certificate holder record")),
        RuleKind.PER_DAY_PARTIAL: (_per_day, training, _("a training attendance record")),
        RuleKind.HOURS_PRORATA: (_hours, training, _("a training attendance record")),
    }[kind]
    function, basis, expected = handler
    given = [b for b in (award, certificate, hire, project, voucher, training) if b is not None]
    if basis is None or len(given) != 1:
        raise NotEligible(_("A claim under this scheme is made for %(what)s.")
                          % {"what": expected})
    return function(scheme, basis, period=period, amount=amount, as_of=as_of)


def _tiered_award(scheme, award, *, as_of, **_kw) -> Computed:
    if award.competition_id is None:
        raise NotEligible(_("The award names no competition."))
    _check_unit_and_date(scheme, award.org_unit_id, award.awarded_on, _("The award date"))
    competition = award.competition
    rate = match_rate(scheme, competition_level=competition.level, medal=award.medal)
    level, medal = competition.get_level_display(), award.get_medal_display()
    if award.recipient_kind == RecipientKind.COACH_TEAM:
        if not scheme.team_same_again:
            raise NotEligible(_("The scheme does not reward coaching teams."))
        explanation = _("%(level)s %(medal)s: the coaching (technical) team is paid the same "
                        "as the competitor, %(amount)s yuan, one-off.")
    elif award.recipient_kind == RecipientKind.TEAM:
        explanation = _("%(level)s %(medal)s: %(amount)s yuan one-off for the team.")
    else:
        explanation = _("%(level)s %(medal)s: %(amount)s yuan one-off for the competitor.")
    text = explanation % {"level": level, "medal": medal, "amount": yuan(rate.amount)}
    if scheme.team_same_again and award.recipient_kind != RecipientKind.COACH_TEAM:
        text += " " + _("Its coaching (technical) team gets the same again on its own award "
                        "record.")
    return Computed(rate.amount, text, award.org_unit_id, award.recipient_name,
                    award.recipient_id_number, award.employer)


def _honour(scheme, award, *, as_of, **_kw) -> Computed:
    if not award.honour_title:
        raise NotEligible(_("The award carries no honour title."))
    if award.recipient_kind != RecipientKind.INDIVIDUAL:
        raise NotEligible(_("Honour awards are paid to individuals."))
    _check_unit_and_date(scheme, award.org_unit_id, award.awarded_on, _("The award date"))
    rate = match_rate(scheme, honour_title=award.honour_title, honour_level=award.honour_level)
    text = _("%(level)s %(title)s: %(amount)s yuan per person, one-off.") % {
        "level": award.get_honour_level_display(), "title": award.get_honour_title_display(),
        "amount": yuan(rate.amount)}
    return Computed(rate.amount, text, award.org_unit_id, award.recipient_name,
                    award.recipient_id_number, award.employer)


def _occupation_ok(scheme, occupation: str) -> None:
    allowed = scheme.occupation_list()
    if allowed and occupation not in allowed:
        raise NotEligible(_("%(occupation)s is not on the scheme's list of occupations.")
                          % {"occupation": occupation})


def _allowance(scheme, certificate, *, period, as_of, **_kw) -> Computed:
    if period is None:
        raise NotEligible(_("A monthly allowance is claimed for a month."))
    period = period.replace(day=1)
    if not in_unit(scheme, certificate.org_unit_id):
        raise NotEligible(_("The beneficiary is outside %(unit)s, where the scheme applies.")
                          % {"unit": scheme.org_unit.name})
    _occupation_ok(scheme, certificate.occupation)
    rate = match_rate(scheme, certificate_level=certificate.level)
    if period not in allowance_months(scheme, certificate, until=as_of):
        raise NotEligible(_(
            "%(month)s is not a whole month in force for this holder: allowances are paid for "
            "whole months only, from the first full month after the certificate was issued, "
            "within the scheme's months, once the month has ended.") % {
            "month": f"{period:%Y-%m}"})
    text = _("%(level)s %(occupation)s allowance for %(month)s: %(rate)s yuan a month for 1 "
             "whole month = %(amount)s yuan (certificate issued %(issued)s; whole months only).") % {
        "level": certificate.get_level_display(), "occupation": certificate.occupation,
        "month": f"{period:%Y-%m}", "rate": yuan(rate.amount), "amount": yuan(rate.amount),
        "issued": certificate.issued_on.isoformat()}
    if certificate.allowance_starts_on and certificate.allowance_starts_on > certificate.issued_on:
        text += " " + _("Eligible from %(day)s (took up the post here).") % {
            "day": certificate.allowance_starts_on.isoformat()}
    return Computed(rate.amount, text, certificate.org_unit_id, certificate.person_name,
                    certificate.id_number, certificate.employer)


def _per_hire(scheme, hire, *, as_of, **_kw) -> Computed:
    _check_unit_and_date(scheme, hire.org_unit_id, hire.hired_on, _("The hiring date"))
    if scheme.sme_only and not hire.is_sme:
        raise NotEligible(_("The scheme is for small, medium and micro enterprises only."))
    months = scheme.min_employment_months
    kept_until = add_months(hire.hired_on, months)
    if hire.left_on is not None and hire.left_on < kept_until:
        raise NotEligible(_("The employee left before %(months)s months of employment.")
                          % {"months": months})
    if as_of < kept_until:
        raise NotEligible(_("The employee has not yet been employed for %(months)s months "
                            "(from %(day)s).") % {"months": months, "day": kept_until.isoformat()})
    if hire.insured_months < months:
        raise NotEligible(_("Social insurance was paid for %(paid)s months; %(months)s are "
                            "required.") % {"paid": hire.insured_months, "months": months})
    rate = match_rate(scheme, certificate_level=hire.certificate.level)
    text = _("One certified person hired on %(day)s and kept %(months)s months with social "
             "insurance paid: %(amount)s yuan per person.") % {
        "day": hire.hired_on.isoformat(), "months": months, "amount": yuan(rate.amount)}
    if scheme.cap_per_enterprise is not None:
        text += " " + _("At most %(cap)s yuan per enterprise in total (checked at approval).") % {
            "cap": yuan(scheme.cap_per_enterprise)}
    return Computed(rate.amount, text, hire.org_unit_id, hire.enterprise_name, "",
                    hire.enterprise_name, hire.enterprise_code)


def _bounded_grant(scheme, project, *, amount, as_of, **_kw) -> Computed:
    _check_unit_and_date(scheme, project.org_unit_id, project.started_on,
                         _("The project's start date"))
    if amount is None:
        raise NotEligible(_("Enter the amount decided, between %(low)s and %(high)s yuan.") % {
            "low": yuan(scheme.min_amount), "high": yuan(scheme.max_amount)})
    amount = Decimal(amount)
    if amount != amount.quantize(CENT) or not scheme.min_amount <= amount <= scheme.max_amount:
        raise NotEligible(_("The amount %(amount)s yuan is outside the scheme's range, "
                            "%(low)s to %(high)s yuan.") % {
            "amount": yuan(amount), "low": yuan(scheme.min_amount),
            "high": yuan(scheme.max_amount)})
    text = _("One-off grant decided by the officers: %(amount)s yuan (the scheme allows "
             "%(low)s to %(high)s yuan).") % {"amount": yuan(amount), "low": yuan(scheme.min_amount),
                                             "high": yuan(scheme.max_amount)}
    return Computed(amount, text, project.org_unit_id, project.founder_name,
                    project.founder_id_number, project.enterprise_name, project.enterprise_code)


def _training(scheme, basis, *, as_of, **_kw) -> Computed:
    if isinstance(basis, Voucher):
        if basis.scheme_id != scheme.pk:
            raise NotEligible(_("The voucher was issued under another scheme."))
        if basis.status not in (VoucherStatus.CERTIFIED, VoucherStatus.REDEEMED) or \
                basis.certificate_id is None:
            raise NotEligible(_("No certificate, no value: a voucher is redeemed only against "
                                "the holder's certificate."))
        certificate = basis.certificate
    else:
        certificate = basis
    _check_unit_and_date(scheme, certificate.org_unit_id, certificate.issued_on,
                         _("The certificate's issue date"))
    _occupation_ok(scheme, certificate.occupation)
    amount, text = full_training_amount(scheme, certificate.level, certificate.occupation)
    return Computed(amount, text, certificate.org_unit_id, certificate.person_name,
                    certificate.id_number, certificate.employer, basis_on=certificate.issued_on)


def full_training_amount(scheme, level: str, occupation: str) -> tuple[Decimal, str]:
    """What a training subsidy by certificate level pays for `level` in `occupation` (its
    rate, times a priority occupation's multiplier), and how."""
    rate = match_rate(scheme, certificate_level=level)
    multiplier = next((p.multiplier for p in scheme.priority_occupations.all()
                       if p.occupation == occupation), None)
    label = options.label("skill_level", level)
    if multiplier is None:
        text = _("%(level)s certificate (%(occupation)s): %(amount)s yuan training subsidy.") % {
            "level": label, "occupation": occupation, "amount": yuan(rate.amount)}
        return rate.amount, text
    amount = (rate.amount * multiplier).quantize(CENT, rounding=ROUND_HALF_UP)
    text = _("%(level)s certificate: %(rate)s yuan times %(multiplier)s for the priority "
             "occupation %(occupation)s = %(amount)s yuan training subsidy.") % {
        "level": label, "rate": yuan(rate.amount), "multiplier": multiplier,
        "occupation": occupation, "amount": yuan(amount)}
    return amount, text


def _per_day(scheme, training: TrainingRecord, *, as_of, **_kw) -> Computed:
    """Partial training without a certificate: so much a day for the days attended, at most
    a share of what the same training pays with a certificate."""
    _check_unit_and_date(scheme, training.org_unit_id, training.ended_on,
                         _("The training's end date"))
    if training.certified:
        raise NotEligible(_("The trainee obtained the certificate: the training is paid by the "
                            "certificate, not by the day."))
    _occupation_ok(scheme, training.occupation)
    full, _how = full_training_amount(scheme.reference_scheme, training.level,
                                      training.occupation)
    by_days = (scheme.per_day_amount * training.days_attended).quantize(CENT)
    cap = (full * scheme.cap_share).quantize(CENT, rounding=ROUND_HALF_UP)
    amount = min(by_days, cap)
    values = {"rate": yuan(scheme.per_day_amount), "days": training.days_attended,
              "by_days": yuan(by_days), "share": f"{scheme.cap_share * 100:.4g}%",
              "full": yuan(full), "cap": yuan(cap), "amount": yuan(amount),
              "level": training.get_level_display(), "occupation": training.occupation}
    if by_days > cap:
        text = _("Partial training without a certificate: %(rate)s yuan a day × %(days)s days "
                 "= %(by_days)s yuan, capped at %(share)s of the %(full)s yuan a %(level)s "
                 "certificate in %(occupation)s pays = %(cap)s yuan.") % values
    else:
        text = _("Partial training without a certificate: %(rate)s yuan a day × %(days)s days "
                 "= %(amount)s yuan (within the cap of %(share)s of %(full)s yuan, "
                 "%(cap)s yuan).") % values
    return Computed(amount, text, training.org_unit_id, training.person_name,
                    training.id_number, basis_on=training.ended_on)


def _hours(scheme, training: TrainingRecord, *, as_of, **_kw) -> Computed:
    """The level's amount pro-rated by the hours completed of the course's hours."""
    _check_unit_and_date(scheme, training.org_unit_id, training.ended_on,
                         _("The training's end date"))
    _occupation_ok(scheme, training.occupation)
    rate = match_rate(scheme, certificate_level=training.level)
    done = min(training.hours_completed, training.hours_required)
    if not done:
        raise NotEligible(_("No hours of the course were completed."))
    amount = (rate.amount * done / training.hours_required).quantize(CENT,
                                                                    rounding=ROUND_HALF_UP)
    text = _("%(level)s %(rate)s yuan × %(done)s of %(hours)s hours completed = %(amount)s "
             "yuan.") % {"level": training.get_level_display(), "rate": yuan(rate.amount),
                         "done": done, "hours": training.hours_required, "amount": yuan(amount)}
    return Computed(amount, text, training.org_unit_id, training.person_name,
                    training.id_number, basis_on=training.ended_on)


def rule_summary(scheme) -> str:
    """One paragraph saying what the scheme pays, for the schemes page."""
    rates = _rates(scheme)
    kind = scheme.rule_kind
    parts = []
    if kind == RuleKind.TIERED_AWARD:
        parts.append("；".join(f"{r.get_competition_level_display()}{r.get_medal_display()} "
                              f"{yuan(r.amount)}元" for r in rates))
        if scheme.team_same_again:
            parts.append(_("the coaching (technical) team gets the same again"))
    elif kind == RuleKind.HONOUR:
        parts.append("；".join(f"{r.get_honour_level_display()}{r.get_honour_title_display()} "
                              f"{yuan(r.amount)}元" for r in rates))
    elif kind == RuleKind.MONTHLY_ALLOWANCE:
        parts.append("；".join(f"{r.get_certificate_level_display()} {yuan(r.amount)}元/月"
                              for r in rates))
        parts.append(_("whole months only"))
    elif kind == RuleKind.PER_HIRE:
        parts.append("；".join(f"{yuan(r.amount)}元/人" for r in rates))
        parts.append(_("kept %(months)s months with social insurance")
                     % {"months": scheme.min_employment_months})
        if scheme.sme_only:
            parts.append(_("small, medium and micro enterprises only"))
    elif kind == RuleKind.BOUNDED_GRANT:
        parts.append(_("%(low)s to %(high)s yuan, decided by the officers")
                     % {"low": yuan(scheme.min_amount), "high": yuan(scheme.max_amount)})
    elif kind == RuleKind.TRAINING_BY_LEVEL:
        parts.append("；".join(f"{r.get_certificate_level_display()} {yuan(r.amount)}元"
                              for r in rates) or _("no amounts set yet"))
        multipliers = "、".join(f"{p.occupation}×{p.multiplier}"
                               for p in scheme.priority_occupations.all())
        if multipliers:
            parts.append(_("priority occupations: %(list)s") % {"list": multipliers})
    elif kind == RuleKind.PER_DAY_PARTIAL and scheme.per_day_amount is not None:
        parts.append(_("%(rate)s yuan per person per day, at most %(share)s of the amount with "
                       "a certificate") % {"rate": yuan(scheme.per_day_amount),
                                           "share": f"{(scheme.cap_share or 0) * 100:.4g}%"})
    elif kind == RuleKind.HOURS_PRORATA:
        parts.append("；".join(f"{r.get_certificate_level_display()} {yuan(r.amount)}元"
                              for r in rates) or _("no amounts set yet"))
        parts.append(_("pro-rated by the hours completed"))
    if scheme.cap_per_enterprise is not None:
        parts.append(_("at most %(cap)s yuan per enterprise") % {
            "cap": yuan(scheme.cap_per_enterprise)})
    if scheme.occupation_list():
        parts.append(_("occupations: %(list)s") % {"list": "、".join(scheme.occupation_list())})
    return "；".join(p for p in parts if p)
