"""Webhook delivery: signed, recorded, retried with backoff, never to private addresses, resendable,
and each event sent once per endpoint even with two sweeps at once."""
import json
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from postmortems import claims
from tests import factories
from tests.integration.receiver import Receiver
from webhooks import delivery, events, signing
from webhooks.models import ITEM_CREATED, PUBLISHED, Attempt, Delivery, Endpoint


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def local_receivers(settings):
    """The test receiver listens on 127.0.0.1 over plain http."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_ALLOW_HTTP = True


def make_endpoint(team, receiver_url, **fields):
    fields = {"name": "receiver", "events": [PUBLISHED, ITEM_CREATED],
              "created_at": timezone.now() - timedelta(minutes=5), **fields}
    return Endpoint.objects.create(team=team, url=receiver_url, **fields)


def publish(team, title="Checkout stalled"):
    postmortem = factories.make_postmortem(team, title=title, status="published")
    return events.record(PUBLISHED, team=team, postmortem=postmortem)


@pytest.fixture
def published(org, receiver, local_receivers):
    """One Payments endpoint on the receiver, and one publication for it."""
    endpoint = make_endpoint(org.payments, receiver.url)
    return endpoint, publish(org.payments)


# Signing ---------------------------------------------------------------------------------

def test_a_delivery_is_signed_and_the_receiver_verifies_it(published, receiver):
    endpoint, event = published
    assert delivery.deliver_due().sent == 1

    (request,) = receiver.answered
    headers = request["headers"]
    row = Delivery.objects.get()
    assert headers["Debrief-Event"] == str(event.pk) and headers["Debrief-Delivery"] == str(row.pk)
    assert headers["Debrief-Event-Type"] == PUBLISHED
    assert signing.verify(endpoint.secret, headers["Debrief-Signature"], request["body"])
    assert json.loads(request["body"])["postmortem"]["title"] == "Checkout stalled"


def test_a_tampered_body_or_timestamp_or_another_secret_fails_verification(published, receiver):
    endpoint, _ = published
    delivery.deliver_due()
    (request,) = receiver.answered
    header, body = request["headers"]["Debrief-Signature"], request["body"]
    timestamp = int(header.split(",")[0][2:])

    assert not signing.verify(endpoint.secret, header, body.replace(b"Checkout", b"Checkin"))
    assert not signing.verify(endpoint.secret, header.replace(f"t={timestamp}", f"t={timestamp + 1}"), body)
    assert not signing.verify("whsec_other", header, body)
    assert not signing.verify(endpoint.secret, "garbage", body)
    assert not signing.verify(endpoint.secret, header, body, now=timestamp + signing.TOLERANCE_SECONDS + 1)


def test_the_documented_receiver_example_verifies_a_signature():
    secret, body = "whsec_example", b'{"type":"postmortem.published"}'
    header = signing.signature_header(secret, body, timestamp=1700000000)

    # What the README tells receivers to do, written out without Debrief's code.
    import hashlib
    import hmac
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])


# Exactly once, and to whom ----------------------------------------------------------------

def test_a_second_sweep_sends_nothing_again(published, receiver):
    assert delivery.deliver_due().sent == 1
    assert delivery.deliver_due().sent == 0
    assert len(receiver.requests) == 1
    row = Delivery.objects.get()
    assert row.sent_at is not None and row.attempts == 1
    assert Attempt.objects.get().status_code == 200


def test_only_enabled_endpoints_of_the_team_that_want_the_kind_and_existed_before_it(org, receiver, local_receivers):
    wanted = make_endpoint(org.payments, receiver.url)
    make_endpoint(org.payments, receiver.url, enabled=False)
    make_endpoint(org.payments, receiver.url, events=[ITEM_CREATED])
    make_endpoint(org.search, receiver.url)
    event = publish(org.payments)
    Endpoint.objects.create(team=org.payments, name="later", url=receiver.url, events=[PUBLISHED],
                            created_at=event.created_at + timedelta(seconds=1))

    assert delivery.deliver_due().sent == 1
    assert list(Delivery.objects.values_list("endpoint", flat=True)) == [wanted.pk]


def test_two_sweeps_at_once_deliver_each_event_once_per_endpoint(transactional_db, org, receiver, local_receivers):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    for n in range(4):
        publish(org.payments, title=f"Incident {n}")  # before the endpoints, so nothing is sent on commit
    for name in ("one", "two"):
        make_endpoint(org.payments, receiver.url, name=name)
    receiver.delay = 0.1  # slow answers keep both sweeps running side by side
    results, barrier = [], threading.Barrier(2)

    def sweep():
        barrier.wait()
        try:
            results.append(delivery.deliver_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sum(result.sent for result in results) == 8
    ids = [request["headers"]["Debrief-Delivery"] for request in receiver.answered]
    assert len(ids) == len(set(ids)) == 8
    assert Delivery.objects.filter(sent_at__isnull=False).count() == 8


def test_an_event_is_delivered_right_after_its_transaction_commits(transactional_db, org, receiver, local_receivers):
    make_endpoint(org.payments, receiver.url)
    with transaction.atomic():
        publish(org.payments)
        assert receiver.requests == []  # not before the change is committed

    # Without a broker (CELERY_TASK_ALWAYS_EAGER) the enqueued task ran at the commit.
    assert len(receiver.answered) == 1
    assert Delivery.objects.get().sent_at is not None


# Failures and retries ------------------------------------------------------------------

def test_a_500_is_recorded_and_retried_after_the_backoff(published, receiver):
    receiver.statuses = [500]
    now = timezone.now()
    result = delivery.deliver_due(now=now)

    assert (result.sent, result.failed) == (0, 1)
    row = Delivery.objects.get()
    attempt = Attempt.objects.get()
    assert (row.sent_at, row.attempts) == (None, 1) and "HTTP 500" in row.last_error
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (500, "HTTP 500", "<html>nope</html>")
    assert row.claimed_at == now - delivery.lease() + claims.retry_delay(1)

    assert delivery.deliver_due(now=now + timedelta(seconds=30)).sent == 0  # still backing off
    assert delivery.deliver_due(now=now + claims.retry_delay(1) + timedelta(seconds=1)).sent == 1
    assert len(receiver.answered) == 2
    assert receiver.answered[0]["headers"]["Debrief-Delivery"] == receiver.answered[1]["headers"]["Debrief-Delivery"]
    assert Delivery.objects.get().sent_at is not None


def test_a_second_failure_waits_twice_as_long(published, receiver):
    receiver.statuses = [503, 503]
    now = timezone.now()
    delivery.deliver_due(now=now)
    later = now + claims.retry_delay(1) + timedelta(seconds=1)
    delivery.deliver_due(now=later)

    row = Delivery.objects.get()
    assert row.attempts == 2 and row.claimed_at == later - delivery.lease() + claims.retry_delay(2)


def test_a_timeout_is_recorded_as_an_error_and_retried(published, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.5

    assert delivery.deliver_due().failed == 1
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and "Timeout" in attempt.error
    assert Delivery.objects.get().sent_at is None


def test_a_redirect_is_not_followed_and_counts_as_a_failure(published, receiver):
    receiver.statuses = [302]
    assert delivery.deliver_due().failed == 1
    assert len(receiver.requests) == 1 and Attempt.objects.get().status_code == 302


def test_an_unreachable_receiver_is_a_network_error(org, local_receivers):
    make_endpoint(org.payments, "http://127.0.0.1:9/hook")  # the discard port: nothing listens
    publish(org.payments)

    assert delivery.deliver_due().failed == 1
    assert "ConnectionError" in Attempt.objects.get().error


# SSRF ----------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "100.64.0.1",
                                     "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1"])
def test_private_and_reserved_addresses_are_not_public(address):
    assert not delivery.is_public(address)


def test_public_addresses_are(settings):
    assert delivery.is_public("93.184.215.14") and delivery.is_public("2606:4700::1111")


def test_delivery_to_a_private_address_is_refused_at_delivery_time(org, receiver, settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    make_endpoint(org.payments, receiver.url.replace("127.0.0.1", "localhost"))  # a name resolving to loopback
    publish(org.payments)

    assert delivery.deliver_due().failed == 1
    assert receiver.requests == []
    assert "private or reserved address" in Attempt.objects.get().error


def test_plain_http_is_refused_unless_allowed(org, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.DEBUG = False
    make_endpoint(org.payments, receiver.url)
    publish(org.payments)

    assert delivery.deliver_due().failed == 1
    assert receiver.requests == [] and "http:// URLs are not allowed" in Attempt.objects.get().error


# Resending --------------------------------------------------------------------------------

def test_a_resend_sends_a_delivered_event_once_more_with_the_same_delivery_id(org, published, receiver):
    delivery.deliver_due()
    row = Delivery.objects.get()

    assert delivery.resend(row, by=org.people.lead)
    assert not delivery.resend(row, by=org.people.lead)  # the page's row is stale now: one resend per click
    assert delivery.deliver_due().sent == 1
    assert delivery.deliver_due().sent == 0

    first, second = receiver.answered
    assert first["headers"]["Debrief-Delivery"] == second["headers"]["Debrief-Delivery"] == str(row.pk)
    row.refresh_from_db()
    assert row.resent_by == org.people.lead and row.sent_at is not None and row.attempt_log.count() == 2


def test_a_delivery_waiting_for_its_retry_or_held_by_a_sweep_is_not_resent(org, published, receiver):
    receiver.statuses = [500]
    delivery.deliver_due()
    waiting = Delivery.objects.get()
    assert not delivery.can_resend(waiting)

    held = Delivery(claimed_at=timezone.now(), attempts=0)
    assert not delivery.can_resend(held)


def test_the_command_delivers_and_its_dry_run_only_counts(published, receiver, capsys):
    call_command("deliver_webhooks", "--dry-run")
    assert "1 webhook deliveries owed" in capsys.readouterr().out
    assert receiver.requests == [] and not Delivery.objects.exists()

    call_command("deliver_webhooks")
    assert "1 deliveries sent" in capsys.readouterr().out
    assert len(receiver.answered) == 1


def test_https_goes_to_the_checked_address_with_the_host_name_for_tls(tmp_path, monkeypatch, settings):
    """The request is pinned to the address that was checked; SNI, certificate and Host still use the name."""
    import shutil
    import socket
    import ssl
    import subprocess

    import requests

    if not shutil.which("openssl"):
        pytest.skip("needs openssl to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=hooks.example.test", "-addext", "subjectAltName=DNS:hooks.example.test"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen = {}

    def note_server_name(sock, name, ctx):
        seen["sni"] = name  # returns None: go on with the handshake

    context.sni_callback = note_server_name
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        connection_, _ = listener.accept()
        with context.wrap_socket(connection_, server_side=True) as tls:
            # Read the whole request (headers, then Content-Length bytes of body) before answering:
            # closing with unread bytes resets the connection before the client reads the answer.
            request = b""
            while b"\r\n\r\n" not in request:
                request += tls.recv(65536)
            head, _, body = request.partition(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(body) < length:
                body += tls.recv(65536)
            seen["request"] = head + b"\r\n\r\n" + body
            tls.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    resolved = []
    monkeypatch.setattr(delivery, "safe_addresses", lambda host, port_: resolved.append(host) or ["127.0.0.1"])
    plain_post = requests.Session.post
    monkeypatch.setattr(requests.Session, "post", lambda self, *args, **kwargs: plain_post(
        self, *args, **{**kwargs, "verify": str(cert)}))  # trust the test certificate, as if a CA had signed it

    response = delivery.post(f"https://hooks.example.test:{port}/hook", b"{}", {})
    server.join(10)
    listener.close()

    assert response.status_code == 204 and resolved == ["hooks.example.test"]
    assert seen["sni"] == "hooks.example.test"
    assert f"Host: hooks.example.test:{port}".encode() in seen["request"]
