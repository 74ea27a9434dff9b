"""The ground every app stands on: the org-unit tree and its closure table, departments and
their sectors, and memberships (a user's role at a unit or department). Tables keep the names
they had before this app existed (targets_*, skills_portal_membership)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skills_portal.models import MonthField, TimeStampedModel

from . import options
from .access import VIEW, WRITE_ROLES, Scope, unit_filter
from .choices import OrgKind, OrgLevel, Role, Sector
from .closure import OrgUnitClosure
from .scoping import ScopedQuerySet

division_code_validator = RegexValidator(
    r"^\d{6}$", _("An administrative division code has exactly 6 digits.")
)


# --------------------------------------------------------------------------------------------
# Org units
# --------------------------------------------------------------------------------------------
class OrgUnitQuerySet(ScopedQuerySet):
    def at_path(self, path: str):
        """The unit named by a path of names from the root ("全国/云南省/保山市/龙陵县"), or None;
        with the name at which the path left the tree."""
        node = None
        for name in path.split("/"):
            node = self.filter(parent=node, name=name).first()
            if node is None:
                return None, name
        return node, None

    def subtree_of(self, units, include_self: bool = True):
        ids = _ids(units)
        closure = OrgUnitClosure.objects.filter(ancestor_id__in=ids)
        if not include_self:
            closure = closure.filter(depth__gt=0)
        return self.filter(pk__in=closure.values("descendant_id"))

    def ancestors_of(self, units, include_self: bool = False):
        ids = _ids(units)
        closure = OrgUnitClosure.objects.filter(descendant_id__in=ids)
        if not include_self:
            closure = closure.filter(depth__gt=0)
        return self.filter(pk__in=closure.values("ancestor_id"))

    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            ids = sorted({m.org_unit_id for m in scope.memberships()})
            if not ids:
                return self.none()
            return self.filter(
                Q(pk__in=Scope._subtree(ids)) | Q(pk__in=Scope._ancestors(ids))
            )
        # Changing the tree: administrators, strictly below their own unit.
        ids = sorted({m.org_unit_id for m in scope.memberships(WRITE_ROLES["structure"],
                                                                department=False)})
        if not ids:
            return self.none()
        return self.filter(
            pk__in=OrgUnitClosure.objects.filter(ancestor_id__in=ids, depth__gt=0)
            .values("descendant_id")
        )


def _ids(units) -> list[int]:
    if isinstance(units, models.Model):
        return [units.pk]
    if isinstance(units, int):
        return [units]
    if isinstance(units, models.QuerySet):
        return list(units.values_list("pk", flat=True))
    return [u.pk if isinstance(u, models.Model) else int(u) for u in units]


class OrgUnit(TimeStampedModel):
    """A node of the administrative tree: province, prefecture city, county-level unit
    (including functional areas such as 经开区), township or park."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent unit"),
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(
        _("short name"), max_length=50, blank=True,
        help_text=_("The name as it is often written in tables, e.g. 鹿城 for 鹿城区."),
    )
    code = models.CharField(
        _("division code"), max_length=6, null=True, blank=True, unique=True,
        validators=[division_code_validator],
        help_text=_("6-digit administrative division code (GB/T 2260) where one exists."),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=OrgLevel.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=OrgKind.choices)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = OrgUnitQuerySet.as_unscoped_manager()
    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        db_table = "targets_orgunit"
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["level", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="orgunit_unique_name_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="orgunit_unique_root_name"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="orgunit_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def clean(self):
        errors = {}
        if self.parent_id:
            parent = self.parent
            if self.level is not None and self.level <= parent.level:
                errors["level"] = _("A unit must sit at a lower level than its parent (%(p)s).") % {
                    "p": parent.get_level_display()
                }
            if self.pk and OrgUnitClosure.objects.filter(
                ancestor_id=self.pk, descendant_id=self.parent_id
            ).exists():
                errors["parent"] = _("A unit cannot be moved under its own subtree.")
        elif self.level is not None and self.level > OrgLevel.PROVINCE:
            errors["parent"] = _("Only the nation or a province may have no parent unit.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        creating = self._state.adding
        old_parent_id = None
        if not creating:
            old_parent_id = (
                OrgUnit.unscoped.filter(pk=self.pk).values_list("parent_id", flat=True).first()
            )
        with transaction.atomic():
            super().save(*args, **kwargs)
            if creating:
                OrgUnitClosure.insert_leaf(self)
            elif old_parent_id != self.parent_id:
                OrgUnitClosure.move_subtree(self)

    def ancestors(self, include_self: bool = False):
        return OrgUnit.unscoped.ancestors_of(self, include_self=include_self).order_by("level")

    def subtree(self, include_self: bool = True):
        return OrgUnit.unscoped.subtree_of(self, include_self=include_self)

    def path_names(self) -> list[str]:
        return [u.name for u in self.ancestors(include_self=True)]


# --------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------
class DepartmentQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            q = unit_filter("org_unit", scope.unit_subtree())
            q |= unit_filter("org_unit", scope.unit_context())
            for m in scope.memberships(department=True):
                q |= Q(sector=m.department.sector,
                       org_unit__in=Scope._subtree([m.department.org_unit_id]))
                q |= unit_filter("org_unit", Scope._ancestors([m.org_unit_id], include_self=True))
            return self.filter(q)
        return self.filter(unit_filter("org_unit", scope.unit_subtree(WRITE_ROLES["structure"])))


class Department(TimeStampedModel):
    """A department at an org unit (市应急管理局 at 温州市). The sector lets a city
    department's quota be compared with its counterparts below it."""

    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="departments", verbose_name=_("org unit")
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = DepartmentQuerySet.as_unscoped_manager()
    objects = DepartmentQuerySet.as_manager()

    class Meta:
        db_table = "targets_department"
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["org_unit__level", "org_unit__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "name"], name="department_unique_in_unit"),
        ]
        indexes = [models.Index(fields=["sector", "org_unit"], name="department_sector_unit")]

    def __str__(self):
        return f"{self.org_unit.label}·{self.name}"



# --------------------------------------------------------------------------------------------
# Names as offices write them
# --------------------------------------------------------------------------------------------
class NameAliasQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """An alias serves imports at and below the unit it was kept for (its scope) and is
        seen there and above; it is kept by members of that subtree."""
        scope = Scope.of(user)
        if scope.is_global:
            return self
        units = sorted({m.org_unit_id for m in scope.memberships()})
        if not units:
            return self.none()
        q = Q(scope__in=Scope._subtree(units))
        if action == VIEW:
            q |= Q(scope__in=Scope._ancestors(units, include_self=True))
        return self.filter(q)


class NameAlias(TimeStampedModel):
    """Another name for a unit or a department, chosen once in an import preview (温州经开区 →
    温州经济技术开发区) so that the next file matches without a choice."""

    UNIT, DEPARTMENT = "unit", "department"
    KINDS = [(UNIT, _("org unit")), (DEPARTMENT, _("department"))]

    kind = models.CharField(_("kind"), max_length=10, choices=KINDS)
    text = models.CharField(_("name as written"), max_length=100)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="aliases",
                                 verbose_name=_("org unit"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="aliases", verbose_name=_("department"))
    scope = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("used at and below"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("chosen by"))

    unscoped = NameAliasQuerySet.as_unscoped_manager()
    objects = NameAliasQuerySet.as_manager()

    class Meta:
        verbose_name = _("name alias")
        verbose_name_plural = _("name aliases")
        ordering = ["kind", "text"]
        constraints = [models.UniqueConstraint(fields=["kind", "scope", "text"],
                                               name="name_alias_unique_in_scope")]

    def __str__(self):
        target = self.department.name if self.department_id else self.org_unit.name
        return f"{self.text} → {target}"

    def clean(self):
        if self.kind == self.DEPARTMENT and self.department_id is None:
            raise ValidationError({"department": _("A department alias names a department.")})
        if self.department_id and self.department.org_unit_id != self.org_unit_id:
            raise ValidationError({"department": _("The department belongs to another unit.")})
        if self.scope_id and self.org_unit_id and not OrgUnitClosure.objects.filter(
                ancestor_id=self.scope_id, descendant_id=self.org_unit_id).exists():
            raise ValidationError({"scope": _("An alias is kept for a unit above the one it names.")})


# --------------------------------------------------------------------------------------------
# Memberships
# --------------------------------------------------------------------------------------------
class MembershipQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = "view"):
        """A member sees their own memberships; administrators manage memberships in their
        subtree."""
        scope = Scope.of(user)
        if scope.is_global:
            return self
        q = unit_filter("org_unit", scope.unit_subtree(WRITE_ROLES["structure"]))
        if action == "view" and user is not None and user.is_authenticated:
            q |= models.Q(user=user)
        return self.filter(q)


class Membership(TimeStampedModel):
    """What a user may see and do: a role at an org unit, optionally narrowed to a department
    (a partner department's uploader). Every `for_user` scoping method reads these."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("user"),
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="memberships",
        verbose_name=_("org unit"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True,
        related_name="memberships", verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = MembershipQuerySet.as_unscoped_manager()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        db_table = "skills_portal_membership"
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org_unit", "role"], condition=models.Q(department__isnull=True),
                name="membership_unique_unit_role",
            ),
            models.UniqueConstraint(
                fields=["user", "org_unit", "department", "role"],
                condition=models.Q(department__isnull=False),
                name="membership_unique_department_role",
            ),
        ]

    def __str__(self):
        where = f"{self.org_unit}" + (f" · {self.department.name}" if self.department_id else "")
        return f"{self.user} @ {where} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        self.full_clean()
        super().save(*args, **kwargs)

    def clean(self):
        if self.department_id and self.department.org_unit_id != self.org_unit_id:
            raise ValidationError(
                {"department": _("The department must belong to the membership's org unit.")}
            )


# --------------------------------------------------------------------------------------------
# Org-unit groups (#22): named, typed groups of units, as DHIS2 has them
# --------------------------------------------------------------------------------------------
def may_curate_vocabulary(user) -> bool:
    """National vocabulary (the indicator catalogue, org-unit group types and groups) is
    curated by provincial or higher administrators."""
    scope = Scope.of(user)
    return scope.is_global or any(
        m.org_unit.level <= OrgLevel.PROVINCE
        for m in scope.memberships(WRITE_ROLES["structure"], department=False))


class VocabularyQuerySet(ScopedQuerySet):
    """Rows of a national vocabulary: read by every member, changed by its curators."""

    def for_user(self, user, action: str = VIEW):
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            return self if scope.is_member else self.none()
        return self if may_curate_vocabulary(user) else self.none()


class GroupVocabulary(TimeStampedModel):
    """What group types and groups share: a code, a name, a description, national scope."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), blank=True)

    unscoped = VocabularyQuerySet.as_unscoped_manager()
    objects = VocabularyQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class OrgUnitGroupSet(GroupVocabulary):
    """A type of group (分组类型): 区域 (东部/中部/西部), 政策类别 (脱贫县、民族地区、革命老区 …)."""

    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("org-unit group type")
        verbose_name_plural = _("org-unit group types")
        ordering = ["name"]


class OrgUnitGroup(GroupVocabulary):
    """A named group of units of one type (脱贫县, 国家级开发区 …); a unit may be in several."""

    group_set = models.ForeignKey(OrgUnitGroupSet, on_delete=models.PROTECT,
                                  related_name="groups", verbose_name=_("group type"))

    class Meta:
        verbose_name = _("org-unit group")
        verbose_name_plural = _("org-unit groups")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["group_set", "name"],
                                               name="orgunit_group_unique_in_set")]

    def members_in(self, month):
        """The units in the group in `month` (a membership counts from its first month to its
        last, inclusive)."""
        return OrgUnit.unscoped.filter(
            pk__in=self.members.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month),
                                       valid_from__lte=month).values("org_unit_id"))


class OrgUnitGroupMemberQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        """Seen with the units they name; kept by the administrators of those units (at and
        below their own)."""
        scope = Scope.of(user)
        if scope.is_global:
            return self
        if action == VIEW:
            return self.filter(org_unit__in=OrgUnit.objects.for_user(user).values("pk"))
        return self.filter(unit_filter("org_unit",
                                       scope.unit_subtree(WRITE_ROLES["structure"])))


class OrgUnitGroupMember(TimeStampedModel):
    """A unit's membership of a group from a month (and, when it left, to a month): a target
    set for the group follows the members month by month."""

    group = models.ForeignKey(OrgUnitGroup, on_delete=models.CASCADE, related_name="members",
                              verbose_name=_("group"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE,
                                 related_name="group_memberships", verbose_name=_("org unit"))
    valid_from = models.DateField(_("member from (month)"))
    valid_to = models.DateField(_("member until (month, inclusive)"), null=True, blank=True)

    unscoped = OrgUnitGroupMemberQuerySet.as_unscoped_manager()
    objects = OrgUnitGroupMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("org-unit group member")
        verbose_name_plural = _("org-unit group members")
        ordering = ["group_id", "org_unit_id", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["group", "org_unit", "valid_from"],
                                               name="orgunit_group_member_unique")]

    def __str__(self):
        until = f"{self.valid_to:%Y-%m}" if self.valid_to else "…"
        return f"{self.group} · {self.org_unit} ({self.valid_from:%Y-%m}—{until})"

    def clean(self):
        # Months: any day in a month stands for the month.
        if self.valid_from:
            self.valid_from = self.valid_from.replace(day=1)
        if self.valid_to:
            self.valid_to = self.valid_to.replace(day=1)
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("A membership cannot end before it begins.")})
        if self.group_id and self.org_unit_id and self.valid_from:
            overlapping = OrgUnitGroupMember.unscoped.filter(
                group_id=self.group_id, org_unit_id=self.org_unit_id).exclude(pk=self.pk).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
            if self.valid_to:
                overlapping = overlapping.filter(valid_from__lte=self.valid_to)
            clash = overlapping.first()
            if clash is not None:
                raise ValidationError(
                    _("%(unit)s is already in %(group)s in these months (%(other)s).")
                    % {"unit": self.org_unit.name, "group": self.group.name, "other": clash})


