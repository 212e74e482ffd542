"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping what it receives."""
import asyncio
import email
import logging
import socket
import threading
import time
from collections import Counter
from email import policy

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    """Accepts every message and keeps it; can be made slow to widen race windows.

    The pauses happen at RCPT TO, before the message is transmitted, so a client
    killed during a pause has delivered nothing (as with a real server).
    """

    def __init__(self):
        self.messages = []
        self.pause_first = 0.0  # seconds the first message waits (kill the sender meanwhile)
        self.pause_each = 0.0  # seconds every message waits (lets concurrent senders overlap)
        self.first_started = threading.Event()
        self._lock = threading.Lock()
        self._released = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.first_started.is_set():
            self.first_started.set()
            await self._pause(self.pause_first)
        await self._pause(self.pause_each)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    async def _pause(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._released:
            await asyncio.sleep(0.02)

    def release(self):
        """End every pause now (teardown, or a test done waiting)."""
        self._released = True


class SMTPServer:
    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.port = free_port()
        self.handler = RecordingHandler()
        self.controller = Controller(self.handler, hostname=host, port=self.port)

    def start(self):
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        self.controller.start()
        return self

    def stop(self):
        self.handler.release()
        self.controller.stop()

    @property
    def messages(self):
        with self.handler._lock:
            return list(self.handler.messages)

    def message_to(self, address):
        """The one message received for `address` (fails if there are none or several)."""
        (message,) = [m for m in self.messages if m["To"].addresses[0].addr_spec == address]
        return message

    def count_by_address(self):
        """{address: number of messages} over every message received."""
        return dict(Counter(a.addr_spec for message in self.messages for a in message["To"].addresses))

    def wait_for(self, count, timeout=20):
        """Block until at least `count` messages arrived; fail with what did arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"expected {count} message(s) within {timeout} s, got {len(self.messages)}")

    def settle(self, seconds=1.0):
        """Wait a moment so a duplicate that is on its way would have arrived."""
        time.sleep(seconds)
        return self.messages
