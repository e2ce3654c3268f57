"""Settings for the alumni community, read from the environment.

The defaults run the embedded mode (SQLite, in-process channel layer, local
memory cache) with no configuration at all. Production sets DEBUG=0 and the
variables documented in docs/operations.md; `manage.py check --deploy` passes
then. Bad values stop the process at start with a message naming the variable.
"""

import base64
import json
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# /healthz fails when the periodic-job scheduler (crisis escalation) has not
# beaten for two minutes. Off only for test and benchmark servers that run
# without a scheduler.
SCHEDULER_HEALTH_CHECK = env_bool("SCHEDULER_HEALTH_CHECK", True)
EMBEDDED = not os.environ.get("DATABASE_URL")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Only for the embedded development mode; never used with DEBUG off.
    SECRET_KEY = "embedded-development-only-not-secret-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _origin_of(name: str, url: str, *, path_allowed: bool = False) -> str:
    parts = urlparse(url)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or (parts.path not in ("", "/") and not path_allowed)
    ):
        raise ImproperlyConfigured(f"{name} must be origins like https://community.example.org[:port]; got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


# Where pages that open sockets are served from: the socket handshake's
# Origin must be one of these, scheme, host and port (community/origin.py).
# Default: SITE_URL's origin (in DEBUG, also its localhost spellings).
_site = urlparse(SITE_URL)
_default_origins = [_origin_of("SITE_URL", SITE_URL, path_allowed=True)]
if DEBUG and _site.hostname in {"127.0.0.1", "localhost", "::1"}:
    _port = f":{_site.port}" if _site.port else ""
    _default_origins += [f"{_site.scheme}://{h}{_port}" for h in ("127.0.0.1", "localhost", "[::1]")]
SITE_ORIGINS = [_origin_of("SITE_ORIGINS", o) for o in env_list("SITE_ORIGINS", list(dict.fromkeys(_default_origins)))]
SITE_NAME = env_str("SITE_NAME", "Alumni Community")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "community",
    "community.push",
    "groups",
    "events",
    "mentorship",
    "recovery",
    # The top floor: composes the apps (home page, onboarding, demo data, export and erasure).
    "alumni",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "community.middleware.ActiveMemberMiddleware",
    "community.middleware.MemberTimeZoneMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "community.middleware.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "alumni.urls"
ASGI_APPLICATION = "alumni.asgi.application"
WSGI_APPLICATION = None

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
                "community.context_processors.community",
                "groups.context_processors.crisis",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------

if EMBEDDED:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers run while a writer commits; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue instead of deadlocking.
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"),
                "transaction_mode": "IMMEDIATE",
            },
            # Keep the file open between requests and socket frames: Django's
            # default (0) closes it after each one, and reopening SQLite (the
            # pragmas, the functions Django registers) cost a sixth of the
            # database thread's time while messages were being stored.
            "CONN_MAX_AGE": env_int("SQLITE_CONN_MAX_AGE", 600, minimum=0),
        }
    }
else:
    try:
        DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        if env_bool("DATABASE_POOL", True):
            # psycopg's pool: under ASGI, Django closes the connection at the end
            # of every request and socket frame (the threads that run sync code
            # come and go), so without a pool each one would open a new
            # PostgreSQL connection. max_size bounds one process's share of the
            # server's max_connections: processes x max_size must fit in it.
            DATABASES["default"]["OPTIONS"]["pool"] = {
                "min_size": env_int("DATABASE_POOL_MIN", 2),
                "max_size": env_int("DATABASE_POOL_MAX", 20, minimum=1),
                "timeout": 10,
            }
            # The pool requires CONN_MAX_AGE 0. Health checks make the pool test
            # a connection before lending it, so a PostgreSQL restart costs no
            # failed request.
            DATABASES["default"]["CONN_MAX_AGE"] = 0
            DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if os.environ.get("TEST_DATABASE_URL"):
    # The test run against a real PostgreSQL (CI) replaces the default database.
    DATABASES = {"default": dj_database_url.parse(os.environ["TEST_DATABASE_URL"])}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Parameters travel apart from the SQL, and a statement run a few times
    # on a connection is prepared there: PostgreSQL then plans it once
    # instead of on every run (the socket's hot reads join three tables;
    # planning them cost more than running them). Turn off behind a pooler
    # that cannot keep prepared statements (PgBouncer in transaction mode
    # before 1.21 or without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=env_int("DATABASE_PREPARE_THRESHOLD", 5, minimum=0)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, rate limits, presence ---------------------

