"""Security baseline around FAB: request ids, list-argument validation, the one handler
that turns a refusal (`app.errors.Refused`) into what a person sees, security and cache
headers, and error pages without stack traces.

FAB parses its list arguments with `re.findall` (anywhere in the name) and `int()`:
`x_oc_<View>`, `psize_psize_<View>`, `page_<View>=²` or `_flt_9_<col>` reach it spelled in
ways an exact-name check misses (security review F2–F4). Here every argument FAB would
read is accepted only in its one canonical spelling, with a checked value; anything
else is a 400.
"""
from __future__ import annotations

import logging
import re

from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from app.audit import new_request_id
from app.errors import Refused
from app.rules.identifiers import afm_is_valid

log = logging.getLogger(__name__)
# FAB's own patterns (flask_appbuilder.urltools), searched anywhere in an argument name.
FAB_PATTERNS = (("page", re.compile("page_(.*)")), ("psize", re.compile("psize_(.*)")),
                ("_oc", re.compile("_oc_(.*)")), ("_flt", re.compile(r"_flt_(\d)_(.*)")))
VIEW_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: int("²") fails, "²".isdigit() does not


def _views_by_name():
    appbuilder = current_app.appbuilder
    cache = getattr(appbuilder, "_views_by_name", None)
    if cache is None:
        cache = {view.__class__.__name__: view for view in appbuilder.baseviews}
        appbuilder._views_by_name = cache
    return cache


def _endpoint_view():
    endpoint = request.endpoint or ""
    return _views_by_name().get(endpoint.split(".", 1)[0])


def _search_filters(view) -> dict:
    cache = view.__dict__.get("_search_filter_counts")
    if cache is None:
        try:
            filters = view.datamodel.get_filters(view.search_columns).get_search_filters()
            cache = {column: len(options) for column, options in filters.items()}
        except AttributeError:  # not a model view
            cache = {}
        view._search_filter_counts = cache
    return cache


def _bad(message) -> BadRequest:
    return BadRequest(str(message))


def _interpretations(arg: str) -> list[tuple[str, tuple]]:
    found = []
    for kind, pattern in FAB_PATTERNS:
        match = pattern.findall(arg)
        if match:
            found.append((kind, match[0] if isinstance(match[0], tuple) else (match[0],)))
    return found


def validate_list_args() -> None:
    """400 for any list argument FAB would read that is not in its canonical spelling
    or has a value FAB would choke on or must not allow (F2, F3, F4)."""
    max_size = current_app.config.get("LIST_PAGE_SIZE_MAX", 100)
    for arg, value in request.args.items(multi=True):
        if arg.startswith("_od_") and value not in ("asc", "desc"):
            raise _bad(gettext("Invalid sort direction."))
        found = _interpretations(arg)
        if not found:
            continue
        if len(found) > 1:
            raise _bad(gettext("Invalid list parameter."))
        kind, parts = found[0]
        if kind == "_flt":
            index, column = parts
            if arg != f"_flt_{index}_{column}" or not index.isascii() or not COLUMN_NAME.fullmatch(column):
                raise _bad(gettext("Invalid filter."))
            view = _endpoint_view()
            counts = _search_filters(view) if view is not None else {}
            if column in counts and int(index) >= counts[column]:
                raise _bad(gettext("Invalid filter."))
            continue
        (view_name,) = parts
        if arg != f"{kind}_{view_name}" or not VIEW_NAME.fullmatch(view_name):
            raise _bad(gettext("Invalid list parameter."))
        if kind in ("psize", "page"):
            if not DIGITS.fullmatch(value):
                raise _bad(gettext("Invalid page parameter."))
            if kind == "psize" and not 1 <= int(value) <= max_size:
                raise _bad(gettext("The page size must be between 1 and %(max)s.", max=max_size))
        else:  # _oc: only a column the named view declares sortable (F2)
            view = _views_by_name().get(view_name)
            if view is None or value not in (getattr(view, "order_columns", None) or []):
                raise _bad(gettext("Sorting on this column is not allowed."))


