from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from targets.services import issue_token


class Command(BaseCommand):
    help = ("Print a user's API token (creating it if needed), for scripts that call /api/v1/ "
            "with the header 'Authorization: Token <key>'. --rotate replaces it.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true",
                            help="replace the existing token (the old one stops working)")

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["username"]})
        except User.DoesNotExist as exc:
            raise CommandError(f"没有用户 {options['username']}") from exc
        try:
            token, changed = issue_token(user=user, actor=None, rotate=options["rotate"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        if changed:
            self.stderr.write(f"{'rotated' if options['rotate'] else 'issued'} a token for "
                              f"{user.get_username()}")
        self.stdout.write(token.key)
