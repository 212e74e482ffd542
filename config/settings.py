"""Debrief settings, read from the environment.

Zero-setup defaults: SQLite in the project folder, tasks run in-process when no
REDIS_URL is set, email printed to the console. Production sets DEBUG=false,
SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and the EMAIL_* variables.
"""
import os
from pathlib import Path

import dj_database_url

from config.requestlog import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The fallback key is public: fine for development, tests and offline commands
# (`blamecheck`, `migrate`), never for serving. Serving with it and DEBUG off is
# refused by config/wsgi.py and config/asgi.py, and `check --deploy` fails
# (postmortems/checks.py), so a forgotten SECRET_KEY cannot reach production.
DEVELOPMENT_SECRET_KEY = "django-insecure-debrief-development-only"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "config.apps.DebriefAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "postmortems",
    "blamefeedback",
    "accounts",
    "pulse",
    "nearmisses",
    "meetings",  # issue 13: a post-mortem's review meeting and its calendar invitations
    "inbound",  # issue 13: drafts from alerting tools, action items following tracker issues
    # Account safety (issue 11): login throttling and two-factor devices.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    # First: probes get an answer before host checks, HTTPS redirects or sessions.
    "config.health.HealthCheckMiddleware",
    "config.requestlog.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.content_policy.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    "postmortems.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.requestlog.request_id",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: Debrief's queries each read at most a few thousand rows, but the
    # planner prices some (per-row visibility subqueries, misestimated IN lists) above
    # jit_above_cost and then spends half a second compiling a query that runs in twenty
    # milliseconds. Off for the whole connection rather than query by query, so no page or
    # sweep can fall into it as the data grows. DATABASE_URL's ?options=... overrides it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The covering indexes' INCLUDE columns only speed up PostgreSQL; SQLite builds the same indexes
# without them, which is all the zero-setup demo needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "postmortems:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party front-end files come from npm (package-lock.json) and are served
# from node_modules, never from a CDN, so Debrief works air-gapped.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("STATIC_PLAIN")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Lets runserver and tests serve static files without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console by default; SMTP (or any backend) from the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Debrief <debrief@localhost>")

# Celery: Redis when REDIS_URL is set; otherwise tasks run in-process so the
# app works on a machine with no broker.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL) or "memory://"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL) or None
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or os.environ.get("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Production hardening: on whenever DEBUG is off, so `check --deploy` is clean.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Behind a proxy that terminates HTTPS, set SECURE_PROXY_SSL_HEADER=true so X-Forwarded-Proto
    # says whether the request came over HTTPS. Only then: the proxy must set (or strip) that
    # header on every request, or any client could claim HTTPS by sending it.
    if env_bool("SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# One line per request (config/requestlog.py); LOG_FORMAT=json for log collectors.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))

# --- Reminders (issue 4) ------------------------------------------------------
# Remind an action item's owner N days before it is due, on the due date, then
# every M days while it is overdue; from K days overdue also tell the team's
# leads. Dates are each person's own "today" in their time zone.
REMINDER_DAYS_BEFORE = int(os.environ.get("REMINDER_DAYS_BEFORE", "3"))
REMINDER_OVERDUE_EVERY_DAYS = int(os.environ.get("REMINDER_OVERDUE_EVERY_DAYS", "7"))
REMINDER_ESCALATE_AFTER_DAYS = int(os.environ.get("REMINDER_ESCALATE_AFTER_DAYS", "14"))
# A claimed reminder whose email was never confirmed sent (its worker died) is
# retried by a later sweep after this long. Keep it well above EMAIL_TIMEOUT.
REMINDER_CLAIM_LEASE_SECONDS = int(os.environ.get("REMINDER_CLAIM_LEASE_SECONDS", "600"))
# Beat runs the sweep every 15 minutes. A sweep not started within its own
# interval expires instead of queueing up: the next one catches up anyway.
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "postmortems.send_reminders",
        "schedule": 15 * 60,
        "options": {"expires": 14 * 60},
    },
}
# --- end of reminders ---------------------------------------------------------

