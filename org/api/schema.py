"""The OpenAPI schema's AutoSchema: every operation documents the error answers it can give
(issue #18), with the one body shape they share, so a generated client expects them."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error. `detail` says what is wrong, in Chinese; a 400 for invalid "
                   "input names each field with its messages instead ({\"period\": [\"…\"]}), "
                   "and an unknown query parameter adds `unknown_parameters` and "
                   "`accepted_parameters`.",
    "properties": {
        "detail": {"type": "string"},
        "unknown_parameters": {"type": "array", "items": {"type": "string"}},
        "accepted_parameters": {"type": "array", "items": {"type": "string"}},
    },
    # A field's messages: a list of texts, or for a list field the messages of each item.
    "additionalProperties": {},
}
ERRORS = {
    "400": "Invalid input or an unknown query parameter.",
    "401": "Not authenticated: no, a wrong or a rotated token.",
    "403": "Signed in, but the record or the action is outside your scope or role.",
    "404": "No such record (or page of a list) within your scope.",
    "412": "If-Match was sent and the record changed since (its ETag differs).",
    "409": "The Idempotency-Key was used with another body, or its first request still runs.",
    "503": "The database stayed busy with other writers through the retries: nothing was "
           "saved; send the request again (see Retry-After).",
}


class PortalAutoSchema(AutoSchema):
    def _idempotent(self) -> bool:
        if self.method != "POST":
            return False
        handler = getattr(self.view, getattr(self.view, "action", None) or "post", None)
        return hasattr(handler, "__wrapped__")

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._idempotent():
            parameters.append(OpenApiParameter(
                "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                description="Any unique text (a UUID). A retry with the same key and body "
                            "answers the first result instead of writing again; the same key "
                            "with another body is a 409. Kept 24 hours."))
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA,
                                      object="Error", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        # Any operation may answer 400 (a bad value or an unknown query parameter) and 404 (a
        # record, or a page of a list, that is not there within the caller's scope).
        wanted = ["400", "401", "403", "404"]
        if "{" in self.path and self.method in ("PUT", "PATCH", "DELETE") and \
                hasattr(self.view, "check_precondition"):
            wanted.append("412")
        if getattr(self.view, "clears_on_zero", False) and self.method in ("POST", "PUT", "PATCH"):
            responses.setdefault("204", {"description": "Every number 0: the cell is cleared, "
                                                        "as on the entry grid (no body)."})
        if self._idempotent():
            wanted.append("409")
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            wanted.append("503")  # skills_portal.middleware.BusyRetryMiddleware
        for code in wanted:
            responses.setdefault(code, {
                "description": ERRORS[code],
                "content": {"application/json": {"schema": component.ref}},
            })
        return responses
