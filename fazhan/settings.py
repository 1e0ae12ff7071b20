"""One env-driven settings file. SQLite by default; DATABASE_URL selects PostgreSQL or another SQLite file."""

import base64
import datetime
import hashlib
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fazhan.core.keys import settings_keys

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", default=False)
# The keys: the environment first, then the local key file (core.keys: ./var/fazhan-keys.json or
# FAZHAN_KEY_FILE, mode 0600) that `fazhan migrate`, `fazhan demo` and `make run` write with random keys on
# first run; the tests' fixed keys under pytest. Settings load without any key (a fresh checkout, tests):
# core.keys.keys_missing_or_default() names what is missing or public, for `fazhan serve` to refuse.
if "pytest" in sys.modules:
    os.environ.setdefault("FAZHAN_TEST_KEYS", "1")  # inherited by the processes the tests start
_keys = settings_keys()
SECRET_KEY = _keys["SECRET_KEY"] or "dev-only-insecure-key-change-me-in-production-fazhan"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# The key that turns an ID number into its look-up digests (people.identity). `fazhan keys rotate` changes
# it together with every stored digest.
FAZHAN_ID_LOOKUP_KEY = _keys["FAZHAN_ID_LOOKUP_KEY"] or SECRET_KEY
# The SM4 key (32 hex digits) that encrypts ID numbers, birth dates, sex and household places at rest
# (people.cipher); empty derives one from the SECRET_KEY. Lose it and every stored ID number is lost: keep
# it apart from the backups, and its recovery sheet (`fazhan keys export`) in the safe.
FAZHAN_ID_CIPHER_KEY = _keys["FAZHAN_ID_CIPHER_KEY"]
# The key of the audit trail's record digests (HMAC-SHA256, auditlog.registry); empty derives one from the
# SECRET_KEY. Change it and every digest the trail holds stops matching: set once, keep with the backups.
FAZHAN_TRAIL_KEY = _keys["FAZHAN_TRAIL_KEY"]
# The Ed25519 key that signs the trail's checkpoints and the backups' manifests (auditlog.checkpoints):
# base64 of the raw 32-byte private key. Empty derives a development key from the SECRET_KEY, which
# `fazhan verifytrail` names as such: anyone who knows the SECRET_KEY could sign with it.
FAZHAN_TRAIL_SIGNING_KEY = _keys["FAZHAN_TRAIL_SIGNING_KEY"]
# Where the signed checkpoints of the trail's head are written, one JSON file each: outside the database,
# ideally on another disk or machine (a forger who can rewrite the database and this directory both is
# stopped only by the copies sent to the district).
FAZHAN_CHECKPOINT_DIR = Path(os.environ.get("FAZHAN_CHECKPOINT_DIR", BASE_DIR / "var" / "checkpoints"))
# A checkpoint every this many events (besides the daily one and one at every backup and import); 0: none.
FAZHAN_CHECKPOINT_EVERY = int(os.environ.get("FAZHAN_CHECKPOINT_EVERY", "1000"))
# Where each checkpoint is also POSTed (JSON), e.g. the district's collector; empty: nowhere.
FAZHAN_CHECKPOINT_URL = os.environ.get("FAZHAN_CHECKPOINT_URL", "")
# Look-ups by ID number (the uniqueness check of a registration or a change of number) each user may make
# in an hour; more are refused and the refusal is in the trail (people.services.id_number_lookup).
FAZHAN_ID_LOOKUPS_PER_HOUR = int(os.environ.get("FAZHAN_ID_LOOKUPS_PER_HOUR", "60"))
# The public's pages (each 公示's page and opinion form, issue 15): one path prefix, needing no login, that a
# deployment may expose to the internet while the rest stays on the intranet; the absolute address the printed
# notice's QR code points at; how many opinions one address may send in an hour, and how long one may be.
FAZHAN_PUBLIC_PREFIX = "/" + os.environ.get("FAZHAN_PUBLIC_PREFIX", "/gs/").strip("/") + "/"
FAZHAN_PUBLIC_BASE_URL = os.environ.get("FAZHAN_PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
FAZHAN_PUBLIC_OPINIONS_PER_HOUR = int(os.environ.get("FAZHAN_PUBLIC_OPINIONS_PER_HOUR", "5"))
FAZHAN_PUBLIC_OPINION_MAX_CHARS = int(os.environ.get("FAZHAN_PUBLIC_OPINION_MAX_CHARS", "1000"))
# Applicants who serve themselves (fazhan.applicants, README): how many days a branch's one-time code stays
# good, how many tries (codes, sign-ins) one address may make in an hour, how many wrong PINs lock a record
# for the lock's minutes, and how long an applicant's sign-in lasts without a request.
FAZHAN_APPLICANT_CODE_DAYS = int(os.environ.get("FAZHAN_APPLICANT_CODE_DAYS", "14"))
FAZHAN_APPLICANT_TRIES_PER_HOUR = int(os.environ.get("FAZHAN_APPLICANT_TRIES_PER_HOUR", "10"))
FAZHAN_APPLICANT_PIN_TRIES = int(os.environ.get("FAZHAN_APPLICANT_PIN_TRIES", "5"))
FAZHAN_APPLICANT_LOCK_MINUTES = int(os.environ.get("FAZHAN_APPLICANT_LOCK_MINUTES", "30"))
FAZHAN_APPLICANT_SESSION_MINUTES = int(os.environ.get("FAZHAN_APPLICANT_SESSION_MINUTES", "30"))

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
    "fazhan.holidays",
    "fazhan.people",
    "fazhan.procedure",
    "fazhan.prereview",
    "fazhan.plans",
    "fazhan.talents",
    "fazhan.archive",
    "fazhan.demo",
    "fazhan.inspection",
    "fazhan.selfcheck",
    "fazhan.notices",
    "fazhan.applicants",
    "fazhan.floating",
    "fazhan.training",
    "fazhan.paperwork",
    "ninja",
    "fazhan.api",
    "fazhan.interchange",
    "fazhan.backup",
    "fazhan.jobs",
    "fazhan.desk",
    "fazhan.reminders",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "fazhan.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "fazhan.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fazhan.accounts.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fazhan.accounts.middleware.SecondFactorMiddleware",
    "fazhan.accounts.middleware.PasswordExpiryMiddleware",
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
FAZHAN_SQLITE_SYNCHRONOUS = os.environ.get("FAZHAN_SQLITE_SYNCHRONOUS", "FULL").upper()
if FAZHAN_SQLITE_SYNCHRONOUS not in {"FULL", "NORMAL", "EXTRA"}:
    raise ValueError("FAZHAN_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA")
FAZHAN_SQLITE_BUSY_TIMEOUT = int(os.environ.get("FAZHAN_SQLITE_BUSY_TIMEOUT", "90"))
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at BEGIN so two
        # concurrent writers queue instead of failing half-way through a transaction.
        # synchronous=FULL makes every commit durable against a power cut (NORMAL may lose the last ones
        # in WAL mode); FAZHAN_SQLITE_SYNCHRONOUS=NORMAL trades that for speed where a loss can be redone.
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={FAZHAN_SQLITE_SYNCHRONOUS};",
        "transaction_mode": "IMMEDIATE",
        # A writer waits this long for the lock before "database is locked": longer than the write of the
        # largest import (a district's 10,000 cases write in about 25 s here), so a clerk's step entry beside
        # an import waits for it instead of failing.
        "timeout": FAZHAN_SQLITE_BUSY_TIMEOUT,
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
# The cool-off runs from the lockout: a failed attempt while locked out is refused without being counted, so
# it does not push the end of the lockout further away (axes' default restarts it with every attempt).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Two-factor (TOTP, django-otp): a user holding one of these roles enrols an authenticator at the first login
# (no other page opens before) and gives its code after the password from then on. The only way round it is
# User.second_factor_exempt, which the demo's logins and the test suite's world are created with and nothing
# else can set (accounts.services.user_create).
FAZHAN_2FA_ROLES = os.environ.get(
    "FAZHAN_2FA_ROLES", "district_reviewer,township_approver,sysadmin,secadmin,auditadmin"
).split(",")
OTP_TOTP_ISSUER = "发展党员全程纪实"

# Sessions end after this long without a request (等保 level 3: idle timeout); the session is written again
# at most once a minute (accounts.middleware.IdleTimeoutMiddleware), so it ends 29 to 30 minutes after the
# last request, and with the browser.
FAZHAN_IDLE_TIMEOUT_MINUTES = int(os.environ.get("FAZHAN_IDLE_TIMEOUT_MINUTES", "30"))
SESSION_COOKIE_AGE = FAZHAN_IDLE_TIMEOUT_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Passwords. FAZHAN_PASSWORD_POLICY chooses the rules: "mlps" (GB/T 22239 等保: complexity and periodic
# change, at the assessors' usual values: 8 characters, 3 of the 4 classes upper/lower/digit/symbol, a
# change every 90 days; an expired password sends its user to change it before any page) or "asvs" (OWASP
# ASVS V2.1: at least 12 characters, none of the common or breached passwords of Django's list, no forced
# composition or change). The values can be raised, never lowered below the policy's.
PASSWORD_POLICIES = {
    "mlps": {"min_length": 8, "min_classes": 3, "max_age_days": 90},
    "asvs": {"min_length": 12, "min_classes": 0, "max_age_days": 0},
}
FAZHAN_PASSWORD_POLICY = os.environ.get("FAZHAN_PASSWORD_POLICY", "mlps").lower()
if FAZHAN_PASSWORD_POLICY not in PASSWORD_POLICIES:
    raise ImproperlyConfigured(
        f"FAZHAN_PASSWORD_POLICY={FAZHAN_PASSWORD_POLICY!r}: choose one of {', '.join(PASSWORD_POLICIES)}"
    )
_policy = PASSWORD_POLICIES[FAZHAN_PASSWORD_POLICY]
FAZHAN_PASSWORD_MIN_LENGTH = int(os.environ.get("FAZHAN_PASSWORD_MIN_LENGTH", _policy["min_length"]))
FAZHAN_PASSWORD_MIN_CLASSES = int(os.environ.get("FAZHAN_PASSWORD_MIN_CLASSES", _policy["min_classes"]))
FAZHAN_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("FAZHAN_PASSWORD_MAX_AGE_DAYS", _policy["max_age_days"]))
_least = _policy["min_length"]
if _least > FAZHAN_PASSWORD_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"FAZHAN_PASSWORD_MIN_LENGTH={FAZHAN_PASSWORD_MIN_LENGTH} is below the {FAZHAN_PASSWORD_POLICY} "
        f"policy's {_policy['min_length']}"
    )


