"""Writes shared by every app: saving and deleting a record inside the user's scope.

The scope rules live in each model's `for_user(user, "change")`. A write is allowed when the
row is in that scope before it changes (so nobody edits another unit's row) and after it
changes (so nobody moves a row out to another unit or creates one there). Both checks run in
the same transaction as the write, so a refused write leaves nothing behind.

Both record the write in the audit trail (the `audit` hook) in the same transaction: who, the
fields before and after (only those that changed), the request or import batch.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from skills_portal import hooks

from .access import CHANGE


def _in_scope(user, obj) -> bool:
    return type(obj).objects.for_user(user, CHANGE).filter(pk=obj.pk).exists()


def scoped_save(*, user, obj, after_save=None, audit_note: str = ""):
    """Validate and save `obj` for `user`; `after_save(obj)` runs inside the same transaction
    (for many-to-many fields) before the scope is checked again. The change is audited."""
    with transaction.atomic():
        updating = obj.pk is not None and not obj._state.adding
        if updating and not _in_scope(user, obj):
            raise PermissionDenied(_("You may not change this record: it is outside your scope."))
        if updating:
            stored = type(obj)._base_manager.filter(pk=obj.pk).first()
            before = hooks.audit.snapshot(stored) if stored is not None else None
            # approved or closed months are locked (as stored and as changed)
            hooks.entry_lock.assert_record_open(user=user, obj=obj, stored=stored)
        else:
            before = None
            hooks.entry_lock.assert_record_open(user=user, obj=obj)
        obj.full_clean()
        obj.save()
        if after_save is not None:
            after_save(obj)
        if not _in_scope(user, obj):
            raise PermissionDenied(
                _("You may not save this record: the result would be outside your scope.")
            )
        hooks.audit.record_change(actor=user, obj=obj, before=before,
                                  after=hooks.audit.snapshot(obj), note=audit_note)
    return obj


def scoped_delete(*, user, obj, audit_note: str = "") -> None:
    with transaction.atomic():
        if not _in_scope(user, obj):
            raise PermissionDenied(_("You may not delete this record: it is outside your scope."))
        hooks.entry_lock.assert_record_open(user=user, obj=obj, stored=obj)  # obj is the row to delete
        before = hooks.audit.stored_snapshot(obj)
        pk = obj.pk
        obj.delete()
        obj.pk = pk  # the entry names the record that was deleted
        try:
            hooks.audit.record_change(actor=user, obj=obj, before=before, after=None, note=audit_note)
        finally:
            obj.pk = None
