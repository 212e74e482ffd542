"""From the navbar button to an anonymous near miss, to the lead's triage, to a promoted draft, in a real browser.

axe-core checks the report form (also with errors shown), the triage list and the triage page.
"""
from playwright.sync_api import expect

from nearmisses.models import NearMiss
from postmortems.models import PostMortem
from tests import factories
from tests.browser.test_accessibility import axe_violations

HAPPENED = "A config push nearly disabled the fraud checks for every region."
STOPPED = "The canary region failed its health check and the rollout stopped."
LIKELIER = "Canary checks are optional in the new deploy tool."


def test_anonymous_near_miss_from_the_navbar_to_a_promoted_draft(page, log_in, org):
    theme = factories.shared_theme("Deploy safety")

    # A member reports from the button every page carries.
    log_in(org.people.member)
    page.get_by_role("link", name="Report a near miss").click()
    expect(page.get_by_role("heading", name="Report a near miss", level=1)).to_be_visible()
    assert axe_violations(page) == []

    # A missing answer is pointed out and the typed text stays.
    page.get_by_label("What happened?").fill(HAPPENED)
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("what you typed is kept")).to_be_visible()
    expect(page.get_by_label("What happened?")).to_have_value(HAPPENED)
    assert axe_violations(page) == []

    page.get_by_label("Technical").check()
    page.get_by_label("What stopped it?").fill(STOPPED)
    page.get_by_label("What could make it likelier next time?").fill(LIKELIER)
    page.get_by_label("Report anonymously").check()
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    near_miss = NearMiss.objects.get()
    assert near_miss.anonymous and near_miss.reporter_id is None
    page.get_by_role("button", name="Log out").click()

    # The team's lead finds it in the triage list and acknowledges it with a theme.
    log_in(org.people.lead)
    page.goto("/near-misses/?status=new")
    assert axe_violations(page) == []
    page.get_by_role("link", name=HAPPENED).click()
    expect(page.get_by_text("reported")).to_contain_text("anonymously")
    assert axe_violations(page) == []
    page.get_by_label("Deploy safety").check()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged. It now counts in the trends")).to_be_visible()

    # Then starts a post-mortem from it, and lands in the editor with the report's words.
    page.get_by_role("link", name=HAPPENED).click()
    page.get_by_role("button", name="Start a post-mortem").click()
    expect(page.get_by_text("A draft post-mortem is started from the near miss")).to_be_visible()
    expect(page.get_by_label("Summary")).to_have_value(HAPPENED)
    draft = PostMortem.objects.get()
    assert draft.kind == "technical" and list(draft.authors.all()) == [org.people.lead]
    assert [factor.theme for factor in draft.factors.all()] == [theme]

    # The report now links to its post-mortem, and triage is over.
    page.goto(near_miss.get_absolute_url())
    expect(page.get_by_role("link", name=f"Open the post-mortem “{draft.title}”")).to_be_visible()
    expect(page.get_by_role("button", name="Start a post-mortem")).to_have_count(0)
    assert axe_violations(page) == []


def test_empty_triage_list_and_my_reports_have_no_serious_accessibility_violations(page, log_in, org):
    log_in(org.people.lead)
    for path in ["/near-misses/", "/near-misses/mine/", "/near-misses/?kind=people&status=dismissed"]:
        page.goto(path)
        assert axe_violations(page) == [], path
