"""Settings for the township service-centre portal.

Every deployment knob comes from the environment (see .env.example). The
defaults are for a local demo only: DEBUG on, a throwaway secret, SQLite in
``var/``. Production sets ``DEBUG=0`` and a real ``SECRET_KEY``; with DEBUG
off the settings refuse to start on the demo secret.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.styles import INLINE_STYLE_HASH

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_str(name, default=None):
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false).")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


DEMO_SECRET_KEY = "demo-only-insecure-secret-key-never-use-in-production"

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEMO_SECRET_KEY:
    raise ImproperlyConfigured("With DEBUG off, set SECRET_KEY to a long random value.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])

# The public address printed into QR codes and posters. It must never be
# derived from a request's Host header: a code on a wall outlives any proxy.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(PORTAL_BASE_URL)
if _base.scheme not in {"http", "https"} or not _base.netloc or _base.path not in {"", "/"}:
    raise ImproperlyConfigured(
        f"PORTAL_BASE_URL={PORTAL_BASE_URL!r} must be a scheme and host, e.g. https://bm.example.gov.cn"
    )

# The public pages inline their stylesheet (portal.styles): a Content-Security-Policy's
# style-src must list this hash, e.g. style-src 'self' <PORTAL_INLINE_STYLE_HASH>.
PORTAL_INLINE_STYLE_HASH = INLINE_STYLE_HASH

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [PORTAL_BASE_URL])

INSTALLED_APPS = [
    "portal.apps.PortalConfig",
    "staff.apps.StaffConfig",
    "services.apps.ServicesConfig",
    "search.apps.SearchConfig",
    "spreadsheets.apps.SpreadsheetsConfig",
    "workdays.apps.WorkdaysConfig",
    "feedback.apps.FeedbackConfig",
    "supervision.apps.SupervisionConfig",
    "portal.apps.PortalAdminConfig",  # django.contrib.admin with portal.sites.PortalAdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # /sitemap.xml (services.sitemaps), absolute from PORTAL_BASE_URL
    "import_export",
    "simple_history",
    "axes",
    "csp",
]

# No LocaleMiddleware: the portal speaks one language (LANGUAGE_CODE), and that
# middleware's per-request language resolution cost a tenth of a cached page's speed.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (public pages: no script at all; the admin: scripts from this site
    # only), Permissions-Policy, and safe headers on uploads served in the demo (portal/security.py).
    "portal.security.SecurityHeadersMiddleware",
    # Print sheets and code images for visitors without a session: refused or served from the cache
    # before sessions, CSRF and authentication run (portal/throttle.py); the rest further down.
    "portal.throttle.EarlyHeavyPageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A cached public page for a visitor without a session, answered here with no query while nothing
    # was written since its versions were checked (portal/caching.py); the rest further down.
    "portal.caching.CachedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Inside CommonMiddleware: a 404 under a township's former slug becomes a 301 to its current address.
    "portal.slugs.FormerSlugRedirectMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The same for visitors with a session who are not staff (portal/throttle.py).
    "portal.throttle.HeavyPageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# PostgreSQL only. DATABASE_POOL=1: each app server process keeps a pool of connections (psycopg_pool,
# Django's "pool" option) instead of one persistent connection per thread; Django refuses a pool together
# with CONN_MAX_AGE, so the pool replaces it. Size it so that app servers × workers × DATABASE_POOL_MAX_SIZE
# stays below PostgreSQL's max_connections (100 by default).
DATABASE_POOL = env_bool("DATABASE_POOL", False)
# Server-side parameter binding lets psycopg prepare a query it has run DATABASE_PREPARE_THRESHOLD times
# on a connection, so PostgreSQL plans it once per connection instead of on every request (the item page's
# 15-table query plans in several milliseconds and runs in under one). Useful only where connections
# live on (the pool, or CONN_MAX_AGE > 0). See README, PostgreSQL.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    if DATABASE_POOL:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        _pg_options["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 4),
            # Seconds a request waits for a free connection before failing (the pool's own default is 30).
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
        }
    if DATABASE_PREPARED_STATEMENTS:
        _pg_options["server_side_binding"] = True
        _pg_options["prepare_threshold"] = env_int("DATABASE_PREPARE_THRESHOLD", 5)
elif DATABASE_POOL or DATABASE_PREPARED_STATEMENTS:
    raise ImproperlyConfigured(
        "DATABASE_POOL and DATABASE_PREPARED_STATEMENTS need PostgreSQL (DATABASE_URL=postgres://…)."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as the demo and a small township use it: a scan must never be lost to an import.
    # WAL lets readers go on while a writer works; every write transaction takes the write lock
    # at BEGIN (IMMEDIATE), so two writers queue instead of one failing at once on an upgrade;
    # and a writer waits up to SQLITE_BUSY_TIMEOUT seconds (Python's default is 5) for the lock
    # instead of answering "database is locked". Below gunicorn's 30-second worker timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 25),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (portal/lockout.py): ten wrong passwords for one username lock it for
# AXES_COOLOFF_MINUTES; `manage.py unlock_account USERNAME` unlocks it at once.
AUTHENTICATION_BACKENDS = [
    "portal.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
# By username (an attacker moving between addresses still gets ten guesses per account in all)
# and, separately, by address (one address trying many usernames is stopped too).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "portal.clients.client_ip"
# Successful logins are not logged with address and browser: only failures are kept, to count them.
AXES_DISABLE_ACCESS_LOG = True
# axes' own admin pages are in English; the Chinese unlock command replaces them.
AXES_ENABLE_ADMIN = False
# The username field of a login form is where axes reads the account from.
AXES_USERNAME_FORM_FIELD = "username"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads in an S3-compatible object store (django-storages) when S3_BUCKET is set, so that every app
# server sees every clerk's upload; else in MEDIA_ROOT on this machine. Objects are addressed by plain
# public URLs (the bucket must allow anonymous reads: everything uploaded here is published to residents),
# or by signed ones with S3_SIGNED_URLS=1 for a private bucket. Each object is stored with its content
# type, and documents with "Content-Disposition: attachment" (portal/storage.py). See README, Production.
S3_BUCKET = env_str("S3_BUCKET", "")
if S3_BUCKET:
    S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL", "").rstrip("/")  # empty: Amazon S3 itself
    S3_CUSTOM_DOMAIN = env_str("S3_CUSTOM_DOMAIN", "")  # e.g. media.bm.example.gov.cn (a CDN or the bucket's domain)
    S3_ADDRESSING_STYLE = env_str("S3_ADDRESSING_STYLE", "path")
    if S3_ADDRESSING_STYLE not in {"path", "virtual"}:
        raise ImproperlyConfigured(f"S3_ADDRESSING_STYLE={S3_ADDRESSING_STYLE!r}: use path or virtual.")
    _s3_options = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": S3_ENDPOINT_URL or None,
        "access_key": env_str("S3_ACCESS_KEY_ID"),
        "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
        "region_name": env_str("S3_REGION", "") or None,
        "custom_domain": S3_CUSTOM_DOMAIN or None,
        "addressing_style": S3_ADDRESSING_STYLE,
        "querystring_auth": env_bool("S3_SIGNED_URLS", False),
        # Longer than a page is kept (PORTAL_PAGE_CACHE_SECONDS) plus the time a resident reads it.
        "querystring_expire": env_int("S3_SIGNED_URL_SECONDS", 24 * 3600),
        "signature_version": "s3v4",  # boto3 would sign addresses with the deprecated v2 for some endpoints
        # Two clerks uploading 申请表.pdf get two objects, as on a disk, not one overwriting the other.
        "file_overwrite": False,
    }
    _default_storage = {"BACKEND": "portal.object_storage.ObjectMediaStorage", "OPTIONS": _s3_options}
    # Where the files are, for the Content-Security-Policy's img-src (portal/security.py); the file URLs
    # themselves come from the storage.
    if S3_CUSTOM_DOMAIN:
        _media_default = f"https://{S3_CUSTOM_DOMAIN}/"
    elif S3_ENDPOINT_URL:
        _endpoint = urlsplit(S3_ENDPOINT_URL)
        _media_default = (
            f"{_endpoint.scheme}://{S3_BUCKET}.{_endpoint.netloc}/"
            if S3_ADDRESSING_STYLE == "virtual"
            else f"{S3_ENDPOINT_URL}/{S3_BUCKET}/"
        )
    else:
        _media_default = f"https://{S3_BUCKET}.s3.amazonaws.com/"
else:
    # Re-encodes uploaded JPEG/PNG to a phone's size, without metadata (portal/storage.py).
    _default_storage = {"BACKEND": "portal.storage.MediaStorage"}
    _media_default = "/media/"

# Uploads may be served from a separate host (MEDIA_URL=https://media.example.gov.cn/): a file
# that slipped through would then run nowhere near the staff's sessions. See README, Production.
MEDIA_URL = env_str("MEDIA_URL", _media_default)
if not MEDIA_URL.endswith("/"):
    raise ImproperlyConfigured(f"MEDIA_URL={MEDIA_URL!r} must end with a slash.")
if S3_BUCKET and MEDIA_URL.startswith("/"):
    # The pages' CSP would then refuse the store's images.
    raise ImproperlyConfigured(f"MEDIA_URL={MEDIA_URL!r} with S3_BUCKET: leave MEDIA_URL unset, it follows the store.")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Behind a TLS-terminating reverse proxy: it tells us the original scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The QR redirect answers on plain HTTP too, so a code printed with http://
# never costs a second hop; everything else is redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^q/", r"^healthz$"]  # and a load balancer probes over plain HTTP

# A form sent without a valid token gets the Chinese error page (portal/errors.py), not Django's English one.
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

# Shared state. Without REDIS_URL everything stays on one machine: the cache is each process's memory
# (nothing to install for the demo). REDIS_URL=redis://127.0.0.1:6379/1 puts the cache into Redis
# through Django's own backend (the `redis` package), shared by every worker of every app server: the
# public page cache, the heavy pages' cache and their data generation, django-ratelimit's counters
# (feedback forms, status look-ups, print pages) and the scan-repeat windows. Login failures
# (django-axes) are counted in the database, which the app servers share already.
# CACHE_URL is the former name of the same setting, still read (redis://…, or locmem:// for the default).
REDIS_URL = env_str("REDIS_URL", "")
_cache_url = env_str("CACHE_URL", "")
if _cache_url not in {"", "locmem://"} and not _cache_url.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"CACHE_URL={_cache_url!r}: use REDIS_URL=redis://host:port/db, or leave it unset.")
if _cache_url.startswith(("redis://", "rediss://")):
    if REDIS_URL and _cache_url != REDIS_URL:
        raise ImproperlyConfigured("REDIS_URL and CACHE_URL (its former name) disagree: set REDIS_URL only.")
    REDIS_URL = _cache_url
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r}: use redis://host:port/db (rediss:// for TLS).")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A stalled Redis must not hold a resident's request for long (redis-py waits forever by default).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}

# Sessions (staff only; residents have none) live in the database by default, which every app server
# shares. REDIS_SESSIONS=1 reads them from Redis and writes them through to the database (Django's
# cached_db), so a logged-in page costs no session query and a Redis restart logs nobody out.
if env_bool("REDIS_SESSIONS", False):
    if not REDIS_URL:
        raise ImproperlyConfigured("REDIS_SESSIONS=1 needs REDIS_URL.")
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Uploaded images (portal/validators.py, portal/storage.py): refused above this many pixels, read
# from the header before any decoding (a 12000×12000 PNG is 17 KB on disk and 576 MB decoded);
# re-encoded to at most this many pixels on the long side, enough for a phone and a printout.
PORTAL_UPLOAD_MAX_PIXELS = env_int("PORTAL_UPLOAD_MAX_PIXELS", 50_000_000)
PORTAL_IMAGE_MAX_SIDE = env_int("PORTAL_IMAGE_MAX_SIDE", 2000)

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Items and lists older than this many days are flagged as stale for clerks.
PORTAL_STALE_AFTER_DAYS = env_int("PORTAL_STALE_AFTER_DAYS", 90)

# How long the server keeps a rendered public page. A hit costs no query while nothing was
# written; after any write, one query checks whether the page's township or county changed,
# so a clerk's save shows at once (portal/caching.py, portal/freshness.py); 0 turns it off.
PORTAL_PAGE_CACHE_SECONDS = env_int("PORTAL_PAGE_CACHE_SECONDS", 600)

# The heavy anonymous pages (print sheets, code images; portal/throttle.py): requests per client
# ("30/m"; empty turns the limit off) and seconds a rendered one is kept (0 = not cached).
PORTAL_HEAVY_RATE = os.environ.get("PORTAL_HEAVY_RATE", "30/m")
PORTAL_HEAVY_CACHE_SECONDS = env_int("PORTAL_HEAVY_CACHE_SECONDS", 300)
# django-ratelimit counts in the default cache. Its system check is not run (the app is not installed:
# it has no models or templates) because it flags every cache but memcached and django-redis; with the
# per-process default cache each gunicorn worker counts on its own, so a client gets at most
# workers × rate. Set REDIS_URL to share counts, scan windows and pages between workers and servers.
RATELIMIT_USE_CACHE = "default"

# A scan count means people (portal/scans.py): the same code opened again from the same client
# (address + browser) within this many seconds counts once; 0 counts every opening.
PORTAL_SCAN_REPEAT_SECONDS = env_int("PORTAL_SCAN_REPEAT_SECONDS", 600)

# The request header the reverse proxy sets to the client's real address (its META name, e.g.
# HTTP_X_REAL_IP). Empty: REMOTE_ADDR. Used by scan counting, rate limits and the login lockout.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")

# A font file with Simplified Chinese glyphs for the images with captions (the
# village WeChat picture). Empty: the pip package pylopdf-fonts-zh-cn, then system fonts.
PORTAL_CJK_FONT = env_str("PORTAL_CJK_FONT", "")

# Residents' reports and requests: personal data (names, phones) is erased this many days after a case
# is closed (manage.py erase_personal_data, run daily); the counts stay.
PORTAL_PERSONAL_DATA_DAYS = env_int("PORTAL_PERSONAL_DATA_DAYS", 180)
# Per-client limits (django-ratelimit, "count/period") on residents' submissions and on status look-ups.
PORTAL_FEEDBACK_RATE = env_str("PORTAL_FEEDBACK_RATE", "10/h")
PORTAL_STATUS_LOOKUP_RATE = env_str("PORTAL_STATUS_LOOKUP_RATE", "20/h")

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
