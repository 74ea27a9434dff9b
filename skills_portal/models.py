from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from targets.choices import Role


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class FigureQuerySet(models.QuerySet):
    """Scoping shared by the monthly figure models of every domain: a member reads figures of
    their subtree (or their department and its same-sector counterparts below); data entry and
    administrators write them."""

    def for_user(self, user, action: str = "view"):
        from .access import WRITE_ROLES, Scope, unit_filter

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
    org_unit = models.ForeignKey("targets.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    department = models.ForeignKey("targets.Department", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", db_index=False,
                                   verbose_name=_("reporting department"))
    period = models.DateField(_("month"))
    is_demo = models.BooleanField(_("demo data"), default=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", db_index=False,
                                   db_constraint=False, verbose_name=_("entered by"))

    objects = FigureQuerySet.as_manager()

    class Meta:
        abstract = True

    def figure_errors(self) -> dict:
        """The checks every monthly figure shares; subclasses add their own."""
        errors = {}
        if self.period and self.period.day != 1:
            errors["period"] = _("A figure is for a month: use the first day of the month.")
        if self.department_id and self.org_unit_id and \
                self.department.org_unit_id != self.org_unit_id:
            errors["department"] = _("The department must belong to the figure's org unit.")
        return errors

    def clean(self):
        errors = self.figure_errors()
        if errors:
            raise ValidationError(errors)


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view"):
        """A member sees their own memberships; administrators manage memberships in their
        subtree."""
        from .access import WRITE_ROLES, Scope, unit_filter

        scope = Scope.of(user)
        if scope.is_global:
            return self
        q = unit_filter("org_unit", scope.unit_subtree(WRITE_ROLES["structure"]))
        if action == "view" and user is not None and user.is_authenticated:
            q |= models.Q(user=user)
        return self.filter(q)


class Membership(TimeStampedModel):
    """What a user may see and do: a role at an org unit, optionally narrowed to a department
    (a partner department's uploader). Every `for_user` scoping method reads these."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("user"),
    )
    org_unit = models.ForeignKey(
        "targets.OrgUnit", on_delete=models.PROTECT, related_name="memberships",
        verbose_name=_("org unit"),
    )
    department = models.ForeignKey(
        "targets.Department", on_delete=models.PROTECT, null=True, blank=True,
        related_name="memberships", verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org_unit", "role"], condition=models.Q(department__isnull=True),
                name="membership_unique_unit_role",
            ),
            models.UniqueConstraint(
                fields=["user", "org_unit", "department", "role"],
                condition=models.Q(department__isnull=False),
                name="membership_unique_department_role",
            ),
        ]

    def __str__(self):
        where = f"{self.org_unit}" + (f" · {self.department.name}" if self.department_id else "")
        return f"{self.user} @ {where} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        self.full_clean()
        super().save(*args, **kwargs)

    def clean(self):
        if self.department_id and self.department.org_unit_id != self.org_unit_id:
            raise ValidationError(
                {"department": _("The department must belong to the membership's org unit.")}
            )
