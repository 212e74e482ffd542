"""An invited person, from the email link to their first post-mortem, in a real browser.

The invitation is delivered for real, over SMTP to a local aiosmtpd server, and the link is
taken from the message that arrived.
"""
import re

from playwright.sync_api import expect

from accounts.models import Invitation
from postmortems.models import Membership, PostMortem
from tests.integration.fixtures import smtp_server  # noqa: F401  (a fixture)

NEW_PASSWORD = "a-long-unusual-passphrase-91"


def invitation_link(message):
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/invitations/\S+/", body).group(0)


def test_invited_person_joins_and_writes_their_first_postmortem(page, log_in, org, live_server, settings,
                                                                 smtp_server):  # noqa: F811
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port

    # The Payments lead invites a newcomer from the team page.
    log_in(org.people.lead)
    page.get_by_role("link", name="Teams").click()
    page.get_by_role("link", name="Payments").click()
    expect(page.get_by_role("heading", name="Payments", level=1)).to_be_visible()
    page.get_by_label("Email addresses").fill("nova.ibe@example.test")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("Invitation sent to nova.ibe@example.test")).to_be_visible()
    pending = page.locator("section", has=page.get_by_role("heading", name="Pending invitations"))
    expect(pending).to_contain_text("nova.ibe@example.test")
    page.get_by_role("button", name="Log out").click()

    # The email arrives; the newcomer opens its link and chooses how to sign in.
    [message] = smtp_server.settle(1.0)
    assert message["To"] == "nova.ibe@example.test"
    link = invitation_link(message)
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Payments on Debrief")).to_be_visible()
    page.get_by_label("Username").fill("nova")
    page.get_by_label("First name").fill("Nova")
    page.get_by_label("Last name").fill("Ibe")
    page.get_by_label("Password", exact=False).first.fill(NEW_PASSWORD)  # "Password" and "Password again"
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account and join").click()
    expect(page.get_by_text("Welcome to Debrief. You joined Payments.")).to_be_visible()
    expect(page.get_by_role("cell", name="Nova Ibe (nova)")).to_be_visible()

    # Their first post-mortem.
    page.get_by_role("link", name="Write one").click()
    page.get_by_role("link", name="Start a technical post-mortem").click()
    page.get_by_label("Title").fill("Search index lagged behind writes")
    page.get_by_label("Summary").fill("Search results were up to an hour old.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Search index lagged behind writes")).to_be_visible()

    postmortem = PostMortem.objects.get(title="Search index lagged behind writes")
    assert [author.username for author in postmortem.authors.all()] == ["nova"]
    assert postmortem.team == org.payments
    assert Membership.objects.get(user__username="nova").role == "member"

    # The link worked once: opened again, it says so plainly.
    page.goto(link)
    expect(page.get_by_role("heading", name="This invitation was already used")).to_be_visible()
    assert Invitation.objects.get().accepted_by.username == "nova"


def test_the_accounts_pages_pass_axe(page, log_in, org):
    """No serious or critical WCAG 2 A/AA problems on the team, organisation, audit and invitation pages."""
    from accounts import audit
    from tests import factories
    from tests.browser.test_accessibility import axe_violations

    admin = factories.make_org_admin("boss", first_name="Bo", last_name="Ss")
    factories.add_member(org.payments, admin, Membership.Role.LEAD)
    factories.make_invitation(org.payments, "pending@example.test", by=org.people.lead)
    _, token = factories.make_invitation(org.search, "newcomer@example.test")
    audit.record("team.created", "Created team Payments", actor=admin, team=org.payments)

    page.goto(f"/invitations/{token}/")
    assert axe_violations(page) == []
    log_in(admin)
    for path in [f"/teams/{org.payments.slug}/", "/teams/", "/organisation/", "/organisation/audit/"]:
        page.goto(path)
        assert axe_violations(page) == [], path
