"""One env-driven settings file. SQLite by default; DATABASE_URL selects PostgreSQL or another SQLite file."""

import datetime
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-fazhan")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# The key that turns an ID number into its look-up digest (people.identity). Changing it orphans every
# stored digest, so production sets it once and keeps it with the backups.
FAZHAN_ID_LOOKUP_KEY = os.environ.get("FAZHAN_ID_LOOKUP_KEY", SECRET_KEY)
# The SM4 key (32 hex digits) that encrypts ID numbers at rest (people.cipher); empty derives one from the
# SECRET_KEY (development only). Lose it and every stored ID number is lost: keep it apart from the backups.
FAZHAN_ID_CIPHER_KEY = os.environ.get("FAZHAN_ID_CIPHER_KEY", "")
# The key of the audit trail's record digests (HMAC-SHA256, auditlog.registry); empty derives one from the
# SECRET_KEY. Change it and every digest the trail holds stops matching: set once, keep with the backups.
FAZHAN_TRAIL_KEY = os.environ.get("FAZHAN_TRAIL_KEY", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "fazhan.core.admin_site.FazhanAdminConfig",
    "django_htmx",
    "fazhan.core",
    "fazhan.auditlog",
    "fazhan.organizations",
    "fazhan.accounts",
    "fazhan.people",
    "fazhan.procedure",
    "fazhan.prereview",
    "fazhan.plans",
    "fazhan.archive",
    "fazhan.demo",
    "fazhan.inspection",
    "fazhan.notices",
    "ninja",
    "fazhan.api",
    "fazhan.interchange",
    "fazhan.backup",
    "fazhan.jobs",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
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
    "django_htmx.middleware.HtmxMiddleware",
    "fazhan.accounts.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fazhan.accounts.middleware.SecondFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fazhan.urls"

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
                "fazhan.accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "fazhan.wsgi.application"

DEFAULT_SQLITE = f"sqlite:///{BASE_DIR / 'fazhan.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at BEGIN so two
        # concurrent writers queue instead of failing half-way through a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests run on a file too, not SQLite's shared in-memory cache, whose table locks fail at once where a
    # real database file makes the second writer wait (the one-writer-per-case test depends on it).
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("FAZHAN_TEST_SQLITE", str(BASE_DIR / ".test-fazhan.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login hardening (accounts.security). Axes counts failed logins per username and address and locks that
# pair out after FAZHAN_LOGIN_FAILURE_LIMIT failures for FAZHAN_LOGIN_COOLOFF_MINUTES; its backend comes
# first so a locked-out pair never reaches the password check.
AUTHENTICATION_BACKENDS = [
    "fazhan.accounts.security.LoginAttemptBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("FAZHAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("FAZHAN_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fazhan.accounts.views.login_locked_out"
AXES_USERNAME_CALLABLE = "fazhan.accounts.security.login_attempt_username"
AXES_VERBOSE = False
# Two-factor (TOTP, django-otp): a user holding one of these roles who has enrolled an authenticator must
# give its code after the password; FAZHAN_REQUIRE_2FA makes those roles enrol before anything else.
FAZHAN_2FA_ROLES = os.environ.get("FAZHAN_2FA_ROLES", "district_reviewer,township_approver,sysadmin").split(
    ","
)
FAZHAN_REQUIRE_2FA = env_bool("FAZHAN_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "发展党员全程纪实"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["fazhan.formats"]
LOCALE_PATHS = [BASE_DIR / "fazhan" / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None  # set for collectstatic in production
MEDIA_ROOT = Path(os.environ.get("FAZHAN_MEDIA_ROOT", BASE_DIR / "media"))
# Attached scans (archive): the largest file accepted.
FAZHAN_ATTACHMENT_MAX_BYTES = int(os.environ.get("FAZHAN_ATTACHMENT_MAX_MB", "20")) * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# WhiteNoise serves the project's own static files (htmx, ECharts, CSS) from the app itself, so a township
# machine runs Fazhan with no web server in front and no CDN.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
