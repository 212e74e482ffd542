"""A tiny HTTP receiver for webhook tests: records each request, answers as told, can hang.

`statuses` is a list of status codes to answer in turn (then 200); `hang_first` makes the
first request wait (up to `hang_seconds`) before answering, so a test can kill its sender
mid-request; `delay` slows every answer, to keep two senders running side by side.
`answered` holds only requests that were answered (counted as the answer is written).
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.requests = []
        self.answered = []
        self.statuses = []
        self.hang_first = False
        self.hang_seconds = 25
        self.delay = 0.0
        self.first_started = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.answered) >= count:
                return self.answered
            time.sleep(0.05)
        raise AssertionError(f"expected {count} answered requests, got {len(self.answered)}")

    def settle(self, quiet=1.0):
        """Wait until no request has arrived for `quiet` seconds; the requests answered by then."""
        seen = -1
        while seen != len(self.requests):
            seen = len(self.requests)
            time.sleep(quiet)
        return self.answered

    def bodies(self):
        return [json.loads(request["body"]) for request in self.answered]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = {"path": self.path, "headers": dict(self.headers), "body": body}
                with receiver._lock:
                    first = not receiver.requests
                    receiver.requests.append(request)
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if first:
                    receiver.first_started.set()
                    if receiver.hang_first:
                        receiver.release.wait(receiver.hang_seconds)
                        return  # no answer: the sender was meant to die while waiting
                if receiver.delay:
                    time.sleep(receiver.delay)
                answer = b'{"ok": true}' if status < 300 else b"<html>nope</html>"
                # Counted before the answer goes out: the sender may read it and the test check
                # `answered` before this thread would get to run again.
                with receiver._lock:
                    receiver.answered.append(request)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        return Handler
