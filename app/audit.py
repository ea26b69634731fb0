"""Audit log writer: every insert, update and delete of an `Audited` model, and every
custom action, becomes an `audit_entry` row inside the same transaction as the change.

Hooked on SQLAlchemy's `after_flush`, where the primary keys are known and attribute
history still shows the values before the flush.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import enum
import json
import re
import uuid
from collections.abc import Mapping
from typing import Protocol

from flask import g, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Session, UOWTransaction

from models.audit import AuditEntry
from models.mixins import Audited, utcnow

MASK = "***"
# FAB's users, roles and permissions cannot take the Audited mixin: audited by table (F9).
SECURITY_TABLES = {"ab_user": frozenset({"password"}), "ab_role": frozenset(), "ab_permission_view": frozenset(),
                   "ab_permission": frozenset(), "ab_view_menu": frozenset()}
SECURITY_COLLECTIONS = ("roles", "permissions")
# Written by every sign-in and sign-out (recorded as actions, not as record changes).
SIGN_IN_COLUMNS = {"last_login", "login_count", "fail_login_count", "changed_on", "auth_epoch"}
# Who acts outside a request (CLI commands set it).
system_actor: contextvars.ContextVar[str] = contextvars.ContextVar("system_actor", default="system")

Plain = str | int | bool | None  # a value as the JSON of `changes` holds it
# Per column [before, after]; per collection [removed names, added names].
Changes = dict[str, list[Plain] | list[list[str]]]


class Record(Protocol):
    """A mapped row (a model of ours or one of FAB's security tables)."""

    __tablename__: str


def _plain(value: object) -> Plain:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    return str(value)


def _actor() -> tuple[int | None, str, str | None]:
    if has_request_context():
        user = getattr(g, "user", None)
        request_id = getattr(g, "request_id", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id, user.username, request_id
        return None, "anonymous", request_id
    return None, system_actor.get(), None


def _state(obj: Record) -> InstanceState[Record]:
    # raiseerr spelled out: SQLAlchemy's typing of the default says "maybe None"
    state: InstanceState[Record] = inspect(obj, raiseerr=True)
    return state


def _record_id(obj: Record) -> str | None:
    # From the instance, not the identity key: new rows get their key only after
    # after_flush, but their primary key values are already set.
    values = _state(obj).mapper.primary_key_from_instance(obj)
    if not values or any(v is None for v in values):
        return None
    return ",".join(str(v) for v in values)


def _is_audited(obj: object) -> bool:
    return isinstance(obj, Audited) or getattr(obj, "__tablename__", None) in SECURITY_TABLES


def _collection_changes(obj: Record) -> Changes:
    """Roles of a user, permissions of a role: added and removed names."""
    state = _state(obj)
    changes: Changes = {}
    for key in SECURITY_COLLECTIONS:
        if key in state.mapper.relationships:
            hist = state.attrs[key].history
            if hist.added or hist.deleted:
                changes[key] = [sorted(str(x) for x in hist.deleted), sorted(str(x) for x in hist.added)]
    return changes


def _column_changes(obj: Record, mode: str) -> Changes:
    state = _state(obj)
    audited = isinstance(obj, Audited)
    secret = type(obj).__audit_secret__ if isinstance(obj, Audited) else SECURITY_TABLES[obj.__tablename__]
    changes: Changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if not audited and key in SIGN_IN_COLUMNS:
            continue
        hist = state.attrs[key].history
        if mode == "insert":
            value = getattr(obj, key)
            if value is None:
                continue
            before, after = None, value
        elif mode == "delete":
            before, after = (hist.unchanged or hist.deleted or [None])[0], None
            if before is None:
                continue
        else:
            if not hist.has_changes():
                continue
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before == after:
                continue
        if key in secret:
            before = MASK if before is not None else None
            after = MASK if after is not None else None
        changes[key] = [_plain(before), _plain(after)]
    return changes


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    rows: list[tuple[str, Record, Changes]] = []
    for mode, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not _is_audited(obj):
                continue
            security = not isinstance(obj, Audited)
            if mode == "update" and not session.is_modified(obj, include_collections=security):
                continue
            changes = _column_changes(obj, mode)
            if security:
                changes.update(_collection_changes(obj))
            if mode == "update" and not changes:
                continue
            rows.append((mode, obj, changes))
    if not rows:
        return
    user_id, username, request_id = _actor()
    now = utcnow()
    session.connection().execute(
        AuditEntry.__table__.insert(),
        [
            {
                "at": now,
                "user_id": user_id,
                "username": username,
                "request_id": request_id,
                "action": mode,
                "table_name": obj.__tablename__,
                "record_id": _record_id(obj),
                "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True),
                "remark": None,
            }
            for mode, obj, changes in rows
        ],
    )


def record_action(session: Session, action: str, obj: Record | None = None, *, table: str | None = None,
                  record_id: str | None = None, details: Mapping[str, object] | None = None) -> None:
    """Audit a custom action (final submission, lottery run, export…) in the current
    transaction; the caller commits it together with the action's own changes."""
    user_id, username, request_id = _actor()
    session.add(
        AuditEntry(
            at=utcnow(),
            user_id=user_id,
            username=username,
            request_id=request_id,
            action=f"action:{action}"[:64],
            table_name=table or (obj.__tablename__ if obj is not None else "-"),
            record_id=record_id or (_record_id(obj) if obj is not None else None),
            changes=json.dumps({k: _plain(v) for k, v in (details or {}).items()}, ensure_ascii=False, sort_keys=True),
        )
    )


def record_export(session: Session, table: str, details: Mapping[str, object]) -> None:
    """An export reads; its audit entry is the request's one write, committed before the
    file streams (the stream may outlive the request's transaction)."""
    record_action(session, "export", table=table, details=details)
    session.commit()


REQUEST_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def new_request_id(incoming: str | None) -> str:
    """A proxy's id only in the strict UUID format (F14); anything else is replaced by
    one generated here, so the audit log never stores text a client chose."""
    if incoming and REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


_installed = False


def install() -> None:
    """Listen on every Session (idempotent: the factory may run many times in tests)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