REDIS_URL = env_str("REDIS_URL")


def _check_redis_url(name: str, url: str) -> str:
    if urlparse(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"{name} must start with redis://, rediss:// or unix://; got {url!r}")
    return url


if REDIS_URL:
    _check_redis_url("REDIS_URL", REDIS_URL)
    # Past one Redis host the channel layer shards channels and groups over
    # several (consistent hashing); the cache and presence stay on REDIS_URL.
    _channel_hosts = [
        _check_redis_url("CHANNEL_REDIS_URLS", url) for url in env_list("CHANNEL_REDIS_URLS", [REDIS_URL])
    ]
    CHANNEL_LAYER = env_str("CHANNEL_LAYER", "core")
    if CHANNEL_LAYER == "core":
        # The list-based layer, chosen by measurement (docs/operations.md,
        # "Channel layer"): when Redis goes away, every consumer's receive
        # fails, its socket closes and the client resumes with ?after=; the
        # pub/sub layer keeps sockets open and silently misses what is
        # published before it has re-subscribed. The list layer drops a
        # message (with only a debug log line) when a channel already holds
        # `capacity` undelivered ones, and forgets group members after
        # `group_expiry`: capacity is far above what a live socket falls
        # behind by, and group_expiry is above Daphne's --websocket_timeout
        # (deploy/entrypoint.sh), so a socket never outlives its groups.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "community.channel_layers.RedisChannelLayer",
                "CONFIG": {
                    "hosts": _channel_hosts,
                    "prefix": env_str("CHANNEL_PREFIX", "alumni"),
                    "capacity": env_int("CHANNEL_CAPACITY", 1000, minimum=100),
                    # A process's hub channel (community.realtime.hub) carries every
                    # event for every socket of the process.
                    "channel_capacity": {"hub.*": env_int("CHANNEL_HUB_CAPACITY", 50000, minimum=1000)},
                    "expiry": env_int("CHANNEL_EXPIRY", 60, minimum=10),
                    "group_expiry": env_int("CHANNEL_GROUP_EXPIRY", 7 * 86400, minimum=2 * 86400),
                },
            }
        }
    elif CHANNEL_LAYER == "pubsub":
        # Redis pub/sub: one PUBLISH per group_send, nothing queued in Redis.
        # Faster, but see the note above on Redis restarts.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": _channel_hosts, "prefix": env_str("CHANNEL_PREFIX", "alumni")},
            }
        }
    else:
        raise ImproperlyConfigured(f"CHANNEL_LAYER must be pubsub or core; got {CHANNEL_LAYER!r}")
    CACHES = {
        "default": {
            "BACKEND": "community.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_PREFIX", "alumni"),
            # Fail fast when Redis is away: a page must not hang on the cache.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2, "health_check_interval": 15},
        }
    }
else:
    CHANNEL_LAYER = "memory"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "community.channel_layers.InMemoryChannelLayer",
            # The default 100 queued events per channel would overflow in a
            # burst, and Channels then drops events silently; the process's
            # hub channel (community.realtime.hub) carries every socket's events.
            # (Channels' in-memory layer does not compile channel_capacity
            # globs itself, so the pattern is given compiled.)
            "CONFIG": {"capacity": 1000, "channel_capacity": [(re.compile(r"hub\."), 50000)]},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks -----------------------------------------------------

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Accounts (django-allauth) ---------------------------------------------

AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# A new member's first screen is the welcome (time zone, how it works, a bad night).
ACCOUNT_SIGNUP_REDIRECT_URL = "/welcome/"
ACCOUNT_ADAPTER = "community.adapters.InvitationOnlyAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "alumni.onboarding.InvitedSignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# login_failed's "key" is the account at one address, and login_failed_account
# (ours: community.adapters) the account from everywhere, slower and above
# what one address can reach (5 per 15 minutes is 20 an hour), so a guesser
# elsewhere never locks a member out of their own network (docs/security.md).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/15m/key",
    "login_failed_account": "50/h/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Turning the authenticator app off or replacing recovery codes takes a code
