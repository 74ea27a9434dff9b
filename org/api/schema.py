"""The OpenAPI schema's AutoSchema: every operation documents the error answers it can give
(issue #18), with the one body shape they share, so a generated client expects them."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

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
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
ERRORS = {
    "400": "Invalid input or an unknown query parameter.",
    "401": "Not authenticated: no, a wrong or a rotated token.",
    "403": "Signed in, but the record or the action is outside your scope or role.",
    "404": "No such record within your scope.",
    "412": "If-Match was sent and the record changed since (its ETag differs).",
}


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA,
                                      object="Error", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        wanted = ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view() or "{" in self.path:
            wanted.insert(0, "400")
        if "{" in self.path:
            wanted.append("404")
            if self.method in ("PUT", "PATCH", "DELETE") and hasattr(self.view, "check_precondition"):
                wanted.append("412")
        for code in wanted:
            responses.setdefault(code, {
                "description": ERRORS[code],
                "content": {"application/json": {"schema": component.ref}},
            })
        return responses
