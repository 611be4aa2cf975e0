"""Django settings, all driven by the environment (see ``env.py`` and ``docs/deploy.md``)."""

from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from shequ.config.env import (
    REPO_DIR,
    VAR_DIR,
    allowed_networks,
    database,
    env,
    is_production,
    map_tile_sources,
    pii_keys,
    secret_key,
    trusted_proxies,
)

BASE_DIR: Path = REPO_DIR
PRODUCTION = is_production()
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = secret_key()
PII_ENCRYPTION_KEYS, PII_BLIND_INDEX_KEY = pii_keys()

# Production names its hosts; a laptop run without DEBUG (``make run``) answers on loopback
# names only; the development server (DEBUG) on any.
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[] if PRODUCTION else ["*"] if DEBUG else ["127.0.0.1", "localhost", "[::1]"],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "django_tasks",
    "ninja",
    "shequ.core",
    "shequ.places",
    "shequ.people",
    "shequ.projects",
    "oauth2_provider",
    "shequ.sso",
    "shequ.notices",
    "shequ.catalogue",
    "shequ.casework",
    "shequ.bookings",
    "shequ.payments",
    "shequ.ratings",
    "shequ.appeals",
    "shequ.volunteers",
    "shequ.civil",
    "shequ.indicators",
    "shequ.funds",
    "shequ.surveys",
    "shequ.participation",
    "shequ.access",
    "shequ.documents",
    "shequ.portal",
    "shequ.policies",
    "shequ.stories",
    "shequ.planning",
    "shequ.cogovernance",
    "shequ.web",
]

MIDDLEWARE = [
    # First, so every response (static files and refusals too) has a request id, an access
    # log line and its count and latency in the metrics.
    "shequ.core.logs.RequestContextMiddleware",
    "shequ.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "shequ.core.middleware.NulCharacterMiddleware",
    "shequ.core.middleware.ApiProblemMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages: ends idle staff sessions and holds staff at the second factor.
    "shequ.people.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shequ.core.middleware.DomainErrorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shequ.config.urls"
WSGI_APPLICATION = "shequ.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shequ.web.context_processors.shell",
                "shequ.portal.context_processors.display",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
# SQLite under var/ by default; on PostgreSQL a bounded pool per process (see env.database).
DATABASES = {"default": database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://shequ"),
    # Page fragments that depend on nothing but the code and the language (the home page's
    # tiles): kept in each process's own memory, with no network round trip and nothing to
    # invalidate until the next release restarts the processes.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "shequ-fragments",
        "TIMEOUT": 3600,
    },
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "shequ.core.cache.SharedRedisCache"
# Whether every process sees the same cache (Redis), or each its own memory. What one process
# changes must be seen by the others: sessions are read from the cache only when it is
# shared, and the catalogue's cached reads live only a few seconds in a per-process cache.
SHEQU_CACHE_SHARED = not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
# Signed-in requests read their session from the shared cache, not the database (written
# through to the database, so a Redis restart signs nobody out).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if SHEQU_CACHE_SHARED
    else "django.contrib.sessions.backends.db"
)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "shequ.people.auth_backends.UsernameOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_HOURS", default=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "people/locked_out.html"
AXES_VERBOSE = False
# Lockout, rate limits and the audit trail key on one address: the peer, or the right-most
# X-Forwarded-For hop that is not one of our proxies (see core.services.client_ip).
SHEQU_TRUSTED_PROXIES = trusted_proxies()
AXES_CLIENT_IP_CALLABLE = "shequ.core.services.client_ip"

# Pluggable delivery of one-time codes and reset links; console backends on a laptop.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
SHEQU_SMS_BACKEND = env.str("SMS_BACKEND", default="shequ.people.sms.ConsoleSmsBackend")
# The external real-name verifier (公安身份核验). No production default: a deployment must
# name its gateway; without one, level 3 verification is unavailable rather than faked.
SHEQU_IDENTITY_VERIFIER = env.str("IDENTITY_VERIFIER", default="")
# How many full reveals of personal data one staff member may make per hour.
# Verification level each resident action needs (a VerificationLevel name); a budgeting
# round or council may set its own. Default: the registry match or in-person verification.
SHEQU_REQUIRED_LEVELS = {
    "support": env.str("REQUIRED_LEVEL_SUPPORT", default="registry_matched"),
    "vote": env.str("REQUIRED_LEVEL_VOTE", default="registry_matched"),
    "object": env.str("REQUIRED_LEVEL_OBJECT", default="registry_matched"),
}
SHEQU_PII_REVEALS_PER_HOUR = env.int("PII_REVEALS_PER_HOUR", default=20)

