"""Settings for the improvement plan tracker, driven by environment variables.

Every variable is listed in `.env.example`. SQLite is the default so a fresh clone runs;
`DATABASE_URL` points the app at PostgreSQL.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "crispy_forms",
    "crispy_forms_gds",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "audit",
    "plans",
    "measures",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Near the top, so every response carries the policy (static files, 405s, lockouts, errors).
    "csp.middleware.CSPMiddleware",
    "improvement_tracker.middleware.RefuseTraceMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "improvement_tracker.middleware.NoStoreForSignedInMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "improvement_tracker.middleware.SessionTimeoutMiddleware",
    "improvement_tracker.middleware.TwoFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "audit.middleware.AuditRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

# N+1 queries fail the tests (django-zeal; `make test` sets ZEAL=1). Never in production: it costs time.
if env_bool("ZEAL"):
    INSTALLED_APPS.append("zeal")
    MIDDLEWARE.append("zeal.middleware.zeal_middleware")
    # Django's own content types are fetched once per process and cached; the admin's first look-ups
    # of them are not an N+1 of ours.
    ZEAL_ALLOWLIST = [{"model": "contenttypes.ContentType", "field": "*"}]

ROOT_URLCONF = "improvement_tracker.urls"
WSGI_APPLICATION = "improvement_tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "improvement_tracker.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Prepared statements: psycopg 3 prepares a query on the server once it has run DATABASE_PREPARE_THRESHOLD
    # times on a connection (connections are kept, CONN_MAX_AGE), so PostgreSQL stops parsing and planning the
    # same SQL on every request: 8 → 5 ms of the server's CPU a dashboard (README "Design decisions"). They
    # need server-side binding. Set DATABASE_PREPARE_THRESHOLD=off behind a pooler in transaction mode
    # (PgBouncer without max_prepared_statements), which cannot keep them.
    _threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
    if _threshold not in ("off", "none", ""):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=int(_threshold)
        )


def cache_from_url(url: str) -> dict:
    """CACHE_URL: "db" (the default: a table in the database), "redis://host:port/n", "locmem://" or "dummy://"."""
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url.startswith("locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if url.startswith("dummy://"):
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if url in ("", "db"):
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tracker_cache"}
    raise ImproperlyConfigured(f"CACHE_URL {url!r}: use db, redis://…, locmem:// or dummy://.")


# Shared by every worker (the database or Redis), for computed page data keyed by each plan's
# data version (plans/versioning.py), so it is never stale. `manage.py createcachetable` makes the table.
CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "db"))}
# Keeps two sites (or the benchmark's two databases) apart in one Redis.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "")
# How long a computed dashboard is kept (seconds); a write makes it unreachable sooner.
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", str(60 * 60 * 24)))

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Django's ModelBackend, the user of each request read by a compiled query (plans/backends.py).
    "plans.backends.ModelBackend",
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "improvement_tracker.passwords.ServiceWordsValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "plans:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# Dates the UK way: "1 April 2019".
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
FORMAT_MODULE_PATH = ["improvement_tracker.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Evidence files: the largest accepted (bytes) and how long an invitation link lasts (days).
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "14"))

# Uploaded plans are read in memory; refuse anything bigger than this.
PLAN_IMPORT_MAX_BYTES = int(os.environ.get("PLAN_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
DJANGO_TABLES2_TEMPLATE = "django_tables2/govuk.html"

SERVICE_NAME = os.environ.get("SERVICE_NAME", "Improvement plan tracker")

# Security headers. django-csp: only our own resources, scripts with the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Sessions are read from the shared cache and written through to the database: no query per request
# for the session once it is cached, and nothing lost when the cache is emptied. Django's cached_db,
# its database read compiled once per process (plans/sessions.py).
SESSION_ENGINE = "plans.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The "preload" directive only consents to listing; listing itself is asked for by hand, for a whole
    # registered domain, so it is on by default (and `check --deploy` is clean).
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # __Host- cookies: the browser keeps them only when Secure, Path=/ and without a Domain, so
    # neither a sibling subdomain nor plain http can set or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Sessions end after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after sign-in
# (improvement_tracker/middleware.py), whichever comes first.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_MAX_SECONDS = int(os.environ.get("SESSION_MAX_HOURS", "10")) * 60 * 60
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS

# django-axes: ten failed sign-ins for one username from one address lock that pair out for 15 minutes.
# The address is REMOTE_ADDR: behind a proxy, install django-ipware and set AXES_IPWARE_PROXY_COUNT and
# AXES_IPWARE_META_PRECEDENCE_ORDER (e.g. HTTP_X_FORWARDED_FOR) to the proxy's trusted header, or every
# sign-in appears to come from the proxy.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every command; lockouts are logged to tracker.security
AXES_LOCKOUT_CALLABLE = "plans.twofactor.lockout_response"  # the GOV.UK page templates/429.html

# Two-factor sign-in (django-otp), required of plan managers and superusers (plans/twofactor.py).
OTP_TOTP_ISSUER = SERVICE_NAME

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tracker@localhost")
# SMTP (with EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# Update reminders are emailed from this many days before a meeting's update cut-off.
REMINDER_DAYS_BEFORE = int(os.environ.get("REMINDER_DAYS_BEFORE", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The audit trail: one JSON line an event (audit/services.py); ship it with the other logs.
        "tracker.audit": {"level": "INFO"},
        # axes notes every sign-in at INFO; the audit log has them, and lockouts come at WARNING.
        "axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")},
    },
}
