import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.users import create_demo_users

DEFAULT_DEMO_PASSWORD = "demo-skills-2026"  # noqa: S105 - printed demo login, DEBUG only


class Command(BaseCommand):
    help = "Create demo accounts (one per kind of user). Refused when DEBUG is off."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示账号只能在调试模式（DEBUG=1）下创建。")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        users = create_demo_users(password)
        self.stdout.write(f"demo accounts (password for all: {password}):")
        for username, label in users:
            self.stdout.write(f"  {username:<20} {label}")
