"""Django settings, read from the environment with embedded defaults.

Every variable is documented in ``docs/settings.md``; see :mod:`smarketing.core.config`.
"""

from __future__ import annotations

import email.utils
from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from smarketing.core import config

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()

SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.env_bool("DEBUG", default=False)
ALLOWED_HOSTS = config.env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = config.env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "smarketing.web",  # first: its templates override Django's (password reset, errors)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "smarketing.core",
    "smarketing.users",
    "smarketing.jobs",
    "smarketing.journal",
    "smarketing.contacts",
    "smarketing.notifications",
    "smarketing.tracking",
    "smarketing.marketing",
    "smarketing.agreement",
    "smarketing.scoring",
    "smarketing.capture",
    "smarketing.imports",
    "smarketing.handoff",
    "smarketing.sla",
    "smarketing.nurturing",
    "smarketing.kpis",
    "smarketing.review",
    "smarketing.mailing",
    "smarketing.webhooks",
    "smarketing.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into the page
]

ROOT_URLCONF = "smarketing.urls"
WSGI_APPLICATION = "smarketing.wsgi.application"

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
                "django.template.context_processors.i18n",
                "smarketing.web.context_processors.shell",
            ],
        },
    },
]

DATABASES = {"default": config.database(config.env("DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # first: refuses a locked-out account or address before any password is checked
    "smarketing.web.lockout.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first (OWASP ASVS 5.0): older PBKDF2 hashes still log in and are upgraded then
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = config.env("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("Français"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise config.ConfigError(f"LANGUAGE_CODE={LANGUAGE_CODE!r} is not supported: use en or fr.")
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = config.env("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_URL = config.env("EMAIL_URL", "file://")
globals().update(config.email(EMAIL_URL, DATA_DIR))
DEFAULT_FROM_EMAIL = config.env("DEFAULT_FROM_EMAIL", "Smarketing <smarketing@localhost>")
MAILING_WEEKLY_CAP = config.env_int("MAILING_WEEKLY_CAP", 3)
MAILING_UNSUBSCRIBE_EMAIL = config.env(
    "MAILING_UNSUBSCRIBE_EMAIL", email.utils.parseaddr(DEFAULT_FROM_EMAIL)[1]
)
MAILING_DKIM_DOMAIN = config.env("MAILING_DKIM_DOMAIN", "")
MAILING_DKIM_SELECTOR = config.env("MAILING_DKIM_SELECTOR", "")
MAILING_DKIM_KEY_FILE = config.env("MAILING_DKIM_KEY_FILE", "")
MAILING_BOUNCE_TOKEN = config.env("MAILING_BOUNCE_TOKEN", "")

TASK_QUEUE = config.env("TASK_QUEUE", "database")
API_RATE_LIMIT = int(config.env("API_RATE_LIMIT", "600"))
TRACKER_RATE_LIMIT = int(config.env("TRACKER_RATE_LIMIT", "120"))
FORM_RATE_LIMIT = int(config.env("FORM_RATE_LIMIT", "10"))
WORKER_LEASE_SECONDS = float(config.env("WORKER_LEASE_SECONDS", "30"))
PIPELINE_SECONDS = float(config.env("PIPELINE_SECONDS", "5"))
SCORING_BATCH = int(config.env("SCORING_BATCH", "50000"))
BASE_URL = config.env("BASE_URL", "http://127.0.0.1:8000")
# Outgoing requests (webhooks): private, loopback and link-local targets refused unless allowed
OUTGOING_ALLOW_PRIVATE = config.env_bool("OUTGOING_ALLOW_PRIVATE", default=False)
OUTGOING_TIMEOUT_SECONDS = config.env_int("OUTGOING_TIMEOUT_SECONDS", 10, minimum=1)
if TASK_QUEUE == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASK_QUEUE.startswith(("redis://", "rediss://")):
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": TASK_QUEUE, "DEFAULT_TIMEOUT": 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    raise config.ConfigError(
        f"TASK_QUEUE={TASK_QUEUE!r} is not supported: use database or redis://host:6379/0."
    )

# Login throttling with django-axes (ADR 0014): failures are counted in the database per account
# and per address; past the limit, even the right password is refused until the window ends.
LOGIN_FAILURE_LIMIT = config.env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = config.env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
TRUSTED_PROXY_COUNT = config.env_int("TRUSTED_PROXY_COUNT", 0)
CLIENT_IP_HEADER = config.env("CLIENT_IP_HEADER", "X-Forwarded-For")
if TRUSTED_PROXY_COUNT and not CLIENT_IP_HEADER:
    raise config.ConfigError(
        "TRUSTED_PROXY_COUNT is set but CLIENT_IP_HEADER is empty: name the header your proxy "
        "sets, e.g. X-Forwarded-For."
    )
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# each parameter alone: one account from any address, and one address on any account
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True  # the handler clears that account's failures from that address
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the window shown to the user holds
AXES_HANDLER = "smarketing.web.lockout.LoginThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "smarketing.web.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "smarketing.web.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # no ever-growing table of every login
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = config.env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# behind TLS (docs/settings.md): HSTS, redirect to HTTPS, the proxy's scheme header
SECURE_HSTS_SECONDS = config.env_int("HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = config.env_bool("HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = config.env_bool("HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = config.env_bool("SSL_REDIRECT", default=False)
if config.env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": config.env("LOG_LEVEL", "INFO")},
    "filters": {"forbidden": {"()": "smarketing.core.logfilters.ForbiddenOnOneLine"}},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failures and lockouts, not every step of each login
        "django.request": {"filters": ["forbidden"]},
        "django.security": {"filters": ["forbidden"]},
    },
}
