"""The spine: indicators, plans, tasks, targets, manual data values, validation rules, and the
monthly-figure base that every domain app's figures extend."""

from __future__ import annotations

import datetime as dt
import operator
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org import options
from org.access import VIEW, WRITE_ROLES, Scope, nothing, unit_filter
from org.closure import OrgUnitClosure
from org.models import Department, OrgUnit, OrgUnitGroup, OrgUnitGroupMember, VocabularyQuerySet
from org.scoping import ScopedQuerySet
from skills_portal.models import MonthField, TimeStampedModel

from .choices import (
    Comparator,
    DecompositionAxis,
    GroupMode,
    IndicatorKind,
    IndicatorSource,
    IndicatorUnit,
    WindowKind,
)
from .measures import registry


def first_of_month(value: dt.date) -> bool:
    return value.day == 1


def _whole_months(obj) -> None:
    """A period given as any day of its months means those months (a plan printed as ending
    "2023-12-31" ends in December 2023): kept as the first day of each."""
    for name in ("period_start", "period_end"):
        value = getattr(obj, name)
        if isinstance(value, dt.date) and value.day != 1:
            setattr(obj, name, value.replace(day=1))


# --------------------------------------------------------------------------------------------
# Indicators
# --------------------------------------------------------------------------------------------
class IndicatorQuerySet(VocabularyQuerySet):
    """The catalogue is national vocabulary: provincial (or higher) administrators curate it."""


