from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def num(value):
    """280000.0000 → 280,000; 35.5000 → 35.5; None → —."""
    if value is None or value == "":
        return "—"
    d = Decimal(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():,f}"


@register.filter
def signed(value):
    if value is None:
        return "—"
    d = Decimal(value)
    return ("+" if d > 0 else "") + num(d)


@register.filter
def percent(value):
    """0.4567 → 45.7%; None → —."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"



@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
