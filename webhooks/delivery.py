"""Delivering webhook events: exactly once per endpoint, signed, retried with backoff.

The sweep works like the reminder sweep (`postmortems.claims`): what is owed is derived
from the data (recent events × the endpoints that want them, plus rows still unsent), a
`Delivery` row is claimed under its unique (event, endpoint) constraint before the
request goes out, and `sent_at` is set only once the receiver answered 2xx. A worker
killed mid-request leaves its claim to lapse after the lease; a failure (network error,
timeout, non-2xx) releases it after the claims' backoff. A retry or resend carries the
same `Debrief-Delivery` id, so a receiver can drop a repeat it already processed.

SSRF: the URL's host is resolved at every delivery and refused if any address is not
public (unless WEBHOOKS_ALLOW_PRIVATE), and the request goes to the address that was
checked, so a DNS answer that changes between check and connect cannot redirect it.
Redirects are never followed.
"""
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3
from django.conf import settings
from django.utils import timezone
from requests.adapters import HTTPAdapter

from postmortems import claims
from webhooks import payloads, signing
from webhooks.models import Attempt, Delivery, Endpoint, Event

logger = logging.getLogger(__name__)

KEY_FIELDS = ["event", "endpoint"]
EXCERPT_CHARS = 1000
# Events older than this are not started any more (a row already started is still retried):
# longer than the claims' retry horizon, so an outage of a day is caught up.
SWEEP_WINDOW = timedelta(days=2)


class UnsafeAddress(Exception):
    """The endpoint's host resolves to an address Debrief must not call (private, loopback, …)."""


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx (or could not be reached); the delivery will be retried."""


def lease():
    return timedelta(seconds=settings.WEBHOOK_CLAIM_LEASE_SECONDS)


def timeout():
    return settings.WEBHOOK_TIMEOUT_SECONDS


# Addresses ------------------------------------------------------------------------

def is_public(address):
    address = ipaddress.ip_address(address)
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def safe_addresses(host, port):
    """The host's addresses, all of them public unless WEBHOOKS_ALLOW_PRIVATE; raises UnsafeAddress."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeAddress(f"{host} does not resolve ({error})") from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        # Every address, not just the first: a name with one public and one internal address is refused.
        refused = [address for address in addresses if not is_public(address)]
        if refused:
            raise UnsafeAddress(f"{host} resolves to a private or reserved address ({refused[0]})")
    return addresses


def allowed_schemes():
    return {"https", "http"} if settings.DEBUG or settings.WEBHOOKS_ALLOW_HTTP else {"https"}


class _PinnedHTTPS(HTTPAdapter):
    """Connect to a checked IP address while TLS still checks the certificate for the host name."""

    def __init__(self, hostname):
        self.hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs.update(server_hostname=self.hostname, assert_hostname=self.hostname)
        super().init_poolmanager(*args, **kwargs)


def post(url, body, headers):
    """POST `body` to `url` at a checked address, no redirects, short timeouts; returns the response."""
    parts = urlsplit(url)
    if parts.scheme not in allowed_schemes():
        raise UnsafeAddress(f"{parts.scheme}:// URLs are not allowed")
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    address = safe_addresses(host, port)[0]
    pinned = f"[{address}]" if ":" in address else address
    netloc = pinned if parts.port is None else f"{pinned}:{parts.port}"
    with requests.Session() as session:
        session.trust_env = False  # no proxies from the environment: the checked address is the one called
        if parts.scheme == "https":
            session.mount("https://", _PinnedHTTPS(host))
        return session.post(
            urlunsplit(parts._replace(netloc=netloc)), data=body, allow_redirects=False, stream=True,
            timeout=(timeout(), timeout()), headers={**headers, "Host": parts.netloc.rsplit("@", 1)[-1]},
        )


# Sending one delivery -------------------------------------------------------------------

def request_for(delivery, *, timestamp=None):
    """(body, headers) of a delivery: the formatted event, signed with the endpoint's secret."""
    endpoint, event = delivery.endpoint, delivery.event
    body = payloads.body(event, endpoint.format, delivery_id=delivery.pk)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Debrief-Webhooks/1",
        "Debrief-Event": str(event.pk),
        "Debrief-Event-Type": event.kind,
        "Debrief-Delivery": str(delivery.pk),
        "Debrief-Signature": signing.signature_header(endpoint.secret, body, timestamp=timestamp),
    }
    return body, headers


def send(delivery):
    """Make one attempt, record it, and raise DeliveryFailed unless the receiver answered 2xx."""
    body, headers = request_for(delivery)
    attempt = Attempt(delivery=delivery, started_at=timezone.now())
    started = time.monotonic()
    try:
        response = post(delivery.endpoint.url, body, headers)
    except (requests.RequestException, UnsafeAddress) as error:
        attempt.error = f"{type(error).__name__}: {error}"[:2000]
    else:
        attempt.status_code = response.status_code
        attempt.response_excerpt = _excerpt(response)
        if not 200 <= response.status_code < 300:
            attempt.error = f"HTTP {response.status_code}"
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    attempt.save()
    if attempt.error:
        raise DeliveryFailed(attempt.error)
    return attempt


