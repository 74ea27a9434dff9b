"""`RequestIdFilter` puts the request id of the audit trail on every log record
(`%(request_id)s`, "-" outside a request), so a log line and the audit entries of the same
request can be found from each other."""

import logging

from .context import current_request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True
