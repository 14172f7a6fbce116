"""PyTake settings, read from the environment only (django-environ).

With no environment at all the project runs on the embedded default: SQLite, the in-memory
channel layer, immediate tasks and console email, DEBUG on. Production sets DATABASE_URL,
REDIS_URL, TASKS_BACKEND, EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=false.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

# Refuse to start half-configured in production: one line on stderr, not a traceback. A list
# of blanks (ALLOWED_HOSTS=",") is as empty as none. More checks close this file.
if not DEBUG:
    _missing = [
        name
        for name in ("SECRET_KEY", "ALLOWED_HOSTS")
        if not any(part.strip() for part in env.str(name, default="").split(","))
    ]
    if _missing:
        raise SystemExit(f"pytake: DEBUG is off, so {' and '.join(_missing)} must be set.")

SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-embedded-default-only-for-debug")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",  # must precede staticfiles so runserver is Daphne's
    "pytake.admin_site.PyTakeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "organizations",
    "templates_app",
    "campaigns",
    "alerts",
    "audit",
    "live",
    "dashboard",
    "scheduling",
]

# What follows a template's news, in this order, each once for all the changes of a unit of work
# (a webhook delivery, a page of a sync, a person's action): see `templates_app.changes`. Each
# reads what the ones before it left in the context (alerts count the campaigns paused).
TEMPLATE_REACTIONS = [
    "templates_app.services.pauses.record_pauses",  # keep each pause of Meta's pause ladder
    "campaigns.reactions.react",  # pause or resume the campaigns of blocked or sendable templates
    "alerts.reactions.react",  # raise, repeat, escalate or resolve alerts
    "audit.reactions.react",  # one INSERT of every entry of the unit of work
    "live.reactions.react",  # one INSERT of live messages, sent per organization on commit
    "alerts.reactions.notify",  # one notification task for the new alerts, on commit
    "pytake.metrics.count_template_changes",  # pytake_template_changes_applied_total, on commit
]
# What follows news about a business account (a token Meta refuses, a WABA claimed or released).
BUSINESS_ACCOUNT_REACTIONS = [
    "alerts.reactions.react_to_account_events",
    "audit.reactions.react_to_account_events",
]
# What follows Meta's news about a phone number or a business account (flagged, restricted,
# disabled, reinstated…): the same order as for templates.
SENDING_PATH_REACTIONS = [
    "campaigns.sending_path.react",  # pause or resume the campaigns sending through the account
    "alerts.sending_path.react",  # raise, repeat, escalate or resolve the account's alerts
    "audit.reactions.react_to_sending_path_changes",  # one INSERT of the unit of work's entries
    "live.reactions.react_to_sending_path_changes",  # one INSERT of live messages, sent on commit
    "alerts.reactions.notify",  # one notification task for the new alerts, on commit
]

MIDDLEWARE = [
    # First: answers /healthz before any middleware looks at the Host header.
    "pytake.health.HealthCheckMiddleware",
    # Each request's id (X-Request-ID) and a clean log context, before anything logs.
    "pytake.log_context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "pytake.static.StaticFilesMiddleware",  # WhiteNoise, async-capable (see pytake/static.py)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Times printed in the reader's zone, which the pages' script names in a cookie.
    "pytake.dates.TimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Only `python -m bench load` sets it (bench.urls adds a bare view); production never does.
ROOT_URLCONF = env.str("PYTAKE_URLCONF", default="pytake.urls")
WSGI_APPLICATION = "pytake.wsgi.application"
ASGI_APPLICATION = "pytake.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's own admin templates (admin/base_site.html: PyTake's name, its CSS).
        "DIRS": [BASE_DIR / "pytake" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # `{% load dates %}`: the one way to print a moment (pytake/dates.py).
            "libraries": {"dates": "pytake.templatetags.dates"},
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# Opt-in psycopg pool, PostgreSQL only: under ASGI each request otherwise opens a connection.
# Each request in flight holds a connection until it ends (its after-commit work included), so
# the pool must be as large as the requests a process serves at once: psycopg's default of 4
# made the 5th concurrent webhook wait for a connection.
if env.bool("DATABASE_POOL", default=False) and "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses a pool with persistent connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
        "timeout": env.float("DATABASE_POOL_TIMEOUT_SECONDS", default=10.0),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organizations.User"
# Django's default hashers, PBKDF2 computed at the lowest CPU priority (organizations/hashers.py).
PASSWORD_HASHERS = [
    "organizations.hashers.LowPriorityPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The dashboard's own login page; the admin keeps its login for staff.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# "4 Dec 2026, 13:53" wherever Django prints a date itself (the admin): see pytake/dates.py.
FORMAT_MODULE_PATH = ["pytake.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The project's own scripts (pytake/static/pytake/dates.js), beside the apps'.
STATICFILES_DIRS = [BASE_DIR / "pytake" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Under DEBUG WhiteNoise serves straight from the apps, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a message to an organization is one PUBLISH that each process fans out
            # to its own sockets, where the list-based layer pushes and pops it once per
            # socket. Delivery is at most once either way; a browser that missed one resumes.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Above redis-py's default of 5 s, which equals the list-based layer's blocking
            # read and closed idle sockets with 1011. A dead Redis still fails fast at connect.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 2}]
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# What several server processes must share (login failure counters) lives in the cache:
# Redis in production, this process's memory on the embedded default.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pytake",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Uvicorn reads WEB_CONCURRENCY itself and starts that many worker processes. Without Redis
# each would keep its own live-update groups and login counters: a browser connected to one
# would miss what another applied, and an attacker would get the login limit once per process.
if env.int("WEB_CONCURRENCY", default=1) > 1 and not REDIS_URL:
    raise SystemExit(
        "pytake: WEB_CONCURRENCY above 1 needs REDIS_URL, which the worker processes share "
        "live updates and login failure counters through."
    )

# Failed logins (API token, admin, dashboard, admin password change) counted per username and
# per client IP over a window; past either limit the login answers 429 until the window ends.
LOGIN_FAILURE_LIMIT_PER_USERNAME = env.int("LOGIN_FAILURE_LIMIT_PER_USERNAME", default=5)
LOGIN_FAILURE_LIMIT_PER_IP = env.int("LOGIN_FAILURE_LIMIT_PER_IP", default=20)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
# Passwords hashed at once per server process (hashing takes a core for ~0.3 s on purpose); a
# login waits this long for a turn, then answers 429, so a login storm cannot take the server.
LOGIN_MAX_CONCURRENT_HASHES = env.int("LOGIN_MAX_CONCURRENT_HASHES", default=2)
LOGIN_HASH_WAIT_SECONDS = env.float("LOGIN_HASH_WAIT_SECONDS", default=2.0)

TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PyTake <alerts@pytake.localhost>")

# Alert notifications. Channel URLs must be HTTPS on a public address unless private URLs are
# allowed (the default under DEBUG, so local demos and tests can use loopback servers).
NOTIFY_ALLOW_PRIVATE_URLS = env.bool("NOTIFY_ALLOW_PRIVATE_URLS", default=DEBUG)
NOTIFY_TIMEOUT_SECONDS = env.float("NOTIFY_TIMEOUT_SECONDS", default=5.0)
# More alerts than this for one channel within the window go out as one digest.
NOTIFY_DIGEST_AFTER = env.int("NOTIFY_DIGEST_AFTER", default=3)
NOTIFY_DIGEST_WINDOW_SECONDS = env.int("NOTIFY_DIGEST_WINDOW_SECONDS", default=60)
# Where people open links in notifications (the admin's template page).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

WHATSAPP_WEBHOOK_VERIFY_TOKEN = env.str("WHATSAPP_WEBHOOK_VERIFY_TOKEN", default="")
WHATSAPP_WEBHOOK_APP_SECRET = env.str("WHATSAPP_WEBHOOK_APP_SECRET", default="")
# While the app secret is rotated, bodies signed with the previous one are accepted too.
WHATSAPP_WEBHOOK_APP_SECRET_PREVIOUS = env.str("WHATSAPP_WEBHOOK_APP_SECRET_PREVIOUS", default="")
# Meta's deliveries are small; anything larger is refused before it is read whole.
WHATSAPP_WEBHOOK_MAX_BODY_BYTES = env.int("WHATSAPP_WEBHOOK_MAX_BODY_BYTES", default=1024 * 1024)
# Meta sends at most 1,000 changes a delivery: a signed body with more entries or changes than
# these is kept as rejected, with the reason, before any change is read.
WHATSAPP_WEBHOOK_MAX_ENTRIES = env.int("WHATSAPP_WEBHOOK_MAX_ENTRIES", default=1000)
WHATSAPP_WEBHOOK_MAX_CHANGES = env.int("WHATSAPP_WEBHOOK_MAX_CHANGES", default=1000)
# `sync`: apply each delivery before answering Meta. `async`: store it, answer 200 at once, and
# let a task worker apply it (retried WEBHOOK_TASK_ATTEMPTS times, 1, 2, 4… minutes apart).
WEBHOOK_PROCESSING = env.str("WEBHOOK_PROCESSING", default="sync")
if WEBHOOK_PROCESSING not in ("sync", "async"):
    raise SystemExit("pytake: WEBHOOK_PROCESSING must be sync or async.")
WEBHOOK_TASK_ATTEMPTS = env.int("WEBHOOK_TASK_ATTEMPTS", default=5)
# Deliveries of fields PyTake does not handle (e.g. `messages`): kept (one INSERT each) for this
# many days, or not kept at all with WEBHOOK_KEEP_IGNORED=false.
WEBHOOK_KEEP_IGNORED = env.bool("WEBHOOK_KEEP_IGNORED", default=True)
WEBHOOK_IGNORED_RETENTION_DAYS = env.int("WEBHOOK_IGNORED_RETENTION_DAYS", default=7)

# --- Retention: what the scheduler's pruning jobs (scheduling/jobs.py) delete, in days ---------
# Processed and rejected webhook deliveries (failed and unprocessed ones are always kept).
WEBHOOK_RETENTION_DAYS = env.int("WEBHOOK_RETENTION_DAYS", default=90)
# Live messages a reconnecting browser resumes from.
LIVE_MESSAGE_RETENTION_DAYS = env.int("LIVE_MESSAGE_RETENTION_DAYS", default=7)
# The task worker's finished results (database task backend only).
TASK_RESULT_RETENTION_DAYS = env.int("TASK_RESULT_RETENTION_DAYS", default=14)
# The scheduler's own record of each job's runs.
JOB_RUN_RETENTION_DAYS = env.int("JOB_RUN_RETENTION_DAYS", default=30)

# What templates_app shows of the apps that react to a template (its API's and admin's counts),
# counted where those apps may be read: templates_app reads no other app's models.
TEMPLATE_HEALTH_COUNTS = {
    "open_alerts": "dashboard.selectors.open_alerts_count",
    "campaigns_affected": "dashboard.selectors.campaigns_affected_count",
    "campaigns_switched": "dashboard.selectors.campaigns_switched_count",
}

# Meta's Graph API, for syncing templates; tests and the demo point it at a local stand-in.
GRAPH_API_BASE_URL = env.str("GRAPH_API_BASE_URL", default="https://graph.facebook.com")
GRAPH_API_VERSION = env.str("GRAPH_API_VERSION", default="v23.0")
# Templates per listing page (Meta allows up to 1000): Meta's cursor hands out one page after
# another, so fewer, larger pages are what shortens a listing.
GRAPH_API_PAGE_SIZE = env.int("GRAPH_API_PAGE_SIZE", default=500)
# Requests to Meta on their way at once in a sync (analytics batches, the next listing page);
# fewer while Meta's usage headers report a limit near.
GRAPH_MAX_CONCURRENT_REQUESTS = env.int("GRAPH_MAX_CONCURRENT_REQUESTS", default=8)
GRAPH_API_TIMEOUT_SECONDS = env.float("GRAPH_API_TIMEOUT_SECONDS", default=10.0)
# First wait before retrying a 5xx or a timeout; it doubles on each of the (at most 5) tries.
GRAPH_API_BACKOFF_SECONDS = env.float("GRAPH_API_BACKOFF_SECONDS", default=1.0)
# A rate limit asking for a longer wait than this ends the sync; the next one retries.
GRAPH_API_MAX_WAIT_SECONDS = env.float("GRAPH_API_MAX_WAIT_SECONDS", default=60.0)
# A sync still "running" after this long is taken for dead (its worker stopped).
TEMPLATE_SYNC_STALE_AFTER_SECONDS = env.int("TEMPLATE_SYNC_STALE_AFTER_SECONDS", default=1800)
# How far back a template's pauses count on Meta's pause ladder (a first pause, a second, then a
# disable); Meta does not publish its window, so every pause is kept and these days are shown.
TEMPLATE_PAUSE_WINDOW_DAYS = env.int("TEMPLATE_PAUSE_WINDOW_DAYS", default=30)
# A template still paused this long after it was expected back raises an alert of its own.
TEMPLATE_PAUSE_OVERDUE_MINUTES = env.int("TEMPLATE_PAUSE_OVERDUE_MINUTES", default=60)
# A template's read rate over the last READ_RATE_RECENT_DAYS (3) that fell at least this many
# percent below its own baseline (the READ_RATE_BASELINE_DAYS, 28, before) raises a warning,
# when at least READ_RATE_MIN_SENT messages (100) were sent in the recent days.
READ_RATE_FALL_PERCENT = env.int("READ_RATE_FALL_PERCENT", default=30)
READ_RATE_MIN_SENT = env.int("READ_RATE_MIN_SENT", default=100)
READ_RATE_RECENT_DAYS = env.int("READ_RATE_RECENT_DAYS", default=3)
READ_RATE_BASELINE_DAYS = env.int("READ_RATE_BASELINE_DAYS", default=28)

# Fernet keys for secrets at rest (Meta access tokens, notification signing secrets; see
# pytake/crypto.py), comma-separated: the first encrypts,
# all decrypt, so a new key is put first and the old one removed once tokens are re-encrypted.
# Under DEBUG with none set, a development key is derived from SECRET_KEY.
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pytake.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON parser, bounded by JSON_MAX_DEPTH; form and multipart bodies as DRF reads them.
    "DEFAULT_PARSER_CLASSES": [
        "pytake.api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "pytake.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "pytake.api.openapi.ApiAutoSchema",
    "EXCEPTION_HANDLER": "pytake.api.exceptions.exception_handler",
}

# API tokens are stored hashed and expire; the `Authorization: Token <key>` header is knox's.
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=env.int("TOKEN_TTL", default=10 * 60 * 60)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# An open live-updates socket checks its credentials at least this often (seconds), besides when
# they are revoked and when its token expires, and is closed with 4401 once they no longer hold.
LIVE_CREDENTIALS_CHECK_SECONDS = env.int("LIVE_CREDENTIALS_CHECK_SECONDS", default=60)

# JSON nested deeper than this (arrays and objects) is refused: 400 from the API, close code 1007
# on the live-updates socket. Meta's deliveries and the API's bodies nest fewer than ten levels.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=64)

# Any request body larger than this (in bytes) is refused with 413 by pytake.asgi before it is
# read; the webhook has its own, smaller limit above.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=10 * 1024 * 1024)

SPECTACULAR_SETTINGS = {
    "TITLE": "PyTake template health API",
    "DESCRIPTION": "WhatsApp template health: Meta webhooks, campaigns, alerts and audit.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Each route once, in its slashed form; the twin without the slash answers the same.
    "PREPROCESSING_HOOKS": ["pytake.api.openapi.documented_routes_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pytake.api.openapi.optional_query_values_may_be_empty",
    ],
    # Several models name a field `status` or `severity`: each set of choices gets its own name;
    # an alert's severity and a channel's minimum severity are one choice set.
    "ENUM_NAME_OVERRIDES": {
        "AlertSeverityEnum": "alerts.models.Alert.Severity",
        "TemplateStatusEnum": "templates_app.models.TemplateStatus",
        "QualityScoreEnum": "templates_app.models.QualityScore",
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
    },
}

# Operations: /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>` (404 with none
# set); /readyz fails while a delivery has waited longer than READY_MAX_BACKLOG_SECONDS.
# Several processes sum their in-process metrics through PROMETHEUS_MULTIPROC_DIR, which
# prometheus-client reads itself (pytake/metrics.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
READY_MAX_BACKLOG_SECONDS = env.int("READY_MAX_BACKLOG_SECONDS", default=300)
# Errors are reported to Sentry when set, without request bodies or secrets (pytake/sentry.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from pytake.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"))

# --- Logs: LOG_FORMAT=text (the embedded default) or json (one object per line) ---------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise SystemExit("pytake: LOG_FORMAT must be text or json.")
# Every handler carries the `redact_secrets` filter: no token in a URL reaches a log line.
LOG_HANDLERS = ["console"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "pytake.log_redaction.RedactSecrets"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "pytake.log_format.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": LOG_HANDLERS, "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (console under DEBUG, mail_admins) go: its lines reach the root
        # handler once, instead of twice under DEBUG ("Forbidden: …" bare, then formatted).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},
        # Uvicorn configures its loggers before it imports the application; naming them here
        # sends its error and access lines through the same handler, format and filter.
        "uvicorn": {"handlers": [], "propagate": True},
        "uvicorn.error": {"handlers": LOG_HANDLERS, "propagate": False},
        "uvicorn.access": {"handlers": LOG_HANDLERS, "propagate": False},
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)


# --- Start-up checks with DEBUG=false: one line naming each variable to fix ---------------------
# .env.example's placeholders (tests/test_settings.py keeps this table equal to that file): a
# copy of it left unedited would run with a public secret or a host that is not this one.
ENV_EXAMPLE_PLACEHOLDERS = {
    "SECRET_KEY": "change-me-to-a-long-random-string",
    "ALLOWED_HOSTS": "pytake.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://pytake.example.com",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
    "DEFAULT_FROM_EMAIL": "PyTake <alerts@pytake.example.com>",
    "PUBLIC_BASE_URL": "https://pytake.example.com",
    "WHATSAPP_WEBHOOK_VERIFY_TOKEN": "choose-a-verify-token",
    "WHATSAPP_WEBHOOK_APP_SECRET": "your-meta-app-secret",
    "FIELD_ENCRYPTION_KEY": "your-base64-fernet-key",
}
# docker-compose.yml builds DATABASE_URL from POSTGRES_PASSWORD.
POSTGRES_PASSWORD_PLACEHOLDER = "change-me"


def _configuration_problems() -> list[str]:
    placeholders = [
        name
        for name, placeholder in ENV_EXAMPLE_PLACEHOLDERS.items()
        if env.str(name, default="").strip() == placeholder
    ]
    if DATABASES["default"].get("PASSWORD") == POSTGRES_PASSWORD_PLACEHOLDER:
        placeholders.append("POSTGRES_PASSWORD (in DATABASE_URL)")
    problems = []
    if placeholders:
        verb = "holds" if len(placeholders) == 1 else "hold"
        problems.append(f"{', '.join(placeholders)} still {verb} .env.example's placeholder")
    if "FIELD_ENCRYPTION_KEY" not in placeholders:
        from cryptography.fernet import Fernet

        keys = [key.strip() for key in FIELD_ENCRYPTION_KEY if key.strip()]
        try:
            if not keys:
                raise ValueError
            for key in keys:
                Fernet(key)
        except ValueError:
            problems.append(
                'FIELD_ENCRYPTION_KEY must be one or more Fernet keys (python -c "from '
                'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
            )
    return problems


if not DEBUG and (_problems := _configuration_problems()):
    raise SystemExit(f"pytake: DEBUG is off, but {'; '.join(_problems)}.")
