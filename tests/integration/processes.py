"""Long-running processes (web servers, workers, beat) for the smoke test and the scale-out benchmark.

Each runs in its own process group, so stopping it stops its children too (gunicorn's
workers, Celery's pool), and logs to a file of its own for the failure message.
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


class Processes:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.running = {}

    def start(self, name, command, env):
        log = (self.directory / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.running[name] = (process, log)
        return process

    def log(self, name):
        return (self.directory / f"{name}.log").read_text(errors="replace")

    def alive(self, name):
        return self.running[name][0].poll() is None

    def check_alive(self, name):
        """Raise with the end of its log if the process has exited."""
        process = self.running[name][0]
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log(name)[-3000:]}")

    def stop_all(self, timeout=20):
        """SIGTERM every process group, then SIGKILL those still running after timeout seconds."""
        for process, _ in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, (process, log) in self.running.items():
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop in {timeout} s; killing it", file=sys.stderr)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()
        self.running.clear()
