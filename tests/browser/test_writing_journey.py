"""A person writes, publishes and reads a post-mortem in a real browser."""
from playwright.sync_api import expect

from postmortems.models import PostMortem
from tests import factories


def test_author_writes_and_publishes_a_technical_postmortem(page, log_in, org):
    factories.shared_theme("Capacity")
    log_in(org.people.author)

    page.get_by_role("link", name="Write a post-mortem").click()
    page.get_by_role("link", name="Start a technical post-mortem").click()
    expect(page.get_by_role("heading", name="New technical post-mortem")).to_be_visible()

    page.get_by_label("Title").fill("Card payments timed out after a pool change")
    page.get_by_label("Team").select_option(label="Payments")
    page.get_by_label("Summary").fill("For **35 minutes** card payments timed out.\n\n- pool too small\n- retries piled up")
    page.get_by_label("Impact").fill("About 4,000 payments were retried.")

    page.get_by_label("When").first.fill("2026-11-20T09:15")
    page.get_by_label("What happened").first.fill("Latency alert fired for the payments API")
    page.locator("select[name='factors-0-theme']").select_option(label="Capacity")
    page.locator("input[name='factors-0-description']").fill("The pool was sized for last year's traffic")
    page.locator("input[name='actions-0-title']").fill("Alert on connection-pool saturation")
    page.locator("select[name='actions-0-owner']").select_option(label="Lin Park")
    page.locator("input[name='actions-0-due_date']").fill("2026-12-15")

    page.get_by_role("button", name="Save and publish").click()

    expect(page.get_by_role("heading", name="Card payments timed out after a pool change")).to_be_visible()
    expect(page.get_by_text("is published")).to_be_visible()
    summary = page.locator("section", has=page.get_by_role("heading", name="Summary"))
    expect(summary.locator("strong")).to_have_text("35 minutes")
    expect(summary.locator("li")).to_have_count(2)
    expect(page.locator(".timeline")).to_contain_text("Latency alert fired for the payments API")
    expect(page.get_by_text("The pool was sized for last year's traffic")).to_be_visible()
    expect(page.get_by_text("Alert on connection-pool saturation")).to_be_visible()
    expect(page.get_by_text("Lin Park")).to_be_visible()

    postmortem = PostMortem.objects.get(title="Card payments timed out after a pool change")
    assert postmortem.status == PostMortem.Status.PUBLISHED
    assert list(postmortem.authors.all()) == [org.people.author]


def test_member_of_another_team_gets_404_for_people_incident(page, log_in, org):
    incident = factories.make_postmortem(
        org.payments, authors=[org.people.author], kind="people", status="published",
        title="Escalation lost between support and billing",
    )
    log_in(org.people.other_team)

    response = page.goto(f"/postmortems/{incident.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("Escalation lost between support and billing")).to_have_count(0)

    page.goto("/?q=Escalation")
    expect(page.get_by_text("No post-mortems match these filters.")).to_be_visible()


def test_adding_a_timeline_row_with_javascript(page, log_in, org):
    log_in(org.people.author)
    page.goto("/postmortems/new/?kind=technical")
    rows = page.locator("fieldset[data-prefix='timeline'] .formset-row")
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Add a timeline event").click()
    expect(rows).to_have_count(2)
    expect(page.locator("input[name='timeline-TOTAL_FORMS']")).to_have_value("2")
