"""axe-core on every page and state of the pulse, near misses and signals (issue 12) not checked elsewhere.

Each test opens one page in one state, as the person who would see it, and asks axe-core for serious
or critical WCAG 2 A/AA problems (see test_accessibility.axe_violations).
"""
import re
from datetime import timedelta, timezone as dt_timezone

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nearmisses import triage
from pulse import answers, periods, questions
from tests import factories
from tests.browser.test_accessibility import axe_violations
from tests.test_early_warning import STEADY, pulse_history
from tests.test_nearmiss_reports import make_near_miss
from tests.test_pulse_support import PAST_MONDAY, add_members, enable_pulse, fill, make_period

HOSTILE = '<script>alert("x")</script> [x](javascript:alert(1)) \u202eevil'


def current_period(team):
    return periods.period_for(team, timezone.localdate(timezone.now(), dt_timezone.utc))


@pytest.fixture
def pulse(org):
    """Payments' pulse on: a closed period with results and comments, one with too few, and the open one."""
    enable_pulse(org.payments)
    ready = fill(org.payments, 5, free_texts=["Sam should have caught the bad deploy.", HOSTILE])
    fill(org.payments, 4, start=PAST_MONDAY + timedelta(days=7))
    return {"ready": ready, "open": current_period(org.payments)}


# The pulse, signed in ------------------------------------------------------------------------

def test_team_results_with_ready_too_few_and_open_periods(page, log_in, org, pulse):
    log_in(org.people.lead)
    page.goto(f"/pulse/{org.payments.slug}/")
    expect(page.get_by_text("Not enough responses.")).to_be_visible()
    expect(page.get_by_text("In progress.")).to_be_visible()
    assert axe_violations(page) == []


def test_period_results_for_a_lead_with_comments_and_blame_findings(page, log_in, org, pulse):
    log_in(org.people.lead)
    page.goto(f"/pulse/{org.payments.slug}/{pulse['ready'].start.isoformat()}/")
    expect(page.get_by_text("possible blame finding")).to_be_visible()
    assert axe_violations(page) == []


def test_period_results_for_a_member_without_comments(page, log_in, org, pulse):
    log_in(org.people.member)
    page.goto(f"/pulse/{org.payments.slug}/{pulse['ready'].start.isoformat()}/")
    expect(page.get_by_text("5 responses")).to_be_visible()
    assert axe_violations(page) == []


def test_pulse_index_for_a_member_who_has_answered(page, log_in, org, pulse):
    answers.submit(answers.new_ticket(org.people.member, pulse["open"]),
                   scores={s.pk: 4 for s in pulse["open"].question_set.statements.all()})
    log_in(org.people.member)
    page.goto("/pulse/")
    expect(page.get_by_text("You have answered")).to_be_visible()
    assert axe_violations(page) == []


def test_questions_editor_with_errors_shown(page, log_in, org, pulse):
    questions.edit(org.payments, [HOSTILE, "Ownership is clear.", "I can raise a problem."], "Anything else?")
    log_in(org.people.lead)
    page.goto(f"/pulse/{org.payments.slug}/questions/")
    page.get_by_label("Statement 2").fill("")
    page.get_by_label("Statement 3").fill("")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    assert axe_violations(page) == []


def test_settings_of_a_team_too_small_for_results(page, log_in, org):
    log_in(org.people.lead)
    page.goto(f"/pulse/{org.payments.slug}/settings/")
    expect(page.get_by_role("status")).to_contain_text("will see none until it grows")
    assert axe_violations(page) == []


def test_in_app_answer_with_errors_shown(page, log_in, org, pulse):
    log_in(org.people.member)
    page.goto(f"/pulse/{org.payments.slug}/answer/")
    page.get_by_label("Anything else the team should know? (optional)").fill("Kept.")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Please answer every statement.")).to_be_visible()
    assert axe_violations(page) == []


