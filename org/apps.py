from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Org units and access")

    def ready(self):
        from skills_portal.choice_search import Source, register

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
