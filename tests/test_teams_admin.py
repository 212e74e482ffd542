"""Self-service teams and the organisation admin role: who may change what, and the last-lead rule."""
import pytest
from django.urls import reverse

from accounts import roles, teams
from accounts.models import AuditEntry
from postmortems.models import Membership, PostMortem, Team
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

HOSTILE = "<img src=x onerror=alert(1)>"


def team_url(team, name="accounts:team", *args):
    return reverse(name, args=[team.slug, *args])


def membership(team, user):
    return Membership.objects.get(team=team, user=user)


@pytest.fixture
def admin(db):
    return factories.make_org_admin("boss", first_name="Bo", last_name="Ss")


# Seeing the team page ------------------------------------------------------------------------

def test_members_see_the_member_list_but_no_controls(org, login):
    page = login(org.people.member).get(team_url(org.payments))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lin Park" in html and "Mo Haddad" in html
    assert "Send invitations" not in html and "Save role" not in html


def test_leads_see_the_controls(org, login):
    html = login(org.people.lead).get(team_url(org.payments)).content.decode()
    assert "Send invitations" in html and "Save role" in html and "Pending invitations" in html


def test_people_outside_the_team_get_404(org, login):
    assert login(org.people.other_team).get(team_url(org.payments)).status_code == 404
    assert login(org.people.outsider).get(team_url(org.payments)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(org, client):
    response = client.get(team_url(org.payments))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_org_admins_see_and_run_every_team(org, login, admin):
    html = login(admin).get(team_url(org.search)).content.decode()
    assert "Send invitations" in html


def test_team_page_query_count_does_not_grow_with_members(org, login, django_assert_max_num_queries):
    for n in range(15):
        factories.add_member(org.payments, factories.make_user(f"extra{n}"))
    lead = login(org.people.lead)
    with django_assert_max_num_queries(20):
        assert lead.get(team_url(org.payments)).status_code == 200


def test_hostile_names_are_escaped_on_team_pages(org, login):
    org.people.member.first_name = HOSTILE
    org.people.member.save()
    org.payments.name = HOSTILE + "team"
    org.payments.save()
    for page in [team_url(org.payments), reverse("accounts:teams")]:
        html = login(org.people.lead).get(page).content.decode()
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_teams_list_shows_only_my_teams(org, login, admin):
    html = login(org.people.member).get(reverse("accounts:teams")).content.decode()
    assert "Payments" in html and "Search" not in html
    html = login(admin).get(reverse("accounts:teams")).content.decode()
    assert "Payments" in html and "Search" in html


# Roles and membership ---------------------------------------------------------------------------

def test_lead_promotes_a_member(org, login):
    response = login(org.people.lead).post(team_url(org.payments, "accounts:member-role",
                                                    membership(org.payments, org.people.member).pk), {"role": "lead"})
    assert response.status_code == 302
    assert membership(org.payments, org.people.member).role == "lead"
    entry = AuditEntry.objects.get(action="membership.role_changed")
    assert entry.actor == org.people.lead and entry.target_user == org.people.member and entry.team == org.payments
    assert entry.ip_address == "127.0.0.1"


def test_members_cannot_change_roles_not_even_their_own(org, login):
    mine = membership(org.payments, org.people.member)
    response = login(org.people.member).post(team_url(org.payments, "accounts:member-role", mine.pk), {"role": "lead"})
    assert response.status_code == 403
    assert membership(org.payments, org.people.member).role == "member"


def test_a_lead_cannot_manage_another_team(org, login):
    theirs = membership(org.search, org.people.viewer)
    lead = login(org.people.lead)
    assert lead.post(team_url(org.search, "accounts:member-role", theirs.pk), {"role": "lead"}).status_code == 404
    # Nor reach it through their own team's URL.
    assert lead.post(team_url(org.payments, "accounts:member-role", theirs.pk), {"role": "lead"}).status_code == 404
    assert lead.post(team_url(org.payments, "accounts:member-remove", theirs.pk)).status_code == 404
    assert membership(org.search, org.people.viewer).role == "member"


def test_the_last_lead_cannot_step_down_or_be_removed(org, login):
    lead = login(org.people.lead)
    own = membership(org.payments, org.people.lead)
    lead.post(team_url(org.payments, "accounts:member-role", own.pk), {"role": "member"})
    lead.post(team_url(org.payments, "accounts:member-remove", own.pk))
    assert membership(org.payments, org.people.lead).role == "lead"


def test_a_deactivated_lead_does_not_count_as_the_other_lead(org):
    gone = factories.make_user("gone", is_active=False)
    factories.add_member(org.payments, gone, Membership.Role.LEAD)
    with pytest.raises(teams.LastLeadError):
        teams.remove_member(membership(org.payments, org.people.lead), by=org.people.lead)


def test_a_lead_may_step_down_once_there_is_another(org, login):
    lead = login(org.people.lead)
    lead.post(team_url(org.payments, "accounts:member-role", membership(org.payments, org.people.member).pk),
              {"role": "lead"})
    lead.post(team_url(org.payments, "accounts:member-remove", membership(org.payments, org.people.lead).pk))
    assert not Membership.objects.filter(team=org.payments, user=org.people.lead).exists()
    assert AuditEntry.objects.filter(action="membership.removed", target_user=org.people.lead).exists()


def test_lead_adds_an_existing_person(org, login):
    response = login(org.people.lead).post(team_url(org.payments, "accounts:member-add"),
                                           {"user": org.people.outsider.pk, "role": "member"})
    assert response.status_code == 302
    assert membership(org.payments, org.people.outsider).role == "member"


def test_deactivated_people_cannot_be_added(org, login):
    gone = factories.make_user("gone", is_active=False)
    response = login(org.people.lead).post(team_url(org.payments, "accounts:member-add"),
                                           {"user": gone.pk, "role": "member"})
    assert response.status_code == 400
    assert not Membership.objects.filter(user=gone).exists()


def test_an_unknown_role_is_refused(org, login):
    mine = membership(org.payments, org.people.member)
    login(org.people.lead).post(team_url(org.payments, "accounts:member-role", mine.pk), {"role": "owner"})
    assert membership(org.payments, org.people.member).role == "member"


def test_forms_need_the_csrf_token(org):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org.people.lead)
    mine = membership(org.payments, org.people.member)
    assert strict.post(team_url(org.payments, "accounts:member-role", mine.pk), {"role": "lead"}).status_code == 403