# --- Weekly digest (issue 5) --------------------------------------------------
# Each person's digest goes out once a week at their own day and hour (Profile
# digest_day/digest_hour, in their time zone). A claimed digest whose email was
# never confirmed sent is retried by a later sweep after this long.
DIGEST_CLAIM_LEASE_SECONDS = int(os.environ.get("DIGEST_CLAIM_LEASE_SECONDS", str(REMINDER_CLAIM_LEASE_SECONDS)))
# The signed one-click unsubscribe link in each digest stays valid this long.
DIGEST_UNSUBSCRIBE_MAX_AGE_DAYS = int(os.environ.get("DIGEST_UNSUBSCRIBE_MAX_AGE_DAYS", "60"))
# The sweep runs every 15 minutes, so a digest leaves within 15 minutes of its hour.
CELERY_BEAT_SCHEDULE["send-digests"] = {
    "task": "postmortems.send_digests",
    "schedule": 15 * 60,
    "options": {"expires": 14 * 60},
}
# --- end of weekly digest -----------------------------------------------------

# The themes page's counts are kept as change rows (postmortems/theme_tallies.py); folding
# them hourly keeps the page's sum over a few hundred rows however busy the editors are.
CELERY_BEAT_SCHEDULE["compact-theme-tallies"] = {
    "task": "postmortems.compact_theme_tallies",
    "schedule": 60 * 60,
    "options": {"expires": 50 * 60},
}

# --- Team pulse (issue 12) ----------------------------------------------------
# A team's pulse results appear only with at least this many responses (never fewer than 3).
PULSE_MIN_RESPONSES = int(os.environ.get("PULSE_MIN_RESPONSES", "5"))
# A claimed pulse invitation whose email was never confirmed sent is retried after this long.
PULSE_CLAIM_LEASE_SECONDS = int(os.environ.get("PULSE_CLAIM_LEASE_SECONDS", str(REMINDER_CLAIM_LEASE_SECONDS)))
CELERY_BEAT_SCHEDULE["send-pulse"] = {
    "task": "pulse.send_pulse",
    "schedule": 15 * 60,
    "options": {"expires": 14 * 60},
}
# --- end of team pulse --------------------------------------------------------

# --- Invitations (issue 11) ---------------------------------------------------
# An invitation link works this many days after it is sent (or resent).
INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "7"))
# --- end of invitations -------------------------------------------------------

# --- Account safety (issue 11) ------------------------------------------------
# django-axes checks every password sign-in (the login page and /admin/login/ alike) before
# Django's own backend does. Locked after AXES_FAILURE_LIMIT failures for one account, or from
# one address, within AXES_COOLOFF_MINUTES; the lock lifts that long after the last counted
# failure, or when an organisation admin unlocks it at /organisation/locks/.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_MINUTES = int(os.environ.get("AXES_COOLOFF_MINUTES", "15"))
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours, as django-axes reads a number
# "username,ip_address": either one reaching the limit locks; "username+ip_address" locks only
# that pair (kinder to shared office addresses, weaker against guessing one account from many).
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item
    for item in env_list("AXES_LOCKOUT_PARAMETERS", "username,ip_address")
]
AXES_RESET_ON_SUCCESS = True
# No "AXES: BEGIN …" line on every start of every command; failures and lockouts are still logged.
AXES_VERBOSE = False
# Before the lock: from this many failures on, each attempt waits 1, 2, 4… s after the last (accounts/safety.py).
LOGIN_SLOWDOWN_AFTER = int(os.environ.get("LOGIN_SLOWDOWN_AFTER", "3"))
# Attempts made while locked do not push the end of the lock further away, so the time the
# lockout page gives is the time it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.safety.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.safety.client_ip_address"
# The client's address is REMOTE_ADDR. Behind N reverse proxies that each append to
# X-Forwarded-For (and strip what the client sent), set TRUSTED_PROXY_COUNT=N; never set it
# when clients can reach Debrief directly, or they could pick the address they are locked by.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# A password-reset link works this long, and only once.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT_HOURS", "24")) * 3600
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Debrief")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# --- end of account safety ----------------------------------------------------

