from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """The usual action codes. Other short codes are accepted (and shown as they are)."""

    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    SUBMIT = "submit", _("submitted")
    RESUBMIT = "resubmit", _("resubmitted")
    APPROVE = "approve", _("approved")
    RETURN = "return", _("returned")
    UNAPPROVE = "unapprove", _("approval withdrawn")
    IMPORT = "import", _("imported")
    PAY = "pay", _("paid")
