"""Admin for the subsidies app: the same scoped querysets and services as the pages.

An officer configures a scheme from a plan's text here (rule, amounts, budgets, multipliers).
Claims are not edited by hand in the admin: their amounts come from the scheme, and approving,
rejecting and paying are actions that go through the services (caps, budgets, audit). ID
numbers are masked in the lists."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from org.access import CHANGE, WRITE_ROLES, Scope
from org.admin import ScopedAdmin
from org.forms import OptionChoicesForm
from targets.admin import plan_filter
from targets.models import Plan

from . import rules, services
from .choices import RuleKind
from .models import (
    Claim,
    Hire,
    PersonCertificate,
    PersonYearLimit,
    PriorityOccupation,
    Scheme,
    SchemeBudget,
    SchemeRate,
    StartupProject,
    TrainingRecord,
    Voucher,
)


class SchemePartInline(admin.TabularInline):
    """A scheme's rates, budgets and multipliers are edited with the scheme, by whoever may
    change the scheme (the scope, not Django's per-model permissions)."""

    extra = 0
    form = OptionChoicesForm  # rates keyed by option sets' values (#26)

    def _may_change(self, request, obj) -> bool:
        if obj is None or obj.pk is None:
            return Scope.of(request.user).has_role(WRITE_ROLES["targets"])
        return Scheme.objects.for_user(request.user, CHANGE).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return Scope.of(request.user).is_member

    def has_add_permission(self, request, obj=None):
        return self._may_change(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_change(request, obj)


class SchemeRateInline(SchemePartInline):
    model = SchemeRate


class PriorityOccupationInline(SchemePartInline):
    model = PriorityOccupation


class SchemeBudgetInline(SchemePartInline):
    model = SchemeBudget


@admin.register(Scheme)
class SchemeAdmin(ScopedAdmin):
    write_roles = "targets"
    list_display = ("name", "code", "plan", "rule_kind", "org_unit", "valid_from", "valid_to",
                    "cap_per_enterprise", "is_active")
    list_filter = ("rule_kind", "is_active", plan_filter())
    search_fields = ("name", "code", "plan__short_name", "quote")
    autocomplete_fields = ("plan", "org_unit")
    list_select_related = ("plan", "org_unit")
    inlines = [SchemeRateInline, SchemeBudgetInline, PriorityOccupationInline]
    readonly_fields = ("rule_summary", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("plan", "code", "name", "rule_kind", "org_unit", "valid_from",
                           "valid_to", "is_active", "quote", "rule_summary")}),
        (_("Rule parameters"), {"fields": ("team_same_again", "cap_per_enterprise",
                                           "min_amount", "max_amount", "min_employment_months",
                                           "sme_only", "per_day_amount", "cap_share",
                                           "reference_scheme", "occupations", "note")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("rule summary"))
    def rule_summary(self, obj):
        return rules.rule_summary(obj) if obj.pk else "—"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan":
            kwargs["queryset"] = Plan.objects.for_user(request.user).filter(is_reference=False)
        if db_field.name == "reference_scheme":
            kwargs["queryset"] = Scheme.objects.for_user(request.user).filter(
                rule_kind=RuleKind.TRAINING_BY_LEVEL)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RecordAdmin(ScopedAdmin):
    write_roles = "values"
    autocomplete_fields = ("org_unit",)
    readonly_fields = ("created_by", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        services.save_record(user=request.user, obj=obj)

    def save_related(self, request, form, formsets, change):
        admin.ModelAdmin.save_related(self, request, form, formsets, change)


@admin.register(PersonCertificate)
class PersonCertificateAdmin(RecordAdmin):
    list_display = ("person_name", "masked_id_number", "certificate_type", "level",
                    "occupation", "certificate_number", "issued_on", "org_unit",
                    "allowance_ends_on")
    list_filter = ("certificate_type", "level", "org_unit__level")
    # Never the ID number: a search box would confirm whether a number is on record.
    search_fields = ("person_name", "occupation", "certificate_number", "employer")
    list_select_related = ("org_unit",)
    date_hierarchy = "issued_on"


@admin.register(Hire)
class HireAdmin(RecordAdmin):
    list_display = ("enterprise_name", "enterprise_code", "certificate", "hired_on", "left_on",
                    "insured_months", "is_sme", "org_unit")
    list_filter = ("is_sme", "org_unit__level")
    search_fields = ("enterprise_name", "enterprise_code", "certificate__person_name")
    autocomplete_fields = ("org_unit", "certificate")
    list_select_related = ("org_unit", "certificate")
    date_hierarchy = "hired_on"


@admin.register(TrainingRecord)
class TrainingRecordAdmin(RecordAdmin):
    list_display = ("person_name", "masked_id_number", "occupation", "level", "started_on",
                    "ended_on", "days_attended", "hours_completed", "hours_required",
                    "certified", "org_unit")
    list_filter = ("level", "certified", "org_unit__level")
    search_fields = ("person_name", "occupation", "institution")
    list_select_related = ("org_unit",)
    date_hierarchy = "ended_on"


@admin.register(PersonYearLimit)
class PersonYearLimitAdmin(ScopedAdmin):
    """At most N subsidised trainings per person and year across the schemes named."""

    write_roles = "targets"
    list_display = ("name", "max_per_year", "org_unit", "is_active")
    autocomplete_fields = ("org_unit",)
    filter_horizontal = ("schemes",)


@admin.register(StartupProject)
class StartupProjectAdmin(RecordAdmin):
    list_display = ("name", "founder_name", "masked_id_number", "enterprise_name", "started_on",
                    "org_unit")
    search_fields = ("name", "founder_name", "enterprise_name")
    list_select_related = ("org_unit",)


@admin.register(Claim)
class ClaimAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("scheme", "payee_name", "basis_kind", "period", "amount", "status",
                    "submitted_on", "approved_on", "paid_on", "org_unit")
    list_filter = ("status", "scheme__rule_kind", "scheme", "is_manual")
    search_fields = ("payee_name", "enterprise_name", "scheme__name")
    list_select_related = ("scheme", "org_unit")
    actions = ["approve_selected", "pay_selected"]
    exclude = ("payee_id_number",)
    readonly_fields = [f.name for f in Claim._meta.concrete_fields
                       if f.name not in ("id", "payee_id_number")] + ["masked_id_number"]

    def has_add_permission(self, request):
        return False  # claims are generated from records or entered on the claims page

    def has_change_permission(self, request, obj=None):
        return False  # decisions are actions, below

    def has_delete_permission(self, request, obj=None):
        return False  # the trail of what was claimed is kept

    def _decide(self, request, queryset, action, verb):
        done = 0
        for claim in queryset:
            try:
                action(user=request.user, claim=claim)
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{claim}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(n)s claims %(verb)s.") % {"n": done, "verb": verb},
                              messages.SUCCESS)

    @admin.action(description=_("Approve the selected claims (caps and budgets checked)"))
    def approve_selected(self, request, queryset):
        self._decide(request, queryset.order_by("pk"), services.approve_claim, _("approved"))

    @admin.action(description=_("Mark the selected approved claims as paid today"))
    def pay_selected(self, request, queryset):
        self._decide(request, queryset.order_by("pk"), services.pay_claim, _("paid"))


@admin.register(Voucher)
class VoucherAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("number", "person_name", "masked_id_number", "scheme", "status",
                    "issued_on", "expires_on", "redeemed_amount", "org_unit")
    list_filter = ("status", "scheme")
    search_fields = ("number", "person_name", "institution")
    list_select_related = ("scheme", "org_unit")
    autocomplete_fields = ("org_unit",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("number", "status", "enrolled_on", "trained_on", "assessed_on",
                    "certified_on", "redeemed_on", "expired_on", "certificate",
                    "redeemed_amount", "institution", "created_by")
        # Bound to one person (实名制, 不得转让); steps move on the vouchers page.
        return [f.name for f in Voucher._meta.concrete_fields if f.name != "id"]

    def get_exclude(self, request, obj=None):
        return ("id_number",) if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form

        class IssueForm(form):
            def clean(self):
                data = super().clean()
                if not self.errors:
                    services.check_issue(
                        scheme=data["scheme"], org_unit=data["org_unit"],
                        id_number=data["id_number"], issued_on=data["issued_on"])
                return data

        return IssueForm

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied(_("A voucher's steps are recorded on the vouchers page."))
        created = services.issue_voucher(
            user=request.user, scheme=obj.scheme, org_unit=obj.org_unit,
            person_name=obj.person_name, id_number=obj.id_number, occupation=obj.occupation,
            issued_on=obj.issued_on, expires_on=obj.expires_on)
        obj.pk = created.pk
        obj.number = created.number

    def save_related(self, request, form, formsets, change):
        admin.ModelAdmin.save_related(self, request, form, formsets, change)

    def has_delete_permission(self, request, obj=None):
        return False
