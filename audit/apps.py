from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        # Lower layers (scoped saves, the entry grid, subsidies) audit their writes through
        # this hook (skills_portal.hooks).
        from skills_portal import hooks

        from . import bulk, services

        hooks.audit.provide(
            by=self.name, record=services.record, record_change=services.record_change,
            snapshot=services.snapshot, stored_snapshot=services.stored_snapshot,
            change_row=services.change_row, record_many=services.record_many,
            key_texts=bulk.key_texts,
        )