# --------------------------------------------------------------------------------------------
# Option sets: the lists a plan names (培训对象, 培训类型, 行业, 载体类型 …) as data (#26)
# --------------------------------------------------------------------------------------------
class OptionSet(GroupVocabulary):
    """A list of values a record's field takes (DHIS2's option set): 培训对象, 培训类型 …
    Seeded with the values the code once fixed; curators add, rename and retire values."""

    # A list may give its values one yes/no property the portal acts on (certificate kinds:
    # whether it carries a skill level); blank when the list has none.
    flag_label = models.CharField(
        _("meaning of the mark"), max_length=60, blank=True,
        help_text=_("What a marked value means in this list; blank when the list has no "
                    "mark."))

    class Meta:
        verbose_name = _("option set")
        verbose_name_plural = _("option sets")
        ordering = ["name"]


class Option(TimeStampedModel):
    """One value of an option set. `code` is what records store (for the seeded values, the
    Chinese term itself, as before); `name` is what pages print."""

    option_set = models.ForeignKey(OptionSet, on_delete=models.CASCADE, related_name="options",
                                   verbose_name=_("option set"))
    code = models.CharField(_("code"), max_length=40,
                            help_text=_("What records store; it cannot change once records use "
                                        "it."))
    name = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    synonyms = models.JSONField(
        _("synonyms"), default=list, blank=True,
        help_text=_("Other ways spreadsheets write it, matched by the Excel import."))
    active_from = MonthField(_("in use from (month)"), null=True, blank=True)
    active_to = MonthField(_("in use until (month, inclusive)"), null=True, blank=True,
                                 help_text=_("Set to retire a value: records keep it, new "
                                             "months no longer offer it."))
    position = models.PositiveSmallIntegerField(_("sort order"), default=0)
    flag = models.BooleanField(_("marked"), default=False,
                               help_text=_("The list's yes/no property (see the list's meaning "
                                           "of the mark)."))

    unscoped = VocabularyQuerySet.as_unscoped_manager()
    objects = VocabularyQuerySet.as_manager()

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["option_set", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["option_set", "code"], name="option_unique_code",
                                    violation_error_message=_(
                                        "This list already has a value with this code.")),
            models.UniqueConstraint(fields=["option_set", "name"], name="option_unique_name",
                                    violation_error_message=_(
                                        "This list already has a value with this name.")),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self._state.adding and not self.position:  # a new value goes last
            last = Option.unscoped.filter(option_set_id=self.option_set_id).aggregate(
                last=models.Max("position"))["last"]
            self.position = (last or 0) + 1
        super().save(*args, **kwargs)

    def clean(self):
        self.code = (self.code or "").strip()
        self.name = (self.name or "").strip()
        if any(c in self.code for c in "~\"'<>&"):
            raise ValidationError({"code": _("A code cannot contain ~, quotes, < > or &.")})
        if not isinstance(self.synonyms, list) or not all(
                isinstance(s, str) for s in self.synonyms):
            raise ValidationError({"synonyms": _("Synonyms are a list of words.")})
        self.synonyms = list(dict.fromkeys(s.strip() for s in self.synonyms if s.strip()))
        for name in ("active_from", "active_to"):
            value = getattr(self, name)
            if value:
                setattr(self, name, value.replace(day=1))
        if self.active_from and self.active_to and self.active_to < self.active_from:
            raise ValidationError({"active_to": _("A value cannot be retired before it is in "
                                                  "use.")})
        if self.pk:
            stored = Option.unscoped.filter(pk=self.pk).values_list("code", flat=True).first()
            if stored is not None and stored != self.code:
                used = options.usage(self.option_set.code, stored)
                if used:
                    raise ValidationError({"code": _(
                        "%(value)s is used by %(used)s: its code cannot change (rename it "
                        "instead).") % {"value": stored, "used": used}})
