"""The wording check as an author meets it in a real browser: live marks, tips, and the publish review."""
import pytest
from playwright.sync_api import expect

from postmortems.models import BlameAcknowledgement, PostMortem
from tests import factories

BLAMEFUL = "Sam should have rolled back sooner."
FIXED = "Rolling back was not in the runbook, so the release stayed live for an hour."


@pytest.fixture
def draft(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout stalled",
                                     summary="Checkout requests queued behind a slow lock.")


@pytest.fixture
def editor(page, log_in, org, draft):
    log_in(org.people.author)
    page.goto(f"/postmortems/{draft.pk}/edit/")
    return page


def test_typing_a_blameful_sentence_highlights_the_finding(editor):
    editor.get_by_label("Summary").fill(BLAMEFUL)
    mark = editor.locator("#blame-summary mark.blame-mark")
    expect(mark).to_have_text("should have rolled")
    expect(mark).to_have_attribute("data-category", "counterfactual")
    expect(editor.locator("#blame-summary .blame-count")).to_contain_text("1 possible blame finding")


def test_a_findings_suggestion_shows_when_its_mark_is_focused(editor):
    editor.get_by_label("Summary").fill(BLAMEFUL)
    mark = editor.locator("#blame-summary mark.blame-mark")
    tip = editor.locator("#blame-summary .blame-tip")
    expect(mark).to_be_visible()
    expect(tip).to_be_hidden()

    mark.focus()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Counterfactual:")
    expect(tip.locator(".blame-suggestion")).to_be_visible()
    expect(tip.locator(".blame-suggestion")).to_contain_text("Try:")


def test_a_focused_tip_is_not_clipped_by_the_findings_box(editor):
    editor.get_by_label("Summary").fill(BLAMEFUL)
    mark = editor.locator("#blame-summary mark.blame-mark")
    mark.evaluate("mark => mark.scrollIntoView({block: 'center', behavior: 'instant'})")
    mark.focus()
    tip = editor.locator("#blame-summary .blame-tip")
    expect(tip).to_be_visible()
    # What the browser paints at the tip's lower edge must be the tip itself, not whatever lies beyond
    # a box that clips it (the suggestion is the last line of the tip).
    painted = tip.evaluate("""tip => {
        const box = tip.getBoundingClientRect();
        const hit = document.elementFromPoint(box.left + 8, box.bottom - 4);
        return tip.contains(hit) ? "tip" : (hit ? hit.outerHTML.slice(0, 60) : "nothing");
    }""")
    assert painted == "tip"


def test_fixing_the_sentence_clears_the_finding(editor):
    summary = editor.get_by_label("Summary")
    summary.fill(BLAMEFUL)
    expect(editor.locator("#blame-summary mark.blame-mark")).to_have_count(1)

    summary.fill(FIXED)
    expect(editor.locator("#blame-summary mark.blame-mark")).to_have_count(0)
    expect(editor.locator("#blame-summary .blame-count")).to_have_count(0)


def test_publishing_with_a_finding_asks_for_an_acknowledgement(editor, draft):
    editor.get_by_label("Summary").fill(BLAMEFUL)
    editor.get_by_role("button", name="Save and publish").click()

    panel = editor.locator("#publish-review")
    expect(panel.get_by_role("heading", name="Before publishing: 1 finding to rewrite or explain")).to_be_visible()
    expect(panel).to_contain_text("“should have rolled”")
    expect(panel.get_by_label("Why this wording stays")).to_be_visible()
    expect(editor.get_by_label("Summary")).to_have_value(BLAMEFUL)
    draft.refresh_from_db()
    assert draft.status == PostMortem.Status.DRAFT


def test_giving_a_reason_publishes_the_post_mortem(editor, draft, org):
    editor.get_by_label("Summary").fill(BLAMEFUL)
    editor.get_by_role("button", name="Save and publish").click()
    editor.locator("#publish-review").get_by_label("Why this wording stays").fill("Sam wrote this line himself.")
    editor.get_by_role("button", name="Publish with these reasons").click()

    expect(editor.get_by_role("heading", name="Checkout stalled")).to_be_visible()
    expect(editor.get_by_text("is published")).to_be_visible()
    expect(editor.get_by_role("heading", name="Wording kept after review")).to_be_visible()
    expect(editor.get_by_text("Sam wrote this line himself.")).to_be_visible()
    draft.refresh_from_db()
    assert draft.status == PostMortem.Status.PUBLISHED
    ack = BlameAcknowledgement.objects.get(postmortem=draft)
    assert (ack.reason, ack.acknowledged_by) == ("Sam wrote this line himself.", org.people.author)
