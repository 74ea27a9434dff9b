"""Subsidies and rewards (补贴与奖励): schemes configured from the plans as data, the personal
records their rules look at, claims with caps and annual budgets, and training vouchers.

- A `Scheme` belongs to a plan and applies to the plan's unit (or a unit below it). Its rule is
  a `rule_kind` plus parameters and `SchemeRate` rows (amounts keyed by competition level ×
  medal, honour title × level, or certificate level), `PriorityOccupation` multipliers and
  `SchemeBudget` rows (one annual budget per year). No code per scheme.
- The bases of claims: `competitions.Award` (medals, honours), `PersonCertificate` (real-name
  certificate records: allowances, training subsidies), `Hire` (a certified person hired by an
  enterprise), `StartupProject` (start-up grants) and `Voucher` (training vouchers redeemed).
- A `Claim` pays one basis record under one scheme (a monthly allowance: one per month). The
  database refuses a second claim on the same basis.

Money is Decimal yuan with two decimals. Months are the first day of the month. ID numbers
are personal data: never in `__str__`, messages or logs; shown in full only to the record's
own unit (`id_number_for`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certification.models import level_fits
from org import options
from org.access import VIEW, WRITE_ROLES, Scope, unit_filter
from org.choices import Role
from org.scoping import ScopedQuerySet
from skills_portal.identity import mask_id_number, normalise_id_number, validate_id_number
from skills_portal.models import TimeStampedModel
from targets.models import first_of_month

from .choices import (
    VOUCHER_DATE_FIELD,
    ClaimStatus,
    RuleKind,
    VoucherStatus,
)

DECIDE = "decide"  # approve, reject and pay claims
DECIDE_ROLES = {Role.REVIEWER, Role.ADMIN}
MONEY = {"max_digits": 14, "decimal_places": 2}

validate_credit_code = RegexValidator(
    r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    _("A unified social credit code has 18 characters: digits and capital "
      "letters except I, O, Z, S and V."),
    code="credit_code",
)


def _unit_scoped(queryset, user, action, unit_field="org_unit"):
    """Rows in the subtrees of the user's whole-unit memberships: any role reads; data entry and
    administrators write (as for figures); reviewers and administrators decide claims."""
    scope = Scope.of(user)
    if scope.is_global:
        return queryset
    if action == VIEW:
        roles = None
    elif action == DECIDE:
        roles = DECIDE_ROLES
    else:
        roles = WRITE_ROLES["values"]
    return queryset.filter(unit_filter(unit_field, scope.unit_subtree(roles)))


class PersonalRecord(TimeStampedModel):
    """A record naming a person by ID number (实名制)."""

    ID_FIELD = "id_number"

    class Meta:
        abstract = True

    def may_see_full_id(self, user) -> bool:
        """Only the record's own unit and system administrators see the full number."""
        scope = Scope.of(user)
        return scope.is_global or any(m.org_unit_id == self.org_unit_id
                                      for m in scope.memberships())

    def id_number_for(self, user) -> str:
        number = getattr(self, self.ID_FIELD)
        return number if self.may_see_full_id(user) else mask_id_number(number)

    @property
    @admin.display(description=_("ID number"))
    def masked_id_number(self) -> str:
        return mask_id_number(getattr(self, self.ID_FIELD))

    def clean_fields(self, exclude=None):
        setattr(self, self.ID_FIELD, normalise_id_number(getattr(self, self.ID_FIELD)))
        super().clean_fields(exclude=exclude)


# --------------------------------------------------------------------------------------------
# Schemes
# --------------------------------------------------------------------------------------------
class SchemeQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """Schemes are published policy: every member reads them. Administrators change those
        applying at or below their units."""
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            return self if scope.is_member else self.none()
        return self.filter(unit_filter("org_unit", scope.unit_subtree(WRITE_ROLES["targets"])))


