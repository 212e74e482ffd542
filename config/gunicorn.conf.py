"""gunicorn settings for Debrief: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

Every value can be overridden from the environment, so one file serves a single box,
a container and a larger machine.
"""
import multiprocessing
import os
import sys
from pathlib import Path

from gunicorn.glogging import Logger

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from config.requestlog import loggable_path  # noqa: E402

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
# Sync workers: Debrief's pages are short database-bound requests. 2 per core + 1 is gunicorn's
# own advice; WEB_CONCURRENCY overrides it (containers often see the host's cores).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", "1"))
# A request that takes longer than this is stuck (a 10,000-post-mortem page is ~100 ms).
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The access log goes to stdout; Debrief's own request line (with user and request id) is in the
# application log, so LOG_FORMAT=json collectors get one JSON line per request from there.
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
# Method and path only, never the query string: a pulse answer link carries its secret there, and
# that secret with this log would tie an anonymous response to a person.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms "%({x-request-id}o)s"'


class AccessLogger(Logger):
    """gunicorn's logger, with a secret path (an alert intake address) cut as Debrief's own log cuts it."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = loggable_path(atoms["U"])
        return atoms


logger_class = AccessLogger
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Heartbeat files in memory, not on a container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
