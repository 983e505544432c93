"""Settings for the consultation portal, read from the environment.

Every value comes from an environment variable (django-environ) with a safe default for
a developer's machine; a value that cannot be parsed stops the process at start.
"""

import ipaddress
from pathlib import Path
from urllib.parse import urlparse

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def _bool(name: str, default: bool) -> bool:
    """Read a boolean strictly: anything but a known spelling is an error, not False."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


DEBUG = _bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal.admin_tools.PortalAdminConfig",  # django.contrib.admin with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "phonenumber_field",
    "pgtrigger",
    "portal",
    "accounts",
    "terms",
    "bookings",
]

MIDDLEWARE = [
    "portal.requestlog.RequestLog",  # the request id and one log line per request
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.RejectBadInput",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.staff_security.StaffSecurityMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
    "accounts.middleware.RememberLanguageMiddleware",
    "accounts.usage.UsageRecordMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.mailbox",
            ],
        },
    },
]

# Database: SQLite for a fresh machine, PostgreSQL in production and CI.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = _int("CONN_MAX_AGE", 60 if not DEBUG else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Booking POSTs let in at once per machine (portal.gates; the bench measures 1 and 2 on 2
# cores: since a booking's jobs leave after its POST has left the gate, 2 books about 30 %
# faster in a rush of 200 and kept the other visitors' page at 0.70-0.98x of its rate in
# seven runs, against 0.25-0.94x at 1; bench/HISTORY.md, the runs of 2026-12-02, fifth
# round).
BOOKING_GATE_WIDTH = _int("BOOKING_GATE_WIDTH", 2, minimum=1)

# Redis is optional: without it, the cache is a folder and Celery's broker is kombu's
# filesystem transport, so background jobs still really run on a fresh machine.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # django-redis, failing soft (portal.cache): with Redis down every operation is a miss,
    # logged and counted, and costs a refused connection or at most these timeouts.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "portal.cache"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "accounts.backends.LoginIdBackend",
    "bookings.backends.OfficeRoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail sign-in, mandatory verification, rate limits on.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = env.str("EMAIL_SUBJECT_PREFIX", default="[オンライン相談] ")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_FORMS = {
    "login": "accounts.forms.PortalLoginForm",
    "change_password": "accounts.forms.PasswordChangeForm",
    "signup": "accounts.forms.PortalSignupForm",
    "reset_password": "accounts.forms.PortalResetPasswordForm",
    "reset_password_from_key": "accounts.forms.PortalResetPasswordKeyForm",
}
ACCOUNT_RATE_LIMITS = {
    "signup": env.str("RATE_LIMIT_SIGNUP", default="10/h/ip"),
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/180s/key",
}
# Second factors (allauth.mfa): staff must use one before any admin page
# (accounts.staff_security); anyone may. Passkey-only sign-in stays off: the second factor
# is asked after the password.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Online consultation portal"
# fido2 refuses http://localhost as an origin; allowed only on a developer's machine.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# A staff session ends after this many minutes without a request.
STAFF_IDLE_MINUTES = _int("STAFF_IDLE_MINUTES", 30, minimum=1)
USERSESSIONS_TRACK_ACTIVITY = False

# E-mail: printed to the console on a developer's machine, SMTP (or a folder) from EMAIL_URL.
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")


def _mailer_from_url(url: str) -> dict:
    """Turn EMAIL_URL (smtp://, smtp+tls://, smtps://, consolemail://, filemail://PATH,
    memorymail://, dummymail://) into Django's MAILERS entry."""
    try:
        config = environ.Env.email_url_config(url)
    except Exception as error:
        raise ImproperlyConfigured(f"EMAIL_URL is not a valid e-mail URL: {error}") from None
    backend = config["EMAIL_BACKEND"]
    if backend.endswith("smtp.EmailBackend"):
        options = {
            "host": config.get("EMAIL_HOST") or "localhost",
            "port": config.get("EMAIL_PORT") or 25,
            "username": config.get("EMAIL_HOST_USER") or "",
            "password": config.get("EMAIL_HOST_PASSWORD") or "",
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": 10,
        }
    elif backend.endswith("filebased.EmailBackend"):
        # filemail:///absolute/path (django-environ would drop the leading slash)
        options = {"file_path": urlparse(url).path or str(VAR_DIR / "mail")}
    else:
        options = {}
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": _mailer_from_url(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@consult.example.jp")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Language and time: Japanese first, English complete, Japan time everywhere.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Static files: everything is vendored and served by the portal itself (whitenoise).
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security: secure cookies and HSTS unless DEBUG; a strict Content Security Policy always.
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^health/metrics/$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions are read from the cache and written through to the database: a signed-in request
# needs no database read for its session, and a cache restart signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Celery: Redis in production and CI; the filesystem transport on a fresh machine.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int | str | bool] = {"visibility_timeout": 600}
else:
    CELERY_BROKER_URL = "filesystem://"
    _queue_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = False
