"""The spine: org-unit tree, departments, indicators, plans, targets, manual data values."""

from __future__ import annotations

import datetime as dt
import operator
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skills_portal.access import VIEW, WRITE_ROLES, Scope, nothing, unit_filter
from skills_portal.models import TimeStampedModel

from .choices import (
    Comparator,
    DecompositionAxis,
    IndicatorKind,
    IndicatorSource,
    IndicatorUnit,
    OrgKind,
    OrgLevel,
    Sector,
    WindowKind,
)

division_code_validator = RegexValidator(
    r"^\d{6}$", _("An administrative division code has exactly 6 digits.")
)


def first_of_month(value: dt.date) -> bool:
    return value.day == 1


# --------------------------------------------------------------------------------------------
# Org units
# --------------------------------------------------------------------------------------------
class OrgUnitQuerySet(models.QuerySet):
    def at_path(self, path: str):
        """The unit named by a path of names from the root ("全国/云南省/保山市/龙陵县"), or None;
        with the name at which the path left the tree."""
        node = None
        for name in path.split("/"):
            node = self.filter(parent=node, name=name).first()
            if node is None:
                return None, name
        return node, None

    def subtree_of(self, units, include_self: bool = True):
        ids = _ids(units)
        closure = OrgUnitClosure.objects.filter(ancestor_id__in=ids)
        if not include_self:
            closure = closure.filter(depth__gt=0)
        return self.filter(pk__in=closure.values("descendant_id"))

    def ancestors_of(self, units, include_self: bool = False):
        ids = _ids(units)
        closure = OrgUnitClosure.objects.filter(descendant_id__in=ids)
        if not include_self:
            closure = closure.filter(depth__gt=0)
        return self.filter(pk__in=closure.values("ancestor_id"))

    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            ids = sorted({m.org_unit_id for m in scope.memberships()})
            if not ids:
                return self.none()
            return self.filter(
                Q(pk__in=Scope._subtree(ids)) | Q(pk__in=Scope._ancestors(ids))
            )
        # Changing the tree: administrators, strictly below their own unit.
        ids = sorted({m.org_unit_id for m in scope.memberships(WRITE_ROLES["structure"],
                                                                department=False)})
        if not ids:
            return self.none()
        return self.filter(
            pk__in=OrgUnitClosure.objects.filter(ancestor_id__in=ids, depth__gt=0)
            .values("descendant_id")
        )


def _ids(units) -> list[int]:
    if isinstance(units, models.Model):
        return [units.pk]
    if isinstance(units, int):
        return [units]
    if isinstance(units, models.QuerySet):
        return list(units.values_list("pk", flat=True))
    return [u.pk if isinstance(u, models.Model) else int(u) for u in units]


