"""Writing many rows of plain, already-validated values: COPY on PostgreSQL, multi-row INSERTs
elsewhere. For the roll-up's snapshot and for imports, where building a model instance per
row for bulk_create costs more than the database's own work (measured in bench/)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.db import connection

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in the order of `fields`, model field names; foreign keys take
    ids) into `model`'s table, inside the caller's transaction. Values are not validated:
    callers insert what they have checked, and the database's constraints still apply."""
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    # Table and column names come from the model's metadata; values never enter the SQL text.
    table = f"{quote(meta.db_table)} ({', '.join(quote(c.column) for c in columns)})"
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text = io.StringIO()
            for row in rows:
                text.write("\t".join([v if type(v) is str and v.isalnum() else str(v)
                                      if type(v) is int else _copy_text(v) for v in row]))
                text.write("\n")
                count += 1
            text.seek(0)
            with connection.wrap_database_errors:  # a raw psycopg2 call: give Django's errors
                cursor.cursor.copy_expert(f"COPY {table} FROM STDIN", text)
            return count
        ops = connection.ops

        def adapt(value):
            if isinstance(value, dt.datetime):
                return ops.adapt_datetimefield_value(value)
            if isinstance(value, dt.date):
                return ops.adapt_datefield_value(value)
            return value

        rows = [tuple(adapt(v) for v in row) for row in rows]
        one_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        batch = max(1, min(1000, ops.bulk_batch_size(columns, rows)))
        for first in range(0, len(rows), batch):
            chunk = rows[first:first + batch]
            cursor.execute(f"INSERT INTO {table} VALUES " + ", ".join([one_row] * len(chunk)),  # noqa: S608
                           [v for row in chunk for v in row])
            count += len(chunk)
    return count
