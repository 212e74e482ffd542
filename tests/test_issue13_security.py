"""Issue 13 pages replayed by everyone who should not use them; hostile text escaped or refused; CSRF enforced.

Rules (from the views): webhooks and alert intake are for the team's leads and organisation admins, everyone
else a 404; meetings are 404 for those who cannot read the post-mortem and 403 for readers who may not
schedule; tracker links 404 for non-readers and 403 for readers who may not change the item; documents 404
for non-readers; API tokens are per person (another person's token is a 404). Signed out: sign in.
"""
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import make_org_admin
from api.models import ApiToken
from inbound.models import AlertEndpoint, TrackerLink
from meetings import scheduling
from meetings.models import ReviewMeeting
from tests import factories
from webhooks.models import PUBLISHED, Attempt, Delivery, Endpoint, Event

pytestmark = pytest.mark.usefixtures("fast_passwords")

SCRIPT = '<script>alert("x")</script>'
IMG = '<img src=x onerror=alert(1)>'
HOSTILE = f"{SCRIPT}{IMG}"
JS_URL = "javascript:alert(1)"


@pytest.fixture
def world(org):
    people = org.people
    endpoint = Endpoint.objects.create(team=org.payments, name=f"Chat {HOSTILE}", url="https://hooks.example.test/a",
                                       events=[PUBLISHED])
    event = Event.objects.create(kind=PUBLISHED, team=org.payments, data={"type": PUBLISHED})
    delivered = Delivery.objects.create(event=event, endpoint=endpoint, sent_at=timezone.now(), attempts=1,
                                        claimed_at=timezone.now() - timedelta(hours=1))
    Attempt.objects.create(delivery=delivered, status_code=200, response_excerpt=HOSTILE)
    AlertEndpoint.objects.create(team=org.payments)
    # A draft: a published technical post-mortem is readable by everyone signed in.
    postmortem = factories.make_postmortem(org.payments, authors=[people.author])
    people_incident = factories.make_postmortem(org.payments, kind="people", authors=[people.author],
                                                viewers=[people.viewer], status="published")
    item = factories.add_action_item(postmortem, owner=people.author)
    meeting = scheduling.propose(
        postmortem=postmortem, organiser=people.author,
        starts_at=(timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0), duration_minutes=45,
        location=f"Room 1 {HOSTILE} {JS_URL}", invitees=[people.author, people.lead])
    token, _ = ApiToken.issue(user=people.author, name=f"CI {HOSTILE}", read_only=False, expires_at=None)
    admin = factories.make_user("olga")
    make_org_admin(admin)
    people.admin = admin
    return {"endpoint": endpoint, "delivery": delivered, "postmortem": postmortem, "people_incident": people_incident,
            "item": item, "meeting": meeting, "token": token}


def lead_pages(org, w):
    slug, pk = org.payments.slug, w["endpoint"].pk
    return [
        reverse("webhooks:list", args=[slug]), reverse("webhooks:create", args=[slug]),
        reverse("webhooks:edit", args=[slug, pk]), reverse("webhooks:delete", args=[slug, pk]),
        reverse("webhooks:rotate", args=[slug, pk]), reverse("webhooks:deliveries", args=[slug, pk]),
        reverse("webhooks:resend", args=[slug, pk, w["delivery"].pk]),
        reverse("inbound:team-alerts", args=[slug]), reverse("inbound:rotate-token", args=[slug]),
        reverse("inbound:signing-secret", args=[slug]),
    ]


def all_pages(org, w):
    return lead_pages(org, w) + [
        reverse("meetings:propose", args=[w["postmortem"].pk]), reverse("meetings:update", args=[w["meeting"].pk]),
        reverse("meetings:cancel", args=[w["meeting"].pk]), reverse("inbound:tracker-link", args=[w["item"].pk]),
        reverse("api:tokens"), reverse("api:token-revoke", args=[w["token"].pk]),
        reverse("postmortems:export-markdown", args=[w["postmortem"].pk]),
        reverse("postmortems:export-pdf", args=[w["postmortem"].pk]), reverse("postmortems:export-zip"),
    ]


POST_ONLY = ("/rotate/", "/resend/", "/secret/", "/cancel/", "/tracker-link/", "/revoke/")


def _allowed(method, path, status, expected):
    """The expected refusal; a GET on a POST-only URL may also be answered 405 (it never acts)."""
    return status == expected or (method == "get" and path.endswith(POST_ONLY) and status == 405)