# Default viewers ---------------------------------------------------------------------------------

def test_lead_sets_default_viewers_and_new_people_incidents_get_them(org, login):
    lead = login(org.people.lead)
    response = lead.post(team_url(org.payments, "accounts:default-viewers"), {"viewers": [org.people.viewer.pk]})
    assert response.status_code == 302
    assert list(org.payments.default_viewers.all()) == [org.people.viewer]
    assert AuditEntry.objects.filter(action="team.default_viewers_changed").exists()

    author = login(org.people.author)
    data = factories.open_editor(author, reverse("postmortems:create") + "?kind=people")
    data.update({"title": "Escalation lost", "team": str(org.payments.pk), "action": "save", "kind": "people"})
    assert author.post(reverse("postmortems:create") + "?kind=people", data).status_code == 302
    postmortem = PostMortem.objects.get(title="Escalation lost")
    assert org.people.viewer in postmortem.viewers.all()
    # The default viewer can now open it; a plain member of the team still cannot.
    assert login(org.people.viewer).get(postmortem.get_absolute_url()).status_code == 200
    assert login(org.people.member).get(postmortem.get_absolute_url()).status_code == 404


def test_technical_incidents_get_no_default_viewers(org, login):
    org.payments.default_viewers.set([org.people.viewer])
    author = login(org.people.author)
    data = factories.open_editor(author, reverse("postmortems:create") + "?kind=technical")
    data.update({"title": "Pool exhausted", "team": str(org.payments.pk), "action": "save", "kind": "technical"})
    author.post(reverse("postmortems:create") + "?kind=technical", data)
    assert not PostMortem.objects.get(title="Pool exhausted").viewers.exists()


def test_members_cannot_set_default_viewers(org, login):
    response = login(org.people.member).post(team_url(org.payments, "accounts:default-viewers"),
                                             {"viewers": [org.people.member.pk]})
    assert response.status_code == 403
    assert not org.payments.default_viewers.exists()


# The organisation page ----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["lead", "member", "outsider"])
def test_organisation_page_is_for_org_admins_only(org, login, who):
    assert login(getattr(org.people, who)).get(reverse("accounts:organisation")).status_code == 403


def test_org_admin_creates_a_team_with_its_first_lead(org, login, admin):
    response = login(admin).post(reverse("accounts:team-create"), {"name": "Platform", "first_lead": org.people.member.pk})
    team = Team.objects.get(name="Platform")
    assert response.status_code == 302 and response["Location"] == team_url(team)
    assert membership(team, org.people.member).role == "lead"
    assert {"team.created", "membership.added"} <= set(AuditEntry.objects.values_list("action", flat=True))


def test_a_team_name_must_be_new(org, login, admin):
    response = login(admin).post(reverse("accounts:team-create"), {"name": "payments", "first_lead": org.people.member.pk})
    assert response.status_code == 400


def test_leads_cannot_create_teams(org, login):
    response = login(org.people.lead).post(reverse("accounts:team-create"), {"name": "Mine", "first_lead": org.people.lead.pk})
    assert response.status_code == 403
    assert not Team.objects.filter(name="Mine").exists()


def test_org_admin_grants_and_withdraws_the_role(org, login, admin):
    client = login(admin)
    client.post(reverse("accounts:person-org-admin", args=[org.people.lead.pk]), {"grant": "1"})
    assert roles.is_org_admin(type(org.people.lead).objects.get(pk=org.people.lead.pk))
    client.post(reverse("accounts:person-org-admin", args=[org.people.lead.pk]), {"grant": "0"})
    assert not roles.is_org_admin(type(org.people.lead).objects.get(pk=org.people.lead.pk))
    assert AuditEntry.objects.filter(action__startswith="role.org_admin").count() == 2


def test_nobody_can_make_themselves_an_org_admin(org, login):
    lead = org.people.lead
    response = login(lead).post(reverse("accounts:person-org-admin", args=[lead.pk]), {"grant": "1"})
    assert response.status_code == 403
    with pytest.raises(PermissionError):
        roles.set_org_admin(lead, True, by=lead)
    assert not roles.is_org_admin(type(lead).objects.get(pk=lead.pk))


def test_org_admins_are_not_let_into_django_admin(org, login, admin):
    response = login(admin).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    superuser = factories.make_user("root", is_superuser=True, is_staff=True)
    assert login(superuser).get("/admin/").status_code == 200


def test_navigation_links_only_for_people_who_may_use_them(org, login, admin):
    outsider = login(org.people.outsider).get(reverse("postmortems:list")).content.decode()
    assert reverse("accounts:organisation") not in outsider and reverse("accounts:teams") not in outsider
    member = login(org.people.member).get(reverse("postmortems:list")).content.decode()
    assert reverse("accounts:teams") in member and reverse("accounts:organisation") not in member
    boss = login(admin).get(reverse("postmortems:list")).content.decode()
    assert reverse("accounts:organisation") in boss


def test_organisation_page_lists_people_and_teams(org, login, admin):
    html = login(admin).get(reverse("accounts:organisation")).content.decode()
    assert "Payments" in html and "nia" in html and "Deactivate" in html