class Indicator(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    unit = models.CharField(_("unit"), max_length=4, choices=IndicatorUnit.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=IndicatorKind.choices)
    source = models.CharField(_("source"), max_length=10, choices=IndicatorSource.choices)
    measure = models.CharField(
        _("measure"), max_length=60, blank=True,
        help_text=_("The domain measure that feeds this indicator, e.g. training.person_times."),
    )
    filters = models.JSONField(
        _("dimension filters"), default=dict, blank=True,
        help_text=_('Dimension values to count, e.g. {"subsidised": true, "target_group": "企业职工"}.'),
    )
    numerator = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("numerator"),
    )
    denominator = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("denominator"),
    )
    synonyms = models.JSONField(
        _("other headings"), default=list, blank=True,
        help_text=_("Other names an office writes for this indicator in a column heading or an "
                    "indicator cell, e.g. 培训数, 技能人才取证数."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = IndicatorQuerySet.as_unscoped_manager()
    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(source="ratio", kind="ratio", numerator__isnull=False,
                      denominator__isnull=False, unit="%")
                    | (~Q(source="ratio") & ~Q(kind="ratio")
                       & Q(numerator__isnull=True, denominator__isnull=True))
                ),
                name="indicator_ratio_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    @property
    def measure_label(self) -> str:
        """The domain measure as a reader knows it (its name, not its code)."""
        measure = registry.get(self.measure) if self.measure else None
        return measure.label if measure is not None else self.measure

    def has_department_figures(self) -> bool:
        """Whether a department's share of this indicator can be measured: manual values and
        most domain figures name their reporting department; subsidy claims and vouchers do
        not. A ratio needs both its parts to."""
        if self.kind == IndicatorKind.RATIO:
            return all(part is None or part.has_department_figures()
                       for part in (self.numerator, self.denominator))
        if self.source != IndicatorSource.MEASURE:
            return True
        measure = registry.get(self.measure)
        return measure is None or measure.source is None or \
            measure.source.department_field is not None

    def clean(self):
        errors: dict[str, list] = {}
        if self.source == IndicatorSource.RATIO or self.kind == IndicatorKind.RATIO:
            if self.source != IndicatorSource.RATIO or self.kind != IndicatorKind.RATIO:
                errors.setdefault("source", []).append(
                    _("A ratio indicator has kind 'ratio' and source 'computed ratio'.")
                )
            if not (self.numerator_id and self.denominator_id):
                errors.setdefault("numerator", []).append(
                    _("A ratio needs both a numerator and a denominator.")
                )
            elif self.numerator_id == self.denominator_id:
                errors.setdefault("denominator", []).append(
                    _("Numerator and denominator must differ.")
                )
            else:
                for part in ("numerator", "denominator"):
                    if getattr(self, part).kind == IndicatorKind.RATIO:
                        errors.setdefault(part, []).append(
                            _("A ratio is built from flow or stock indicators, not from a ratio.")
                        )
            if self.unit != IndicatorUnit.PERCENT:
                errors.setdefault("unit", []).append(_("A ratio is expressed in %."))
        elif self.numerator_id or self.denominator_id:
            errors.setdefault("numerator", []).append(
                _("Only ratio indicators have a numerator and denominator.")
            )
        if self.source == IndicatorSource.MEASURE:
            try:
                registry.validate(self.measure, self.filters, self.unit)
            except ValidationError as exc:
                errors.setdefault("measure", []).extend(exc.messages)
        elif self.measure or self.filters:
            errors.setdefault("measure", []).append(
                _("Only indicators fed by a domain measure have a measure and filters.")
            )
        self._clean_synonyms(errors)
        if errors:
            raise ValidationError(errors)

    def _clean_synonyms(self, errors: dict) -> None:
        """Other headings: texts, each naming this indicator only (a heading two indicators
        share would match neither in an import)."""
        words = self.synonyms
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            errors.setdefault("synonyms", []).append(
                _("Other headings are a list of non-empty texts, e.g. [\"培训数\", \"取证数\"]."))
            return
        self.synonyms = list(dict.fromkeys(" ".join(w.split()) for w in words))
        taken = {}
        for other in Indicator.unscoped.exclude(pk=self.pk).only("code", "name", "synonyms"):
            for word in (other.code, other.name, *(other.synonyms or [])):
                taken.setdefault(heading_form(word), other)
        for word in (self.code, self.name, *self.synonyms):
            other = taken.get(heading_form(word))
            if other is not None and word in self.synonyms:
                errors.setdefault("synonyms", []).append(
                    _("“%(word)s” already names the indicator %(other)s.")
                    % {"word": word, "other": other.name})


def heading_form(word: str) -> str:
    """A heading as compared for clashes: full-width folded, without spaces."""
    return "".join(unicodedata.normalize("NFKC", str(word)).split()).rstrip(":*")


# --------------------------------------------------------------------------------------------
# Plans and tasks
# --------------------------------------------------------------------------------------------
class PlanQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            # Plans are public documents (主动公开): every member reads every plan; what they
            # may see of its targets is scoped on the targets.
            return self if scope.is_member else self.none()
        return self.filter(
            unit_filter("issuer_unit", scope.unit_subtree(WRITE_ROLES["targets"]))
        )


class Plan(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100)
    doc_number = models.CharField(_("document number"), max_length=60, blank=True)
    issuer = models.CharField(_("issuer"), max_length=200)
    issuer_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="issued_plans",
        verbose_name=_("issuing unit"),
    )
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    period_start = MonthField(_("period start"), null=True, blank=True)
    period_end = MonthField(_("period end"), null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("implements"),
    )
    is_reference = models.BooleanField(
        _("reference only"), default=False,
        help_text=_("A plan cited by the plans tracked here: nobody reports against "
                    "it; targets given to it are rolled up from the figures below, so "
                    "the chain of plans can be followed."),
    )
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = PlanQuerySet.as_unscoped_manager()
    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["is_reference", "-issue_date", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["doc_number"], condition=~Q(doc_number=""), name="plan_unique_doc_number"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_end__isnull=True)
                | Q(period_start__lte=models.F("period_end")),
                name="plan_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.short_name}（{self.doc_number}）" if self.doc_number else self.short_name

    def clean(self):
        errors = {}
        _whole_months(self)
        if self.parent_id and self.pk:
            node, seen = self.parent, set()
            while node is not None and node.pk not in seen:
                if node.pk == self.pk:
                    errors["parent"] = _("A plan cannot implement itself, even indirectly.")
                    break
                seen.add(node.pk)
                node = node.parent
        if errors:
            raise ValidationError(errors)

    def ancestry(self) -> list[Plan]:
        """The chain of plans this one implements, nearest first."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class PlanTaskQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        return self.filter(plan__in=Plan.objects.for_user(user, action))


class PlanTask(TimeStampedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks",
                             verbose_name=_("plan"))
    number = models.CharField(_("number"), max_length=20)
    position = models.PositiveIntegerField(_("position"), default=0)
    section = models.CharField(_("section"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    lead_departments = models.ManyToManyField(
        Department, blank=True, related_name="led_tasks", verbose_name=_("lead departments")
    )
    responsible_departments = models.ManyToManyField(
        Department, blank=True, related_name="responsible_tasks",
        verbose_name=_("responsible departments"),
    )
    responsible_note = models.CharField(
        _("other responsible bodies"), max_length=300, blank=True,
        help_text=_("Bodies that are not a single department, e.g. 各市〔州〕人民政府."),
    )

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = PlanTaskQuerySet.as_unscoped_manager()
    objects = PlanTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plantask_unique_number"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------
class TargetQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            q = unit_filter("org_unit", scope.unit_subtree())
            # Context handed down: targets of the units above a member, department quotas
            # there only for whole-unit members.
            q |= unit_filter("org_unit", scope.unit_context()) & (
                Q(department__isnull=True) if not any(scope.memberships(department=False))
                else Q()
            )
            q |= scope.department_q("department")
            for m in scope.memberships(department=True):
                q |= Q(department__isnull=True, org_unit_id=m.org_unit_id)
            return self.filter(q)
        # Targets are set by administrators, within their subtree, for plans issued at or below
        # their own unit (a county cannot rewrite the quota the city handed it).
        q = nothing()
        for m in scope.memberships(WRITE_ROLES["targets"]):
            subtree = Scope._subtree([m.org_unit_id])
            mq = Q(org_unit__in=subtree, plan__issuer_unit__in=subtree)
            if m.department_id:
                mq &= scope.department_q("department", roles=WRITE_ROLES["targets"])
            q |= mq
        return self.filter(q)


def window_label(window: str, start: dt.date, end: dt.date) -> str:
    """'2021年', '至2025年12月', '2021年1月—2025年12月累计': a target window as the plans word it
    (the target pages and the dashboard)."""
    # In the active language: the English pages say "2021", "by 2025-12", "2021-01 to 2025-12".
    values = {"year": start.year, "start_year": start.year, "start_month": start.month,
              "start_mm": f"{start.month:02d}", "end_year": end.year, "end_month": end.month,
              "end_mm": f"{end.month:02d}"}
    if window == WindowKind.ANNUAL:
        return gettext("%(year)s (annual)") % values
    if window == WindowKind.LEVEL:
        return gettext("by %(end_year)s-%(end_mm)s") % values
    return gettext("%(start_year)s-%(start_mm)s to %(end_year)s-%(end_mm)s, cumulative") % values


class Target(TimeStampedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets",
                             verbose_name=_("plan"))
    code = models.SlugField(_("code"), max_length=80, allow_unicode=True)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets",
                                  verbose_name=_("indicator"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="targets",
                                 verbose_name=_("org unit"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="targets",
        verbose_name=_("department"),
    )
    task = models.ForeignKey(
        PlanTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="targets",
        verbose_name=_("task"),
    )
    window = models.CharField(_("window"), max_length=12, choices=WindowKind.choices)
    period_start = MonthField(_("window start"))
    period_end = MonthField(_("window end"))
    value = models.DecimalField(
        _("target value"), max_digits=18, decimal_places=4, null=True, blank=True,
        help_text=_("Empty when the plan states the target without a number (e.g. above the "
                    "city's target)."),
    )
    value_max = models.DecimalField(
        _("upper value"), max_digits=18, decimal_places=4, null=True, blank=True,
        help_text=_("Upper end of a range target such as 1–2 bases or +2–3 points."),
    )
    comparator = models.CharField(_("comparator"), max_length=3, choices=Comparator.choices,
                                  default=Comparator.GTE)
    is_soft = models.BooleanField(_("soft target (力争)"), default=False)
    is_increment = models.BooleanField(
        _("change over baseline"), default=False,
        help_text=_("The value is an increase over the baseline (e.g. +2 percentage points)."),
    )
    baseline = models.DecimalField(_("baseline"), max_digits=18, decimal_places=4, null=True,
                                   blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
        verbose_name=_("decomposed from"),
    )
    axis = models.CharField(_("decomposition axis"), max_length=12,
                            choices=DecompositionAxis.choices, blank=True)
    # A link across plans, distinct from `parent` (a decomposition inside one plan): this
    # target restates, for its own area and often with a higher number, a target of a plan
    # that this target's plan implements (龙陵县 → 保山市 → 云南省 → 人社部).
    implements = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="implementations",
        verbose_name=_("implements (target of a plan above)"),
        help_text=_("The target of a plan above (one this plan implements) that this target "
                    "restates for its own area."),
    )
    # A 其中 breakdown lists parts of the whole (龙陵县's five programmes are 8,600 of 10,000
    # 人次): a gap is not a shortfall unless the plan says the parts are the whole (#26).
    slices_exhaustive = models.BooleanField(
        _("its slices make up the whole"), default=False,
        help_text=_("Tick when the plan states its slices as the whole (\"respectively\", \"in "
                    "total\"): only then is a gap between them and this target a shortfall. "
                    "Otherwise the slices are parts listed, complete while they do not exceed "
                    "the whole."),
    )
    # A target stated once for an org-unit group (#22): "each 脱贫县 trains at least N" holds
    # every member to N (targets.groups keeps a per-member target, axis `group`, from the
    # memberships); "the group's total ≥ N" is judged on the members' sum.
    group = models.ForeignKey(
        OrgUnitGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="targets",
        verbose_name=_("for the org-unit group"),
        help_text=_("A target the plan states for a group of units (such as the counties "
                    "lifted out of poverty): its members within this target's org unit, month "
                    "by month."),
    )
    group_mode = models.CharField(
        _("applies to"), max_length=5, choices=GroupMode.choices, blank=True,
        help_text=_("Each member: every member unit holds the number (its own target is kept "
                    "from the memberships). The members' total: the group's sum is judged."),
    )
    quote = models.TextField(_("source text"), blank=True)
    note = models.TextField(_("note"), blank=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = TargetQuerySet.as_unscoped_manager()
    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["plan", "period_start", "indicator__code", "org_unit__level", "org_unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="target_unique_code_in_plan"),
            models.CheckConstraint(
                condition=(Q(parent__isnull=True) & Q(axis=""))
                | (Q(parent__isnull=False) & ~Q(axis="")),
                name="target_parent_has_axis",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="target_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(value_max__isnull=True) | Q(value__isnull=True)
                | Q(value_max__gte=models.F("value")),
                name="target_range_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(group__isnull=True) & Q(group_mode=""))
                | (Q(group__isnull=False) & ~Q(group_mode="")),
                name="target_group_has_mode",
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "period_start", "period_end"], name="target_unit_window"),
            models.Index(fields=["indicator", "period_end"], name="target_indicator_end"),
        ]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Whether the stored row was a group target: a save that drops the group removes the
        # per-member targets it kept (targets.groups).
        instance._stored_group_id = instance.__dict__.get("group_id")
        return instance

    def __str__(self):
        return f"{self.indicator.name} · {self.org_unit.label}" + (
            f"·{self.department.name}" if self.department_id else ""
        ) + f" · {self.window_label}"

    @property
    def window_label(self) -> str:
        return window_label(self.window, self.period_start, self.period_end)

    @property
    def months(self) -> int:
        return (self.period_end.year - self.period_start.year) * 12 + (
            self.period_end.month - self.period_start.month
        ) + 1

    def clean(self):
        errors: dict[str, list] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        _whole_months(self)
        if self.window == WindowKind.ANNUAL and self.period_start and self.period_end and not (
            self.period_start.month == 1 and self.period_end.month == 12
            and self.period_start.year == self.period_end.year
        ):
            add("period_end", _("A one-year window runs from January to December of one year."))
        if self.indicator_id:
            kind = self.indicator.kind
            if kind == IndicatorKind.FLOW and self.window == WindowKind.LEVEL:
                add("window", _("A flow indicator is summed over a year or a span, not a level."))
            if kind in (IndicatorKind.STOCK, IndicatorKind.RATIO) and \
                    self.window == WindowKind.CUMULATIVE:
                add("window", _("A stock or ratio indicator has a level or a yearly target, "
                                "not a cumulative one."))
        if self.department_id and self.org_unit_id and \
                self.department.org_unit_id != self.org_unit_id:
            add("department", _("The department must belong to the target's org unit."))
        if self.department_id and self.indicator_id and \
                not self.indicator.has_department_figures():
            add("department", _("This indicator's figures do not record a department (subsidy "
                                "claims and vouchers do not), so it cannot be assigned to a "
                                "department: set the target for the org unit."))
        if self.value is not None and self.value < 0 and not self.is_increment:
            add("value", _("A target value cannot be negative."))
        if self.is_increment and self.indicator_id and \
                self.indicator.kind != IndicatorKind.RATIO and self.indicator.kind != "stock":
            add("is_increment", _("Only stock and ratio targets can be a change over a baseline."))
        self._clean_decomposition(add)
        self._clean_implements(add)
        self._clean_group(add)
        if errors:
            raise ValidationError(errors)

    def _clean_group(self, add) -> None:
        if not self.group_id:
            if self.group_mode:
                add("group", _("Choose the group the target is stated for, or leave "
                               "\"applies to\" empty."))
            return
        if not self.group_mode:
            add("group_mode", _("Say how the group target applies: to each member or to the "
                                "members' total."))
            return
        if self.parent_id:
            add("group", _("A group target is stated by the plan, not decomposed from "
                           "another target: its members' targets are kept from it."))
        if self.department_id:
            add("department", _("A group target is held by the group's units, not by a "
                                "department."))
        if self.indicator_id and self.group_mode == GroupMode.TOTAL and \
                self.indicator.kind == IndicatorKind.RATIO:
            add("group_mode", _("A ratio cannot be added up over a group's members: state it "
                                "for each member."))

    def _clean_decomposition(self, add) -> None:
        if not self.parent_id:
            if self.axis:
                add("axis", _("Only a decomposed target has a decomposition axis."))
            return
        parent = self.parent
        if not self.axis:
            add("axis", _("Say how the parent was decomposed: by region, department or slice."))
            return
        if parent.pk == self.pk:
            add("parent", _("A target cannot be decomposed from itself."))
            return
        if parent.plan_id != self.plan_id:
            add("parent", _("A target is decomposed within one plan."))
        if self.axis != DecompositionAxis.GROUP and (
                parent.window, parent.period_start, parent.period_end) != (
                self.window, self.period_start, self.period_end):
            add("parent", _("A decomposed target keeps its parent's window (%(w)s).")
                % {"w": parent.window_label})
        if self.indicator_id and parent.indicator.unit != self.indicator.unit:
            add("indicator", _("Units differ (%(a)s vs %(b)s): a decomposition never adds "
                               "人次 to 人.") % {"a": self.indicator.unit,
                                                 "b": parent.indicator.unit})
        if self.axis == DecompositionAxis.REGION:
            if self.indicator_id != parent.indicator_id:
                add("indicator", _("A regional decomposition keeps the parent's indicator."))
            if self.department_id:
                add("department", _("A regional share is held by a unit, not a department."))
            if not OrgUnitClosure.objects.filter(
                ancestor_id=parent.org_unit_id, descendant_id=self.org_unit_id, depth__gt=0
            ).exists():
                add("org_unit", _("A regional share goes to a unit below %(u)s.")
                    % {"u": parent.org_unit.name})
        elif self.axis == DecompositionAxis.DEPARTMENT:
            if self.indicator_id != parent.indicator_id:
                add("indicator", _("A departmental decomposition keeps the parent's indicator."))
            if not self.department_id:
                add("department", _("A departmental share names its department."))
            if not OrgUnitClosure.objects.filter(
                ancestor_id=parent.org_unit_id, descendant_id=self.org_unit_id
            ).exists():
                add("org_unit", _("A departmental share stays within %(u)s.")
                    % {"u": parent.org_unit.name})
        elif self.axis == DecompositionAxis.GROUP:
            self._clean_group_member(add, parent)
        elif self.axis == DecompositionAxis.SLICE:
            if self.org_unit_id != parent.org_unit_id or self.department_id != parent.department_id:
                add("org_unit", _("A slice (其中) stays on the parent's unit and department."))
            if self.indicator_id == parent.indicator_id:
                add("indicator", _("A slice (其中) counts a narrower indicator than its parent."))


    def _clean_group_member(self, add, parent: Target) -> None:
        """A group member's target: kept by targets.groups from a group target's memberships,
        so it only ever has the shape that code gives it."""
        if not parent.group_id or parent.group_mode != GroupMode.EACH:
            add("axis", _("Only a target stated for each member of a group has member targets."))
            return
        if self.indicator_id != parent.indicator_id or self.department_id:
            add("indicator", _("A group member's target keeps the group target's indicator."))
        if not (parent.period_start <= self.period_start and self.period_end <= parent.period_end):
            add("period_start", _("A group member's target lies within the group target's "
                                  "window (%(w)s).") % {"w": parent.window_label})
        if self.org_unit_id and not OrgUnitGroupMember.unscoped.filter(
                group_id=parent.group_id, org_unit_id=self.org_unit_id,
                valid_from__lte=self.period_end).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=self.period_start)).exists():
            add("org_unit", _("%(u)s is not in %(g)s in these months.")
                % {"u": self.org_unit.name, "g": parent.group.name})

    def _clean_implements(self, add) -> None:
        """A target implements a target of a plan above: in the plan's parent chain, for the
        same unit or one below, the same or a narrower indicator of the same kind and unit,
        within the parent's window (a flow may start later and end earlier; a stock's or a
        ratio's date may differ)."""
        if not self.implements_id:
            return
        above = self.implements
        if above.pk == self.pk:
            add("implements", _("A target cannot implement itself."))
            return
        if not self.plan_id:
            return
        if above.plan_id == self.plan_id:
            add("implements", _("Both targets are in the same plan: within one plan a target "
                                "is decomposed (by region, department or slice), not "
                                "implemented."))
            return
        chain = self.plan.ancestry()
        if not chain:
            add("implements", _("%(plan)s names no plan it implements: set the plan's "
                                "\"implements\" first.") % {"plan": self.plan.short_name})
            return
        if above.plan_id not in {p.pk for p in chain}:
            add("implements", _("%(above)s is not a plan that %(plan)s implements (%(chain)s).")
                % {"above": above.plan, "plan": self.plan.short_name,
                   "chain": " → ".join(str(p) for p in chain)})
            return
        if self.org_unit_id and not OrgUnitClosure.objects.filter(
            ancestor_id=above.org_unit_id, descendant_id=self.org_unit_id
        ).exists():
            add("org_unit", _("An implementing target is held by %(u)s or a unit below it.")
                % {"u": above.org_unit.name})
        if self.indicator_id:
            self._clean_implemented_indicator(add, above)
        if self.indicator_id and self.indicator.kind == IndicatorKind.FLOW and \
                self.period_start and self.period_end and not (
                    above.period_start <= self.period_start and self.period_end <= above.period_end):
            add("period_start", _("An implementing target's window (%(w)s) lies within the "
                                  "window of the target above (%(above)s): it may start later "
                                  "and end earlier, not run outside it.")
                % {"w": window_label(self.window, self.period_start, self.period_end),
                   "above": above.window_label})

    def _clean_implemented_indicator(self, add, above: Target) -> None:
        mine, theirs = self.indicator, above.indicator
        if mine.unit != theirs.unit:
            add("indicator", _("Units differ (%(a)s vs %(b)s): an implementing target never "
                               "restates 人次 as 人.") % {"a": mine.unit, "b": theirs.unit})
        elif mine.kind != theirs.kind:
            add("indicator", _("%(a)s is a %(ka)s indicator and %(b)s a %(kb)s one: a flow, a "
                               "stock and a ratio do not implement one another.")
                % {"a": mine.name, "ka": mine.get_kind_display(), "b": theirs.name,
                   "kb": theirs.get_kind_display()})
        elif mine.pk != theirs.pk and mine.source == theirs.source == IndicatorSource.MEASURE \
                and not (mine.measure == theirs.measure and all(
                    mine.filters.get(k) == v for k, v in (theirs.filters or {}).items())):
            add("indicator", _("%(a)s is not a part of %(b)s: an implementing target counts "
                               "the same indicator or a narrower one (其中).")
                % {"a": mine.name, "b": theirs.name})


