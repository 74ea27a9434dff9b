"""A request id per request: taken from a well-formed `X-Request-ID` header (a proxy's), or
generated; set as a context variable for the audit trail and returned in the response."""

from __future__ import annotations

import re
import uuid

from .context import request_id_var

_ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _ACCEPTED.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response.headers[HEADER] = request_id
        return response