# from it (or a recovery code), never the password alone; re-authentication of
# a member with an authenticator is by code too (community.adapters).
MFA_FORMS = {
    "deactivate_totp": "community.forms.DeactivateTOTPWithCodeForm",
    "generate_recovery_codes": "community.forms.GenerateRecoveryCodesWithCodeForm",
}
# Adding an e-mail address, making another one primary or removing one needs a
# fresh re-authentication, and the old address is told about the change.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
MFA_TOTP_ISSUER = SITE_NAME
# Tracking activity writes on every request; the sessions page shows login time and IP instead.
USERSESSIONS_TRACK_ACTIVITY = False
REQUIRE_MFA_FOR_STAFF = env_bool("REQUIRE_MFA_FOR_STAFF", not EMBEDDED)

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14, minimum=1)
# Invitation e-mails one staff member may send (each address counts, a CSV
# of 2,000 rows is 2,000): a stolen staff session must not become a mailer.
INVITATION_EMAILS_PER_HOUR = env_int("INVITATION_EMAILS_PER_HOUR", 200, minimum=1)
INVITATION_EMAILS_PER_DAY = env_int("INVITATION_EMAILS_PER_DAY", 500, minimum=1)

# --- Email ------------------------------------------------------------------

EMAIL_URL = env_str("EMAIL_URL", "console://")
_email = urlparse(EMAIL_URL)
if _email.scheme == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif _email.scheme == "locmem":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif _email.scheme in {"smtp", "smtp+tls", "smtps"}:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 587)
    EMAIL_HOST_USER = _email.username or ""
    EMAIL_HOST_PASSWORD = _email.password or ""
    EMAIL_USE_TLS = _email.scheme == "smtp+tls"
    EMAIL_USE_SSL = _email.scheme == "smtps"
else:
    raise ImproperlyConfigured(f"EMAIL_URL must be console://, locmem:// or smtp[s]://…; got {EMAIL_URL!r}")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "community@example.org")

# --- Crisis resources ---------------------------------------------------------

_DEFAULT_CRISIS_RESOURCES = [
    {
        "name": "988 Suicide & Crisis Lifeline",
        "detail": "Call or text 988, any time.",
        "phone": "988",
        "sms": "988",
        "url": "",
    },
    {"name": "Crisis Text Line", "detail": "Text HOME to 741741.", "phone": "", "sms": "741741", "url": ""},
    {
        "name": "SAMHSA National Helpline",
        "detail": "Free, confidential, 24/7 treatment referral.",
        "phone": "1-800-662-4357",
        "sms": "",
        "url": "",
    },
    {
        "name": "Emergency services",
        "detail": "If you or someone else is in immediate danger, call 911.",
        "phone": "911",
        "sms": "",
        "url": "",
    },
]
try:
    CRISIS_RESOURCES = (
        json.loads(os.environ["CRISIS_RESOURCES"]) if os.environ.get("CRISIS_RESOURCES") else _DEFAULT_CRISIS_RESOURCES
    )
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(f"CRISIS_RESOURCES must be a JSON list: {exc}") from None
if not isinstance(CRISIS_RESOURCES, list) or not all(isinstance(r, dict) and r.get("name") for r in CRISIS_RESOURCES):
    raise ImproperlyConfigured("CRISIS_RESOURCES must be a JSON list of objects with a name")

# --- Web Push -------------------------------------------------------------------

