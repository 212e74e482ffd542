"""When someone leaves: deactivation keeps their work, ends their sessions, hands their items to the leads."""
from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import leaving
from accounts.models import AuditEntry
from postmortems import actions, reminders
from postmortems.models import ActionItem, PostMortem, Reminder
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
UTC = dt_timezone.utc
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
TODAY = date(2025, 3, 10)


@pytest.fixture
def admin(db):
    return factories.make_org_admin("boss")


@pytest.fixture
def leaver_items(org):
    """The Payments member owns two open items and one done; they wrote the post-mortem."""
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.member], title="Checkout outage")
    open_items = [factories.add_action_item(postmortem, owner=org.people.member, title=f"Open {n}") for n in (1, 2)]
    factories.add_action_item(postmortem, owner=org.people.member, title="Finished", status=ActionItem.Status.DONE)
    return postmortem, open_items


def sign_in(user):
    """A client after the real sign-in form (axes needs the request, so not Client.login)."""
    client = Client()
    client.post(reverse("login"), {"username": user.username, "password": factories.PASSWORD})
    return client


def is_signed_in(client):
    return "_auth_user_id" in client.session


def signed_in_client(user):
    client = sign_in(user)
    assert is_signed_in(client)
    return client


# Deactivating ------------------------------------------------------------------------------------

def test_org_admin_deactivates_a_person_and_their_sessions_end(org, login, admin):
    theirs = signed_in_client(org.people.member)
    other = signed_in_client(org.people.lead)
    assert theirs.get(reverse("postmortems:list")).status_code == 200
    response = login(admin).post(reverse("accounts:person-active", args=[org.people.member.pk]), {"active": "0"})
    assert response.status_code == 302
    org.people.member.refresh_from_db()
    assert not org.people.member.is_active
    assert theirs.get(reverse("postmortems:list")).status_code == 302  # back to sign-in
    assert other.get(reverse("postmortems:list")).status_code == 200  # nobody else is signed out
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(org.people.member.pk) not in remaining
    entry = AuditEntry.objects.get(action="account.deactivated")
    assert entry.actor == admin and entry.target_user == org.people.member and entry.details["sessions_ended"] == 1


def test_deactivated_person_cannot_sign_in(org):
    leaving.deactivate(org.people.member, by=None)
    assert not is_signed_in(sign_in(org.people.member))


def test_everything_they_wrote_stays(org, leaver_items, admin):
    postmortem, items = leaver_items
    leaving.deactivate(org.people.member, by=admin)
    postmortem = PostMortem.objects.get(pk=postmortem.pk)
    assert list(postmortem.authors.all()) == [org.people.member]
    assert postmortem.revisions.exists()
    assert ActionItem.objects.filter(owner=org.people.member).count() == 3
    assert org.payments.memberships.filter(user=org.people.member).exists()


def test_reactivating_lets_them_back_in(org, login, admin):
    leaving.deactivate(org.people.member, by=admin)
    login(admin).post(reverse("accounts:person-active", args=[org.people.member.pk]), {"active": "1"})
    assert is_signed_in(sign_in(org.people.member))
    assert AuditEntry.objects.filter(action="account.reactivated").exists()


@pytest.mark.parametrize("who", ["lead", "member"])
def test_only_org_admins_may_deactivate(org, login, who):
    response = login(getattr(org.people, who)).post(reverse("accounts:person-active", args=[org.people.outsider.pk]),
                                                    {"active": "0"})
    assert response.status_code == 403
    org.people.outsider.refresh_from_db()
    assert org.people.outsider.is_active


