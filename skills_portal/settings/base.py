"""Settings read from the environment. With nothing set, the portal runs on an SQLite file with
Celery tasks executed in-process: the embedded default for trying it out."""

import hashlib
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_date, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Lowest layer first (docs/architecture.md; import-linter enforces the order).
    "skills_portal",
    "org",
    "targets",
    "training",
    "certification",
    "competitions",
    "subsidies",
    "progress",
    "audit",
    "reporting",
    "imports",
    "dashboard",
    "demo",
    "import_export",
    # django-axes under a name that reads in the admin (audit/axes_app.py).
    "audit.axes_app.AxesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "audit.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Runs a request again whose transaction lost to another writer (issue #25).
    "skills_portal.middleware.BusyRetryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "skills_portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that it wraps the view and its rendering: scoped querysets must be scoped there.
    "org.middleware.RequestPathMiddleware",
]

ROOT_URLCONF = "skills_portal.urls"
WSGI_APPLICATION = "skills_portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "targets.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # One test database per checkout, so that a developer's run and CI's run on the same
    # machine (or two clones) never drop each other's test database.
    _checkout = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]  # noqa: S324 - a name
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_checkout}"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a management command writes; the timeout waits for
    # the write lock instead of failing at once with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Django's SQLite backend, with a process's writers taking turns (skills_portal/sqlite3).
    DATABASES["default"]["ENGINE"] = "skills_portal.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): AXES_FAILURE_LIMIT failed logins for one username from one IP
# address lock that pair out for AXES_COOLOFF_TIME; a successful login resets the count. The
# client address is REMOTE_ADDR unless AXES_PROXY_COUNT proxies are declared in front.
AUTHENTICATION_BACKENDS = [
    "audit.security.PortalAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "audit.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "audit.security.client_ip"
LOGIN_THROTTLE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
LANGUAGE_COOKIE_SAMESITE = "Lax"  # Django leaves it unset; session and CSRF cookies are Lax

# Form widgets render through the project's templates, so that templates/django/forms/ can
# replace Django's "---------" empty choice with a word ("请选择").
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
# A filter's empty choice reads "all" (全部), not "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development WhiteNoise reads the source folders directly, so edits show without
# collectstatic; production serves the collected, compressed files.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Redis: Celery broker and cache. Unset means in-process tasks and a local-memory cache.
REDIS_URL = env_str("REDIS_URL") or ""
# How long a request may wait on Redis (cache or broker) before it goes on without it.
REDIS_TIMEOUT_SECONDS = float(env_str("REDIS_TIMEOUT_SECONDS") or 0.5)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # The cache fails open (skills_portal/cache.py): with Redis unreachable a page answers as
    # on an empty cache after at most these socket timeouts, never with an error.
    CACHES = {
        "default": {
            "BACKEND": "skills_portal.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "skills_portal",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    # CACHE_DIR (set by scripts/serve): a file cache that the embedded default's server
    # processes share (Idempotency-Keys, import progress and dashboards seen alike by each);
    # unset, each process keeps its own in memory (tests, management commands).
    CACHE_DIR = env_str("CACHE_DIR")
    CACHES = {"default": {"BACKEND": "skills_portal.cache.SharedFileCache",
                          "LOCATION": CACHE_DIR, "OPTIONS": {"MAX_ENTRIES": 5000}}
              if CACHE_DIR else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending a task from a request never waits on a broker that is down: one short connection
# attempt, no publish retries; the work stays in the database (roll-up marks, import batches)
# and the scheduled sweep picks it up (issue #19).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY = False
# A task acknowledged late whose worker was killed is redelivered after the visibility
# timeout: longer than the longest task (a national month's roll-up takes well under a minute
# in bench/rollup_bench.py; a 50 MB import's apply a few minutes), short enough that the work
# is redone within minutes. Redelivery is idempotent: roll-ups replace a month's snapshot
# under its lock, an import applies only from the running state.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "max_retries": 0,
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
}
# A `running` roll-up run whose month lock nobody holds, older than this, was abandoned by a
# dead process; the next sweep (every 5 minutes) marks it so and rolls its month up again.
ROLLUP_ABANDON_AFTER_SECONDS = env_int("ROLLUP_ABANDON_AFTER_SECONDS", 60)
# Likewise an import batch `running` with no job holding it, uploaded longer ago than this.
IMPORT_RESUME_AFTER_SECONDS = env_int("IMPORT_RESUME_AFTER_SECONDS", 120)

# At month-end a roll-up finishes every few seconds, and each makes every cached dashboard
# answer stale: for this long after an answer was built, a request whose roll-up is newer gets
# that answer (it says when its figures were rolled up) while one request builds the new one.
# 0: every new roll-up is shown at once.
DASHBOARD_STALE_SECONDS = env_int("DASHBOARD_STALE_SECONDS", 15)

# Roll-up status thresholds, in completion-rate points against time progress: within the
# tolerance is 正常, further behind than the serious gap is 严重滞后.
ROLLUP_ON_PACE_TOLERANCE = float(env_str("ROLLUP_ON_PACE_TOLERANCE") or 0.05)
ROLLUP_SERIOUS_GAP = float(env_str("ROLLUP_SERIOUS_GAP") or 0.15)
# Ask Celery for a sweep when figures are saved (after commit). Tests switch it off and on.
# How long a POST's answer is kept for a retry with the same Idempotency-Key (org/api).
IDEMPOTENCY_SECONDS = env_int("IDEMPOTENCY_SECONDS", 24 * 3600)
ROLLUP_SWEEP_ON_COMMIT = env_bool("ROLLUP_SWEEP_ON_COMMIT", default=True)
# With a broker, the sweep a save sends starts this many seconds later and rolls up every save
# made meanwhile. At month-end saves come several a second: started at once, sweeps ran back to
# back, each rolling up the same months again (a third of a core at 60 clerks, issue #25).
ROLLUP_SWEEP_DELAY_SECONDS = env_int("ROLLUP_SWEEP_DELAY_SECONDS", 10)
# Without a broker (Celery eager), run that sweep on a thread after the response instead of
# inside the request (progress/background.py); tests turn it off to sweep in line.
ROLLUP_SWEEP_IN_BACKGROUND = env_bool("ROLLUP_SWEEP_IN_BACKGROUND", default=True)
# Roll up again the months already rolled up when a target, a decomposition or an indicator's
# definition changes (a roll-up request queued after the commit, #26). Tests switch it off.
ROLLUP_ON_DEFINITION_CHANGE = env_bool("ROLLUP_ON_DEFINITION_CHANGE", default=True)

# The business date the portal's rules count from (skills_portal/clock.py): today unless set,
# as `scripts/serve` does for the demo, whose figures end in September 2025.
PORTAL_TODAY = env_date("PORTAL_TODAY")

# Excel import limits: a file over IMPORT_MAX_BYTES, over IMPORT_MAX_UNCOMPRESSED_BYTES once
# unzipped, compressed more than IMPORT_MAX_COMPRESSION_RATIO to one, or with a sheet of more
# than IMPORT_MAX_ROWS rows is refused before it is parsed. Files over IMPORT_ASYNC_BYTES are
# checked and applied by a Celery job whose progress the page shows.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 2**20)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 300 * 2**20)
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 100)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# Cells from the first to the last cell of a sheet (the grid the reader builds): 200,000 rows
# of 25 columns, about 160 MB.
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 5_000_000)
IMPORT_MAX_SHEETS = env_int("IMPORT_MAX_SHEETS", 500)  # an .xls or .xlsx; a CSV has one
# Text the cells of a sheet copy from its shared strings (a string is copied into each cell
# that uses it).
IMPORT_MAX_TEXT_BYTES = env_int("IMPORT_MAX_TEXT_BYTES", 100 * 2**20)
IMPORT_ASYNC_BYTES = env_int("IMPORT_ASYNC_BYTES", 1 * 2**20)
# Exports of more rows are built by a background job and downloaded when ready (#21); a
# requester's finished exports are kept this many days.
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 1000)
EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 7)
# A job not finished after this long has lost its worker: its page offers to build it again.
EXPORT_STALLED_MINUTES = env_int("EXPORT_STALLED_MINUTES", 30)
IMPORT_MAX_LISTED_ERRORS = env_int("IMPORT_MAX_LISTED_ERRORS", 500)
# Uploads are read into memory up to the import limit (the default Django limit is 2.5 MB).
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 2**20
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 2**20