def password_validators(*, min_length: int, min_classes: int) -> list[dict]:
    """Django's validators for a policy: like the username, too short, common (Django's list of 20,000
    common and breached passwords), all digits; and, where the policy asks, too few character classes."""
    validators: list[dict] = [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {
            "NAME": "fazhan.accounts.passwords.MinimumLengthValidator",
            "OPTIONS": {"min_length": min_length},
        },
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]
    if min_classes:
        validators.append(
            {
                "NAME": "fazhan.accounts.passwords.CharacterClassesValidator",
                "OPTIONS": {"min_classes": min_classes},
            }
        )
    return validators


AUTH_PASSWORD_VALIDATORS = password_validators(
    min_length=FAZHAN_PASSWORD_MIN_LENGTH, min_classes=FAZHAN_PASSWORD_MIN_CLASSES
)
# Argon2id first (argon2-cffi); a password stored under an older hasher is rehashed with Argon2 at its next
# login (Django does it when the first hasher is not the one that checked it).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# API tokens (fazhan.api) stop working this many days after they are made.
FAZHAN_API_TOKEN_DAYS = int(os.environ.get("FAZHAN_API_TOKEN_DAYS", "90"))
# The API's event webhooks (api/webhooks.py): the seconds one try may take, and how many tries a delivery
# gets (one right after the transaction commits, the others with later events or `fazhan webhooks retry`).
FAZHAN_WEBHOOK_TIMEOUT = float(os.environ.get("FAZHAN_WEBHOOK_TIMEOUT", "5"))
FAZHAN_WEBHOOK_ATTEMPTS = int(os.environ.get("FAZHAN_WEBHOOK_ATTEMPTS", "5"))

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

