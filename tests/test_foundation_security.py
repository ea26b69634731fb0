"""Security baseline: CSRF everywhere, POST logout, login rate limiting, password
policy, cookie flags, security headers, list-argument 400s, no stack traces."""
import pytest
from werkzeug.security import check_password_hash

from tests.conftest import PASSWORD, Client


def test_post_without_csrf_token_is_refused(login):
    admin = login("admin")
    response = admin.post("/centreview/add", data={"code": "X1", "name": "x", "prefecture": "1"})
    assert response.status_code == 400
    response = admin.post("/centreview/delete/1", data={})
    assert response.status_code == 400


def test_delete_by_get_is_refused(login, db_session):
    from models.centres import Centre

    admin = login("admin")
    response = admin.get("/centreview/delete/3")
    assert response.status_code in (302, 405)
    assert db_session.get(Centre, 3) is not None


def test_logout_is_post_only(login):
    user = login("manager1")
    assert user.get("/logout/").status_code == 405
    assert user.get("/centreview/list/").status_code == 200  # still signed in
    assert user.post("/logout/", data={}).status_code == 400  # no CSRF token
    assert user.post_form("/logout/").status_code == 302
    assert user.get("/centreview/list/").status_code == 302  # signed out


@pytest.mark.parametrize("query", [
    "psize_CentreView=abc", "psize_CentreView=0", "psize_CentreView=100000", "page_CentreView=x",
    "_oc_CentreView=password&_od_CentreView=asc", "_oc_CentreView=legal_representative&_od_CentreView=asc",
    "_oc_CentreView=code&_od_CentreView=sideways", "_oc_NoSuchView=code&_od_NoSuchView=asc",
])
def test_bad_list_arguments_answer_400_not_500(login, query):
    admin = login("admin")
    response = admin.get(f"/centreview/list/?{query}")
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_good_list_arguments_work(login):
    admin = login("admin")
    response = admin.get("/centreview/list/?psize_CentreView=100&_oc_CentreView=name&_od_CentreView=desc&page_CentreView=0")
    assert response.status_code == 200


def test_security_headers_and_request_id(client):
    response = client.get("/login/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert len(response.headers["X-Request-ID"]) >= 16


def test_session_cookie_flags(client):
    token = client.csrf("/login/")
    response = client.post("/login/", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unexpected_error_shows_no_stack_trace(app, client):
    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-for-test")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert "Παρουσιάστηκε σφάλμα" in body


def test_text_in_a_numeric_filter_is_a_400(login):
    helpdesk = login("helpdesk")
    response = helpdesk.get("/evaluatorview/list/?_flt_0_entry_score=abc")
    assert response.status_code in (200, 400)  # FAB may drop it; never a 500


@pytest.fixture
def limited_app(app_factory):
    return app_factory(RATELIMIT_ENABLED=True, AUTH_RATE_LIMIT="3 per minute")


def test_login_is_rate_limited(limited_app):
    client = Client(limited_app.test_client())
    statuses = []
    for _ in range(5):
        token = client.csrf("/login/")
        statuses.append(client.post("/login/", data={"username": "admin", "password": "wrong", "csrf_token": token}).status_code)
    assert 429 not in statuses[:3] and 429 in statuses[3:]
    api = limited_app.test_client()
    api_statuses = [api.post("/api/v1/security/login", json={"username": "admin", "password": "x", "provider": "db"}).status_code
                    for _ in range(5)]
    assert 429 in api_statuses  # FAB leaves the API login unlimited; we do not


def test_weak_password_is_refused_when_creating_a_user(login, db_session):
    from models.users import AppUser

    admin = login("admin")
    data = {"first_name": "Α", "last_name": "Β", "username": "weakling", "email": "weak@example.gr",
            "active": "y", "roles": "1", "password": "password", "conf_password": "password"}
    response = admin.post_form("/users/add", data)
    assert response.status_code == 200
    assert db_session.query(AppUser).filter_by(username="weakling").count() == 0


def test_own_password_change_requires_the_current_password(login, app):
    user = login("manager1")
    new = "N3w-Pass!word-99"
    response = user.post_form("/resetmypassword/form", {"current_password": "wrong-one", "password": new,
                                                         "conf_password": new}, page="/resetmypassword/form")
    assert response.status_code == 200 and "Ο τρέχων κωδικός δεν είναι σωστός." in response.get_data(as_text=True)
    with app.app_context():
        from models.users import AppUser
        stored = app.appbuilder.session.query(AppUser).filter_by(username="manager1").one().password
        assert check_password_hash(stored, PASSWORD)
    response = user.post_form("/resetmypassword/form", {"current_password": PASSWORD, "password": new,
                                                         "conf_password": new}, page="/resetmypassword/form")
    assert response.status_code == 302
    with app.app_context():
        from models.users import AppUser
        app.appbuilder.session.expire_all()
        stored = app.appbuilder.session.query(AppUser).filter_by(username="manager1").one().password
        assert check_password_hash(stored, new)


def test_login_limit_is_shared_between_workers_through_redis(app_factory):
    """Two app instances (two gunicorn workers) with the Redis storage share one count."""
    import uuid

    import redis

    redis_url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(redis_url).ping()  # the real Redis of this machine, not a fake
    config = dict(RATELIMIT_ENABLED=True, AUTH_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=redis_url,
                  RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    workers = [app_factory(**config), app_factory(**config)]
    statuses = []
    for i in range(6):
        client = Client(workers[i % 2].test_client())
        token = client.csrf("/login/")
        statuses.append(client.post("/login/", data={"username": "admin", "password": "bad", "csrf_token": token}).status_code)
    assert 429 not in statuses[:3] and statuses[3:] == [429, 429, 429]
