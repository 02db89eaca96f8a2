"""Jixiao settings. Every value comes from the environment through jixiao.env helpers.

See docs/admin-guide.md for the list of variables.
"""

from datetime import timedelta
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
    "axes",
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
    "evaluations",
    "agencies",
    "surveys",
    "keyevals",
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
    "core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.SecurityPolicyMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
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
# django-axes first: it refuses a throttled client address before any password is checked (accounts/signin.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "accounts.hashers.JixiaoArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Argon2id cost (accounts/hashers.py, docs/decisions/0032): OWASP's recommended minimum by default (19 MiB, 2
# passes, 1 lane), about 25 ms a sign-in instead of Django's 240 ms; raise them where sign-ins are rare.
JIXIAO_ARGON2_TIME_COST = envint("JIXIAO_ARGON2_TIME_COST", 2, minimum=1)
JIXIAO_ARGON2_MEMORY_KIB = envint("JIXIAO_ARGON2_MEMORY_KIB", 19456, minimum=7168)
JIXIAO_ARGON2_PARALLELISM = envint("JIXIAO_ARGON2_PARALLELISM", 1, minimum=1)
# Length, character classes, username and history come from the security policy (accounts.policy).
AUTH_PASSWORD_VALIDATORS = [{"NAME": "accounts.validators.PolicyPasswordValidator"}]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# One date format on every page and in every table (jixiao/formats/zh_Hans/formats.py): 2026-09-15, 2026-09-15 14:30.
FORMAT_MODULE_PATH = ["jixiao.formats"]
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
# Idempotency-Key of the API's create requests (core/idempotency.py, docs/decisions/0027): a key is kept this many
# hours (then `manage.py purge_idempotency_keys` deletes it); a repeat that finds its first still running waits up to
# the given seconds for its result before answering 409.
JIXIAO_IDEMPOTENCY_HOURS = envint("JIXIAO_IDEMPOTENCY_HOURS", 24, minimum=1)
JIXIAO_IDEMPOTENCY_WAIT_SECONDS = envint("JIXIAO_IDEMPOTENCY_WAIT_SECONDS", 10, minimum=0)
# List exports (core/exports.py, docs/decisions/0023): up to this many rows the file is streamed in the request;
# more rows run as a background job whose file its requester downloads from 待办 for the given hours.
JIXIAO_EXPORT_INLINE_ROWS = envint("JIXIAO_EXPORT_INLINE_ROWS", 20000, minimum=1)
JIXIAO_EXPORT_KEEP_HOURS = envint("JIXIAO_EXPORT_KEEP_HOURS", 24, minimum=1)
# Key evaluations (keyevals/letters.py): the reply date a feedback letter (seed 003 附件6) proposes, in days after it
# is sent. *Practice*: the seed leaves the date blank; the organiser may change it on each letter.
JIXIAO_FEEDBACK_DAYS = envint("JIXIAO_FEEDBACK_DAYS", 10, minimum=1)

# The cache (docs/decisions/0029-cheap-shell.md). By default each process keeps its own (local memory): what is
# cached is only ever trusted together with a version read from the database, so processes need not share it.
# JIXIAO_CACHE_URL=redis://127.0.0.1:6379/1 shares one among the workers (install the `redis` package for it).
JIXIAO_CACHE_URL = envstr("JIXIAO_CACHE_URL", "")
if JIXIAO_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": JIXIAO_CACHE_URL}}
elif JIXIAO_CACHE_URL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"配置错误：JIXIAO_CACHE_URL 只支持 redis://（现为 {JIXIAO_CACHE_URL}）")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jixiao"}}
# 待办 counts of the navigation (core/todo.py): cached per user in this cache for at most the given seconds (0: not
# cached); a change that moves a document into or out of someone's 待办 makes them stale at once.
JIXIAO_TODO_CACHE = "default"
JIXIAO_TODO_CACHE_SECONDS = envint("JIXIAO_TODO_CACHE_SECONDS", 30, minimum=0)
# The security policy as the per-request checks read it (accounts/middleware.py): cached for at most the given seconds
# (0: read on every request); saving the policy drops the cached copy (docs/decisions/0029-cheap-shell.md §5).
JIXIAO_POLICY_CACHE_SECONDS = envint("JIXIAO_POLICY_CACHE_SECONDS", 10, minimum=0)

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

# Per-address sign-in throttling (django-axes; accounts/signin.py, docs/decisions/0026-sign-in-throttling.md).
# The per-account lockout is the security policy's; this counts the failed sign-ins (page and API token) from one
# client address, whatever the username, and answers 429 once JIXIAO_SIGNIN_IP_FAILURES of them fell within
# JIXIAO_SIGNIN_IP_COOLOFF_MINUTES. The address is audit.context.client_ip's: X-Real-IP behind the proxy
# (JIXIAO_BEHIND_PROXY=1), else REMOTE_ADDR; X-Forwarded-For is never trusted.
AXES_ENABLED = envbool("JIXIAO_SIGNIN_THROTTLE", True)
AXES_FAILURE_LIMIT = envint("JIXIAO_SIGNIN_IP_FAILURES", 20, minimum=5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("JIXIAO_SIGNIN_IP_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
# Addresses never throttled (e.g. a bureau's one NAT address; each account keeps its own lockout).
AXES_IP_WHITELIST = envlist("JIXIAO_SIGNIN_TRUSTED_ADDRESSES", []) or None
AXES_NEVER_LOCKOUT_WHITELIST = bool(AXES_IP_WHITELIST)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a fixed window: a busy shared address gets back in time
AXES_LOCKOUT_CALLABLE = "accounts.signin.throttled_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit trail already
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

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
