"""Mixins that mark how a model is audited and which rows a user may touch.

The row-restriction policy itself lives in `app.access`; models only say how they
relate to a centre, an evaluator or a grader, or that they are reference data or a
system record. Every model declares exactly one kind of ownership (or more than one of
the owned kinds, e.g. EvaluatorOwned + GraderAssigned); a model that declares none is
reachable by no one (fail closed).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement


# A name folded for search (app.rules.search.fold): compared by code point, so a "starts
# with" is an index range on both databases ("C" collation on PostgreSQL, SQLite's BINARY).
FOLDED_TEXT = String(250).with_variant(String(250, collation="C"), "postgresql")  # see trigram_index


def trigram_index(table: str, column: str) -> Index:
    """PostgreSQL's trigram index for "contains" searches on a folded name (a plain
    index of the same name elsewhere: see the migration e5f6a7b8c9d0)."""
    return Index(f"trgm_{table}_{column}", column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


# Column info of a time typed on the local wall clock (LOCAL_TIMEZONE), e.g. a call's
# opening: shown as typed, not converted from UTC like the timestamps (app.formatting).
WALL_CLOCK = {"wall_clock": True}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Audited:
    """Every insert, update and delete of this model is written to the audit log in the
    same transaction (see app.audit). `__audit_secret__` fields are logged masked."""

    __audit_secret__: frozenset[str] = frozenset()


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class ReferenceData:
    """Rows every signed-in role with the view's permission may read (regions, clusters,
    calls): ownership declared as "nobody in particular". Writes stay with the view's
    permissions (Admin)."""


class SystemRecord:
    """Rows only the Admin and the help desk read (audit, tokens, jobs): ownership
    declared as "the system". `__row_roles__` may name further roles that see all rows;
    `__row_owner__` names a user-id column whose user also sees the row (a job's starter)."""

    __row_roles__: frozenset[str] = frozenset()
    __row_owner__: str | None = None


class CentreOwned:
    """Rows that belong to exactly one centre. Override `centre_clause` when the centre
    is reached through a relationship rather than a `centre_id` column."""

    @classmethod
    def centre_clause(cls, centre_id: int) -> ColumnElement[bool]:
        return cls.centre_id == centre_id  # type: ignore[attr-defined]

    def owning_centre_id(self) -> int | None:
        return getattr(self, "centre_id", None)


class EvaluatorOwned:
    """Rows that belong to exactly one evaluator (their registry file)."""

    @classmethod
    def evaluator_clause(cls, evaluator_id: int) -> ColumnElement[bool]:
        return cls.evaluator_id == evaluator_id  # type: ignore[attr-defined]


class GraderAssigned:
    """Rows that a grader may see only when assigned to them."""

    @classmethod
    def grader_clause(cls, user_id: int) -> ColumnElement[bool]:
        return cls.grader_id == user_id  # type: ignore[attr-defined]


# --- Table sizes (issue #13): which lists must be served by indexes --------------------
# Every table is large (it grows with the country: centres, evaluators, users, their
# rows, the audit, jobs) unless it declares itself bounded: reference and configuration
# tables with a small row count fixed by law or by the programme. A large table's lists
# sort and filter only on columns with an index (tests/test_scale_indexes.py).
LARGE = "large"
BOUNDED = "bounded"


def bounded(reason: str) -> dict:
    """`__table_args__` entry (or `Table(info=…)`) of a table with a small, fixed row
    count, with the reason it stays small."""
    return {"info": {"rows": BOUNDED, "rows_reason": reason}}


def large(reason: str) -> dict:
    """`__table_args__` entry of a table that grows with the country although no centre
    or evaluator owns its rows (the audit, jobs, tokens)."""
    return {"info": {"rows": LARGE, "rows_reason": reason}}


def unindexed_filter(reason: str) -> dict:
    """Column `info` of a filter column of a large table that needs no index of its own:
    a handful of values (an enum, a flag), so an index would not serve a sorted,
    paginated list; the list's order (an indexed column) does the work."""
    return {"unindexed_filter": reason}


def sort_index(table: str, column: str) -> Index:
    """The index of a list sorted on `column`: FAB orders ties by the key, so the key
    follows (on PostgreSQL the page then comes from the index alone, without sorting
    every row of a frequent value)."""
    return Index(f"ix_{table}_{column}", column, "id")


def table_rows(table: Table, model: type | None = None) -> str | None:
    """LARGE, BOUNDED, or None for a table that says neither. A table's own declaration
    wins; rows owned by a centre, an evaluator or a grader's assignment are large by
    that ownership (models.mixins kinds)."""
    declared = table.info.get("rows")
    if declared in (LARGE, BOUNDED):
        return declared
    if model is not None and issubclass(model, (CentreOwned, EvaluatorOwned, GraderAssigned)):
        return LARGE
    return None


def is_large(table: Table, model: type | None = None) -> bool:
    """Fail closed: only a declared bounded table is small."""
    return table_rows(table, model) != BOUNDED