# --- Single sign-on (issue 11) ------------------------------------------------
# OpenID Connect through mozilla-django-oidc (accounts/sso.py). Off unless OIDC_ISSUER is set; the
# provider's endpoints come from OIDC_ISSUER + "/.well-known/openid-configuration". Register
# SITE_URL + "/oidc/callback/" as the redirect URI at the provider.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").strip()
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
# Email domains whose people may sign in (comma-separated; "*" for any). Empty refuses everyone.
OIDC_ALLOWED_DOMAINS = [domain.lower() for domain in env_list("OIDC_ALLOWED_DOMAINS")]
# Only for providers that never send email_verified but only issue addresses they own (Entra ID).
OIDC_ASSUME_EMAIL_VERIFIED = env_bool("OIDC_ASSUME_EMAIL_VERIFIED")
# A claim (e.g. "groups") whose values map to teams: "claim-value=team-slug:role,…".
OIDC_TEAMS_CLAIM = os.environ.get("OIDC_TEAMS_CLAIM", "").strip()
OIDC_TEAM_MAP = os.environ.get("OIDC_TEAM_MAP", "")
# Single sign-on only: no password sign-in except superusers' at /accounts/login/local/.
OIDC_ONLY = env_bool("OIDC_ONLY")
TEMPLATES[0]["OPTIONS"]["context_processors"].append("accounts.sso.login_options")
if OIDC_ISSUER:
    AUTHENTICATION_BACKENDS = [
        "accounts.sso.PasswordBackend" if backend == "django.contrib.auth.backends.ModelBackend" and OIDC_ONLY
        else backend
        for backend in globals().get("AUTHENTICATION_BACKENDS", ["django.contrib.auth.backends.ModelBackend"])
    ] + ["accounts.sso.SSOBackend"]
# --- end of single sign-on ----------------------------------------------------

# --- Review meetings (issue 13) -----------------------------------------------
# Calendar invitations are sent as soon as a meeting is proposed, changed or cancelled; this sweep
# sends any that failed (after each one's backoff, see postmortems.claims) or whose worker died.
CELERY_BEAT_SCHEDULE["send-meeting-emails"] = {
    "task": "meetings.send_meeting_emails",
    "schedule": 5 * 60,
    "options": {"expires": 4 * 60},
}
# --- end of review meetings ---------------------------------------------------

# --- Outgoing webhooks (issue 13) ---------------------------------------------
INSTALLED_APPS.append("webhooks")
# Delivery requests go only to public addresses (SSRF protection); on for receivers on a private network.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE")
# Plain http:// endpoints, for local receivers; always allowed when DEBUG is on.
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP")
# Connect and read timeouts of one delivery request: a slow receiver must not hold up the others.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
# A claimed delivery whose worker died is taken over after this long (see postmortems.claims).
WEBHOOK_CLAIM_LEASE_SECONDS = int(os.environ.get("WEBHOOK_CLAIM_LEASE_SECONDS", "300"))
# Deliveries are also enqueued right after each change commits; this sweep sends what that
# missed, retries failures after their backoff, and records newly overdue items.
CELERY_BEAT_SCHEDULE["deliver-webhooks"] = {
    "task": "webhooks.deliver_webhooks",
    "schedule": 60,
    "options": {"expires": 50},
}
# --- end of outgoing webhooks -------------------------------------------------

# --- Inbound alerts and issue trackers (issue 13) ------------------------------
# Per-organisation secrets of the issue trackers' webhooks; an empty one switches that
# tracker's endpoint off (404). Alert endpoints have per-team secrets, set by the team's leads.
INBOUND_GITHUB_SECRET = os.environ.get("INBOUND_GITHUB_SECRET", "")
INBOUND_GITLAB_TOKEN = os.environ.get("INBOUND_GITLAB_TOKEN", "")
INBOUND_JIRA_SECRET = os.environ.get("INBOUND_JIRA_SECRET", "")
# Larger webhook bodies are refused (413) before they are read.
INBOUND_MAX_BODY_BYTES = int(os.environ.get("INBOUND_MAX_BODY_BYTES", str(1024 * 1024)))
# --- end of inbound --------------------------------------------------------------

# --- REST API (issue 13) --------------------------------------------------------
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "api"]
# Requests per minute per API token (or per signed-in person); more get 429 with Retry-After.
API_RATE_PER_MINUTE = int(os.environ.get("API_RATE_PER_MINUTE", "120"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the app's own pages; enforces CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ActivePersonWithTokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Debrief API",
    "DESCRIPTION": (
        "Post-mortems, action items, themes, teams and the blame check. Authenticate with "
        "`Authorization: Bearer <token>` (tokens are made on your settings page). Errors use Django REST "
        "framework's format: `{\"detail\": \"...\"}`, or `{\"field\": [\"...\"]}` for invalid input. "
        "PATCH requires `If-Match` with the ETag of your last GET (428 without, 412 when stale)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "PostMortemStatusEnum": "postmortems.models.PostMortem.Status",
        "ActionItemStatusEnum": "postmortems.models.ActionItem.Status",
    },
}
# --- end of REST API ------------------------------------------------------------
