"""`Idempotency-Key` on POST (issue #18): a client that retries a POST after a timeout — a
provincial platform pushing figures over a flaky link — sends the same key again and gets the
first answer, not a second record. The same key with another body is a 409.

Answers are kept in the cache (Redis in production) for IDEMPOTENCY_SECONDS, per user, path
and key; while the first request runs, a repeat is told so (409) rather than run twice. With
the cache down (it fails open) a key is not remembered: the POST runs as without one."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from rest_framework import status
from rest_framework.response import Response

HEADER = "Idempotency-Key"


def _cache_key(request, key: str) -> str:
    digest = hashlib.sha256(f"{request.user.pk}|{request.path}|{key}".encode()).hexdigest()
    return f"idempotency:{digest}"


def idempotent(handler):
    """Wrap a view's POST handler (`create` of a viewset, `post` of an APIView)."""

    def wrapped(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > 255:
            return Response({"detail": "Idempotency-Key 不能超过 255 个字符。"},
                            status=status.HTTP_400_BAD_REQUEST)
        body = hashlib.sha256(request.body).hexdigest()
        stored_key = _cache_key(request, key)
        stored = cache.get(stored_key)
        if stored is not None:
            if stored["body"] != body:
                return Response({"detail": "这个 Idempotency-Key 已用于另一个请求内容；"
                                           "新的请求请使用新的 Idempotency-Key。"},
                                status=status.HTTP_409_CONFLICT)
            return Response(stored["data"], status=stored["status"],
                            headers={"Idempotent-Replayed": "true"})
        running = f"{stored_key}:running"
        if not cache.add(running, body, timeout=120):
            return Response({"detail": "使用同一个 Idempotency-Key 的请求正在处理中，请稍后再试。"},
                            status=status.HTTP_409_CONFLICT)
        try:
            response = handler(view, request, *args, **kwargs)
            if response.status_code < 500:
                cache.set(stored_key, {"body": body, "status": response.status_code,
                                       "data": response.data},
                          timeout=settings.IDEMPOTENCY_SECONDS)
            return response
        finally:
            cache.delete(running)

    wrapped.__name__, wrapped.__doc__ = handler.__name__, handler.__doc__
    wrapped.__wrapped__ = handler
    return wrapped