def _unchanged(org, w):
    w["endpoint"].refresh_from_db()
    assert Endpoint.objects.filter(pk=w["endpoint"].pk).exists()
    assert ReviewMeeting.objects.active().filter(pk=w["meeting"].pk).exists()
    assert not TrackerLink.objects.exists()
    assert ApiToken.objects.get(pk=w["token"].pk).revoked_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_signed_out_visitors_are_sent_to_sign_in(org, world, client, method):
    for path in all_pages(org, world):
        response = getattr(client, method)(path)
        assert _allowed(method, path, response.status_code, 302), (method, path, response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], (method, path)
    _unchanged(org, world)


@pytest.mark.parametrize("who", ["author", "member", "viewer", "other_team", "outsider"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_leads_only_pages_are_404_for_everyone_else(org, world, login, who, method):
    client = login(getattr(org.people, who))
    for path in lead_pages(org, world):
        status = getattr(client, method)(path).status_code
        assert _allowed(method, path, status, 404), (who, method, path, status)
    _unchanged(org, world)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_lead_of_another_team_cannot_reach_this_teams_endpoint(org, world, login, method):
    client = login(org.people.other_team)  # lead of Search
    pk = world["endpoint"].pk
    for name in ["edit", "delete", "rotate", "deliveries"]:
        path = reverse(f"webhooks:{name}", args=[org.search.slug, pk])
        assert _allowed(method, path, getattr(client, method)(path).status_code, 404), (method, path)
    path = reverse("webhooks:resend", args=[org.search.slug, pk, world["delivery"].pk])
    assert _allowed(method, path, getattr(client, method)(path).status_code, 404)
    _unchanged(org, world)


def test_org_admin_may_open_the_team_config_pages(org, world, login):
    client = login(org.people.admin)
    slug, pk = org.payments.slug, world["endpoint"].pk
    for path in [reverse("webhooks:list", args=[slug]), reverse("webhooks:deliveries", args=[slug, pk]),
                 reverse("inbound:team-alerts", args=[slug])]:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who,expected", [("member", 403), ("viewer", 404), ("other_team", 404),
                                          ("outsider", 404)])
@pytest.mark.parametrize("method", ["get", "post"])
def test_meetings_and_tracker_link_refused(org, world, login, who, expected, method):
    client = login(getattr(org.people, who))
    paths = [reverse("meetings:propose", args=[world["postmortem"].pk]),
             reverse("meetings:update", args=[world["meeting"].pk]),
             reverse("meetings:cancel", args=[world["meeting"].pk])]
    for path in paths:
        status = getattr(client, method)(path).status_code
        assert _allowed(method, path, status, expected), (who, method, path, status)
    if method == "post":
        status = client.post(reverse("inbound:tracker-link", args=[world["item"].pk]),
                             {"url": "https://github.com/acme/x/issues/1"}).status_code
        assert status in (403, 404) and status != 200, (who, status)
    _unchanged(org, world)


@pytest.mark.parametrize("who", ["member", "other_team", "outsider", "admin"])
def test_people_incident_documents_are_404_for_non_readers(org, world, login, who):
    client = login(getattr(org.people, who))
    pk = world["people_incident"].pk
    for name in ["export-markdown", "export-pdf"]:
        for method in ["get", "post"]:
            response = getattr(client, method)(reverse(f"postmortems:{name}", args=[pk]))
            assert response.status_code == 404, (who, name, method, response.status_code)


@pytest.mark.parametrize("who", ["other_team", "outsider"])
def test_technical_documents_are_404_outside_the_team(org, world, login, who):
    client = login(getattr(org.people, who))
    for name in ["export-markdown", "export-pdf"]:
        assert client.get(reverse(f"postmortems:{name}", args=[world["postmortem"].pk])).status_code == 404


def test_another_persons_token_cannot_be_revoked(org, world, login):
    for who in ["lead", "outsider", "admin"]:
        assert login(getattr(org.people, who)).post(
            reverse("api:token-revoke", args=[world["token"].pk])).status_code == 404
    _unchanged(org, world)


# Hostile text --------------------------------------------------------------------------------

def _assert_escaped(html):
    assert SCRIPT not in html and IMG not in html
    assert 'href="javascript:' not in html.lower()


