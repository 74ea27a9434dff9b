"""Monthly bulletins (一月一通报), kept as issued."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.access import VIEW, Scope, nothing, unit_filter
from org.choices import Role
from org.models import OrgUnit
from org.scoping import ScopedQuerySet
from progress.models import RollupRun
from reporting.models import ReminderQuerySet
from targets.models import Plan, first_of_month

# Who may issue a bulletin on demand (the roll-up's task issues the first one of a month).
ISSUING_ROLES = {Role.REVIEWER, Role.ADMIN}


def may_issue_bulletins(user) -> bool:
    """Whether `user` may issue some bulletin: the rule of `Bulletin.objects.for_user(user,
    CHANGE)` (global, or a whole-unit reviewer or administrator somewhere)."""
    scope = Scope.of(user)
    return scope.is_global or scope.unit_subtree(ISSUING_ROLES) is not None


class BulletinQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """A bulletin ranks every unit below its own: only whole-unit members of that unit or
        above read it (a county never sees its city's bulletin, which names its siblings);
        reviewers and administrators there may issue one."""
        scope = Scope.of(user)
        if scope.is_global:
            return self
        roles = None if action == VIEW else ISSUING_ROLES
        subtree = scope.unit_subtree(roles)
        return self.filter(unit_filter("org_unit", subtree)) if subtree is not None \
            else self.filter(nothing())


class Trigger(models.TextChoices):
    ROLLUP = "rollup", _("after the monthly roll-up")
    MANUAL = "manual", _("issued on demand")


class Bulletin(models.Model):
    """The bulletin of a plan for an org unit and month: headline totals, child units ranked
    by completion against time progress, laggards with their gaps and the department table,
    frozen as issued (`content`) so that a later roll-up never changes what was sent."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="bulletins",
                             verbose_name=_("plan"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="bulletins",
                                 verbose_name=_("org unit"))
    period = models.DateField(_("month"), help_text=_("First day of the month."))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    trigger = models.CharField(_("issued"), max_length=10, choices=Trigger.choices)
    run = models.ForeignKey(RollupRun, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+", verbose_name=_("roll-up run"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("issued by"))
    content = models.JSONField(_("content"))

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = BulletinQuerySet.as_unscoped_manager()
    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly bulletin")
        verbose_name_plural = _("monthly bulletins")
        ordering = ["-period", "plan", "org_unit__level", "org_unit__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "org_unit", "period", "version"],
                                    name="bulletin_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="bulletin_version_positive"),
        ]
        indexes = [models.Index(fields=["org_unit", "period"], name="bulletin_unit_month")]

    def __str__(self):
        return f"{self.plan.short_name} · {self.org_unit.name} · {self.period:%Y年%m月}" + (
            f"（第{self.version}版）" if self.version > 1 else "")

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.period and not first_of_month(self.period):
            raise ValidationError({"period": _("A bulletin is for a month: use the first day "
                                               "of the month.")})


class WarningNoticeQuerySet(ReminderQuerySet):
    """Seen as a unit's reminders are: by members of the unit or above."""


class WarningNotice(models.Model):
    """A unit's entry into red warning (红色预警) in a month, told once to its reviewers; at most
    one per unit and month (the constraint makes the task safe to run again, as reminders
    are)."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("org unit"))
    period = models.DateField(_("month"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    run = models.UUIDField(_("run"), null=True, blank=True, editable=False)
    targets = models.PositiveIntegerField(_("targets in red"), default=0)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = WarningNoticeQuerySet.as_unscoped_manager()
    objects = WarningNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("red-warning notice")
        verbose_name_plural = _("red-warning notices")
        ordering = ["-period", "-sent_at"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "period"],
                                               name="warning_notice_once_per_unit_month")]

    def __str__(self):
        return f"{self.org_unit} {self.period:%Y-%m}"
