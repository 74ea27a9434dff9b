"""Where a write comes from: the request id (set per request by `RequestIdMiddleware`) and the
import batch (set around an import's apply). Both are context variables, so they follow the
request or the Celery task that runs the write, and every audit entry picks them up."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("audit_request_id",
                                                                     default="")
batch_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("audit_batch_id",
                                                                         default=None)


def current_request_id() -> str:
    return request_id_var.get()


def current_batch_id() -> int | None:
    return batch_id_var.get()


@contextmanager
def audit_context(*, request_id: str | None = None, batch=None):
    """Set the request id and/or import batch for the writes inside the block."""
    tokens = []
    if request_id is not None:
        tokens.append((request_id_var, request_id_var.set(request_id)))
    if batch is not None:
        tokens.append((batch_id_var, batch_id_var.set(getattr(batch, "pk", batch))))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
