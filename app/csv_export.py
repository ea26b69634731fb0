"""CSV export shared by every list view: UTF-8 with BOM (Greek in Excel), RFC 4180
quoting, translated headers, formula-injection guard, streamed from a server-side
cursor so memory stays flat whatever the row count.

Values as people read them (app.formatting, in the user's language): enum labels, Α/Β/Γ,
Ναι/Όχι, instants in Europe/Athens to the minute, dates DD/MM/YYYY. Two exceptions for
machines: an empty value is an EMPTY cell, not «—» (a dash breaks sums and re-imports),
and numbers keep the decimal point (parseable as they are)."""
from __future__ import annotations

import csv
import datetime as dt
import decimal
import enum
import functools
import io
from collections.abc import Iterable, Iterator

from flask_babel import gettext

from app.formatting import DATETIME_FORMAT, enum_label, format_date, format_datetime

BOM = "\ufeff"
# Cells a spreadsheet would run as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def cell(value, wall_clock: bool = False) -> str:
    """`wall_clock`: a naive datetime typed on the local clock (Column info), shown as it is."""
    if value is None:  # empty, never «—» (see the module's docstring)
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)  # numbers are data, never formulas, even negative ones
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value, wall_clock)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, enum.Enum):
        return neutralise(enum_label(value))
    return neutralise(str(value))


def _column(model, name: str):
    """The Column behind `name` (own or "relation.column"), or None (computed, to-many)."""
    from sqlalchemy import inspect

    mapper = inspect(model)
    relation, _, attr = name.rpartition(".")
    if relation:
        rel = mapper.relationships.get(relation)
        if rel is None:
            return None
        mapper = rel.mapper
    prop = mapper.column_attrs.get(attr)
    return prop.columns[0] if prop is not None and prop.columns else None


def wall_clock_flags(model, columns: list[str]) -> list[bool]:
    """Per exported column: does it hold a local wall-clock time (shown as typed)?"""
    flags = []
    for name in columns:
        column = _column(model, name)
        flags.append(bool(column is not None and getattr(column, "info", {}).get("wall_clock")))
    return flags


def dotted(obj, path: str):
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part)
        if callable(obj) and not isinstance(obj, type):
            obj = obj()
    return obj


