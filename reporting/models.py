"""The monthly reporting workflow: one report per org unit (or reporting department) and month,
draft → submitted → approved, or returned with a comment → resubmitted. An approved report
locks that unit's (or department's) figures of the month on every entry path
(`services.assert_entry_open`)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.access import VIEW, WRITE_ROLES, Scope, unit_filter
from org.scoping import ScopedQuerySet

from .choices import ReportAction, ReportStatus

DEFAULT_DEADLINE_DAY = 5
DEFAULT_REMINDER_DAYS = 3


class ReportingScheduleQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """Schedules apply across the tree: superusers only."""
        return self if Scope.of(user).is_global else self.none()


class ReportingSchedule(models.Model):
    """When reports are due and when entry closes. One row without a plan is the default for
    every unit; a row for a plan applies to the units under the plan's issuer while the plan is
    in force (the most specific plan wins). Without any row: due on the 5th of the next month,
    entry never closes."""

    plan = models.OneToOneField(
        "targets.Plan", on_delete=models.CASCADE, null=True, blank=True,
        related_name="reporting_schedule", verbose_name=_("plan"),
        help_text=_("Empty: the default schedule for every unit."),
    )
    deadline_day = models.PositiveSmallIntegerField(
        _("deadline day"), default=DEFAULT_DEADLINE_DAY,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("A month's report is due on this day of the next month."),
    )
    entry_close_days = models.PositiveSmallIntegerField(
        _("entry closes after (days)"), null=True, blank=True,
        validators=[MaxValueValidator(3660)],
        help_text=_("Figures of a month can be entered until this many days after the month "
                    "ends; empty means entry never closes. Administrators can grant a unit an "
                    "exception."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind days before the deadline"), default=DEFAULT_REMINDER_DAYS,
        validators=[MaxValueValidator(28)],
    )

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = ReportingScheduleQuerySet.as_unscoped_manager()
    objects = ReportingScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting schedule")
        verbose_name_plural = _("reporting schedules")

    def __str__(self):
        return str(self.plan) if self.plan_id else str(_("default schedule"))

    def clean(self):
        if self.plan_id is None and ReportingSchedule.unscoped.filter(plan__isnull=True).exclude(
                pk=self.pk).exists():
            raise ValidationError({"plan": _("There is already a default schedule.")})


class MonthlyReportQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """Members see the reports of their subtree (department members: their department and
        its same-sector counterparts below). Changing a report is a workflow action: the
        services decide who may do which; this scope is the outer bound."""
        scope = Scope.of(user)
        if scope.is_global:
            return self
        roles = None if action == VIEW else (
            WRITE_ROLES["values"] | {"reviewer"})
        q = unit_filter("org_unit", scope.unit_subtree(roles))
        q |= scope.department_q("department", roles=roles)
        return self.filter(q)


class MonthlyReport(models.Model):
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT,
                                 related_name="monthly_reports", verbose_name=_("org unit"))
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="monthly_reports",
                                   verbose_name=_("reporting department"))
    period = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices,
                              default=ReportStatus.DRAFT)
    deadline = models.DateField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("submitted by"))
    is_late = models.BooleanField(_("late"), default=False,
                                  help_text=_("First submitted after the deadline."))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("approved by"))
    approved_level = models.PositiveSmallIntegerField(
        _("approved at level"), null=True, blank=True,
        help_text=_("Level of the unit whose reviewer approved; withdrawing the approval needs "
                    "a reviewer at this level or above."))
    override_reason = models.TextField(
        _("override reason"), blank=True,
        help_text=_("Why this report was approved before all the reports below it were."))
    is_zero_report = models.BooleanField(
        _("zero report"), default=False,
        help_text=_("Submitted without figures: the unit confirmed it has nothing new this "
                    "month."))
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = MonthlyReportQuerySet.as_unscoped_manager()
    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-period", "org_unit__level", "org_unit__code", "org_unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "period"],
                                    condition=Q(department__isnull=True),
                                    name="monthlyreport_unique_unit_month"),
            models.UniqueConstraint(fields=["org_unit", "department", "period"],
                                    condition=Q(department__isnull=False),
                                    name="monthlyreport_unique_department_month"),
        ]
        indexes = [models.Index(fields=["period", "status"], name="monthlyreport_month_status")]

    def __str__(self):
        who = self.org_unit.name + (f"·{self.department.name}" if self.department_id else "")
        return f"{who} {self.period:%Y-%m}"

    def clean(self):
        errors = {}
        if self.period and self.period.day != 1:
            errors["period"] = _("A report is for a month: use the first day of the month.")
        if self.department_id and self.org_unit_id and \
                self.department.org_unit_id != self.org_unit_id:
            errors["department"] = _("The department must belong to the report's org unit.")
        if errors:
            raise ValidationError(errors)


class ReportSubmission(models.Model):
    """Each submission of a report, with a compact snapshot of the figures as submitted
    ({measure code: {cell key: value}}), so a reviewer sees what changed since the last one."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE,
                               related_name="submissions", verbose_name=_("report"))
    number = models.PositiveSmallIntegerField(_("number"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+", verbose_name=_("submitted by"))
    is_late = models.BooleanField(_("late"), default=False)
    snapshot = models.JSONField(_("figures as submitted"), default=dict)
    target_values = models.JSONField(
        _("target figures as submitted"), default=dict, blank=True,
        help_text=_("{target id: {month, cumulative}} at submission, to mark the figures "
                    "changed since."))
    is_zero_report = models.BooleanField(_("zero report"), default=False)

    class Meta:
        verbose_name = _("report submission")
        verbose_name_plural = _("report submissions")
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"],
                                               name="reportsubmission_unique_number")]

    def __str__(self):
        return f"{self.report} #{self.number}"