class Scheme(TimeStampedModel):
    plan = models.ForeignKey("targets.Plan", on_delete=models.PROTECT, related_name="schemes",
                             verbose_name=_("plan"),
                             # the admin's search offers only plans a scheme may belong to
                             limit_choices_to={"is_reference": False})
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    rule_kind = models.CharField(_("rule"), max_length=20, choices=RuleKind.choices)
    org_unit = models.ForeignKey(
        "org.OrgUnit", on_delete=models.PROTECT, related_name="subsidy_schemes",
        verbose_name=_("applies in"),
        help_text=_("Beneficiaries must belong to this unit or a unit below it."),
    )
    valid_from = models.DateField(_("in force from (month)"))
    valid_to = models.DateField(_("in force until (month, inclusive)"), null=True, blank=True)
    team_same_again = models.BooleanField(
        _("coaching or technical team gets the same again"), default=False,
        help_text=_("A coaching (technical) team's award is paid the amount of the medal."),
    )
    cap_per_enterprise = models.DecimalField(
        _("cap per enterprise (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)],
        help_text=_("Cumulative total approved for one enterprise under this scheme."), **MONEY,
    )
    min_amount = models.DecimalField(_("lowest amount (yuan)"), null=True, blank=True,
                                     validators=[MinValueValidator(0)], **MONEY)
    max_amount = models.DecimalField(_("highest amount (yuan)"), null=True, blank=True,
                                     validators=[MinValueValidator(0)], **MONEY)
    min_employment_months = models.PositiveSmallIntegerField(
        _("months kept in employment with social insurance"), null=True, blank=True,
    )
    sme_only = models.BooleanField(_("small, medium and micro enterprises only"), default=False)
    occupations = models.TextField(
        _("eligible occupations"), blank=True,
        help_text=_("Occupations (trades) separated by commas (e.g. a shortage-occupation list); "
                    "empty means any occupation."),
    )
    # Per-day subsidies for partial training without a certificate (#22).
    per_day_amount = models.DecimalField(
        _("amount per person per day (yuan)"), null=True, blank=True,
        validators=[MinValueValidator(0)], **MONEY)
    cap_share = models.DecimalField(
        _("cap, as a share of the amount with a certificate"), max_digits=5, decimal_places=4,
        null=True, blank=True, help_text=_("E.g. 0.5: at most half of what the same training "
                                           "would pay with a certificate."))
    reference_scheme = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("amounts with a certificate from"),
        limit_choices_to={"rule_kind": RuleKind.TRAINING_BY_LEVEL},
        help_text=_("The training subsidy scheme (by certificate level) whose amount for the "
                    "level trained for is the full amount the cap is a share of."))
    quote = models.TextField(_("source text"), blank=True,
                             help_text=_("The sentence of the plan that sets the rule."))
    note = models.TextField(_("note"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = SchemeQuerySet.as_unscoped_manager()
    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("subsidy scheme")
        verbose_name_plural = _("subsidy schemes")
        ordering = ["plan__code", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="scheme_validity_ordered",
            ),
            models.CheckConstraint(
                condition=Q(min_amount__isnull=True) | Q(max_amount__isnull=True)
                | Q(min_amount__lte=models.F("max_amount")),
                name="scheme_amount_range_ordered",
            ),
        ]

    def __str__(self):
        return self.name

    def occupation_list(self) -> list[str]:
        return [o.strip() for o in self.occupations.replace(",", "、").replace("，", "、")
                .split("、") if o.strip()]

    def in_force(self, month: dt.date) -> bool:
        month = month.replace(day=1)
        return self.valid_from <= month and (self.valid_to is None or month <= self.valid_to)

    def clean(self):
        errors = {}
        for name in ("valid_from", "valid_to"):
            value = getattr(self, name)
            if value and not first_of_month(value):
                errors[name] = _("Use the first day of the month.")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = _("A scheme cannot end before it starts.")
        kind = self.rule_kind
        if kind == RuleKind.BOUNDED_GRANT:
            if self.min_amount is None or self.max_amount is None:
                errors["max_amount"] = _("A grant decided within a range needs its lowest and "
                                         "highest amount.")
            elif self.min_amount > self.max_amount:
                errors["max_amount"] = _("The highest amount is below the lowest.")
        elif self.min_amount is not None or self.max_amount is not None:
            errors["min_amount"] = _("Only a grant decided within a range has lowest and "
                                     "highest amounts.")
        if kind == RuleKind.PER_HIRE and not self.min_employment_months:
            errors["min_employment_months"] = _("Say how many months a hire must be kept with "
                                                "social insurance (12 for one year).")
        if kind != RuleKind.PER_HIRE and (self.min_employment_months or self.sme_only):
            errors["min_employment_months"] = _("Employment conditions apply to hiring "
                                                "subsidies only.")
        if self.team_same_again and kind != RuleKind.TIERED_AWARD:
            errors["team_same_again"] = _("Only competition awards pay a coaching team.")
        self._clean_per_day(kind, errors)
        if self.plan_id and self.org_unit_id and not self.org_unit.ancestor_links.filter(
                ancestor_id=self.plan.issuer_unit_id).exists():
            errors["org_unit"] = _("A scheme applies in its plan's issuing unit or a unit "
                                   "below it.")
        if errors:
            raise ValidationError(errors)


    def _clean_per_day(self, kind, errors: dict) -> None:
        per_day = (self.per_day_amount, self.cap_share, self.reference_scheme_id)
        if kind != RuleKind.PER_DAY_PARTIAL:
            if any(v is not None for v in per_day):
                errors["per_day_amount"] = _("Only a per-day subsidy for partial training has a "
                                             "daily amount, a cap and a reference scheme.")
            return
        if self.per_day_amount is None:
            errors["per_day_amount"] = _("Say how much is paid per person per day.")
        if self.cap_share is None or not Decimal(0) < self.cap_share <= 1:
            errors["cap_share"] = _("The cap is a share between 0 and 1 of the amount with a "
                                    "certificate (0.5 for half).")
        if self.reference_scheme_id is None:
            errors["reference_scheme"] = _("Choose the training subsidy scheme whose amount "
                                           "with a certificate the cap is a share of.")
        elif self.reference_scheme.rule_kind != RuleKind.TRAINING_BY_LEVEL:
            errors["reference_scheme"] = _("%(scheme)s is not a training subsidy by certificate "
                                           "level.") % {"scheme": self.reference_scheme.name}


@options.with_labels
class SchemeRate(models.Model):
    """One amount of a scheme's table. A rate applies to a basis when every key it names
    matches; the most specific matching rate wins (a rate naming no key applies to all)."""

    KEYS = ("competition_level", "medal", "honour_title", "honour_level", "certificate_level")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="rates",
                               verbose_name=_("scheme"))
    # The keys are option sets' codes (org.options, #26): a level or medal an administrator
    # adds can be given its own amount.
    competition_level = models.CharField(_("competition level"), max_length=40, blank=True)
    medal = models.CharField(_("medal or prize"), max_length=40, blank=True)
    honour_title = models.CharField(_("honour title"), max_length=40, blank=True)
    honour_level = models.CharField(_("honour level"), max_length=40, blank=True)
    certificate_level = models.CharField(_("certificate level"), max_length=40, blank=True)
    OPTION_SETS = {"competition_level": "competition_level", "medal": "medal",
                   "honour_title": "honour_title", "honour_level": "honour_level",
                   "certificate_level": "skill_level"}
    amount = models.DecimalField(_("amount (yuan)"), validators=[MinValueValidator(0)], **MONEY)

    class Meta:
        verbose_name = _("scheme rate")
        verbose_name_plural = _("scheme rates")
        ordering = ["scheme", "-amount"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "competition_level", "medal", "honour_title", "honour_level",
                        "certificate_level"],
                name="schemerate_unique_key",
                violation_error_message=_("This scheme already has an amount for these keys."),
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="schemerate_amount_positive"),
        ]

    def __str__(self):
        keys = " · ".join(getattr(self, k) for k in self.KEYS if getattr(self, k)) or "—"
        return f"{keys}: {self.amount}"

    def key_values(self) -> dict:
        return {k: getattr(self, k) for k in self.KEYS if getattr(self, k)}

    def clean(self):
        problems = options.errors(self.OPTION_SETS, vars(self))
        if problems:
            raise ValidationError(problems)
        try:
            kind = self.scheme.rule_kind  # the unsaved parent, in the admin's inline
        except Scheme.DoesNotExist:
            return
        allowed = {
            RuleKind.TIERED_AWARD: {"competition_level", "medal"},
            RuleKind.HONOUR: {"honour_title", "honour_level"},
            RuleKind.MONTHLY_ALLOWANCE: {"certificate_level"},
            RuleKind.PER_HIRE: {"certificate_level"},
            RuleKind.TRAINING_BY_LEVEL: {"certificate_level"},
            RuleKind.HOURS_PRORATA: {"certificate_level"},
            RuleKind.PER_DAY_PARTIAL: set(),
            RuleKind.BOUNDED_GRANT: set(),
        }[kind]
        extra = set(self.key_values()) - allowed
        if extra:
            raise ValidationError(_("A %(kind)s scheme's amounts are not keyed by %(keys)s.") % {
                "kind": RuleKind(kind).label,
                "keys": "、".join(str(self._meta.get_field(k).verbose_name) for k in sorted(extra)),
            })
        if kind == RuleKind.TIERED_AWARD and not (self.competition_level and self.medal):
            raise ValidationError(_("A competition award amount names the competition level "
                                    "and the medal."))
        if kind == RuleKind.HONOUR and not self.honour_title:
            raise ValidationError(_("An honour award amount names the honour title."))
        if kind in (RuleKind.MONTHLY_ALLOWANCE, RuleKind.TRAINING_BY_LEVEL,
                    RuleKind.HOURS_PRORATA) and not self.certificate_level:
            raise ValidationError(_("This scheme's amounts are by certificate level: choose "
                                    "the level."))