# --------------------------------------------------------------------------------------------
# Manual data values
# --------------------------------------------------------------------------------------------
class DataValueQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        roles = None if action == VIEW else WRITE_ROLES["values"]
        q = unit_filter("org_unit", scope.unit_subtree(roles))
        q |= scope.department_q("department", roles=roles)
        return self.filter(q)


class DataValue(TimeStampedModel):
    """A monthly value of an indicator that no domain app records (就业人员数, 技能人才总量 …).
    Flow indicators hold the month's increment; stock indicators the level at month end."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="data_values",
                                  verbose_name=_("indicator"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="data_values",
                                 verbose_name=_("org unit"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="data_values",
        verbose_name=_("department"),
    )
    period = models.DateField(_("month"), help_text=_("First day of the month."))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("entered by"),
    )
    is_demo = models.BooleanField(
        _("demo data"), default=False,
        help_text=_("Generated by the demo-figures generator, not reported by anyone."),
    )

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = DataValueQuerySet.as_unscoped_manager()
    objects = DataValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        ordering = ["-period", "indicator__code", "org_unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "org_unit", "period"], condition=Q(department__isnull=True),
                name="datavalue_unique_unit_month",
            ),
            models.UniqueConstraint(
                fields=["indicator", "org_unit", "department", "period"],
                condition=Q(department__isnull=False), name="datavalue_unique_department_month",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="datavalue_not_negative"),
        ]
        indexes = [models.Index(fields=["indicator", "period"], name="datavalue_indicator_month")]

    def __str__(self):
        return f"{self.indicator.name} {self.org_unit.label} {self.period:%Y-%m}: {self.value}"

    def clean(self):
        errors = {}
        if self.period and not first_of_month(self.period):
            errors["period"] = _("A data value is for a month: use the first day of the month.")
        if self.indicator_id and self.indicator.source != IndicatorSource.MANUAL:
            errors["indicator"] = _(
                "%(name)s is computed from domain records or as a ratio; it takes no manual "
                "values."
            ) % {"name": self.indicator.name}
        if self.department_id and self.org_unit_id and \
                self.department.org_unit_id != self.org_unit_id:
            errors["department"] = _("The department must belong to the value's org unit.")
        if self.value is not None and self.value < Decimal(0):
            errors["value"] = _("A value cannot be negative.")
        if errors:
            raise ValidationError(errors)



class RuleOperator(models.TextChoices):
    LTE = "lte", "≤"
    LT = "lt", "<"
    GTE = "gte", "≥"
    GT = "gt", ">"
    EQ = "eq", "="
    NE = "ne", "≠"


class RuleImportance(models.TextChoices):
    ERROR = "error", _("error (blocks the save)")
    WARNING = "warning", _("warning (shown, does not block)")


# A rule's operator as a comparison of its two sides.
OPERATORS = {"lte": operator.le, "lt": operator.lt, "gte": operator.ge, "gt": operator.gt,
             "eq": operator.eq, "ne": operator.ne}


class ValidationRuleQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        # Rules belong to the indicator catalogue and are curated by the same people.
        if Indicator.objects.for_user(user, action).exists():
            return self
        return self.none()


class ValidationRule(TimeStampedModel):
    """A DHIS2-style rule checked when figures are saved: left side, operator, right side
    (an indicator or a constant), importance. Sides are evaluated on the unit's own figures for
    the month being saved."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    left = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("left side"))
    operator = models.CharField(_("operator"), max_length=3, choices=RuleOperator.choices)
    right = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("right side"))
    right_constant = models.DecimalField(_("right side constant"), max_digits=18,
                                         decimal_places=4, null=True, blank=True)
    importance = models.CharField(_("importance"), max_length=8, choices=RuleImportance.choices)
    message = models.CharField(_("message shown to the user"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = ValidationRuleQuerySet.as_unscoped_manager()
    objects = ValidationRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(right__isnull=False, right_constant__isnull=True)
                | Q(right__isnull=True, right_constant__isnull=False),
                name="validationrule_one_right_side",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        for side in ("left", "right"):
            indicator = getattr(self, side) if getattr(self, f"{side}_id") else None
            if indicator is not None and indicator.kind == IndicatorKind.RATIO:
                errors[side] = _("Rules compare flow or stock indicators, not ratios.")
        if (self.right_id is None) == (self.right_constant is None):
            errors["right"] = _("Give the right side as an indicator or as a constant, not both.")
        if errors:
            raise ValidationError(errors)

    def holds(self, left: Decimal, right: Decimal) -> bool:
        return OPERATORS[self.operator](left, right)

    def measure_apps(self) -> set[str]:
        sides = [self.left] + ([self.right] if self.right_id else [])
        return {i.measure.split(".")[0] for i in sides if i.measure}


# --------------------------------------------------------------------------------------------
# Monthly figures: the base of every domain app's figure tables
# --------------------------------------------------------------------------------------------
class FigureQuerySet(ScopedQuerySet):
    """Scoping shared by the monthly figure models of every domain: a member reads figures of
    their subtree (or their department and its same-sector counterparts below); data entry and
    administrators write them."""

    def for_user(self, user, action: str = "view"):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        roles = None if action == "view" else WRITE_ROLES["values"]
        q = unit_filter("org_unit", scope.unit_subtree(roles))
        q |= scope.department_q("department", roles=roles)
        return self.filter(q)


class MonthlyFigure(TimeStampedModel):
    """One cell of a monthly report: a unit's (or a reporting department's) figures for a
    month. Domain apps add their dimensions and measured fields."""

    # Every index costs each imported row an insert (a 100,000-row import writes each one
    # 100,000 times), so the figure tables keep only the ones a query needs: the department
    # is indexed where it is set (a partial index in each subclass; most figures have none),
    # and nothing looks figures up by who entered them (deleting a user scans instead).
    # Who entered a figure is a stamp, as the audit trail's actor is (the trail is the record
    # of who changed what): it carries no database constraint, which would cost every
    # imported row a key check at commit. Deleting a user still clears it (Django's SET_NULL).
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", db_index=False,
                                   verbose_name=_("reporting department"))
    period = models.DateField(_("month"))
    is_demo = models.BooleanField(_("demo data"), default=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", db_index=False,
                                   db_constraint=False, verbose_name=_("entered by"))

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = FigureQuerySet.as_unscoped_manager()
    objects = FigureQuerySet.as_manager()
    # The period is stored on the first of its month: the roll-up groups it as it is
    # (targets.measures.month_of).
    period_is_month = True

    class Meta:
        abstract = True

    OPTION_SETS: dict[str, str] = {}  # field → option set code (org.options)

    def figure_errors(self) -> dict:
        """The checks every monthly figure shares; subclasses add their own."""
        errors = {}
        if self.period and self.period.day != 1:
            errors["period"] = _("A figure is for a month: use the first day of the month.")
        if self.department_id and self.org_unit_id and \
                self.department.org_unit_id != self.org_unit_id:
            errors["department"] = _("The department must belong to the figure's org unit.")
        for field, message in self.option_errors(
                {f: getattr(self, f) for f in self.OPTION_SETS}, self.period).items():
            errors.setdefault(field, message)
        return errors

    @classmethod
    def option_errors(cls, values: dict, month) -> dict:
        """{field: why} for values of `OPTION_SETS` fields not in their option set as it
        stands for `month` (#26); the model and the figure API both check with this."""
        return options.errors(cls.OPTION_SETS, values, month)

    def clean(self):
        errors = self.figure_errors()
        if errors:
            raise ValidationError(errors)
