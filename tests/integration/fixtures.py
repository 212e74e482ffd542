"""Fixtures for integration tests: the test Redis, a real SMTP server and Celery worker subprocesses.

Workers read the test database, so tests using them need
`@pytest.mark.django_db(transaction=True)` (committed data) and PostgreSQL
(SQLite's test database lives in this process's memory).
"""
import os

import pytest
import redis

from tests.integration.smtp import SMTPServer
from tests.integration.sweeps import MailSweep
from tests.integration.worker import CeleryWorker, client_app, database_url

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def flushed_redis(url):
    """Yield `url` with its Redis database empty, and empty it again afterwards (for fixtures)."""
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis at {url} is not answering ({error}); scripts/test starts it.")
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def redis_url():
    """The test Redis database, flushed before and after the test."""
    yield from flushed_redis(TEST_REDIS_URL)


@pytest.fixture
def celery_client(redis_url):
    app = client_app(redis_url)
    yield app
    app.close()


@pytest.fixture
def smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def worker_env(transactional_db, redis_url, smtp_server):
    """The environment of a worker that sees this test's database and mails the test SMTP server."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Celery worker tests need PostgreSQL (DATABASE_URL) so the worker can share the test database")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=redis_url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=smtp_server.host,
        EMAIL_PORT=str(smtp_server.port),
        EMAIL_TIMEOUT="20",
        DB_CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def start_worker(worker_env, celery_client, tmp_path):
    """start_worker(name, **extra_env) -> a ready CeleryWorker; every one is stopped at teardown."""
    workers = []

    def _start(name="worker1", **extra_env):
        worker = CeleryWorker(name, env={**worker_env, **extra_env}, log_path=tmp_path / f"{name}.log")
        workers.append(worker)
        return worker.start().wait_ready(celery_client)

    yield _start
    for worker in workers:
        worker.stop()


@pytest.fixture
def mail_sweep(start_worker, celery_client, smtp_server):
    """mail_sweep(task, records=Model, lease_setting=name) -> a MailSweep of that task on real workers."""

    def _make(task, *, records, lease_setting):
        return MailSweep(task, records=records, lease_setting=lease_setting, start_worker=start_worker,
                         celery_client=celery_client, smtp_server=smtp_server)

    return _make
