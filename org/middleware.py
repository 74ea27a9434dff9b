"""Marks every request as the request path, where scoped querysets must be scoped
(org.scoping)."""

from .scoping import request_path


class RequestPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_path():
            return self.get_response(request)
