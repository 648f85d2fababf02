"""MentorCircle settings: one module, read from the environment.

Every value has a safe development default. Production (DEBUG=false) refuses to start
without a real SECRET_KEY or an SMTP server and turns on the HTTPS hardening that
`check --deploy` asks for.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets typed generics such as ModelForm[Program] be written as base classes.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-in-production"  # noqa: S105

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is false."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])
# How many proxies in front of the app append to X-Forwarded-For. 0: the client is REMOTE_ADDR
# (the header is ignored, as anyone can send it); N: the N-th address from the right. Rate limits
# and sign-in lockouts count by this address (mentorcircle.core.signin.client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}")
# Set only by `make bench` (bench/harness.py): serves its two baseline pages under /bench/.
BENCHMARK_MODE = env_bool("BENCHMARK_MODE", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # the built-in widget templates, for FORM_RENDERER below
    "allauth",
    "allauth.account",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "mentorcircle.core",
    "mentorcircle.accounts",
    "mentorcircle.programs",
    "mentorcircle.groupsessions",
    "mentorcircle.conversations",
    "mentorcircle.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "mentorcircle.core.middleware.PermissionsPolicy",
    "mentorcircle.core.middleware.RejectNulBytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mentorcircle.accounts.middleware.TimezoneMiddleware",
    # Last, as django-axes asks: turns a locked-out admin sign-in into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mentorcircle.urls"
WSGI_APPLICATION = "mentorcircle.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mentorcircle" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mentorcircle.navigation.navigation",
                "mentorcircle.notifications.context_processors.notices",
            ],
            "builtins": [
                "mentorcircle.core.templatetags.when",
                "mentorcircle.core.templatetags.markup",
            ],
        },
    }
]

# Every form field is drawn by templates/forms/field.html; a refused form opens with a summary.
FORM_RENDERER = "mentorcircle.core.forms.FormRenderer"

# Database: SQLite under var/ by default, anything dj-database-url understands via DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'mentorcircle.sqlite3'}")
# Each web process keeps its connection for CONN_MAX_AGE seconds (0: a new one per request) and
# checks it before reusing it, so a connection the server dropped is replaced, not an error.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so
    # concurrent writers queue (up to the timeout) instead of failing with "database is locked".
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 30),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests get a file, not Django's in-memory default, so threads with their own connections
    # (the concurrency tests) share it; one per process so parallel runs never clobber each other.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses an admin sign-in while that username is locked out from that address.
    "mentorcircle.core.signin.AdminSignInThrottle",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (django-allauth): email is the login; sign in with a password or an emailed code.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "mentorcircle.accounts.adapter.AccountAdapter"
# The account emails' subjects name MentorCircle themselves (templates/account/email/).
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_FORMS = {
    "login": "mentorcircle.accounts.forms.SignInForm",
    "signup": "mentorcircle.accounts.forms.SignUpForm",
    "add_email": "mentorcircle.accounts.forms.AddressAddForm",
    "change_password": "mentorcircle.accounts.forms.PasswordChangeForm",
    "set_password": "mentorcircle.accounts.forms.PasswordSetForm",
    "reset_password": "mentorcircle.accounts.forms.PasswordResetForm",
    "reset_password_from_key": "mentorcircle.accounts.forms.PasswordChooseForm",
    "request_login_code": "mentorcircle.accounts.forms.SignInCodeRequestForm",
    "confirm_login_code": "mentorcircle.accounts.forms.SignInCodeForm",
}
# Members join through their program manager; open sign-up is an operator's choice.
ALLOW_SIGNUP = env_bool("ALLOW_SIGNUP", False)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
# allauth rate-limits sign-ins (and codes, resets, sign-ups) with its defaults, counted in the
# shared cache below by the address TRUSTED_PROXY_COUNT gives (see AccountAdapter.get_client_ip).

# The admin sign-in (/admin/login/) is throttled by django-axes: 10 failures lock that username
# from that address (never everyone behind one proxy) for 15 minutes, counted in the database.
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the admin form's field (axes defaults to USERNAME_FIELD)
AXES_USERNAME_CALLABLE = "mentorcircle.core.signin.admin_username"  # one count per email, any case
AXES_HANDLER = "mentorcircle.core.signin.AdminSignInHandler"  # the database handler, admin only
AXES_CLIENT_IP_CALLABLE = "mentorcircle.core.signin.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # throttling only: successful sign-ins are not recorded
AXES_VERBOSE = False  # no banner on every start
AXES_COOLOFF_MESSAGE = (
    "Too many failed sign-ins for this account from your address: "
    f"try again in {AXES_COOLOFF_TIME.seconds // 60} minutes."
)

# Email: SMTP when EMAIL_HOST is set, otherwise (development only) printed to the console.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if not DEBUG and not EMAIL_HOST:
    raise ImproperlyConfigured(
        "EMAIL_HOST must be set when DEBUG is false: sign-in codes and invitations are sent by email."
    )
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MentorCircle <noreply@mentorcircle.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# Background work: Django's Tasks API. "database" needs no other service (run `manage.py
# db_worker`); "rq" uses Redis (run `manage.py rqworker --with-scheduler`); "immediate" runs
# tasks in the request (tests, debugging).
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL}}
# RQ workers must run jobs through django-tasks-rq's Job class, or every task fails.
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {TASKS_BACKEND!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}

# Cache: holds the sign-in rate limits, so every web process on every host must share it.
# "database" needs no other service (the table comes with the migrations); "redis" uses
# CACHE_URL, a comma-separated list whose first server takes the writes (the others are replicas).
CACHE_BACKEND = env_str("CACHE_BACKEND", "database")
if CACHE_BACKEND == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "mentorcircle_cache",
            # Culling early would forget rate-limit counts; expired entries are removed first.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
elif CACHE_BACKEND == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_list("CACHE_URL", [REDIS_URL]),
            "KEY_PREFIX": "mentorcircle",
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_BACKEND must be database or redis, not {CACHE_BACKEND!r}")

# Video calls: the Jitsi Meet server a program uses unless it names its own, and how long the
# platform waits for a BigBlueButton server to answer.
JITSI_URL = env_str("JITSI_URL", "https://meet.jit.si").rstrip("/")
VIDEO_TIMEOUT = env_int("VIDEO_TIMEOUT", 5)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "mentorcircle" / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere: behaviour lives in static/js/app.js, looks in app.css.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# Browser features no page uses, switched off for the site and anything it might embed.
PERMISSIONS_POLICY_DISABLED = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Through the root's handler only (Django's own console handler would print it twice).
        "django": {"handlers": [], "propagate": True},
        # A refusal (403) or a missing page (404) is answered, not an error: the access log
        # has them; server errors (5xx) are still logged with their traceback.
        "django.request": {"level": "ERROR"},
    },
}
