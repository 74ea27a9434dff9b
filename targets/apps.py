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
        self._roll_up_changed_definitions()

    @staticmethod
    def _roll_up_changed_definitions():
        """#26: a target or a decomposition child saved or deleted, or an indicator's
        definition changed — through the admin, the API, an import or the seed loader, all of
        which save the model — has the months already rolled up with the old definition
        rolled up again: the `definitions_changed` hook (progress) queues a roll-up request
        after the commit, one per plan and transaction. A save that changes nothing the
        roll-up reads (a note, a quote) queues nothing; fixtures loaded raw neither."""
        from django.conf import settings
        from django.db.models import Max, Min, Q
        from django.db.models.signals import post_delete, post_save, pre_save

        from skills_portal import hooks

        from .models import Indicator, Target

        # What the roll-up reads of a target and of an indicator (progress.rollup).
        target_fields = ("plan_id", "indicator_id", "org_unit_id", "department_id", "window",
                         "period_start", "period_end", "value", "comparator", "is_soft",
                         "is_increment", "baseline", "parent_id", "axis", "group_id",
                         "group_mode")
        indicator_fields = ("kind", "source", "measure", "filters", "numerator_id",
                            "denominator_id")

        def wanted(raw) -> bool:
            return not raw and settings.ROLLUP_ON_DEFINITION_CHANGE

        def stored(model, fields, instance):
            if instance.pk is None or instance._state.adding:
                return None
            return model.unscoped.filter(pk=instance.pk).values(*fields).first()

        def target_changed(states: list[dict]) -> None:
            hooks.definitions_changed.changed(
                plan_ids={s["plan_id"] for s in states},
                months=(min(s["period_start"] for s in states),
                        max(s["period_end"] for s in states)),
                why="decomposition" if any(s["parent_id"] for s in states) else "target")

        def target_saving(sender, instance, raw=False, **kwargs):
            instance._definition_before = stored(Target, target_fields, instance) \
                if wanted(raw) else None

        def target_saved(sender, instance, created, raw=False, **kwargs):
            if not wanted(raw):
                return
            before = getattr(instance, "_definition_before", None)
            after = {name: getattr(instance, name) for name in target_fields}
            if before == after:
                return
            target_changed([after] if before is None else [after, before])

        def target_deleted(sender, instance, **kwargs):
            if wanted(False):
                target_changed([{name: getattr(instance, name) for name in target_fields}])

        def indicator_saving(sender, instance, raw=False, **kwargs):
            instance._definition_before = stored(Indicator, indicator_fields, instance) \
                if wanted(raw) else None

        def indicator_saved(sender, instance, created, raw=False, **kwargs):
            before = getattr(instance, "_definition_before", None)
            if not wanted(raw) or created or before is None or \
                    before == {name: getattr(instance, name) for name in indicator_fields}:
                return
            # Its targets' plans, and those of the ratios it is a part of.
            indicators = Indicator.unscoped.filter(
                Q(pk=instance.pk) | Q(numerator=instance.pk) | Q(denominator=instance.pk))
            for row in (Target.unscoped.filter(indicator__in=indicators).values("plan_id")
                        .annotate(first=Min("period_start"), last=Max("period_end"))
                        .order_by("plan_id")):
                hooks.definitions_changed.changed(plan_ids=[row["plan_id"]],
                                                  months=(row["first"], row["last"]),
                                                  why="indicator")

        pre_save.connect(target_saving, sender=Target, dispatch_uid="targets.definition_saving")
        post_save.connect(target_saved, sender=Target, dispatch_uid="targets.definition_saved")
        post_delete.connect(target_deleted, sender=Target,
                            dispatch_uid="targets.definition_deleted")
        pre_save.connect(indicator_saving, sender=Indicator,
                         dispatch_uid="targets.indicator_definition_saving")
        post_save.connect(indicator_saved, sender=Indicator,
                          dispatch_uid="targets.indicator_definition_saved")

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
