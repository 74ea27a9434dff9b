"""Number formats of the bulletin page (the same as the dashboard's script)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from skills_portal.templatetags.portal import percent
from targets.choices import WAN_UNITS, still_needed
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


@register.simple_tag(takes_context=True)
def amount_of(context, value, unit, kind=""):
    """An amount with its unit (a gap as its shortfall, whole things rounded up for countable
    units: `targets.choices.shortfall`); in 万 with two decimals (428.70万人次, the exact figure
    in its title) where the page is read in 万 (`wan` in the context) and the unit counts
    people or money. `kind`: "short" for a gap, "need" for a pace still needed."""
    if value is None:
        return "—"
    if kind == "short":
        value = short_of(value, unit)
    elif kind == "need":
        value = still_needed(value, unit)
    exact = f"{amount(value)} {unit}"
    if context.get("wan") and unit in WAN_UNITS:
        return format_html('<span title="{}">{}万{}</span>', exact, f"{float(value) / 10000:.2f}",
                           unit)
    return exact