def test_in_app_answer_thank_you_page_with_the_private_link(page, log_in, org, pulse):
    log_in(org.people.member)
    page.goto(f"/pulse/{org.payments.slug}/answer/")
    for group in page.get_by_role("group").all():
        group.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_label("Your private link")).to_be_visible()
    assert axe_violations(page) == []


def test_in_app_answer_when_already_answered(page, log_in, org, pulse):
    answers.submit(answers.new_ticket(org.people.member, pulse["open"]),
                   scores={s.pk: 4 for s in pulse["open"].question_set.statements.all()})
    log_in(org.people.member)
    page.goto(f"/pulse/{org.payments.slug}/answer/")
    expect(page.get_by_text("You have answered this period's pulse")).to_be_visible()
    assert axe_violations(page) == []


def test_in_app_answer_when_the_pulse_is_off(page, log_in, org):
    log_in(org.people.member)
    page.goto(f"/pulse/{org.payments.slug}/answer/")
    expect(page.get_by_text("The pulse is off for this team.")).to_be_visible()
    assert axe_violations(page) == []


# The emailed link, signed out ------------------------------------------------------------------

def link_path(ticket):
    return "/pulse/answer/?t=" + ticket.token


def test_answer_link_for_a_closed_period(page, org):
    enable_pulse(org.payments)
    ticket = answers.new_ticket(org.people.member, make_period(org.payments, PAST_MONDAY))
    page.goto(link_path(ticket))
    expect(page.get_by_text("has closed")).to_be_visible()
    assert axe_violations(page) == []


def test_answer_link_of_someone_no_longer_in_the_team(page, org):
    enable_pulse(org.payments)
    ticket = answers.new_ticket(org.people.member, current_period(org.payments))
    org.people.member.memberships.all().delete()
    page.goto(link_path(ticket))
    expect(page.get_by_text("no longer in the team")).to_be_visible()
    assert axe_violations(page) == []


def test_answer_link_already_answered_from_another_link(page, org):
    enable_pulse(org.payments)
    period = current_period(org.payments)
    answers.submit(answers.new_ticket(org.people.member, period),
                   scores={s.pk: 4 for s in period.question_set.statements.all()})
    page.goto(link_path(answers.new_ticket(org.people.member, period)))
    expect(page.get_by_text("already answered this period's pulse from another link")).to_be_visible()
    assert axe_violations(page) == []


def test_answer_link_changing_an_answer_with_hostile_free_text(page, org):
    enable_pulse(org.payments)
    period = current_period(org.payments)
    ticket = answers.new_ticket(org.people.member, period)
    answers.submit(ticket, scores={s.pk: 2 for s in period.question_set.statements.all()}, free_text=HOSTILE)
    page.goto(link_path(ticket))
    expect(page.get_by_role("button", name="Save my changes")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save my changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes are saved.")
    assert axe_violations(page) == []


def test_answer_link_with_errors_shown(page, org):
    enable_pulse(org.payments)
    ticket = answers.new_ticket(org.people.member, current_period(org.payments))
    page.goto(link_path(ticket))
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Please answer every statement.")).to_be_visible()
    assert axe_violations(page) == []


# Near misses ---------------------------------------------------------------------------------

def test_report_form_with_every_error_shown(page, log_in, org):
    factories.add_member(org.search, org.people.member)  # two teams: the team must be chosen
    log_in(org.people.member)
    page.goto("/near-misses/report/")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("what you typed is kept")).to_be_visible()
    assert axe_violations(page) == []


def test_anonymous_report_thank_you_page(page, log_in, org):
    log_in(org.people.member)
    page.goto("/near-misses/report/thanks/")
    assert axe_violations(page) == []


def test_my_reports_with_reports_in_every_status(page, log_in, org):
    for status in ["new", "acknowledged", "dismissed"]:
        make_near_miss(org.payments, reporter=org.people.member, status=status, what_happened=f"{status} {HOSTILE}")
    log_in(org.people.member)
    page.goto("/near-misses/mine/")
    assert axe_violations(page) == []


