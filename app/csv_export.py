"""CSV export shared by every list view: UTF-8 with BOM (Greek in Excel), RFC 4180
quoting, translated headers, formula-injection guard, streamed from a server-side
cursor so memory stays flat whatever the row count."""
from __future__ import annotations

import csv
import datetime as dt
import decimal
import enum
import io
from collections.abc import Iterable, Iterator

from flask_babel import gettext

BOM = "\ufeff"
# Cells a spreadsheet would run as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)  # numbers are data, never formulas, even negative ones
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return neutralise(str(value.value))
    return neutralise(str(value))


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


def _formatter(column_type):
    """The per-column form of cell(): numbers as they are (csv writes str(), None as
    empty), text guarded against formulas, everything else through cell()."""
    from sqlalchemy import Integer, Numeric, String, Text

    if isinstance(column_type, (Integer, Numeric)):
        return None
    if isinstance(column_type, (String, Text)) and not hasattr(column_type, "enums"):
        return neutralise_or_none
    if getattr(column_type, "enum_class", None) is not None:
        return enum_value
    return cell


def _fixed(scale: int):
    def fixed(value):
        return None if value is None else f"{value:.{scale}f}"

    return fixed


def enum_value(value):
    return None if value is None else neutralise(str(value.value))


def neutralise_or_none(value):
    if value is None:
        return None
    return "'" + value if value.startswith(FORMULA_START) else value


def sql_rows(session, query, model, columns: list[str], batch: int):
    """The export's rows straight from SQL (issue #13): one Core SELECT of just the
    exported columns, over the list query's filters and order, read through a server-side
    cursor in batches; no ORM object per row. Columns must be the model's own columns
    or "relation.column" of a many-to-one relation; otherwise None (the caller falls back
    to objects)."""
    from sqlalchemy import Float, Numeric, inspect, type_coerce
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
    formats = [_formatter(e.type) for e in exprs]
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
def _as_text(expr, column_type, dialect: str, yes: str, no: str):
    """An SQL expression giving, as text, what cell() gives for this column's values
    (NULL where cell() gives ""), or None if the type has no SQL form here."""
    from sqlalchemy import Boolean, Date, DateTime, Enum, Integer, Numeric, String, Text, case, cast, func, literal

    def guarded(text):  # neutralise() in SQL; '' as NULL (COPY would write '' as "")
        starts = case((func.substr(text, 1, 1).in_(FORMULA_START), literal("'", String) + text), else_=text)
        return func.nullif(starts, "")

    if isinstance(column_type, Enum) and column_type.enum_class is not None:
        # native_enum=False everywhere: the member's name is stored; the file shows its value.
        labels = {m.name: neutralise(str(m.value)) for m in column_type.enum_class}
        return case(labels, value=cast(expr, String), else_=None)
    if isinstance(column_type, Boolean):
        return case((expr.is_(True), literal(yes, String)), (expr.is_(False), literal(no, String)), else_=None)
    if isinstance(column_type, DateTime):
        if dialect == "postgresql":
            return func.to_char(expr, "YYYY-MM-DD HH24:MI:SS")
        return func.strftime("%Y-%m-%d %H:%M:%S", expr)
    if isinstance(column_type, Date):
        return func.to_char(expr, "YYYY-MM-DD") if dialect == "postgresql" else func.strftime("%Y-%m-%d", expr)
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
    the exported columns as text (enum values, Ναι/Όχι, formula guard, times and numbers
    as cell() writes them), over the list query's filters, row scope and order. On
    PostgreSQL the server writes the CSV (`COPY (…) TO STDOUT WITH CSV`, streamed); on
    SQLite csv.writer.writerows over fetchmany. Byte for byte what stream_rows() writes;
    None where a column has no SQL form (the caller then takes the slower paths)."""
    from sqlalchemy import String, inspect, type_coerce
    from sqlalchemy.orm import RelationshipDirection, aliased

    engine = session.get_bind()
    dialect = engine.dialect
    if dialect.name not in ("postgresql", "sqlite"):
        return None
    yes, no = gettext("Yes"), gettext("No")
    mapper = inspect(model)
    exprs, joins = [], {}
    for name in columns:
        if name in mapper.column_attrs:
            column = getattr(model, name)
        else:
            relation, _, attr = name.partition(".")
            rel = mapper.relationships.get(relation)
            if rel is None or rel.direction is not RelationshipDirection.MANYTOONE or attr not in rel.mapper.column_attrs:
                return None
            alias = joins.get(relation)
            if alias is None:
                alias = joins[relation] = aliased(rel.mapper.class_)
                query = query.outerjoin(getattr(model, relation).of_type(alias))
            column = getattr(alias, attr)
        text = _as_text(column, column.type, dialect.name, yes, no)
        if text is None:
            return None
        exprs.append(type_coerce(text, String).label(f"c{len(exprs)}"))
    compiled = query.with_entities(*exprs).statement.compile(
        dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = _bound(compiled, dialect)
    head = io.StringIO()
    head.write(BOM)
    csv.writer(head, lineterminator="\r\n").writerow([neutralise(h) for h in headers])
    if dialect.name == "postgresql":
        return _copy(engine, str(compiled), params, head.getvalue().encode("utf-8"))
    return _writerows(engine, str(compiled), [params[k] for k in compiled.positiontup or ()], batch,
                      head.getvalue())


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


def _writerows(engine, sql: str, params: list, batch: int, head: str) -> Iterator[str]:
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, params)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            buffer.write(head)
            while rows := cursor.fetchmany(batch):
                writer.writerows(rows)
                if buffer.tell() > 65536:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()
        finally:
            cursor.close()
