from django.conf import settings
from django.utils import translation


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
