"""Test harness.

A template database is built once per session exactly as production builds one:
Alembic `upgrade`, `refdata load`, `roles sync`, `demo load`. Each test gets its own
clone (a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL) and its own
app from the factory, so tests never see each other's writes.

TEST_DATABASE_URL=postgresql+psycopg://user@host/name switches to PostgreSQL.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PASSWORD = "Demo-Pass-2026!"
os.environ.setdefault("DEMO_PASSWORD", PASSWORD)
os.environ.setdefault("LOG_LEVEL", "WARNING")
_counter = itertools.count()
# One key per test session: demo calls sealed in the template DB stay readable in clones.
LOTTERY_SECRET_KEY = "test-lottery-" + uuid.uuid4().hex


class DatabaseTemplate:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.pg_url = os.environ.get("TEST_DATABASE_URL")
        self.tag = uuid.uuid4().hex[:8]
        if self.pg_url:
            base = make_url(self.pg_url)
            self.admin_url = base.set(database="postgres")
            self.template_name = f"{base.database}_tpl_{self.tag}"
            self.url = base.set(database=self.template_name).render_as_string(hide_password=False)
            self._admin(f'CREATE DATABASE "{self.template_name}"')
        else:
            self.path = tmp / "template.db"
            self.url = f"sqlite:///{self.path}"
        self.clones: list[str] = []

    def _admin(self, *statements):
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for stmt in statements:
                conn.execute(text(stmt))
        engine.dispose()

    def clone(self) -> str:
        n = next(_counter)
        if self.pg_url:
            name = f"{self.template_name}_{n}"
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')
            self.clones.append(name)
            return make_url(self.url).set(database=name).render_as_string(hide_password=False)
        target = self.tmp / f"clone{n}.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        if self.pg_url:
            name = make_url(url).database
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.clones.remove(name)

    def close(self):
        if self.pg_url:
            self._admin(*[f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in self.clones],
                        f'DROP DATABASE IF EXISTS "{self.template_name}" WITH (FORCE)')


def app_config(url: str, tmp: Path, **extra) -> dict:
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "LOTTERY_SECRET_KEY": LOTTERY_SECRET_KEY,
        "RATELIMIT_ENABLED": False,
        "PUBLIC_BASE_URL": "http://localhost",
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "JOBS_QUEUE_URL": "immediate",  # jobs run for real, at once, in the caller's thread
    }
    if url.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def db_template(tmp_path_factory):
    from flask_migrate import upgrade

    from app import audit
    from app.cli import load_reference_data
    from app.demo import load_demo
    from app.factory import create_app
    from app.roles import sync_roles

    tmp = tmp_path_factory.mktemp("db")
    template = DatabaseTemplate(tmp)
    app = create_app(app_config(template.url, tmp))
    with app.app_context():
        upgrade()
        token = audit.system_actor.set("tests")
        session = app.appbuilder.session
        load_reference_data(session)
        session.commit()
        sync_roles(app.appbuilder)
        load_demo(app.appbuilder, centres=6, evaluators=12, seed=7)
        audit.system_actor.reset(token)
        session.remove()
        app.extensions["sqlalchemy"].engine.dispose()
    yield template
    template.close()


def _dispose(application) -> None:
    with application.app_context():
        application.appbuilder.session.remove()
        application.extensions["sqlalchemy"].engine.dispose()


@pytest.fixture
def app_factory(db_template, tmp_path):
    """make(**config) -> another app on its own clone (e.g. rate limiting on), cleaned up
    after the test."""
    from app.factory import create_app

    made = []

    def make(**extra):
        url = db_template.clone()
        application = create_app(app_config(url, tmp_path, **extra))
        made.append((application, url))
        return application

    yield make
    for application, url in made:
        _dispose(application)
        db_template.drop(url)


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture(scope="module")
def shared_app(db_template, tmp_path_factory):
    """One app for a module of read-only tests (e.g. the authorization matrix)."""
    from app.factory import create_app

    url = db_template.clone()
    application = create_app(app_config(url, tmp_path_factory.mktemp("shared")))
    yield application
    _dispose(application)
    db_template.drop(url)


@pytest.fixture
def db_session(app):
    """An independent session on the test's database, as another process would see it.

    Not the app's scoped session: holding an app context open during a test would make
    every request of the test share one session, so a change a request refused could
    leak into a later commit and a test could pass for the wrong reason.
    """
    from sqlalchemy.orm import Session

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    session = Session(bind=engine)
    yield session
    session.rollback()
    session.close()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """A test client that logs in through the real login form and sends real CSRF
    tokens (taken from a rendered page) with every POST."""

    def __init__(self, flask_client):
        self.c = flask_client
        self.token = None

    def __getattr__(self, name):
        return getattr(self.c, name)

    def csrf(self, page: str = "/") -> str:
        html = self.c.get(page).get_data(as_text=True)
        match = CSRF_META.search(html) or CSRF_INPUT.search(html)
        assert match, f"no CSRF token on {page}"
        self.token = match.group(1)
        return self.token

    def login(self, username: str, password: str = PASSWORD):
        token = self.csrf("/login/")
        response = self.c.post("/login/", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == 302, f"login of {username} failed"
        self.token = None
        return self

    def post_form(self, url: str, data: dict | None = None, *, page: str = "/", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token or self.csrf(page))
        return self.c.post(url, data=data, **kwargs)


@pytest.fixture
def client(app):
    return Client(app.test_client())


@pytest.fixture
def login(app):
    """login("manager1") -> a Client signed in as that demo account."""

    def _login(username: str) -> Client:
        return Client(app.test_client()).login(username)

    return _login


# --- real browser ----------------------------------------------------------------------
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@contextlib.contextmanager
def serving(app):
    """`app` served by a real HTTP server on a free loopback port; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """The test's app served by a real HTTP server on a free loopback port."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="el-GR", accept_downloads=True)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def browser_login(page, username: str, password: str = PASSWORD):
    page.goto("/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
