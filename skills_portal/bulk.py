"""Writing many rows of plain, already-validated values: COPY on PostgreSQL, multi-row INSERTs
elsewhere. For the roll-up's snapshot and for imports, where building a model instance per
row for bulk_create costs more than the database's own work (measured in bench/)."""

from __future__ import annotations

import datetime as dt
import gc
import io
import queue
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from itertools import islice

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


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_REPEATED = {dt.date, dt.datetime}


def _copy_lines(rows: Iterable[Sequence], tail: Sequence = ()) -> Iterator[str]:
    """COPY text lines. This loop runs once per value of every row an import writes (a
    100,000-row file is over a million values), so the usual cells take the shortest path:
    text without a tab, newline or backslash as it is, integers and decimals through str()
    (a roll-up's 57,763 snapshot rows hold mostly distinct decimals: looking each up in a
    cache cost more than converting it), NULL and booleans as constants, and timestamps and
    months (few distinct ones per write) converted once."""
    needs_escape = _NEEDS_ESCAPE.search
    converted: dict[dt.date, str] = {}
    end = "".join("\t" + _copy_text(v) for v in tail) + "\n"  # the values every row shares
    for row in rows:
        out = []
        for value in row:
            kind = type(value)
            if kind is str:
                out.append(value.translate(_COPY_ESCAPES) if needs_escape(value) else value)
            elif kind is int or kind is Decimal:
                out.append(str(value))
            elif value is None:
                out.append("\\N")
            elif kind is bool:
                out.append("t" if value else "f")
            elif kind in _REPEATED:
                found = converted.get(value)
                if found is None:
                    found = converted[value] = _copy_text(value)
                out.append(found)
            else:
                out.append(_copy_text(value))
        yield "\t".join(out) + end


_CHUNK = 1 << 16  # characters handed to the database per read


class _CopyStream:
    """What COPY reads from: the lines made as the database asks for them, so a 100,000-row
    write never holds its whole text (tens of MB for the audit entries of an import)."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._rest = ""
        self.lines = 0

    def read(self, size: int = -1) -> str:
        parts, length = [self._rest], len(self._rest)
        while size < 0 or length < size:
            line = next(self._lines, None)
            if line is None:
                break
            parts.append(line)
            length += len(line)
            self.lines += 1
        text = "".join(parts)
        if size < 0 or length <= size:
            self._rest = ""
            return text
        self._rest = text[size:]
        return text[:size]


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence], *,
                constant: dict | None = None, beside: bool = False) -> int:
    """Insert `rows` (tuples in the order of `fields`, model field names; foreign keys take
    ids) into `model`'s table, inside the caller's transaction; `constant` gives the fields
    every row has the same value of (converted once). Values are not validated: callers
    insert what they have checked, and the database's constraints still apply.

    With `beside`, on PostgreSQL, the database stores and checks the rows while `rows` is
    still being iterated (`_copy_beside`): for an iterator that does real work per row (an
    import checks each row as it yields it). The iterator must not query the database."""
    meta = model._meta
    constant = constant or {}
    columns = [meta.get_field(name) for name in (*fields, *constant)]
    quote = connection.ops.quote_name
    # Table and column names come from the model's metadata; values never enter the SQL text.
    table = f"{quote(meta.db_table)} ({', '.join(quote(c.column) for c in columns)})"
    count = 0
    if connection.vendor == "postgresql":
        text = _copy_lines(rows, tail=tuple(constant.values()))
        if beside:
            return _copy_beside(f"COPY {table} FROM STDIN", text)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stream = _CopyStream(text)
            with connection.wrap_database_errors:  # a raw psycopg2 call: give Django's errors
                cursor.cursor.copy_expert(f"COPY {table} FROM STDIN", stream, size=_CHUNK)
            return stream.lines
        ops = connection.ops

        def adapt(value):
            if isinstance(value, dt.datetime):
                return ops.adapt_datetimefield_value(value)
            if isinstance(value, dt.date):
                return ops.adapt_datefield_value(value)
            return value

        shared = tuple(constant.values())
        rows = [tuple(adapt(v) for v in (*row, *shared)) for row in rows]
        one_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        batch = max(1, min(1000, ops.bulk_batch_size(columns, rows)))
        for first in range(0, len(rows), batch):
            chunk = rows[first:first + batch]
            cursor.execute(f"INSERT INTO {table} VALUES " + ", ".join([one_row] * len(chunk)),  # noqa: S608
                           [v for row in chunk for v in row])
            count += len(chunk)
    return count


def insert_rows_into(table: str, columns: str, rows: Iterable[Sequence], *,
                     beside: bool = False) -> int:
    """COPY `rows` into a table the caller made (a quoted name and its quoted column list),
    on PostgreSQL: a temporary staging table. `beside` as for `insert_rows`."""
    if beside:
        return _copy_beside(f"COPY {table} ({columns}) FROM STDIN", _copy_lines(rows))
    stream = _CopyStream(_copy_lines(rows))
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", stream, size=_CHUNK)
    return stream.lines


BESIDE_ROWS = 10_000  # rows per COPY statement of `_copy_beside`


def _refuse_queries(execute, sql, params, many, context):
    raise RuntimeError("No query may run on this connection while its COPY runs beside.")


def _copy_beside(sql: str, lines: Iterator[str]) -> int:
    """COPY `lines` (made by this thread) through a second thread on this thread's connection,
    BESIDE_ROWS rows per statement, with the constraints checked at the end of each statement
    rather than at the commit: the database inserts and checks one chunk while this thread
    makes the next (two processes busy instead of one waiting on the other). The connection
    stays in this thread's transaction; this thread must not query it meanwhile (refused)."""
    with connection.cursor() as cursor:  # (this also opens the connection if need be)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    raw = connection.connection  # psycopg2's; Django's wrapper is never used by the helper
    chunks: queue.Queue[str | None] = queue.Queue(maxsize=4)
    failed: list[BaseException] = []

    def copy() -> None:
        try:
            with raw.cursor() as cursor:
                while (chunk := chunks.get()) is not None:
                    cursor.copy_expert(sql, io.StringIO(chunk), size=_CHUNK)
        except BaseException as exc:  # handed to the caller's thread, which raises it
            failed.append(exc)
            while chunks.get() is not None:  # let the maker finish without blocking
                pass

    helper = threading.Thread(target=copy, name="copy-beside", daemon=True)
    count = 0
    with connection.execute_wrapper(_refuse_queries):
        helper.start()
        try:
            # After a chunk the database refused, the rest is not needed.
            while not failed and (made := list(islice(lines, BESIDE_ROWS))):
                chunks.put("".join(made))
                count += len(made)
        finally:
            chunks.put(None)
            helper.join()
    if failed:
        with connection.wrap_database_errors:  # psycopg2's errors as Django's
            raise failed[0]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's default again
    return count


