"""Signing webhook requests, and verifying them as a receiver would.

Header `Debrief-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the
endpoint's secret. The timestamp is signed too, so a captured request cannot be replayed
later by a receiver that rejects old timestamps.
"""
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


def signature(secret, body, timestamp):
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret, body, *, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def verify(secret, header, body, *, tolerance=TOLERANCE_SECONDS, now=None):
    """True if `header` signs `body` (bytes, as received) with `secret` and is recent enough."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError, AttributeError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, body, timestamp), parts.get("v1", ""))
