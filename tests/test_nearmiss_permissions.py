"""Who sees and triages which near miss, asserted cell by cell against one table, through every URL.

Rules: a team's leads see and triage all its reports; its members see its technical ones; people
near misses only its leads, and a named reporter sees their own. Anyone else gets a 404 on every
URL of the report. Superusers and organisation admins get nothing extra (as for post-mortems).
"""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from nearmisses.models import NearMiss
from postmortems import permissions
from tests import factories
from tests.test_nearmiss_reports import make_near_miss

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ROLES = ["lead", "reporter", "member", "anonymous_reporter", "other_lead", "other_member", "outsider",
         "superuser", "org_admin", "inactive_lead"]
KINDS = ["technical", "people"]

# (role, kind) -> (may view, may triage). "reporter" named the report; "anonymous_reporter" sent
# the same report anonymously (both are plain members of Payments).
TABLE = {
    ("lead", "technical"): (True, True),
    ("lead", "people"): (True, True),
    ("reporter", "technical"): (True, False),
    ("reporter", "people"): (True, False),
    ("member", "technical"): (True, False),
    ("member", "people"): (False, False),
    ("anonymous_reporter", "technical"): (True, False),  # as a member of the team
    ("anonymous_reporter", "people"): (False, False),  # linked to nobody, so not theirs
    ("other_lead", "technical"): (False, False),
    ("other_lead", "people"): (False, False),
    ("other_member", "technical"): (False, False),
    ("other_member", "people"): (False, False),
    ("outsider", "technical"): (False, False),
    ("outsider", "people"): (False, False),
    ("superuser", "technical"): (False, False),
    ("superuser", "people"): (False, False),
    ("org_admin", "technical"): (False, False),
    ("org_admin", "people"): (False, False),
    ("inactive_lead", "technical"): (False, False),
    ("inactive_lead", "people"): (False, False),
}
CELLS = [pytest.param(role, kind, *TABLE[role, kind], id=f"{role}-{kind}") for role, kind in TABLE]


@pytest.fixture
def cast(everyone):
    """Everyone in the table, by role."""
    people = everyone.people
    cast = {
        "lead": people.lead, "reporter": people.member, "member": people.author, "anonymous_reporter": people.member,
        "other_lead": people.other_team, "other_member": people.viewer, "outsider": people.outsider,
        "superuser": factories.make_user("root", is_superuser=True, is_staff=True),
        "org_admin": factories.make_org_admin("org-admin"), "inactive_lead": people.inactive,
    }
    return cast


@pytest.fixture
def report(everyone):
    """report(kind, role): a Payments near miss, named by the member or sent anonymously by them."""
    def make(kind, role):
        anonymous = role == "anonymous_reporter"
        return make_near_miss(everyone.payments, kind=kind, reporter=everyone.people.member, anonymous=anonymous,
                              what_happened=f"A {kind} near miss")
    return make


def test_table_covers_every_role_and_kind():
    assert set(TABLE) == {(role, kind) for role in ROLES for kind in KINDS}


@pytest.mark.parametrize("role, kind, may_view, may_triage", CELLS)
def test_object_checks_follow_the_table(cast, report, role, kind, may_view, may_triage):
    near_miss = report(kind, role)
    assert permissions.can_view_near_miss(cast[role], near_miss) is may_view
    assert permissions.can_triage_near_miss(cast[role], near_miss) is may_triage


@pytest.mark.parametrize("role, kind, may_view, may_triage", CELLS)
def test_querysets_follow_the_table(cast, report, role, kind, may_view, may_triage):
    near_miss = report(kind, role)
    assert NearMiss.objects.visible_to(cast[role]).filter(pk=near_miss.pk).exists() is may_view
    assert NearMiss.objects.triageable_by(cast[role]).filter(pk=near_miss.pk).exists() is may_triage


@pytest.mark.parametrize("role, kind, may_view, may_triage", CELLS)
def test_every_url_follows_the_table(login, cast, report, role, kind, may_view, may_triage):
    near_miss = report(kind, role)
    client = login(cast[role])
    if role == "inactive_lead":
        return  # signed out by the auth backend: see test_inactive_lead_is_signed_out_of_every_url
    expected_get = 200 if may_view else 404
    assert client.get(reverse("nearmisses:detail", args=[near_miss.pk])).status_code == expected_get
    listed = near_miss.title in client.get(reverse("nearmisses:list")).content.decode()
    assert listed is may_view
    # Triage: 404 to those who may not see the report, 403 to readers who are not its leads.
    # Each POST is valid, so a lead's is carried out (checked last: promotion ends triage).
    posts = [("acknowledge", {"themes": [factories.shared_theme().pk]}), ("dismiss", {"reason": "Known already."}),
             ("promote", {})]
    for name, data in posts:
        response = client.post(reverse(f"nearmisses:{name}", args=[near_miss.pk]), data)
        expected = 302 if may_triage else 403 if may_view else 404
        assert response.status_code == expected, name
    near_miss.refresh_from_db()
    assert (near_miss.status == "promoted") is may_triage


def test_signed_out_visitor_is_sent_to_log_in_from_every_url(client, everyone):
    near_miss = make_near_miss(everyone.payments)
    urls = [reverse("nearmisses:list"), reverse("nearmisses:mine"), reverse("nearmisses:report"),
            reverse("nearmisses:detail", args=[near_miss.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for name in ["acknowledge", "dismiss", "promote"]:
        response = client.post(reverse(f"nearmisses:{name}", args=[near_miss.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_inactive_lead_is_signed_out_of_every_url(login, everyone):
    near_miss = make_near_miss(everyone.payments)
    client = login(everyone.people.inactive)
    for url in [reverse("nearmisses:list"), reverse("nearmisses:detail", args=[near_miss.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.post(reverse("nearmisses:promote", args=[near_miss.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert NearMiss.objects.get().status == "new"


def test_anonymous_user_object_sees_nothing(everyone):
    make_near_miss(everyone.payments)
    assert not NearMiss.objects.visible_to(AnonymousUser()).exists()
    assert not NearMiss.objects.triageable_by(AnonymousUser()).exists()


def test_named_reporter_who_left_the_team_still_sees_their_own_report(login, everyone):
    from postmortems.models import Membership

    near_miss = make_near_miss(everyone.payments, kind="technical", reporter=everyone.people.member)
    Membership.objects.filter(user=everyone.people.member).delete()
    assert login(everyone.people.member).get(near_miss.get_absolute_url()).status_code == 200


def test_unknown_report_is_a_404(login, everyone):
    response = login(everyone.people.lead).get("/near-misses/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404


def test_reporter_sees_the_draft_link_only_when_they_may_open_the_draft(login, everyone):
    from nearmisses import triage

    people = make_near_miss(everyone.payments, kind="people", reporter=everyone.people.member)
    draft = triage.promote(people, by=everyone.people.lead)
    page = login(everyone.people.member).get(people.get_absolute_url()).content.decode()
    assert "Promoted to a post-mortem" in page
    assert draft.get_absolute_url() not in page


def test_list_pages_cost_the_same_queries_for_many_reports(login, everyone, django_assert_max_num_queries):
    theme = factories.shared_theme()
    for n in range(25):
        make_near_miss(everyone.payments, kind="people" if n % 2 else "technical", themes=[theme],
                       reporter=everyone.people.lead)
    client = login(everyone.people.lead)
    client.get(reverse("nearmisses:list"))  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get(reverse("nearmisses:list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("nearmisses:mine")).status_code == 200
