"""Redis going away mid-run: pages keep working, /readyz says what is wrong, and says so no longer
once Redis is back. Uses a private redis-server on a free port, so the shared test Redis stays up."""
import shutil
import subprocess
import time

import pytest
import redis

from config import health
from tests import factories
from tests.integration.smtp import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def private_redis():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "private redis-server did not start"
            time.sleep(0.05)
    yield server, url, [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server.kill()
    server.wait()


def test_pages_keep_working_while_redis_is_down_and_readyz_reports_it(private_redis, login, org, settings):
    server, url, command = private_redis
    settings.REDIS_URL = url
    health._migrations_seen_applied = False
    client = login(org.people.author)
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    assert client.get("/readyz").json()["checks"]["broker"] == "ok"

    server.kill()
    server.wait()
    readiness = client.get("/readyz")
    assert readiness.status_code == 503 and readiness.json()["checks"]["broker"] == "unreachable"
    for url_path in ("/", f"/postmortems/{postmortem.pk}/", "/actions/", "/trends/", "/digest/"):
        assert client.get(url_path).status_code == 200, url_path
    data = factories.open_editor(client, f"/postmortems/{postmortem.pk}/edit/")
    data["summary"] = "Saved while the broker was down."
    assert client.post(f"/postmortems/{postmortem.pk}/edit/", data).status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.summary == "Saved while the broker was down."

    restarted = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "readyz did not recover"
            time.sleep(0.1)
    finally:
        restarted.kill()
        restarted.wait()
