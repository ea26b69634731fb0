"""One attack test for every endpoint: every route of `app.url_map` (views, API, downloads,
exports, actions, custom routes) × every restricted role × the id of a row that role may
not see (taken from the row-scope declaration, `access.row_clause`), with every method
the route takes. No such request may answer with the row (2xx) or fail (500), and the
database must be unchanged afterwards. New areas are covered when they merge: their
routes and models are discovered; a route argument that cannot be resolved fails
`test_every_route_is_covered` (extend tests/attack_support.py).
"""
import json
import re

import pytest
import prison as rison

from app import access
from app.roles import ADMIN, CENTRE_MANAGER, ROLES
from tests import attack_support as s
from tests.conftest import Client


def test_every_route_is_covered(shared_app):
    missing = []
    for rule in s.routes(shared_app):
        for argument in sorted(rule.arguments):
            try:
                s.argument_model(shared_app, rule, argument)
            except LookupError as exc:
                missing.append(str(exc))
    assert missing == []


def test_every_model_declares_its_ownership():
    assert access.undeclared_models() == []


def test_a_model_without_a_declaration_stops_the_app():
    """Fail closed: the start-up check names the model that says nothing."""
    from sqlalchemy import Integer
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Orphan(Base):
        __tablename__ = "orphan"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)

    with pytest.raises(access.UndeclaredOwnership, match="Orphan"):
        access.check_declarations(Base)
    assert access.row_clause(Orphan, None) is not None
    assert access.ownership(Orphan) == ()


def attack_requests(app, session, user):
    """(method, url) for every route taking an id, with another owner's ids."""
    for rule in s.routes(app):
        if not rule.arguments:
            continue
        values, foreign = {}, False
        for argument in rule.arguments:
            model = s.argument_model(app, rule, argument)
            if model is None:
                values[argument] = s.ARGUMENT_VALUES.get(argument)
                continue
            pk = s.foreign_pk(session, model, user)
            foreign = foreign or pk is not None
            values[argument] = pk if pk is not None else s.visible_pk(session, model, user)
        if not foreign or any(v is None for k, v in values.items() if k != "name"):
            continue
        names = s.action_names(app, rule) if "name" in rule.arguments else [None]
        for name in names:
            if name is not None:
                values["name"] = name
            url = rule.build(values, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url


@pytest.mark.parametrize("role", s.ATTACKERS)
def test_no_route_serves_or_changes_another_owners_row(app, db_session, role):
    user = s.load_user(db_session, role)
    client = Client(app.test_client()).login(s.USERNAMES[role])
    client.token = client.csrf()
    api, headers = app.test_client(), s.api_headers(app, role)
    before = s.fingerprint(db_session)
    requests = list(attack_requests(app, db_session, user))
    db_session.rollback()
    failures = []
    for method, url in requests:
        if url.startswith("/api/"):
            response = api.open(url, method=method, headers=headers)
        elif method == "GET":
            response = client.get(url)
        else:
            response = client.post_form(url, {"action": "x", "rowid": "1"})
        if response.status_code < 300 or response.status_code >= 500:
            failures.append((method, url, response.status_code))
    assert failures == []
    assert s.changed_tables(before, s.fingerprint(db_session)) == []
    if role != s.HELPDESK:  # the help desk sees every row: nothing to attack
        assert len(requests) > 20


def model_views(app):
    from views.api import ScopedModelRestApi
    from views.base import BackofficeModelView

    for view in app.appbuilder.baseviews:
        if isinstance(view, (BackofficeModelView, ScopedModelRestApi)):
            yield view


@pytest.mark.parametrize("role", s.ATTACKERS)
def test_lists_and_api_show_only_own_rows(shared_app, role):
    """Every list page's row links and every API list's ids are rows of the user."""
    client = Client(shared_app.test_client()).login(s.USERNAMES[role])
    api, headers = shared_app.test_client(), s.api_headers(shared_app, role)
    with shared_app.app_context():
        session = shared_app.appbuilder.session
        user = s.load_user(session, role)
        visible = {view.__class__.__name__: s.visible_pks(session, view.datamodel.obj, user)
                   for view in model_views(shared_app)}
        views = list(model_views(shared_app))
        session.remove()
    checked = 0
    for view in views:
        name = view.__class__.__name__
        if hasattr(view, "resource_name"):
            response = api.get(f"/api/v1/{view.resource_name}/?q=(page_size:100)", headers=headers)
            ids = set(response.get_json()["ids"]) if response.status_code == 200 else set()
        else:
            response = client.get(f"{view.route_base}/list/?psize_{name}=100")
            ids = {int(pk) for pk in re.findall(rf'{re.escape(view.route_base)}/(?:show|edit|delete)/(\d+)',
                                                 response.get_data(as_text=True))}
        assert response.status_code in (200, 403), (name, response.status_code)
        assert ids <= visible[name], (name, ids - visible[name])
        checked += response.status_code == 200
    assert checked > 0


def test_f1_related_choices_in_api_info_are_scoped(shared_app):
    """F1: a centre manager's `_info` lists no user and no other centre's rows."""
    headers = s.api_headers(shared_app, CENTRE_MANAGER)
    q = rison.dumps({"keys": ["add_columns", "edit_columns", "filters"],
                     "add_columns": {"managers": {"page": 0, "page_size": 100}}})
    response = shared_app.test_client().get(f"/api/v1/centre/_info?q={q}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    related = [f for f in body["add_columns"] + body["edit_columns"] if "values" in f]
    assert related, "the centre has related fields to check"
    for field in related:
        if field["name"] in ("managers", "users"):
            assert field["values"] == [] and field["count"] == 0, field
    assert "manager2" not in json.dumps(body) and "admin" not in json.dumps(body)


def test_f1_related_choices_in_forms_are_scoped(app):
    """F1 in forms: a form built for a manager's request offers only their own rows of every
    related model (the workstation form's rooms; the form itself, as managers only view
    workstations over HTTP, manual 4.2)."""
    from flask import g
    from flask_login import login_user

    from models.centres import Room

    view = s.views_by_endpoint(app)["WorkstationView"]
    with app.test_request_context("/workstationview/add"):
        session = app.appbuilder.session
        user = s.load_user(session, CENTRE_MANAGER)
        login_user(user)
        g.user = user
        own = s.visible_pks(session, Room, user)
        offered = {int(v) for v, *_ in view.add_form.refresh().room.iter_choices() if v != "__None"}
        session.remove()
    assert offered and offered <= own


def test_f17_api_info_has_no_catalogue_header(shared_app):
    headers = s.api_headers(shared_app, s.HELPDESK)
    body = shared_app.test_client().get("/api/v1/centre/_info", headers=headers).get_data(as_text=True)
    assert "Project-Id-Version" not in body


@pytest.mark.parametrize("role", [r for r in ROLES if r != ADMIN])
def test_system_records_are_for_the_admin_and_help_desk(shared_app, role):
    from models.audit import AuditEntry
    from models.users import AppUser

    with shared_app.app_context():
        session = shared_app.appbuilder.session
        user = s.load_user(session, role)
        for model in (AppUser, AuditEntry):
            assert bool(s.visible_pks(session, model, user)) == (role == s.HELPDESK), (role, model)
        session.remove()
