"""Certificates obtained per month."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from targets.models import MonthlyFigure

from .choices import LEVELLED_TYPES, CertificateType, SkillLevel


class CertificateFigure(MonthlyFigure):
    """Certificates obtained in a month by type, level, occupation (optional) and industry."""

    certificate_type = models.CharField(_("certificate type"), max_length=20,
                                        choices=CertificateType.choices)
    level = models.CharField(pgettext_lazy("skill level", "level"), max_length=20, choices=SkillLevel.choices)
    occupation = models.CharField(_("occupation"), max_length=60, blank=True)
    industry = models.CharField(_("industry"), max_length=40, blank=True)  # option set industry
    count = models.PositiveIntegerField(_("certificates"), default=0)

    KEY = ("org_unit", "department", "period", "certificate_type", "level", "occupation",
           "industry")
    OPTION_SETS = {"industry": "industry"}

    class Meta:
        verbose_name = _("certificate figure")
        verbose_name_plural = _("certificate figures")
        ordering = ["-period", "org_unit", "certificate_type", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "period", "certificate_type", "level", "occupation",
                        "industry"],
                condition=Q(department__isnull=True), name="certificatefigure_unique_unit",
            ),
            models.UniqueConstraint(
                fields=["org_unit", "department", "period", "certificate_type", "level",
                        "occupation", "industry"],
                condition=Q(department__isnull=False), name="certificatefigure_unique_department",
            ),
            # Occupational-qualification and skill-level certificates carry a level; special
            # ability and special operation/equipment certificates do not.
            models.CheckConstraint(
                condition=(Q(certificate_type__in=LEVELLED_TYPES) & ~Q(level=SkillLevel.NONE))
                | (~Q(certificate_type__in=LEVELLED_TYPES) & Q(level=SkillLevel.NONE)),
                name="certificatefigure_level_fits_type",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "org_unit"], name="certfigure_month_unit"),
            # Only the figures that have a department (see MonthlyFigure).
            models.Index(fields=["department"], condition=Q(department__isnull=False),
                         name="certfigure_department"),
        ]

    def __str__(self):
        return f"{self.org_unit_id} {self.period:%Y-%m} {self.certificate_type}/{self.level}"

    def clean(self):
        errors = self.figure_errors()
        if not level_fits(self.certificate_type, self.level):
            errors["level"] = _("%(type)s does not take the level %(level)s.") % {
                "type": self.certificate_type, "level": self.level}
        if errors:
            raise ValidationError(errors)


def level_fits(certificate_type: str, level: str) -> bool:
    return (certificate_type in LEVELLED_TYPES) == (level != SkillLevel.NONE)