# Cookies and transport. FAZHAN_HTTPS (default: on unless DEBUG) says the site is served over HTTPS: the
# session and CSRF cookies are then Secure, and browsers are told to use HTTPS only (HSTS, a year). A
# township machine served over plain HTTP on its LAN sets FAZHAN_HTTPS=false, or no browser would send the
# cookies back. Behind a proxy that ends TLS, FAZHAN_BEHIND_TLS_PROXY=true trusts its X-Forwarded-Proto.
FAZHAN_HTTPS = env_bool("FAZHAN_HTTPS", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = FAZHAN_HTTPS
# The pages send the CSRF token from the page itself (base.html's hx-headers), never read from the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = FAZHAN_HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if FAZHAN_HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("FAZHAN_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxies in front that append the client's address to X-Forwarded-For (deploy/'s nginx: 1). The login
# lockout and the public pages' rate limit count the address they saw (core/http.py); 0 ignores the header.
FAZHAN_PROXY_COUNT = int(os.environ.get("FAZHAN_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "fazhan.core.http.client_address"
# One cache for every process of `fazhan serve` (a worker's own memory would give each worker its own count
# of an address's opinions, and forget it at a restart): a table in the database, made by core's migration.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fazhan_cache"}}

# Content-Security-Policy (django-csp): scripts, styles, fonts, images and connections only from the site
# itself; no inline script anywhere, no inline <style> element, no plugin, no framing. The style attributes
# left in the pages are allowed by their hashes alone ('unsafe-hashes' admits exactly these values, nothing
# an injection could add); htmx's own indicator <style> is switched off in base.html and its rules are in
# app.css.
CSP_STYLE_ATTRIBUTES = ("white-space: normal",)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": [
            "'unsafe-hashes'",
            *(
                "'sha256-" + base64.b64encode(hashlib.sha256(v.encode()).digest()).decode() + "'"
                for v in CSP_STYLE_ATTRIBUTES
            ),
        ],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Logs: to the console always; and, when FAZHAN_LOG_DIR is set (the systemd units set it), to files there
# that rotate at midnight and keep FAZHAN_LOG_DAYS days (logging's TimedRotatingFileHandler: nothing to
# install, and no logrotate needed on a township machine). fazhan.log has everything at LOG_LEVEL;
# errors.log the errors alone, so the IT person finds them without reading the rest.
FAZHAN_LOG_DIR = os.environ.get("FAZHAN_LOG_DIR", "")
FAZHAN_LOG_DAYS = int(os.environ.get("FAZHAN_LOG_DAYS", "30"))
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING: dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # What the daily timer and the job worker did is worth a line each even when only warnings are logged.
    "loggers": {"fazhan.daily": {"level": "INFO"}, "django_tasks_db": {"level": "INFO"}},
}
if FAZHAN_LOG_DIR:
    Path(FAZHAN_LOG_DIR).mkdir(parents=True, exist_ok=True)
    for _name, _file, _level in (("file", "fazhan.log", LOG_LEVEL), ("errors", "errors.log", "ERROR")):
        LOGGING["handlers"][_name] = {
            "class": "logging.handlers.TimedRotatingFileHandler",
            "filename": str(Path(FAZHAN_LOG_DIR) / _file),
            "when": "midnight",
            "backupCount": FAZHAN_LOG_DAYS,
            "encoding": "utf-8",
            "formatter": "line",
            "level": _level,
        }
    LOGGING["root"]["handlers"] = ["console", "file", "errors"]

# Mail: the daily digest of `fazhan remind --send` (fazhan.reminders). SMTP from the environment; without
# EMAIL_HOST, localhost:25 (a local relay). EMAIL_USE_TLS is STARTTLS (port 587), EMAIL_USE_SSL TLS from the
# first byte (port 465): one or the other.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL: set one of them, not both")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fazhan@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Reminders. The address the digests' links start with (the site as its users reach it).
FAZHAN_BASE_URL = os.environ.get("FAZHAN_BASE_URL", "http://localhost:8000").rstrip("/")
# The channels a digest goes out by, comma-separated: email, webhook (docs/reminders.md).
FAZHAN_REMINDER_CHANNELS = [
    c.strip() for c in os.environ.get("FAZHAN_REMINDER_CHANNELS", "email").split(",") if c.strip()
]
# The days ahead a digest looks, as the to-do page does.
FAZHAN_REMINDER_WITHIN_DAYS = int(os.environ.get("FAZHAN_REMINDER_WITHIN_DAYS", "31"))
# The province's messaging gateway (企业微信 or SMS): where the JSON goes, the shared secret of its
# HMAC-SHA256 signature, the seconds one try may take, how many tries, and the first pause between them
# (doubled after each).
FAZHAN_REMINDER_WEBHOOK_URL = os.environ.get("FAZHAN_REMINDER_WEBHOOK_URL", "")
FAZHAN_REMINDER_WEBHOOK_SECRET = os.environ.get("FAZHAN_REMINDER_WEBHOOK_SECRET", "")
FAZHAN_REMINDER_WEBHOOK_TIMEOUT = float(os.environ.get("FAZHAN_REMINDER_WEBHOOK_TIMEOUT", "10"))
FAZHAN_REMINDER_WEBHOOK_ATTEMPTS = int(os.environ.get("FAZHAN_REMINDER_WEBHOOK_ATTEMPTS", "3"))
FAZHAN_REMINDER_WEBHOOK_BACKOFF = float(os.environ.get("FAZHAN_REMINDER_WEBHOOK_BACKOFF", "2"))

# WhiteNoise serves the project's own static files (htmx, ECharts, CSS) from the app itself, so a township
# machine runs Fazhan with no web server in front and no CDN. Under `fazhan serve` (FAZHAN_STATIC_MANIFEST,
# which the command sets before the settings load) the files are collected into STATIC_ROOT with hashed
# names and gzip/brotli copies (CompressedManifestStaticFilesStorage), served with a year's cache; under
# runserver and the tests they are found in the apps as they are, with no collectstatic.
# FAZHAN_STATIC_COMPRESS=false keeps the hashed names without the compressed copies (which take a couple of
# minutes to make here: the tests of `fazhan serve` skip them).
FAZHAN_STATIC_MANIFEST = env_bool("FAZHAN_STATIC_MANIFEST")
FAZHAN_STATIC_COMPRESS = env_bool("FAZHAN_STATIC_COMPRESS", default=True)
if not FAZHAN_STATIC_MANIFEST:
    _static_storage = "django.contrib.staticfiles.storage.StaticFilesStorage"
elif FAZHAN_STATIC_COMPRESS:
    _static_storage = "whitenoise.storage.CompressedManifestStaticFilesStorage"
else:
    _static_storage = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _static_storage},
}
# Source maps are for a developer's browser: not worth compressing (they are most of the bytes).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv",
    "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv", "map",
)  # fmt: skip
if FAZHAN_STATIC_MANIFEST and not STATIC_ROOT:
    STATIC_ROOT = str(BASE_DIR / "var" / "static")
