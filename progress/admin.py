from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.access import CHANGE, Scope
from org.admin import ReadOnlyAdmin
from skills_portal.admin_filters import period_filter
from targets.admin import plan_filter
from targets.models import Plan, Target

from . import services
from .choices import TRIGGER_LABELS, RollupRequestStatus, WarningColour
from .models import ProgressSnapshot, RollupRequest, RollupRun, WarningLevel


class TriggerFilter(admin.SimpleListFilter):
    title = _("trigger")
    parameter_name = "trigger"

    def lookups(self, request, model_admin):
        return list(TRIGGER_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(trigger=self.value()) if self.value() else queryset


@admin.register(RollupRun)
class RollupRunAdmin(ReadOnlyAdmin):
    """Operations: visible to system administrators (superusers) only."""

    list_display = ("period", "trigger_label", "status", "started_at", "finished_at",
                    "rows_written", "queries", "request_link")
    list_filter = ("status", TriggerFilter, period_filter())
    search_fields = ("error",)
    exclude = ("trigger", "request")
    readonly_fields = ("trigger_label", "request_link")

    @admin.display(description=_("trigger"), ordering="trigger")
    def trigger_label(self, run):
        return TRIGGER_LABELS.get(run.trigger, run.trigger)

    @admin.display(description=_("roll-up request"))
    def request_link(self, run):
        if not run.request_id:
            return "—"
        return format_html('<a href="{}">#{}</a>', reverse(
            "admin:progress_rolluprequest_change", args=[run.request_id]), run.request_id)


class RollupRequestForm(forms.ModelForm):
    """Plan and months; the months are checked and narrowed as the API does
    (`services.check_request`)."""

    user = None  # set by the admin for the request's user

    class Meta:
        model = RollupRequest
        fields = ["plan", "first_month", "last_month"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.fields.get("plan")  # the add form's; a request's page shows, never edits
        if plan is not None:
            plan.queryset = Plan.objects.for_user(self.user, CHANGE)
            if not Scope.of(self.user).is_global:
                plan.required = True
                plan.help_text = _("A plan issued by your unit or a unit below it.")
            else:
                plan.help_text = _("Empty: every plan.")
        for name in ("first_month", "last_month"):
            if name in self.fields:
                self.fields[name].help_text = _("YYYY-MM, e.g. 2025-01.")

    def clean(self):
        data = super().clean()
        if self.errors or "plan" not in self.fields or not (
                data.get("first_month") and data.get("last_month")):
            return data
        try:
            data["months"] = services.check_request(
                user=self.user, plan=data.get("plan"), first=data["first_month"],
                last=data["last_month"])
        except PermissionDenied as exc:
            self.add_error("plan", str(exc))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)
        return data


@admin.register(RollupRequest)
class RollupRequestAdmin(admin.ModelAdmin):
    """Roll-up requests (重新汇总): administrators add one (plan, first and last month); its
    page shows how far it is. Made, never changed or deleted by hand."""

    form = RollupRequestForm
    list_display = ("id", "plan_label", "months", "reason", "status", "progress",
                    "requested_by", "requested_at", "finished_at")
    list_display_links = ("id", "plan_label")
    list_filter = ("status", "reason")
    list_select_related = ("plan", "requested_by")
    autocomplete_fields = ("plan",)
    detail_fields = ("plan_label", "months", "reason", "status", "progress", "current",
                     "requested_by", "requested_at", "started_at", "finished_at", "error",
                     "runs_made")

    def get_queryset(self, request):
        return RollupRequest.objects.for_user(request.user).order_by(*self.get_ordering(request)
                                                                     or ["-requested_at"])

    def get_fields(self, request, obj=None):
        return ["plan", "first_month", "last_month"] if obj is None else list(self.detail_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.detail_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def has_module_permission(self, request):
        return Scope.of(request.user).is_member

    def has_view_permission(self, request, obj=None):
        return Scope.of(request.user).is_member

    def has_add_permission(self, request):
        return services.may_request_rollup(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        first, last = form.cleaned_data["months"]
        made, created = services.request_rollup(user=request.user, plan=obj.plan, first=first,
                                                last=last)
        for field in RollupRequest._meta.concrete_fields:  # the page shows what was queued
            setattr(obj, field.attname, getattr(made, field.attname))
        obj._state.adding, obj._state.db = False, made._state.db
        obj._queued_now = created

    def log_addition(self, request, obj, message):
        if getattr(obj, "_queued_now", True):
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "_queued_now", True):
            self.message_user(request, gettext(
                "Roll-up of %(first)s to %(last)s queued (%(n)s months): this page shows how "
                "far it is.") % {"first": f"{obj.first_month:%Y-%m}",
                                 "last": f"{obj.last_month:%Y-%m}", "n": obj.months_total},
                messages.SUCCESS)
        else:
            self.message_user(request, gettext(
                "A queued roll-up request already covers these months: it is shown here "
                "instead of a second one."), messages.WARNING)
        return HttpResponseRedirect(reverse("admin:progress_rolluprequest_change",
                                            args=[obj.pk]))

    @admin.display(description=_("plan"), ordering="plan__short_name")
    def plan_label(self, obj):
        return obj.plan.short_name if obj.plan_id else gettext("all plans")

    @admin.display(description=_("months"), ordering="first_month")
    def months(self, obj):
        return f"{obj.first_month:%Y-%m} — {obj.last_month:%Y-%m}"

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return format_html('<progress value="{}" max="{}"></progress> {}', obj.months_done,
                           obj.months_total or 1, gettext("%(done)s of %(total)s months") % {
                               "done": obj.months_done, "total": obj.months_total})

    @admin.display(description=_("month being rolled up"))
    def current(self, obj):
        if obj.status == RollupRequestStatus.RUNNING and obj.current_month:
            return f"{obj.current_month:%Y-%m}"
        return "—"

    @admin.display(description=_("roll-up runs"))
    def runs_made(self, obj):
        runs = list(obj.runs.order_by("period", "id"))
        if not runs:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}: {} ({})", (
            (f"{run.period:%Y-%m}", run.get_status_display(),
             gettext("%(n)s rows") % {"n": run.rows_written}) for run in runs))


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("target", "period", "actual", "target_value", "completion_rate",
                    "time_progress", "status", "rank", "rank_of")
    list_filter = (period_filter(), "status", "is_soft", plan_filter("target__plan"))
    list_select_related = ("target__indicator", "target__org_unit", "target__department")
    search_fields = ("target__code", "target__org_unit__name", "target__indicator__name")
    exclude = ("run",)
    readonly_fields = ("roll_up_run",)

    @admin.display(description=_("roll-up run"))
    def roll_up_run(self, snapshot):
        return snapshot.run or "—"

    def get_queryset(self, request):
        targets = Target.objects.for_user(request.user)
        return super().get_queryset(request).filter(target__in=targets)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and (request.user.is_superuser
                                           or request.user.memberships.exists())

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(WarningLevel)
class WarningLevelAdmin(admin.ModelAdmin):
    """The early-warning thresholds (预警): the three levels are fixed, their thresholds are
    the administrators' to set. The next roll-up applies them."""

    list_display = ("code", "below")
    list_editable = ("below",)
    list_display_links = None
    ordering = ("below",)

    def has_add_permission(self, request):
        missing = set(WarningColour.values) - set(WarningLevel.objects.values_list("code", flat=True))
        return bool(missing) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
