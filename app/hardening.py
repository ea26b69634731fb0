"""Security baseline around FAB: request ids, list-argument validation (FAB answers
500 to a bad `psize_`/`page_`/`_oc_`), security headers and error pages without
stack traces."""
from __future__ import annotations

import logging
import re

from flask import current_app, g, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError, StatementError
from werkzeug.exceptions import BadRequest, HTTPException

from app.audit import new_request_id

log = logging.getLogger(__name__)
LIST_ARG = re.compile(r"^(psize|page|_oc|_od)_(\w+)$")


def _views_by_name():
    appbuilder = current_app.appbuilder
    cache = getattr(appbuilder, "_views_by_name", None)
    if cache is None:
        cache = {view.__class__.__name__: view for view in appbuilder.baseviews}
        appbuilder._views_by_name = cache
    return cache


def validate_list_args() -> None:
    max_size = current_app.config.get("LIST_PAGE_SIZE_MAX", 100)
    for arg, value in request.args.items(multi=True):
        match = LIST_ARG.match(arg)
        if not match:
            continue
        kind, view_name = match.groups()
        if kind in ("psize", "page"):
            if not value.isdigit():
                raise BadRequest(gettext("Invalid page parameter."))
            number = int(value)
            if kind == "psize" and not 1 <= number <= max_size:
                raise BadRequest(gettext("The page size must be between 1 and %(max)s.", max=max_size))
        elif kind == "_od":
            if value not in ("asc", "desc"):
                raise BadRequest(gettext("Invalid sort direction."))
        else:  # _oc: only a column the list shows may be sorted on
            view = _views_by_name().get(view_name)
            if view is None or value not in (getattr(view, "order_columns", None) or []):
                raise BadRequest(gettext("Sorting on this column is not allowed."))


def install(app) -> None:
    @app.before_request
    def _request_id():
        g.request_id = new_request_id(request.headers.get("X-Request-ID"))

    app.before_request(validate_list_args)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", app.config["CONTENT_SECURITY_POLICY"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if getattr(g, "request_id", None):
            response.headers["X-Request-ID"] = g.request_id
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code in (301, 302, 303, 307, 308) or exc.code is None:
            return exc
        return _error_page(exc.code, exc.description if exc.code == 400 else None)

    @app.errorhandler(StatementError)
    def _bad_value(exc):
        # A value the database rejects (e.g. text in a numeric filter) is the client's error.
        app.extensions["sqlalchemy"].session.rollback()
        if isinstance(exc, DataError) or isinstance(getattr(exc, "orig", None), (ValueError, TypeError)):
            return _error_page(400)
        log.exception("database error")
        return _error_page(500)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error (request %s)", getattr(g, "request_id", "-"))
        try:
            app.extensions["sqlalchemy"].session.rollback()
        except Exception:  # pragma: no cover - nothing more to do
            pass
        return _error_page(500)


TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    413: _l("The file is too large"),
    429: _l("Too many attempts; try again later"),
    500: _l("An error occurred"),
}


def _error_page(code: int, detail: str | None = None):
    title = str(TITLES.get(code, TITLES[500]))
    body = render_template("backoffice/error.html", code=code, title=title, detail=detail,
                           request_id=getattr(g, "request_id", ""))
    return body, code
