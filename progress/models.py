"""Progress: what the roll-up keeps. Roll-up marks (which unit-months changed), runs and
locks, and progress snapshots, the analytics table the dashboard reads. Tables keep the names
they had in the targets app."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.access import VIEW, Scope
from org.models import OrgUnit
from org.scoping import ScopedQuerySet
from skills_portal.models import MonthField
from targets.models import Plan, Target

from .choices import (
    ProgressStatus,
    ProjectionMethod,
    RollupReason,
    RollupRequestStatus,
    RollupStatus,
    WarningColour,
)


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
        db_table = "targets_rollupmark"
        verbose_name = _("roll-up mark")
        verbose_name_plural = _("roll-up marks")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "period"], name="rollupmark_unique"),
        ]

    def __str__(self):
        return f"{self.org_unit_id} {self.period:%Y-%m}"


class RollupRunQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """A run covers the whole country's month and names no unit: every member may read
        the runs (to know how fresh the snapshots are); nobody changes them but the roll-up.
        Roll-up requests are read the same way (who may make one: `services.request_rollup`)."""
        scope = Scope.of(user)
        if scope.is_global:
            return self
        return self if action == VIEW and scope.is_member else self.none()


class RollupRun(models.Model):
    """The record every roll-up leaves: what, when, how it ended."""

    period = models.DateField(_("month"))
    # full | sweep | command | request | test
    trigger = models.CharField(_("trigger"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=RollupStatus.choices,
                              default=RollupStatus.RUNNING)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    queries = models.PositiveIntegerField(_("queries"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The roll-up request whose months this run rolled up (trigger `request`).
    request = models.ForeignKey("RollupRequest", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="runs", verbose_name=_("roll-up request"))

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = RollupRunQuerySet.as_unscoped_manager()
    objects = RollupRunQuerySet.as_manager()

    class Meta:
        db_table = "targets_rolluprun"
        verbose_name = _("roll-up run")
        verbose_name_plural = _("roll-up runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["period", "-started_at"], name="rolluprun_month")]

    def __str__(self):
        return f"{self.period:%Y-%m} {self.get_status_display()}"


class RollupRequest(models.Model):
    """Months to roll up again, on an administrator's request or because a definition the
    snapshots depend on changed (a target, an indicator, a decomposition): worked through
    month by month in the background (`rollup.run_request`), each month its own roll-up run
    (`runs`). A month's roll-up recomputes the whole month, every plan's targets in force; a
    request for a plan names the months of the plan's window. Read like runs: every member
    may see them; administrators make them (`services.request_rollup`)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+", verbose_name=_("plan"),
                             help_text=_("Empty: every plan."))
    first_month = MonthField(_("first month"))
    last_month = MonthField(_("last month"))
    reason = models.CharField(_("reason for the roll-up"), max_length=20,
                              choices=RollupReason.choices, default=RollupReason.MANUAL)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=RollupRequestStatus.choices,
                              default=RollupRequestStatus.QUEUED)
    months_total = models.PositiveIntegerField(_("months in all"), default=0)
    months_done = models.PositiveIntegerField(_("months done"), default=0)
    current_month = MonthField(_("month being rolled up"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Set after each month: a running request whose process died stops moving (see
    # `rollup.requeue_stalled_requests`).
    progressed_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = RollupRunQuerySet.as_unscoped_manager()
    objects = RollupRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("roll-up request")
        verbose_name_plural = _("roll-up requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="rolluprequest_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_month__lte=models.F("last_month")),
                name="rolluprequest_months_ordered",
                violation_error_message=_("The last month comes before the first.")),
        ]

    def __str__(self):
        return gettext("%(plan)s, %(first)s to %(last)s") % {
            "plan": self.plan.short_name if self.plan_id else gettext("all plans"),
            "first": f"{self.first_month:%Y-%m}", "last": f"{self.last_month:%Y-%m}"}


class RollupLock(models.Model):
    """One row per month, locked (SELECT … FOR UPDATE) for the length of a roll-up of that month,
    so that two roll-ups of one month never interleave."""

    period = models.DateField(unique=True)

    class Meta:
        db_table = "targets_rolluplock"

    def __str__(self):
        return f"{self.period:%Y-%m}"


class ProgressSnapshotQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """A snapshot is visible to whoever may see its target."""
        return self.filter(target__in=Target.objects.for_user(user, action))


class ProgressSnapshot(models.Model):
    """A target's progress at the end of a month: the analytics table the dashboard reads.
    Replaced as a whole for a month by each roll-up."""

    # Each roll-up writes a row per target in force (57,763 in the national benchmark), so the
    # table keeps only what reads need: a target's rows are found through `snapshot_unique`
    # (target first), and nothing reads rows by run. The run is provenance, not a reference
    # any write depends on: no database key check (the ORM still nulls it if a run is
    # deleted); the target keeps its foreign key.
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="snapshots",
                               verbose_name=_("target"), db_index=False)
    period = models.DateField(_("month"))
    run = models.ForeignKey(RollupRun, on_delete=models.SET_NULL, null=True, related_name="+",
                            db_index=False, db_constraint=False)
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
    # A stock (level) indicator keeps its last figure until a new one is reported: the month
    # that figure dates from, when it is older than the snapshot's month ("截至2025年9月").
    value_as_of = models.DateField(_("figure as of"), null=True, blank=True)
    # Foresight (#20, progress.forecast): where the target will stand at its window's end, the
    # monthly pace still needed (还需月均完成) beside the pace so far, and the warning level.
    projected = models.DecimalField(_("projected at the window's end"), max_digits=20,
                                    decimal_places=4, null=True)
    projected_completion = models.DecimalField(_("projected completion"), max_digits=12,
                                               decimal_places=4, null=True)
    projection_method = models.CharField(_("projection method"), max_length=10, blank=True,
                                         choices=ProjectionMethod.choices)
    required_pace = models.DecimalField(_("monthly pace still needed"), max_digits=20,
                                        decimal_places=4, null=True)
    pace_so_far = models.DecimalField(_("monthly pace so far"), max_digits=20,
                                      decimal_places=4, null=True)
    warning = models.CharField(_("early warning"), max_length=10, blank=True,
                               choices=WarningColour.choices)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = ProgressSnapshotQuerySet.as_unscoped_manager()
    objects = ProgressSnapshotQuerySet.as_manager()

    class Meta:
        db_table = "targets_progresssnapshot"
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        ordering = ["period", "target_id"]
        constraints = [
            models.UniqueConstraint(fields=["target", "period"], name="snapshot_unique"),
        ]
        indexes = [models.Index(fields=["period", "status"], name="snapshot_month_status"),
                   # Lists in this order page through the index, not a sort of the month's
                   # every snapshot (57,763 at national scale; issue #21).
                   models.Index(fields=["period", "target"], name="snapshot_month_target")]

    def __str__(self):
        return f"#{self.target_id} {self.period:%Y-%m} {self.get_status_display()}"


