from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Org units and access")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from skills_portal.choice_search import Source, register

        from . import options
        from .models import Option

        # A value added, renamed or retired is offered by the next page of this process (the
        # others re-read within options.TTL_SECONDS).
        for signal in (post_save, post_delete):
            signal.connect(lambda **kwargs: options.forget(), sender=Option,
                           weak=False, dispatch_uid=f"org.options_forget_{signal is post_save}")

        from .models import OrgUnit
        from .selectors import writable_units

        fields = ("name", "short_name", "code")
        register("org_unit", Source(
            rows=lambda user: OrgUnit.objects.for_user(user).order_by("level", "code", "name"),
            fields=fields))
        # The units a record form may save for (its org_unit field's list).
        register("writable_unit", Source(
            rows=lambda user: writable_units(user).order_by("level", "code", "name"),
            fields=fields))
