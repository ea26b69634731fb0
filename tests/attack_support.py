"""Shared by the endpoint-attack test and the fuzzer: the app's routes read from
`app.url_map`, every route argument resolved to a value, rows "of another owner" taken
from the row-scope declaration (`access.row_clause`), and a fingerprint of the whole
database to prove that nothing changed.

A route whose arguments cannot be resolved fails `test_every_route_is_covered`: add the
argument to ARGUMENT_VALUES (a literal) or ROUTE_ARGUMENT_MODELS (the model its id names).
"""
from __future__ import annotations

import hashlib

from sqlalchemy import inspect, not_, select, text

from app.roles import ADMIN, CENTRE_MANAGER, COMMITTEE, EVALUATOR, GRADER, HELPDESK

USERNAMES = {ADMIN: "admin", HELPDESK: "helpdesk", CENTRE_MANAGER: "manager1", COMMITTEE: "committee",
             EVALUATOR: "evaluator1", GRADER: "grader"}
# Roles whose rows are restricted: each attacks the rows it may not see.
ATTACKERS = (HELPDESK, CENTRE_MANAGER, COMMITTEE, EVALUATOR, GRADER)

# Route arguments that name no row: the value used.
ARGUMENT_VALUES = {
    "filename": "report.pdf",
    "locale": "el",
    "group_by": "x",
    "token": "x" * 43,
    "form": "i2",  # EvaluatorView.form_pdf: form I.1 or I.2
}
# (endpoint, argument) -> model, for an id argument that is neither a model view's `pk`
# nor spelled `<table>_id` (both resolved without a list entry).
ROUTE_ARGUMENT_MODELS: dict[tuple[str, str], type] = {}
# View (without a datamodel) -> the model its routes' <pk> names.
VIEW_PK_MODELS = {"ApplicationProcessingView": "evaluator"}  # the committee works on one registry file
# Never attacked: files, not rows.
SKIPPED_ENDPOINTS = {"static", "appbuilder.static"}
# Columns that a sign-in changes by itself (not an attack's effect); the audit log grows
# on purpose (refused attempts and exports are recorded).
VOLATILE = {"ab_user": {"last_login", "login_count", "fail_login_count", "changed_on"}}
SKIPPED_TABLES = {"audit_entry", "alembic_version"}


def api_headers(app, role) -> dict:
    """A bearer token (the API reads no session cookie)."""
    from tests.conftest import PASSWORD

    response = app.test_client().post("/api/v1/security/login",
                                      json={"username": USERNAMES[role], "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.status_code
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def views_by_endpoint(app) -> dict:
    return {view.__class__.__name__: view for view in app.appbuilder.baseviews}


def models_by_table() -> dict:
    from flask_appbuilder import Model

    return {mapper.class_.__tablename__: mapper.class_ for mapper in Model.registry.mappers
            if hasattr(mapper.class_, "__tablename__")}


def argument_model(app, rule, argument):
    """The model a route argument names by id, or None for a literal argument."""
    endpoint = rule.endpoint
    if (endpoint, argument) in ROUTE_ARGUMENT_MODELS:
        return ROUTE_ARGUMENT_MODELS[(endpoint, argument)]
    if argument in ARGUMENT_VALUES or argument == "name":
        return None
    view = views_by_endpoint(app).get(endpoint.split(".", 1)[0])
    if argument == "pk" and view is not None and getattr(view, "datamodel", None) is not None:
        return view.datamodel.obj
    if argument == "pk" and endpoint.split(".", 1)[0] in VIEW_PK_MODELS:
        return models_by_table()[VIEW_PK_MODELS[endpoint.split(".", 1)[0]]]
    if argument.endswith("_id"):
        model = models_by_table().get(argument[: -len("_id")])
        if model is not None:
            return model
    raise LookupError(f"{endpoint}: route argument <{argument}> is not covered (tests/attack_support.py)")


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        yield rule


def action_names(app, rule) -> list[str]:
    view = views_by_endpoint(app).get(rule.endpoint.split(".", 1)[0])
    return sorted(getattr(view, "actions", None) or {}) or ["no_such_action"]


def load_user(session, role):
    from models.users import AppUser

    return session.scalars(select(AppUser).where(AppUser.username == USERNAMES[role])).one()


def foreign_pk(session, model, user):
    """The primary key of a row of `model` that `user` may NOT see, or None."""
    from app import access

    (pk,) = inspect(model).primary_key
    return session.scalar(select(pk).where(not_(access.row_clause(model, user))).order_by(pk).limit(1))


def visible_pk(session, model, user):
    from app import access

    (pk,) = inspect(model).primary_key
    return session.scalar(select(pk).where(access.row_clause(model, user)).order_by(pk).limit(1))


def visible_pks(session, model, user) -> set:
    from app import access

    (pk,) = inspect(model).primary_key
    return set(session.scalars(select(pk).where(access.row_clause(model, user))))


def fingerprint(session) -> dict[str, str]:
    """A digest of every table's rows (volatile sign-in columns left out)."""
    session.expire_all()
    bind = session.get_bind()
    digests = {}
    for table in sorted(models_tables(bind)):
        if table in SKIPPED_TABLES:
            continue
        skip = VOLATILE.get(table, set())
        rows = session.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
        lines = sorted(repr(sorted((k, str(v)) for k, v in row.items() if k not in skip)) for row in rows)
        digests[table] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    session.rollback()
    return digests


def models_tables(bind) -> list[str]:
    from sqlalchemy import inspect as sa_inspect

    return sa_inspect(bind).get_table_names()


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