def test_triage_list_with_filters_applied(page, log_in, org):
    theme = factories.shared_theme("Deploy safety")
    make_near_miss(org.payments, kind="people", status="acknowledged", themes=[theme], anonymous=True)
    make_near_miss(org.payments, kind="technical", status="acknowledged", themes=[theme])
    log_in(org.people.lead)
    page.goto(f"/near-misses/?status=counted&kind=people&team={org.payments.pk}&theme={theme.pk}"
              "&since=2020-01-01&until=2100-01-01")
    expect(page.get_by_text("match these filters")).to_be_visible()
    assert axe_violations(page) == []


def test_triage_list_with_an_invalid_filter(page, log_in, org):
    log_in(org.people.lead)
    page.goto("/near-misses/?since=not-a-date&team=999999")
    assert axe_violations(page) == []


@pytest.mark.parametrize("status", ["new", "acknowledged", "dismissed"])
def test_near_miss_detail_in_each_status_for_the_lead(page, log_in, org, status):
    theme = factories.shared_theme("Deploy safety")
    near_miss = make_near_miss(org.payments, kind="people", status=status, reporter=org.people.member,
                               themes=[theme] if status == "acknowledged" else [], what_happened=HOSTILE)
    log_in(org.people.lead)
    page.goto(near_miss.get_absolute_url())
    expect(page.get_by_role("heading", name="Triage")).to_be_visible()
    assert axe_violations(page) == []


def test_near_miss_detail_promoted_for_the_named_reporter(page, log_in, org):
    near_miss = make_near_miss(org.payments, reporter=org.people.member)
    triage.promote(near_miss, by=org.people.lead)
    log_in(org.people.member)
    page.goto(near_miss.get_absolute_url())
    expect(page.get_by_role("link", name=re.compile("Open the post-mortem"))).to_be_visible()
    assert axe_violations(page) == []


def test_near_miss_detail_with_triage_errors_shown(page, log_in, org):
    near_miss = make_near_miss(org.payments)
    log_in(org.people.lead)
    page.goto(near_miss.get_absolute_url())
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_text("Say why")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Choose at least one theme.")).to_be_visible()
    assert axe_violations(page) == []


def test_promoted_draft_in_the_editor_and_on_its_page(page, log_in, org):
    near_miss = make_near_miss(org.payments, what_happened=HOSTILE, what_stopped_it=HOSTILE,
                               likelier_next_time=HOSTILE)
    draft = triage.promote(near_miss, by=org.people.lead)
    log_in(org.people.lead)
    for path in [f"/postmortems/{draft.pk}/edit/", draft.get_absolute_url()]:
        page.goto(path)
        assert axe_violations(page) == [], path


# Trends: signals, pulse charts, near misses ---------------------------------------------------

def test_trends_page_with_signals_pulse_charts_and_near_misses(page, log_in, org):
    recent = timezone.now() - timedelta(days=1)
    pulse_history(org.payments, STEADY + [3.0, 3.0], now=recent)
    theme = factories.shared_theme("Deploy safety")
    today = timezone.localdate(timezone.now(), dt_timezone.utc)
    for days_ago in [1, 3, 5]:
        make_near_miss(org.payments, status="acknowledged", themes=[theme], reported_on=today - timedelta(days_ago))
    log_in(org.people.lead)
    page.goto("/trends/")
    expect(page.locator('[data-signal="pulse"]').first).to_be_visible()
    expect(page.locator(".trend-pulse-statement canvas").first).to_be_visible()
    assert axe_violations(page) == []


def test_trends_page_of_a_team_below_the_threshold(page, log_in, org):
    enable_pulse(org.payments)
    add_members(org.payments, 1)
    fill(org.payments, 4)
    log_in(org.people.member)
    page.goto("/trends/#pulse")
    expect(page.get_by_text("Not enough responses yet.")).to_be_visible()
    assert axe_violations(page) == []
