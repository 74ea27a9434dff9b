"""The admin respects the same scoping as the pages: querysets come from `for_user`, and every
save or delete goes through `scoped_save` / `scoped_delete`."""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models.deletion import PROTECT, Collector, ProtectedError, RestrictedError
from django.http import Http404
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from skills_portal import hooks

from .access import CHANGE, WRITE_ROLES, Scope
from .forms import OptionChoicesForm
from .models import (
    Department,
    Membership,
    NameAlias,
    Option,
    OptionSet,
    OrgUnit,
    OrgUnitGroup,
    OrgUnitGroupMember,
    OrgUnitGroupSet,
    may_curate_vocabulary,
)
from .services import scoped_delete, scoped_save

admin.site.site_header = _("Skills-action target portal")
admin.site.site_title = _("Skills-action target portal")
admin.site.index_title = _("Administration")


class ScopedAdmin(admin.ModelAdmin):
    """Base for every model admin of the portal."""

    # Fields that store option sets' codes offer the sets' values (#26).
    form = OptionChoicesForm

    # Which WRITE_ROLES entry allows adding and changing rows of this model.
    write_roles = "structure"
    # The change page links to the record's audit history ("变更记录").
    change_form_template = "audit/admin_change_form.html"

    def get_queryset(self, request):
        qs = self.model.objects.for_user(request.user)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def _scope(self, request) -> Scope:
        return Scope.of(request.user)

    def has_module_permission(self, request):
        return self._scope(request).is_member

    def has_view_permission(self, request, obj=None):
        scope = self._scope(request)
        if obj is None:
            return scope.is_member
        return self.model.objects.for_user(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return self._scope(request).has_role(WRITE_ROLES[self.write_roles])

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self._scope(request).has_role(WRITE_ROLES[self.write_roles])
        return self.model.objects.for_user(request.user, CHANGE).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is OrgUnit or related is Department:
            kwargs["queryset"] = related.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Department:
            kwargs["queryset"] = Department.objects.for_user(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class LockCheckedForm(form):
            def _post_clean(self):
                # An approved or closed month (reporting app) is an error on the form, not a 500.
                super()._post_clean()
                if not self.errors:
                    try:
                        hooks.entry_lock.assert_record_open(user=user, obj=self.instance)
                    except ValidationError as exc:
                        self.add_error(None, exc)

        return LockCheckedForm

    def save_model(self, request, obj, form, change):
        scoped_save(user=request.user, obj=obj)

    def save_related(self, request, form, formsets, change):
        # Many-to-many values are written after save_model; check the scope again afterwards.
        super().save_related(request, form, formsets, change)
        scoped_save(user=request.user, obj=form.instance)

    def get_deleted_objects(self, objs, request):
        # Records of an approved or closed month (reporting app) are shown as protected, so
        # the delete page explains why instead of failing.
        summary = deletion_summary(objs, request, self.admin_site)
        deleted, counts, perms_needed, protected = (
            summary or super().get_deleted_objects(objs, request))
        lock = hooks.entry_lock
        problems = lock.entry_problems([cell for obj in objs for cell in lock.record_cells(obj)])
        if problems:
            protected = [*protected, *problems]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        scoped_delete(user=request.user, obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            scoped_delete(user=request.user, obj=obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # A record outside the user's scope is answered like one that does not exist: 404,
        # never a redirect that says whether the id is in use.
        raise Http404(_("This record does not exist or is outside your scope."))



# Rows a delete page lists one by one, each with its link; beyond, it counts them per kind.
# Django's own listing loads and checks every row: 51 s and 5,282 queries for a national plan.
DELETE_LISTED = 100
PROTECTED_LISTED = 20


class _UnorderedCollector(Collector):
    """Django's deletion collector without the models' default orderings on its reads (a
    target's joins three tables to sort rows that are only counted and deleted)."""

    def related_objects(self, related_model, related_fields, objs):
        return super().related_objects(related_model, related_fields, objs).order_by()


def _protecting(objs) -> list[str] | None:
    """The rows that point at `objs` through a PROTECT foreign key (a plan's implementing
    plans): they forbid the delete whatever else it would take, so it is refused before the
    whole cascade is collected. None when there are none."""
    model, pks = objs[0].__class__, [o.pk for o in objs]
    found, total = [], 0
    for rel in model._meta.related_objects:
        if getattr(rel, "on_delete", None) is not PROTECT:
            continue
        rows = rel.related_model._base_manager.filter(
            **{f"{rel.field.name}__in": pks}).order_by()
        if rel.related_model is model:
            rows = rows.exclude(pk__in=pks)
        n = rows.count()
        if n:
            total += n
            found += [f"{capfirst(o._meta.verbose_name)}: {o}"
                      for o in rows[:max(PROTECTED_LISTED - len(found), 0)]]
    if not total:
        return None
    if total > len(found):
        found.append(_("… and %(n)s more") % {"n": intcomma(total - len(found))})
    return found


def deletion_summary(objs, request, admin_site):
    """What deleting `objs` also deletes, counted per kind (a fixed number of queries per kind),
    or None when there are few enough rows for Django's row-by-row listing."""
    objs = list(objs)
    if not objs:
        return None
    blocking = _protecting(objs)
    if blocking is not None:
        return [], {}, set(), blocking
    collector = _UnorderedCollector(using=router.db_for_write(objs[0].__class__), origin=objs)
    try:
        collector.collect(objs)
    except (ProtectedError, RestrictedError) as exc:
        blocking = list(getattr(exc, "protected_objects", None)
                        or getattr(exc, "restricted_objects", None) or [])
        if len(blocking) <= PROTECTED_LISTED:
            return None
        protected = [f"{capfirst(o._meta.verbose_name)}: {o}" for o in blocking[:PROTECTED_LISTED]]
        protected.append(_("… and %(n)s more") % {"n": intcomma(len(blocking) - PROTECTED_LISTED)})
        return [], {}, set(), protected
    counts: dict = {}
    for model, instances in collector.data.items():
        counts[model] = counts.get(model, 0) + len(instances)
    for queryset in collector.fast_deletes:
        counts[queryset.model] = counts.get(queryset.model, 0) + queryset.count()
    if sum(counts.values()) <= DELETE_LISTED:
        return None
    perms_needed = {
        model._meta.verbose_name for model, n in counts.items()
        if n and admin_site.is_registered(model)
        and not admin_site.get_model_admin(model).has_delete_permission(request)}
    deleted = [format_html("{}：{}", capfirst(model._meta.verbose_name_plural), intcomma(n))
               for model, n in sorted(counts.items(), key=lambda item: -item[1]) if n]
    model_count = {model._meta.verbose_name_plural: n for model, n in counts.items() if n}
    return deleted, model_count, perms_needed, []


class ReadOnly:
    """A record only the system writes (roll-up runs and snapshots, bulletins, import batches,
    the audit trail): browsable, never added, changed or deleted by hand. Put it before the
    admin class it restricts."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdmin):
    list_display = ("name", "short_name", "code", "level", "kind", "parent")
    list_select_related = ("parent",)
    list_filter = ("level", "kind")
    search_fields = ("name", "short_name", "code")
    autocomplete_fields = ("parent",)
    ordering = ("level", "code", "name")


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    list_display = ("name", "org_unit", "sector")
    list_filter = ("sector", "org_unit__level")
    search_fields = ("name", "short_name", "org_unit__name")
    autocomplete_fields = ("org_unit",)


class GroupVocabularyAdmin(ScopedAdmin):
    """Group types and groups: added by those who curate them (provincial or higher
    administrators), not offered to others."""

    def has_add_permission(self, request):
        return may_curate_vocabulary(request.user)


@admin.register(OrgUnitGroupSet)
class OrgUnitGroupSetAdmin(GroupVocabularyAdmin):
    list_display = ("name", "description")  # codes are on the change page
    search_fields = ("name", "code")


@admin.register(OrgUnitGroup)
class OrgUnitGroupAdmin(GroupVocabularyAdmin):
    list_display = ("name", "group_set")
    list_filter = ("group_set",)
    list_select_related = ("group_set",)
    search_fields = ("name", "code", "group_set__name")
    autocomplete_fields = ("group_set",)


@admin.register(OrgUnitGroupMember)
class OrgUnitGroupMemberAdmin(ScopedAdmin):
    list_display = ("group", "org_unit", "valid_from", "valid_to")
    list_filter = ("group__group_set", "group")
    list_select_related = ("group", "org_unit")
    search_fields = ("org_unit__name", "org_unit__code", "group__name")
    autocomplete_fields = ("group", "org_unit")


class SynonymsField(forms.CharField):
    """Synonyms typed as one line, separated by 、 or commas."""

    def prepare_value(self, value):
        return "、".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [w.strip() for w in text.replace("，", "、").replace(",", "、").split("、")
                if w.strip()]


class OptionForm(forms.ModelForm):
    synonyms = SynonymsField(label=_("synonyms"), required=False,
                             help_text=_("Other ways spreadsheets write it, separated by 、."))

    class Meta:
        model = Option
        fields = ["option_set", "code", "name", "name_en", "synonyms", "active_from",
                  "active_to", "position", "flag"]


@admin.register(OptionSet)
class OptionSetAdmin(GroupVocabularyAdmin):
    """The lists records' fields take (#26); their values are on the option list."""

    list_display = ("name", "flag_label", "description")
    search_fields = ("name", "code")


@admin.register(Option)
class OptionAdmin(GroupVocabularyAdmin):
    """A list's values: added, renamed and retired here; one in use is never deleted."""

    form = OptionForm
    list_display = ("name", "code", "option_set", "flag", "active_from", "active_to", "position")
    list_filter = ("option_set",)
    list_select_related = ("option_set",)
    search_fields = ("name", "code", "name_en")

    def get_deleted_objects(self, objs, request):
        from .options import in_use_message

        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        protected = [*protected, *filter(None, (in_use_message(o) for o in objs))]
        return deleted, counts, perms, protected


@admin.register(NameAlias)
class NameAliasAdmin(ScopedAdmin):
    """Aliases are chosen in import previews; here they are reviewed and removed."""
    list_display = ("text", "kind", "org_unit", "department", "scope", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("text", "org_unit__name", "department__name")
    autocomplete_fields = ("org_unit", "department", "scope")
    readonly_fields = ("created_by",)


class MembershipAdmin(ScopedAdmin):
    list_display = ("user", "org_unit", "department", "role")
    list_filter = ("role", "org_unit__level")
    search_fields = ("user__username", "org_unit__name", "department__name")
    autocomplete_fields = ("user", "org_unit", "department")


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ("org_unit", "department")


# Django names its permissions in English in the database ("Can add plan"); the admin shows
# them in the reader's language instead.
PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"), "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"), "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    name = permission.name
    if model is not None and action in PERMISSION_ACTIONS \
            and model_name == model._meta.model_name:
        name = PERMISSION_ACTIONS[action] % {"model": model._meta.verbose_name}
    return f"{permission.content_type} | {name}"


class PermissionLabels:
    """The permission choices of a user or group, named in the reader's language."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
            # Only the models the admin manages: a permission on an internal table (the
            # roll-up's lock) grants nothing anyone could use.
            managed = [m for m in apps.get_models() if self.admin_site.is_registered(m)]
            types = ContentType.objects.get_for_models(*managed, for_concrete_models=False)
            field.queryset = field.queryset.filter(
                content_type__in=[t.pk for t in types.values()])
        return field


class PortalUserAdmin(PermissionLabels, UserAdmin):
    inlines = [MembershipInline]


class PortalGroupAdmin(PermissionLabels, GroupAdmin):
    pass


User = get_user_model()
admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, PortalGroupAdmin)
admin.site.register(Membership, MembershipAdmin)