def _excerpt(response):
    try:
        raw = response.raw.read(EXCERPT_CHARS * 4, decode_content=True) or b""
    except (urllib3.exceptions.HTTPError, OSError):
        raw = b""  # the answer's status is what counts; an unreadable body just leaves no excerpt
    finally:
        response.close()
    return raw.decode(response.encoding or "utf-8", errors="replace")[:EXCERPT_CHARS]


# The sweep --------------------------------------------------------------------------

@dataclass
class SweepResult:
    sent: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)

    def as_dict(self):
        return {"sent": self.sent, "failed": self.failed, "errors": self.errors}


def owed_keys(*, now):
    """(event id, endpoint id) for every delivery owed now, taken or not: recent events × endpoints, and unsent rows."""
    endpoints = {}
    for endpoint in Endpoint.objects.filter(enabled=True).only("pk", "team_id", "events", "created_at"):
        endpoints.setdefault(endpoint.team_id, []).append(endpoint)
    keys = set()
    recent = Event.objects.filter(created_at__gte=now - SWEEP_WINDOW, team_id__in=list(endpoints))
    for event_id, team_id, kind, created_at in recent.values_list("pk", "team_id", "kind", "created_at"):
        keys.update((event_id, endpoint.pk) for endpoint in endpoints[team_id]
                    # An endpoint hears of what happened after it was added, not before.
                    if kind in endpoint.events and endpoint.created_at <= created_at)
    # Older rows still unsent: being retried, or resent by hand.
    keys.update(Delivery.objects.filter(sent_at__isnull=True, attempts__lt=claims.MAX_SEND_ATTEMPTS,
                                        endpoint__enabled=True).values_list("event_id", "endpoint_id"))
    return keys


def due_deliveries(*, now):
    """The keys of the deliveries this sweep could claim now, oldest event first."""
    return sorted(claims.free_keys(Delivery, KEY_FIELDS, owed_keys(now=now), now=now, lease=lease()))


def deliver_due(*, now=None):
    """Send every delivery owed now that nobody else holds. Safe to run at any time, twice, or at once."""
    now = now or timezone.now()
    keys = due_deliveries(now=now)
    result = SweepResult()
    jobs = [(key, [key]) for key in keys]
    loaded = {}

    def prepare(won_jobs):
        rows = Delivery.objects.filter(
            event_id__in=[key[0] for key in won_jobs], endpoint_id__in=[key[1] for key in won_jobs]
        ).select_related("event__postmortem", "endpoint")
        loaded.update({(row.event_id, row.endpoint_id): row for row in rows})

    def send_one(key, _keys):
        send(loaded[key])

    for outcome in claims.send_in_batches(Delivery, KEY_FIELDS, jobs, now=now, lease=lease(), send=send_one,
                                          prepare=prepare):
        if outcome.failed:
            result.failed += 1
            result.errors.append(f"delivery {outcome.ids[0]}: {outcome.error}")
            _log_failure(outcome)
        else:
            result.sent += 1
    return result


def _log_failure(outcome):
    """A receiver that is down or refuses is expected (a warning); anything else is a bug, with its traceback."""
    message = "Webhook delivery %s failed (attempt %d): %s"
    if isinstance(outcome.error, DeliveryFailed):
        logger.warning(message, outcome.ids[0], outcome.attempts, outcome.error)
    else:
        logger.error(message, outcome.ids[0], outcome.attempts, outcome.error, exc_info=outcome.error)


# Resending by hand ---------------------------------------------------------------------

def can_resend(delivery, *, now=None):
    """Sent, given up, or with a lapsed claim: not while a sweep holds it or it waits for its retry."""
    now = now or timezone.now()
    if delivery.sent_at is not None or delivery.attempts >= claims.MAX_SEND_ATTEMPTS:
        return True
    return delivery.claimed_at <= now - lease()  # nobody holds it and no retry is pending


def resend(delivery, *, by, now=None):
    """Queue a delivery to be sent once more by the next sweep; False if a sweep holds it or it is queued.

    A compare-and-set on the row as the page showed it, so two clicks queue one resend.
    """
    now = now or timezone.now()
    if not can_resend(delivery, now=now):
        return False
    changed = Delivery.objects.filter(
        pk=delivery.pk, sent_at=delivery.sent_at, claimed_at=delivery.claimed_at, attempts=delivery.attempts,
    ).update(sent_at=None, attempts=0, last_error="", claimed_at=now - lease(), resent_at=now, resent_by=by)
    return bool(changed)


def next_retry_at(delivery):
    """When a failed delivery's claim lapses and a sweep may try it again."""
    if delivery.sent_at is not None or delivery.attempts == 0 or delivery.attempts >= claims.MAX_SEND_ATTEMPTS:
        return None
    return delivery.claimed_at + lease()

