"""Login throttling with django-axes: after AXES_FAILURE_LIMIT failed logins for one username
from one IP address, that pair is locked out for AXES_COOLOFF_TIME, on the login page, the
admin login and any other login that goes through `authenticate(request, …)`."""

from axes.backends import AxesStandaloneBackend


class PortalAxesBackend(AxesStandaloneBackend):
    """Axes' lockout check for every login made over HTTP. `authenticate()` without a request
    (the test client's `login()`, a shell) has no client address to throttle: it is left to
    the next backend instead of raising, so those keep working."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The login page with a message saying why and for how long (AXES_LOCKOUT_CALLABLE)."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "audit/locked_out.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes,
    }, status=settings.AXES_HTTP_RESPONSE_CODE)


def client_ip(request) -> str:
    """The client's address for throttling (AXES_CLIENT_IP_CALLABLE). Directly reachable:
    REMOTE_ADDR. Behind LOGIN_THROTTLE_PROXY_COUNT proxies (environment: AXES_PROXY_COUNT)
    that each append to X-Forwarded-For: the address the outermost proxy saw, counted from the
    right, so that a client cannot choose its own address by sending the header itself."""
    from django.conf import settings

    proxies = getattr(settings, "LOGIN_THROTTLE_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR", "")
    if not proxies:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
             if part.strip()]
    return chain[-proxies] if len(chain) >= proxies else remote
