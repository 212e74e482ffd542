"""A lead works the overdue list on the action-item dashboard without leaving the page."""
from datetime import date

import pytest
from playwright.sync_api import expect

from postmortems import actions
from postmortems.models import ActionItem, ActionItemChange
from tests import factories
from tests.browser.test_accessibility import axe_violations


@pytest.fixture
def backlog(org):
    """Three open items (two overdue) and one done recently: completion 1 of 4."""
    p = org.people
    pm = factories.make_postmortem(org.payments, authors=[p.author], status="published", title="Checkout timeouts")
    factories.add_action_item(pm, owner=p.member, title="Alert on pool saturation", due_in_days=-5)
    factories.add_action_item(pm, owner=p.author, title="Load-test the new pool", due_in_days=-2)
    factories.add_action_item(pm, owner=p.member, title="Document the failover", due_in_days=10)
    factories.add_closed_action_item(pm, owner=p.author, title="Roll back the pool change",
                                     created_days_ago=6, closed_days_ago=2)
    return pm


def figure(page, name):
    return page.locator(f'[data-figure="{name}"]')


def test_lead_marks_an_overdue_item_done_and_the_figures_update_in_place(page, log_in, org, backlog):
    log_in(org.people.lead)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Action items").click()
    page.get_by_role("navigation", name="Which items").get_by_role("link", name="Overdue").click()
    page.wait_for_url("**/actions/?status=overdue")

    rows = page.locator(".action-row")
    expect(rows).to_have_count(2)
    expect(figure(page, "overdue")).to_have_text("2")
    expect(figure(page, "open")).to_have_text("3")
    expect(figure(page, "completion")).to_have_text("25%")
    expect(figure(page, "oldest-overdue")).to_have_text("Alert on pool saturation")
    page.evaluate("window.stillTheSamePage = true")

    row = rows.filter(has_text="Alert on pool saturation")
    row.locator("summary", has_text="Mark done").click()
    row.get_by_label("What was done (optional note)").fill("Alert live in production")
    row.get_by_role("button", name="Confirm done").click()

    expect(row.get_by_role("status")).to_have_text("✓ Marked done.")
    expect(row.get_by_role("status")).to_be_focused()
    expect(figure(page, "overdue")).to_have_text("1")
    expect(figure(page, "open")).to_have_text("2")
    expect(figure(page, "completion")).to_have_text("50%")
    expect(figure(page, "done")).to_have_text("2 done of 4")
    expect(figure(page, "oldest-overdue")).to_have_text("Load-test the new pool")
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url.endswith("/actions/?status=overdue")

    change = ActionItemChange.objects.get()
    assert (change.actor, change.field, change.note) == (org.people.lead, "status", "Alert live in production")


def test_a_due_date_change_without_a_reason_is_explained_in_the_row(page, log_in, org, backlog):
    log_in(org.people.lead)
    page.goto("/actions/?status=overdue")
    row = page.locator(".action-row").filter(has_text="Load-test the new pool")
    row.locator("summary", has_text="Change due date").click()
    row.get_by_label("New due date").fill("2031-03-01")
    reason = row.get_by_label("Reason (kept in the history)")
    reason.fill(" ")  # passes the browser's `required`, refused by the server
    row.get_by_role("button", name="Save due date").click()

    expect(row.get_by_text("Say why the due date changes")).to_be_visible()
    expect(row.get_by_label("Reason (kept in the history)")).to_be_focused()
    expect(figure(page, "overdue")).to_have_text("2")
    assert not ActionItemChange.objects.exists()
    assert axe_violations(page) == []


def test_quick_actions_work_without_javascript(browser, live_server, org, backlog):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(org.people.lead.username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/actions/?status=overdue")

        row = page.locator(".action-row").filter(has_text="Alert on pool saturation")
        row.locator("summary", has_text="Mark done").click()
        row.get_by_role("button", name="Confirm done").click()

        page.wait_for_url("**/actions/?status=overdue")
        expect(page.get_by_text("Alert on pool saturation: marked done.")).to_be_visible()
        expect(figure(page, "overdue")).to_have_text("1")
    finally:
        context.close()
    assert ActionItem.objects.get(title="Alert on pool saturation").status == ActionItem.Status.DONE


def test_filter_form_is_usable_from_the_keyboard(page, log_in, org, backlog):
    log_in(org.people.lead)
    page.goto("/actions/?status=all")
    owner = page.get_by_role("search").get_by_label("Owner", exact=True)
    owner.focus()
    owner.select_option(label="Mo Haddad")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Filter").focus()
    page.keyboard.press("Enter")

    page.wait_for_url("**owner=*")
    expect(page.locator(".action-row")).to_have_count(2)
    expect(page.locator("#item-count")).to_have_text("2 items match these filters.")


def test_item_page_has_no_serious_accessibility_violations(page, log_in, org, backlog):
    item = ActionItem.objects.get(title="Alert on pool saturation")
    actions.change_due_date(item, actor=org.people.lead, due_date=date(2031, 3, 1), reason="Vendor fix first")
    log_in(org.people.lead)
    page.goto(f"/actions/{item.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert on pool saturation")
    expect(page.locator("#action-history")).to_contain_text("Vendor fix first")
    page.locator("summary", has_text="Change due date").click()
    expect(page.get_by_label("Reason (kept in the history)")).to_be_visible()
    page.mouse.move(0, 0)  # judge the resting colours, not a hover transition
    assert axe_violations(page) == []
