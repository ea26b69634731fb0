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


def stream_rows(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    """Yield the CSV text in chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([cell(v) for v in row])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