class OrgUnit(TimeStampedModel):
    """A node of the administrative tree: province, prefecture city, county-level unit
    (including functional areas such as 经开区), township or park."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent unit"),
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(
        _("short name"), max_length=50, blank=True,
        help_text=_("The name as it is often written in tables, e.g. 鹿城 for 鹿城区."),
    )
    code = models.CharField(
        _("division code"), max_length=6, null=True, blank=True, unique=True,
        validators=[division_code_validator],
        help_text=_("6-digit administrative division code (GB/T 2260) where one exists."),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=OrgLevel.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=OrgKind.choices)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["level", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="orgunit_unique_name_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="orgunit_unique_root_name"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="orgunit_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def clean(self):
        errors = {}
        if self.parent_id:
            parent = self.parent
            if self.level is not None and self.level <= parent.level:
                errors["level"] = _("A unit must sit at a lower level than its parent (%(p)s).") % {
                    "p": parent.get_level_display()
                }
            if self.pk and OrgUnitClosure.objects.filter(
                ancestor_id=self.pk, descendant_id=self.parent_id
            ).exists():
                errors["parent"] = _("A unit cannot be moved under its own subtree.")
        elif self.level is not None and self.level > OrgLevel.PROVINCE:
            errors["parent"] = _("Only the nation or a province may have no parent unit.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        creating = self._state.adding
        old_parent_id = None
        if not creating:
            old_parent_id = (
                OrgUnit.objects.filter(pk=self.pk).values_list("parent_id", flat=True).first()
            )
        with transaction.atomic():
            super().save(*args, **kwargs)
            if creating:
                OrgUnitClosure.insert_leaf(self)
            elif old_parent_id != self.parent_id:
                OrgUnitClosure.move_subtree(self)

    def ancestors(self, include_self: bool = False):
        return OrgUnit.objects.ancestors_of(self, include_self=include_self).order_by("level")

    def subtree(self, include_self: bool = True):
        return OrgUnit.objects.subtree_of(self, include_self=include_self)

    def path_names(self) -> list[str]:
        return [u.name for u in self.ancestors(include_self=True)]


class OrgUnitClosure(models.Model):
    """Closure table: one row per (ancestor, descendant) pair, including each unit with itself
    at depth 0. Subtree and ancestor queries, and the roll-up's joins, read this table."""

    ancestor = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="descendant_links")
    # `figure.org_unit__ancestor_links__ancestor` groups any figure by every unit above it.
    descendant = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="ancestor_links")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("org-unit closure row")
        constraints = [
            models.UniqueConstraint(fields=["ancestor", "descendant"], name="closure_unique_pair"),
        ]
        indexes = [models.Index(fields=["descendant", "depth"], name="closure_desc_depth")]

    def __str__(self):
        return f"{self.ancestor_id} → {self.descendant_id} ({self.depth})"

    @classmethod
    def insert_leaf(cls, unit: OrgUnit) -> None:
        rows = [cls(ancestor_id=unit.pk, descendant_id=unit.pk, depth=0)]
        if unit.parent_id:
            rows += [
                cls(ancestor_id=a, descendant_id=unit.pk, depth=d + 1)
                for a, d in cls.objects.filter(descendant_id=unit.parent_id)
                .values_list("ancestor_id", "depth")
            ]
        cls.objects.bulk_create(rows)

    @classmethod
    def move_subtree(cls, unit: OrgUnit) -> None:
        """Re-hang `unit` and its subtree under its (new) parent: drop the links from the old
        ancestors, add the cross product of new ancestors × subtree. Three statements."""
        subtree = list(cls.objects.filter(ancestor_id=unit.pk).values_list("descendant_id", "depth"))
        subtree_ids = [d for d, _ in subtree]
        cls.objects.filter(descendant_id__in=subtree_ids).exclude(ancestor_id__in=subtree_ids).delete()
        if unit.parent_id:
            ancestors = list(
                cls.objects.filter(descendant_id=unit.parent_id).values_list("ancestor_id", "depth")
            )
            cls.objects.bulk_create(
                cls(ancestor_id=a, descendant_id=d, depth=ad + dd + 1)
                for a, ad in ancestors
                for d, dd in subtree
            )

    RECURSIVE_SQL = """
        WITH RECURSIVE tree(ancestor_id, descendant_id, depth) AS (
            SELECT id, id, 0 FROM targets_orgunit
            UNION ALL
            SELECT tree.ancestor_id, child.id, tree.depth + 1
            FROM tree JOIN targets_orgunit child ON child.parent_id = tree.descendant_id
        )
    """

    @classmethod
    def rebuild(cls) -> int:
        """Recompute the whole table from parent links in one recursive statement."""
        with transaction.atomic(), connection.cursor() as cursor:
            cls.objects.all().delete()
            cursor.execute(
                cls.RECURSIVE_SQL  # noqa: S608 - constant SQL, no user input
                + "INSERT INTO targets_orgunitclosure (ancestor_id, descendant_id, depth) "
                "SELECT ancestor_id, descendant_id, depth FROM tree"
            )
            return cursor.rowcount

    @classmethod
    def discrepancies(cls) -> int:
        """Rows that differ between the stored table and the one derived from parent links."""
        with connection.cursor() as cursor:
            cursor.execute(
                cls.RECURSIVE_SQL  # noqa: S608 - constant SQL, no user input
                + """, stored AS (SELECT ancestor_id, descendant_id, depth FROM targets_orgunitclosure)
                SELECT
                  (SELECT COUNT(*) FROM (SELECT * FROM tree EXCEPT SELECT * FROM stored) AS missing)
                + (SELECT COUNT(*) FROM (SELECT * FROM stored EXCEPT SELECT * FROM tree) AS extra)
                """
            )
            return cursor.fetchone()[0]


