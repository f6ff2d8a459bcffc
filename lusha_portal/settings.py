"""Settings for Lusha Portal: one file, every value from the environment (see .env.example).

Development (DEBUG true, the default) runs with explicit, obviously unsafe defaults: the
embedded PostgreSQL and Redis that `make run` starts, and throwaway secrets. Production (DEBUG
false) refuses to start while a secret is missing.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from lusha_portal import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Variables already in the environment win over the .env file.
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)


def _setting(name: str, default: str = "") -> str:
    """A string setting where an empty value (as .env.example leaves them) means unset."""
    return env.str(name, default="").strip() or default


# Where the embedded PostgreSQL and Redis of `make run` and `make test` listen when DATABASE_URL
# and REDIS_URL are unset (EMBEDDED_POSTGRES_PORT, EMBEDDED_REDIS_PORT; unset, ports derived
# from the checkout's folder: lusha_portal/embedded.py).
EMBEDDED_POSTGRES_URL = embedded.postgres_url()
EMBEDDED_REDIS_URL = embedded.redis_url()

# Development-only values: public, so they protect nothing.
_DEV_SECRET_KEY = "django-insecure-development-only-never-use-this-key-in-production"  # noqa: S105 - development only  # nosec B105
_DEV_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQtb25seS1ub3QtYS1zZWNyZXQtMDA="

PRODUCTION_REQUIRED = (
    "SECRET_KEY",
    "PORTAL_ENCRYPTION_KEYS",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
)
if not DEBUG:
    _missing = [name for name in PRODUCTION_REQUIRED if not _setting(name)]
    if _missing:
        raise ImproperlyConfigured(
            "Lusha Portal is in production mode (DEBUG=false) and these settings are missing: "
            + ", ".join(_missing)
            + ". Set them in the environment (see .env.example), or set DEBUG=true for development."
        )

SECRET_KEY = _setting("SECRET_KEY", _DEV_SECRET_KEY)


def _weak_secret_key(key: str) -> bool:
    """Django's own test (check --deploy, W009) of a key anyone could guess or look up."""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


if not DEBUG and _weak_secret_key(SECRET_KEY):
    # Whoever knows the key forges sessions (an admin's included) and set-password links.
    raise ImproperlyConfigured(
        "SECRET_KEY is too short or well known for production (DEBUG=false): it needs 50 or "
        "more random characters. Make one with: python -c "
        '"import secrets; print(secrets.token_urlsafe(50))"'
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def _encryption_keys(raw: str) -> list[str]:
    """Split and validate PORTAL_ENCRYPTION_KEYS, so a typo stops start-up, not a key save."""
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError as error:
            raise ImproperlyConfigured(
                f"PORTAL_ENCRYPTION_KEYS entry {position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes). Generate one with: python -c "
                '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from error
    return keys


# The first key encrypts; every key decrypts, so an old key can stay listed during rotation.
PORTAL_ENCRYPTION_KEYS = _encryption_keys(_setting("PORTAL_ENCRYPTION_KEYS", _DEV_ENCRYPTION_KEY))
if not DEBUG and _DEV_ENCRYPTION_KEY in PORTAL_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "PORTAL_ENCRYPTION_KEYS holds the public development key, which protects nothing: in "
        "production (DEBUG=false) generate one with: python -c "
        '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )

LUSHA_API_BASE_URL = _setting("LUSHA_API_BASE_URL", "https://api.lusha.com").rstrip("/")
# The only hosts the organisation's key is ever sent to (over https), whatever base URL an
# admin saves; the development sandbox (LUSHA_SANDBOX_URL) is allowed apart. Default: the host
# of LUSHA_API_BASE_URL, i.e. api.lusha.com.
LUSHA_ALLOWED_HOSTS = env.list("LUSHA_ALLOWED_HOSTS", default=[]) or [
    urlsplit(LUSHA_API_BASE_URL).netloc.lower()
]

# The built-in sandbox (synthetic data, no credits) that `make run` serves and the portal uses
# while no key is set. Off in production unless LUSHA_SANDBOX_URL is set explicitly.
SANDBOX_PORT = env.int("SANDBOX_PORT", default=8100)
LUSHA_SANDBOX_URL = _setting(
    "LUSHA_SANDBOX_URL", f"http://127.0.0.1:{SANDBOX_PORT}" if DEBUG else ""
).rstrip("/")
LUSHA_SANDBOX_KEY = "sbx-portal-sandbox"  # the sandbox's own key: not a secret

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "accounts",
    "prospecting",
    "lists",
    "spend",
    "signals",
    "privacy",
    "abm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.FirstRunMiddleware",
]

ROOT_URLCONF = "lusha_portal.urls"
WSGI_APPLICATION = "lusha_portal.wsgi.application"

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
                "lusha_portal.context_processors.layout",
            ],
        },
    },
]

