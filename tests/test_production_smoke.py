"""Production smoke test: Debrief as an operator deploys it, from requirements.txt alone.

Builds a separate virtualenv with only the runtime requirements (so a package that only the
test tools bring in cannot hide a missing one), then starts `scripts/serve` (gunicorn), a Celery
worker and beat against PostgreSQL and Redis, and sends one reminder through the worker to a
real SMTP server. The virtualenv is kept in .venv-production-smoke and rebuilt only when a
requirements file changes.
"""
import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import dj_database_url
import pytest

from tests.integration.fixtures import TEST_REDIS_URL, flushed_redis, smtp_server  # noqa: F401 (fixture)
from tests.integration.processes import Processes
from tests.integration.smtp import free_port
from tests.integration.worker import client_app

pytestmark = pytest.mark.integration
BASE_DIR = Path(__file__).resolve().parents[1]
VENV = ".venv-production-smoke"
SMOKE_DATABASE = "debrief_production_smoke"
SMOKE_REDIS_URL = TEST_REDIS_URL.rsplit("/", 1)[0] + "/13"

SEED = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from postmortems.models import ActionItem, Membership, PostMortem, Team
owner = get_user_model().objects.create_user("ines", email="ines@example.test", password="unused-" + "x" * 20)
team = Team.objects.create(name="Storage", slug="storage")
Membership.objects.create(team=team, user=owner, role="lead")
postmortem = PostMortem.objects.create(team=team, kind="technical", status="published", title="Disk filled up",
                                       summary="The log volume filled.", published_at=timezone.now())
postmortem.authors.add(owner)
ActionItem.objects.create(postmortem=postmortem, owner=owner, title="Rotate logs hourly on the ingest hosts",
                          due_date=timezone.localdate() + timedelta(days=1))
print("seeded")
"""


def admin_connection():
    import psycopg

    config = dj_database_url.parse(os.environ.get("DATABASE_URL", ""))
    if "postgresql" not in config.get("ENGINE", ""):
        pytest.skip("the production smoke test needs PostgreSQL (DATABASE_URL)")
    return config, psycopg.connect(host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432,
                                   user=config["USER"] or "postgres", password=config["PASSWORD"] or None,
                                   dbname="postgres", autocommit=True)


@pytest.fixture
def smoke_database():
    config, connection = admin_connection()
    connection.execute(f"DROP DATABASE IF EXISTS {SMOKE_DATABASE} WITH (FORCE)")
    connection.execute(f"CREATE DATABASE {SMOKE_DATABASE}")
    credentials = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    yield f"postgres://{credentials}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{SMOKE_DATABASE}"
    connection.execute(f"DROP DATABASE IF EXISTS {SMOKE_DATABASE} WITH (FORCE)")
    connection.close()


@pytest.fixture
def smoke_redis():
    yield from flushed_redis(SMOKE_REDIS_URL)


@pytest.fixture
def production_env(smoke_database, smoke_redis, smtp_server):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CELERY_", "EMAIL_", "DJANGO_", "PYTEST", "TEST_", "SECURE_", "VIRTUAL_ENV"))}
    env.update(
        VENV=VENV, DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="debrief.example.com",
        DATABASE_URL=smoke_database, REDIS_URL=smoke_redis, SITE_URL="https://debrief.example.com",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.port), EMAIL_USE_TLS="false", DEFAULT_FROM_EMAIL="Debrief <debrief@example.test>",
        BIND=f"127.0.0.1:{free_port()}", WEB_CONCURRENCY="1", LOG_FORMAT="json",
    )
    return env


@pytest.fixture
def processes(tmp_path):
    running = Processes(tmp_path)
    yield running
    running.stop_all()


def run(command, env, timeout=900):
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def get_json(url, timeout=60, processes=None):
    """GET url until it answers (the server is starting), returning (status, parsed JSON)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer:\n{processes.log('web') if processes else ''}")
            time.sleep(0.5)


def test_requirements_alone_serve_the_web_and_deliver_a_reminder_through_worker_and_beat(production_env, processes,
                                                                                        smtp_server):
    env = production_env
    # The separate virtualenv from requirements.txt only, built by the same setup as scripts/serve.
    run(["bash", "-c", "source scripts/setup.sh && ensure_python_env requirements.txt && ensure_node_modules"], env)
    python = str(BASE_DIR / VENV / "bin" / "python")
    installed = run([python, "-m", "pip", "list", "--format=freeze"], env)
    assert "pytest" not in installed.lower(), "the smoke virtualenv must hold the runtime requirements only"

    run([python, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    assert "seeded" in run([python, "manage.py", "shell", "-c", SEED], env)

    processes.start("web", ["scripts/serve"], env)
    base = f"http://{env['BIND']}"
    # The first answer waits for scripts/serve's collectstatic, which compresses every static file
    # (about a minute on a 2-core machine): room for that, not a measure of it.
    assert get_json(f"{base}/healthz", timeout=300, processes=processes) == (200, {"status": "ok"})
    status, ready = get_json(f"{base}/readyz", processes=processes)
    assert (status, ready["checks"]) == (200, {"database": "ok", "migrations": "ok", "broker": "ok"})
    # The access log keeps paths, never query strings: a pulse answer link carries its secret there.
    try:
        urllib.request.urlopen(f"{base}/pulse/answer/?t=never-in-the-log-7f3a", timeout=10)
    except urllib.error.HTTPError:
        pass  # the token is not a valid link; only the log line matters here
    deadline = time.monotonic() + 10
    while "/pulse/answer/" not in processes.log("web") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "GET /pulse/answer/" in processes.log("web")
    assert "never-in-the-log-7f3a" not in processes.log("web")
    # Nor an alert intake address, whose path is the secret.
    try:
        urllib.request.urlopen(f"{base}/inbound/alerts/secret-path-9c2e/", timeout=10)
    except urllib.error.HTTPError:
        pass  # a GET, and no such address: only the log line matters
    deadline = time.monotonic() + 10
    while "/inbound/alerts/" not in processes.log("web") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "/inbound/alerts/" in processes.log("web")
    assert "secret-path-9c2e" not in processes.log("web")

    celery = str(BASE_DIR / VENV / "bin" / "celery")
    processes.start("worker", [celery, "-A", "config", "worker", "--pool=solo", "-n", "smoke@%h",
                               "--without-gossip", "--without-mingle", "--loglevel=INFO"], env)
    processes.start("beat", [celery, "-A", "config", "beat", "--loglevel=INFO",
                             f"--schedule={processes.directory / 'beat-schedule'}"], env)
    app = client_app(env["REDIS_URL"])
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            assert processes.alive("worker"), processes.log("worker")
            assert time.monotonic() < deadline, f"worker not ready:\n{processes.log('worker')}"
        app.send_task("postmortems.send_reminders")
        (message,) = smtp_server.wait_for(1, timeout=60)
    finally:
        app.close()
    assert [address.addr_spec for address in message["To"].addresses] == ["ines@example.test"]
    assert "Rotate logs hourly on the ingest hosts" in message.get_body(("plain",)).get_content()
    # Beat started and stayed up (it exited at start when a runtime package was missing).
    assert processes.alive("beat"), processes.log("beat")
    assert "beat: Starting" in processes.log("beat")
