"""The Celery app. Configuration comes from Django settings (CELERY_*); the beat schedule is
kept here in code so that it is reviewed and versioned with the tasks it calls."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skills_portal.settings.base")

app = Celery("skills_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # The full roll-up of the month just ended, early on the 1st (一月一通报).
    "rollup-previous-month": {
        "task": "progress.tasks.rollup_previous_month",
        "schedule": crontab(day_of_month=1, hour=1, minute=30),
    },
    # Months touched by saved figures (RollupMark rows), so that edits show within minutes.
    "rollup-sweep": {
        "task": "progress.tasks.rollup_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Roll-ups whose process died (kill -9, a dropped connection): marked abandoned, redone.
    "rollup-redo-abandoned": {
        "task": "progress.tasks.redo_abandoned_rollups",
        "schedule": crontab(minute="*"),
    },
    # The closure table is maintained on every write; this nightly pass proves it and repairs
    # it if a bulk path ever bypassed the model (raw SQL, a restore from backup).
    "verify-org-unit-closure": {
        "task": "progress.tasks.verify_org_unit_closure",
        "schedule": crontab(hour=2, minute=30),
    },
    # Red warnings (预警) of the month being reported, told to the reviewers of each unit once
    # its figures are in (once per unit and month; the month's roll-up also runs it).
    "dashboard-red-warnings": {
        "task": "dashboard.tasks.notify_red_warnings_task",
        "schedule": crontab(hour=8, minute=45),
    },
    # Deadline reminders of the monthly reports (once per unit and month; the task skips
    # units already reminded or reported).
    "reporting-deadline-reminders": {
        "task": "reporting.tasks.send_deadline_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    # Subsidies: claims for records that have become eligible (a month ended, a hire kept a
    # year), then vouchers past their expiry voided. Both idempotent.
    # Import jobs whose message or worker was lost (a Redis restart, a kill -9): run them.
    "imports-resume-stalled": {
        "task": "imports.tasks.resume_stalled_imports",
        "schedule": crontab(minute="*/5"),
    },
    "subsidies-generate-claims": {
        "task": "subsidies.tasks.generate_claims_task",
        "schedule": crontab(hour=3, minute=0),
    },
    "subsidies-expire-vouchers": {
        "task": "subsidies.tasks.expire_vouchers_task",
        "schedule": crontab(hour=3, minute=20),
    },
}
