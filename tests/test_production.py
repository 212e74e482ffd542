"""The production path: health endpoints, request ids and JSON logs, error pages, the start command."""
import io
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from config import health
from config.requestlog import JsonFormatter, RequestIdFilter

BASE_DIR = Path(__file__).resolve().parents[1]
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(autouse=True)
def fresh_migration_check():
    health._migrations_seen_applied = False
    yield
    health._migrations_seen_applied = False


# Health --------------------------------------------------------------------------------

def test_healthz_answers_without_signing_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_probes_are_answered_for_any_host_and_over_plain_http(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200


def test_readyz_is_ready_without_a_broker_configured(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready",
                               "checks": {"database": "ok", "migrations": "ok", "broker": "not configured"}}


def test_readyz_checks_a_configured_broker(client, db, settings):
    settings.REDIS_URL = TEST_REDIS_URL
    assert client.get("/readyz").json()["checks"]["broker"] == "ok"


def test_readyz_says_503_when_the_broker_does_not_answer(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready",
                               "checks": {"database": "ok", "migrations": "ok", "broker": "unreachable"}}


@pytest.mark.django_db(transaction=True)
def test_readyz_says_503_when_the_database_does_not_answer(client):
    from django.db import connection

    connection.close()
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1" if connection.vendor == "postgresql" else port
    try:
        if connection.vendor != "postgresql":
            pytest.skip("needs a database server to take away")
        response = client.get("/readyz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable"
    assert response.json()["checks"]["migrations"] == "unknown"


@pytest.mark.django_db(transaction=True)
def test_readyz_says_503_while_migrations_are_pending(client):
    from django.core.management import call_command

    call_command("migrate", "postmortems", "0005", verbosity=0)
    try:
        response = client.get("/readyz")
    finally:
        call_command("migrate", verbosity=0)
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "unapplied migrations"
    assert client.get("/readyz").status_code == 200


def test_health_answers_reveal_nothing_else(client, db, settings):
    settings.REDIS_URL = "redis://user:secret@127.0.0.1:1/0"
    body = client.get("/readyz").content.decode()
    assert "secret" not in body and "127.0.0.1" not in body and "Error" not in body


def test_only_get_and_head_are_probes(client, db):
    assert client.post("/healthz").status_code == 404


# Request ids, logs and error pages --------------------------------------------------------

def test_every_response_carries_a_request_id(client, db):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_request_id_from_the_proxy_is_kept_and_a_hostile_one_replaced(client, db):
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID="edge-4f2a9c1b")["X-Request-ID"] == "edge-4f2a9c1b"
    replaced = client.get("/accounts/login/", HTTP_X_REQUEST_ID="<script>x</script>")["X-Request-ID"]
    assert "<" not in replaced and len(replaced) == 32


def test_not_found_page_shows_the_request_id(login, org):
    response = login(org.people.member).get("/postmortems/999999/")
    assert response.status_code == 404
    assert response["X-Request-ID"] in response.content.decode()


@override_settings(ROOT_URLCONF="tests.failing_urls", DEBUG=False)
def test_server_error_page_shows_the_request_id(client, db):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert response["X-Request-ID"] in response.content.decode()
    assert "Something went wrong" in response.content.decode()


def capture_request_log(client, url, **headers):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("debrief.request")
    logger.addHandler(handler)
    try:
        response = client.get(url, **headers)
    finally:
        logger.removeHandler(handler)
    return response, [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_log_line_per_request_with_id_user_path_status_and_duration(login, org):
    client = login(org.people.member)
    response, lines = capture_request_log(client, "/actions/")
    (line,) = lines
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == org.people.member.pk
    assert (line["path"], line["status"], line["level"]) == ("/actions/", 200, "INFO")
    assert line["duration_ms"] >= 0


def test_logging_config_follows_log_format():
    from config.requestlog import logging_config

    assert logging_config("json", "INFO")["handlers"]["console"]["formatter"] == "json"
    assert logging_config("text", "INFO")["handlers"]["console"]["formatter"] == "plain"


# The start command and the deployment files ------------------------------------------------

def serve(tmp_path, **env):
    # As an operator's shell would have it: none of the test run's own Django settings (the browser
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses).
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL") and not key.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(["scripts/serve"], cwd=BASE_DIR, env=environment, capture_output=True, text=True,
                          timeout=300)


def production_env(tmp_path):
    return {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "debrief.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "BIND": "127.0.0.1:1"}


def test_serve_refuses_to_start_when_check_deploy_fails(tmp_path):
    env = production_env(tmp_path)
    env["SECRET_KEY"] = "short"
    result = serve(tmp_path, **env)
    assert result.returncode == 1
    assert "refusing to start" in result.stderr and "check --deploy" in result.stderr


def test_serve_refuses_to_start_with_pending_migrations(tmp_path):
    result = serve(tmp_path, **production_env(tmp_path))
    assert result.returncode == 1
    assert "migrations are not applied" in result.stderr
    assert "postmortems" in result.stderr


def test_gunicorn_config_loads(tmp_path):
    env = {**os.environ, **production_env(tmp_path)}
    result = subprocess.run([str(BASE_DIR / ".venv/bin/gunicorn"), "--check-config", "-c", "config/gunicorn.conf.py",
                             "config.wsgi:application"], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_procfile_names_web_worker_and_beat():
    lines = dict(line.split(":", 1) for line in (BASE_DIR / "Procfile").read_text().splitlines()
                 if line and not line.startswith("#"))
    assert lines["web"].strip() == "scripts/serve"
    assert "celery -A config worker" in lines["worker"] and "celery -A config beat" in lines["beat"]


def test_compose_has_every_service_with_health_checks_and_one_beat():
    yaml = pytest.importorskip("yaml")
    services = yaml.safe_load((BASE_DIR / "compose.yaml").read_text())["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "replicas" not in services["beat"].get("deploy", {})


def test_compose_config_is_valid_where_docker_compose_exists(tmp_path):
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("no docker compose here; the YAML structure is checked above")
    result = subprocess.run([docker, "compose", "config", "-q"], cwd=BASE_DIR, capture_output=True, text=True,
                            env={**os.environ, "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_postgresql_connections_run_without_the_jit_compiler():
    # The planner misprices some of Debrief's queries and compiled one of the digest's for half
    # a second that then ran in twenty milliseconds; the connection itself turns JIT off.
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_options_in_database_url_override_the_jit_default():
    def options(url):
        code = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}))"
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": url,
                       "SECRET_KEY": "test-only"}
        result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=BASE_DIR,
                                env=environment, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "'options': '-c jit=off'" in options("postgres://debrief@db.example:5432/debrief")
    assert "'options': '-c jit=on'" in options("postgres://debrief@db.example:5432/debrief?options=-c%20jit%3Don")
    assert "jit" not in options("sqlite:///demo.sqlite3")
