"""Settings of ganxun: one file, driven by GANXUN_* environment variables.

A fresh clone runs with no configuration at all: SQLite under var/, a SQLite
job queue, keys generated once into var/keys.json. Production sets
GANXUN_DATABASE_URL (PostgreSQL), GANXUN_REDIS_URL and the four keys.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"GANXUN_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_keys() -> dict[str, str]:
    """Keys for a machine without GANXUN_*_KEY variables, made once and kept in var/.

    Losing var/keys.json makes encrypted personal data unreadable, so `backup`
    reminds the operator to keep it; production passes the keys by environment.
    """
    path = VAR_DIR / "keys.json"
    if path.exists():
        return json.loads(path.read_text())
    keys = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "AUDIT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    path.write_text(json.dumps(keys, indent=2))
    path.chmod(0o600)
    return keys


if TESTING:
    # Fixed keys so tests are repeatable; never used outside the test run.
    _keys = {
        "SECRET_KEY": "test-secret-key-not-for-production-" + "x" * 20,
        "DATA_KEY": base64.b64encode(b"d" * 32).decode(),
        "HASH_KEY": base64.b64encode(b"h" * 32).decode(),
        "AUDIT_KEY": base64.b64encode(b"a" * 32).decode(),
    }
elif all(env(k) for k in ("SECRET_KEY", "DATA_KEY", "HASH_KEY", "AUDIT_KEY")):
    _keys = {k: env(k) for k in ("SECRET_KEY", "DATA_KEY", "HASH_KEY", "AUDIT_KEY")}
elif any(env(k) for k in ("SECRET_KEY", "DATA_KEY", "HASH_KEY", "AUDIT_KEY")):
    # Half a set would silently pair production keys with generated ones.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Set all four of GANXUN_SECRET_KEY, GANXUN_DATA_KEY, GANXUN_HASH_KEY, GANXUN_AUDIT_KEY, or none."
    )
else:
    _keys = _local_keys()

SECRET_KEY = _keys["SECRET_KEY"]
# Personal data (ID numbers, phones) is encrypted with DATA_KEY (AES-256-GCM)
# and looked up by an HMAC-SHA256 under HASH_KEY; audit entries are chained
# with HMAC under AUDIT_KEY.
GANXUN_DATA_KEY = base64.b64decode(_keys["DATA_KEY"])
GANXUN_HASH_KEY = base64.b64decode(_keys["HASH_KEY"])
GANXUN_AUDIT_KEY = base64.b64decode(_keys["AUDIT_KEY"])

DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
if TESTING:
    ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # only for its bundled Swagger UI files: /api/v1/docs without a CDN
    "huey.contrib.djhuey",
    # Layers, bottom up (STYLE.md): a lower app never imports a higher one.
    "ganxun.core",
    "ganxun.audit",
    "ganxun.access",
    "ganxun.org",
    "ganxun.topics",
    "ganxun.people",
    "ganxun.accounts",
    "ganxun.imports",
    "ganxun.lrs",
    "ganxun.planning",
    "ganxun.classes",
    "ganxun.credits",
    "ganxun.learning",
    "ganxun.onlineclasses",
    "ganxun.coursework",
    "ganxun.recognition",
    "ganxun.roster",
    "ganxun.attendance",
    "ganxun.logistics",
    "ganxun.assessment",
    "ganxun.evaluation",
    "ganxun.archive",
    "ganxun.portal",
    "ganxun.demo",
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
    "ganxun.access.middleware.AccessMiddleware",
]

ROOT_URLCONF = "ganxun.urls"
WSGI_APPLICATION = "ganxun.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ganxun" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ganxun.access.context.access",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ganxun.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while the import job writes; IMMEDIATE takes
        # the write lock at BEGIN so two writers queue instead of deadlocking.
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=10000",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, jobs ------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if TESTING:
    HUEY = {"huey_class": "huey.MemoryHuey", "name": "ganxun", "immediate": True}
elif REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "ganxun",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env_int("WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "ganxun",
        "filename": str(VAR_DIR / "jobs.sqlite3"),
        "immediate": False,
        "consumer": {"workers": env_int("WORKERS", 2), "worker_type": "thread"},
    }

# --- Accounts and security (等保 2.0 level 3) -----------------------------------------
AUTH_USER_MODEL = "access.Account"
AUTHENTICATION_BACKENDS = ["ganxun.access.auth.AccountBackend"]
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "portal:home"
PASSWORD_HASHERS = ["ganxun.access.hashers.GanxunArgon2PasswordHasher"]
if TESTING:
    # Argon2 is deliberately slow; tests that check hashing use it explicitly.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "ganxun.access.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "ganxun.access.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "ganxun.access.passwords.NotIdentityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
GANXUN_LOCKOUT_ATTEMPTS = env_int("LOCKOUT_ATTEMPTS", 5)
GANXUN_LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 30)
GANXUN_SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
GANXUN_TRUST_PROXY = env_bool("TRUST_PROXY")
GANXUN_API_RATE = env("API_RATE", "600/m")
GANXUN_TOTP_ISSUER = env("TOTP_ISSUER", "干训平台")

# --- Learning Record Store (/xapi/, docs/lrs.md) ---------------------------------------
# The site's own address: the account.homePage of our accounts' xAPI agents.
GANXUN_SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
GANXUN_LRS_MAX_BODY_MB = env_int("LRS_MAX_BODY_MB", 20)

SESSION_COOKIE_AGE = 12 * 3600  # absolute cap; idle timeout is enforced by AccessMiddleware
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from hx-headers on <body>; see base.html
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Running a class: check-in time rules (attendance/rules.py, docs/attendance.md) ---------
GANXUN_CHECKIN_OPENS_MINUTES = env_int("CHECKIN_OPENS_MINUTES", 30)
GANXUN_CHECKIN_LATE_MINUTES = env_int("CHECKIN_LATE_MINUTES", 10)
GANXUN_CHECKOUT_OPENS_MINUTES = env_int("CHECKOUT_OPENS_MINUTES", 30)
GANXUN_CHECKOUT_CLOSES_MINUTES = env_int("CHECKOUT_CLOSES_MINUTES", 60)
GANXUN_CHECKIN_TOKEN_SECONDS = env_int("CHECKIN_TOKEN_SECONDS", 20)

# --- Online learning: media and server-verified study progress (docs/learning.md) ----------
GANXUN_MEDIA_MAX_MB = env_int("MEDIA_MAX_MB", 500)
GANXUN_STUDY_HEARTBEAT_SECONDS = env_int("STUDY_HEARTBEAT_SECONDS", 30)
GANXUN_STUDY_MAX_GAP_SECONDS = env_int("STUDY_MAX_GAP_SECONDS", 2 * GANXUN_STUDY_HEARTBEAT_SECONDS)
GANXUN_STUDY_MAX_RATE = float(env("STUDY_MAX_RATE", "1.5"))
GANXUN_STUDY_POSITION_TOLERANCE_SECONDS = env_int("STUDY_POSITION_TOLERANCE_SECONDS", 5)
GANXUN_STUDY_SEEK_ALLOWANCE_SECONDS = env_int("STUDY_SEEK_ALLOWANCE_SECONDS", 10)
GANXUN_STUDY_DAILY_CAP_HOURS = float(env("STUDY_DAILY_CAP_HOURS", "8"))
GANXUN_STUDY_COMPLETION_RATIO = float(env("STUDY_COMPLETION_RATIO", "0.9"))
GANXUN_STUDY_PROGRESS_STATEMENT_MINUTES = env_int("STUDY_PROGRESS_STATEMENT_MINUTES", 5)

# --- Themed online classes (docs/onlineclasses.md): reminders N days before the deadline ----
GANXUN_THEMED_CLASS_REMINDER_DAYS = [int(d) for d in env("THEMED_CLASS_REMINDER_DAYS", "7,1").split(",") if d.strip()]
# Review pipeline: expert reviews needed before the org department confirms; a pilot course is
# promoted to everyone when at least PILOT_MIN_RATINGS learners rated it PILOT_MIN_AVERAGE or more.
GANXUN_COURSE_REVIEWS_REQUIRED = env_int("COURSE_REVIEWS_REQUIRED", 3)
GANXUN_PILOT_MIN_RATINGS = env_int("PILOT_MIN_RATINGS", 10)
GANXUN_PILOT_MIN_AVERAGE = float(env("PILOT_MIN_AVERAGE", "4.0"))
# Yearly credit hours a cadre should earn (the learner home pro-rates it by the day of the year).
GANXUN_YEARLY_HOURS_REQUIRED = env_int("YEARLY_HOURS_REQUIRED", 50)

# --- Language, time --------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "ganxun" / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "ganxun" / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
MEDIA_URL = "/media/"  # never served directly: files go out through scoped views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
GANXUN_IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 50) * 1024 * 1024
GANXUN_BACKUP_DIR = Path(env("BACKUP_DIR", str(VAR_DIR / "backups"))).resolve()

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}

# --- API ---------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_MAX_LIMIT = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
    "loggers": {"huey": {"level": "WARNING", "propagate": False, "handlers": ["console"]}},
}