# The queue jobs are sent to (and a worker consumes unless told otherwise).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Celery's Django fixup closes the database connection around every task unless this is
# set (then it closes it every 1,000 tasks). Between tasks, `portal.celery` does what
# Django does between requests instead: close a connection that is broken or older than
# CONN_MAX_AGE, and health-check the one kept before its next use.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
# The worker's lines show the id of the request that enqueued the job (portal.requestlog).
CELERY_WORKER_LOG_FORMAT = (
    "[%(asctime)s: %(levelname)s/%(processName)s] [%(request_id)s] %(message)s"
)
CELERY_WORKER_TASK_LOG_FORMAT = (
    "[%(asctime)s: %(levelname)s/%(processName)s] [%(request_id)s] "
    "%(task_name)s[%(task_id)s]: %(message)s"
)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "portal.tasks.record_heartbeat", "schedule": 60.0},
    "generate-open-slots": {
        "task": "bookings.tasks.generate_open_slots",
        "schedule": crontab(hour=3, minute=15),
    },
    "sweep-rooms": {"task": "bookings.tasks.sweep_rooms", "schedule": 60.0},
    "flush-usage-records": {"task": "accounts.tasks.flush_usage_records", "schedule": 60.0},
    "sweep-no-shows": {"task": "bookings.tasks.sweep_no_shows", "schedule": 60.0},
    # On the minute: offers of a freed seat expire, and close at the booking cut-off.
    "sweep-waiting-lists": {"task": "bookings.tasks.sweep_waiting_lists", "schedule": crontab()},
    # The e-mail outbox: retries whose moment has come, notices whose job was lost.
    "send-due-notices": {"task": "accounts.tasks.send_due_notices", "schedule": 60.0},
    # On the minute: the cut-offs and answer-by moments fall at midnight.
    "expire-requests": {"task": "bookings.tasks.expire_requests", "schedule": crontab()},
    "alert-overdue-requests": {
        "task": "bookings.tasks.alert_overdue_requests",
        "schedule": crontab(minute="*/5"),
    },
    # Every quarter hour: an office's day-before reminders go out within 15 minutes of
    # its reminder hour (Office.reminder_hour, Japan time).
    "send-reminders": {
        "task": "bookings.tasks.send_reminders",
        "schedule": crontab(minute="*/15"),
    },
    "purge-usage-records": {
        "task": "accounts.tasks.purge_usage_records",
        "schedule": crontab(hour=4, minute=0),
    },
    "terms-revision-notices": {
        "task": "terms.tasks.sweep_terms_revision_notices",
        "schedule": 15 * 60.0,
    },
}
# A drill (and the several-nodes test, tests/test_several_nodes.py): every periodic job
# every BEAT_EVERY_SECONDS instead of its schedule. Unset in production.
if _beat_every := _int("BEAT_EVERY_SECONDS", 0):
    for _entry in CELERY_BEAT_SCHEDULE.values():
        _entry["schedule"] = float(_beat_every)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # request_id: of the request being served, or of the one that enqueued the job ("-").
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    # Cache errors ignored by django-redis: all counted, one a minute per kind logged.
    "filters": {"one_a_minute": {"()": "portal.cache.OnePerInterval", "seconds": 60}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "portal.cache": {"level": "ERROR", "filters": ["one_a_minute"]},
    },
}

