"""The near-miss list (filters, pages, empty states), "My reports", and the admin screens."""
import pytest
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from nearmisses.models import NearMiss
from tests import factories
from tests.test_nearmiss_reports import make_near_miss

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

LIST = "/near-misses/"


def listed(client, query=""):
    response = client.get(f"{LIST}{query}")
    assert response.status_code == 200
    return [near_miss.what_happened for near_miss in response.context["page"].object_list]


def test_list_filters_by_status_kind_and_team(login, org):
    from postmortems.models import Membership

    factories.add_member(org.search, org.people.lead, Membership.Role.LEAD)
    make_near_miss(org.payments, what_happened="new technical")
    make_near_miss(org.payments, kind="people", status="acknowledged", what_happened="acknowledged people")
    make_near_miss(org.payments, status="dismissed", what_happened="dismissed technical")
    make_near_miss(org.search, what_happened="search technical")
    client = login(org.people.lead)
    assert sorted(listed(client)) == ["acknowledged people", "dismissed technical", "new technical",
                                      "search technical"]
    assert listed(client, "?status=dismissed") == ["dismissed technical"]
    assert listed(client, "?kind=people") == ["acknowledged people"]
    assert listed(client, f"?team={org.search.pk}") == ["search technical"]
    assert listed(client, f"?team={org.search.pk}&kind=people") == []


def test_list_paginates(login, org):
    for n in range(23):
        make_near_miss(org.payments, what_happened=f"Report {n}")
    client = login(org.people.lead)
    assert len(listed(client)) == 20
    assert len(listed(client, "?page=2")) == 3
    assert "Page 1 of 2" in client.get(LIST).content.decode()


def test_empty_list_invites_a_report_and_filtered_empty_list_offers_to_clear(login, org):
    client = login(org.people.lead)
    assert "No near misses yet" in client.get(LIST).content.decode()
    make_near_miss(org.payments)
    page = client.get(f"{LIST}?status=promoted").content.decode()
    assert "No near misses match these filters." in page and "Show all near misses" in page


def test_filters_are_a_labelled_search_form_with_a_way_back_to_the_whole_list(login, org):
    client = login(org.people.lead)
    assert "Clear</a>" not in client.get(LIST).content.decode()
    page = client.get(f"{LIST}?kind=people").content.decode()
    assert 'role="search" aria-label="Filter near misses"' in page
    assertInHTML('<label class="form-label small mb-1" for="id_since">Reported from</label>', page)
    assertInHTML(f'<a class="btn btn-link btn-sm" href="{LIST}">Clear</a>', page)


def test_a_filter_that_is_not_valid_says_why_next_to_its_field(login, org):
    page = login(org.people.lead).get(f"{LIST}?since=someday").content.decode()
    # The message is the field's description for screen readers (aria-describedby names its id).
    assertInHTML('<div id="id_since_error" class="text-danger small">Enter a valid date.</div>', page)
    assert 'aria-describedby="id_since_error"' in page


def test_a_filter_for_someone_elses_team_is_ignored_not_obeyed(login, org):
    make_near_miss(org.search, what_happened="search technical")
    assert listed(login(org.people.lead), f"?team={org.search.pk}") == []


def test_my_reports_lists_named_reports_with_their_outcome(login, org):
    make_near_miss(org.payments, reporter=org.people.member, status="dismissed", what_happened="mine, dismissed")
    make_near_miss(org.payments, reporter=org.people.lead, what_happened="the lead's")
    page = login(org.people.member).get(reverse("nearmisses:mine")).content.decode()
    assert "mine, dismissed" in page and "Dismissed" in page and "the lead&#x27;s" not in page


def test_deleting_the_promoted_post_mortem_deletes_its_report(org):
    from nearmisses import triage

    near_miss = make_near_miss(org.payments)
    triage.promote(near_miss, by=org.people.lead).delete()
    assert not NearMiss.objects.exists()


def test_admin_lists_and_shows_reports_without_naming_anonymous_reporters(login, org):
    root = factories.make_user("root", is_superuser=True, is_staff=True)
    reporter = factories.make_user("zquillon", first_name="Zephyrine", last_name="Quillfeather")
    factories.add_member(org.payments, reporter)
    near_miss = make_near_miss(org.payments, reporter=reporter, anonymous=True)
    client = login(root)
    changelist = client.get(reverse("admin:nearmisses_nearmiss_changelist"))
    change = client.get(reverse("admin:nearmisses_nearmiss_change", args=[near_miss.pk]))
    assert changelist.status_code == 200 and change.status_code == 200
    for response in [changelist, change]:
        page = response.content.decode()
        assert "Anonymous" in page and "zquillon" not in page
    assert client.get(reverse("admin:nearmisses_nearmiss_add")).status_code == 403
