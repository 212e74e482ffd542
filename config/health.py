"""Liveness and readiness for load balancers and orchestrators: /healthz and /readyz.

Answered by the first middleware, before host validation, HTTPS redirects, sessions or
authentication: a probe comes from inside the network with whatever Host header it likes,
over plain HTTP, and must not touch the session table. The answers say which dependency is
down and nothing else (no versions, no error text).
"""
import json

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError
from django.http import HttpResponse

HEALTH_PATHS = {"/healthz": "liveness", "/readyz": "readiness"}
# Once every migration was seen applied, this process stops asking: migrations are only ever
# applied by a deploy, never rolled back under running code.
_migrations_seen_applied = False


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = HEALTH_PATHS.get(request.path)
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if probe == "liveness":
            return _json({"status": "ok"}, 200)
        checks = readiness_checks()
        ready = all(value in ("ok", "not configured") for value in checks.values())
        return _json({"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503)


def _json(payload, status):
    response = HttpResponse(json.dumps(payload), content_type="application/json", status=status)
    response["Cache-Control"] = "no-store"
    return response


def readiness_checks():
    """{dependency: "ok" | "not configured" | what is wrong}, for the database, migrations and broker."""
    database = check_database()
    return {
        "database": database,
        "migrations": check_migrations() if database == "ok" else "unknown",
        "broker": check_broker(),
    }


def check_database():
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unreachable"
    return "ok"


def check_migrations():
    global _migrations_seen_applied
    if _migrations_seen_applied:
        return "ok"
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return "unknown"
    if pending:
        return "unapplied migrations"
    _migrations_seen_applied = True
    return "ok"


def check_broker():
    """Redis answers a PING within a second, when REDIS_URL is configured."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except (redis.RedisError, OSError):
        return "unreachable"
    finally:
        client.close()
    return "ok"
