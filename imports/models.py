"""The record of every upload: who, when, which file (name, size, SHA-256), what the preview
found and what was applied. The uploaded bytes are kept on the record until it is applied or
discarded, so that "confirm" applies exactly the file that was previewed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.access import Scope, unit_filter
from org.choices import Role
from org.scoping import ScopedQuerySet

from .choices import ExportStatus, ImportStatus, ValueBasis


class ImportBatchQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = "view"):
        """Uploaders see their own imports; administrators see those of users whose
        memberships fall in their subtree; superusers see all."""

        scope = Scope.of(user)
        if scope.is_global:
            return self
        own = models.Q(uploaded_by=user) if user is not None and user.is_authenticated else None
        if own is None:
            return self.none()
        if action == "view":
            admin_units = scope.unit_subtree({Role.ADMIN})
            if admin_units is not None:
                own |= unit_filter("uploaded_by__memberships__org_unit", admin_units)
        return self.filter(own).distinct()


class ImportBatch(models.Model):
    kind = models.CharField(_("kind"), max_length=40)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.PREVIEWED)
    basis = models.CharField(_("values are"), max_length=8, choices=ValueBasis.choices,
                             default=ValueBasis.MONTH)
    # Choices made on the upload form beside the file (a quota table's plan, indicator, year).
    options = models.JSONField(_("options"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="imports", verbose_name=_("uploaded by"))
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("file"), null=True, editable=False)
    rows = models.PositiveIntegerField(_("data rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [{"sheet", "row", "column", "message"}], the first IMPORT_MAX_LISTED_ERRORS of them.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    # A sample of what applying would do: [{"action", "row", "label", "before", "after"}].
    changes = models.JSONField(_("changes"), default=list, blank=True)
    # Unit and department names the file uses that were not found, each with its nearest
    # candidates: the preview offers them for a choice, kept as an alias (org.NameAlias).
    names = models.JSONField(_("names to choose"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    progress = models.PositiveIntegerField(_("rows processed"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    # org.scoping: `unscoped` first (the default manager), `objects` checked.
    unscoped = ImportBatchQuerySet.as_unscoped_manager()
    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="import_user_recent"),
                   # an identical re-upload is recognised by its hash
                   models.Index(fields=["sha256", "-created_at"], name="import_same_file")]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def progress_key(self) -> str:
        return f"imports:progress:{self.pk}"

    @property
    def rows_read(self) -> int:
        """Rows checked so far: what a running job last reported, else the final count."""
        if self.status != ImportStatus.RUNNING:
            return self.progress
        from django.core.cache import cache

        return cache.get(self.progress_key, self.progress)

    def earlier_uploads(self, user):
        """Earlier uploads of the same file (same SHA-256) that `user` may see, newest first:
        an identical re-upload is pointed out on its preview page."""
        return (ImportBatch.objects.for_user(user)
                .filter(sha256=self.sha256, created_at__lte=self.created_at)
                .exclude(pk=self.pk).select_related("uploaded_by"))

    @property
    def is_confirmable(self) -> bool:
        """Previewed, without errors, and with something to write."""
        return (self.status == ImportStatus.PREVIEWED and not self.error_count
                and bool(self.created or self.updated))


class ExportJobQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = "view"):
        """An export holds what its requester may see: only they may read it."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(requested_by=user)


class ExportJob(models.Model):
    """A large export built in the background (issue #21): the rows of a list, filtered as the
    list page was, written as .xlsx or .csv by a Celery job and kept for a few days."""

    kind = models.CharField(_("kind"), max_length=20)
    fmt = models.CharField(_("format"), max_length=4)
    query = models.TextField(_("filters"), blank=True)  # the list page's query string
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices,
                              default=ExportStatus.PENDING)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    content = models.BinaryField(_("file"), null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="exports", verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    unscoped = ExportJobQuerySet.as_unscoped_manager()
    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_user_recent")]

    def __str__(self):
        return f"{self.kind}.{self.fmt} #{self.pk}"