# Staff two-factor sign-in (TOTP with recovery codes, django-otp). Every staff role by default:
# each one either reveals ID numbers and phones (workers of an area), moves or approves money
# (funds, payments, tranches), reads the audit trail and personal data of a whole area
# (auditor, committee), sees a department's applicants (department staff) or grants all of these
# (system administrator). A city may narrow the list (comma-separated Role values).
SHEQU_TWO_FACTOR_ROLES = frozenset(
    env.list(
        "TWO_FACTOR_ROLES",
        default=[
            "community_worker",
            "street_officer",
            "district_officer",
            "city_committee",
            "department_staff",
            "auditor",
            "system_admin",
        ],
    )
)
# A staff session unused for this long ends (residents' sessions keep Django's own age).
SHEQU_STAFF_IDLE_MINUTES = env.int("STAFF_IDLE_MINUTES", default=30)
# The name an authenticator app shows next to the account.
OTP_TOTP_ISSUER = env.str("TOTP_ISSUER", default="shequ")
# Wrong codes slow the next try down (1 s, 2 s, 4 s, ...) on each device.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Map tiles for the public project map (e.g. a deployment's own tile server); empty = the
# district boundaries alone, so the map works with no tile server and no internet.
# Issued documents (shequ.documents): the public address QR codes on PDFs point to, the
# CJK font PDFs are set in (a TrueType collection and the face in it: 2 = Simplified Chinese
# in Noto Sans CJK), and how many verification pages one address may open a minute.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SHEQU_PDF_FONT = env.str(
    "PDF_FONT", default="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
)
SHEQU_PDF_FONT_INDEX = env.int("PDF_FONT_INDEX", default=2)
SHEQU_VERIFY_RATE_PER_MINUTE = env.int("VERIFY_RATE_PER_MINUTE", default=30)
SHEQU_MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
# Volunteers (shequ.volunteers): the hours of the five star levels (星级, most provinces use
# 100/300/600/1000/1500), the days a new star level is announced (公示) before it is awarded,
# the default check-in radius around an activity's place and how often the check-in QR turns.
SHEQU_VOLUNTEER_STAR_HOURS = tuple(
    env.list("VOLUNTEER_STAR_HOURS", cast=int, default=[100, 300, 600, 1000, 1500])
)
SHEQU_VOLUNTEER_ANNOUNCE_DAYS = env.int("VOLUNTEER_ANNOUNCE_DAYS", default=5)
SHEQU_VOLUNTEER_GEOFENCE_METRES = env.int("VOLUNTEER_GEOFENCE_METRES", default=300)
SHEQU_VOLUNTEER_QR_SECONDS = env.int("VOLUNTEER_QR_SECONDS", default=30)

# Residents' requests (督办): how many hours past its deadline an open request is escalated
# from its unit to the supervising desk (the dispatchers of its place).
SHEQU_APPEALS_ESCALATE_AFTER_HOURS = env.int("APPEALS_ESCALATE_AFTER_HOURS", default=24)

# --- Content-Security-Policy (django-csp): only our own files run -----------------------------
# No 'unsafe-inline' or 'unsafe-eval' anywhere: behaviour lives in static JS files, looks in
# CSS files (tests/web/test_csp.py keeps it so). data: images are Bootstrap's and Leaflet's
# inline SVG icons in their stylesheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *map_tile_sources(SHEQU_MAP_TILE_URL)],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [REPO_DIR / "src" / "shequ" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: vendored from npm at install time, served by whitenoise -------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [VAR_DIR / "vendor"]
(VAR_DIR / "vendor").mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The development server finds files where they are; a served run (``make run``, production)
# serves what ``collectstatic`` gathered into STATIC_ROOT.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG and not PRODUCTION)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
# Django serves public uploads itself outside production (nginx does in production).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=not PRODUCTION)
# Casework papers, receipts, minutes, residents' photos and exports: outside MEDIA_ROOT, so
# SERVE_MEDIA and nginx's /media/ never reach them; they leave only through checked views.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
# With SENDFILE_NGINX a checked view answers with X-Accel-Redirect to this ``internal`` nginx
# location (aliased to PRIVATE_MEDIA_ROOT) instead of streaming the file through Python.
SENDFILE_NGINX = env.bool("SENDFILE_NGINX", default=False)
SENDFILE_NGINX_LOCATION = env.str("SENDFILE_NGINX_LOCATION", default="/_private")
# On an object store a checked view redirects to a presigned link valid this long.
PRIVATE_URL_EXPIRE_SECONDS = env.int("PRIVATE_URL_EXPIRE_SECONDS", default=300)

# An S3-compatible object store (MinIO, Ceph RGW) when STORAGE_S3_ENDPOINT is set: every
# machine then sees the same files. Two buckets: the public one may be readable anonymously,
# the private one never is.
STORAGE_S3_ENDPOINT = env.str("STORAGE_S3_ENDPOINT", default="")


def _s3_options(bucket: str, *, signed: bool) -> dict[str, object]:
    return {
        "endpoint_url": STORAGE_S3_ENDPOINT,
        "bucket_name": bucket,
        "access_key": env.str("STORAGE_S3_ACCESS_KEY", default=""),
        "secret_key": env.str("STORAGE_S3_SECRET_KEY", default=""),
        "region_name": env.str("STORAGE_S3_REGION", default="us-east-1"),
        "addressing_style": env.str("STORAGE_S3_ADDRESSING_STYLE", default="path"),
        "signature_version": "s3v4",
        "querystring_auth": signed,
        "querystring_expire": PRIVATE_URL_EXPIRE_SECONDS,
        "file_overwrite": False,
        # A dead store fails the upload within seconds instead of holding a web worker.
        "client_config": _s3_client_config(),
        **({} if signed else _s3_public_options()),
    }


