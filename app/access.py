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
from sqlalchemy.sql.elements import ColumnElement, True_

from app.roles import ADMIN, CENTRE_MANAGER, COMMITTEE, EVALUATOR, GRADER, HELPDESK
from models.mixins import CentreOwned, EvaluatorOwned, GraderAssigned, ReferenceData, SystemRecord

SCOPED_KINDS = (CentreOwned, EvaluatorOwned, GraderAssigned)
KINDS = SCOPED_KINDS + (ReferenceData, SystemRecord)
# Models of libraries (FAB's security tables) cannot take a mixin: their ownership is
# declared here by table name. Users, roles and permissions are the Admin's (and the
# help desk reads them, K-11); nobody else lists them, not even as related choices (F1).
DECLARED_BY_TABLE: dict[str, type] = dict.fromkeys(("ab_user", "ab_role", "ab_permission", "ab_view_menu", "ab_permission_view", "ab_register_user", "ab_group", "ab_api_key", "ab_user_role", "ab_permission_view_role", "ab_user_group", "ab_group_role"), SystemRecord)


class UndeclaredOwnership(RuntimeError):
    """A model that does not say whose its rows are: the app refuses to start."""


def ownership(model) -> tuple[type, ...]:
    """The ownership kinds a model declares (mixins of models.mixins, or
    DECLARED_BY_TABLE for library models); () when it declares none."""
    if not isinstance(model, type):
        return ()
    kinds = tuple(kind for kind in KINDS if issubclass(model, kind))
    if kinds:
        return kinds
    declared = DECLARED_BY_TABLE.get(getattr(model, "__tablename__", None))
    return (declared,) if declared else ()


def undeclared_models(base=None) -> list[str]:
    """Every mapped class without an ownership declaration (start-up check)."""
    from flask_appbuilder import Model

    registry = (base or Model).registry
    return sorted(mapper.class_.__name__ for mapper in registry.mappers if not ownership(mapper.class_))


def check_declarations(base=None) -> None:
    missing = undeclared_models(base)
    if missing:
        raise UndeclaredOwnership(
            "models without a row-ownership declaration (a mixin of models.mixins): " + ", ".join(missing))


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
    """Whether rows of `model` are filtered per user (anything but reference data)."""
    kinds = ownership(model)
    return not kinds or any(kind is not ReferenceData for kind in kinds)


def row_clause(model, user=None) -> ColumnElement[bool]:
    """SQL condition for the rows of `model` that `user` (default: current) may touch."""
    user = user if user is not None else current()
    roles = role_names(user)
    if not roles:
        return false()
    kinds = ownership(model)
    if not kinds:
        return false()  # fail closed: a model that says nothing is nobody's to read
    if ADMIN in roles or HELPDESK in roles:  # K-11: the help desk sees everything
        return true()
    if ReferenceData in kinds:
        return true()  # regions, calls: the view permission decides
    if SystemRecord in kinds:
        if roles & set(getattr(model, "__row_roles__", ())):
            return true()
        owner = getattr(model, "__row_owner__", None)  # e.g. a job: whoever started it
        return getattr(model, owner) == user.id if owner and getattr(user, "id", None) else false()
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
    if ReferenceData in ownership(model) and role_names(user):
        return True
    pk = inspect(obj).identity
    if pk is None:
        return False
    (pk_col,) = inspect(model).primary_key
    stmt = select(pk_col).where(pk_col == pk[0], row_clause(model, user))
    return session.execute(stmt).first() is not None


def get_scoped(session, model, pk, user=None, *, scope: bool = True):
    """The row of `model` with primary key `pk` if `user` (default: current) may see it,
    else None. A malformed key is "not found" as well. `scope=False`: only the key check
    and existence (for callers that apply their own filters)."""
    (pk_col,) = inspect(model).primary_key
    try:
        key = pk_col.type.python_type(pk)
    except (TypeError, ValueError, OverflowError, NotImplementedError):
        return None
    if isinstance(key, int) and not -(2**63) < key < 2**63:
        return None  # larger than any database integer
    stmt = select(model).where(pk_col == key)
    return session.scalars(stmt.where(row_clause(model, user)) if scope else stmt).first()


def get_scoped_or_404(session, model, pk, user=None):
    """The one lookup for custom routes, downloads, actions and services: 404 both for a
    row that does not exist and for one that is not the user's (no oracle, F11)."""
    row = get_scoped(session, model, pk, user)
    if row is None:
        abort(404)
    return row


def check_writable(obj, session, user=None) -> None:
    """Refuse (403) a new or changed row that points at something outside the user's
    scope, whatever ids were posted. Forces the owner for centre managers. Its look-ups
    never flush: the services' checks after it read the edit's history (old values)."""
    with session.no_autoflush:
        _check_writable(obj, session, user)


def _check_writable(obj, session, user=None) -> None:
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
        clause = row_clause(self.model)
        # Every row (the Admin, the help desk): no `WHERE 1 = 1`, so that SQLite counts
        # a whole table from its b-tree instead of row by row.
        return query if isinstance(clause, True_) else query.filter(clause)


ROW_SCOPE = ["id", RowScopeFilter, None]


def scope_related_fields(view, attrs) -> None:
    """Offer only rows the user may see in every related field of `view` (form choices,
    search choices, the REST `_info` answer): the same row scope as the rows themselves
    (F1). Also for relationships to unscoped-looking models: fail closed decides."""
    mapper = inspect(view.datamodel.obj)
    for attr in attrs:
        setattr(view, attr, dict(getattr(view, attr, None) or {}))
    for rel in mapper.relationships:
        for attr in attrs:
            getattr(view, attr).setdefault(rel.key, [ROW_SCOPE])