# The VAPID key pair signs every push (RFC 8292); browsers subscribe with
# its public half. VAPID_PRIVATE_KEY is the base64url form of a raw 32-byte
# P-256 key (`manage.py vapid_keys` makes one). scripts/run sets it from a
# key made once for this checkout (.dev/, never committed). With no key push
# is off and the settings page says so.
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY").strip()
VAPID_PUBLIC_KEY = ""
if VAPID_PRIVATE_KEY:
    try:
        _vapid_raw = base64.urlsafe_b64decode(VAPID_PRIVATE_KEY + "=" * (-len(VAPID_PRIVATE_KEY) % 4))
        if len(_vapid_raw) != 32:
            raise ValueError("not 32 bytes")
        _vapid_key = ec.derive_private_key(int.from_bytes(_vapid_raw, "big"), ec.SECP256R1())
    except ValueError:
        raise ImproperlyConfigured(
            "VAPID_PRIVATE_KEY must be the base64url form of a raw 32-byte P-256 key (manage.py vapid_keys)"
        ) from None
    VAPID_PUBLIC_KEY = (
        base64.urlsafe_b64encode(
            _vapid_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
        .decode()
        .rstrip("=")
    )
# Who the push services may contact about this sender.
VAPID_SUBJECT = env_str("VAPID_SUBJECT", f"mailto:{DEFAULT_FROM_EMAIL}")
if not VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(f"VAPID_SUBJECT must start with mailto: or https://; got {VAPID_SUBJECT!r}")
# The only places the server will send pushes to: a subscription's endpoint
# is given by the browser, so anything else would let a member make the
# server POST to any address. scheme://host, "*." for any subdomain.
PUSH_SERVICES = env_list(
    "PUSH_SERVICES",
    [
        "https://fcm.googleapis.com",
        "https://updates.push.services.mozilla.com",
        "https://*.push.services.mozilla.com",
        "https://*.notify.windows.com",
        "https://*.push.apple.com",
    ],
)
PUSH_TIMEOUT_SECONDS = env_int("PUSH_TIMEOUT_SECONDS", 10, minimum=1)

# --- Internationalisation -----------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------

WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_URL = "/static/"
# Where collectstatic writes and, with DEBUG off, where the hashed files are served from.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security -----------------------------------------------------------------

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
# Load balancers and container health checks speak plain HTTP to the process.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Database sessions, with the per-request lookup written once (community/sessions.py).
SESSION_ENGINE = "community.sessions"
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Chat limits ----------------------------------------------------------------

MESSAGE_MAX_LENGTH = 4000
FRAME_MAX_BYTES = 64 * 1024
# Sockets doing their connect work (session, membership, resume backlog) at
# the same time, per process; the rest wait their turn (community.connect_gate),
# so a burst of connects never queues ahead of everyone's messages.
WS_CONNECTS_AT_ONCE = env_int("WS_CONNECTS_AT_ONCE", 4, minimum=1)
# Threads storing messages sent over sockets, per process; a room's messages
# always go to the same thread, in order (groups.consumers.send_runner). On
# PostgreSQL a send mostly waits for the database, so rooms proceed side by
# side; SQLite writes one transaction at a time, so it keeps the one thread
# every other database call of the sockets uses.
# Sends that arrive while a thread stores others wait and go in its next trip,
# up to this many (each still its own transaction; 1: a trip each).
SEND_BATCH_MAX = env_int("SEND_BATCH_MAX", 16, minimum=1)
SEND_THREADS = env_int(
    "SEND_THREADS", 1 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 4, minimum=1
)
# Page views run on a fixed pool of this many long-lived threads, one request
# per thread at a time (community.asgi_http): threads and their database
# connections are reused instead of made for every request. A request that
# finds them all busy waits for one. 0: Django's own handler, a new thread
# for every request.
HTTP_THREADS = env_int("HTTP_THREADS", 8, minimum=0)
RATE_LIMIT_BURST = env_int("RATE_LIMIT_BURST", 10, minimum=1)
RATE_LIMIT_PER_SECOND = float(env_int("RATE_LIMIT_PER_MINUTE", 60, minimum=1)) / 60.0

# --- Logging --------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "community.logging.JSONFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # Calendar-feed, invitation and account-key paths are logged with the
    # token replaced (community/logging.py).
    "filters": {"redact_tokens": {"()": "community.logging.RedactTokensFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if DEBUG else "json",
            "filters": ["redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own default handler for "django" (DEBUG only) would print its
    # records a second time, unfiltered: everything goes through "console".
    "loggers": {"django": {"handlers": [], "propagate": True}, "django.db.backends": {"level": "WARNING"}},
}