def update_rows(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Set `fields` (model field names; foreign keys take ids) of existing rows: each row is
    (pk, *values in the order of `fields`), inside the caller's transaction. On PostgreSQL the
    rows go by COPY into a temporary table and one UPDATE … FROM joins it on the key (a
    re-imported file may change every row it has); elsewhere bulk_update."""
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        objects = []
        for pk, *values in rows:
            obj = model(pk=pk)
            for column, value in zip(columns, values, strict=True):
                setattr(obj, column.attname, value)
            objects.append(obj)
        # The plain manager: a bulk write is a service's, never a user-scoped read.
        model._base_manager.bulk_update(objects, list(fields), batch_size=500)
        return len(objects)
    quote = connection.ops.quote_name
    names = [quote(meta.pk.column), *(quote(c.column) for c in columns)]
    stage = quote(f"stage_{meta.db_table}")
    # Names come from the model's metadata; values never enter the SQL text.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608
                       f"SELECT {', '.join(names)} FROM {quote(meta.db_table)} WITH NO DATA")
    count = insert_rows_into(stage, ", ".join(names), rows)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET "  # noqa: S608
            + ", ".join(f"{name} = s.{name}" for name in names[1:])
            + f" FROM {stage} AS s WHERE t.{names[0]} = s.{names[0]}")
        cursor.execute(f"DROP TABLE {stage}")
    return count


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector paused for one bulk step. Reading and checking a
    100,000-row file creates millions of objects that form no cycles, and the collections
    their numbers set off cost about a third of the check (bench/import_bench.py); reference
    counting still frees everything, and the collector resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def refresh_statistics() -> None:
    """PostgreSQL's planner statistics brought up to date after a bulk load. Autovacuum does it
    within a minute where it is on; where it is off, or before it comes round, a table loaded
    from empty is planned as if it held a row or two, and a grouped query over thousands of
    rows can run as a nested loop (quadratic). Not on SQLite: with `ANALYZE`'s sqlite_stat1
    its planner chose worse plans for the roll-up (a month 2–3 times slower on the demo)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
