"""Row restrictions: the one place that says which rows the current user may touch.

Every view (list, show, edit, delete, actions, exports, downloads, related-field
choices) goes through `row_clause` / `check_writable`; see views.base. FAB's
`base_filters` alone leave actions, downloads and typed foreign keys open
(../shared/fab-notes.md), hence the extra checks.
"""
from __future__ import annotations

from flask import abort, g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from flask_login import current_user
from sqlalchemy import false, inspect, or_, select, true
from sqlalchemy.orm import RelationshipDirection
from sqlalchemy.sql.elements import ColumnElement

from app.roles import ADMIN, CENTRE_MANAGER, COMMITTEE, EVALUATOR, GRADER, HELPDESK
from models.mixins import CentreOwned, EvaluatorOwned, GraderAssigned

SCOPED_KINDS = (CentreOwned, EvaluatorOwned, GraderAssigned)


def current():
    """The signed-in user: FAB sets g.user from the session or from a JWT (API)."""
    if has_request_context() and getattr(g, "user", None) is not None:
        return g.user
    return current_user


def role_names(user=None) -> set[str]:
    user = user if user is not None else current()
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {role.name for role in user.roles}


def managed_centre_id(user=None) -> int | None:
    """The centre a centre manager is confined to (None for the Admin and every other
    role): the only centre they ever read or write for."""
    user = user if user is not None else current()
    roles = role_names(user)
    if CENTRE_MANAGER in roles and ADMIN not in roles:
        return getattr(user, "centre_id", None)
    return None


def is_scoped(model) -> bool:
    return isinstance(model, type) and issubclass(model, SCOPED_KINDS)


def row_clause(model, user=None) -> ColumnElement[bool]:
    """SQL condition for the rows of `model` that `user` (default: current) may touch."""
    user = user if user is not None else current()
    roles = role_names(user)
    if not roles:
        return false()
    if ADMIN in roles or HELPDESK in roles:  # K-11: the help desk sees everything
        return true()
    if not is_scoped(model):
        return true()  # reference data, calls: the view permission decides
    clauses = []
    if issubclass(model, CentreOwned) and CENTRE_MANAGER in roles and user.centre_id:
        clauses.append(model.centre_clause(user.centre_id))
    if issubclass(model, EvaluatorOwned):
        if COMMITTEE in roles:
            return true()
        if EVALUATOR in roles and user.evaluator_id:
            clauses.append(model.evaluator_clause(user.evaluator_id))
    if issubclass(model, GraderAssigned) and GRADER in roles:
        clauses.append(model.grader_clause(user.id))
    return or_(*clauses) if clauses else false()


def is_visible(obj, session, user=None) -> bool:
    """Whether an existing row is one the user may touch (checked in the database)."""
    model = type(obj)
    if not is_scoped(model):
        return True
    pk = inspect(obj).identity
    if pk is None:
        return False
    (pk_col,) = inspect(model).primary_key
    stmt = select(pk_col).where(pk_col == pk[0], row_clause(model, user))
    return session.execute(stmt).first() is not None


def check_writable(obj, session, user=None) -> None:
    """Refuse (403) a new or changed row that points at something outside the user's
    scope, whatever ids were posted. Forces the owner for centre managers."""
    user = user if user is not None else current()
    own_centre = managed_centre_id(user)
    model = type(obj)
    if own_centre is not None and issubclass(model, CentreOwned):
        if "centre_id" in inspect(model).columns and model.__tablename__ != "centre":  # type: ignore[union-attr, attr-defined]
            obj.centre_id = own_centre  # the manager's own centre, never a posted one
    state = inspect(obj)
    mapper = state.mapper
    for rel in mapper.relationships:
        if rel.direction is not RelationshipDirection.MANYTOONE:
            continue
        if state.has_identity and not _reference_changed(state, mapper, rel):
            continue  # an existing reference the user did not touch (e.g. a graded report's author)
        target = getattr(obj, rel.key, None)
        if target is not None and inspect(target).persistent and not is_visible(target, session, user):
            abort(403)
    if own_centre is not None and issubclass(model, CentreOwned):
        if obj.owning_centre_id() not in (None, own_centre):
            abort(403)


def _reference_changed(state, mapper, rel) -> bool:
    if state.attrs[rel.key].history.has_changes():
        return True
    for column in rel.local_columns:
        prop = mapper.get_property_by_column(column)
        if state.attrs[prop.key].history.has_changes():
            return True
    return False


class RowScopeFilter(BaseFilter):
    """FAB filter applying `row_clause`; used as a base filter on every view and on the
    choices of every related field."""

    name = "Row scope"
    arg_name = "rowscope"

    def apply(self, query, value):
        return query.filter(row_clause(self.model))


ROW_SCOPE = ["id", RowScopeFilter, None]
