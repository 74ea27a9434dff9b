from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Plans and targets")

    def ready(self):
        # Every app's measures.py registers what it feeds the roll-up.
        autodiscover_modules("measures")
