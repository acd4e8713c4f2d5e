"""Settings for Rectify, in one file.

Every value that differs between a laptop, CI and production comes from the environment
through the typed helpers below, so a fresh checkout runs on SQLite with no set-up at all.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    # A tiny reader for KEY=VALUE lines: enough for `.env`, and real environment variables
    # always win so CI and process managers stay in control.
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _sep, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_load_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# Served over HTTPS: secure cookies, HSTS and the SSL redirect. Production is HTTPS; `make run`
# serves production settings over plain HTTP on the local machine and so turns this off.
HTTPS = env_bool("HTTPS", not DEBUG)
SECRET_KEY = env_str(
    "SECRET_KEY", "insecure-development-key-change-me-in-production-0123456789abcdef"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Domain apps, lowest layer first (see STYLE: each imports only from those above it here).
    "core",
    "organization",
    "security",
    "sso",
    "ledger",
    "recurring",
    "reporting",
    "notifications",
    "documents",
    "meetings",
    "regulations",
    "dashboards",
    "compliance",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.ErrorPageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, one session per account, an owed password change or second factor.
    "security.middleware.SessionSecurityMiddleware",
    # Reads POST bodies (a broken upload becomes a message) and runs one-time-token forms once.
    "core.submission.SubmissionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Axes last, as its documentation asks, so it sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves its static files itself; in development runserver does.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.context_processors.shell",
                "security.middleware.session_security",
            ],
        },
    },
]

# Database: SQLite unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # The same SQLite, with a flush that knows the audit trail's append-only triggers.
    _db["ENGINE"] = "core.backends.sqlite3"
    _db["OPTIONS"] = {
        # IMMEDIATE makes every atomic block take the write lock up front, so two writers
        # queue on the busy timeout instead of failing with "database is locked" mid-way.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
DATABASES = {"default": _db}
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # The organization's security policy: length, character classes, history.
    {"NAME": "security.validators.PolicyPasswordValidator"},
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if env_bool("FAST_PASSWORD_HASHER", False):
    # Tests and benchmarks log in thousands of times; PBKDF2 would dominate their run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock an account+address pair after repeated failures. The limit is the
# account's organization's security policy; AXES_FAILURE_LIMIT is the one for unknown names.
SECURITY_DEFAULT_LOCKOUT_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_FAILURE_LIMIT = "security.lockout.failure_limit"
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False

# The second factor: TOTP codes from any authenticator app, named after the product in it.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Rectify")

# Single sign-on (统一身份认证), each method off unless configured; see docs/sso.md. An identity
# is matched to an existing person by SSO_MATCH_ATTRIBUTE: "employee_number" (工号), "username"
# or "email". Nobody is ever created by a sign-in; local passwords keep working beside it.
SSO_MATCH_ATTRIBUTE = env_str("SSO_MATCH_ATTRIBUTE", "username")
# CAS (django-cas-ng): the server's address turns it on.
CAS_SERVER_URL = env_str("CAS_SERVER_URL", "")
CAS_VERSION = env_str("CAS_VERSION", "3")
CAS_CREATE_USER = False
# The attribute of the CAS answer that carries the identity; empty: the CAS user name itself.
SSO_CAS_ATTRIBUTE = env_str("SSO_CAS_ATTRIBUTE", "")
# LDAP (django-auth-ldap): the server's address turns it on; the sign-in form checks the
# password against the directory, then against the local account.
AUTH_LDAP_SERVER_URI = env_str("LDAP_SERVER_URI", "")
AUTH_LDAP_BIND_DN = env_str("LDAP_BIND_DN", "")
AUTH_LDAP_BIND_PASSWORD = env_str("LDAP_BIND_PASSWORD", "")
AUTH_LDAP_START_TLS = env_bool("LDAP_START_TLS", False)
SSO_LDAP_USER_BASE = env_str("LDAP_USER_BASE", "")
SSO_LDAP_USER_FILTER = env_str("LDAP_USER_FILTER", "(uid=%(user)s)")
AUTH_LDAP_NO_NEW_USERS = True
# The directory checks the password; it writes nothing into the account.
AUTH_LDAP_ALWAYS_UPDATE_USER = False
# The directory attribute that carries the identity; empty: the name typed in the form.
SSO_LDAP_ATTRIBUTE = env_str("SSO_LDAP_ATTRIBUTE", "")
if AUTH_LDAP_SERVER_URI and SSO_LDAP_USER_BASE:
    from django_auth_ldap.config import LDAPSearch
    from ldap import SCOPE_SUBTREE

    AUTH_LDAP_USER_SEARCH = LDAPSearch(SSO_LDAP_USER_BASE, SCOPE_SUBTREE, SSO_LDAP_USER_FILTER)
# OpenID Connect (mozilla-django-oidc): the client id turns it on.
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid profile email")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_ENDPOINT", "") or None
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:oidc_callback"
# The claim (ID token or userinfo) that carries the identity.
SSO_OIDC_CLAIM = env_str("SSO_OIDC_CLAIM", "preferred_username")
# The college's identity service authenticates: after a CAS or OIDC sign-in the authenticator-app
# code is asked only of those the security policy requires it of (the administrators, the office,
# or everyone), or of everyone with an app when this is on. An LDAP password goes through the
# sign-in form and its second step like a local one.
SSO_SECOND_FACTOR = env_bool("SSO_SECOND_FACTOR", False)
if AUTH_LDAP_SERVER_URI:
    AUTHENTICATION_BACKENDS.insert(1, "sso.backends.LDAPBackend")
if CAS_SERVER_URL:
    AUTHENTICATION_BACKENDS.append("sso.backends.CASBackend")
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("sso.backends.OIDCBackend")
# Overrides the policy's idle timeout (in seconds); only tests set it, to wait seconds.
SECURITY_IDLE_TIMEOUT_SECONDS: int | None = None

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
# `manage.py backup` writes rows with every microsecond (the audit chain hashes them).
SERIALIZATION_MODULES = {"exactjsonl": "core.serializers_exact"}

# Uploaded evidence, job uploads and results live outside every URL space and are served only
# through scoped views. They are kept on local disk under PRIVATE_STORAGE_ROOT unless
# PRIVATE_STORAGE_S3_BUCKET names a bucket of S3-compatible object storage, which every app
# server and the worker then share.
PRIVATE_STORAGE_ROOT = Path(env_str("PRIVATE_STORAGE_ROOT", str(BASE_DIR / "var" / "private")))
MEDIA_ROOT = PRIVATE_STORAGE_ROOT
PRIVATE_STORAGE_S3_BUCKET = env_str("PRIVATE_STORAGE_S3_BUCKET", "")
# Downloads normally stream through the app after the scope check. With this on (object storage
# only), a download answers with a redirect to a presigned URL valid for the given seconds,
# issued after the same check; the object store must then be reachable from the browsers.
PRIVATE_STORAGE_PRESIGNED_DOWNLOADS = env_bool("PRIVATE_STORAGE_PRESIGNED_DOWNLOADS", False)
PRIVATE_STORAGE_PRESIGNED_SECONDS = env_int("PRIVATE_STORAGE_PRESIGNED_SECONDS", 60)
if PRIVATE_STORAGE_S3_BUCKET:
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PRIVATE_STORAGE_S3_BUCKET,
            "endpoint_url": env_str("PRIVATE_STORAGE_S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("PRIVATE_STORAGE_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("PRIVATE_STORAGE_S3_SECRET_ACCESS_KEY", "") or None,
            "region_name": env_str("PRIVATE_STORAGE_S3_REGION", "") or None,
            "location": env_str("PRIVATE_STORAGE_S3_PREFIX", "").strip("/"),
            "addressing_style": env_str("PRIVATE_STORAGE_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            # Objects are private; the only URLs ever made are presigned ones, short-lived.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": PRIVATE_STORAGE_PRESIGNED_SECONDS,
            # Names are chosen by the app (a content hash, a job's folder), never by uploaders.
            "file_overwrite": True,
            # An object read by the app (a download, an import) is buffered in a temporary
            # file past 2 MB rather than held in memory whole.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
else:
    _private_storage = {"BACKEND": "core.files.PrivateFileSystemStorage"}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
    "private": _private_storage,
}

# Sessions are rows in the database (Django's default engine, named here so it stays so): any
# app server reads the sign-in another one made. The cache is per process unless CACHE_URL
# names a Redis server, which all app servers then share.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "rectify"),
            # A Redis that stops answering fails a call within a second instead of redis-py's
            # default of waiting on the socket: every use of the cache has an answer without it.
            "OPTIONS": {
                "socket_connect_timeout": 1.0,
                "socket_timeout": 1.0,
            },
        }
    }
elif CACHE_URL:
    raise ValueError("CACHE_URL must be a redis://, rediss:// or unix:// address, or empty")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long the dashboard's figures are kept for a person at most (seconds; 0: computed on
# every request). Any write through the product makes new ones at once (see
# `dashboards.selectors.dashboard_figures`); the bound is for changes made around it.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 600)
# Where the audit chain head is copied, outside the database (see `manage.py audit_checkpoint`).
# Retention. The audit trail is never deleted by the product; AUDIT_RETENTION_MONTHS states how
# long it is kept at least (empty: for ever) and may not be below 6 (a system check refuses it).
_audit_months = env_str("AUDIT_RETENTION_MONTHS", "")
AUDIT_RETENTION_MONTHS: int | None = int(_audit_months) if _audit_months.strip() else None
AUDIT_RETENTION_MIN_MONTHS = 6
# `manage.py prune_records` deletes notifications and finished background jobs older than these.
NOTIFICATION_RETENTION_DAYS = env_int("NOTIFICATION_RETENTION_DAYS", 365)
JOB_RETENTION_DAYS = env_int("JOB_RETENTION_DAYS", 30)
# The self-check expects a backup (`manage.py backup`) and a verification of the audit
# chain at least this recent.
BACKUP_MAX_AGE_DAYS = env_int("BACKUP_MAX_AGE_DAYS", 7)
AUDIT_VERIFY_MAX_AGE_DAYS = env_int("AUDIT_VERIFY_MAX_AGE_DAYS", 31)

AUDIT_CHECKPOINT_PATH = Path(
    env_str("AUDIT_CHECKPOINT_PATH", str(BASE_DIR / "var" / "audit-checkpoint.jsonl"))
)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 50) * 1024 * 1024
EVIDENCE_ALLOWED_TYPES = env_list(
    "EVIDENCE_ALLOWED_TYPES",
    ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "jpg", "png", "txt"],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "rectify@localhost")
NOTIFICATION_WEBHOOK_URL = env_str("NOTIFICATION_WEBHOOK_URL", "")
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 5)
# Send queued deliveries right after the action that caused them commits (run_reminders
# retries whatever fails); off means deliveries wait for the next scheduler run.
NOTIFICATION_SEND_ON_COMMIT = env_bool("NOTIFICATION_SEND_ON_COMMIT", True)
NOTIFICATION_WEBHOOK_TIMEOUT = env_int("NOTIFICATION_WEBHOOK_TIMEOUT", 10)
# Work notices to a person (DingTalk 工作通知, WeCom 应用消息) through the organization's own app.
# A channel is offered to people only when all three of its credentials are set. The base
# addresses can point at an intranet proxy.
DINGTALK_APP_KEY = env_str("DINGTALK_APP_KEY", "")
DINGTALK_APP_SECRET = env_str("DINGTALK_APP_SECRET", "")
DINGTALK_AGENT_ID = env_str("DINGTALK_AGENT_ID", "")
DINGTALK_API_BASE = env_str("DINGTALK_API_BASE", "https://oapi.dingtalk.com")
WECOM_CORP_ID = env_str("WECOM_CORP_ID", "")
WECOM_SECRET = env_str("WECOM_SECRET", "")
WECOM_AGENT_ID = env_str("WECOM_AGENT_ID", "")
WECOM_API_BASE = env_str("WECOM_API_BASE", "https://qyapi.weixin.qq.com/cgi-bin")

# Background tasks (imports, exports, reminders, deliveries): the django-tasks framework with its
# database backend, so no broker is needed on SQLite or PostgreSQL; `manage.py run_worker` runs
# them and the periodic schedule. The test suite runs tasks inline (the immediate backend).
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# The worker enqueues the reminder run (run_reminders) this often, in seconds.
REMINDERS_EVERY = env_int("REMINDERS_EVERY", 300)
# A running job whose worker is gone, or whose progress has not moved for this many seconds,
# is retried once and then marked failed.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 600)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 2)
# What the worker queues periodically (task path: every so many seconds); this replaces cron.
WORKER_SCHEDULE = {"notifications.tasks.reminders_task": REMINDERS_EVERY}
# Called by the worker between tasks, every few seconds.
WORKER_HOUSEKEEPING: list[str] = []

# Security headers. The strict ones switch on whenever the site is served over HTTPS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # the evidence preview view alone allows same-origin framing
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
if HTTPS:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline scripts anywhere: every script is a vendored or project file under /static/.
# Inline style attributes stay allowed because progress bars set their width that way.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The REST API (/api/v1/): personal tokens only (a browser session does not reach it, so the
# session's idle and second-factor gates and CSRF stay with the pages), JSON errors with a stable
# code, bounded pages and a request budget per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.PersonalTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_RATE", "600/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rectify API",
    "DESCRIPTION": "巡视整改工作平台 REST API. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# A list filter left at its empty choice reads "All" (全部), not django-filter's dashes.
FILTERS_EMPTY_CHOICE_LABEL = _("All")