def validate_fab_endpoints() -> None:
    """FAB's own action endpoints (e.g. on the user list) call `actions[name]` unchecked:
    an unknown action name is a 404 here, not a 500 there (F4). FAB's flat-file
    `download` (any file of UPLOAD_FOLDER, 500 on a name without its prefix) exists on
    no view: areas serve their files through row-checked routes."""
    from flask_appbuilder.views import ModelView

    endpoint = request.endpoint or ""
    if any(isinstance(v, int) and not -(2**63) < v < 2**63 for v in (request.view_args or {}).values()):
        raise NotFound()  # an id beyond any database integer (OverflowError on SQLite)
    view = _endpoint_view()
    if endpoint.endswith(".download") and getattr(type(view), "download", None) is ModelView.download:
        raise NotFound()
    if not endpoint.endswith((".action", ".action_post")):
        return
    name = (request.view_args or {}).get("name") if endpoint.endswith(".action") else request.form.get("action")
    if view is None or name not in (getattr(view, "actions", None) or {}):
        raise NotFound()
    permitted = current_app.appbuilder.sm.has_access(view.get_action_permission_name(name), view.class_permission_name)
    if permitted and endpoint.endswith(".action_post") and not view.actions[name].multiple:
        # A one-row action (FAB's "resetpasswords") posted as a list: FAB hands it the list
        # and it fails on `list.id` (a 500 the long fuzz found, F4).
        raise _bad(gettext("This action applies to one record at a time."))
    if getattr(type(view), "action_post", None) is ModelView.action_post:  # FAB's own views pass None rows on
        from app import access

        pks = [request.view_args.get("pk")] if endpoint.endswith(".action") else request.form.getlist("rowid")
        session = view.datamodel.session
        if any(access.get_scoped(session, view.datamodel.obj, pk) is None for pk in pks):
            raise NotFound()


def validate_api_query() -> None:
    """FAB's REST `q` parser catches only the rison parser's own error; other malformed
    input (`q=((`) ends in its catch-all 500 (F4)."""
    value = request.args.get("q") if request.path.startswith("/api/") else None
    if not value:
        return
    import prison

    try:
        prison.loads(value)
    except prison.decoder.ParserException:
        return  # FAB answers 400 itself (after trying JSON)
    except Exception:
        raise _bad(gettext("Invalid query argument.")) from None


def wants_json() -> bool:
    return request.path.startswith("/api/")


def refusal_response(exc: Refused):
    """The one place a refusal becomes what a person sees: its (Greek) message and status."""
    try:
        current_app.extensions["sqlalchemy"].session.rollback()
    except Exception:  # pragma: no cover - nothing more to do
        pass
    if wants_json():
        body = {"message": exc.text()}
        if exc.field:
            body["field"] = exc.field
        return jsonify(body), exc.status
    return _error_page(exc.status, exc.text())


def unexpected_message() -> str:
    """What a person reads instead of an exception's text (F15): the request id ties it
    to the log entry with the details."""
    return gettext("The operation could not be completed. Please quote request id %(id)s to the help desk.",
                   id=getattr(g, "request_id", "-"))


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TEXT_MAX = 10_000  # a Text column without a length: still not a place for megabytes
INTEGER_RANGE = (-(2**31), 2**31 - 1)  # PostgreSQL's integer


def check_values(item, labels=None) -> None:
    """Review F16: every value of a row against its column and the model's declared
    ranges (`__value_ranges__`), whatever the form let through: no control characters
    (NUL…), no text longer than the column, numbers in range; a blank unique optional
    identifier (Α.Φ.Μ., Α.Μ.) is stored as none, not as "" (which would collide); a
    column declared `info={"tax_number": True}` holds an Α.Φ.Μ. with a valid check digit."""
    from sqlalchemy import inspect as sa_inspect

    session = sa_inspect(item).session
    if session is not None:
        # Reading a not-yet-loaded column emits a SELECT, whose autoflush would write the
        # edit and wipe its history, which the services' checks read (old values).
        with session.no_autoflush:
            _check_values(item, labels or {})
    else:
        _check_values(item, labels or {})


def _check_values(item, labels) -> None:
    from sqlalchemy import inspect as sa_inspect

    model = type(item)
    ranges = getattr(model, "__value_ranges__", {})
    for attr in sa_inspect(model).column_attrs:
        column, key = attr.columns[0], attr.key
        value = getattr(item, key, None)
        label = str(labels.get(key, key))
        if isinstance(value, str):
            if CONTROL_CHARACTERS.search(value):
                raise Refused(_l("%(label)s: the text contains characters that are not allowed."), field=key,
                              label=label)
            limit = getattr(column.type, "length", None) or TEXT_MAX
            if len(value) > limit:
                raise Refused(_l("%(label)s: at most %(max)s characters."), field=key, label=label, max=limit)
            if column.unique and column.nullable and not value.strip():
                setattr(item, key, None)
                value = None
            if getattr(column, "info", {}).get("tax_number") and (value is not None or not column.nullable) \
                    and not afm_is_valid(value):
                # F16: a column declared a tax number (column info) holds a valid Α.Φ.Μ.
                raise Refused(_l("%(label)s: not a valid Α.Φ.Μ. (nine digits with a valid check digit)."),
                              field=key, label=label)
        elif isinstance(value, int) and not isinstance(value, bool):
            low, high = ranges.get(key, INTEGER_RANGE)
            if not low <= value <= high:
                raise Refused(_l("%(label)s: a number from %(min)s to %(max)s."), field=key, label=label,
                              min=low, max=high)


