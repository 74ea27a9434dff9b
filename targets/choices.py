"""Vocabularies of the targets app. Labels are Chinese because they are domain terms
printed in the plans; they are not UI chrome."""

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
