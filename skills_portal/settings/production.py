"""Production: DEBUG off, SECRET_KEY required, HTTPS-only cookies and HSTS.
`DJANGO_SETTINGS_MODULE=skills_portal.settings.production manage.py check --deploy` is clean."""

import os

os.environ.setdefault("DEBUG", "0")

from .base import *  # noqa: F403
from .env import env_bool, env_int

if DEBUG:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("The production settings refuse DEBUG=1.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
# Behind the TLS proxy, login throttling takes the client address the proxy appends to
# X-Forwarded-For (AXES_PROXY_COUNT proxies in front; 0 when Django is reached directly).
LOGIN_THROTTLE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 1)
X_FRAME_OPTIONS = "DENY"
