from django.contrib import admin

from org.admin import ReadOnlyAdmin

from .models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """The import record: browsable, never edited by hand (users work on /imports/)."""

    list_display = ("created_at", "file_name", "kind", "uploaded_by", "status", "rows", "created",
                    "updated", "unchanged", "error_count", "applied_at")
    list_filter = ("status", "kind")
    search_fields = ("file_name", "sha256", "uploaded_by__username")
    exclude = ("content",)

    def get_queryset(self, request):
        return ImportBatch.objects.for_user(request.user).select_related("uploaded_by")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff
