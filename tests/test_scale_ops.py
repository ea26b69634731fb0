"""Production profile (issue #13): the health endpoint and JSON logs with request id."""
from __future__ import annotations

import json
import logging
import uuid


def test_health_answers_without_login(app, tmp_path, app_factory):
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    queued = app_factory(JOBS_QUEUE_URL=f"sqlite:///{tmp_path / 'q.sqlite3'}").test_client().get("/health")
    assert queued.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_health_reports_an_unreachable_database(app_factory, tmp_path):
    broken = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'no.db'}")
    response = broken.test_client().get("/health")
    assert response.status_code == 503 and response.get_json()["database"] == "unavailable"


def test_json_logs_carry_the_request_id(app):
    from app.ops import JsonFormatter

    formatter = JsonFormatter()
    request_id = uuid.uuid4().hex  # a proxy's id in the accepted (UUID) form
    with app.test_request_context("/callview/list/", headers={"X-Request-ID": request_id}):
        app.preprocess_request()
        record = logging.LogRecord("backoffice.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
        record.status = 200
        entry = json.loads(formatter.format(record))
    assert entry["request_id"] == request_id and entry["message"] == "GET /x" and entry["status"] == 200
    assert entry["level"] == "INFO" and entry["path"] == "/callview/list/"