# /health/metrics/ (portal.metrics): with `Authorization: Bearer METRICS_TOKEN`, or from
# these networks when not through a proxy (none by default: the token only).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_INTERNAL_NETWORKS = env.list("METRICS_INTERNAL_NETWORKS", default=[])
for _network in METRICS_INTERNAL_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_INTERNAL_NETWORKS: {_network!r} is not a network (e.g. 10.0.0.0/8)"
        ) from None

# The optional error tracker (portal.errortracking): Sentry when SENTRY_DSN is set, with
# personal data and secrets scrubbed from every event.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from portal.errortracking import init_error_tracker

    init_error_tracker(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=""),
        release=env.str("SENTRY_RELEASE", default=""),
    )

# Meeting rooms: passcodes are encrypted at rest with these keys (newest first).
PASSCODE_KEYS = env.list("PASSCODE_KEYS", default=[])
for _key in PASSCODE_KEYS:
    try:
        from cryptography.fernet import Fernet

        Fernet(_key.strip())
    except Exception:
        raise ImproperlyConfigured(
            "PASSCODE_KEYS must be Fernet keys (Fernet.generate_key()), separated by commas"
        ) from None
JITSI_BASE_URL = env.str("JITSI_BASE_URL", default="https://meet.jit.si").rstrip("/")
ZOOM_ACCOUNT_ID = env.str("ZOOM_ACCOUNT_ID", default="")
ZOOM_CLIENT_ID = env.str("ZOOM_CLIENT_ID", default="")
ZOOM_CLIENT_SECRET = env.str("ZOOM_CLIENT_SECRET", default="")
ZOOM_API_BASE = env.str("ZOOM_API_BASE", default="https://api.zoom.us").rstrip("/")
ZOOM_OAUTH_BASE = env.str("ZOOM_OAUTH_BASE", default="https://zoom.us").rstrip("/")
ZOOM_USER = env.str("ZOOM_USER", default="me")
ZOOM_TIMEOUT_SECONDS = _int("ZOOM_TIMEOUT_SECONDS", 10, minimum=1)
# Usage records (I4, K7): kept this many days; devices only as HMACs with this key.
USAGE_RETENTION_DAYS = _int("USAGE_RETENTION_DAYS", 365, minimum=1)
USAGE_HASH_KEY = env.str("USAGE_HASH_KEY", default="")
# A process pushes its usage records to Redis in one round trip when it holds this many,
# or when the oldest has waited this long (accounts.usage).
USAGE_BUFFER_ROWS = _int("USAGE_BUFFER_ROWS", 32, minimum=1)
USAGE_BUFFER_SECONDS = env.float("USAGE_BUFFER_SECONDS", default=2.0)

# Immediate consultations: a phone number changed this recently blocks one (K6の2(3)).
IMMEDIATE_PHONE_LOCK_HOURS = _int("IMMEDIATE_PHONE_LOCK_HOURS", 24)
# No-shows: a confirmed booking with no join, start or contact this long after its start.
NO_SHOW_AFTER_MINUTES = _int("NO_SHOW_AFTER_MINUTES", 10, minimum=1)
# Rooms: how long after confirmation the sweeper re-sends a booking that still has no room.
ROOM_SWEEP_AFTER_SECONDS = _int("ROOM_SWEEP_AFTER_SECONDS", 60)
# The e-mail outbox (accounts.outbox): how long the sweep leaves a new notice to its job;
# the back-off of a failed send (doubled per attempt, up to the maximum).
NOTICE_SWEEP_AFTER_SECONDS = _int("NOTICE_SWEEP_AFTER_SECONDS", 60)
NOTICE_RETRY_SECONDS = _int("NOTICE_RETRY_SECONDS", 60, minimum=1)
NOTICE_RETRY_MAX_SECONDS = _int("NOTICE_RETRY_MAX_SECONDS", 3600, minimum=1)

PHONENUMBER_DEFAULT_REGION = "JP"
PHONENUMBER_DEFAULT_FORMAT = "NATIONAL"

VAR_DIR.mkdir(exist_ok=True)
