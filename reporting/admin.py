from django.contrib import admin

from org.admin import ScopedAdmin
from reporting.services import save_exception
from skills_portal.admin_filters import period_filter

from .models import (
    EntryWindowException,
    MonthlyReport,
    Notice,
    Reminder,
    ReportEvent,
    ReportingSchedule,
    ReportSubmission,
)


class ReadOnlyMixin:
    """Reports change only through the workflow (services), never by editing rows."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportEvent
    extra = 0
    fields = ("at", "actor", "action", "from_status", "to_status", "comment")
    readonly_fields = fields


class SubmissionInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportSubmission
    extra = 0
    fields = ("number", "submitted_at", "submitted_by", "is_late")
    readonly_fields = fields


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ("org_unit", "department", "period", "status", "deadline", "submitted_at",
                    "is_late", "approved_by")
    list_filter = ("status", "is_late", period_filter(), "org_unit__level")
    search_fields = ("org_unit__name", "department__name")
    list_select_related = ("org_unit", "department", "approved_by")
    inlines = [SubmissionInline, EventInline]


class GlobalAdmin(ScopedAdmin):
    """Schedules are set by superusers (they apply across the tree; the model's for_user
    shows them to superusers only, and saves go through scoped_save, so they are audited)."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = (
        lambda self, request, obj=None: request.user.is_superuser)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ReportingSchedule)
class ReportingScheduleAdmin(GlobalAdmin):
    list_display = ("__str__", "deadline_day", "entry_close_days", "reminder_days")
    autocomplete_fields = ("plan",)


@admin.register(EntryWindowException)
class EntryWindowExceptionAdmin(ScopedAdmin):
    """Administrators grant exceptions inside their subtree."""

    list_display = ("org_unit", "period", "open_until", "reason", "granted_by", "created_at")
    list_filter = (period_filter(),)
    search_fields = ("org_unit__name", "reason")
    autocomplete_fields = ("org_unit",)
    readonly_fields = ("granted_by",)

    def save_model(self, request, obj, form, change):
        save_exception(user=request.user, exception=obj)  # sets granted_by on a new one


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ("org_unit", "period", "sent_at", "recipients", "emails")
    list_filter = (period_filter(),)
    search_fields = ("org_unit__name",)


@admin.register(Notice)
class NoticeAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ("title", "user", "created_at", "read_at")
    search_fields = ("title",)