def _guarded(view, hook):
    """FAB flashes `str(exception)` of a pre_* hook and of a failed save (F15): only a
    `Refused` keeps its own (Greek) text; anything else is logged with the request id
    and the person reads a Greek message quoting that id."""

    checks_values = hook.__name__ in ("pre_add", "pre_update")

    def run(*args, **kwargs):
        try:
            if checks_values:
                check_values(args[0], getattr(view, "label_columns", None))
            return hook(*args, **kwargs)
        except (Refused, HTTPException):
            raise
        except Exception:
            view.datamodel.session.rollback()
            log.exception("%s.%s failed (request %s)", view.__class__.__name__, hook.__name__,
                          getattr(g, "request_id", "-"))
            raise Refused(unexpected_message()) from None

    return run


def guard_writes(view) -> None:
    """Wrap a CRUD view's write hooks and its datamodel's writes (see `_guarded`)."""
    if getattr(view, "_writes_guarded", False):
        return
    for name in ("pre_add", "pre_update", "pre_delete"):
        setattr(view, name, _guarded(view, getattr(view, name)))
    datamodel = view.datamodel
    for name in ("add", "edit", "delete", "delete_all"):
        if name not in datamodel.__dict__:
            setattr(datamodel, name, _guarded(view, getattr(datamodel, name)))
    view._writes_guarded = True


def _is_authenticated() -> bool:
    user = getattr(g, "user", None)
    return bool(user is not None and getattr(user, "is_authenticated", False))


def install(app) -> None:
    from app import access

    access.check_declarations()  # refuse to start with a model nobody declared (fail closed)
    if not app.config.get("PUBLIC_BASE_URL"):
        # F6: links in mail come from configuration only, never from a request's Host.
        raise RuntimeError("PUBLIC_BASE_URL is not set: the base of the links in mails (e.g. https://kse.example.gr)")

    @app.before_request
    def _request_id():
        g.request_id = new_request_id(request.headers.get("X-Request-ID"))

    app.before_request(validate_list_args)
    app.before_request(validate_fab_endpoints)
    app.before_request(validate_api_query)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", app.config["CONTENT_SECURITY_POLICY"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if _is_authenticated() and not (request.endpoint or "").endswith("static"):
            # F13: no page or file of a signed-in user stays in a browser or proxy cache.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        if getattr(g, "request_id", None):
            response.headers["X-Request-ID"] = g.request_id
        return response

    @app.errorhandler(Refused)
    def _refused(exc: Refused):
        return refusal_response(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code in (301, 302, 303, 307, 308) or exc.code is None:
            return exc
        if wants_json():
            return jsonify({"message": str(TITLES.get(exc.code, exc.name))}), exc.code
        return _error_page(exc.code, exc.description if exc.code == 400 else None)

    @app.errorhandler(StaleDataError)
    def _stale(exc):
        # Two requests changed the same row: the later one is refused, nothing half-saved.
        app.extensions["sqlalchemy"].session.rollback()
        return refusal_response(Refused(_l("The record was changed by someone else meanwhile; reload and try again."),
                                        status=409))

    @app.errorhandler(OverflowError)
    def _overflow(exc):
        app.extensions["sqlalchemy"].session.rollback()
        return _error_page(400)

    @app.errorhandler(StatementError)
    def _bad_value(exc):
        # A value the database rejects (e.g. text in a numeric filter, a number larger
        # than the column) is the client's error.
        app.extensions["sqlalchemy"].session.rollback()
        if isinstance(exc, IntegrityError):  # e.g. a second copy of a role under the same name
            log.warning("refused by a constraint (request %s): %s", getattr(g, "request_id", "-"), exc.orig)
            return _error_page(409)
        if isinstance(exc, DataError) or isinstance(getattr(exc, "orig", None), (ValueError, TypeError, OverflowError)):
            return _error_page(400)
        log.exception("database error (request %s)", getattr(g, "request_id", "-"))
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
    409: _l("Conflict with the current state"),
    413: _l("The file is too large"),
    429: _l("Too many attempts; try again later"),
    500: _l("An error occurred"),
}


def _error_page(code: int, detail: str | None = None):
    title = str(TITLES.get(code, TITLES[500]))
    body = render_template("backoffice/error.html", code=code, title=title, detail=detail,
                           request_id=getattr(g, "request_id", ""))
    return body, code