class PriorityOccupation(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE,
                               related_name="priority_occupations", verbose_name=_("scheme"))
    occupation = models.CharField(_("occupation"), max_length=60)
    multiplier = models.DecimalField(
        _("multiplier"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The amount for this occupation is the level's amount times this, "
                    "e.g. 1.20."),
    )

    class Meta:
        verbose_name = _("priority occupation")
        verbose_name_plural = _("priority occupations")
        ordering = ["scheme", "occupation"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "occupation"],
                                    name="priorityoccupation_unique"),
            models.CheckConstraint(condition=Q(multiplier__gt=0),
                                   name="priorityoccupation_multiplier_positive"),
        ]

    def __str__(self):
        return f"{self.occupation} ×{self.multiplier}"

    def clean(self):
        self.occupation = (self.occupation or "").strip()
        try:
            kind = self.scheme.rule_kind
        except Scheme.DoesNotExist:
            return
        if kind != RuleKind.TRAINING_BY_LEVEL:
            raise ValidationError(_("Priority-occupation multipliers apply to training "
                                    "subsidies only."))


class SchemeBudget(models.Model):
    """The amount a scheme may commit (approve) in one calendar year."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="budgets",
                               verbose_name=_("scheme"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000)])
    amount = models.DecimalField(_("annual budget (yuan)"), validators=[MinValueValidator(0)],
                                 **MONEY)

    class Meta:
        verbose_name = _("annual budget")
        verbose_name_plural = _("annual budgets")
        ordering = ["scheme", "year"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "year"], name="schemebudget_unique_year",
                                    violation_error_message=_(
                                        "This scheme already has a budget for that year.")),
            models.CheckConstraint(condition=Q(amount__gte=0), name="schemebudget_positive"),
        ]

    def __str__(self):
        return f"{self.year}: {self.amount}"


# --------------------------------------------------------------------------------------------
# Bases of claims
# --------------------------------------------------------------------------------------------
class UnitRecordQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        return _unit_scoped(self, user, action)


@options.with_labels
class PersonCertificate(PersonalRecord):
    """A certificate held by a named person (实名持证记录): the basis of monthly allowances and
    training subsidies, the certificate a voucher is redeemed against, the certificate of a
    hire. The monthly certificate figures count certificates; this records who holds one."""

    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT,
                                 related_name="person_certificates",
                                 verbose_name=_("holder's org unit"))
    person_name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(_("ID number"), max_length=18, validators=[validate_id_number])
    # Option sets' codes (org.options, #26).
    certificate_type = models.CharField(_("certificate type"), max_length=40)
    level = models.CharField(pgettext_lazy("skill level", "level"), max_length=40)
    OPTION_SETS = {"certificate_type": "certificate_type", "level": "skill_level"}
    occupation = models.CharField(_("occupation"), max_length=60)
    certificate_number = models.CharField(_("certificate number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    allowance_starts_on = models.DateField(
        _("eligible for allowances from"), null=True, blank=True,
        help_text=_("For a holder recruited from elsewhere: the day they took up the "
                    "post here. Empty: from the day the certificate was issued."),
    )
    allowance_ends_on = models.DateField(
        _("eligible for allowances until"), null=True, blank=True,
        help_text=_("The day the holder left the post or the area (no allowance from then); "
                    "empty while still eligible."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = UnitRecordQuerySet.as_unscoped_manager()
    objects = UnitRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate holder record")
        verbose_name_plural = _("certificate holder records")
        ordering = ["-issued_on", "person_name"]
        constraints = [
            models.UniqueConstraint(fields=["certificate_type", "certificate_number"],
                                    name="personcertificate_unique_number",
                                    violation_error_message=_(
                                        "A certificate with this type and number is already "
                                        "recorded.")),
            models.CheckConstraint(
                condition=Q(allowance_ends_on__isnull=True)
                | Q(allowance_ends_on__gte=models.F("issued_on")),
                name="personcertificate_ends_after_issue",
            ),
        ]
        indexes = [models.Index(fields=["org_unit", "issued_on"], name="personcert_unit_issued"),
                   models.Index(fields=["id_number"], name="personcert_id_number")]

    def __str__(self):
        return f"{self.person_name} · {self.occupation} {self.level}"

    def clean(self):
        errors = options.errors(self.OPTION_SETS, vars(self), self.issued_on)
        if self.certificate_type and self.level and not errors and \
                not level_fits(self.certificate_type, self.level):
            errors["level"] = _("%(type)s does not take the level %(level)s.") % {
                "type": self.certificate_type, "level": self.level}
        if self.issued_on and self.allowance_ends_on and self.allowance_ends_on < self.issued_on:
            errors["allowance_ends_on"] = _("Eligibility cannot end before the certificate "
                                            "was issued.")
        if self.allowance_starts_on and self.allowance_ends_on and \
                self.allowance_ends_on < self.allowance_starts_on:
            errors["allowance_ends_on"] = _("Eligibility cannot end before it starts.")
        if errors:
            raise ValidationError(errors)


class Hire(TimeStampedModel):
    """A certified person newly hired by an enterprise (吸纳持证人员就业): the basis of a
    hiring subsidy once kept long enough with social insurance paid."""

    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT,
                                 related_name="subsidy_hires",
                                 verbose_name=_("enterprise's org unit"))
    enterprise_name = models.CharField(_("enterprise"), max_length=200)
    enterprise_code = models.CharField(_("unified social credit code"), max_length=18,
                                       validators=[validate_credit_code])
    is_sme = models.BooleanField(_("small, medium or micro enterprise"), default=True)
    certificate = models.ForeignKey(PersonCertificate, on_delete=models.PROTECT,
                                    related_name="hires", verbose_name=_("certificate held"))
    hired_on = models.DateField(_("hired on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    insured_months = models.PositiveSmallIntegerField(
        _("months of social insurance paid"), default=0,
        help_text=_("Months for which the enterprise has paid the employee's social insurance "
                    "since the hire."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = UnitRecordQuerySet.as_unscoped_manager()
    objects = UnitRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("hire of a certified person")
        verbose_name_plural = _("hires of certified persons")
        ordering = ["-hired_on", "enterprise_name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise_code", "certificate", "hired_on"],
                                    name="hire_unique",
                                    violation_error_message=_("This hire is already recorded.")),
            models.CheckConstraint(condition=Q(left_on__isnull=True)
                                   | Q(left_on__gte=models.F("hired_on")),
                                   name="hire_left_after_hired"),
        ]

    def __str__(self):
        return f"{self.enterprise_name} · {self.certificate.person_name}"

    def clean_fields(self, exclude=None):
        self.enterprise_code = (self.enterprise_code or "").strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self):
        errors = {}
        if self.hired_on and self.left_on and self.left_on < self.hired_on:
            errors["left_on"] = _("An employee cannot leave before being hired.")
        if self.certificate_id and self.hired_on and self.certificate.issued_on > self.hired_on:
            errors["certificate"] = _("The certificate was issued after the hire: the subsidy "
                                      "is for hiring a person who already holds one.")
        if errors:
            raise ValidationError(errors)


class StartupProject(PersonalRecord):
    """A start-up project (创业项目) applying for a one-off grant."""

    ID_FIELD = "founder_id_number"

    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT,
                                 related_name="startup_projects", verbose_name=_("org unit"))
    name = models.CharField(_("project"), max_length=200)
    founder_name = models.CharField(_("founder"), max_length=100)
    founder_id_number = models.CharField(_("founder's ID number"), max_length=18,
                                         validators=[validate_id_number])
    enterprise_name = models.CharField(_("enterprise"), max_length=200, blank=True)
    enterprise_code = models.CharField(_("unified social credit code"), max_length=18,
                                       blank=True, validators=[validate_credit_code])
    started_on = models.DateField(_("started on"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = UnitRecordQuerySet.as_unscoped_manager()
    objects = UnitRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("start-up project")
        verbose_name_plural = _("start-up projects")
        ordering = ["-started_on", "name"]

    def __str__(self):
        return self.name


@options.with_labels
class TrainingRecord(PersonalRecord):
    """A training a named person attended (实名培训记录): the basis of per-day subsidies for
    partial training without a certificate and of subsidies pro-rated by hours (#22)."""

    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT,
                                 related_name="training_records",
                                 verbose_name=_("trainee's org unit"))
    person_name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(_("ID number"), max_length=18, validators=[validate_id_number])
    occupation = models.CharField(_("occupation trained for"), max_length=60)
    level = models.CharField(_("certificate level trained for"), max_length=40)
    OPTION_SETS = {"level": "skill_level"}  # org.options (#26)
    institution = models.CharField(_("training institution"), max_length=200, blank=True)
    started_on = models.DateField(_("training started on"))
    ended_on = models.DateField(_("training ended on"))
    days_attended = models.PositiveSmallIntegerField(_("days attended"))
    hours_required = models.PositiveSmallIntegerField(
        _("hours of the course"), validators=[MinValueValidator(1)])
    hours_completed = models.PositiveSmallIntegerField(_("hours completed"))
    certified = models.BooleanField(
        _("obtained the certificate"), default=False,
        help_text=_("A trainee who obtained the certificate is paid by the certificate, not "
                    "by the day."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = UnitRecordQuerySet.as_unscoped_manager()
    objects = UnitRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("training attendance record")
        verbose_name_plural = _("training attendance records")
        ordering = ["-ended_on", "person_name"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_on__gte=models.F("started_on")),
                                   name="trainingrecord_ends_after_start"),
            models.CheckConstraint(condition=Q(hours_completed__lte=models.F("hours_required")),
                                   name="trainingrecord_hours_within_course"),
        ]
        indexes = [models.Index(fields=["org_unit", "ended_on"], name="trainingrecord_unit_end"),
                   models.Index(fields=["id_number"], name="trainingrecord_id_number")]

    def __str__(self):
        return f"{self.person_name} · {self.occupation} · {self.started_on:%Y-%m-%d}"

    def clean(self):
        errors = options.errors(self.OPTION_SETS, vars(self), self.started_on)
        if self.started_on and self.ended_on:
            if self.ended_on < self.started_on:
                errors["ended_on"] = _("A training cannot end before it starts.")
            elif self.days_attended is not None and \
                    self.days_attended > (self.ended_on - self.started_on).days + 1:
                errors["days_attended"] = _("%(days)s days attended do not fit in the training's "
                                            "%(span)s days.") % {
                    "days": self.days_attended,
                    "span": (self.ended_on - self.started_on).days + 1}
        if self.hours_required and self.hours_completed is not None and \
                self.hours_completed > self.hours_required:
            errors["hours_completed"] = _("%(done)s hours completed exceed the course's "
                                          "%(hours)s hours.") % {
                "done": self.hours_completed, "hours": self.hours_required}
        if errors:
            raise ValidationError(errors)


