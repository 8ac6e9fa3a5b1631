"""Settings for trainingsite, read from the environment with safe defaults.

With no environment set the site runs with no services: SQLite under ``var/`` and Celery tasks executed
in-process. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and a real broker.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


def envbool(s: str, default: str) -> bool:
    v = os.getenv(s, default=default)
    if v not in ("", "True", "true", "1", "False", "false", "0"):
        raise Exception(f"Unexpected value {s}={v}, use 'True' or 'False'")
    return v in ("True", "true", "1")


def envint(s: str, default: str) -> int:
    v = os.getenv(s, default)
    return int(v) if v else int(default)


def envlist(s: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(s, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn ``postgres://user:pass@host:port/name?sslmode=…`` into a Django DATABASES entry."""
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise Exception(f"DATABASE_URL must be a postgres:// URL, not {parts.scheme}://")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", "0"),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": envint("DB_CONNECT_TIMEOUT", "5"), **options},
        "TEST": {"NAME": os.getenv("DB_TEST_NAME") or None},
    }


def cache_from_url(redis_url: str) -> dict:
    """Django's cache: Redis when ``REDIS_URL`` is set (its own key prefix beside Celery's keys), else the
    database table made by ``createcachetable``. Never per-process memory: every web process must see the
    same login rate limits."""
    if redis_url:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "trainingsite-cache",
            "TIMEOUT": 300,
        }
    return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}


# Off unless asked for: scripts/setup turns it on for the local development server.
DEBUG = envbool("DEBUG", "False")
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-" + "x" * 40
SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    if not DEBUG:
        raise Exception("SECRET_KEY must be set (not the development key) when DEBUG is off")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_ROOT = os.getenv("SITE_ROOT", "http://127.0.0.1:8000")
SITE_NAME = os.getenv("SITE_NAME", "社群运营培训认证平台")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.dingtalk",
    "allauth.socialaccount.providers.feishu",
    "allauth.socialaccount.providers.openid_connect",
    "accounts.providers.wecom",
    "accounts",
    "courses",
    "assessments",
    "certificates",
    "notifications",
    "evaluation",
    "retention",
    "workchat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "trainingsite.middleware.PrivateNoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "notifications.middleware.LanguagePreferenceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "trainingsite.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "trainingsite.urls"
WSGI_APPLICATION = "trainingsite.wsgi.application"

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
                "trainingsite.context_processors.site",
            ],
        },
    },
]

