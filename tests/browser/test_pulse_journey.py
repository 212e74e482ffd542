"""The team pulse in a real browser: from the emailed link to a submitted answer, then the results.

The invitation goes out over SMTP to a local aiosmtpd server and the link is taken from
the message that arrived; the answer page and the results page pass axe-core's checks.
"""
import re
from datetime import timedelta, timezone as dt_timezone

from django.utils import timezone
import pytest
from playwright.sync_api import expect

from postmortems.digest import week_of
from pulse import sending
from pulse.models import Participation, Response
from tests.browser.test_accessibility import axe_violations
from tests.integration.fixtures import smtp_server  # noqa: F401  (a fixture)
from tests.test_pulse_support import enable_pulse, fill

SCALE = ["Agree", "Strongly agree", "Neutral", "Disagree", "Agree"]


def pulse_link(message):
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/pulse/answer/\?t=\S+", body).group(0)


def test_member_answers_from_the_email_link_and_a_lead_reads_the_results(page, log_in, org, live_server, settings,
                                                                        smtp_server):  # noqa: F811
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    enable_pulse(org.payments, day=0, hour=0)  # Mondays at 00:00: always past in the current week
    this_monday = week_of(timezone.localdate(timezone.now(), dt_timezone.utc))
    # Two weeks back: closed whatever the hour (last week stays open until Monday noon UTC).
    earlier = fill(org.payments, 5, start=this_monday - timedelta(days=14),
                     free_texts=["Sam should have caught the bad deploy.", "<b>Release day</b> is calm."])

    assert sending.send_due_invitations().emails_sent == 3 + 5  # the team's three, and the five who answered before
    (message,) = [m for m in smtp_server.settle(1.0) if m["To"].addresses[0].addr_spec == "mo@example.test"]

    # Mo opens the link from the email, signed out, and answers in well under a minute.
    page.goto(pulse_link(message))
    expect(page.get_by_role("heading", name=re.compile("Payments pulse"))).to_be_visible()
    assert axe_violations(page) == []
    for statement, choice in zip(page.get_by_role("group").all(), SCALE):
        statement.get_by_label(choice, exact=True).check()
    page.get_by_label("Anything else the team should know? (optional)").fill("Pager rota feels fair now.")
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("saved")
    assert Participation.objects.filter(person=org.people.member, period_start=this_monday).exists()
    assert Response.objects.filter(free_text="Pager rota feels fair now.").count() == 1

    # The same link, opened again, shows the answers to change.
    page.get_by_role("link", name="Change my answers").click()
    expect(page.get_by_role("button", name="Save my changes")).to_be_visible()

    # The lead reads the earlier period's results (five responses) and its comments, with blame findings.
    log_in(org.people.lead)
    page.get_by_role("link", name="Pulse").click()
    page.get_by_role("link", name="Results of Payments").click()
    expect(page.get_by_role("heading", name="Payments pulse", level=1)).to_be_visible()
    expect(page.get_by_text("In progress.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name=re.compile(earlier.start.strftime("%-d %b"))).first.click()
    expect(page.get_by_text("5 responses")).to_be_visible()
    expect(page.get_by_text("<b>Release day</b> is calm.")).to_be_visible()
    expect(page.get_by_text("possible blame finding")).to_be_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", [
    "/pulse/", "/pulse/{slug}/", "/pulse/{slug}/answer/", "/pulse/{slug}/questions/", "/pulse/{slug}/settings/",
])
def test_pulse_pages_have_no_serious_accessibility_violations(page, log_in, org, path):
    enable_pulse(org.payments)
    fill(org.payments, 5, free_texts=["Handovers could be smoother."])
    log_in(org.people.lead)
    page.goto(path.format(slug=org.payments.slug))
    assert axe_violations(page) == []


def test_an_unusable_link_page_has_no_serious_accessibility_violations(page):
    page.goto("/pulse/answer/?t=not-a-token")
    assert axe_violations(page) == []
