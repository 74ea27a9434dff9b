from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data only (figures, reports and users for the seed plans); no models."""

    name = "demo"
    verbose_name = _("Demo data")
