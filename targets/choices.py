"""Vocabularies of the targets app. Labels are Chinese because they are domain terms
printed in the plans; they are not UI chrome."""

import math

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorUnit(models.TextChoices):
    PERSON_TIMES = "人次", "人次"
    PERSONS = "人", "人"
    EVENTS = "场", "场"
    ITEMS = "个", "个"
    ENTERPRISES = "家", "家"
    SESSIONS = "期", "期"
    YUAN = "元", "元"
    PERCENT = "%", "%"


# Units counted in whole things: a shortfall of 0.67 个 or 6.33 场 is one more, or seven more,
# to do, and bulletins print it so (money and percentages keep their decimals).
WHOLE_UNITS = frozenset({IndicatorUnit.PERSON_TIMES, IndicatorUnit.PERSONS, IndicatorUnit.EVENTS,
                         IndicatorUnit.ITEMS, IndicatorUnit.ENTERPRISES, IndicatorUnit.SESSIONS})


# Units whose amounts bulletins print in 万 with two decimals (428.70万人次) when read so.
WAN_UNITS = frozenset({IndicatorUnit.PERSON_TIMES, IndicatorUnit.PERSONS, IndicatorUnit.YUAN})


def shortfall(gap, unit: str):
    """How far an actual is short (a gap's negative part, 0 when it is not short), in whole
    things for countable units, rounded up: 1,668.8 人 short is 1,669 people still to reach."""
    if gap is None:
        return None
    short = -gap if gap < 0 else 0
    if unit in WHOLE_UNITS:
        # A gap is stored to four decimals; the tolerance keeps 3.00000001 (a float) at 3.
        return math.ceil(float(short) - 1e-6) if short else 0
    return short


def still_needed(pace, unit: str):
    """A monthly pace still needed (还需月均完成), in whole things rounded up for countable
    units, as a shortfall is: 377.8 人次 a month is 378."""
    return None if pace is None else shortfall(-pace, unit)


class IndicatorKind(models.TextChoices):
    FLOW = "flow", _("flow (summed over months)")
    STOCK = "stock", _("stock (latest value)")
    RATIO = "ratio", _("ratio of two indicators")


class IndicatorSource(models.TextChoices):
    MEASURE = "measure", _("domain measure")
    MANUAL = "manual", _("manual values")
    RATIO = "ratio", _("computed ratio")


class WindowKind(models.TextChoices):
    ANNUAL = "annual", _("one year")
    CUMULATIVE = "cumulative", _("cumulative over a span")
    LEVEL = "level", _("level to reach by the end")


class Comparator(models.TextChoices):
    GTE = "gte", "≥"
    GT = "gt", ">"
    LTE = "lte", "≤"
    EQ = "eq", "="


class DecompositionAxis(models.TextChoices):
    REGION = "region", _("by region")
    DEPARTMENT = "department", _("by department")
    SLICE = "slice", _("by slice (of which)")
    # The per-member targets a group target (each 脱贫县 trains N) materialises (#22): kept by
    # targets.groups from the group's memberships, not entered by hand.
    GROUP = "group", _("by group member")


class GroupMode(models.TextChoices):
    """How a target stated for an org-unit group applies (#22)."""

    EACH = "each", _("each member")
    TOTAL = "total", _("the members' total")