# --------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------
class DepartmentQuerySet(models.QuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            q = unit_filter("org_unit", scope.unit_subtree())
            q |= unit_filter("org_unit", scope.unit_context())
            for m in scope.memberships(department=True):
                q |= Q(sector=m.department.sector,
                       org_unit__in=Scope._subtree([m.department.org_unit_id]))
                q |= unit_filter("org_unit", Scope._ancestors([m.org_unit_id], include_self=True))
            return self.filter(q)
        return self.filter(unit_filter("org_unit", scope.unit_subtree(WRITE_ROLES["structure"])))


class Department(TimeStampedModel):
    """A department at an org unit (市应急管理局 at 温州市). The sector lets a city
    department's quota be compared with its counterparts below it."""

    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="departments", verbose_name=_("org unit")
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["org_unit__level", "org_unit__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "name"], name="department_unique_in_unit"),
        ]
        indexes = [models.Index(fields=["sector", "org_unit"], name="department_sector_unit")]

    def __str__(self):
        return f"{self.org_unit.label}·{self.name}"


# --------------------------------------------------------------------------------------------
# Indicators
# --------------------------------------------------------------------------------------------
class IndicatorQuerySet(models.QuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            return self if scope.is_member else self.none()
        # The catalogue is national vocabulary: provincial (or higher) administrators curate it.
        if any(m.org_unit.level <= OrgLevel.PROVINCE
               for m in scope.memberships(WRITE_ROLES["structure"], department=False)):
            return self
        return self.none()


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
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

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

    def has_department_figures(self) -> bool:
        """Whether a department's share of this indicator can be measured: manual values and
        most domain figures name their reporting department; subsidy claims and vouchers do
        not. A ratio needs both its parts to."""
        if self.kind == IndicatorKind.RATIO:
            return all(part is None or part.has_department_figures()
                       for part in (self.numerator, self.denominator))
        if self.source != IndicatorSource.MEASURE:
            return True
        from .measures import registry

        measure = registry.get(self.measure)
        return measure is None or measure.source is None or \
            measure.source.department_field is not None

    def clean(self):
        from .measures import registry

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
        if errors:
            raise ValidationError(errors)


# --------------------------------------------------------------------------------------------
# Plans and tasks
# --------------------------------------------------------------------------------------------
class PlanQuerySet(models.QuerySet):
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
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("implements"),
    )
    is_reference = models.BooleanField(
        _("reference only"), default=False,
        help_text=_("A plan cited by others whose targets are not tracked here."),
    )
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)

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
        for name in ("period_start", "period_end"):
            value = getattr(self, name)
            if value and not first_of_month(value):
                errors[name] = _("Periods are whole months: use the first day of the month.")
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


class PlanTaskQuerySet(models.QuerySet):
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
class TargetQuerySet(models.QuerySet):
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

    def with_coverage(self, user=None):
        """Annotate each target with its children's count, and the count and sum of the
        children `user` may see, per decomposition axis: one grouped join, usable in list
        pages and the admin."""
        visible = Q() if user is None else Q(
            children__in=Target.objects.for_user(user).values("pk")
        )
        annotations = {}
        for axis in DecompositionAxis.values:
            child = Q(children__axis=axis)
            annotations[f"{axis}_children"] = models.Count("children", filter=child)
            annotations[f"{axis}_seen"] = models.Count("children", filter=child & visible)
            annotations[f"{axis}_sum"] = models.Sum("children__value", filter=child & visible)
            annotations[f"{axis}_missing"] = models.Count(
                "children", filter=child & visible & Q(children__value__isnull=True)
            )
        return self.annotate(**annotations)


def window_label(window: str, start: dt.date, end: dt.date) -> str:
    """'2021年', '至2025年12月', '2021年1月—2025年12月累计': a target window as the plans word it
    (the target pages and the dashboard)."""
    if window == WindowKind.ANNUAL:
        return f"{start.year}年"
    if window == WindowKind.LEVEL:
        return f"至{end.year}年{end.month}月"
    return f"{start.year}年{start.month}月—{end.year}年{end.month}月累计"


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
    period_start = models.DateField(_("window start"))
    period_end = models.DateField(_("window end"))
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
    quote = models.TextField(_("source text"), blank=True)
    note = models.TextField(_("note"), blank=True)

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
        ]
        indexes = [
            models.Index(fields=["org_unit", "period_start", "period_end"], name="target_unit_window"),
            models.Index(fields=["indicator", "period_end"], name="target_indicator_end"),
        ]

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

        for name in ("period_start", "period_end"):
            value = getattr(self, name)
            if value and not first_of_month(value):
                add(name, _("Windows are whole months: use the first day of the month."))
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
        if errors:
            raise ValidationError(errors)

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
        if (parent.window, parent.period_start, parent.period_end) != (
            self.window, self.period_start, self.period_end
        ):
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
        elif self.axis == DecompositionAxis.SLICE:
            if self.org_unit_id != parent.org_unit_id or self.department_id != parent.department_id:
                add("org_unit", _("A slice (其中) stays on the parent's unit and department."))
            if self.indicator_id == parent.indicator_id:
                add("indicator", _("A slice (其中) counts a narrower indicator than its parent."))


