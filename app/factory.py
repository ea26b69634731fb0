"""Application factory: callable many times (one app per test), config from config.py
and the environment."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, request

BASE_DIR = Path(__file__).resolve().parent.parent
FORM_OVERHEAD = 64 * 1024  # the multipart envelope and the other fields around an upload


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else generated once into instance/ (never git)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


# `flask <group> …` commands that use no view, menu or permission: their app starts
# without registering any (≈2 s of a 100,000-application lottery run, issue #13). The
# lottery needs only the models, the session, audit and jobs (none looks at a view);
# `flask roles sync` and the jobs worker (its handlers render pages) keep every view.
HEADLESS_COMMANDS = frozenset({"lottery"})
_ROOT_OPTIONS_WITH_VALUE = frozenset({"-A", "--app", "-e", "--env-file"})


def headless_command(argv: list[str]) -> bool:
    """True when argv is a `flask` command in HEADLESS_COMMANDS (wsgi.py asks this: the
    app is built before click knows the command)."""
    if not argv or Path(argv[0]).name != "flask":
        return False
    args = iter(argv[1:])
    for arg in args:
        if arg in _ROOT_OPTIONS_WITH_VALUE:
            next(args, None)
        elif not arg.startswith("-"):
            return arg in HEADLESS_COMMANDS
    return False


def create_app(overrides: dict | None = None, *, views: bool = True) -> Flask:
    """`views=False`: no web view, menu or FAB security view is registered (CLI use,
    see HEADLESS_COMMANDS); the models, the security manager, audit and jobs are the same."""
    from flask_appbuilder import AppBuilder

    import models  # noqa: F401 - registers every table before FAB and Alembic look
    from app import audit, fab_adapter, hardening, ui
    from app.cli import register_cli
    from app.extensions import csrf, db, migrate

    app = Flask(__name__, instance_path=str(Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance")).resolve()))
    app.config.from_object("config")
    if overrides:
        app.config.update(overrides)
    app.config.setdefault("SECRET_KEY", None)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    # Our catalogue loads after FAB's, so it also fills FAB's untranslated strings.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(BASE_DIR / "translations")
    from app import ops

    ops.configure_logging(app)

    audit.install()
    from app import search

    search.install()
    fab_adapter.install()
    with app.app_context():
        db.init_app(app)
        migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
        csrf.init_app(app)
        # The class itself, not FAB_SECURITY_MANAGER_CLASS: FAB logs a failed import of
        # that setting and carries on with its default manager (GET logout and all).
        from app.security import BackofficeSecurityManager

        appbuilder = AppBuilder(update_perms=False, security_manager_class=BackofficeSecurityManager)
        if not views:  # FAB's index, util, babel, security and API views: none without pages
            appbuilder._add_admin_views = lambda: None  # type: ignore[method-assign]
            appbuilder._add_addon_views = lambda: None  # type: ignore[method-assign]
        appbuilder.init_app(app, db.session)
        if views:
            from views import register_views

            register_views(appbuilder)
        _limit_request_bodies(app, appbuilder)
    hardening.install(app)
    ops.install(app)
    ui.install(app)
    register_cli(app)
    from app import jobs

    jobs.init_app(app)
    return app


def _limit_request_bodies(app: Flask, appbuilder) -> None:
    """Uploads the views declare (`body_limits = {method: config key of the largest
    file}`) are refused from their Content-Length, before anything reads the body: this
    runs first among the before-request hooks (CSRFProtect reads the form in its own)."""
    limits = {f"{view.endpoint}.{method}": key
              for view in appbuilder.baseviews for method, key in (getattr(view, "body_limits", None) or {}).items()}

    def limit() -> None:
        key = limits.get(request.endpoint or "")
        if key is not None:
            request.max_content_length = int(app.config[key]) + FORM_OVERHEAD

    app.before_request_funcs.setdefault(None, []).insert(0, limit)