# --- REST API (/api/v1/): session auth for the browser, token auth for scripts; every view
# scopes its queryset with for_user. The schema and its UIs are served locally (sidecar).
REST_FRAMEWORK = {
    # Token first: DRF answers an unauthenticated request with the first class's challenge,
    # so a missing or wrong token gets 401 with "WWW-Authenticate: Token" (session first
    # would give 403, which tells a script nothing about what to send).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "org.api.filtering.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "org.api.schema.PortalAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "技能行动目标管理平台 API",
    "DESCRIPTION": "Plans, targets, monthly figures and progress snapshots of skills-action plans.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the online validator: the docs load nothing from outside.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    # Several models have a field called "level" with different vocabularies: name each.
    "ENUM_NAME_OVERRIDES": {
        "OrgLevelEnum": "org.choices.OrgLevel",
        # ... and several called "status".
        "ProgressStatusEnum": "progress.choices.ProgressStatus",
        "RollupStatusEnum": "progress.choices.RollupStatus",
        "RollupRequestStatusEnum": "progress.choices.RollupRequestStatus",
        "RollupReasonEnum": "progress.choices.RollupReason",
        "ReportStatusEnum": "reporting.choices.ReportStatus",
        # ... and several called "kind" and "source" (writable since #18).
        "OrgKindEnum": "org.choices.OrgKind",
        "IndicatorKindEnum": "targets.choices.IndicatorKind",
        "IndicatorSourceEnum": "targets.choices.IndicatorSource",
        "RuleKindEnum": "subsidies.choices.RuleKind",
        "DecompositionAxisEnum": "targets.choices.DecompositionAxis",
        "QuotaAxisEnum": ["region", "department"],  # a quota table's (a target's has slice)
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {
        "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"}},
    # Each line carries the request id that the audit entries of the same request carry.
    "filters": {"request_id": {"()": "audit.logging.RequestIdFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Demo data: the seed loader and the demo-figures generator read the seed documents from here.
SEEDS_DIR = Path(env_str("SEEDS_DIR") or BASE_DIR.parent / "shared" / "seeds")
FIXTURES_DIR = BASE_DIR / "fixtures"

ADMIN_SITE_HEADER = _("Skills-action target portal")

# E-mail (deadline reminders of the reporting workflow): printed to the console in development
# and the demo; SMTP through EMAIL_HOST when DEBUG is off (or whatever EMAIL_BACKEND names).
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "skills-portal@localhost")
