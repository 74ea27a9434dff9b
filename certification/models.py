"""Certificates obtained per month."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org import options
from targets.models import MonthlyFigure

from .choices import SkillLevel


@options.with_labels
class CertificateFigure(MonthlyFigure):
    """Certificates obtained in a month by type, level, occupation (optional) and industry."""

    # Option sets' codes (org.options, #26), checked against the sets as they stand for the
    # month; whether a kind carries a level is the certificate_type set's mark.
    certificate_type = models.CharField(_("certificate type"), max_length=40)
    level = models.CharField(pgettext_lazy("skill level", "level"), max_length=40)
    occupation = models.CharField(_("occupation"), max_length=60, blank=True)
    industry = models.CharField(_("industry"), max_length=40, blank=True)  # option set industry
    count = models.PositiveIntegerField(_("certificates"), default=0)

    KEY = ("org_unit", "department", "period", "certificate_type", "level", "occupation",
           "industry")
    OPTION_SETS = {"certificate_type": "certificate_type", "level": "skill_level",
                   "industry": "industry"}

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
        if not errors.keys() & {"certificate_type", "level"} and \
                not level_fits(self.certificate_type, self.level):
            errors["level"] = _("%(type)s does not take the level %(level)s.") % {
                "type": self.certificate_type, "level": self.level}
        if errors:
            raise ValidationError(errors)


def level_fits(certificate_type: str, level: str) -> bool:
    """Kinds marked in the certificate_type set (职业资格证书, 职业技能等级证书 and those an
    administrator marks) carry a skill level; every other kind takes 无等级. The check that was a
    database constraint until the kinds became data (#26): the grid, import, API and model
    clean all ask this."""
    return (certificate_type in options.flagged("certificate_type")) == (
        level != SkillLevel.NONE)
