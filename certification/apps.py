from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self):
        from org import options
        from targets.seeding import register_before_indicators
        from targets.selectors import filter_usage_counter

        from .models import CertificateFigure
        from .vocabulary import SEEDED

        register_before_indicators(load_option_sets)
        # Where the lists' values are stored (#26): a value used there is never deleted.
        for field, code in CertificateFigure.OPTION_SETS.items():
            options.register_usage(code, CertificateFigure._meta.label, field)
            if code in {seeded[0] for seeded in SEEDED}:
                options.register_counter(code, filter_usage_counter(
                    field, ("certification.certificates",)))


def load_option_sets(loader) -> None:
    """The certificate lists' option sets, where a flushed database lacks them (#26)."""
    from org import options

    from .vocabulary import SEEDED

    options.load_seeded(SEEDED)
