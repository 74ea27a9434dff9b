"""The audit trail: one append-only row per write (who, when, what, before and after, from
which request or import batch).

Nobody edits it from the product: the model refuses updates and deletes, the admin is
read-only, and on PostgreSQL a trigger refuses UPDATE and DELETE on the table (migration 0002).
Links to the user, unit, department and import batch carry no database constraint and are
never cascaded, so deleting any of them keeps the entries (the username is kept as text)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.access import VIEW, Scope, unit_filter
from org.scoping import ScopedQuerySet

from .choices import AuditAction

# Entries keep the model label they were written under (the trail is append-only). Models that
# moved to another app are read under their current label, and a record's history finds the
# entries written under either.
MOVED_LABELS = {
    "targets.orgunit": "org.orgunit", "targets.orgunitclosure": "org.orgunitclosure",
    "targets.department": "org.department", "skills_portal.membership": "org.membership",
    "targets.rollupmark": "progress.rollupmark", "targets.rolluprun": "progress.rolluprun",
    "targets.rolluplock": "progress.rolluplock",
    "targets.progresssnapshot": "progress.progresssnapshot",
}


def labels_of(label: str) -> list[str]:
    """A model's current label and the labels it was audited under before it moved."""
    label = MOVED_LABELS.get(label, label)
    return [label, *(old for old, new in MOVED_LABELS.items() if new == label)]


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit entry."""


class AuditEntryQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """Entries of the units in the user's subtrees (any role), of their department and its
        same-sector departments below, and the user's own actions that belong to no unit.
        Nobody may change any."""
        if action != VIEW or user is None or not user.is_authenticated:
            return self.none()
        scope = Scope.of(user)
        if scope.is_global:
            return self
        q = unit_filter("org_unit", scope.unit_subtree())
        q |= scope.department_q("department")
        # The user's own entries that belong to no unit (an import's summary, a plan-wide
        # change); those with a unit follow the unit's scope.
        q |= models.Q(actor_id=user.pk, org_unit__isnull=True)
        return self.filter(q)

    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def _raw_delete(self, using):
        raise AppendOnlyError("Audit entries cannot be deleted.")


def _loose_fk(model, name, **kwargs):
    kwargs.setdefault("db_index", False)  # the indexes the pages need are declared in Meta
    return models.ForeignKey(model, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                             blank=True, related_name="+", verbose_name=name, **kwargs)


class AuditEntry(models.Model):
    created_at = models.DateTimeField(_("when"), db_index=True)
    actor = _loose_fk(settings.AUTH_USER_MODEL, _("user"))
    actor_name = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    model_label = models.CharField(_("record type"), max_length=100, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    org_unit = _loose_fk("org.OrgUnit", _("org unit"))
    department = _loose_fk("org.Department", _("department"))
    period = models.DateField(_("month"), null=True, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    batch = _loose_fk("imports.ImportBatch", _("import batch"))
    note = models.TextField(_("note"), blank=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = AuditEntryQuerySet.as_unscoped_manager()
    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)
        # Few indexes, because a 100,000-row import writes 100,000 entries: a record's history,
        # a unit's entries, the newest first; an import's, a department's and a user's own
        # entries without a unit through partial indexes that other rows do not enter.
        # Filtering by request id is rare and scans within the user's scope.
        indexes = [
            models.Index(fields=["model_label", "object_id", "created_at"],
                         name="audit_record_history"),
            models.Index(fields=["org_unit", "created_at"], name="audit_unit_recent"),
            models.Index(fields=["batch"], name="audit_batch",
                         condition=models.Q(batch__isnull=False)),
            models.Index(fields=["department"], name="audit_department",
                         condition=models.Q(department__isnull=False)),
            models.Index(fields=["actor"], name="audit_actor_no_unit",
                         condition=models.Q(org_unit__isnull=True)),
        ]

    def __str__(self):
        return (f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action_label} "
                f"{self.object_repr}")

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    # --- display ---------------------------------------------------------------------------
    @property
    def action_label(self) -> str:
        return str(dict(AuditAction.choices).get(self.action)
                   or OTHER_ACTIONS.get(self.action, self.action))

    @property
    def actor_label(self) -> str:
        """Who acted, as a reader knows them: the user's full name (set by
        `selectors.with_names`), the job that wrote the entry, or the system."""
        named = getattr(self, "actor_display", "")
        if named:
            return named
        if self.actor_name:
            return self.actor_name
        return str(SYSTEM_JOBS.get(self.note, {}).get("actor") or _("System"))

    @property
    def note_label(self) -> str:
        """The note, with a job's code told in words."""
        job = SYSTEM_JOBS.get(self.note)
        return str(job["note"]) if job else self.note

    @property
    def record_model(self):
        from django.apps import apps

        try:
            label = MOVED_LABELS.get(self.model_label, self.model_label)
            return apps.get_model(label) if label else None
        except (LookupError, ValueError):
            return None

    @property
    def model_name(self) -> str:
        model = self.record_model
        return str(model._meta.verbose_name) if model else self.model_label

    def record_fields(self) -> dict:
        """The record model's fields with a label (concrete and many-to-many), by name."""
        model = self.record_model
        if model is None:
            return {}
        return {f.name: f for f in model._meta.get_fields() if hasattr(f, "verbose_name")}

    def changes(self) -> list[tuple[str, object, object]]:
        """(field label, before, after) for each field in the entry, the key first. Values are
        shown as a reader knows them: a choice by its label, a related record by its name
        (from `related_names`, filled in by `selectors.with_names` for a page of entries in
        one query per related model; a record not looked up or not visible keeps its id as
        "#id")."""
        before, after = self.before or {}, self.after or {}
        fields = self.record_fields()
        names = getattr(self, "related_names", {})
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(str(fields[k].verbose_name) if k in fields else k,
                 display_value(fields.get(k), before.get(k, ""), names),
                 display_value(fields.get(k), after.get(k, ""), names)) for k in keys]


# Action codes outside AuditAction's choices (accepted as they are), named for pages.
OTHER_ACTIONS = {
    "api_token": _("API token issued"),
}

# Jobs that write the trail with no user, by the code they leave in the note.
SYSTEM_JOBS = {
    "generate_claims": {"actor": _("System job · generate subsidy claims"),
                        "note": _("Generated by the scheme's rule")},
}


def related_key(field) -> str | None:
    """The related model's label when a field points to other records, else None."""
    if getattr(field, "is_relation", False) and field.related_model is not None and (
            field.many_to_one or field.one_to_one or field.many_to_many):
        return field.related_model._meta.label_lower
    return None


def display_value(field, value, names: dict):
    """A stored before/after value as a reader knows it (see `AuditEntry.changes`)."""
    if field is None or value is None or value == "":
        return value
    if isinstance(value, list):
        return [display_value(field, v, names) for v in value]
    label = related_key(field)
    if label is not None:
        return names.get((label, str(value)), f"#{value}")
    if field.choices:
        for key, text in field.flatchoices:
            if str(key) == str(value):
                return str(text)
    return value
