import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("skills_portal")


class SkillsPortalConfig(AppConfig):
    name = "skills_portal"
    verbose_name = _("Accounts and access")

    def ready(self):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info("REDIS_URL is not set: Celery tasks run in-process (eager mode).")
        else:
            logger.info("Celery broker: Redis (REDIS_URL is set).")