class ReportEvent(models.Model):
    """The report's history as its users see it: each transition with who, when and the
    comment (a return's reason, an override's or a withdrawal's reason)."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="events",
                               verbose_name=_("report"))
    action = models.CharField(_("action"), max_length=12, choices=ReportAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    from_status = models.CharField(_("from"), max_length=12, choices=ReportStatus.choices,
                                   blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=ReportStatus.choices,
                                 blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["report", "at", "pk"]

    def __str__(self):
        return f"{self.report} {self.get_action_display()}"


class EntryExceptionQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        roles = None if action == VIEW else WRITE_ROLES["structure"]
        return self.filter(unit_filter("org_unit", scope.unit_subtree(roles)))


class EntryWindowException(models.Model):
    """An administrator keeps a unit's month open for entry after the window closed (DHIS2's
    lock exception). It never reopens an approved month: withdraw the approval for that."""

    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("org unit"))
    period = models.DateField(_("month"))
    open_until = models.DateField(_("open until"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("granted by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = EntryExceptionQuerySet.as_unscoped_manager()
    objects = EntryExceptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("entry window exception")
        verbose_name_plural = _("entry window exceptions")
        constraints = [models.UniqueConstraint(fields=["org_unit", "period"],
                                               name="entryexception_unique_unit_month")]

    def __str__(self):
        return f"{self.org_unit} {self.period:%Y-%m} → {self.open_until}"

    def clean(self):
        errors = {}
        if self.period and self.period.day != 1:
            errors["period"] = _("Use the first day of the month.")
        if self.period and self.open_until and self.open_until < self.period:
            errors["open_until"] = _("The exception must end after the month starts.")
        if not (self.reason or "").strip():
            errors["reason"] = _("Say why the month is kept open.")
        if errors:
            raise ValidationError(errors)


class NoticeQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class Notice(models.Model):
    """An in-app notice shown in the header until read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notices", verbose_name=_("user"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = NoticeQuerySet.as_unscoped_manager()
    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]

    def __str__(self):
        return self.title


class ReminderQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        return self.filter(unit_filter("org_unit", scope.unit_subtree()))


class Reminder(models.Model):
    """A deadline reminder sent to a unit that had not submitted; at most one per unit and
    month (the constraint makes the beat task safe to run again)."""

    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("org unit"))
    period = models.DateField(_("month"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    run = models.UUIDField(_("run"), null=True, blank=True, editable=False,
                           help_text=_("The reminder run that sent it."))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    emails = models.PositiveIntegerField(_("e-mails sent"), default=0)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = ReminderQuerySet.as_unscoped_manager()
    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-period", "-sent_at"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "period"],
                                               name="reminder_once_per_unit_month")]

    def __str__(self):
        return f"{self.org_unit} {self.period:%Y-%m}"


__all__ = ["ReportAction", "ReportStatus"]