class WarningLevel(models.Model):
    """An early-warning level (预警) and its threshold: a target in force whose projected
    completion at its window's end is below `below` gets the level (the most severe that
    applies). Data, so that a province can set its own thresholds in the admin."""

    code = models.CharField(_("warning level"), max_length=10, unique=True,
                            choices=WarningColour.choices)
    below = models.DecimalField(
        _("projected completion below"), max_digits=6, decimal_places=4,
        help_text=_("A share: 0.9 means a target projected to reach less than 90% of itself "
                    "by its window's end."))

    class Meta:
        verbose_name = _("early-warning level")
        verbose_name_plural = _("early-warning levels")
        ordering = ["below"]

    def __str__(self):
        return f"{self.get_code_display()} < {self.below:.0%}"

    def clean(self):
        if self.below is None:
            return
        if not (0 < self.below <= 2):
            raise ValidationError(
                {"below": "预警阈值应为大于0且不超过2的比例（如0.9表示预计完成率低于90%）。"})
        # Red is the most severe: its threshold lies below orange's, orange's below yellow's.
        order = [c.value for c in WarningColour]
        others = {lv.code: lv.below for lv in WarningLevel.objects.exclude(pk=self.pk)}
        mine = order.index(self.code) if self.code in order else None
        for code, below in others.items():
            if mine is None or code not in order:
                continue
            theirs = order.index(code)
            label = WarningColour(code).label
            if theirs < mine and below >= self.below:
                raise ValidationError({"below": f"阈值应高于{label}的阈值（{below:.0%}）。"})
            if theirs > mine and below <= self.below:
                raise ValidationError({"below": f"阈值应低于{label}的阈值（{below:.0%}）。"})
