"""`{% history_link obj %}`: the "变更记录" link of a record page."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def history_url(obj) -> str:
    if obj is None or getattr(obj, "pk", None) is None:
        return ""
    return reverse("audit:record", args=[obj._meta.label_lower, str(obj.pk)])


@register.simple_tag
def history_link(obj) -> str:
    url = history_url(obj)
    if not url:
        return ""
    return format_html('<a class="history-link" href="{}">{}</a>', url, _("Change history"))


@register.filter
def audit_value(value) -> str:
    """A before/after value as text: empty for nothing, lists joined."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)
