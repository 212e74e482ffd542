"""Request ids and logs: one line per request, as JSON when LOG_FORMAT=json, plain text otherwise.

Every request gets an id (the proxy's X-Request-ID when it is a sane token, else a new one).
It goes back in the X-Request-ID header, into every log record made while the request is
handled, and onto error pages, so a person can quote it and an operator can find the line.
"""
import contextvars
import json
import logging
import re
import time
import uuid
from datetime import datetime, timezone

REQUEST_ID = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("debrief.request")


class RequestIdMiddleware:
    """Tags the request with an id and logs it once it is answered: who, what, status, how long."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _SANE_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            # A view that must not tie the request to a person (an anonymous near-miss report, a
            # pulse answer) sets `log_without_user`: the line then carries no user id, and the
            # response no request id, which the web server's access log (client address) records.
            if getattr(request, "log_without_user", False):
                user = None
            else:
                response["X-Request-ID"] = request_id
            path = loggable_path(request.path)
            logger.info(
                "%s %s %s", request.method, path, response.status_code,
                extra={
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            REQUEST_ID.reset(token)


# Paths whose rest is a secret (an alerting tool's intake address): logged only up to the prefix.
SECRET_PATH_PREFIXES = ("/inbound/alerts/",)


def loggable_path(path):
    """The path as the log may show it: a secret in the URL is cut off."""
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefix + "…"
    return path


class RequestIdFilter(logging.Filter):
    """Adds the current request's id (or "-") to every record, for both formats."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


# Fields a record may carry (from `extra=`) that belong in the JSON line.
_FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request fields, and any exception."""

    def format(self, record):
        payload = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({name: getattr(record, name) for name in _FIELDS if getattr(record, name, None) is not None})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def request_id(request):
    """Template context: the id of the request being answered, for error pages."""
    return {"request_id": getattr(request, "request_id", REQUEST_ID.get())}


def logging_config(log_format, level):
    """The LOGGING setting for the chosen format ("json" or anything else for plain text)."""
    formatter = "json" if log_format == "json" else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.requestlog.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "config.requestlog.JsonFormatter"},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": formatter, "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": level},
        # The request line above replaces Django's own (which would log 4xx/5xx twice).
        "loggers": {"django.request": {"level": "ERROR"}, "django.server": {"level": "WARNING"}},
    }
