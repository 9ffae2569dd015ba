"""Carnet settings: every value comes from the environment, with safe development defaults.

Production sets at least CARNET_SECRET_KEY, CARNET_ALLOWED_HOSTS, CARNET_SITE_URL and
CARNET_DEBUG=0; PostgreSQL with DATABASE_URL and a shared job queue with REDIS_URL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("CARNET_DATA_DIR", BASE_DIR / "data")).resolve()
# Patient data: the directory is its owner's alone (carnet/data_files.py keeps it so).
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)

DEBUG = env_bool("CARNET_DEBUG", True)
# The development key is public on purpose: `check --deploy` refuses it, production sets its own.
SECRET_KEY = os.environ.get(
    "CARNET_SECRET_KEY", "django-insecure-carnet-development-key-do-not-use-in-production"
)
ALLOWED_HOSTS = env_list("CARNET_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
SITE_URL = os.environ.get("CARNET_SITE_URL", "http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CARNET_CSRF_TRUSTED_ORIGINS", SITE_URL)

SECURE = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env_bool("CARNET_SSL_REDIRECT", SECURE and not DEBUG)
# Load balancers probe /healthz over plain HTTP on the internal port: answer, don't redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("CARNET_HSTS_SECONDS", "31536000" if SECURE else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
# Behind a TLS proxy (CARNET_BEHIND_PROXY=1), `carnet serve` trusts the X-Forwarded-Proto, -For
# and -Host headers of requests that come from CARNET_TRUSTED_PROXY only (an exact address; the
# default suits a proxy on the same machine, "*" only when nothing but the proxy can reach the
# port): waitress then sets the scheme and REMOTE_ADDR, the real client, from them and drops
# these headers from every other sender. The proxy must set X-Forwarded-Proto and -Host itself
# and append to X-Forwarded-For; CARNET_TRUSTED_PROXY_COUNT counts chained proxies.
BEHIND_PROXY = env_bool("CARNET_BEHIND_PROXY", False)
TRUSTED_PROXY = os.environ.get("CARNET_TRUSTED_PROXY", "127.0.0.1")
TRUSTED_PROXY_COUNT = int(os.environ.get("CARNET_TRUSTED_PROXY_COUNT", "1"))
TRUSTED_PROXY_HEADERS = env_list(
    "CARNET_TRUSTED_PROXY_HEADERS", "x-forwarded-proto,x-forwarded-for,x-forwarded-host"
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Only Carnet's own files; the few inline scripts carry the per-response nonce. Style attributes
# (a colour swatch, the calendar widget's positions) are allowed, <style> elements are not.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The visitor's language choice (?lang=) lives in this cookie, not in a session row.
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

INSTALLED_APPS = [
    # Django's admin, for operators (superusers) only: see carnet/practices/admin_site.py.
    "carnet.practices.admin_site.OperatorsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    # django-ninja: its Swagger UI files, served as our static files (no CDN; docs/api.md).
    "ninja",
    "allauth.mfa",
    "carnet.accounts",
    "carnet.practices",
    "carnet.scheduling",
    "carnet.patients",
    "carnet.feeds",
    "carnet.notifications",
    "carnet.jobs",
    "carnet.workspace",
    "carnet.portal",
    "carnet.api",
    "carnet.calsync",
    "carnet.inbox",
    "carnet.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "carnet.practices.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The practice and the member of /app/<slug>/ requests, and the data scope of every request.
    "carnet.practices.tenancy.TenancyMiddleware",
    "carnet.practices.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "carnet.urls"
WSGI_APPLICATION = "carnet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "carnet" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
# SQLite in the data directory by default; PostgreSQL (psycopg 3) when DATABASE_URL is set.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "carnet.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE: every transaction takes the write lock at BEGIN, so a booking's
                # "is the slot free?" check and its insert can never interleave with another's.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": str(DATA_DIR / "test-carnet.sqlite3")},
        }
    }
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_ADAPTER = "carnet.accounts.adapter.AccountAdapter"
# Mandatory, so that sign-up cannot tell who has an account (a taken address is answered like a
# free one, and its owner gets an email) and nobody can claim an address they cannot read.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming in the browser that signed up finishes that sign-in where it was going (the slot
# being booked); the link opened anywhere else still asks for the password.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
# Failed logins: per account first (strict), then per client address (looser, so that one
# attacker behind an office's NAT is throttled without locking every colleague out). The
# account's limit comes first so that hammering an already locked account costs nothing from the
# address's allowance. The address is REMOTE_ADDR: waitress sets it from the trusted proxy's
# headers; X-Forwarded-For is never read here (ALLAUTH_TRUSTED_PROXY_COUNT stays 0).
# Sign-ups per client address (allauth keys them by address only), and a sign-in code emailed
# (patients who forgot their password book anyway), limited per address and per email.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/key,30/5m/ip",
    "signup": "5/m/ip,30/h/ip",
    "request_login_code": "10/m/ip,3/5m/key",
}
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Two-factor authentication (docs/mfa.md): an authenticator app (TOTP) and recovery codes, for
# any account; a practice may require it of its members (Practice.require_mfa). The codes are
# rate-limited by allauth itself under ACCOUNT_RATE_LIMITS["login_failed"], per account
# ("mfa-auth-user-<id>") and per address: keep that limit on. Used codes are refused a second
# time within their period (in the cache above).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Carnet"
ALLAUTH_TRUSTED_PROXY_COUNT = 0
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

# --- cache (rate limits, feed throttling) ----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache that answers like an empty cache while Redis is unreachable.
            "BACKEND": "carnet.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            # Lets several installations (or test runs) share one Redis without meeting.
            "KEY_PREFIX": os.environ.get("CARNET_CACHE_PREFIX", "carnet"),
            # A Redis that does not answer costs each request seconds at most, not forever.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# --- background jobs: django.tasks on top of Huey -------------------------------------------
# One SQLite queue file in the data directory by default, consumed by the worker embedded in
# `carnet serve`; with REDIS_URL, any number of `carnet worker` processes share a Redis queue.
TASKS = {"default": {"BACKEND": "carnet.jobs.backend.HueyTaskBackend"}}
HUEY_QUEUE_NAME = os.environ.get("CARNET_QUEUE_NAME", "carnet")
HUEY_IMMEDIATE = env_bool("CARNET_JOBS_IMMEDIATE", False)
# At SIGTERM/SIGINT a consumer waits this long for running jobs, then puts them back on the
# queue. Keep it below the service manager's own stop timeout (systemd 90 s, Kubernetes 30 s).
JOBS_SHUTDOWN_TIMEOUT = float(os.environ.get("CARNET_JOBS_SHUTDOWN_TIMEOUT", "20"))

# --- email ------------------------------------------------------------------------------------
# Django 6.1's MAILERS. Development prints emails to the console unless CARNET_EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("CARNET_FROM_EMAIL", "Carnet <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("CARNET_EMAIL_HOST") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("CARNET_EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("CARNET_EMAIL_PORT", "25")),
                "username": os.environ.get("CARNET_EMAIL_USER", ""),
                "password": os.environ.get("CARNET_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("CARNET_EMAIL_TLS", False),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# --- SMS (carnet/notifications/sms/, docs/sms.md) ----------------------------------------------
# CARNET_SMS_BACKEND: "console" (development: prints with a masked number, or appends JSON lines
# to CARNET_SMS_FILE, a path relative to the data directory), "memory" (tests), or "twilio".
SMS_BACKEND = os.environ.get("CARNET_SMS_BACKEND", "console").strip().lower()
SMS_FILE = os.environ.get("CARNET_SMS_FILE", "")
SMS_TIMEOUT = float(os.environ.get("CARNET_SMS_TIMEOUT", "10"))
# Twilio: the account SID and auth token (the token also checks the status callbacks'
# signatures), the sender (a number in E.164, an alphanumeric sender ID, or a Messaging Service
# SID "MG..."), and the API's base URL (another for a Twilio-compatible gateway or the tests'
# emulator). The status callback URL defaults to this site's, when it is public (https).
TWILIO_ACCOUNT_SID = os.environ.get("CARNET_TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("CARNET_TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = os.environ.get("CARNET_TWILIO_FROM", "")
TWILIO_API_URL = os.environ.get("CARNET_TWILIO_API_URL", "https://api.twilio.com").rstrip("/")
TWILIO_STATUS_CALLBACK = os.environ.get(
    "CARNET_TWILIO_STATUS_CALLBACK", f"{SITE_URL}/sms/twilio/status" if SECURE else ""
)

# --- languages and time ------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "carnet" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "carnet" / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- feeds -------------------------------------------------------------------------------------
FEED_RATE_LIMIT = os.environ.get("CARNET_FEED_RATE_LIMIT", "60/h")
# Requests with unknown or revoked feed tokens, per client address, before 429 replaces 404.
FEED_MISS_RATE_LIMIT = os.environ.get("CARNET_FEED_MISS_RATE_LIMIT", "30/h")

# --- API tokens (docs/api.md) --------------------------------------------------------------------
# Requests with unknown or revoked API tokens, per client address, before 429 replaces 401.
API_TOKEN_MISS_RATE_LIMIT = os.environ.get("CARNET_API_TOKEN_MISS_RATE_LIMIT", "30/h")

# --- patient notifications (docs/notifications.md) ----------------------------------------------
# Off (CARNET_NOTIFICATIONS=0) on a staging copy of real data: no patient gets an email or SMS.
NOTIFICATIONS_ENABLED = env_bool("CARNET_NOTIFICATIONS", True)
# Requests to the patients' appointment page (cancel link) per client address.
NOTIFICATIONS_PAGE_RATE_LIMIT = os.environ.get("CARNET_APPOINTMENT_PAGE_RATE_LIMIT", "30/h")
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("CARNET_NOTIFICATIONS_MAX_ATTEMPTS", "5"))
NOTIFICATIONS_RETRY_BASE_SECONDS = float(os.environ.get("CARNET_NOTIFICATIONS_RETRY_BASE", "60"))
NOTIFICATIONS_LEASE_SECONDS = float(os.environ.get("CARNET_NOTIFICATIONS_LEASE", "300"))
NOTIFICATIONS_BATCH_SIZE = int(os.environ.get("CARNET_NOTIFICATIONS_BATCH_SIZE", "100"))

# --- the patients' booking site (docs/portal.md) ------------------------------------------------
# Booking attempts (the confirm form's POST) per client address and per account.
PORTAL_BOOKING_RATE_LIMIT_IP = os.environ.get("CARNET_BOOKING_RATE_LIMIT_IP", "30/h")
PORTAL_BOOKING_RATE_LIMIT_ACCOUNT = os.environ.get("CARNET_BOOKING_RATE_LIMIT_ACCOUNT", "10/h")

# --- staff invitations (docs/settings.md) --------------------------------------------------------
# Requests to the invitation page (/invitations/<token>/) per client address.
INVITATION_RATE_LIMIT = os.environ.get("CARNET_INVITATION_RATE_LIMIT", "30/h")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CARNET_LOG_LEVEL", "WARNING")},
}

# --- Calendar sync (docs/calendar-sync.md) ---
# Fernet keys for OAuth tokens at rest, newest first; empty: derived from SECRET_KEY (dev only).
CALENDAR_TOKEN_KEYS = [
    key.strip() for key in os.environ.get("CARNET_TOKEN_KEYS", "").split(",") if key.strip()
]
# Google's endpoints; tests and `carnet demo` point them at carnet.emulators.google_calendar.
GOOGLE_API_URL = os.environ.get("CARNET_GOOGLE_API_URL", "https://www.googleapis.com").rstrip("/")
GOOGLE_OAUTH_TOKEN_URL = os.environ.get(
    "CARNET_GOOGLE_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token"
)
GOOGLE_OAUTH_AUTH_URL = os.environ.get(
    "CARNET_GOOGLE_OAUTH_AUTH_URL", "https://accounts.google.com/o/oauth2/v2/auth"
)
GOOGLE_CLIENT_ID = os.environ.get("CARNET_GOOGLE_CLIENT_ID", "")
GOOGLE_CLIENT_SECRET = os.environ.get("CARNET_GOOGLE_CLIENT_SECRET", "")
