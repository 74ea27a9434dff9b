"""django-axes (login throttling, see security.py) under a name that reads in the admin: its
own app config names it "Axes", an untranslatable label."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("Login throttling")

    def ready(self):
        super().ready()
        # Axes names its records in English sentences ("Access Log for … @ …"); the admin
        # shows them on every page about one.
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.__str__ = lambda row: _("Login attempt: %(user)s, %(time)s") % {
            "user": row.username, "time": row.attempt_time}
        AccessFailureLog.__str__ = lambda row: _("Failed login: %(user)s, %(time)s") % {
            "user": row.username, "time": row.attempt_time}
        AccessLog.__str__ = lambda row: _("Login: %(user)s, %(time)s") % {
            "user": row.username, "time": row.attempt_time}
