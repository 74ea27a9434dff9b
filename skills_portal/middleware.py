import logging
import random
import time

from django.conf import settings
from django.db import IntegrityError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class PortalLocaleMiddleware:
    """Chinese unless the user chose another language with the selector (language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which would show an
    official's office PC with an English system locale a half-English portal."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# SQLite's "database is locked" (its busy timeout ran out), PostgreSQL's deadlock, lock
# timeout and serialisation failure: the transaction was rolled back whole, so running the
# request again is safe.
_BUSY_SQLITE = ("database is locked", "database table is locked")
_BUSY_PGCODES = {"40P01", "40001", "55P03"}


# Two writers inserting the same new cell of a monthly report at once: each read no row under
# the page's lock, and the second insert meets the first's. Run again, the request finds the
# row and updates it (or tells the writer it changed meanwhile).
_FIGURE_KEY_CONSTRAINT = "figure_unique"
_UNIQUE_VIOLATION = "23505"


def _lost_a_cell_race(exc: IntegrityError) -> bool:
    cause = exc.__cause__ or exc
    if getattr(cause, "pgcode", None) == _UNIQUE_VIOLATION:
        diag = getattr(cause, "diag", None)
        return _FIGURE_KEY_CONSTRAINT in (getattr(diag, "constraint_name", None) or "")
    text = str(exc).lower()  # SQLite names the columns: "unique constraint failed: training_…"
    return "unique constraint failed" in text and "figure." in text


def database_busy(exc: BaseException) -> bool:
    if isinstance(exc, IntegrityError):
        return _lost_a_cell_race(exc)
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ or exc
    if getattr(cause, "pgcode", None) in _BUSY_PGCODES:
        return True
    return any(text in str(exc).lower() for text in _BUSY_SQLITE)


def busy_message() -> str:
    return _("The system is busy: other users are saving and the database could not take this "
             "change in time. Nothing of it was saved; please send it again in a few seconds.")


class BusyRetryMiddleware:
    """A request whose transaction lost to another writer (a month-end rush: the embedded
    SQLite default has one writer at a time) is run again after a short, growing pause,
    instead of answering 500; after the last try it answers 503 in Chinese, saying that
    nothing was saved. Only the failed transaction was rolled back, and the request is run
    again whole (its uploaded files rewound)."""

    PAUSES = (0.2, 0.5, 1.0, 2.0)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for pause in (*self.PAUSES, None):
            request._database_busy = False
            # A page that keeps what the user typed (an entry grid) answers its own last try.
            request.database_last_try = pause is None
            response = self.get_response(request)
            if not request._database_busy:
                return response
            if pause is None:
                break
            logger.warning("Database busy on %s %s: trying again in %.1f s", request.method,
                           request.path, pause)
            time.sleep(pause * (0.75 + random.random() / 2))  # noqa: S311 - jitter, not secrets
            if hasattr(request, "_files"):
                for _name, uploads in request._files.lists():
                    for upload in uploads:
                        upload.seek(0)
        return self.busy_response(request)

    def process_exception(self, request, exception):
        # A lost write is answered here, not left to Django as uncaught: that would log an
        # "Internal Server Error" with its traceback (and mail the administrators) for every
        # try the loop above then makes good. The transaction is already rolled back; the
        # 503 is what the user gets only if the last try loses too.
        if database_busy(exception):
            request._database_busy = True
            return self.busy_response(request)
        return None

    @staticmethod
    def busy_response(request):
        message = busy_message()
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503,
                                    json_dumps_params={"ensure_ascii": False})
        else:
            response = HttpResponse(
                f"<!DOCTYPE html><meta charset=utf-8><title>{escape(_('System busy'))}</title>"
                f"<p>{escape(message)}</p>", status=503)
        response["Retry-After"] = "5"
        return response