def test_an_admin_cannot_deactivate_themselves(org, login, admin):
    login(admin).post(reverse("accounts:person-active", args=[admin.pk]), {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active


def test_an_org_admin_cannot_deactivate_a_superuser(org, login, admin):
    root = factories.make_user("root", is_superuser=True)
    assert login(admin).post(reverse("accounts:person-active", args=[root.pk]), {"active": "0"}).status_code == 403
    root.refresh_from_db()
    assert root.is_active


# Items needing a new owner --------------------------------------------------------------------------

def test_open_items_of_a_deactivated_owner_need_a_new_owner(org, leaver_items):
    _, items = leaver_items
    assert not actions.needing_new_owner(org.people.lead).exists()
    leaving.deactivate(org.people.member, by=None)
    assert list(actions.needing_new_owner(org.people.lead)) == items
    assert list(actions.needing_new_owner([org.payments.pk])) == items


def test_other_teams_leads_do_not_see_them(org, leaver_items):
    leaving.deactivate(org.people.member, by=None)
    assert not actions.needing_new_owner(org.people.other_team).exists()
    assert not actions.needing_new_owner(org.people.author).exists()  # a member, not a lead


def test_reassigned_items_no_longer_need_an_owner(org, leaver_items):
    _, items = leaver_items
    leaving.deactivate(org.people.member, by=None)
    ActionItem.objects.filter(pk=items[0].pk).update(owner=org.people.author)
    assert list(actions.needing_new_owner(org.people.lead)) == [items[1]]


# Reminders go to the leads ---------------------------------------------------------------------------

@pytest.fixture
def handed_over(org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout outage")
    item = factories.add_action_item_due_on(postmortem, TODAY + timedelta(days=2), owner=org.people.member,
                                            title="Alert on pool saturation")
    leaving.deactivate(org.people.member, by=None)
    return item


def test_leads_get_the_reminders_a_deactivated_owner_would_have(org, handed_over):
    due = reminders.due_reminders(now=NOW)
    assert [(d.recipient, d.reason, d.reason_date) for d in due] == [
        (org.people.lead, Reminder.Reason.ESCALATION, TODAY - timedelta(days=1))]


def test_the_owner_gets_nothing_once_deactivated(org, handed_over):
    assert org.people.member not in {d.recipient for d in reminders.due_reminders(now=NOW + timedelta(days=30))}


def test_the_leads_email_says_the_item_needs_a_new_owner(org, handed_over, mailoutbox):
    result = reminders.send_due_reminders(now=NOW)
    assert result.emails_sent == 1
    [message] = mailoutbox
    assert message.to == [org.people.lead.email]
    assert "Needs a new owner on teams you lead" in message.body
    assert "Needs a new owner on teams you lead" in message.alternatives[0][0]
    assert "Alert on pool saturation" in message.body


def test_leads_are_reminded_once_per_step(org, handed_over, mailoutbox):
    reminders.send_due_reminders(now=NOW)
    reminders.send_due_reminders(now=NOW + timedelta(hours=1))
    assert len(mailoutbox) == 1
    reminders.send_due_reminders(now=NOW + timedelta(days=2))  # due today: the next step
    assert len(mailoutbox) == 2


def test_active_owners_items_still_escalate_only_when_long_overdue(org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_action_item_due_on(postmortem, TODAY + timedelta(days=2), owner=org.people.member)
    due = reminders.due_reminders(now=NOW)
    assert {d.recipient for d in due} == {org.people.member}


def test_the_dashboard_partial_lists_them_with_links_and_escapes_names(org, leaver_items):
    from django.template.loader import render_to_string

    _, items = leaver_items
    org.people.member.first_name = "<img src=x onerror=alert(1)>"
    org.people.member.save()
    leaving.deactivate(org.people.member, by=None)
    html = render_to_string("partials/needs_new_owner.html",
                            {"items": actions.needing_new_owner(org.people.lead)})
    assert "Needs a new owner" in html
    assert reverse("postmortems:action-detail", args=[items[0].pk]) in html
    assert "<img src=x" not in html
    assert render_to_string("partials/needs_new_owner.html", {"items": []}).strip() == ""


def test_leads_dashboard_lists_items_whose_owner_left(org, leaver_items, login):
    leaving.deactivate(org.people.member, by=None)
    page = login(org.people.lead).get(reverse("postmortems:actions")).content.decode()
    assert "Needs a new owner" in page and "Open 1" in page and "Open 2" in page
    # Not on a member's dashboard, nor on anyone's "Mine".
    assert "Needs a new owner" not in login(org.people.author).get(reverse("postmortems:actions")).content.decode()
    assert "Needs a new owner" not in login(org.people.lead).get(reverse("postmortems:my-actions")).content.decode()
