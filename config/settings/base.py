"""Settings shared by every environment; everything that varies comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from config.cache import with_reused_clients
from config.observability.errors import init_error_reporting
from config.observability.logging import logging_config
from config.security_headers import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-never-used-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's backend, with a health check that asks the server only when it has to, and
# timestamps parsed in C (config/postgresql).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.postgresql"
# Parameters are bound on the server, and a statement a connection has run this many times is
# prepared: PostgreSQL then stops parsing it on every run, and plans it afresh only where a
# plan made for the values at hand looks worth it (the event scope, which never is, is a
# database function that keeps one plan: migration tracking 0006). A pooler in transaction mode
# must keep prepared statements per client (PgBouncer 1.21+, max_prepared_statements); 0
# turns preparing off.
DATABASE_PREPARE_THRESHOLD = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
DATABASES["default"].setdefault("OPTIONS", {}).update(
    server_side_binding=True, prepare_threshold=DATABASE_PREPARE_THRESHOLD or None
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # Django's admin on a site that asks staff for their two-factor code (config.admin_site).
    "config.admin_apps.AllianceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "csp",
    "phonenumber_field",
    # django-axes, its admin section named for what it holds (config.admin_apps).
    "config.admin_apps.SignInLockoutsConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "config",
    "alliance",
    "scheduling",
    "orders",
    "tracking",
]

MIDDLEWARE = [
    # First, so every other middleware's log lines carry the request id.
    "config.observability.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Django's LocaleMiddleware, extended: it needs the person (profile, company's country).
    "alliance.middleware.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "alliance.middleware.SuspendedMemberLogoutMiddleware",
    # A person half-way through signing in counts as signed out; staff enrol first.
    "alliance.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, so its lockout page replaces whatever the sign-in view answered.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alliance.context_processors.current_member",
                "tracking.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

AUTH_USER_MODEL = "alliance.User"
# Axes first: it refuses a locked-out (email, address) before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "alliance.backends.MemberAwareModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "alliance:dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Invitation and password-reset links stay valid for three days; a lost or expired
# invitation is sent again from the colleagues page or the admin.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)

LANGUAGE_CODE = "en"
# The alliance's seven working languages. Django knows no Lao of its own, so it is described here.
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("vi", _("Vietnamese")),
    ("th", _("Thai")),
    ("lo", _("Lao")),
    ("ms", _("Malay")),
    ("my", _("Burmese")),
]
LANG_INFO.setdefault("lo", {"bidi": False, "code": "lo", "name": "Lao", "name_local": "ພາສາລາວ"})
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Front-end packages come from npm (package.json) and are served from this machine.
STATICFILES_DIRS = [
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    # The portal's Noto fonts, regular and bold (css/portal.css's @font-face rules): one
    # folder per npm package and weight, e.g. vendor/fonts/noto-sans-thai/700Bold/.
    *(
        (
            f"vendor/fonts/{package}/{weight}",
            BASE_DIR / "node_modules" / "@expo-google-fonts" / package / weight,
        )
        for package in (
            "noto-sans",
            "noto-sans-thai",
            "noto-sans-lao",
            "noto-sans-myanmar",
            "noto-sans-sc",
            "noto-sans-symbols",
        )
        for weight in ("400Regular", "700Bold")
    ),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Business licences are scans; anything larger is almost always a mistake.
LICENCE_MAX_UPLOAD_BYTES = env.int("LICENCE_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHE_URL = env("CACHE_URL", default="")
CACHES = {
    "default": with_reused_clients(env.cache_url_config(CACHE_URL))
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# With no broker configured, tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not env("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
# A worker killed mid-task hands the task back to the broker, for another worker to redo.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Publishing (after a request's commit, or from a task) tries the broker once: by default kombu
# retries the connection for seconds, which held every request up while Redis was down. What
# cannot be published is stored all the same, and the periodic sweeps send it later. Workers
# reconnect on their own terms (CELERY_BROKER_CONNECTION_MAX_RETRIES), unaffected by this.
#
# visibility_timeout: on Redis, a task taken by a worker that died (no ack, acks late) goes
# back to the queue after this many seconds, for another worker to redo. Longer than any task
# runs, or a slow task would be handed out twice (harmless, applying is idempotent, but waste).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Webhook deliveries wait on other companies' servers, so they have their own queue (and
# workers, see `make stack`): a receiver that is slow or down never holds up tracking work.
WEBHOOK_QUEUE = env("WEBHOOK_QUEUE", default="webhooks")
CELERY_TASK_ROUTES = {"tracking.notifications.tasks.send_webhook": {"queue": WEBHOOK_QUEUE}}
# One webhook attempt may take this long in all (connecting, sending, the answer's head).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5)
# The first retry's nominal wait (it doubles from there, see tracking/notifications/webhooks.py),
# and how long a queued or started attempt may take before the sweep sends it again.
WEBHOOK_FIRST_RETRY_SECONDS = env.int("WEBHOOK_FIRST_RETRY_SECONDS", default=120)
WEBHOOK_GRACE_SECONDS = env.int("WEBHOOK_GRACE_SECONDS", default=120)
# An endpoint failing every attempt for this long is disabled and its member told.
WEBHOOK_DISABLE_AFTER = timedelta(hours=env.int("WEBHOOK_DISABLE_AFTER_HOURS", default=24))
# Webhooks go to public HTTPS addresses only; development and tests may allow plain HTTP and
# loopback (a receiver on the same machine). Private, link-local and metadata stay refused.
WEBHOOK_ALLOW_LOOPBACK = False
WEBHOOK_ALLOW_HTTP = False
# Every periodic job, in one place; only `celery beat` (make stack) runs them.
CELERY_BEAT_SCHEDULE = {
    "generate-trips": {"task": "scheduling.tasks.generate_trips", "schedule": 3600.0},
    "allocate-waiting-bookings": {
        "task": "scheduling.tasks.allocate_waiting_bookings",
        "schedule": 900.0,
    },
    # Catches bookings left on a cancelled trip when the broker was down at the time.
    "rehome-stranded-bookings": {
        "task": "scheduling.tasks.rehome_cancelled_trip_bookings",
        "schedule": 900.0,
    },
    # Applies tracking events stored while the broker was down, or whose worker died.
    "sweep-unapplied-events": {
        "task": "tracking.tasks.sweep_unapplied_events",
        "schedule": 60.0,
    },
    # Sends email digests that are due and unsent (their task lost while the broker was down).
    "send-due-email-digests": {
        "task": "tracking.notifications.email_tasks.send_due_email_digests",
        "schedule": 60.0,
    },
    "detect-delays": {"task": "tracking.tasks.detect_delays", "schedule": 300.0},
    # Sends webhook retries when due, and deliveries whose task the broker lost.
    "send-due-webhooks": {
        "task": "tracking.notifications.tasks.send_due_webhooks",
        "schedule": 15.0,
    },
    "close-settled-orders": {"task": "orders.tasks.close_settled_orders", "schedule": 3600.0},
    "forget-idempotency-keys": {
        "task": "orders.tasks.forget_idempotency_keys",
        "schedule": 3600.0,
    },
    # Recomputes the last weeks' operations figures and the operation index.
    "refresh-operations": {"task": "tracking.tasks.refresh_operations", "schedule": 3600.0},
}
# How far ahead trips are generated from timetables and bookings are placed.
SCHEDULING_HORIZON_DAYS = env.int("SCHEDULING_HORIZON_DAYS", default=28)
# An ETA moving by more than this is worth telling (topic "eta_changes").
ETA_NOTIFY_THRESHOLD_MINUTES = env.int("ETA_NOTIFY_THRESHOLD_MINUTES", default=60)
# A running trip this late at a stop raises a delay exception (once per stop).
DELAY_THRESHOLD_MINUTES = env.int("DELAY_THRESHOLD_MINUTES", default=60)
# Operations figures: a departure or arrival this late still counts as on time.
ON_TIME_MINUTES = env.int("ON_TIME_MINUTES", default=15)
# The operation index's base week (= 100), an ISO date in it (e.g. 2025-01-06); unset, the
# first week with complete figures.
OPERATION_INDEX_BASE_WEEK = env("OPERATION_INDEX_BASE_WEEK", default="") or None
# Carrier API body limits: one event, a bulk of up to 1,000, and a proof-of-delivery photo.
TRACKING_EVENT_MAX_BYTES = 64 * 1024
TRACKING_BULK_MAX_BYTES = 2 * 1024 * 1024
TRACKING_PHOTO_MAX_BYTES = 1024 * 1024
# Seconds a web process gathers the ids of events it stored before publishing them as one
# task (tracking/dispatch.py); 0 publishes each request's events as it commits.
TRACKING_PUBLISH_WINDOW = env.float("TRACKING_PUBLISH_WINDOW", default=0.05)
# Days after delivery before an order closes by itself (claims and invoices settle meanwhile).
ORDER_SETTLING_DAYS = env.int("ORDER_SETTLING_DAYS", default=14)
# How long a create request's Idempotency-Key is remembered.
IDEMPOTENCY_KEY_HOURS = 24
# Bulk import: the largest file accepted (rows and bytes).
ORDER_IMPORT_MAX_ROWS = env.int("ORDER_IMPORT_MAX_ROWS", default=5000)
ORDER_IMPORT_MAX_BYTES = env.int("ORDER_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
ORDER_IMPORT_RATE = env("ORDER_IMPORT_RATE", default="30/h")
# Submitting on import books every order within the request, so the file is kept smaller.
ORDER_IMPORT_SUBMIT_MAX_ROWS = env.int("ORDER_IMPORT_SUBMIT_MAX_ROWS", default=1000)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Lorry Alliance <no-reply@lorry-alliance.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ALLIANCE_ADMIN_EMAILS = env.list("ALLIANCE_ADMIN_EMAILS", default=[])
# Notification emails: everything a member is told about one shipment within this window
# after the first notification goes out in one email.
EMAIL_DIGEST_WINDOW_SECONDS = env.int("EMAIL_DIGEST_WINDOW_SECONDS", default=300)

# Rendering a document costs about a second of CPU: a limit per person (portal and API).
DOCUMENT_RATE = env("DOCUMENT_RATE", default="120/h")
# The public tracking page and its JSON, per client address: enough for a person, not a scraper.
TRACKING_RATE = env("TRACKING_RATE", default="60/m")
# Map tiles for the tracking page (an {z}/{x}/{y} URL); empty: the route is drawn without tiles.
MAP_TILE_URL = env("MAP_TILE_URL", default="")

# Browser-side rules (config/security_headers.py). Scripts and styles come from our static
# files only; images also from CSP_EXTRA_IMG_SRC (e.g. a CDN) and, on the tracking page,
# MAP_TILE_URL's host.
CSP_EXTRA_IMG_SRC = env.list("CSP_EXTRA_IMG_SRC", default=[])
CONTENT_SECURITY_POLICY = content_security_policy(extra_img_src=CSP_EXTRA_IMG_SRC)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Seconds a client is told to wait (Retry-After) before sending again a request refused 503
# because the database could not be reached (a restart or failover).
SERVICE_RETRY_AFTER_SECONDS = env.int("SERVICE_RETRY_AFTER_SECONDS", default=5)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "alliance.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["alliance.api.permissions.IsActiveMember"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StrictLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.UserRateThrottle",
        "config.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_USER_RATE", default="6000/hour"),
        "anon": env("API_ANON_RATE", default="300/hour"),
        "documents": DOCUMENT_RATE,
        "tracking": TRACKING_RATE,
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lorry Alliance Platform API",
    "DESCRIPTION": "Members, trips, orders and cargo tracking of the China–ASEAN "
    "Cross-Border Regular Lorry Logistics Alliance. Authenticate with "
    "`Authorization: Api-Key <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ServiceKindEnum": "scheduling.models.ServiceKind",
        "TripStatusEnum": "scheduling.models.Trip.Status",
        "BookingStatusEnum": "scheduling.models.Booking.Status",
        "MemberStatusEnum": "alliance.models.Member.Status",
        "ApplicationStatusEnum": "alliance.models.MembershipApplication.Status",
        "OrderStatusEnum": "orders.models.Order.Status",
        "ShipmentStatusEnum": "orders.models.Shipment.Status",
        "CurrencyEnum": "orders.money.Currency",
        "CountryEnum": "django_countries.countries",
        "WebhookDeliveryStatusEnum": "tracking.notifications.models.WebhookDelivery.Status",
        "EventCodeEnum": "tracking.codes.Code",
        "ExceptionReasonEnum": "tracking.codes.Reason",
    },
}

PHONENUMBER_DEFAULT_FORMAT = "E164"
RATELIMIT_VIEW = "config.views.rate_limited"
# Failed API-key authentications per client address; past it, that address's keyed requests
# get 429 until the window ends (alliance/api/key_failures.py).
API_KEY_FAILURE_RATE = env("API_KEY_FAILURE_RATE", default="20/m")
# Limits on cheap-to-abuse public forms, per client address.
APPLICATION_RATE = env("APPLICATION_RATE", default="10/h")
LOGIN_RATE = env("LOGIN_RATE", default="20/m")
# Behind a reverse proxy, name the header that carries the client's address
# (e.g. HTTP_X_REAL_IP); left unset, the socket's address is used.
CLIENT_ADDRESS_META_KEY = env("RATELIMIT_IP_META_KEY", default=None)
# One rule decides the client's address for every limit (config.client_address).
RATELIMIT_IP_META_KEY = "config.client_address.client_key"

# Sign-in lockout (django-axes): after LOGIN_FAILURE_LIMIT failures for one email from one
# address, that combination is refused for LOGIN_COOLOFF_MINUTES (each further try starts
# the wait again); a successful sign-in clears the count. Stored in the database, so every
# web process sees the same count; staff unlock under "Sign-in lockouts" in the admin.
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "alliance.sign_in.attempted_email"
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "alliance.sign_in.locked_out"
AXES_VERBOSE = False

# Two-factor sign-in (django-otp): the name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Lorry Alliance")
# How long the code step waits after the password before the person must start again.
SIGN_IN_CODE_SECONDS = 10 * 60

# Log lines: "json" (one object a line, for a log shipper) or "plain" (for reading in a
# terminal); both carry the request id. Production defaults to json.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# Prometheus: one directory per host shared by gunicorn's workers and Celery's processes
# (prometheus_client's multiprocess mode); unset, each process keeps its series in memory.
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")
# A Prometheus server that cannot sign in scrapes /metrics with "Authorization: Bearer <token>";
# unset, only signed-in staff can read it.
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# Error reports to a Sentry-compatible service; nothing is sent unless SENTRY_DSN is set.
SENTRY_DSN = env("SENTRY_DSN", default="")
# Unset, the environment is the settings module's name: production, local, test.
SENTRY_ENVIRONMENT = env(
    "SENTRY_ENVIRONMENT",
    default=env("DJANGO_SETTINGS_MODULE", default="config.settings.local").rsplit(".", 1)[-1],
)
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
init_error_reporting(
    dsn=SENTRY_DSN,
    environment=SENTRY_ENVIRONMENT,
    release=SENTRY_RELEASE,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)
