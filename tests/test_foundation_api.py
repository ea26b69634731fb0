"""The REST API answers with the same row restrictions as the views, to a JWT."""
import pytest

from tests.conftest import PASSWORD


def token(app, username):
    client = app.test_client()
    response = client.post("/api/v1/security/login", json={"username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def test_manager_reads_only_their_centre_through_the_api(app):
    headers = token(app, "manager1")
    api = app.test_client()  # a separate client: no session cookie to override the token
    listing = api.get("/api/v1/centre/", headers=headers)
    assert listing.status_code == 200
    assert [row["code"] for row in listing.json["result"]] == ["KSE00001"]
    assert api.get("/api/v1/centre/1", headers=headers).status_code == 200
    assert api.get("/api/v1/centre/2", headers=headers).status_code == 404
    assert api.get("/api/v1/evaluator/", headers=headers).status_code == 403


def test_evaluator_reads_only_their_file_and_nobody_writes(app):
    headers = token(app, "evaluator2")
    api = app.test_client()
    rows = api.get("/api/v1/evaluator/", headers=headers).json["result"]
    assert [r["registry_no"] for r in rows] == ["EMA000002"]
    admin = token(app, "admin")
    assert api.post("/api/v1/centre/", json={"code": "X", "name": "X", "prefecture": 1}, headers=admin).status_code in (404, 405)
    assert api.delete("/api/v1/centre/1", headers=admin).status_code in (404, 405)


@pytest.mark.parametrize("username, expected", [("helpdesk", 6), ("committee", 0), ("grader", 0)])
def test_api_listing_per_role(app, username, expected):
    response = app.test_client().get("/api/v1/centre/", headers=token(app, username))
    if expected:
        assert response.status_code == 200 and response.json["count"] >= expected
    else:
        assert response.status_code == 403
