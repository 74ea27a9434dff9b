from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("previewed, waiting for confirmation")
    REFUSED = "refused", _("refused")
    RUNNING = "running", _("running")
    APPLIED = "applied", _("applied")
    FAILED = "failed", _("failed")
    DISCARDED = "discarded", _("discarded")


class ValueBasis(models.TextChoices):
    MONTH = "month", _("this month (本月)")
    YEAR_TO_DATE = "ytd", _("year to date (累计)")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be built")
    RUNNING = "running", _("being built")
    DONE = "done", _("ready to download")
    FAILED = "failed", _("failed")
