"""Jixiao settings. Every value comes from the environment through jixiao.env helpers.

See docs/admin-guide.md for the list of variables.
"""

from pathlib import Path

from csp.constants import NONCE

from core.clock import parse_business_date
from jixiao.env import check_production, envbool, envdatabase, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("JIXIAO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("JIXIAO_DEBUG", False)
# A production installation says so; start-up then refuses the defaults that only suit a checkout
# (check_production below, docs/admin-guide.md §4).
PRODUCTION = envbool("JIXIAO_PRODUCTION", False)
SECRET_KEY = envstr("JIXIAO_SECRET_KEY", "")
_SECRET_KEY_GIVEN = bool(SECRET_KEY)
if not SECRET_KEY:
    # A local checkout keeps a generated key under var/ so sessions survive restarts.
    _key_file = VAR_DIR / "secret_key"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _key_file.read_text().strip()

# The key of the audit chain's HMAC (audit/hashing.py): kept out of the database, so whoever can write
# the audit table cannot recompute the chain. A checkout derives one from SECRET_KEY; production must set
# its own (check_production below, docs/decisions/0021-keyed-audit-chain.md).
JIXIAO_AUDIT_KEY = envstr("JIXIAO_AUDIT_KEY", "")
_AUDIT_KEY_GIVEN = bool(JIXIAO_AUDIT_KEY)
if not JIXIAO_AUDIT_KEY:
    import hashlib

    JIXIAO_AUDIT_KEY = hashlib.sha256(f"jixiao audit key:{SECRET_KEY}".encode()).hexdigest()
# Audit checkpoints (row count, last id, last hash) appended outside the database by `audit_checkpoint`.
JIXIAO_AUDIT_CHECKPOINT_FILE = Path(envstr("JIXIAO_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.jsonl")))

_DEFAULT_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ALLOWED_HOSTS = envlist("JIXIAO_ALLOWED_HOSTS", _DEFAULT_HOSTS)
CSRF_TRUSTED_ORIGINS = envlist("JIXIAO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "core",
    "organisations",
    "accounts",
    "audit",
    "workflow",
    "reports",
    "subjects",
    "assessments",
    "indicators",
    "targets",
    "execution",
    "monitoring",
    "demo",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.SecurityPolicyMiddleware",
    "audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "jixiao.urls"
WSGI_APPLICATION = "jixiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "core.context_processors.shell",
            ],
            "builtins": ["core.templatetags.jixiao"],
        },
    },
]

DATABASES = {"default": envdatabase("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jixiao.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Length, character classes, username and history come from the security policy (accounts.policy).
AUTH_PASSWORD_VALIDATORS = [{"NAME": "accounts.validators.PolicyPasswordValidator"}]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = envstr("JIXIAO_TIME_ZONE", "Asia/Shanghai")
# The business date (core/clock.py): empty follows the wall clock; a demo or training installation fixes it
# (an ISO date, or "demo" for the day the demo city is made for). `make run` sets "demo".
JIXIAO_BUSINESS_DATE = envstr("JIXIAO_BUSINESS_DATE", "")
parse_business_date(JIXIAO_BUSINESS_DATE)  # a malformed date stops start-up
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads: one Excel import may not exceed this (bytes); bigger requests are refused with a message.
JIXIAO_MAX_UPLOAD_BYTES = envint("JIXIAO_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = JIXIAO_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Treasury payment / budget allocation files (CSV or XLSX) are far larger than the Excel imports: a
# 1,000,000-row payment CSV is about 80 MB (execution/, docs/decisions/0014).
JIXIAO_EXECUTION_MAX_UPLOAD_BYTES = envint("JIXIAO_EXECUTION_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1024)
# Import jobs whose worker died (imports/liveness.py, docs/decisions/0022): a running job beats about six times
# per limit; one whose last heartbeat is older than the limit (seconds) is failed by the reaper. Staging tables
# without a running job are dropped after the given hours (execution/loading/orphans.py).
JIXIAO_JOB_STALE_SECONDS = envint("JIXIAO_JOB_STALE_SECONDS", 180, minimum=2)
JIXIAO_STAGING_STALE_HOURS = envint("JIXIAO_STAGING_STALE_HOURS", 6, minimum=1)

# Sessions and cookies (等保三级). Idle expiry is applied per request from the security policy.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
# Secure cookies need HTTPS. Production sets nothing and gets True; `make run` serves plain HTTP on
# 127.0.0.1 and sets JIXIAO_SECURE_COOKIES=0 (docs/decisions/0004-secure-cookies.md).
SESSION_COOKIE_SECURE = envbool("JIXIAO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
JIXIAO_BEHIND_PROXY = envbool("JIXIAO_BEHIND_PROXY", False)
if JIXIAO_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: only the app's own origin (data: for the inline SVG icons in Tabler's CSS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
FILTERS_EMPTY_CHOICE_LABEL = "全部"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "core/table.html"
DJANGO_TABLES2_PAGE_RANGE = 7

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "core.api_auth.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api_auth.GatePermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Production serves JSON only: the browsable API's HTML forms are a second way to read choices (issue 11).
    # A developer gets it back with JIXIAO_DEBUG=1.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PAGINATION_CLASS": "core.api_auth.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "绩效 Jixiao API",
    "DESCRIPTION": "全过程预算绩效管理信息系统 REST API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

TASKS = {
    "default": {
        "BACKEND": envstr("JIXIAO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("JIXIAO_LOG_LEVEL", "WARNING")},
    # Audit checkpoints always reach the log (journald, or a remote syslog): one of their copies outside the DB.
    "loggers": {"jixiao.audit.checkpoint": {"level": "INFO"}},
}

if PRODUCTION:
    check_production(
        debug=DEBUG,
        secret_key_given=_SECRET_KEY_GIVEN,
        secret_key=SECRET_KEY,
        audit_key_given=_AUDIT_KEY_GIVEN,
        audit_key=JIXIAO_AUDIT_KEY,
        allowed_hosts=ALLOWED_HOSTS,
        default_hosts=_DEFAULT_HOSTS,
        database=DATABASES["default"],
        secure_cookies=SESSION_COOKIE_SECURE,
        business_date=JIXIAO_BUSINESS_DATE,
    )