# --------------------------------------------------------------------------------------------
# Manual data values
# --------------------------------------------------------------------------------------------
class DataValueQuerySet(models.QuerySet):
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


class RollupMark(models.Model):
    """An (org unit, month) whose figures changed since its last roll-up. Written in the same
    transaction as the figures, so a broker outage loses nothing: the roll-up sweep reads
    these rows and rolls up every month from the earliest to the latest marked (or
    snapshotted) one, so a write marks only the first and last month it changed per unit."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("org unit"))
    period = models.DateField(_("month"))
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("roll-up mark")
        verbose_name_plural = _("roll-up marks")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "period"], name="rollupmark_unique"),
        ]

    def __str__(self):
        return f"{self.org_unit_id} {self.period:%Y-%m}"


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


class ValidationRuleQuerySet(models.QuerySet):
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


class RollupStatus(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class RollupRunQuerySet(models.QuerySet):
    def for_user(self, user, action: str = VIEW):
        """A run covers the whole country's month and names no unit: every member may read
        the runs (to know how fresh the snapshots are); nobody changes them but the roll-up."""
        scope = Scope.of(user)
        if scope.is_global:
            return self
        return self if action == VIEW and scope.is_member else self.none()


class RollupRun(models.Model):
    """The record every roll-up leaves: what, when, how it ended."""

    period = models.DateField(_("month"))
    trigger = models.CharField(_("trigger"), max_length=20)  # full | sweep | command | test
    status = models.CharField(_("status"), max_length=10, choices=RollupStatus.choices,
                              default=RollupStatus.RUNNING)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    queries = models.PositiveIntegerField(_("queries"), default=0)
    error = models.TextField(_("error"), blank=True)

    objects = RollupRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("roll-up run")
        verbose_name_plural = _("roll-up runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["period", "-started_at"], name="rolluprun_month")]

    def __str__(self):
        return f"{self.period:%Y-%m} {self.status}"


class RollupLock(models.Model):
    """One row per month, locked (SELECT … FOR UPDATE) for the length of a roll-up of that month,
    so that two roll-ups of one month never interleave."""

    period = models.DateField(unique=True)

    def __str__(self):
        return f"{self.period:%Y-%m}"


class ProgressStatus(models.TextChoices):
    DONE = "done", "完成"
    AHEAD = "ahead", "超序时"
    ON_PACE = "on_pace", "正常"
    BEHIND = "behind", "滞后"
    SERIOUSLY_BEHIND = "seriously_behind", "严重滞后"
    UNDETERMINED = "undetermined", "待定"


class ProgressSnapshotQuerySet(models.QuerySet):
    def for_user(self, user, action: str = VIEW):
        """A snapshot is visible to whoever may see its target."""
        return self.filter(target__in=Target.objects.for_user(user, action))


class ProgressSnapshot(models.Model):
    """A target's progress at the end of a month: the analytics table the dashboard reads.
    Replaced as a whole for a month by each roll-up."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="snapshots",
                               verbose_name=_("target"))
    period = models.DateField(_("month"))
    run = models.ForeignKey(RollupRun, on_delete=models.SET_NULL, null=True, related_name="+")
    actual = models.DecimalField(_("actual"), max_digits=20, decimal_places=4, null=True)
    target_value = models.DecimalField(_("target value"), max_digits=18, decimal_places=4,
                                       null=True)
    completion_rate = models.DecimalField(_("completion rate"), max_digits=12, decimal_places=4,
                                          null=True)
    time_progress = models.DecimalField(_("time progress"), max_digits=7, decimal_places=4)
    gap_to_target = models.DecimalField(_("gap to target"), max_digits=20, decimal_places=4,
                                        null=True)
    gap_to_time = models.DecimalField(_("gap to time progress"), max_digits=20,
                                      decimal_places=4, null=True)
    status = models.CharField(_("status"), max_length=20, choices=ProgressStatus.choices)
    is_soft = models.BooleanField(_("soft target (力争)"), default=False)
    rank = models.PositiveIntegerField(_("rank among siblings"), null=True)
    rank_of = models.PositiveIntegerField(_("siblings ranked"), null=True)
    completion_change = models.DecimalField(_("change against the previous month"),
                                            max_digits=12, decimal_places=4, null=True)

    objects = ProgressSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        ordering = ["period", "target"]
        constraints = [
            models.UniqueConstraint(fields=["target", "period"], name="snapshot_unique"),
        ]
        indexes = [models.Index(fields=["period", "status"], name="snapshot_month_status")]

    def __str__(self):
        return f"{self.target_id} {self.period:%Y-%m} {self.status}"