def stream_rows(headers: list[str], rows: Iterable[list], *, formatted: bool = False) -> Iterator[str]:
    """Yield the CSV text in chunks of about 64 KiB (`formatted`: the rows' values are
    already what cell() gives, e.g. from sql_rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(row if formatted else [cell(v) for v in row])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _formatter(column_type, wall_clock: bool = False):
    """The per-column form of cell(): numbers as they are (csv writes str(), None as
    empty), text guarded against formulas, everything else through cell()."""
    from sqlalchemy import DateTime, Integer, Numeric, String, Text

    if isinstance(column_type, (Integer, Numeric)):
        return None
    if isinstance(column_type, (String, Text)) and not hasattr(column_type, "enums"):
        return neutralise_or_none
    if getattr(column_type, "enum_class", None) is not None:
        return enum_value
    if isinstance(column_type, DateTime):
        return lambda value: cell(value, wall_clock)
    return cell


def _fixed(scale: int):
    def fixed(value):
        return None if value is None else f"{value:.{scale}f}"

    return fixed


def enum_value(value):
    return None if value is None else neutralise(enum_label(value))


def neutralise_or_none(value):
    if value is None:
        return None
    return "'" + value if value.startswith(FORMULA_START) else value


def _resolve_columns(query, model, columns: list[str]):
    """(query with the outer joins needed, one SQL column per exported name): the model's
    own columns or "relation.column" of a many-to-one relation; None for anything else
    (the caller then falls back to the object path)."""
    from sqlalchemy import inspect
    from sqlalchemy.orm import RelationshipDirection, aliased

    mapper = inspect(model)
    exprs, joins = [], {}
    for name in columns:
        if name in mapper.column_attrs:
            exprs.append(getattr(model, name))
            continue
        relation, _, attr = name.partition(".")
        rel = mapper.relationships.get(relation)
        if rel is None or rel.direction is not RelationshipDirection.MANYTOONE or attr not in rel.mapper.column_attrs:
            return None
        alias = joins.get(relation)
        if alias is None:
            alias = joins[relation] = aliased(rel.mapper.class_)
            query = query.outerjoin(getattr(model, relation).of_type(alias))
        exprs.append(getattr(alias, attr))
    return query, exprs


def sql_rows(session, query, model, columns: list[str], batch: int):
    """The export's rows straight from SQL (issue #13): one Core SELECT of just the
    exported columns, over the list query's filters and order, read through a server-side
    cursor in batches; no ORM object per row. Columns must be the model's own columns
    or "relation.column" of a many-to-one relation; otherwise None (the caller falls back
    to objects)."""
    from sqlalchemy import Float, Numeric, type_coerce

    resolved = _resolve_columns(query, model, columns)
    if resolved is None:
        return None
    query, exprs = resolved
    formats = [_formatter(e.type, wall) for e, wall in zip(exprs, wall_clock_flags(model, columns), strict=True)]
    for i, expr in enumerate(exprs):
        scale = getattr(expr.type, "scale", None)
        if isinstance(expr.type, Numeric) and expr.type.asdecimal and scale is not None:
            # Read as a float and printed with the column's scale: what str(Decimal) gives,
            # without a Decimal per value.
            exprs[i] = type_coerce(expr, Float)
            formats[i] = _fixed(scale)
    active = [(i, f) for i, f in enumerate(formats) if f is not None]
    stmt = query.with_entities(*exprs).statement.execution_options(yield_per=batch)

    def rows():  # values as cell() would give them (csv writes None as empty, str() of numbers)
        for row in session.connection().execute(stmt).tuples():  # Core rows: no ORM loading step
            row = list(row)
            for i, f in active:
                row[i] = f(row[i])
            yield row

    return rows()


# --- the fast path: formatting in SQL, CSV written by the database or by csv.writerows ------
def _as_text(expr, column_type, dialect: str, yes: str, no: str, wall_clock: bool = False, zone: str = "UTC"):
    """An SQL expression giving, as text, what cell() gives for this column's values
    (NULL where cell() gives ""), or None if the type has no SQL form here. An instant on
    SQLite (no time-zone rules there) comes raw and is converted in Python: see
    _sqlite_instant."""
    from sqlalchemy import Boolean, Date, DateTime, Enum, Integer, Numeric, String, Text, case, cast, func, literal

    def guarded(text):  # neutralise() in SQL; '' as NULL (COPY would write '' as "")
        starts = case((func.substr(text, 1, 1).in_(FORMULA_START), literal("'", String) + text), else_=text)
        return func.nullif(starts, "")

    if isinstance(column_type, Enum) and column_type.enum_class is not None:
        # native_enum=False everywhere: the member's name is stored; the file shows its label
        # in the user's language, each label a bound parameter of the CASE.
        labels = {m.name: neutralise(enum_label(m)) for m in column_type.enum_class}
        return case(labels, value=cast(expr, String), else_=None)
    if isinstance(column_type, Boolean):
        return case((expr.is_(True), literal(yes, String)), (expr.is_(False), literal(no, String)), else_=None)
    if isinstance(column_type, DateTime):
        if dialect == "postgresql":
            if not wall_clock:  # naive UTC (timestamp without time zone) -> local wall clock
                utc = expr if column_type.timezone else func.timezone(literal("UTC", String), expr)
                expr = func.timezone(literal(zone, String), utc)
            return func.to_char(expr, literal("DD/MM/YYYY HH24:MI", String))
        if wall_clock:
            return func.strftime(literal("%d/%m/%Y %H:%M", String), expr)
        return expr
    if isinstance(column_type, Date):
        return func.to_char(expr, "DD/MM/YYYY") if dialect == "postgresql" else func.strftime("%d/%m/%Y", expr)
    if isinstance(column_type, Numeric):
        if not column_type.asdecimal:
            return None  # repr(float) has no exact SQL twin
        if dialect == "postgresql":
            return cast(expr, Text)  # numeric's text is str(Decimal) of the value read
        # SQLite stores a REAL; SQLAlchemy reads it as Decimal("%.<scale>f" % value).
        scale = column_type.scale if column_type.scale is not None else column_type._effective_decimal_return_scale
        return case((expr.is_not(None), func.printf(f"%.{scale}f", expr)), else_=None)  # printf(NULL) is 0
    if isinstance(column_type, Integer):
        return expr
    if isinstance(column_type, (String, Text)):
        return guarded(expr)
    return None


def _bound(compiled, dialect) -> dict:
    """The compiled statement's parameters as the driver receives them (bind processors
    applied): values stay parameters, never pasted into the SQL text."""
    params = compiled.construct_params()
    out = {}
    for key, value in params.items():
        bind = compiled.binds.get(key)
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect) if bind is not None else None
        out[key] = processor(value) if processor is not None else value
    return out


def _crlf(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """COPY ends records with \\n; csv.writer with \\r\\n. A \\n outside quotes ends a record
    (one inside quotes is data and stays as it is): quotes are counted across blocks."""
    inside = False
    for block in blocks:
        if b'"' not in block:
            yield block if inside else block.replace(b"\n", b"\r\n")
            continue
        parts = block.split(b'"')
        for i in range(1 if inside else 0, len(parts), 2):
            parts[i] = parts[i].replace(b"\n", b"\r\n")
        if len(parts) % 2 == 0:  # an odd number of quotes in this block
            inside = not inside
        yield b'"'.join(parts)


def sql_csv(session, query, model, columns: list[str], headers: list[str], batch: int):
    """The whole export as bytes, formatted by the database (issue #13): one SELECT of
    the exported columns as text (enum labels as a CASE of bound parameters, Ναι/Όχι,
    formula guard, Athens times, dates and numbers as cell() writes them), over the list
    query's filters, row scope and order. On PostgreSQL the server writes the CSV
    (`COPY (…) TO STDOUT WITH CSV`, streamed); on SQLite each CSV line is built by one
    printf() per row (see _sqlite_line), or, where an instant cannot be converted in SQL,
    csv.writer.writerows over fetchmany. Byte for byte what stream_rows() writes; None
    where a column has no SQL form (the caller then takes the slower paths)."""
    from sqlalchemy import DateTime, String, type_coerce

    engine = session.get_bind()
    dialect = engine.dialect
    if dialect.name not in ("postgresql", "sqlite"):
        return None
    from app.clock import local_zone

    yes, no = gettext("Yes"), gettext("No")
    zone = local_zone()
    resolved = _resolve_columns(query, model, columns)
    if resolved is None:
        return None
    query, columns_sql = resolved
    texts, converters = [], []
    for column, wall_clock in zip(columns_sql, wall_clock_flags(model, columns), strict=True):
        text = _as_text(column, column.type, dialect.name, yes, no, wall_clock, zone.key)
        if text is None:
            return None
        if dialect.name == "sqlite" and isinstance(column.type, DateTime) and not wall_clock:
            local = _sqlite_local_instant(engine, column, zone.key)
            if local is None:
                converters.append((len(texts), _sqlite_instant(zone)))
            else:
                text = local
        texts.append(text)
    head = io.StringIO()
    head.write(BOM)
    csv.writer(head, lineterminator="\r\n").writerow([neutralise(h) for h in headers])
    if dialect.name == "sqlite" and not converters and 1 < len(texts) <= SQLITE_PRINTF_COLUMNS:
        line = _sqlite_line(list(zip(columns_sql, texts, strict=True)), yes, no)
        compiled = query.with_entities(line).statement.compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True})
        params = _bound(compiled, dialect)
        return _lines(engine, str(compiled), [params[k] for k in compiled.positiontup or ()], batch, head.getvalue())
    exprs = [type_coerce(text, String).label(f"c{i}") for i, text in enumerate(texts)]
    compiled = query.with_entities(*exprs).statement.compile(
        dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = _bound(compiled, dialect)
    if dialect.name == "postgresql":
        return _copy(engine, str(compiled), params, head.getvalue().encode("utf-8"))
    return _writerows(engine, str(compiled), [params[k] for k in compiled.positiontup or ()], batch,
                      head.getvalue(), converters)


# SQLite's printf() takes at most 127 arguments (SQLITE_MAX_FUNCTION_ARG): the format and
# one per column.
SQLITE_PRINTF_COLUMNS = 100
# What makes csv.writer (QUOTE_MINIMAL, "\r\n") quote a field.
CSV_SPECIAL = (",", '"', "\r", "\n")


def _sqlite_line(fields: list, yes: str, no: str):
    """One CSV line per row, built by SQLite (issue #13): printf('%s,%s,…') over the
    fields `(column, its text expression)`, each field quoted as csv.writer quotes it
    (only when it holds a comma, a quote or a line break; the quote doubled). Reading one
    string per row instead of one per value and skipping the Python writer is what brings
    the export near the CLI's rate. Text columns are taken raw and guarded here with two
    GLOBs, the common case (no formula start, nothing to quote) returning the value as it
    is; fields that cannot hold those characters (numbers, dates, times, enum labels and
    Ναι/Όχι without them) are not checked. NULL and '' print as an empty field, as csv
    writes them."""
    from sqlalchemy import Boolean, Enum, String, Text, case, func, literal

    special = literal("*[" + "".join(CSV_SPECIAL) + "]*", String)

    def quoted(value):
        return literal('"', String) + func.replace(value, '"', '""') + literal('"', String)

    args = []
    for column, text in fields:
        column_type = column.type
        if isinstance(column_type, Enum) and column_type.enum_class is not None:
            labels = [neutralise(enum_label(m)) for m in column_type.enum_class]
            may_quote = any(ch in label for label in labels for ch in CSV_SPECIAL)
        elif isinstance(column_type, Boolean):
            may_quote = any(ch in label for label in (yes, no) for ch in CSV_SPECIAL)
        elif isinstance(column_type, (String, Text)):  # neutralise() and the quoting, from the raw value
            formula = literal("[" + "".join(sorted(FORMULA_START, key=lambda c: c != "-")) + "]*", String)
            guarded = case((column.op("GLOB")(formula), literal("'", String) + column), else_=column)
            args.append(case((column.op("GLOB")(special), quoted(guarded)), else_=guarded))
            continue
        else:
            may_quote = False
        args.append(case((text.op("GLOB")(special), quoted(text)), else_=text) if may_quote else text)
    return func.printf(literal(",".join(["%s"] * len(args)), String), *args)


# Summer time in the EU (directive 2000/84/EC): from the last Sunday of March to the last
# Sunday of October, both at 01:00 UTC. Europe/Athens has followed it since 1996.
EU_RULE_YEARS = (1996, 2099)


@functools.cache
def _eu_rule_offsets(key: str) -> tuple[int, int] | None:
    """(winter, summer) UTC offsets in minutes if zone `key` follows the EU rule on every day
    of EU_RULE_YEARS and changes exactly at its instants, else None."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(key)

    def offset(instant: dt.datetime) -> int:
        delta = instant.astimezone(zone).utcoffset()
        return int(delta.total_seconds() // 60) if delta is not None else 0

    def last_sunday(year: int, month: int) -> dt.datetime:
        day = dt.datetime(year, month, 25, 1, tzinfo=dt.UTC)
        return day + dt.timedelta(days=(6 - day.weekday()) % 7)

    first = EU_RULE_YEARS[0]
    winter, summer = offset(dt.datetime(first, 1, 15, tzinfo=dt.UTC)), offset(dt.datetime(first, 7, 15, tzinfo=dt.UTC))
    if winter == summer:
        return None
    second = dt.timedelta(seconds=1)
    for year in range(first, EU_RULE_YEARS[1] + 1):
        start, end = last_sunday(year, 3), last_sunday(year, 10)
        if (offset(start - second), offset(start), offset(end - second), offset(end)) != (winter, summer, summer, winter):
            return None
        noon = dt.datetime(year, 1, 1, 12, tzinfo=dt.UTC)
        while noon.year == year:  # no other change on any day of the year
            if offset(noon) != (summer if start <= noon < end else winter):
                return None
            noon += dt.timedelta(days=1)
    return winter, summer


def _sqlite_local_instant(engine, column, key: str):
    """The instant column (naive UTC text) as format_datetime writes it in zone `key`,
    computed by SQLite with the EU rule; None if the zone does not follow it or a stored
    value lies outside the years checked (the caller then converts in Python)."""
    from sqlalchemy import String, case, func, literal, select

    offsets = _eu_rule_offsets(key)
    if offsets is None:
        return None
    with engine.connect() as connection:  # the whole table's range: a superset of any filter
        low, high = connection.execute(select(func.min(column), func.max(column))).one()
    if low is not None and not (str(EU_RULE_YEARS[0]) <= str(low)[:4] <= str(EU_RULE_YEARS[1])
                                and str(EU_RULE_YEARS[0]) <= str(high)[:4] <= str(EU_RULE_YEARS[1])):
        return None
    winter, summer = offsets
    year = func.substr(column, 1, 4)

    def change(month: str):  # the last Sunday of the month, 01:00 UTC, as SQLite's text
        return func.datetime(year + literal(f"-{month}-25", String), literal("weekday 0", String),
                             literal("+1 hour", String))

    shift = case((column >= change("03"), case((column < change("10"), literal(f"{summer:+d} minutes", String)),
                                               else_=literal(f"{winter:+d} minutes", String))),
                 else_=literal(f"{winter:+d} minutes", String))
    return func.strftime(literal(DATETIME_FORMAT, String), column, shift)


def _lines(engine, sql: str, params: list, batch: int, head: str) -> Iterator[str]:
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, params)
            yield head
            while rows := cursor.fetchmany(batch):
                yield "\r\n".join([row[0] for row in rows]) + "\r\n"
        finally:
            cursor.close()


def _sqlite_instant(zone):
    """SQLite's stored text of a naive UTC instant -> format_datetime's text (the zone is
    taken now: the file may stream after the request's context is gone)."""
    def convert(text):
        if text is None:
            return None
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).astimezone(zone).strftime(DATETIME_FORMAT)

    return convert


# The file streams after the request's session is gone (Flask tears the app context down
# when the view returns): the rows are read on a connection of their own, returned to
# the pool (rolled back) when the file ends or the client goes away.
def _copy(engine, sql: str, params: dict, head: bytes) -> Iterator[bytes]:
    def blocks():
        with engine.connect() as connection, connection.connection.dbapi_connection.cursor() as cursor:
            pending, size = [], 0
            # psycopg merges the parameters client-side (COPY takes none), quoting each value.
            with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                for data in copy:
                    pending.append(data)
                    size += len(data)
                    if size > 65536:
                        yield b"".join(pending)
                        pending, size = [], 0
            yield b"".join(pending)

    yield head
    yield from _crlf(blocks())


def _writerows(engine, sql: str, params: list, batch: int, head: str, converters: list) -> Iterator[str]:
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, params)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            buffer.write(head)
            while rows := cursor.fetchmany(batch):
                if converters:
                    rows = [list(row) for row in rows]
                    for row in rows:
                        for i, convert in converters:
                            row[i] = convert(row[i])
                writer.writerows(rows)
                if buffer.tell() > 65536:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()
        finally:
            cursor.close()
