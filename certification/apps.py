from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self):
        from org import options

        from .models import CertificateFigure

        # Where the lists' values are stored (#26): a value used there is never deleted.
        for field, code in CertificateFigure.OPTION_SETS.items():
            options.register_usage(code, CertificateFigure._meta.label, field)
