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