DATABASE_URL = os.getenv("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.getenv("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email + password, mandatory verification, rate limits on (allauth's defaults).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.getenv("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# login_failed: 10 failures a minute per client address, and 5 per five minutes per (client address,
# account): the adapter puts the address in the key, so a stranger's failures never lock out the owner.
# login: every sign-in, failed or not. allauth's default (30 a minute per address) turns away the 31st
# recruit of a cohort signing in at nine behind one office NAT; guessing is held by login_failed, so this
# only caps a flood (10 a second from one address).
ACCOUNT_RATE_LIMITS = {
    "login": "600/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# The address rate limits count by. Behind a load balancer every request comes from the balancer's address:
# set TRUSTED_PROXY_COUNT to the number of proxies you run that append to X-Forwarded-For (1 for one load
# balancer), or TRUSTED_CLIENT_IP_HEADER to a header your proxy sets and clients cannot (X-Real-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.getenv("TRUSTED_CLIENT_IP_HEADER") or None

# Sign-in through the work platforms (allauth.socialaccount, accounts/providers/, docs/operations.md). A
# provider is offered, with its button on the sign-in page, only when its id and secret are set. A first
# sign-in links to an existing account only by an address both sides verified, else it makes a recruit
# (accounts.adapter.SocialAccountAdapter); a provider never grants a role.
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
# The directory's address counts as verified only when the operator says the company manages it.
SOCIAL_DIRECTORY_EMAIL_VERIFIED = envbool("SOCIAL_DIRECTORY_EMAIL_VERIFIED", "False")


def social_app(client_id: str, secret: str, **extra) -> list[dict]:
    """One allauth app from the environment, or none (no button) when its id or secret is unset."""
    client_id, secret = os.getenv(client_id, ""), os.getenv(secret, "")
    return [{"client_id": client_id, "secret": secret, **extra}] if client_id and secret else []


SOCIALACCOUNT_PROVIDERS = {
    "dingtalk": {
        "provider_class": "accounts.providers.dingtalk.provider.DingTalkProvider",
        "APPS": social_app("DINGTALK_CLIENT_ID", "DINGTALK_CLIENT_SECRET"),
        # Only members of this organisation may sign in (钉钉's corpId parameter); empty: any.
        "AUTH_PARAMS": {"corpId": os.getenv("DINGTALK_CORP_ID")} if os.getenv("DINGTALK_CORP_ID") else {},
        "LOGIN_URL": os.getenv("DINGTALK_LOGIN_URL", "https://login.dingtalk.com"),
        "API_URL": os.getenv("DINGTALK_API_URL", "https://api.dingtalk.com"),
        "VERIFIED_EMAIL": SOCIAL_DIRECTORY_EMAIL_VERIFIED,
    },
    "feishu": {
        "provider_class": "accounts.providers.feishu.provider.FeishuProvider",
        "APPS": social_app("FEISHU_APP_ID", "FEISHU_APP_SECRET"),
        "BASE_URL": os.getenv("FEISHU_BASE_URL", "https://open.feishu.cn"),
        "VERIFIED_EMAIL": SOCIAL_DIRECTORY_EMAIL_VERIFIED,
    },
    "wecom": {
        "APPS": social_app(
            "WECOM_CORP_ID", "WECOM_SECRET", settings={"agent_id": os.getenv("WECOM_AGENT_ID", "")}
        ),
        "LOGIN_URL": os.getenv("WECOM_LOGIN_URL", "https://login.work.weixin.qq.com"),
        "API_URL": os.getenv("WECOM_API_URL", "https://qyapi.weixin.qq.com"),
        "VERIFIED_EMAIL": SOCIAL_DIRECTORY_EMAIL_VERIFIED,
    },
    "openid_connect": {
        # allauth's own provider: the button reads OIDC_NAME; email_verified in the ID token is honoured.
        "APPS": social_app(
            "OIDC_CLIENT_ID",
            "OIDC_CLIENT_SECRET",
            provider_id=os.getenv("OIDC_ID", "sso"),
            name=os.getenv("OIDC_NAME", "OpenID Connect"),
            settings={"server_url": os.getenv("OIDC_SERVER_URL", "")},
        )
        if os.getenv("OIDC_SERVER_URL")
        else [],
        "OAUTH_PKCE_ENABLED": True,
    },
}


def social_login_origins(providers: dict) -> list[str]:
    """The hosts the sign-in form's redirect goes to: CSP form-action must allow them, or the browser stops
    the redirect that follows the POST to /accounts/<provider>/login/."""
    keys = {"dingtalk": "LOGIN_URL", "feishu": "BASE_URL", "wecom": "LOGIN_URL"}
    urls = [providers[p][k] for p, k in keys.items() if providers[p]["APPS"]]
    urls += [app["settings"]["server_url"] for app in providers["openid_connect"]["APPS"]]
    origins = {f"{u.scheme}://{u.netloc}" for u in map(urlparse, urls) if u.scheme and u.netloc}
    return sorted(origins)


LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.getenv("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

CONTENT_ROOT = Path(os.getenv("CONTENT_ROOT", BASE_DIR / "content"))

# Email: console backend by default, SMTP when EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "training@example.com")
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", "587")
    EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "True")
elif os.getenv("EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.getenv("EMAIL_FILE_PATH")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

CACHES = {"default": cache_from_url(os.getenv("CACHE_REDIS_URL", "") or os.getenv("REDIS_URL", ""))}

# Celery. The database is the source of truth; Redis is only the doorbell (docs/operations.md).
REDIS_URL = os.getenv("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "redis://127.0.0.1:6379/0"
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "False" if REDIS_URL else "True")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Ack after the task ran, and put the message back when the process running it dies (SIGKILL, OOM).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "60")
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "90")
# Transient errors (database connection, lock timeout) are retried with exponential backoff, capped.
GRADING_MAX_RETRIES = envint("GRADING_MAX_RETRIES", "6")
GRADING_RETRY_BACKOFF_MAX = envint("GRADING_RETRY_BACKOFF_MAX_SECONDS", "60")
# A delivery that starts this many times without finishing (worker killed each time) is marked error.
GRADING_MAX_TRIES = envint("GRADING_MAX_TRIES", "5")
# Redis hands an unacknowledged message to another worker after the visibility timeout. A message may wait
# in prefetch behind one running task, then run, or wait out a retry countdown: the timeout must exceed all
# of that, or a task that is still running is delivered a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", str(4 * CELERY_TASK_TIME_LIMIT)),
    "socket_connect_timeout": 5,
    "socket_timeout": 30,
}
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT:
    raise Exception("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT")
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= (
    2 * CELERY_TASK_TIME_LIMIT + GRADING_RETRY_BACKOFF_MAX
):
    raise Exception("CELERY_VISIBILITY_TIMEOUT must exceed 2 × CELERY_TASK_TIME_LIMIT + retry backoff cap")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When Redis drops, a grading in progress finishes and commits; its lost ack only means a harmless duplicate.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A send while Redis is down gives up after about two seconds; the sweeper queues that attempt later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 3,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
# Three queues (trainingsite/tasks.py), so a slow report or a mail outage never delays grading. Each task
# declares its queue in its decorator; a message sent by name goes to the queue its task declares.
CELERY_TASK_DEFAULT_QUEUE = "grading"
CELERY_TASK_ROUTES = ("trainingsite.tasks.route_to_declared_queue",)
# Celery's Django fixup closes the database connection around every task unless this is set: reconnecting
# cost more than the grading itself. trainingsite/celery.py applies Django's own rule between tasks instead,
# so CONN_MAX_AGE (DB_CONN_MAX_AGE) and CONN_HEALTH_CHECKS govern workers as they govern web requests.
CELERY_DB_REUSE_MAX = 10**9
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
GRADING_SWEEP_INTERVAL = envint("GRADING_SWEEP_INTERVAL_SECONDS", "60")
GRADING_STALE_AFTER = timedelta(seconds=envint("GRADING_STALE_AFTER_SECONDS", "120"))
CELERY_BEAT_SCHEDULE = {
    # On the grading queue, behind any backlog, and dropped when not started within one interval: a sweep
    # that runs finds the messages queued before it already handled, so it re-queues only lost ones.
    "sweep-attempts": {
        "task": "assessments.tasks.sweep_attempts",
        "schedule": timedelta(seconds=GRADING_SWEEP_INTERVAL),
        "options": {"expires": GRADING_SWEEP_INTERVAL},
    },
    # Daily reminders at 08:00 local time (CELERY_TIMEZONE); each reminder is unique, so a run repeated or
    # delayed sends nothing twice. Expire rather than pile up if no worker takes them within hours.
    "notify-due-dates": {
        "task": "notifications.tasks.notify_due_dates",
        "schedule": crontab(hour=8, minute=0),
        "options": {"expires": 6 * 3600},
    },
    "notify-expiring-certificates": {
        "task": "notifications.tasks.notify_expiring_certificates",
        "schedule": crontab(hour=8, minute=5),
        "options": {"expires": 6 * 3600},
    },
    "notify-overdue-checklist-items": {
        "task": "evaluation.tasks.notify_overdue_checklist_items",
        "schedule": crontab(hour=8, minute=10),
        "options": {"expires": 6 * 3600},
    },
    # Overdue counts and the timeline of the cohort overviews move with the date: refresh every summary
    # just after midnight (the pages compute their own until then).
    "refresh-cohort-summaries": {
        "task": "courses.tasks.refresh_cohort_summaries",
        "schedule": crontab(hour=0, minute=1),
        "options": {"expires": 6 * 3600},
    },
    # Spaced review (docs/retention.md): re-send lost review gradings like attempts; announce the day's
    # review at 08:10 (creating any cards a lost message missed); recall moves with the date, so refresh the
    # managers' stored recall just after midnight.
    "sweep-review-answers": {
        "task": "retention.tasks.sweep_review_answers",
        "schedule": timedelta(seconds=GRADING_SWEEP_INTERVAL),
        "options": {"expires": GRADING_SWEEP_INTERVAL},
    },
    "notify-reviews-due": {
        "task": "retention.tasks.notify_reviews_due",
        "schedule": crontab(hour=8, minute=10),
        "options": {"expires": 6 * 3600},
    },
    "refresh-recall": {
        "task": "retention.tasks.refresh_recall",
        "schedule": crontab(hour=0, minute=5),
        "options": {"expires": 6 * 3600},
    },
    # The database, not Redis, says which notification emails are unsent: re-queue lost ones hourly.
    "send-pending-notification-emails": {
        "task": "notifications.tasks.send_pending_notification_emails",
        "schedule": crontab(minute=30),
        "options": {"expires": 3600},
    },
    # The cohorts' group-bot digests (workchat), after the morning reminders; one per bot and day, so a
    # repeated run sends nothing twice. Off the half hour: 飞书 asks bots to avoid :00 and :30 peaks.
    "send-cohort-digests": {
        "task": "workchat.tasks.send_cohort_digests",
        "schedule": crontab(hour=8, minute=10),
        "options": {"expires": 6 * 3600},
    },
}
CELERY_TIMEZONE = TIME_ZONE

# Work-chat group bots (workchat, docs/workchat.md). Webhook URLs and signing secrets are encrypted with
# these Fernet keys (comma-separated, newest first; rotate with `manage.py workchat_rotate_keys`). Unset with
# DEBUG on, a key derived from SECRET_KEY serves the demo; unset in production, bots cannot be attached.
WORKCHAT_FERNET_KEYS = envlist("WORKCHAT_FERNET_KEYS", "")
# Requests go only to the platforms' own hosts over HTTPS. The tests' fake platforms listen on
# http://127.0.0.1, allowed only with this switch on (never in production).
WORKCHAT_ALLOW_LOOPBACK = envbool("WORKCHAT_ALLOW_LOOPBACK", "False")
# Messages per bot per window: the platforms document 20 a minute (企业微信, 钉钉), 100 (飞书).
WORKCHAT_RATE_LIMIT = envint("WORKCHAT_RATE_LIMIT", "20")
WORKCHAT_RATE_WINDOW = envint("WORKCHAT_RATE_WINDOW", "60")
WORKCHAT_TIMEOUT = envint("WORKCHAT_TIMEOUT", "5")
# Seconds before the first retry after a 5xx or a timeout, doubling up to 10 minutes (6 tries in all).
WORKCHAT_RETRY_BACKOFF = envint("WORKCHAT_RETRY_BACKOFF", "30")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Production hardening: on whenever DEBUG is off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Content-Security-Policy (django-csp): scripts only from our own static files (the templates have no inline
# script and no inline event handler; htmx runs without eval). Inline style attributes stay allowed: the
# progress meters and charts set widths and colours in style="…", which a nonce cannot cover.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *social_login_origins(SOCIALACCOUNT_PROVIDERS)],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

MAX_TEXT_ANSWER_CHARS = 2000
# Trainers see recruits' names and emails beside results; off: a stable pseudonym instead.
TRAINER_SEES_NAMES = envbool("TRAINER_SEES_NAMES", "True")
# Share (0 … 1) of certification written responses marked by two trainers independently (issue #13 §3).
DOUBLE_MARKING_SHARE = float(os.getenv("DOUBLE_MARKING_SHARE") or "0.2")
