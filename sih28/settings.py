"""SIH28 settings, driven by the environment.

Without any environment the project runs embedded: SQLite, a local-memory cache, Celery
tasks executed in-process and Sentry off. ``DATABASE_URL``, ``REDIS_URL`` and ``SENTRY_DSN``
switch on PostgreSQL, Redis (Celery broker + cache) and Sentry. Every variable is listed in
``.env.example``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from sih28.security import proxy_ssl_header, secret_key_weakness

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file; ENV_FILE names another file ("" for
# none).
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment or in .env "
            "(or set DEBUG=1 for local development, which uses an insecure key)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
elif not DEBUG and (weak := secret_key_weakness(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak: {weak}. Generate one with: python -c "
        "'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "sih28",
    "academics",
    "timetabling",
    "imports",
]

MIDDLEWARE = [
    "sih28.sentry_requests.SentryRequestMiddleware",
    "sih28.middleware.RequestLogMiddleware",
    "sih28.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sih28.middleware.SentryUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sih28.urls"
WSGI_APPLICATION = "sih28.wsgi.application"
ASGI_APPLICATION = "sih28.asgi.application"

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
                "sih28.console.office_context",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A database host that does not answer fails the request in seconds (503), not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT_S", default=3)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a lock instead of failing at once, and keep connections per request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "academics.User"

# --- Redis: cache and Celery broker ------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Redis down or silent (docs/operations.md): a cache call waits at most REDIS_TIMEOUT_S, then
# counts as a miss (throttles fail open), and Redis is skipped for REDIS_RETRY_AFTER_S.
REDIS_TIMEOUT_S = env.float("REDIS_TIMEOUT_S", default=0.5)
REDIS_RETRY_AFTER_S = env.float("REDIS_RETRY_AFTER_S", default=3.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sih28",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT_S,
                "SOCKET_TIMEOUT": REDIS_TIMEOUT_S,
                "IGNORE_EXCEPTIONS": True,
                "CONNECTION_POOL_CLASS": "sih28.redis_breaker.BreakerConnectionPool",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL  # embedded: tasks run in-process
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message that is not acknowledged within this time is redelivered to another worker.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
# Queueing a job: one quick retry, then the request answers 503 (not Celery's 3 retries).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

# --- Auth, API ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Each API speed-up layer can be switched off (docs/api.md says what each one pays).
API_LIST_FROM_VALUES = env.bool("API_LIST_FROM_VALUES", default=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sih28.authentication.TokenAuthentication",
        "sih28.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["sih28.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "sih28.filtering.SearchFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "sih28.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "sih28.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "sih28.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sih28.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "sih28.throttling.AnonThrottle",
        "sih28.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/minute"),
        "user": env.str("THROTTLE_USER", default="6000/minute"),
        "auth": env.str("THROTTLE_AUTH", default="10/minute"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # A time of day is HH:MM or HH:MM:SS, no offset (sih28.schema.ClockTimeScheme says so).
    "TIME_INPUT_FORMATS": ["%H:%M", "%H:%M:%S"],
}

# Counts of at least this many rows are cached this long (see sih28.pagination; 0 turns the
# paginator's shortcuts off).
API_COUNT_CACHE_SECONDS = env.int("API_COUNT_CACHE_SECONDS", default=30)
API_COUNT_CACHE_MIN_ROWS = env.int("API_COUNT_CACHE_MIN_ROWS", default=1_000)

# Limits on input (docs/api.md, "Limits on input").
API_SEARCH_MAX_TERMS = env.int("API_SEARCH_MAX_TERMS", default=10)
API_SEARCH_MAX_LENGTH = env.int("API_SEARCH_MAX_LENGTH", default=200)
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
ATTENDANCE_BACKFILL_DAYS = env.int("ATTENDANCE_BACKFILL_DAYS", default=31)

SPECTACULAR_SETTINGS = {
    "TITLE": "SIH28 API",
    "DESCRIPTION": "Academic master data, timetable generation and attendance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sih28.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "timetabling.models.JobStatus",
        "AttendanceStatusEnum": "timetabling.models.AttendanceStatus",
        "DayEnum": "academics.models.Day",
        "DayNameEnum": "academics.models.Day.labels",
    },
}

LOGIN_URL = "/admin/login/"

# --- I18N, static ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Security (docs/security.md) -----------------------------------------------------------
# Off by default so the embedded set-up works over plain HTTP on 127.0.0.1; a deployment
# behind TLS turns them on (``manage.py check --deploy`` is clean once it has).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy: the header it sets and the value meaning HTTPS, as
# "HTTP_X_FORWARDED_PROTO,https". Set it only when the proxy always sets (or strips) it.
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(env.str("SECURE_PROXY_SSL_HEADER", default=""))
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# API tokens (django-rest-knox): only a hash is stored; each expires API_TOKEN_TTL_HOURS
# after it was issued; a password change or POST /api/auth/logout/ revokes them.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=env.float("API_TOKEN_TTL_HOURS", default=10.0)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# --- Logging -----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_DIR = Path(env.str("LOG_DIR", default=str(BASE_DIR / "logs")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # One record per line: control characters in messages are escaped (sih28.logs).
        "line": {
            "class": "sih28.logs.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "filters": {
        # django.log holds the request lines and every WARNING and ERROR record.
        "request_lines_or_warnings": {"()": "sih28.logs.RequestLinesOrWarnings"},
        "not_service_unavailable": {"()": "sih28.logs.NotServiceUnavailable"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
        # The one handler that writes (and rotates) django.log; LOG_DIR is created when
        # logging is configured, not when these settings are read.
        "file": {
            "()": "sih28.logs.rotating_file_handler",
            "filename": str(LOG_DIR / "django.log"),
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
            "formatter": "line",
            "filters": ["request_lines_or_warnings"],
        },
    },
    "root": {"handlers": ["console", "file"], "level": LOG_LEVEL},
    "loggers": {
        # One line per request; the file only, the console stays quiet.
        "sih28.requests": {"handlers": ["file"], "level": "INFO", "propagate": False},
        # Django logs 4xx/5xx itself; the request line already records them.
        "django.request": {
            "handlers": ["console", "file"],
            "level": "ERROR",
            "propagate": False,
            "filters": ["not_service_unavailable"],  # a chosen 503 is not an error
        },
    },
}

# --- Sentry ------------------------------------------------------------------------------

SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
# Empty: ``init_sentry`` names the release after the git commit, only when Sentry is on.
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
# Tracing by kind of work (see sih28/sentry_sampling.py). SENTRY_TRACES_SAMPLE_RATE is the
# rate of commands, beat tasks and anything else; 0 switches tracing off (errors only).
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.2)
# Generation jobs and imports, and the requests that start them.
SENTRY_TRACES_GENERATION_RATE = env.float("SENTRY_TRACES_GENERATION_RATE", default=1.0)
# API and page requests that write (POST, PUT, PATCH, DELETE) ...
SENTRY_TRACES_WRITE_RATE = env.float("SENTRY_TRACES_WRITE_RATE", default=0.2)
# ... and that read (GET, HEAD, OPTIONS). Health checks are never traced.
SENTRY_TRACES_READ_RATE = env.float("SENTRY_TRACES_READ_RATE", default=0.02)
SENTRY_PROFILES_SAMPLE_RATE = env.float("SENTRY_PROFILES_SAMPLE_RATE", default=0.0)
# `manage.py sentry_rules --apply`: where the alert and ownership rules go (REST API).
SENTRY_API_URL = env.str("SENTRY_API_URL", default="https://sentry.io")
SENTRY_ORG = env.str("SENTRY_ORG", default="")
SENTRY_PROJECT = env.str("SENTRY_PROJECT", default="")
SENTRY_AUTH_TOKEN = env.str("SENTRY_AUTH_TOKEN", default="")
# Local development only: "1" (or the sidecar's URL) sends everything to a Spotlight sidecar.
SENTRY_SPOTLIGHT = env.str("SENTRY_SPOTLIGHT", default="")

# --- Timetable generation ----------------------------------------------------------------
GENERATION_TIME_LIMIT_S = env.int("GENERATION_TIME_LIMIT_S", default=60)
GENERATION_MAX_TIME_LIMIT_S = env.int("GENERATION_MAX_TIME_LIMIT_S", default=1800)
GENERATION_WORKERS = env.int("GENERATION_WORKERS", default=2)
# A RUNNING job whose worker has not written a heartbeat for this long is taken for dead:
# the beat task marks it FAILED and a redelivered task may restart it.
GENERATION_HEARTBEAT_TIMEOUT_S = env.int("GENERATION_HEARTBEAT_TIMEOUT_S", default=120)
# A PENDING job that no worker picked up for this long is marked FAILED.
GENERATION_PENDING_TIMEOUT_S = env.int("GENERATION_PENDING_TIMEOUT_S", default=3600)
# With "stay close", the soft cost of moving one published session.
GENERATION_STAY_CLOSE_WEIGHT = env.int("GENERATION_STAY_CLOSE_WEIGHT", default=4)
# How many times a job is (re)started after its worker died before it is failed.
GENERATION_MAX_ATTEMPTS = env.int("GENERATION_MAX_ATTEMPTS", default=2)
# An infeasible job spends at most this long (and at most half its time limit plus 15 s)
# looking for remedies, each verified by the pre-checks and a short solve; 0 switches it off.
GENERATION_REMEDY_BUDGET_S = env.float("GENERATION_REMEDY_BUDGET_S", default=60.0)
CELERY_BEAT_SCHEDULE = {
    "mark-stale-generation-jobs": {
        "task": "timetabling.tasks.mark_stale_jobs_task",
        "schedule": env.float("GENERATION_STALE_CHECK_INTERVAL_S", default=60.0),
    },
}

from sih28.sentry import init_sentry  # noqa: E402
from sih28.sentry_sampling import TraceRates  # noqa: E402

init_sentry(
    dsn=SENTRY_DSN,
    environment=SENTRY_ENVIRONMENT,
    release=SENTRY_RELEASE or None,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    trace_rates=TraceRates(
        generation=SENTRY_TRACES_GENERATION_RATE,
        writes=SENTRY_TRACES_WRITE_RATE,
        reads=SENTRY_TRACES_READ_RATE,
        other=SENTRY_TRACES_SAMPLE_RATE,
    ),
    profiles_sample_rate=SENTRY_PROFILES_SAMPLE_RATE,
    spotlight=SENTRY_SPOTLIGHT,
)
