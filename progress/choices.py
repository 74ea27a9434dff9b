"""Vocabularies of the roll-up and its snapshots."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RollupStatus(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    # Its process died (a worker killed, a connection dropped) before it could say how it ended.
    ABANDONED = "abandoned", _("abandoned")


class ProgressStatus(models.TextChoices):
    DONE = "done", "完成"
    AHEAD = "ahead", "超序时"
    ON_PACE = "on_pace", "正常"
    BEHIND = "behind", "滞后"
    SERIOUSLY_BEHIND = "seriously_behind", "严重滞后"
    UNDETERMINED = "undetermined", "待定"


# What started a roll-up run (RollupRun.trigger holds the code; the labels are for pages).
TRIGGER_LABELS = {
    "full": _("monthly full roll-up"),
    "sweep": _("scheduled sweep"),
    "command": _("command line"),
    "request": _("roll-up request"),
    "test": _("test"),
}


class RollupRequestStatus(models.TextChoices):
    """Where a roll-up request (`RollupRequest`) stands."""

    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class RollupReason(models.TextChoices):
    """Why months are rolled up again on request: an administrator asked, or a definition
    the snapshots depend on changed (the `definitions_changed` hook passes these codes)."""

    MANUAL = "manual", _("requested by hand")
    TARGET = "target", _("target changed")
    INDICATOR = "indicator", _("indicator changed")
    DECOMPOSITION = "decomposition", _("decomposition changed")


class WarningColour(models.TextChoices):
    """Early-warning levels (预警), from the projected completion at the window's end; each
    level's threshold is data (`WarningLevel`)."""

    RED = "red", "红色预警"
    ORANGE = "orange", "橙色预警"
    YELLOW = "yellow", "黄色预警"


# What a projection rests on (ProgressSnapshot.projection_method).
class ProjectionMethod(models.TextChoices):
    SEASONAL = "seasonal", "按上年同期进度规律"
    PACE = "pace", "按本期平均进度"
    TREND = "trend", "按存量变化趋势"
