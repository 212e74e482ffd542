"""Feedback on the blame check as people meet it in a real browser: an author sets a finding aside, a lead sees it."""
import pytest
from playwright.sync_api import expect

from blamefeedback.models import BlameFeedback
from tests import factories

FLAGGED = "Sam should have rolled back sooner."
CLEAN = "The replica lag rose to nine minutes before the alarm fired."


@pytest.fixture
def draft(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout stalled",
                                     summary=f"{FLAGGED} {CLEAN}", lessons=FLAGGED)


def test_an_authors_not_blame_leaves_the_editor_and_reaches_the_leads_review(page, log_in, org, draft):
    log_in(org.people.author)
    page.goto(f"/postmortems/{draft.pk}/edit/")
    summary = page.locator("#blame-summary")
    mark = summary.locator("mark.blame-mark")
    expect(mark).to_have_text("should have rolled")

    mark.focus()
    tip = summary.locator(".blame-tip")
    tip.get_by_label("Note for the team's leads (optional)").fill("Sam is our deploy bot.")
    tip.get_by_role("button", name="Not blame here").click()

    expect(summary).to_contain_text("Thanks — noted for the team's leads.")
    expect(summary.locator("mark.blame-mark")).to_have_count(0)
    # Only that section's sentence: the same words elsewhere are still flagged.
    expect(page.locator("#blame-lessons mark.blame-mark")).to_have_text("should have rolled")
    expect(page.get_by_label("Summary")).to_have_value(f"{FLAGGED} {CLEAN}")
    assert BlameFeedback.objects.get().note == "Sam is our deploy bot."

    page.context.clear_cookies()
    log_in(org.people.lead)
    page.get_by_role("link", name="Feedback").click()
    expect(page.get_by_role("heading", name="Blame-check feedback", level=1)).to_be_visible()
    expect(page.locator("blockquote")).to_have_text(FLAGGED)
    expect(page.get_by_text("Sam is our deploy bot.")).to_be_visible()
    expect(page.get_by_role("link", name="Checkout stalled")).to_be_visible()