WHITENOISE_USE_FINDERS = not FAZHAN_STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG and not FAZHAN_STATIC_MANIFEST

# Background jobs (fazhan.jobs). "queue": a job is a task in the database (django-tasks with its database
# backend, django-tasks-db: the ORM on both engines, no other server) that `fazhan worker` runs, so it
# survives a restart of the web server and a dead worker's job is run again when a worker starts. "thread":
# the job runs on a thread of the web process, as under runserver and the tests (no worker to start).
# `fazhan serve` and `fazhan worker` set "queue" before the settings load; anything else defaults to thread.
FAZHAN_JOBS = os.environ.get("FAZHAN_JOBS", "thread")
if FAZHAN_JOBS not in {"thread", "queue"}:
    raise ImproperlyConfigured(f"FAZHAN_JOBS={FAZHAN_JOBS!r}: choose thread or queue")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# `fazhan daily` (the daily timer): how many daily backups to keep, and how many monthly ones (the first
# backup of each month) beyond them.
FAZHAN_BACKUP_DIR = Path(os.environ.get("FAZHAN_BACKUP_DIR", BASE_DIR / "var" / "backups"))
FAZHAN_BACKUP_KEEP_DAILY = int(os.environ.get("FAZHAN_BACKUP_KEEP_DAILY", "14"))
FAZHAN_BACKUP_KEEP_MONTHLY = int(os.environ.get("FAZHAN_BACKUP_KEEP_MONTHLY", "12"))

# The yearly planning cycle (notice 一; local practice, so settings): the month the base orgs send their
# requests for next year's plan, and the month the district hands down its guiding plan for the year.
FAZHAN_CYCLE_REQUEST_MONTH = int(os.environ.get("FAZHAN_CYCLE_REQUEST_MONTH", "11"))
FAZHAN_CYCLE_GUIDE_MONTH = int(os.environ.get("FAZHAN_CYCLE_GUIDE_MONTH", "2"))
if not (1 <= FAZHAN_CYCLE_REQUEST_MONTH <= 12 and 1 <= FAZHAN_CYCLE_GUIDE_MONTH <= 12):
    raise ImproperlyConfigured(
        "FAZHAN_CYCLE_REQUEST_MONTH and FAZHAN_CYCLE_GUIDE_MONTH must be months, 1 to 12"
    )