def _s3_public_options() -> dict[str, object]:
    # Public objects are written "public-read" (S3, Ceph RGW); MinIO ignores object ACLs and
    # wants an anonymous-download bucket policy instead (docs/deploy.md). Empty: no ACL sent.
    acl = env.str("STORAGE_S3_PUBLIC_ACL", default="public-read")
    return {
        "custom_domain": env.str("STORAGE_S3_PUBLIC_DOMAIN", default=""),
        **({"default_acl": acl} if acl else {}),
    }


def _s3_client_config() -> object:
    from botocore.config import Config

    return Config(
        connect_timeout=env.int("STORAGE_S3_TIMEOUT_SECONDS", default=5),
        read_timeout=env.int("STORAGE_S3_TIMEOUT_SECONDS", default=5),
        retries={"max_attempts": env.int("STORAGE_S3_RETRIES", default=2), "mode": "standard"},
        signature_version="s3v4",
        s3={"addressing_style": env.str("STORAGE_S3_ADDRESSING_STYLE", default="path")},
    )


if STORAGE_S3_ENDPOINT:
    _PUBLIC_STORAGE: dict[str, object] = {
        "BACKEND": "shequ.core.object_storage.ObjectStorage",
        "OPTIONS": _s3_options(env.str("STORAGE_S3_PUBLIC_BUCKET"), signed=False),
    }
    _PRIVATE_STORAGE: dict[str, object] = {
        "BACKEND": "shequ.core.object_storage.ObjectStorage",
        "OPTIONS": _s3_options(env.str("STORAGE_S3_PRIVATE_BUCKET"), signed=True),
    }
else:
    _PUBLIC_STORAGE = {"BACKEND": "shequ.core.storage.LocalStorage"}
    _PRIVATE_STORAGE = {"BACKEND": "shequ.core.storage.PrivateLocalStorage"}

STORAGES = {
    # Anything not given a store on purpose is private: a forgotten ``storage=`` never
    # publishes a file.
    "default": _PRIVATE_STORAGE,
    "public": _PUBLIC_STORAGE,
    "private": _PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Background tasks: django-tasks API on huey -------------------------------------------
TASKS_URL = env.str("TASKS_URL", default=env.str("REDIS_URL", default=""))
TASKS = {
    "default": {
        "BACKEND": "shequ.core.tasks_backend.HueyTaskBackend",
        "ENQUEUE_ON_COMMIT": True,
        "OPTIONS": {
            "url": TASKS_URL,
            "sqlite_path": str(VAR_DIR / "tasks.sqlite3"),
            "immediate": env.bool("TASKS_IMMEDIATE", default=False),
        },
    }
}
# A running task beats this often; one silent for TASKS_STALE_AFTER_SECONDS lost its worker and
# is retried (idempotent tasks, at most TASKS_STALE_RETRIES times) or failed by the sweep.
TASKS_HEARTBEAT_SECONDS = env.int("TASKS_HEARTBEAT_SECONDS", default=30)
TASKS_STALE_AFTER_SECONDS = env.int("TASKS_STALE_AFTER_SECONDS", default=300)
TASKS_STALE_RETRIES = env.int("TASKS_STALE_RETRIES", default=2)
# Each ``run_tasks`` process beats this often, idle or not; ``/readyz`` wants a beat within
# WORKER_READY_SECONDS (see shequ.core.workers).
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=15)
WORKER_READY_SECONDS = env.int("WORKER_READY_SECONDS", default=60)

# --- Metrics: Prometheus at /metrics, readable from these addresses or networks only ------
METRICS_ALLOWED_IPS = allowed_networks("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])

# --- Logging: never PII (the PII value type masks itself in any formatted message) ---------
# JSON lines with the request id and user id (shequ.core.logs) when served; plain text for
# the development server. LOG_FORMAT=json|text overrides.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "shequ.core.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "shequ.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own "Not Found"/"Internal Server Error" lines go to the root handler once
        # (with the request id) instead of also to its own console handler.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
    },
}

# --- Production hardening (manage.py check --deploy passes with SHEQU_PRODUCTION=1) -------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# API lists page through shequ.core.api.Pagination: 50 items by default, at most 100.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_CLASS = "shequ.core.api.Pagination"
# A failed CSRF check answers in the visitor's language (a problem under /api/).
CSRF_FAILURE_VIEW = "shequ.web.errors.csrf_failure"

# --- Single sign-on: django-oauth-toolkit in OIDC mode (see shequ/sso/conf.py) -------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "sso.DepartmentApp"
from shequ.sso.conf import (  # noqa: E402, F401
    OAUTH2_PROVIDER,
    SHEQU_API_RATE_PER_CLIENT_PER_MINUTE,
    SHEQU_API_RATE_PER_USER_PER_MINUTE,
    SHEQU_SSO_TOKEN_RATE_PER_MINUTE,
)
