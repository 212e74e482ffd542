"""axe-core (from npm) finds no serious or critical WCAG 2 A/AA problems on the main pages."""
from pathlib import Path

import pytest

from tests import factories

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def written(org):
    postmortem = factories.make_postmortem(
        org.payments, authors=[org.people.author], status="published", title="Queue backlog during the sale",
        impact="| region | failed |\n|---|---|\n| EU | 120 |",
    )
    factories.add_timeline_event(postmortem)
    factories.add_factor(postmortem)
    factories.add_action_item(postmortem, owner=org.people.lead)
    factories.add_action_item(postmortem, owner=org.people.member, title="Overdue follow-up", due_in_days=-3)
    return postmortem


@pytest.mark.parametrize("path", [
    "/",
    "/?kind=technical&q=nothing-matches",
    "/postmortems/new/",
    "/postmortems/new/?kind=technical",
    "/postmortems/new/?kind=people",
    "/postmortems/{pk}/",
    "/postmortems/{pk}/edit/",
    "/postmortems/{pk}/revisions/1/",
    "/themes/",
    "/settings/",
    "/actions/",
    "/actions/?status=overdue",
    "/actions/?status=done&priority=low",
    "/actions/mine/?status=all",
    "/digest/",
    "/trends/",
    "/trends/?period=custom&from=2020-01-01&to=2020-03-31&kind=people",
    "/?from=2020-01-01&to=2030-12-31",
])
def test_page_has_no_serious_accessibility_violations(page, log_in, org, written, path):
    log_in(org.people.author)
    page.goto(path.format(pk=written.pk))
    assert axe_violations(page) == []


def test_login_page_has_no_serious_accessibility_violations(page):
    page.goto("/accounts/login/")
    assert axe_violations(page) == []


def test_unsubscribe_page_has_no_serious_accessibility_violations(page, org):
    from postmortems.digest import unsubscribe_token

    page.goto(f"/digest/unsubscribe/{unsubscribe_token(org.people.member)}/")
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/postmortems/999999/", "/themes/no-such-team/new/"])
def test_not_found_page_has_no_serious_accessibility_violations(page, log_in, org, path):
    log_in(org.people.member)
    page.goto(path)
    assert axe_violations(page) == []


def test_publish_review_panel_has_no_serious_accessibility_violations(page, log_in, org):
    draft = factories.make_postmortem(org.payments, authors=[org.people.author], title="Draft with wording")
    log_in(org.people.author)
    page.goto(f"/postmortems/{draft.pk}/edit/")
    page.locator("#id_impact").fill("The new hire was careless and should have checked the runbook.")
    page.get_by_role("button", name="Save and publish").click()
    page.locator("#publish-review").wait_for()
    assert axe_violations(page) == []


def test_edit_conflict_page_has_no_serious_accessibility_violations(page, log_in, org, written):
    from postmortems.models import PostMortem

    log_in(org.people.author)
    page.goto(f"/postmortems/{written.pk}/edit/")
    PostMortem.objects.filter(pk=written.pk).update(version=written.version + 1, summary="Saved meanwhile.")
    page.locator("#id_summary").fill("My own summary")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#edit-conflict").wait_for()
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/feedback/", "/feedback/?status=all", "/feedback/vocabulary/"])
def test_feedback_pages_have_no_serious_accessibility_violations(page, log_in, org, written, path):
    factories.add_feedback(written, by=org.people.author, note="Sam is our deploy bot.")
    factories.add_feedback(written, by=org.people.author, kind="is_blame", category="", sentence="Kim broke it.",
                           status="accepted", reviewed_by=org.people.lead)
    factories.add_term("Simple", by=org.people.lead)
    factories.add_term("rookie", action="flag", category="loaded_judgement", note="Say what was done.")
    log_in(org.people.lead)
    page.goto(path)
    assert axe_violations(page) == []


def test_editor_with_feedback_controls_open_has_no_serious_accessibility_violations(page, log_in, org):
    draft = factories.make_postmortem(org.payments, authors=[org.people.author], summary="Sam should have rolled back.")
    log_in(org.people.author)
    page.goto(f"/postmortems/{draft.pk}/edit/")
    page.locator("#blame-summary mark.blame-mark").focus()
    page.locator("#missed-summary summary").click()
    assert axe_violations(page) == []
