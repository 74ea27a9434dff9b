"""Monthly training figures and training carriers."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org import options
from org.access import VIEW
from org.scoping import ScopedQuerySet
from skills_portal.models import TimeStampedModel
from targets.models import FigureQuerySet, MonthlyFigure, Plan


class ProgrammeQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        return self.filter(plan__in=Plan.objects.for_user(user, action))

    def available_at(self, org_unit):
        """Programmes of the plans issued at this unit or above it."""
        return self.filter(
            is_active=True,
            plan__issuer_unit__descendant_links__descendant=org_unit,
        )


class Programme(TimeStampedModel):
    """A training programme or brand a plan sets up (康养云师傅, 黔菜师傅, 马兰花 …)."""

    plan = models.ForeignKey("targets.Plan", on_delete=models.CASCADE, related_name="programmes",
                             verbose_name=_("plan"))
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = ProgrammeQuerySet.as_unscoped_manager()
    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["plan", "name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="programme_unique_in_plan"),
        ]

    def __str__(self):
        return self.name


class TrainingFigure(MonthlyFigure):
    """One cell of the monthly training report: a unit's (or a reporting department's) figures
    for a month, training type, target group, programme, subsidy status and industry."""

    # The values of these fields are option sets' codes (org.options, #26): lists an
    # administrator extends, checked by `figure_errors` against the set in use in the month.
    training_type = models.CharField(_("training type"), max_length=40)
    target_group = models.CharField(_("target group"), max_length=40)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="figures", db_index=False,  # partial index below
                                  verbose_name=_("programme"))
    subsidised = models.BooleanField(_("subsidised training"), default=False)
    industry = models.CharField(_("industry"), max_length=40, blank=True)
    trained = models.PositiveIntegerField(_("person-times trained"), default=0)
    persons = models.PositiveIntegerField(_("persons starting training"), default=0)
    completed = models.PositiveIntegerField(_("person-times completed"), default=0)
    certified = models.PositiveIntegerField(_("person-times certified after training"), default=0)

    KEY = ("org_unit", "department", "period", "training_type", "target_group", "programme",
           "subsidised", "industry")
    OPTION_SETS = {"training_type": "training_type", "target_group": "target_group",
                   "industry": "industry"}

    class Meta:
        verbose_name = _("training figure")
        verbose_name_plural = _("training figures")
        ordering = ["-period", "org_unit", "target_group", "training_type"]
        constraints = [
            # One row per cell. Department and programme may be empty, and NULLs are distinct in
            # a plain unique constraint, so each combination gets its own partial constraint.
            *[
                models.UniqueConstraint(
                    fields=[f for f in ("org_unit", "department", "period", "training_type",
                                        "target_group", "programme", "subsidised", "industry")
                            if not (f == "department" and not dept) and not (f == "programme" and not prog)],
                    condition=Q(department__isnull=not dept, programme__isnull=not prog),
                    name=f"trainingfigure_unique_d{int(dept)}_p{int(prog)}",
                )
                for dept in (False, True) for prog in (False, True)
            ],
            models.CheckConstraint(condition=Q(completed__lte=F("trained")),
                                   name="trainingfigure_completed_le_trained"),
            models.CheckConstraint(condition=Q(certified__lte=F("completed")),
                                   name="trainingfigure_certified_le_completed"),
            models.CheckConstraint(condition=Q(persons__lte=F("trained")),
                                   name="trainingfigure_persons_le_trained"),
        ]
        indexes = [
            models.Index(fields=["period", "org_unit"], name="trainingfigure_month_unit"),
            # Only the figures that have a department or programme (see MonthlyFigure).
            models.Index(fields=["department"], condition=Q(department__isnull=False),
                         name="trainingfigure_department"),
            models.Index(fields=["programme"], condition=Q(programme__isnull=False),
                         name="trainingfigure_programme"),
        ]

    def __str__(self):
        return f"{self.org_unit_id} {self.period:%Y-%m} {self.target_group}/{self.training_type}"

    def clean(self):
        errors = self.figure_errors()
        if self.completed > self.trained:
            errors["completed"] = _("Completed cannot exceed trained.")
        if self.certified > self.completed:
            errors["certified"] = _("Certified after training cannot exceed completed.")
        if self.persons > self.trained:
            errors["persons"] = _("Persons cannot exceed person-times.")
        if errors:
            raise ValidationError(errors)


@options.with_labels
class TrainingCarrier(TimeStampedModel):
    """A training carrier (公共实训基地, 技能大师工作室 …) and the months it exists."""

    name = models.CharField(_("name"), max_length=120)
    carrier_type = models.CharField(_("carrier type"), max_length=40)  # option set carrier_type
    level = models.CharField(pgettext_lazy("carrier level", "level"), max_length=10)
    OPTION_SETS = {"carrier_type": "carrier_type", "level": "carrier_level"}
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("department"))
    established_on = models.DateField(_("established on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True,
                                 help_text=_("Empty while the carrier operates."))
    note = models.TextField(_("note"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = FigureQuerySet.as_unscoped_manager()
    objects = FigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("training carrier")
        verbose_name_plural = _("training carriers")
        ordering = ["org_unit", "carrier_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "carrier_type", "name"],
                                    name="carrier_unique_in_unit"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("established_on")),
                name="carrier_closed_after_established",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_carrier_type_display()}）"

    def clean(self):
        errors = options.errors(self.OPTION_SETS, vars(self), self.established_on)
        if errors:
            raise ValidationError(errors)
