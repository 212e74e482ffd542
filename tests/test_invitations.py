"""Invitations: inviting by email, the link's single use, expiry, resend and revoke, accepting."""
import smtplib
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.models import AuditEntry, Invitation
from postmortems.models import Membership
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
User = get_user_model()
NEW_PASSWORD = "a-long-unusual-passphrase-91"


def invite_url(team):
    return reverse("accounts:team-invite", args=[team.slug])


def link_in(message):
    return next(line.strip() for line in message.body.splitlines() if "/invitations/" in line)


def path_of(url):
    return url.split("127.0.0.1:8000", 1)[-1] if "://" in url else url


def new_account(**changes):
    return {"username": "newbie", "first_name": "Nova", "last_name": "Ibe", "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD, **changes}


@pytest.fixture
def sent(org, login, mailoutbox, django_capture_on_commit_callbacks):
    """The Payments lead invites one address through the team page; the email is delivered."""
    with django_capture_on_commit_callbacks(execute=True):
        response = login(org.people.lead).post(invite_url(org.payments), {"addresses": "New.Person@Example.test",
                                                                          "role": "member"})
    assert response.status_code == 302
    return Invitation.objects.get(), mailoutbox


# Inviting --------------------------------------------------------------------------------------

def test_lead_invites_several_addresses_at_once(org, login, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        login(org.people.lead).post(invite_url(org.payments), {
            "addresses": "a@example.test, b@example.test\nc@example.test; a@example.test", "role": "lead"})
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "a@example.test", "b@example.test", "c@example.test"]
    assert set(Invitation.objects.values_list("role", flat=True)) == {"lead"}
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.test", "b@example.test", "c@example.test"]
    assert AuditEntry.objects.filter(action="invitation.sent").count() == 3


def test_invitation_email_has_text_and_html_with_the_link(org, sent):
    invitation, outbox = sent
    [message] = outbox
    assert message.to == ["new.person@example.test"]
    assert "Payments" in message.subject
    html = message.alternatives[0][0]
    link = link_in(message)
    assert link.startswith("http") and link in html
    assert "7 days" in message.body
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_invalid_addresses_are_refused_with_nothing_sent(org, login, mailoutbox):
    response = login(org.people.lead).post(invite_url(org.payments), {"addresses": "ok@example.test, not-an-email",
                                                                      "role": "member"})
    assert response.status_code == 400
    assert "not-an-email" in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_a_current_member_invites_nobody(org, login):
    login(org.people.lead).post(invite_url(org.payments), {"addresses": org.people.member.email, "role": "member"})
    assert not Invitation.objects.exists()


def test_inviting_an_address_again_resends_the_open_invitation(org):
    first = invitations.invite(org.payments, ["x@example.test"], "member", by=org.people.lead).invited[0]
    old_token = invitations.link_token(first)
    result = invitations.invite(org.payments, ["x@example.test"], "lead", by=org.people.lead)
    assert result.resent and Invitation.objects.count() == 1
    with pytest.raises(invitations.InvitationUnavailable):
        invitations.from_token(old_token)
    assert Invitation.objects.get().role == "lead"


@pytest.mark.parametrize("who", ["member", "other_team", "outsider"])
def test_only_the_teams_leads_may_invite(org, login, who):
    response = login(getattr(org.people, who)).post(invite_url(org.payments), {"addresses": "z@example.test",
                                                                               "role": "lead"})
    assert response.status_code in (403, 404)
    assert not Invitation.objects.exists()


def test_org_admin_may_invite_to_any_team(org, login):
    admin = factories.make_org_admin("boss")
    response = login(admin).post(invite_url(org.search), {"addresses": "z@example.test", "role": "lead"})
    assert response.status_code == 302
    assert Invitation.objects.get().team == org.search


def test_expiry_comes_from_settings(org, settings):
    settings.INVITATION_DAYS = 3
    before = timezone.now()
    invitation = invitations.invite(org.payments, ["x@example.test"], "member", by=org.people.lead).invited[0]
    assert before + timedelta(days=3) <= invitation.expires_at <= timezone.now() + timedelta(days=3)


def test_refused_email_is_noted_on_the_invitation_and_can_be_resent(org, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.test_invitations.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(org.payments, ["x@example.test"], "member", by=org.people.lead).invited[0]
    invitation.refresh_from_db()
    assert invitation.sent_at is None and invitation.send_attempts == 1
    assert "SMTPServerDisconnected" in invitation.last_send_error


def test_send_is_retried_by_a_worker_with_backoff(org):
    from celery.exceptions import Retry

    from accounts import tasks

    invitation, _ = factories.make_invitation(org.payments)
    with mock.patch.object(invitations, "deliver", side_effect=smtplib.SMTPServerDisconnected("down")), \
            mock.patch.object(tasks.send_invitation, "retry", side_effect=Retry) as retry:
        with pytest.raises(Retry):
            tasks.send_invitation.run(invitation.pk)
    assert retry.call_args.kwargs["countdown"] == 60


class RefusingBackend(LocmemBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


# Accepting as a new person ---------------------------------------------------------------------

def test_new_person_accepts_chooses_credentials_and_joins(org, client, sent):
    invitation, outbox = sent
    url = path_of(link_in(outbox[0]))
    page = client.get(url)
    assert page.status_code == 200
    for name in ["username", "first_name", "last_name", "password1", "password2"]:
        assert f'for="id_{name}"' in page.content.decode()  # every field has its label
    response = client.post(url, new_account())
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.email == "new.person@example.test" and user.get_full_name() == "Nova Ibe"
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(team=org.payments, user=user).role == "member"
    assert client.get(reverse("accounts:team", args=[org.payments.slug])).status_code == 200  # signed in
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"account.created", "membership.added", "invitation.accepted"} <= actions


def test_weak_password_is_refused_by_djangos_validators(org, client):
    _, token = factories.make_invitation(org.payments)
    response = client.post(reverse("accounts:invitation", args=[token]),
                           new_account(password1="password", password2="password"))
    assert response.status_code == 400
    assert "too common" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_taken_username_is_refused(org, client):
    _, token = factories.make_invitation(org.payments)
    response = client.post(reverse("accounts:invitation", args=[token]), new_account(username="LIN"))
    assert response.status_code == 400
    assert "taken" in response.content.decode()


def test_the_link_works_once(org, client, login):
    invitation, token = factories.make_invitation(org.payments)
    url = reverse("accounts:invitation", args=[token])
    assert client.post(url, new_account()).status_code == 302
    again = login(org.people.outsider).get(url)
    assert again.status_code == 200
    assert "already used" in again.content.decode()
    second_try = factories.make_user("anon2")  # anonymous second attempt creates nothing either
    from django.test import Client

    response = Client().post(url, new_account(username="someone-else"))
    assert "already used" in response.content.decode()
    assert not User.objects.filter(username="someone-else").exists()
    assert second_try.memberships.count() == 0


def test_expired_link_shows_a_clear_page(org, client):
    _, token = factories.make_invitation(org.payments, expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("accounts:invitation", args=[token]))
    assert response.status_code == 200
    assert "expired" in response.content.decode()
    response = client.post(reverse("accounts:invitation", args=[token]), new_account())
    assert "expired" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_revoked_link_shows_a_clear_page(org, client, login):
    invitation, token = factories.make_invitation(org.payments)
    response = login(org.people.lead).post(
        reverse("accounts:invitation-revoke", args=[org.payments.slug, invitation.pk]))
    assert response.status_code == 302
    page = client.get(reverse("accounts:invitation", args=[token]))
    assert page.status_code == 200 and "withdrawn" in page.content.decode()
    assert AuditEntry.objects.filter(action="invitation.revoked").exists()


@pytest.mark.parametrize("token", ["nonsense", "WzEsIngiXQ:forged:signature", "1" * 300])
def test_guessed_or_forged_tokens_show_a_clear_page(org, client, token):
    factories.make_invitation(org.payments)
    response = client.get(reverse("accounts:invitation", args=[token]))
    assert response.status_code == 404
    assert "does not work" in response.content.decode()


def test_a_token_for_the_right_id_with_a_wrong_nonce_is_refused(org, client):
    from django.core import signing

    invitation, _ = factories.make_invitation(org.payments)
    forged = signing.dumps([invitation.pk, "guess"], salt=invitations.SALT, compress=False)
    assert client.get(reverse("accounts:invitation", args=[forged])).status_code == 404


def test_resend_gives_a_new_link_and_the_old_one_stops_working(org, client, login, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    invitation, old_token = factories.make_invitation(org.payments, expires_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        login(org.people.lead).post(reverse("accounts:invitation-resend", args=[org.payments.slug, invitation.pk]))
    [message] = mailoutbox
    assert client.get(reverse("accounts:invitation", args=[old_token])).status_code == 404
    assert client.get(path_of(link_in(message))).status_code == 200
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)


def test_a_lead_of_another_team_cannot_revoke_or_resend(org, login):
    invitation, _ = factories.make_invitation(org.payments)
    other_lead = login(org.people.other_team)
    for name in ["accounts:invitation-revoke", "accounts:invitation-resend"]:
        assert other_lead.post(reverse(name, args=[org.payments.slug, invitation.pk])).status_code == 404
        # Through their own team's URL the invitation is not found either.
        assert other_lead.post(reverse(name, args=[org.search.slug, invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# Accepting with an existing account --------------------------------------------------------------

def test_existing_account_is_asked_to_sign_in(org, client):
    _, token = factories.make_invitation(org.search, email=org.people.member.email)
    page = client.get(reverse("accounts:invitation", args=[token]))
    assert "Sign in to accept" in page.content.decode()
    assert client.post(reverse("accounts:invitation", args=[token]), new_account()).status_code == 200
    assert not User.objects.filter(username="newbie").exists()


def test_signed_in_invitee_joins_with_the_invited_role(org, login):
    _, token = factories.make_invitation(org.search, email=org.people.member.email.upper(), role="lead")
    person = login(org.people.member)
    assert "Join Search" in person.get(reverse("accounts:invitation", args=[token])).content.decode()
    assert person.post(reverse("accounts:invitation", args=[token])).status_code == 302
    assert Membership.objects.get(team=org.search, user=org.people.member).role == "lead"


def test_invitation_as_lead_promotes_an_existing_member(org, login):
    _, token = factories.make_invitation(org.payments, email=org.people.member.email, role="lead")
    login(org.people.member).post(reverse("accounts:invitation", args=[token]))
    assert Membership.objects.get(team=org.payments, user=org.people.member).role == "lead"


def test_a_different_signed_in_person_sees_a_clear_page(org, login):
    _, token = factories.make_invitation(org.search, email="someone@example.test")
    intruder = login(org.people.member)
    page = intruder.get(reverse("accounts:invitation", args=[token]))
    assert page.status_code == 403
    assert "for someone else" in page.content.decode()
    assert intruder.post(reverse("accounts:invitation", args=[token])).status_code == 403
    assert not Membership.objects.filter(team=org.search, user=org.people.member).exists()
    assert Invitation.objects.get().accepted_at is None


def test_hostile_text_is_escaped_on_the_accept_page(org, client):
    org.payments.name = "<script>alert(1)</script>"
    org.payments.save()
    lead = org.people.lead
    lead.first_name = "<img src=x onerror=alert(1)>"
    lead.save()
    _, token = factories.make_invitation(org.payments, by=lead)
    page = client.get(reverse("accounts:invitation", args=[token])).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


# Racing for one link ---------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_people_racing_for_one_link_exactly_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    team = factories.make_team("Racing")
    invitation, _ = factories.make_invitation(team)
    start = threading.Barrier(2)
    outcomes = []

    def accept(n):
        from django.db import connections

        try:
            start.wait()
            fresh = Invitation.objects.get(pk=invitation.pk)
            invitations.accept(fresh, new_account={"username": f"racer{n}", "password": NEW_PASSWORD})
            outcomes.append("won")
        except invitations.InvitationUnavailable as error:
            outcomes.append(error.state)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "won"]
    assert Membership.objects.filter(team=team).count() == 1
    assert User.objects.filter(username__startswith="racer").count() == 1


def test_with_single_sign_on_only_the_page_offers_it_and_no_password(org, client, settings):
    settings.OIDC_ISSUER = "https://id.example.test"
    settings.OIDC_ONLY = True
    _, token = factories.make_invitation(org.payments)
    url = reverse("accounts:invitation", args=[token])
    page = client.get(url).content.decode()
    assert reverse("sso:login") in page and 'name="password1"' not in page
    client.post(url, new_account())
    assert not User.objects.filter(username="newbie").exists()
    assert Invitation.objects.get().accepted_at is None


def test_with_single_sign_on_beside_passwords_both_are_offered(org, client, settings):
    settings.OIDC_ISSUER = "https://id.example.test"
    settings.OIDC_ONLY = False
    _, token = factories.make_invitation(org.payments)
    page = client.get(reverse("accounts:invitation", args=[token])).content.decode()
    assert reverse("sso:login") in page and 'name="password1"' in page


def test_an_address_of_a_deactivated_account_gets_a_clear_page_not_a_second_account(org, client):
    org.people.outsider.is_active = False
    org.people.outsider.save()
    _, token = factories.make_invitation(org.payments, email=org.people.outsider.email)
    url = reverse("accounts:invitation", args=[token])
    assert "deactivated" in client.get(url).content.decode()
    client.post(url, new_account())
    assert not User.objects.filter(username="newbie").exists()
