"""The webhook pages: leads (and organisation admins) only, everyone else a 404; CSRF; hostile text escaped."""
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from webhooks.models import ITEM_DONE, PUBLISHED, Attempt, Delivery, Endpoint, Event

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def endpoint(org):
    return Endpoint.objects.create(team=org.payments, name="Payments chat", url="https://hooks.example.test/a",
                                   events=[PUBLISHED])


@pytest.fixture
def delivered(org, endpoint):
    event = Event.objects.create(kind=PUBLISHED, team=org.payments, data={"type": PUBLISHED})
    row = Delivery.objects.create(event=event, endpoint=endpoint, sent_at=timezone.now(), attempts=1,
                                  claimed_at=timezone.now() - timedelta(hours=1))
    Attempt.objects.create(delivery=row, status_code=200, response_excerpt=HOSTILE)
    return row


def pages(org, endpoint, delivered):
    """Every webhook URL of the endpoint's team, with the method that uses it."""
    slug, pk = org.payments.slug, endpoint.pk
    return [
        ("get", reverse("webhooks:list", args=[slug])),
        ("get", reverse("webhooks:create", args=[slug])),
        ("post", reverse("webhooks:create", args=[slug])),
        ("get", reverse("webhooks:edit", args=[slug, pk])),
        ("post", reverse("webhooks:edit", args=[slug, pk])),
        ("get", reverse("webhooks:delete", args=[slug, pk])),
        ("post", reverse("webhooks:delete", args=[slug, pk])),
        ("post", reverse("webhooks:rotate", args=[slug, pk])),
        ("get", reverse("webhooks:deliveries", args=[slug, pk])),
        ("post", reverse("webhooks:resend", args=[slug, pk, delivered.pk])),
    ]


@pytest.mark.parametrize("who", ["author", "member", "viewer", "other_team", "outsider"])
def test_everyone_but_the_teams_leads_gets_404_on_every_page(org, login, endpoint, delivered, who):
    client = login(getattr(org.people, who))
    for method, path in pages(org, endpoint, delivered):
        assert getattr(client, method)(path).status_code == 404, (who, method, path)
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_another_teams_endpoint_is_404_under_this_team(org, login, endpoint):
    client = login(org.people.other_team)  # lead of Search
    assert client.get(reverse("webhooks:edit", args=[org.search.slug, endpoint.pk])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(org, client, endpoint, delivered):
    for method, path in pages(org, endpoint, delivered):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path


def test_the_lead_sees_every_page(org, lead, endpoint, delivered):
    for method, path in pages(org, endpoint, delivered):
        if method == "get":
            assert lead.get(path).status_code == 200, path


def test_the_team_page_links_to_webhooks_for_leads_only(org, lead, login):
    link = reverse("webhooks:list", args=[org.payments.slug])
    assert link in lead.get(reverse("accounts:team", args=[org.payments.slug])).content.decode()
    member_page = login(org.people.member).get(reverse("accounts:team", args=[org.payments.slug]))
    assert link not in member_page.content.decode()


def test_a_lead_adds_an_endpoint_and_sees_its_secret(org, lead):
    response = lead.post(reverse("webhooks:create", args=[org.payments.slug]), {
        "name": "Payments chat", "url": "https://93.184.215.14/hooks/x", "format": "slack",
        "events": [PUBLISHED, ITEM_DONE], "enabled": "on",
    })

    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == endpoint.get_absolute_url()
    assert (endpoint.team, endpoint.format, endpoint.events) == (org.payments, "slack", [PUBLISHED, ITEM_DONE])
    assert endpoint.secret.startswith("whsec_") and endpoint.created_by == org.people.lead
    assert endpoint.secret in lead.get(endpoint.get_absolute_url()).content.decode()
    assert AuditEntry.objects.filter(action="webhook.added", team=org.payments).exists()


@pytest.mark.parametrize("url, message", [
    ("http://93.184.215.14/x", "Use an https:// URL."),
    ("https://127.0.0.1/x", "private or reserved address"),
    ("https://169.254.169.254/latest/meta-data", "private or reserved address"),
    ("https://localhost/x", "private or reserved address"),
    ("https://user:pw@93.184.215.14/x", "not in the URL"),
])
def test_unsafe_urls_are_refused(org, lead, settings, url, message):
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_HTTP = settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = lead.post(reverse("webhooks:create", args=[org.payments.slug]), {
        "name": "x", "url": url, "format": "debrief", "events": [PUBLISHED],
    })
    assert response.status_code == 400 and message in response.content.decode()
    assert not Endpoint.objects.exists()


def test_private_addresses_are_accepted_when_the_setting_allows(org, lead, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    response = lead.post(reverse("webhooks:create", args=[org.payments.slug]), {
        "name": "x", "url": "https://10.0.0.5/hook", "format": "text", "events": [PUBLISHED],
    })
    assert response.status_code == 302


def test_rotating_makes_a_new_secret(org, lead, endpoint):
    old = endpoint.secret
    lead.post(reverse("webhooks:rotate", args=[org.payments.slug, endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")


def test_deleting_removes_the_endpoint(org, lead, endpoint):
    response = lead.post(reverse("webhooks:delete", args=[org.payments.slug, endpoint.pk]))
    assert response.status_code == 302 and not Endpoint.objects.exists()


def test_hostile_text_is_escaped_on_every_page(org, lead, endpoint, delivered):
    endpoint.name = HOSTILE
    endpoint.save()
    for path in (reverse("webhooks:list", args=[org.payments.slug]), endpoint.get_absolute_url(),
                 reverse("webhooks:deliveries", args=[org.payments.slug, endpoint.pk])):
        html = lead.get(path).content.decode()
        assert HOSTILE not in html and "&lt;script&gt;" in html, path


def test_posts_without_a_csrf_token_are_refused(org, endpoint):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.people.lead)
    old = endpoint.secret
    assert client.post(reverse("webhooks:rotate", args=[org.payments.slug, endpoint.pk])).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.secret == old


def test_the_log_shows_attempts_and_resend_queues_a_delivery(org, lead, endpoint, delivered):
    log = reverse("webhooks:deliveries", args=[org.payments.slug, endpoint.pk])
    html = lead.get(log).content.decode()
    assert "HTTP 200" in html and "Resend" in html

    response = lead.post(reverse("webhooks:resend", args=[org.payments.slug, endpoint.pk, delivered.pk]))

    assert response.status_code == 302 and response["Location"] == log
    delivered.refresh_from_db()
    assert delivered.sent_at is None and delivered.resent_by == org.people.lead


def test_the_log_is_paginated(org, lead, endpoint, django_assert_max_num_queries):
    for n in range(30):
        created_at = timezone.now() - timedelta(minutes=n)
        event = Event.objects.create(kind=PUBLISHED, team=org.payments, created_at=created_at)
        Delivery.objects.create(event=event, endpoint=endpoint, sent_at=timezone.now())
    log = reverse("webhooks:deliveries", args=[org.payments.slug, endpoint.pk])

    with django_assert_max_num_queries(20):  # fixed (session, user, team, page, attempts), fewer than one per row
        first = lead.get(log).content.decode()
    second = lead.get(log + "?page=2").content.decode()

    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert first.count("<tr>") == 26 and second.count("<tr>") == 6  # the header row, then the deliveries


def test_a_delivery_of_another_endpoint_cannot_be_resent_through_this_one(org, lead, endpoint, delivered):
    other = Endpoint.objects.create(team=org.payments, name="other", url="https://hooks.example.test/b")
    path = reverse("webhooks:resend", args=[org.payments.slug, other.pk, delivered.pk])
    assert lead.post(path).status_code == 404
