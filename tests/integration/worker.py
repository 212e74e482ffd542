"""Real Celery workers as subprocesses, on a test Redis, reading the test database."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from celery import Celery

BASE_DIR = Path(__file__).resolve().parents[2]


def database_url(settings_dict):
    """A DATABASE_URL for the database this test process is connected to (the test database)."""
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def client_app(broker_url):
    """A Celery app that only sends tasks by name and reads results; never the project's eager app.

    Not made Celery's current app: `shared_task` proxies resolve through the current app, so
    otherwise every later `.delay()` in this test process would go to the test broker, where
    no worker listens, instead of running in-process as the project's eager app does.
    """
    app = Celery("debrief-tests", broker=broker_url, backend=broker_url, set_as_current=False)
    app.conf.broker_connection_retry_on_startup = True
    return app


class CeleryWorker:
    """`celery -A config worker --pool=solo` in its own process group, logging to a file."""

    def __init__(self, name, *, env, log_path):
        self.name = name
        self.hostname = f"{name}@{socket.gethostname()}"
        self.env = env
        self.log_path = Path(log_path)
        self.process = None

    def start(self):
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-c", "1",
            "-n", self.hostname, "--without-gossip", "--without-mingle", "--loglevel=INFO",
        ]
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def wait_ready(self, app, timeout=30):
        """Block until the worker answers a broadcast ping (it has connected and is consuming)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited with {self.process.returncode}:\n{self.log()}")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return self
        raise AssertionError(f"worker {self.name} not ready within {timeout} s:\n{self.log()}")

    def kill(self):
        """SIGKILL, as a crash or an OOM kill would: no cleanup, no acknowledgement."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout=10):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
