"""The leads' alert-intake page and the issue link on an action item's page."""
import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import make_org_admin
from inbound.models import AlertEndpoint, TrackerLink
from tests import factories

pytestmark = pytest.mark.usefixtures("fast_passwords")

GITHUB_ISSUE = "https://github.com/acme/payments-api/issues/1347"


def page_url(team):
    return reverse("inbound:team-alerts", args=[team.slug])


# Alert intake page ----------------------------------------------------------------------------

def test_lead_creates_the_endpoint_and_sees_its_address(org, lead):
    assert "Create the webhook address" in lead.get(page_url(org.payments)).content.decode()

    response = lead.post(reverse("inbound:rotate-token", args=[org.payments.slug]))

    assert response.status_code == 302
    endpoint = AlertEndpoint.objects.get(team=org.payments)
    page = lead.get(page_url(org.payments)).content.decode()
    assert f"http://testserver/inbound/alerts/{endpoint.token}/" in page


def test_lead_rotates_the_token(org, lead):
    endpoint = AlertEndpoint.objects.create(team=org.payments)
    old = endpoint.token

    lead.post(reverse("inbound:rotate-token", args=[org.payments.slug]))

    endpoint.refresh_from_db()
    assert endpoint.token != old and len(endpoint.token) >= 40
    assert endpoint.rotated_at is not None


def test_lead_sets_and_clears_the_signing_secret(org, lead):
    AlertEndpoint.objects.create(team=org.payments)
    url = reverse("inbound:signing-secret", args=[org.payments.slug])

    lead.post(url, {"signing_secret": "whsec-1"})
    assert AlertEndpoint.objects.get().signing_secret == "whsec-1"
    page = lead.get(page_url(org.payments)).content.decode()
    assert "A signing secret is set" in page and "whsec-1" not in page

    lead.post(url, {"signing_secret": ""})
    assert AlertEndpoint.objects.get().signing_secret == ""


def test_page_lists_received_incidents(org, lead):
    postmortem = factories.make_postmortem(org.payments, title="Checkout latency")
    org.payments.inbound_incidents.create(source="pagerduty", external_id="Q2K7", postmortem=postmortem)

    page = lead.get(page_url(org.payments)).content.decode()

    assert "Checkout latency" in page and "Q2K7" in page


@pytest.mark.parametrize("who", ["member", "author", "other_team", "outsider"])
def test_only_leads_find_the_page(org, login, who):
    client = login(getattr(org.people, who))
    AlertEndpoint.objects.create(team=org.payments)

    assert client.get(page_url(org.payments)).status_code == 404
    assert client.post(reverse("inbound:rotate-token", args=[org.payments.slug])).status_code == 404
    assert client.post(reverse("inbound:signing-secret", args=[org.payments.slug]),
                       {"signing_secret": "x"}).status_code == 404
    assert AlertEndpoint.objects.get().signing_secret == ""


def test_lead_of_another_team_gets_404(org, login):
    assert login(org.people.other_team).get(page_url(org.payments)).status_code == 404
    assert login(org.people.other_team).get(page_url(org.search)).status_code == 200


def test_organisation_admin_may_configure_any_team(org, login):
    admin = factories.make_user("root-admin")
    make_org_admin(admin)

    assert login(admin).get(page_url(org.payments)).status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(org):
    response = Client().get(page_url(org.payments))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_config_forms_need_the_csrf_token(org):
    AlertEndpoint.objects.create(team=org.payments)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.people.lead)

    assert client.post(reverse("inbound:rotate-token", args=[org.payments.slug])).status_code == 403
    assert client.post(reverse("inbound:signing-secret", args=[org.payments.slug]),
                       {"signing_secret": "x"}).status_code == 403
    assert client.post(reverse("inbound:tracker-link", args=[make_item(org).pk]),
                       {"url": GITHUB_ISSUE}).status_code == 403
    assert AlertEndpoint.objects.get().signing_secret == ""
    assert not TrackerLink.objects.exists()


def test_team_page_links_to_the_intake_page_for_leads_only(org, login):
    team_url = reverse("accounts:team", args=[org.payments.slug])

    assert page_url(org.payments) in login(org.people.lead).get(team_url).content.decode()
    assert page_url(org.payments) not in login(org.people.member).get(team_url).content.decode()


# Issue link on an action item ---------------------------------------------------------------------

def make_item(org, *, kind="technical"):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], kind=kind)
    return factories.add_action_item(postmortem, owner=org.people.member)


def link_url(item):
    return reverse("inbound:tracker-link", args=[item.pk])


@pytest.mark.parametrize("who", ["author", "lead", "member"])  # the member owns the item
def test_those_who_may_change_the_item_link_it(org, login, who):
    item = make_item(org)

    response = login(getattr(org.people, who)).post(link_url(item), {"url": GITHUB_ISSUE})

    assert response.status_code == 302
    assert response["Location"] == reverse("postmortems:action-detail", args=[item.pk])
    link = TrackerLink.objects.get(item=item)
    assert (link.tracker, link.issue_key) == ("github", "github:github.com/acme/payments-api#1347")


def test_team_member_who_does_not_own_the_item_gets_403(org, login):
    item = make_item(org)
    item.owner = None
    item.save()

    assert login(org.people.member).post(link_url(item), {"url": GITHUB_ISSUE}).status_code == 403
    assert not TrackerLink.objects.exists()


@pytest.mark.parametrize("who", ["other_team", "outsider"])
def test_people_who_cannot_see_the_item_get_404(org, login, who):
    item = make_item(org)

    assert login(getattr(org.people, who)).post(link_url(item), {"url": GITHUB_ISSUE}).status_code == 404
    assert not TrackerLink.objects.exists()


def test_restricted_item_is_404_to_a_team_member(org, login):
    item = make_item(org, kind="people")
    item.owner = None
    item.save()

    assert login(org.people.member).post(link_url(item), {"url": GITHUB_ISSUE}).status_code == 404


def test_invalid_url_is_refused_with_the_reason(org, login):
    item = make_item(org)

    response = login(org.people.author).post(link_url(item), {"url": "https://example.test/some/page"})

    assert response.status_code == 400
    assert "Enter the web address of one issue" in response.content.decode()
    assert not TrackerLink.objects.exists()


def test_link_is_replaced_and_removed(org, login):
    item = make_item(org)
    client = login(org.people.author)

    client.post(link_url(item), {"url": GITHUB_ISSUE})
    client.post(link_url(item), {"url": "https://acme.atlassian.net/browse/OPS-7"})
    assert TrackerLink.objects.get(item=item).tracker == "jira"

    client.post(link_url(item), {"url": ""})
    assert not TrackerLink.objects.exists()


def test_get_is_not_allowed(org, login):
    assert login(org.people.author).get(link_url(make_item(org))).status_code == 405


def test_item_page_shows_the_form_only_to_those_who_may_change_it(org, login):
    item = make_item(org)
    item.owner = None
    item.save()
    trackers_url = link_url(item)
    detail = reverse("postmortems:action-detail", args=[item.pk])

    assert trackers_url in login(org.people.author).get(detail).content.decode()
    member_page = login(org.people.member).get(detail).content.decode()
    assert trackers_url not in member_page
    assert "Not linked to an issue tracker" in member_page
