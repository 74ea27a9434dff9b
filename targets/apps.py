from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Plans and targets")

    def ready(self):
        # Every app's measures.py registers what it feeds the roll-up.
        autodiscover_modules("measures")
        self._name_task_departments()
        self._register_choice_sources()
        self._follow_group_memberships()

    @staticmethod
    def _follow_group_memberships():
        """Group targets (#22) follow their groups: a membership saved or deleted anywhere
        (admin, API, the spreadsheet import) keeps the member targets of its unit, and a
        target saved keeps its own (targets.groups)."""
        from django.db.models.signals import post_delete, post_save

        from org.models import OrgUnitGroupMember

        from . import groups
        from .models import Target

        def membership_saved(sender, instance, raw=False, **kwargs):
            if not raw:
                groups.membership_changed(instance.group_id, instance.org_unit_id,
                                          instance.valid_from)

        def target_saved(sender, instance, raw=False, **kwargs):
            if not raw:
                groups.statement_saved(instance)

        post_save.connect(membership_saved, sender=OrgUnitGroupMember,
                          dispatch_uid="targets.group_membership_saved")
        post_delete.connect(membership_saved, sender=OrgUnitGroupMember,
                            dispatch_uid="targets.group_membership_deleted")
        post_save.connect(target_saved, sender=Target, dispatch_uid="targets.group_target_saved")

    @staticmethod
    def _register_choice_sources():
        """Plans searched as the user types in a filter (a national table has one per unit)."""
        from skills_portal.choice_search import Source, register

        from .models import Plan
        from .selectors import plans_by_relevance

        fields = ("short_name", "title", "code", "doc_number")
        register("plan", Source(rows=plans_by_relevance, fields=fields, value="code"))
        # The plans whose targets a quota table may decompose (the import form's list).
        register("changeable_plan", Source(
            rows=lambda user: Plan.objects.for_user(user, "change").filter(
                is_reference=False).order_by("code"),
            fields=fields, value="pk"))
        register("any_plan", Source(
            rows=lambda user: Plan.objects.for_user(user).order_by(
                "is_reference", "issuer_unit__level", "-issue_date", "code"),
            fields=fields, value="code"))

    @staticmethod
    def _name_task_departments():
        """A task's lead and responsible departments are rows of tables Django creates for the
        many-to-many fields; give them names a reader knows (the admin's delete page lists them)
        instead of "PlanTask_lead_departments object (3)". No migration: these models are
        created from the fields, not declared."""
        from .models import PlanTask

        for field, label in (("lead_departments", _("task lead department")),
                             ("responsible_departments", _("task responsible department"))):
            through = PlanTask._meta.get_field(field).remote_field.through
            through._meta.verbose_name = label
            through._meta.verbose_name_plural = label
            through.__str__ = lambda row: f"{row.plantask.number} · {row.department}"
