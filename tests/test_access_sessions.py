"""Sessions and sign-in (review F5, F8, F9): logout, a password change, a reset and an
Admin's deactivation end every session cookie and JWT of the user at once; the
current-password check is throttled; failed logins and user/role changes leave a trace."""
import json

import pytest
from sqlalchemy import select

from models.audit import AuditEntry
from models.users import AppUser
from tests.conftest import PASSWORD, Client
from tests.test_account_recovery import MANAGER1_AFM, NEW_PASSWORD, ask, link_in, outbox


def signed_in(client) -> bool:
    response = client.get("/roomview/list/")
    return response.status_code == 200


def tokens(app, username, password=PASSWORD):
    response = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": True})
    assert response.status_code == 200
    return response.json["access_token"], response.json["refresh_token"]


def api_works(app, access) -> bool:
    return app.test_client().get("/api/v1/centre/", headers={"Authorization": f"Bearer {access}"}).status_code == 200


def refresh_works(app, refresh) -> bool:
    return app.test_client().post("/api/v1/security/refresh",
                                  headers={"Authorization": f"Bearer {refresh}"}).status_code == 200


def stolen_copy(app, client) -> Client:
    """Another browser holding a copy of the same session cookie."""
    other = Client(app.test_client())
    cookie = client.c.get_cookie("session")
    other.c.set_cookie("session", cookie.value)
    return other


def assert_everything_ended(app, copy, access, refresh):
    assert not signed_in(copy)
    assert not api_works(app, access)
    assert not refresh_works(app, refresh)


def test_f5_logout_ends_every_session_and_token(app, login):
    client = login("manager1")
    copy = stolen_copy(app, client)
    access, refresh = tokens(app, "manager1")
    assert signed_in(copy) and api_works(app, access) and refresh_works(app, refresh)
    client.post_form("/logout/")
    assert_everything_ended(app, copy, access, refresh)
    assert signed_in(login("manager1"))  # signing in again works


def test_f5_password_change_ends_every_session_and_token(app, login):
    client = login("manager1")
    copy = stolen_copy(app, client)
    access, refresh = tokens(app, "manager1")
    response = client.post_form("/resetmypassword/form", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD},
        page="/resetmypassword/form")
    assert response.status_code == 302
    assert_everything_ended(app, copy, access, refresh)


def test_f5_reset_ends_every_session_and_token(app, login, client):
    victim = login("manager1")
    access, refresh = tokens(app, "manager1")
    ask(client, "afm", MANAGER1_AFM)
    url, _ = link_in(outbox(app)[-1])
    path = "/recover/" + url.split("/recover/", 1)[1]
    client.post_form(path, {"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD}, page=path)
    assert_everything_ended(app, victim, access, refresh)


def test_f5_deactivation_ends_every_session_and_token(app, login, db_session):
    victim = login("manager1")
    access, refresh = tokens(app, "manager1")
    user_id = db_session.scalars(select(AppUser.id).where(AppUser.username == "manager1")).one()
    admin = login("admin")
    page = f"/users/edit/{user_id}"
    html = admin.get(page).get_data(as_text=True)
    assert "manager1" in html
    user = db_session.get(AppUser, user_id)
    data = {"first_name": user.first_name, "last_name": user.last_name, "username": user.username,
            "email": user.email, "roles": [str(r.id) for r in user.roles], "centre_code": "KSE00001",
            "evaluator_registry_no": "", "afm": user.afm or "", "teacher_registry_no": user.teacher_registry_no or ""}
    response = admin.post_form(page, data, page=page)  # "active" unticked
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(AppUser, user_id).active is False
    assert_everything_ended(app, victim, access, refresh)


def test_f8_current_password_check_is_throttled(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, AUTH_RATE_LIMIT="3 per minute")
    client = Client(app.test_client()).login("manager1")
    statuses = [client.post_form("/resetmypassword/form", {
        "current_password": f"guess-{n}", "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD},
        page="/resetmypassword/form").status_code for n in range(5)]
    assert 429 not in statuses[:2] and 429 in statuses[2:]


def test_f9_failed_logins_are_logged_with_the_request_id(app, client, db_session, caplog):
    caplog.set_level("WARNING", logger="app.security")
    for username in ("manager1", "nobody-such"):
        token = client.csrf("/login/")
        response = client.c.post("/login/", data={"username": username, "password": "wrong", "csrf_token": token})
        request_id = response.headers["X-Request-ID"]
        assert any(request_id in r.getMessage() and username in r.getMessage() for r in caplog.records)
        entry = db_session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)).one()
        assert entry.action == "action:login_failed" and username in entry.changes


def test_f9_user_and_role_changes_are_audited(app, login, db_session):
    admin = login("admin")
    role_id = db_session.scalars(select(AppUser).where(AppUser.username == "grader")).one().roles[0].id
    user_id = db_session.scalars(select(AppUser.id).where(AppUser.username == "grader")).one()
    response = admin.post_form("/users/action_post", {"action": "no_such"}, page="/users/list/")
    assert response.status_code == 404
    page = f"/users/edit/{user_id}"
    admin.get(page)
    user = db_session.get(AppUser, user_id)
    data = {"first_name": "Νέο", "last_name": user.last_name, "username": user.username, "email": user.email,
            "active": "y", "roles": [str(role_id), "1"], "centre_code": "", "evaluator_registry_no": "",
            "afm": user.afm or "", "teacher_registry_no": user.teacher_registry_no or ""}
    assert admin.post_form(page, data, page=page).status_code == 302
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.table_name == "ab_user",
                                                          AuditEntry.record_id == str(user_id),
                                                          AuditEntry.action == "update")).all()
    changes = {k: v for e in entries for k, v in json.loads(e.changes).items()}  # one request, maybe two flushes
    assert changes["first_name"][1] == "Νέο" and "Admin" in changes["roles"][1]
    assert "password" not in changes


@pytest.mark.parametrize("secret", ["password"])
def test_f9_password_changes_are_audited_masked(app, login, db_session, secret):
    client = login("manager1")
    client.post_form("/resetmypassword/form", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD},
        page="/resetmypassword/form")
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.table_name == "ab_user",
                                                        AuditEntry.action == "update")).one()
    assert json.loads(entry.changes)[secret] == ["***", "***"]


def test_f6_reset_links_never_follow_the_host_header(app_factory):
    app = app_factory(PUBLIC_BASE_URL="https://kse.example.gr")
    from tests.conftest import CSRF_META

    client = app.test_client()
    forged = {"Host": "evil.example.com"}
    token = CSRF_META.search(client.get("/recover/", headers=forged).get_data(as_text=True)).group(1)
    client.post("/recover/", data={"kind": "afm", "number": MANAGER1_AFM, "csrf_token": token}, headers=forged)
    url, _ = link_in(outbox(app)[-1])
    assert url.startswith("https://kse.example.gr/recover/reset/")


def test_f6_production_refuses_to_start_without_a_base_url(app_factory):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        app_factory(PUBLIC_BASE_URL=None, APP_ENV="production")


def test_f6_the_development_default_is_the_local_address():
    import config

    assert config.APP_ENV != "production" and config.PUBLIC_BASE_URL.startswith("http://127.0.0.1")
