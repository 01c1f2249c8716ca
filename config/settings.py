"""Settings read from the environment (twelve-factor); see .env.example."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")

# Local state that is not configuration: the generated secret key and the cache directory.
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def local_secret_key():
    """A key generated on first use into an untracked file, so `manage.py` works as it is.

    Replicas must share one key: set SECRET_KEY in the environment for anything but one machine.
    """
    path = Path(os.environ.get("SECRET_KEY_FILE", VAR_DIR / "secret_key"))
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x") as f:  # two processes starting at once: the first one wins
                f.write(get_random_secret_key())
            path.chmod(0o600)
        except FileExistsError:
            pass
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"SECRET_KEY is not set and {path} is empty.")
    return key


SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_prometheus",
    "config.apps.SiteConfig",
    "axes",
    "template_partials",
    "reversion",
    "core",
    "course",
    "quizzes",
    "learners",
    "classes",
    "lti_tool",
    "lti",
]

MIDDLEWARE = [
    "config.health.HealthMiddleware",  # first: probes skip the host check, redirects, cache and log
    "config.metrics.MetricsPortMiddleware",  # on METRICS_PORT, /metrics for any host and nothing else
    "config.requestlog.RequestLogMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "core.cache.PageCacheMiddleware",  # above sessions and auth: a hit touches no database
    "core.personal.CsrfMarkersMiddleware",  # below it: what it stores has no token
    # Above sessions, CSRF and X-Frame-Options: after a launch it changes the cookies and headers they send.
    "lti.middleware.framed_by_platform",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the language cookie, then Accept-Language; adds Vary
    "django.middleware.common.CommonMiddleware",
    "config.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "learners.learner.LearnerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.content_security_policy",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into the Korean lockout page
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "course.context_processors.canonical_url",
                "course.context_processors.shared_page",
                "learners.context_processors.review_due",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
# The same backends, wrapped by django-prometheus to count queries and errors.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends."
)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Writers take the lock when their transaction starts and wait for each other,
    # instead of failing with "database is locked" when two requests write at once.
    # WAL lets readers go on while one writes; NORMAL syncs at checkpoints, not every commit.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# The shared cache (core.cache): pages, fragments and the content version. By default a
# directory that all worker processes of this machine share; Redis when REDIS_URL is set,
# and then sessions are kept in it too, in front of the database.
# The content version, which must never be evicted, has a cache of its own ("content-version"):
# with the directory, a subdirectory, which the default cache neither counts nor culls (it deletes
# random files of its own directory once MAX_ENTRIES is reached); with Redis, the same server,
# run with maxmemory-policy volatile-lru, which evicts only keys that expire (compose.yaml,
# docs/operations.md), and the version is the only key that does not.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "config.metrics.MeasuredRedisCache", "LOCATION": REDIS_URL},
        "content-version": {"BACKEND": "config.metrics.MeasuredRedisCache", "LOCATION": REDIS_URL},
    }
else:
    CACHE_DIR = Path(os.environ.get("CACHE_DIR", VAR_DIR / "cache"))
    CACHES = {
        "default": {
            "BACKEND": "core.filecache.SharedFileCache",
            "LOCATION": str(CACHE_DIR),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        "content-version": {
            "BACKEND": "django_prometheus.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CACHE_DIR / "content-version"),
        },
    }

# Sessions are read from the shared cache (Redis, or the directory all workers share; never a
# per-process memory cache, which would serve a stale session) and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface is written in Korean (the message IDs) and translated into English in
# locale/en; course content stays Korean. A reader's language is the one they picked in the
# footer (Django's language cookie), else their browser's Accept-Language, else Korean.
# URLs carry no language prefix: a page has one address in every language.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "ko")
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Compressed, fingerprinted files, served with immutable caching, once `collectstatic` has
# run (as `make run` and the image build do). Before that, pages link the plain names and
# WhiteNoise serves the source files, so `manage.py` works as it is.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "config.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shipped course content (markdown, SVG, TOML) that `make run` loads.
CONTENT_DIR = BASE_DIR / "content"

# Largest diagram file an editor may upload, in bytes.
DIAGRAM_MAX_BYTES = int(os.environ.get("DIAGRAM_MAX_BYTES", str(2 * 1024 * 1024)))

CSRF_FAILURE_VIEW = "config.views.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "learners:dashboard"
LOGOUT_REDIRECT_URL = "course:home"

# Proxies in front of the site that append to X-Forwarded-For (nginx, an ingress): the client's
# address is the one the outermost trusted proxy saw (core.net.client_address). 0 = no proxy.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

# Login throttling (django-axes): five failures for one account from one address lock that pair
# for 15 minutes; a successful login or password reset lifts it. Other addresses, and other
# accounts from the same address, are not affected.
# The cached backend signs users in; ModelBackend stays listed so sessions signed in before keep working.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "learners.auth.CachedModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.net.client_address"
AXES_LOCKOUT_CALLABLE = "learners.views.login_locked"
AXES_DISABLE_ACCESS_LOG = True  # keep failures only, not a log of every successful login
AXES_VERBOSE = False

# Account mail (password reset, address confirmation): at most this many per address and per
# client an hour (django-ratelimit); counted whether or not an account has the address.
ACCOUNT_MAIL_RATE_PER_ADDRESS = os.environ.get("ACCOUNT_MAIL_RATE_PER_ADDRESS", "3/h")
ACCOUNT_MAIL_RATE_PER_CLIENT = os.environ.get("ACCOUNT_MAIL_RATE_PER_CLIENT", "10/h")

# Password-reset mail: printed to the console unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "강의실 <noreply@localhost>")
# Where e-mails (the class reminders) point: the site's public address.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Where an LMS shows the tool before a launch has said so (the login's pages in its iframe): Canvas
# frames from the school's own host, which its issuer and auth URL do not name.
LTI_FRAME_ORIGINS = [origin.strip() for origin in os.environ.get("LTI_FRAME_ORIGINS", "").split(",") if origin.strip()]

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind HTTPS (SECURE_COOKIES=1): secure cookies, a redirect from http, and HSTS, each of
# which can be turned off on its own. /metrics is scraped over plain http inside a cluster;
# the probes are answered before any redirect (config.health).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SESSION_COOKIE_SECURE)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SESSION_COOKIE_SECURE)
# A TLS-terminating proxy that sets a header: "HTTP_X_FORWARDED_PROTO,https". Only set it when
# the proxy always sets or strips that header, or clients could claim https themselves.
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = tuple(part.strip() for part in os.environ["SECURE_PROXY_SSL_HEADER"].split(",", 1))
# Django's deploy check looks for its own CSRF middleware by name; config.csrf subclasses it,
# and config.checks makes sure that one is installed instead.
SILENCED_SYSTEM_CHECKS = ["security.W003"]

# Under gunicorn, workers share metrics through files here (config/gunicorn.py); a command run
# with the same environment (migrate in a container, say) needs the directory too.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

# /metrics (config.metrics): with METRICS_PORT, only on that port, which gunicorn also listens on
# and the Kubernetes Service does not expose; then for these addresses, or with
# "Authorization: Bearer METRICS_TOKEN".
METRICS_PORT = int(os.environ["METRICS_PORT"]) if os.environ.get("METRICS_PORT") else None
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(a.strip(), strict=False)
    for a in os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",")
    if a.strip()
]

# JSON lines on stdout: one per request (config.requestlog) and every warning or error.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "course.requests": {
            "handlers": ["console"],
            "level": os.environ.get("REQUEST_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}
