"""Base models shared by every app. Nothing domain-specific lives here."""

import datetime as dt
import re

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# Months as people write them: "2023-12", "2023年12月", "2023/12" or any date in the month
# ("2023-12-31", the way plan periods are printed) all mean that month.
MONTH_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?\s*$")
# A whole date with any of those separators ("2021/01/01", the admin's date format in Chinese).
DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def month_of(value) -> dt.date | None:
    """The first day of the month `value` names, or None when it names none. Accepts a date,
    a datetime, `YYYY-MM`, `YYYY年M月`, `YYYY/MM` and any ISO date."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value).strip()
    match = MONTH_TEXT.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1 <= year <= 9999:
            return dt.date(year, month, 1)
        return None
    match = DATE_TEXT.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups())).replace(day=1)
        except ValueError:
            return None
    try:
        return dt.date.fromisoformat(text[:10]).replace(day=1)
    except ValueError:
        return None


class MonthFormField(forms.DateField):
    """A date field that reads a month in any of the ways `month_of` accepts and keeps the
    first of that month."""

    default_error_messages = {
        "invalid": _("Enter a month as YYYY-MM (e.g. 2023-12) or any date in that month."),
    }

    def prepare_value(self, value):
        # Shown as the month it is: the admin's date widget would print "2021/01/01".
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        month = month_of(value)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class MonthField(models.DateField):
    """A month, stored as its first day. Whatever day is given (a form, an import, the API,
    code), the first of that month is what is saved."""

    def to_python(self, value):
        if value is None or isinstance(value, dt.date):
            return super().to_python(value).replace(day=1) if value is not None else None
        month = month_of(value)
        if month is None:
            return super().to_python(value)  # the standard "invalid date" error
        return month

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if isinstance(value, dt.date) and value.day != 1:
            value = value.replace(day=1)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MonthFormField, **kwargs})
