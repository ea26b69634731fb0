"""Configuration: defaults here, overridden by environment variables.

Nothing secret lives in git: SECRET_KEY comes from the environment or is generated
once into instance/secret_key (see app.factory._secret_key).
"""
import os
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


APP_NAME = "ΚΣΕ · Ε.Μ.Α."
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'backoffice.db'}"
)
SQLALCHEMY_TRACK_MODIFICATIONS = False
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

# --- Flask-AppBuilder ---------------------------------------------------------------
AUTH_TYPE = AUTH_DB
FAB_INDEX_VIEW = "views.home.HomeView"
# The schema belongs to Alembic, permissions are synced by `flask roles sync` (one step,
# no start-up race between gunicorn workers): FAB touches neither at boot.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = False
FAB_ADD_SECURITY_API = False
FAB_API_SWAGGER_UI = False
FAB_PASSWORD_COMPLEXITY_ENABLED = True
AUTH_USER_REGISTRATION = False
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 5 minute")
RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
# memory:// is per process; production sets redis://… so every worker shares counts.
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
RECOVERY_RATE_LIMIT = os.environ.get("RECOVERY_RATE_LIMIT", "5 per 15 minute")
RECOVERY_TOKEN_TTL = int(os.environ.get("RECOVERY_TOKEN_TTL", 3600))  # seconds a reset link stays valid
# Base of the links in mails (reset links); without it the request's own host is used,
# which a forged Host header could change: set it in production.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")

# --- Languages: Greek first ----------------------------------------------------------
BABEL_DEFAULT_LOCALE = "el"
BABEL_DEFAULT_FOLDER = "translations"
LANGUAGES = {
    "el": {"flag": "gr", "name": "Ελληνικά"},
    "en": {"flag": "gb", "name": "English"},
}

# --- Security baseline ---------------------------------------------------------------
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None  # bound to the session instead of a clock
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)  # True behind HTTPS
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
PERMANENT_SESSION_LIFETIME = 8 * 3600
MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 12 * 1024 * 1024))
LIST_PAGE_SIZE_MAX = 100
# FAB's inline scripts and styles need 'unsafe-inline'; everything else is same-origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

# --- Files, mail, demo ---------------------------------------------------------------
UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
MINUTES_MAX_BYTES = int(os.environ.get("MINUTES_MAX_BYTES", 10 * 1024 * 1024))  # K-3 minutes PDF
# Windows (staff, minutes) are typed and compared as wall-clock times of this zone.
LOCAL_TIMEZONE = os.environ.get("LOCAL_TIMEZONE", "Europe/Athens")
MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
MAIL_PORT = int(os.environ.get("MAIL_PORT", 8025))
MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@kse.example.gr")
# Development/tests: write mail as .eml files here instead of sending (a captured outbox).
MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "outbox")  # "smtp" in production
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo-Pass-2026!")
CSV_EXPORT_BATCH = 1000
FAB_BASE_TEMPLATE = "backoffice/base.html"
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")

# --- Background jobs (app.jobs) ---------------------------------------------------------
# The queue that carries job ids to the workers: sqlite:///path (one host, the default),
# redis://host:6379/1 (several hosts), or "immediate" (run in the caller: tests).
JOBS_QUEUE_URL = os.environ.get("JOBS_QUEUE_URL", f"sqlite:///{INSTANCE_DIR / 'jobs-queue.sqlite3'}")
JOBS_HEARTBEAT = int(os.environ.get("JOBS_HEARTBEAT", 30))  # seconds between a running job's "alive" writes
JOBS_STALE_AFTER = int(os.environ.get("JOBS_STALE_AFTER", 300))  # no heartbeat for this long: its worker died
