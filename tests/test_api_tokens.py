"""Personal API tokens: shown once, hashed at rest, expiring, revocable, read-only, owner active."""
import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from api.models import ApiToken
from tests import factories
from tests.test_api_helpers import token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


def bearer(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def create_on_page(client, **fields):
    response = client.post("/settings/api-tokens/", {"name": "CI export", **fields})
    assert response.status_code == 200
    return response


def test_settings_page_links_to_tokens_page(org, login):
    assert b'href="/settings/api-tokens/"' in login(org.people.member).get("/settings/").content


def test_secret_is_shown_once_and_stored_only_as_hash(org, login):
    client = login(org.people.member)
    page = create_on_page(client).content.decode()
    token = ApiToken.objects.get(user=org.people.member)
    secret = page.split('id="new-token" class="form-control font-monospace" readonly value="')[1].split('"')[0]
    assert secret.startswith("dbf_") and token.prefix == secret[:10]
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in token.secret_hash
    assert secret not in client.get("/settings/api-tokens/").content.decode()
    assert bearer(secret).get("/api/v1/teams/").status_code == 200
    assert AuditEntry.objects.filter(action="api_token.created", actor=org.people.member).exists()


def test_revoked_token_stops_working_and_is_audited(org, login):
    token, secret = ApiToken.issue(user=org.people.member, name="old")
    client = login(org.people.member)
    assert client.post(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 302
    assert bearer(secret).get("/api/v1/teams/").status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoked").exists()


def test_cannot_revoke_someone_elses_token(org, login):
    token, secret = ApiToken.issue(user=org.people.author, name="theirs")
    assert login(org.people.member).post(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 404
    assert bearer(secret).get("/api/v1/teams/").status_code == 200


def test_expired_token_is_refused(org):
    _, secret = ApiToken.issue(user=org.people.member, name="short", expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(secret).get("/api/v1/teams/").status_code == 401


def test_unexpired_token_works_and_records_last_use(org):
    token, secret = ApiToken.issue(user=org.people.member, name="x", expires_at=timezone.now() + timedelta(days=1))
    assert bearer(secret).get("/api/v1/teams/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_inactive_owner_token_stops_working(org):
    _, secret = ApiToken.issue(user=org.people.member, name="x")
    org.people.member.is_active = False
    org.people.member.save()
    assert bearer(secret).get("/api/v1/teams/").status_code == 401


def test_wrong_or_malformed_token_is_401(org):
    assert bearer("dbf_nope").get("/api/v1/teams/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two parts")
    assert client.get("/api/v1/teams/").status_code == 401


def test_read_only_token_reads_but_gets_403_on_writes(org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    item = factories.add_action_item(postmortem, owner=org.people.author)
    client = token_client(org.people.author, read_only=True)
    etag = client.get(f"/api/v1/action-items/{item.pk}/")["ETag"]
    assert client.patch(f"/api/v1/action-items/{item.pk}/", {"status": "done"}, format="json",
                        HTTP_IF_MATCH=etag).status_code == 403
    assert client.post("/api/v1/action-items/", {"postmortem": postmortem.pk, "title": "x"},
                       format="json").status_code == 403
    item.refresh_from_db()
    assert item.status == "open"


def test_expiry_in_the_past_is_refused_on_the_page(org, login):
    response = login(org.people.member).post("/settings/api-tokens/", {"name": "x", "expires_on": "2000-01-01"})
    assert b"Choose a date in the future" in response.content
    assert not ApiToken.objects.exists()
