"""Number formats of the bulletin page (the same as the dashboard's script)."""

from django import template
from django.utils.translation import gettext as _

from skills_portal.templatetags.portal import percent
from targets.choices import shortfall as short_of

register = template.Library()


@register.filter
def amount(value):
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


register.filter("percent", percent)  # the portal's own (skills_portal/templatetags/portal.py)


@register.filter
def as_of(month: str | None) -> str:
    """"2025-09" → 截至2025年9月: a stock figure carried forward from an earlier month."""
    if not month:
        return ""
    year, number = month.split("-")
    return _("as of %(year)s-%(month)s") % {"year": year, "month": int(number)}


@register.filter
def shortfall(value, unit=""):
    """How far an actual is short of target × time progress (0 when it is not), in whole
    things for countable units (`targets.choices.shortfall`)."""
    if value is None:
        return "—"
    return amount(short_of(value, unit))


@register.filter
def needed(value, unit=""):
    """The monthly pace still needed (还需月均), in whole things rounded up for countable
    units: 377.8 人次 a month is 378."""
    if value is None:
        return "—"
    return amount(short_of(-value, unit))