# PostgreSQL only, in development too (the embedded one): the audit trail's append-only trigger,
# the row locks behind budget holds and chunk claims, and server-side cursors are PostgreSQL's.
DATABASES = {"default": env.db_url_config(_setting("DATABASE_URL", EMBEDDED_POSTGRES_URL))}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL must name a PostgreSQL database (postgres://USER:PASSWORD@HOST:5432/NAME); "
        "unset, `make run` and `make test` start an embedded PostgreSQL under var/."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT compilation: PostgreSQL compiles a query whose estimated cost passes jit_above_cost,
# which for the portal's short queries over a big store (an import's emails looked up in the
# store's index, a 50,000-member list's counts) took 0.3-0.8 s of compiling for a query that
# runs in 10-30 ms. Set per connection, so a shared server's other databases keep theirs.
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["options"] = (
    DATABASES["default"]["OPTIONS"].get("options", "") + " -c jit=off"
).strip()

REDIS_URL = _setting("REDIS_URL", EMBEDDED_REDIS_URL)

# JSON values, never pickles: whoever can write to Redis must not run code in the portal.
CACHES = {
    "default": {
        "BACKEND": "lusha_portal.cache.JsonRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "portal",
    }
}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# A set-password link works once, for this many hours, and only until a newer one is issued.
SET_PASSWORD_LINK_HOURS = env.int("SET_PASSWORD_LINK_HOURS", default=24)
PASSWORD_RESET_TIMEOUT = SET_PASSWORD_LINK_HOURS * 60 * 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Prospecting: a search page already fetched is served from the portal's cache this long.
SEARCH_CACHE_HOURS = env.int("SEARCH_CACHE_HOURS", default=24)
# "Add all N results" to a list adds at most this many.
PROSPECTING_SELECT_ALL_CAP = env.int("PROSPECTING_SELECT_ALL_CAP", default=5000)

# Enrichment: revealed data younger than this is "held" and never asked for again.
ENRICH_FRESH_DAYS = env.int("ENRICH_FRESH_DAYS", default=90)
# A chunk is worked under a lease this long, renewed every third of it while its worker works
# (even while Lusha takes seconds to answer); the chunk of a worker that stopped is taken over
# once its lease runs out, and the beat revives a job nobody works on (every 10 s).
ENRICH_LEASE_SECONDS = env.int("ENRICH_LEASE_SECONDS", default=15)
# How long a job waits before looking again at records another job has in flight.
ENRICH_IN_FLIGHT_WAIT_SECONDS = env.float("ENRICH_IN_FLIGHT_WAIT_SECONDS", default=2.0)
# Runners (Celery tasks) that work one job's chunks side by side. A runner asks for one chunk
# at a time: Lusha's answer (~150 ms) and its own work (~100 ms on a busy 2-core server) per
# chunk, so Lusha's 25 requests a second need about 25 x 0.25 = 6 of them; 8 keep the limiter,
# not the runners, setting the pace (bench/bench_enrichment.py: 4 runners 0.73 of 25/s, 8 0.93).
ENRICH_PARALLEL_RUNNERS = env.int("ENRICH_PARALLEL_RUNNERS", default=8)

# Ledger: a billable call still "in flight" this long after it was sent lost its worker; the
# beat closes it as "answer lost" (a call with all its retries is one row per attempt, and an
# attempt gives up after 35 s).
LEDGER_ANSWER_LOST_SECONDS = env.int("LEDGER_ANSWER_LOST_SECONDS", default=120)
# The managers are alerted (a banner and an email, once a month) when the ledger and Lusha's
# own count of the credits used this month differ by more than this.
LEDGER_RECONCILE_ALERT_CREDITS = env.int("LEDGER_RECONCILE_ALERT_CREDITS", default=50)

# Lusha's push deliveries of signals (/signals/webhook/): the account's webhook secret (Lusha's
# "account secret"); empty: the secret an admin fetched from the portal (signals.push_secret),
# and with neither the endpoint is off. Deliveries older than this are refused.
LUSHA_WEBHOOK_SECRET = env.str("LUSHA_WEBHOOK_SECRET", default="")
LUSHA_WEBHOOK_MAX_AGE_SECONDS = env.int("LUSHA_WEBHOOK_MAX_AGE_SECONDS", default=300)
# The portal's public address (https://portal.example.com), for the webhook URL the portal
# subscribes in Lusha; empty: the address the admin reached the portal at.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="")

# Budgets: the credits reserved for a Lusha call in flight stop counting after this long, so a
# worker killed mid-call cannot keep them reserved (longer than a call with all its retries).
BUDGET_HOLD_SECONDS = env.int("BUDGET_HOLD_SECONDS", default=15 * 60)

# CSV imports: the most a file may weigh and hold.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
# Request bodies: an upload stops being read past IMPORT_MAX_BYTES (lusha_portal/uploads.py);
# anything else (form fields, the webhook's JSON) past DATA_UPLOAD_MAX_MEMORY_SIZE.
FILE_UPLOAD_HANDLERS = [
    "lusha_portal.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# An uploaded file nobody starts importing is deleted (with its rows) after this many hours.
IMPORT_PREVIEW_HOURS = env.int("IMPORT_PREVIEW_HOURS", default=24)

# Privacy: how many days revealed emails and phones are kept before the beat purges them
# (0: no limit).
PRIVACY_RETENTION_DAYS = env.int("PRIVACY_RETENTION_DAYS", default=0)

# Brute-force guard on the sign-in form (accounts/throttling.py): password checks per window,
# per username from one client address or one of the user's own browsers (LOGIN_FAILURE_LIMIT),
# and per username from every browser it never signed in on, whatever their addresses
# (LOGIN_USERNAME_FAILURE_LIMIT). A browser stays the user's own LOGIN_DEVICE_COOKIE_DAYS.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_USERNAME_FAILURE_LIMIT = env.int("LOGIN_USERNAME_FAILURE_LIMIT", default=20)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
LOGIN_DEVICE_COOKIE_DAYS = env.int("LOGIN_DEVICE_COOKIE_DAYS", default=365)
# How many proxies in front of the portal append the client's address to X-Forwarded-For
# (0: trust no such header; the address is REMOTE_ADDR). Behind one TLS proxy: 1.
TRUST_X_FORWARDED_FOR_HOPS = env.int("TRUST_X_FORWARDED_FOR_HOPS", default=0)

# Sign-in through the company's identity provider (OpenID Connect; accounts/oidc.py, README
# "Signing in with your identity provider"). Off while OIDC_ISSUER is empty.
OIDC_ISSUER = _setting("OIDC_ISSUER").rstrip("/")
OIDC_CLIENT_ID = _setting("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = _setting("OIDC_CLIENT_SECRET")
OIDC_BUTTON_LABEL = _setting("OIDC_BUTTON_LABEL", "Sign in with your company account")
OIDC_SCOPES = _setting("OIDC_SCOPES", "openid email profile")
# Where the provider puts a person's groups, in the ID token or the userinfo answer.
OIDC_GROUPS_CLAIM = _setting("OIDC_GROUPS_CLAIM", "groups")
# Who may in: an email domain in the first list, or a group in the second or in the mapping.
OIDC_ALLOWED_EMAIL_DOMAINS = [
    domain.strip().lower().lstrip("@")
    for domain in env.list("OIDC_ALLOWED_EMAIL_DOMAINS", default=[])
]
OIDC_ALLOWED_GROUPS = env.list("OIDC_ALLOWED_GROUPS", default=[])
# The roles accounts.models.Role knows (the apps are not loaded yet; tests/test_settings.py
# keeps the two the same), most powerful first: a person in two mapped groups gets the higher.
ROLES_BY_RANK = ("admin", "manager", "bdr")


def _role_groups(raw: str) -> dict[str, str]:
    """OIDC_ROLE_GROUPS: `group=role` pairs, comma-separated (a group's name may hold "=")."""
    mapping = {}
    for pair in filter(None, (item.strip() for item in raw.split(","))):
        group, _, role = pair.rpartition("=")
        if not group.strip() or role.strip() not in ROLES_BY_RANK:
            raise ImproperlyConfigured(
                f"OIDC_ROLE_GROUPS entry {pair!r} is not group=role with a role among "
                + ", ".join(ROLES_BY_RANK)
                + " (for example sales-managers=manager,sales=bdr)."
            )
        mapping[group.strip()] = role.strip()
    return mapping


OIDC_ROLE_GROUPS = _role_groups(_setting("OIDC_ROLE_GROUPS"))
# The role of an allowed person in no mapped group; empty: none (no access, and the page that
# says so names OIDC_ACCESS_CONTACT, else the portal's admins).
OIDC_DEFAULT_ROLE = _setting("OIDC_DEFAULT_ROLE").lower()
OIDC_ACCESS_CONTACT = _setting("OIDC_ACCESS_CONTACT")
OIDC_TIMEOUT_SECONDS = env.float("OIDC_TIMEOUT_SECONDS", default=10.0)
# Passwords off: the login page shows only the provider's button, and only the break-glass
# admin below signs in with a password (at /accounts/login/?password=1; accounts/backends.py).
PASSWORD_SIGN_IN = env.bool("PASSWORD_SIGN_IN", default=True)
PASSWORD_SIGN_IN_BREAK_GLASS_USERNAME = _setting("PASSWORD_SIGN_IN_BREAK_GLASS_USERNAME")

if OIDC_ISSUER:
    _oidc_missing = [
        name for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if not _setting(name)
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(
            "OIDC_ISSUER is set, so sign-in through the identity provider is on, and these "
            "settings are missing: " + ", ".join(_oidc_missing) + " (see .env.example)."
        )
    if not (OIDC_ALLOWED_EMAIL_DOMAINS or OIDC_ALLOWED_GROUPS or OIDC_ROLE_GROUPS):
        raise ImproperlyConfigured(
            "OIDC_ISSUER is set but nobody is allowed in: set OIDC_ALLOWED_EMAIL_DOMAINS, "
            "OIDC_ALLOWED_GROUPS or OIDC_ROLE_GROUPS (see .env.example)."
        )
    if not DEBUG and urlsplit(OIDC_ISSUER).scheme != "https":
        raise ImproperlyConfigured("OIDC_ISSUER must be an https:// address in production.")
if OIDC_DEFAULT_ROLE and OIDC_DEFAULT_ROLE not in ROLES_BY_RANK:
    raise ImproperlyConfigured(
        "OIDC_DEFAULT_ROLE must be empty (no access) or one of " + ", ".join(ROLES_BY_RANK) + "."
    )
if not PASSWORD_SIGN_IN and not OIDC_ISSUER:
    raise ImproperlyConfigured(
        "PASSWORD_SIGN_IN=false needs OIDC_ISSUER: otherwise only the break-glass admin could "
        "sign in."
    )

# The password gate runs first: with passwords off it refuses everyone but the break-glass
# admin before Django's own check (the login page and the Django admin's alike).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.PasswordSignInGate",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery: JSON only, acknowledged after the work is done so a killed worker's task comes back.
CELERY_BROKER_URL = REDIS_URL
# kombu's Redis transport with the repair that lets a worker ride out a Redis restart while its
# tasks run (Celery 5.7.0 died there): see lusha_portal/celery_transport.py.
CELERY_BROKER_TRANSPORT = "lusha_portal.celery_transport:Transport"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "enrichment-jobs-revive": {
        "task": "lists.tasks.revive_enrichment_jobs",
        "schedule": 10,
    },
    "imports-revive": {
        "task": "lists.tasks_imports.revive_imports",
        "schedule": 60,
    },
    "import-previews-expire": {
        "task": "lists.tasks_imports.expire_import_previews",
        "schedule": 60 * 60,
    },
    "add-all-runs-revive": {
        "task": "prospecting.tasks.revive_add_all_runs",
        "schedule": 120,
    },
    "ledger-sweep": {
        "task": "accounts.tasks.ledger_sweep",
        "schedule": 30,
    },
    "account-usage-refresh": {
        "task": "accounts.tasks.account_usage_refresh",
        "schedule": 15 * 60,
    },
    "budget-holds-sweep": {
        "task": "spend.tasks.budget_holds_sweep",
        "schedule": 60 * 60,
    },
    "signals-poll-due-watches": {
        "task": "signals.tasks.poll_due_watches",
        "schedule": 5 * 60,
    },
    "abm-score-runs-revive": {
        "task": "abm.tasks.revive_score_runs",
        "schedule": 60,
    },
    "abm-buying-groups-revive": {
        "task": "abm.tasks.revive_buying_groups",
        "schedule": 60,
    },
    "signals-webhook-deliveries-purge": {
        "task": "signals.tasks.purge_webhook_deliveries",
        "schedule": 24 * 60 * 60,
    },
    "signals-push-sync": {
        "task": "signals.tasks.sync_pushed_signals",
        "schedule": 5 * 60,
    },
    "privacy-retention-purge": {
        "task": "privacy.tasks.purge_stale_reveals",
        "schedule": 6 * 60 * 60,
    },
}
CELERY_TIMEZONE = TIME_ZONE

# How long a worker's heartbeat counts as "alive" for /healthz.
WORKER_HEARTBEAT_SECONDS = 10
WORKER_HEARTBEAT_TTL_SECONDS = 45

# Budget alerts go by email: SMTP from EMAIL_URL (e.g. smtp+tls://user:pass@mail:587),
# else EMAIL_BACKEND (the console in development).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend",
)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="lusha-portal@localhost")

# Production hardening; each can be relaxed by its variable where a proxy already does it.
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The container healthcheck calls /healthz over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

_oidc_origin = "{0.scheme}://{0.netloc}".format(urlsplit(OIDC_ISSUER)) if OIDC_ISSUER else ""
# Content-Security-Policy (django-csp) on every page: scripts and styles from our own static
# files only (no inline script, no on* handlers, no style attributes; static/js/portal.js does
# what they did), nothing framed, forms posted only to the portal.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        # The sign-out form's redirect to the provider (RP-initiated logout) counts as the
        # form's action.
        "form-action": [SELF, *([_oidc_origin] if _oidc_origin else [])],
        "frame-ancestors": [NONE],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
