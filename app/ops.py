"""Running in production (issue #13): structured JSON logs carrying the request id, one
access-log line per request, and a health endpoint for load balancers and probes.
Nothing here assumes one host: the request id travels in X-Request-ID, state lives in
PostgreSQL and Redis."""
from __future__ import annotations

import json
import logging
import time

from flask import g, has_request_context, jsonify, request
from sqlalchemy import text

access_log = logging.getLogger("backoffice.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id (and the
    exception, if any), for a log shipper to index."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = getattr(g, "request_id", None)
            entry["path"] = request.path
        for key in ("method", "status", "duration_ms", "user"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app) -> None:
    """LOG_FORMAT=json: JSON lines on stderr (production); otherwise plain text."""
    level = app.config.get("LOG_LEVEL", "INFO")
    if app.config.get("LOG_FORMAT") == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.Formatter.converter = time.gmtime
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(level)
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def install(app) -> None:
    @app.before_request
    def _started():
        g.started = time.perf_counter()

    @app.after_request
    def _access(response):
        if app.config.get("ACCESS_LOG"):
            user = getattr(g, "user", None)
            access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - getattr(g, "started", time.perf_counter())) * 1000, 1),
                "user": getattr(user, "username", None) if getattr(user, "is_authenticated", False) else None})
        return response

    @app.route("/health")
    def health():
        """200 when this worker can reach its database (and the job queue where one is
        configured); 503 otherwise. No session, no login, nothing cached."""
        checks = {}
        try:
            with app.extensions["sqlalchemy"].engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception:
            checks["database"] = "unavailable"
        queue = app.extensions.get("jobs", (None,))[0]
        if queue is not None and not queue.immediate:
            try:
                queue.pending_count()
                checks["queue"] = "ok"
            except Exception:
                checks["queue"] = "unavailable"
        healthy = all(v == "ok" for v in checks.values())
        response = jsonify(status="ok" if healthy else "unavailable", **checks)
        response.status_code = 200 if healthy else 503
        response.headers["Cache-Control"] = "no-store"
        return response