class PersonYearLimit(TimeStampedModel):
    """At most N subsidised trainings per person per year across schemes (the national rule:
    three a year), counted on the live claims of the schemes named, by the year of the
    training, for beneficiaries at or below the unit (#22)."""

    name = models.CharField(_("name"), max_length=100)
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT,
                                 related_name="subsidy_limits", verbose_name=_("applies in"))
    max_per_year = models.PositiveSmallIntegerField(_("at most, per person and year"),
                                                    validators=[MinValueValidator(1)])
    schemes = models.ManyToManyField(Scheme, related_name="person_limits",
                                     verbose_name=_("schemes counted"))
    quote = models.TextField(_("source text"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    # org.scoping: as schemes (published policy, kept by administrators at or above).
    unscoped = SchemeQuerySet.as_unscoped_manager()
    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("per-person yearly limit")
        verbose_name_plural = _("per-person yearly limits")
        ordering = ["org_unit__level", "name"]

    def __str__(self):
        return self.name


# --------------------------------------------------------------------------------------------
# Training vouchers
# --------------------------------------------------------------------------------------------
class Voucher(PersonalRecord):
    """A training voucher (培训券): bound to one person (实名制, 不得转让), moved through
    issue → enrolled → trained → assessed → certified → redeemed one step at a time,
    redeemable only against that person's certificate (以证换券, 无证无价), before expiry."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="vouchers",
                               verbose_name=_("scheme"))
    number = models.CharField(_("voucher number"), max_length=30, unique=True)
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT,
                                 related_name="training_vouchers", verbose_name=_("holder's org unit"))
    person_name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(_("ID number"), max_length=18, validators=[validate_id_number])
    occupation = models.CharField(_("occupation trained for"), max_length=60, blank=True)
    institution = models.CharField(_("training institution"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=VoucherStatus.choices,
                              default=VoucherStatus.ISSUED)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    trained_on = models.DateField(_("training completed on"), null=True, blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    certified_on = models.DateField(_("certified on"), null=True, blank=True)
    redeemed_on = models.DateField(_("redeemed on"), null=True, blank=True)
    expired_on = models.DateField(_("voided on"), null=True, blank=True)
    certificate = models.ForeignKey(PersonCertificate, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="vouchers",
                                    verbose_name=_("certificate"))
    redeemed_amount = models.DecimalField(_("amount redeemed (yuan)"), null=True, blank=True,
                                          **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("issued by"))

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = UnitRecordQuerySet.as_unscoped_manager()
    objects = UnitRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("training voucher")
        verbose_name_plural = _("training vouchers")
        ordering = ["-issued_on", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("issued_on")),
                                   name="voucher_expires_after_issue"),
            models.UniqueConstraint(fields=["certificate"], condition=Q(certificate__isnull=False),
                                    name="voucher_one_per_certificate",
                                    violation_error_message=_(
                                        "This certificate has already redeemed a voucher.")),
            models.CheckConstraint(
                condition=~Q(status__in=[VoucherStatus.CERTIFIED, VoucherStatus.REDEEMED])
                | Q(certificate__isnull=False),
                name="voucher_certified_has_certificate",
                violation_error_message=_("No certificate, no value: a certified or redeemed "
                                          "voucher names its certificate."),
            ),
            models.CheckConstraint(
                condition=~Q(status=VoucherStatus.REDEEMED)
                | (Q(redeemed_on__isnull=False) & Q(redeemed_amount__isnull=False)),
                name="voucher_redeemed_has_amount",
            ),
        ]
        indexes = [models.Index(fields=["org_unit", "issued_on"], name="voucher_unit_issued"),
                   models.Index(fields=["status"], name="voucher_status")]

    def __str__(self):
        return self.number

    def step_dates(self) -> list[tuple[str, dt.date | None]]:
        return [(str(VoucherStatus(s).label), getattr(self, f))
                for s, f in VOUCHER_DATE_FIELD.items()]

    def clean(self):
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValidationError({"expires_on": _("A voucher cannot expire before it is "
                                                   "issued.")})


# --------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------
BASIS_FIELDS = ("award", "certificate", "hire", "project", "voucher", "training")


def _exactly_one_basis() -> Q:
    q = Q(pk__in=[])
    for name in BASIS_FIELDS:
        only = Q(**{f"{name}__isnull": False})
        for other in BASIS_FIELDS:
            if other != name:
                only &= Q(**{f"{other}__isnull": True})
        q |= only
    return q


LIVE = ~Q(status=ClaimStatus.REJECTED)
DUPLICATE_CLAIM = _("A claim has already been made on this record under this scheme: nothing "
                    "is paid twice.")
# What `full_clean` (so `scoped_save`) says when a live claim on the same basis exists.
ONCE = {"violation_error_code": "duplicate", "violation_error_message": DUPLICATE_CLAIM}


class ClaimQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """view: any member, claims of their subtree; change (enter by hand, edit while
        pending): data entry and administrators; decide (approve, reject, pay): reviewers and
        administrators."""
        return _unit_scoped(self, user, action)


class Claim(PersonalRecord):
    ID_FIELD = "payee_id_number"

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="claims",
                               verbose_name=_("scheme"))
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices,
                              default=ClaimStatus.PENDING)
    award = models.ForeignKey("competitions.Award", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="subsidy_claims",
                              verbose_name=_("award or honour"))
    certificate = models.ForeignKey(PersonCertificate, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="claims",
                                    verbose_name=_("certificate"))
    hire = models.ForeignKey(Hire, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="claims", verbose_name=_("hire"))
    project = models.ForeignKey(StartupProject, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="claims", verbose_name=_("start-up project"))
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="claims", verbose_name=_("training voucher"))
    training = models.ForeignKey(TrainingRecord, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="claims",
                                 verbose_name=_("training attendance record"))
    basis_on = models.DateField(
        _("date of the training"), null=True, blank=True,
        help_text=_("When the training paid for ended (or the certificate was issued): the "
                    "year a per-person yearly limit counts it in."))
    period = models.DateField(_("month"), null=True, blank=True,
                              help_text=_("For monthly allowances: the month paid."))
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT,
                                 related_name="subsidy_claims",
                                 verbose_name=_("beneficiary's org unit"))
    payee_name = models.CharField(_("payee"), max_length=200)
    payee_id_number = models.CharField(_("payee's ID number"), max_length=18, blank=True)
    enterprise_name = models.CharField(_("enterprise"), max_length=200, blank=True)
    enterprise_code = models.CharField(_("unified social credit code"), max_length=18,
                                       blank=True)
    amount = models.DecimalField(_("amount (yuan)"), validators=[MinValueValidator(0)], **MONEY)
    explanation = models.TextField(_("how the amount was computed"))
    submitted_on = models.DateField(_("submitted on"))
    is_manual = models.BooleanField(_("entered by hand"), default=False)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("approved by"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+", verbose_name=_("paid by"))
    payment_reference = models.CharField(_("payment voucher number"), max_length=60, blank=True)
    rejected_on = models.DateField(_("rejected on"), null=True, blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("rejected by"))
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = ClaimQuerySet.as_unscoped_manager()
    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        ordering = ["-submitted_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=_exactly_one_basis(), name="claim_exactly_one_basis",
                                   violation_error_message=_(
                                       "A claim pays exactly one record: an award, a "
                                       "certificate, a hire, a project or a voucher.")),
            # One live claim per (scheme, basis record): a rejected claim does not count, so
            # that a claim rejected for a fixable reason can be entered again.
            models.UniqueConstraint(fields=["scheme", "award"],
                                    condition=Q(award__isnull=False) & LIVE,
                                    name="claim_once_per_award", **ONCE),
            models.UniqueConstraint(fields=["scheme", "certificate"],
                                    condition=Q(certificate__isnull=False, period__isnull=True)
                                    & LIVE, name="claim_once_per_certificate", **ONCE),
            models.UniqueConstraint(fields=["scheme", "certificate", "period"],
                                    condition=Q(certificate__isnull=False, period__isnull=False)
                                    & LIVE, name="claim_once_per_certificate_month", **ONCE),
            models.UniqueConstraint(fields=["scheme", "hire"],
                                    condition=Q(hire__isnull=False) & LIVE,
                                    name="claim_once_per_hire", **ONCE),
            models.UniqueConstraint(fields=["scheme", "project"],
                                    condition=Q(project__isnull=False) & LIVE,
                                    name="claim_once_per_project", **ONCE),
            models.UniqueConstraint(fields=["scheme", "voucher"],
                                    condition=Q(voucher__isnull=False) & LIVE,
                                    name="claim_once_per_voucher", **ONCE),
            models.UniqueConstraint(fields=["scheme", "training"],
                                    condition=Q(training__isnull=False) & LIVE,
                                    name="claim_once_per_training", **ONCE),
            models.CheckConstraint(condition=Q(amount__gte=0), name="claim_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.REJECTED) | ~Q(rejection_reason=""),
                name="claim_rejected_has_reason"),
            models.CheckConstraint(
                condition=~Q(status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID])
                | Q(approved_on__isnull=False), name="claim_approved_has_date"),
            models.CheckConstraint(condition=~Q(status=ClaimStatus.PAID)
                                   | Q(paid_on__isnull=False), name="claim_paid_has_date"),
        ]
        indexes = [
            models.Index(fields=["scheme", "status"], name="claim_scheme_status"),
            models.Index(fields=["scheme", "enterprise_code", "status"],
                         name="claim_scheme_enterprise"),
            models.Index(fields=["org_unit", "approved_on"], name="claim_unit_approved"),
            models.Index(fields=["org_unit", "paid_on"], name="claim_unit_paid"),
            models.Index(fields=["payee_id_number", "basis_on"], name="claim_person_year"),
        ]

    def __str__(self):
        return f"{self.scheme.name} · {self.payee_name}" + (
            f" · {self.period:%Y-%m}" if self.period else "")

    @property
    def basis(self):
        for name in BASIS_FIELDS:
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return None

    @property
    def basis_kind(self) -> str:
        for name in BASIS_FIELDS:
            if getattr(self, f"{name}_id"):
                return str(self._meta.get_field(name).verbose_name)
        return ""

    def clean(self):
        errors = {}
        if self.period and self.period.day != 1:
            errors["period"] = _("Use the first day of the month.")
        if sum(1 for n in BASIS_FIELDS if getattr(self, f"{n}_id")) != 1:
            errors["__all__"] = _("A claim pays exactly one record: an award, a certificate, a "
                                  "hire, a project or a voucher.")
        if self.status == ClaimStatus.REJECTED and not (self.rejection_reason or "").strip():
            errors["rejection_reason"] = _("Say why the claim is rejected.")
        if errors:
            raise ValidationError(errors)
