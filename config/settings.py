"""Rapport settings: one file, driven by environment variables.

Every setting that differs between a laptop and production comes from the environment;
a malformed value stops start-up with a message naming the variable.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("RAPPORT_INSECURE_DEV_KEY", False):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (or DEBUG=true / RAPPORT_INSECURE_DEV_KEY=true for a laptop)"
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

# Where links in emails (surveys, portal sign-in) point: this server as customers reach it.
RAPPORT_PUBLIC_URL = os.environ.get("RAPPORT_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rapport <rapport@localhost>")
# Campaigns go out in batches of this many messages over one SMTP connection, with a pause
# (seconds) between batches so a shared mail server is not flooded.
RAPPORT_CAMPAIGN_BATCH_SIZE = int(os.environ.get("RAPPORT_CAMPAIGN_BATCH_SIZE", "100"))
RAPPORT_CAMPAIGN_BATCH_PAUSE = float(os.environ.get("RAPPORT_CAMPAIGN_BATCH_PAUSE", "1.0"))
# Rows claimed and noted together: a crash may leave this many "uncertain" (never resent).
RAPPORT_CAMPAIGN_CLAIM_GROUP = int(os.environ.get("RAPPORT_CAMPAIGN_CLAIM_GROUP", "20"))
# Send tasks queued per campaign: as many workers as are free share its sending (one db_worker
# runs them in turn, the later ones finding nothing left); see docs/performance.md.
RAPPORT_CAMPAIGN_SEND_TASKS = int(os.environ.get("RAPPORT_CAMPAIGN_SEND_TASKS", "2"))
# Processes cleaning an import's emails and phones one chunk ahead of the writer (0: none).
RAPPORT_IMPORT_CLEAN_WORKERS = int(os.environ.get("RAPPORT_IMPORT_CLEAN_WORKERS", "1"))
# A bulk import stores each chunk on a second connection while the next is planned (PostgreSQL).
RAPPORT_IMPORT_OVERLAP = env_bool("RAPPORT_IMPORT_OVERLAP", True)
# Double opt-in requests left unconfirmed are deleted this many days after their link expired.
RAPPORT_OPTIN_RETENTION_DAYS = int(os.environ.get("RAPPORT_OPTIN_RETENTION_DAYS", "30"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# The optional IMAP poller (`rapport mail-poll`): unread mail of one mailbox becomes tickets.
# IMAP_TLS is "ssl" (implicit TLS, port 993), "starttls" or "off" (port 143, loopback only).
IMAP_HOST = os.environ.get("IMAP_HOST", "")
IMAP_USER = os.environ.get("IMAP_USER", "")
IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")
IMAP_ADDRESS = os.environ.get("IMAP_ADDRESS", "")  # its Rapport mailbox; else the To headers
IMAP_TLS = os.environ.get("IMAP_TLS", "ssl").lower()
if IMAP_TLS not in {"ssl", "starttls", "off"}:
    raise ImproperlyConfigured(f"IMAP_TLS must be ssl, starttls or off, got {IMAP_TLS!r}")
try:
    IMAP_PORT = int(os.environ.get("IMAP_PORT") or (993 if IMAP_TLS == "ssl" else 143))
except ValueError as exc:
    raise ImproperlyConfigured("IMAP_PORT must be a port number") from exc

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "rapport.core",
    "rapport.tenancy",
    "rapport.audit",
    "rapport.contacts",
    "rapport.activities",
    "rapport.sales",
    "rapport.service",
    "rapport.knowledge",
    "rapport.feedback",
    "rapport.portal",
    "rapport.data",
    "rapport.merge",
    "rapport.marketing",
    "rapport.campaigns",
    "rapport.sequences",
    "rapport.dedupe",
    "rapport.privacy",
    "rapport.api",
    "rapport.web",
    "rapport.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rapport.tenancy.middleware.WorkspaceMiddleware",
    "rapport.tenancy.middleware.TimeZoneMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rapport.tenancy.context_processors.workspace",
            ],
        },
    },
]

DATA_DIR = Path(os.environ.get("RAPPORT_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file and collected static files live here
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'rapport.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a background worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Covering indexes carry INCLUDE columns for PostgreSQL's index-only scans; SQLite builds
    # the key alone, as intended, so its warning about that is noise on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Parameters sent apart from the SQL (server-side binding), and a statement a connection
    # has run five times prepared on it: PostgreSQL parses it once, not on every request.
    # Off for a pooler in transaction mode (PgBouncer before 1.21), whose connections do not
    # keep a client's prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The session's user comes with its memberships in one query (rapport/tenancy/backends.py);
# ModelBackend stays second only so sessions signed in before it keep working.
AUTHENTICATION_BACKENDS = [
    "rapport.tenancy.backends.MemberBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Uploaded files (ticket attachments) are served only through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("RAPPORT_MEDIA_DIR", DATA_DIR / "media"))

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Third-party browser libraries, installed from package-lock.json by `make install` (npm ci).
STATICFILES_DIRS = [
    ("vendor/sortablejs", BASE_DIR / "node_modules" / "sortablejs"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "rapport.web.static_storage.KeptUrlsManifestStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# A missing manifest entry falls back to the plain file name instead of failing the page.
WHITENOISE_MANIFEST_STRICT = False

# The cache: Redis when REDIS_URL is set (shared by every worker process), else each process's
# memory. Kept list pages are keyed by the workspace's data version read from the database on
# every request (rapport.tenancy.data_version), so a per-process cache is still right.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        # Django's RedisCache, its redis client built once per pool (rapport/core/cache.py).
        {"BACKEND": "rapport.core.cache.SharedClientRedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
RAPPORT_KEEP_PAGES = env_bool("RAPPORT_KEEP_PAGES", True)
# Exports: a workbook above this many rows (or any the user asks so) is built by a background
# job into the default storage; its file is removed after RAPPORT_EXPORT_FILE_DAYS.
RAPPORT_EXPORT_INLINE_XLSX_ROWS = int(os.environ.get("RAPPORT_EXPORT_INLINE_XLSX_ROWS", "20000"))
RAPPORT_EXPORT_FILE_DAYS = int(os.environ.get("RAPPORT_EXPORT_FILE_DAYS", "7"))
# Imports: an uploaded file above this many bytes is refused before anything is stored.
RAPPORT_IMPORT_MAX_BYTES = int(os.environ.get("RAPPORT_IMPORT_MAX_BYTES", str(2**30)))
if REDIS_URL:
    # A cache every worker shares: sessions are read from it, written through to the
    # database, so a logout or a workspace switch is seen by every worker at once.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "rapport.web.access.csrf_failure"  # a stale page is told to reload
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
