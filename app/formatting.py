"""Every value a person sees, in one place: enums as their label, None as "—", booleans as
Ναι/Όχι, instants in Europe/Athens to the minute, decimals with the locale's separators.

Used by the Jinja filters (`display`, `datetime`, `date`, `number`, `enum_label`, see
`install`) and by the list/show widgets of every model view (`column_formatters`).

Enum convention: an enum member shown to people has a translated label, found in this
order: a `label` attribute/property of the member (see models.centres.LabelledEnum); a
`LABELS` mapping on the enum class (member or value → lazy string); a map registered here
with `register_labels(EnumClass, {...})`. Without one, the raw value is shown – and the
browser tests that look for raw values fail.

Date/time convention: a naive DateTime column holds a UTC instant (the default) unless
its Column has `info={"wall_clock": True}` – a time typed on the local wall clock (a
call's opening and closing, the staff and minutes windows), shown as it is.
"""
from __future__ import annotations

import datetime as dt
import decimal
import enum

from flask_babel import LazyString, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

EMPTY = "—"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
DATE_FORMAT = "%d/%m/%Y"
_REGISTERED: dict[type, dict] = {}


def register_labels(enum_class: type[enum.Enum], labels: dict) -> None:
    """Labels for an enum whose class cannot carry them (keys: members or values)."""
    _REGISTERED[enum_class] = {(k.value if isinstance(k, enum.Enum) else k): v for k, v in labels.items()}


def enum_label(member: enum.Enum) -> str:
    label = getattr(member, "label", None)
    if label is not None and not callable(label):
        return str(label)
    for labels in (getattr(type(member), "LABELS", None), _REGISTERED.get(type(member))):
        if labels:
            found = labels.get(member, labels.get(member.value))
            if found is not None:
                return str(found)
    return str(member.value)


def format_datetime(value: dt.datetime | None, wall_clock: bool = False) -> str:
    """An instant (naive UTC, or aware) in the local zone, or a wall-clock time as typed."""
    if value is None:
        return EMPTY
    if not wall_clock:
        from app.clock import local_zone

        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        value = aware.astimezone(local_zone())
    return value.strftime(DATETIME_FORMAT)


def format_date(value: dt.date | None) -> str:
    return EMPTY if value is None else value.strftime(DATE_FORMAT)


def format_number(value, digits: int | None = None) -> str:
    """Decimals with the locale's separators (el: 1.234,56); integers as they are
    (codes, years and counts read better without grouping)."""
    if value is None:
        return EMPTY
    if isinstance(value, (bool, int)):
        return str(value)
    if digits is not None:
        value = round(decimal.Decimal(str(value)), digits)
        return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")
    return format_decimal(value)


def display(value, wall_clock: bool = False, enum_class: type[enum.Enum] | None = None):
    """Any value as a person should read it."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "None")):
        return EMPTY
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, enum.Enum):
        return enum_label(value)
    if enum_class is not None and isinstance(value, (str, int)):
        try:
            return enum_label(enum_class(value))
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value, wall_clock)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, (float, decimal.Decimal)):
        return format_number(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(display(v)) for v in value) or EMPTY
    if isinstance(value, LazyString):
        return str(value)
    return value


def _column_formatter(column):
    from sqlalchemy import DateTime, Enum

    kind = getattr(column, "type", None)
    if isinstance(kind, Enum) and kind.enum_class is not None:
        enum_class = kind.enum_class
        return lambda v: display(v, enum_class=enum_class)
    if isinstance(kind, DateTime) and column.info.get("wall_clock"):
        return lambda v: display(v, wall_clock=True)
    return display


def column_formatters(model, columns, explicit: dict | None = None) -> dict:
    """formatters_columns for a FAB view of `model`: every column goes through
    `display` (explicit formatters first, their empty result shown as "—")."""
    from sqlalchemy import inspect

    mapper_columns = inspect(model).columns
    explicit = explicit or {}
    result = {}
    for name in columns:
        if name in explicit:
            own = explicit[name]
            result[name] = (lambda f: lambda v: display(f(v)))(own)
        elif name in mapper_columns:
            result[name] = _column_formatter(mapper_columns[name])
        else:
            result[name] = display
    return result


ROLE_LABELS = {
    "Admin": _l("Administrator"), "HelpDesk": _l("Help desk"), "CentreManager": _l("Centre manager"),
    "Committee": _l("Advisory committee"), "Evaluator": _l("Evaluator"), "Grader": _l("Grader"),
}


def role_label(name: str) -> str:
    """A role as people call it (the manual's «Υπεύθυνος ΚΣΕ», not 'CentreManager')."""
    return str(ROLE_LABELS.get(name, name))


def install(app) -> None:
    _register_default_labels()
    app.jinja_env.filters.update(
        display=display, datetime=format_datetime, date=format_date, number=format_number,
        enum_label=enum_label, role_label=role_label,
    )


def _register_default_labels() -> None:
    """Labels for the enums that carry none yet (an area that adds `label`/`LABELS` to
    its enum overrides these)."""
    from models.calls import ApplicationStatus
    from models.evaluation import CycleStatus, GraderCapacity
    from models.evaluators import EvaluatorStatus, PerformanceLevel

    register_labels(EvaluatorStatus, {
        "draft": _l("Draft"), "submitted": _l("Submitted"), "under_examination": _l("Under examination"),
        "enrolled": _l("Enrolled"), "rejected": _l("Rejected"), "inactive": _l("Inactive"),
    })
    # Levels in Greek letters (Α, Β, Γ), not Latin A/B/C.
    register_labels(PerformanceLevel, {"A": "Α", "B": "Β", "C": "Γ"})
    register_labels(GraderCapacity, {"chair": _l("Committee chair"), "independent": _l("Independent assessor")})
    register_labels(CycleStatus, {"open": _l("Open"), "closed": _l("Closed")})
    register_labels(ApplicationStatus, {"draft": _l("Draft"), "final": _l("Final submission")})
    # The areas' own label maps (services name them; registered here, at app start, so
    # that every list, show page and export renders them the same way).
    from app import committee, evaluators, jobs

    for enum_class, labels in evaluators.ENUM_LABELS.items():
        register_labels(enum_class, labels)
    for labels in (committee.DECISION_LABELS, committee.MODIFICATION_LABELS, committee.MODIFICATION_STATUS_LABELS,
                   committee.RELATION_LABELS, committee.SCORE_LABELS, jobs.STATE_LABELS):
        register_labels(type(next(iter(labels))), labels)
