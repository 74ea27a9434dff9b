"""Vocabularies of the reporting workflow."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned")
    APPROVED = "approved", _("approved")


class ReportAction(models.TextChoices):
    SUBMIT = "submit", _("submitted")
    RETURN = "return", _("returned")
    APPROVE = "approve", _("approved")
    UNAPPROVE = "unapprove", _("approval withdrawn")
    COMMENT = "comment", _("comment")


# Statuses that count as "reported" in completeness.
REPORTED = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)