def test_hostile_endpoint_name_is_escaped_everywhere(org, world, login):
    client = login(org.people.lead)
    slug, pk = org.payments.slug, world["endpoint"].pk
    for path in [reverse("webhooks:list", args=[slug]), reverse("webhooks:edit", args=[slug, pk]),
                 reverse("webhooks:delete", args=[slug, pk]), reverse("webhooks:deliveries", args=[slug, pk])]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "&lt;script&gt;" in html, path
        _assert_escaped(html)


@pytest.mark.parametrize("url", [JS_URL, f"https://hooks.example.test/{SCRIPT}", "data:text/html,<script>x</script>"])
def test_hostile_endpoint_url_is_refused_or_escaped(org, world, login, url):
    client = login(org.people.lead)
    response = client.post(reverse("webhooks:create", args=[org.payments.slug]),
                           {"name": "x", "url": url, "format": "json", "events": [PUBLISHED], "enabled": "on"})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        endpoint = Endpoint.objects.get(name="x")
        assert endpoint.url.startswith("https://")
        for path in [reverse("webhooks:list", args=[org.payments.slug]), response["Location"]]:
            _assert_escaped(client.get(path).content.decode())
    else:
        _assert_escaped(response.content.decode())
        assert not Endpoint.objects.filter(name="x").exists()


def test_hostile_meeting_location_is_escaped(org, world, login):
    for who, path in [("author", reverse("postmortems:detail", args=[world["postmortem"].pk])),
                      ("author", reverse("meetings:update", args=[world["meeting"].pk]))]:
        response = login(getattr(org.people, who)).get(path)
        assert response.status_code == 200
        html = response.content.decode()
        assert "&lt;script&gt;" in html
        _assert_escaped(html)


@pytest.mark.parametrize("url", [JS_URL, f"https://github.com/acme/x/issues/1{SCRIPT}",
                                 f'https://github.com/acme/x/issues/1"onmouseover="alert(1)'])
def test_hostile_tracker_link_is_refused(org, world, login, url):
    client = login(org.people.author)
    response = client.post(reverse("inbound:tracker-link", args=[world["item"].pk]), {"url": url})
    assert response.status_code == 400
    _assert_escaped(response.content.decode())
    assert not TrackerLink.objects.exists()
    _assert_escaped(client.get(reverse("postmortems:action-detail", args=[world["item"].pk])).content.decode())


def test_hostile_token_name_is_escaped(org, world, login):
    html = login(org.people.author).get(reverse("api:tokens")).content.decode()
    assert "&lt;script&gt;" in html
    _assert_escaped(html)


# CSRF ----------------------------------------------------------------------------------------

def test_every_post_form_needs_the_csrf_token(org, world):
    people = org.people
    slug, pk = org.payments.slug, world["endpoint"].pk
    cases = [
        (people.lead, reverse("webhooks:create", args=[slug]),
         {"name": "new", "url": "https://hooks.example.test/b", "format": "json", "events": [PUBLISHED]}),
        (people.lead, reverse("webhooks:edit", args=[slug, pk]), {"name": "renamed"}),
        (people.lead, reverse("webhooks:delete", args=[slug, pk]), {}),
        (people.lead, reverse("webhooks:rotate", args=[slug, pk]), {}),
        (people.lead, reverse("webhooks:resend", args=[slug, pk, world["delivery"].pk]), {}),
        (people.lead, reverse("inbound:rotate-token", args=[slug]), {}),
        (people.lead, reverse("inbound:signing-secret", args=[slug]), {"signing_secret": "s"}),
        (people.author, reverse("inbound:tracker-link", args=[world["item"].pk]),
         {"url": "https://github.com/acme/x/issues/1"}),
        (people.author, reverse("meetings:update", args=[world["meeting"].pk]), {"location": "elsewhere"}),
        (people.author, reverse("meetings:cancel", args=[world["meeting"].pk]), {}),
        (people.author, reverse("meetings:propose", args=[world["postmortem"].pk]), {}),
        (people.author, reverse("api:tokens"), {"name": "sneaky"}),
        (people.author, reverse("api:token-revoke", args=[world["token"].pk]), {}),
    ]
    for user, path, data in cases:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        assert client.post(path, data).status_code == 403, path
    _unchanged(org, world)
    assert not Endpoint.objects.filter(name="new").exists()
    assert not ApiToken.objects.filter(name="sneaky").exists()
