"""Pulse results: the threshold through every selector, page, export and email; free text for leads only."""
import csv
import io
from datetime import timedelta, timezone as dt_timezone

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from pulse import periods, results
from pulse.models import Answer, Participation, Response
from tests.test_pulse_support import PAST_MONDAY, answer, add_members, enable_pulse, fill, make_period

pytestmark = pytest.mark.usefixtures("fast_passwords")
BLAMING = "Sam should have checked the config before deploying."


def main_of(html):
    """The page's main content (the rest holds per-request tokens)."""
    return html.split('<main id="main"')[1].split("</main>")[0]


def team_page(client, team):
    return client.get(reverse("pulse:team", args=[team.slug])).content.decode()


def period_page(client, team, start):
    return client.get(reverse("pulse:period", args=[team.slug, start.isoformat()]))


def export_rows(client, team):
    response = client.get(reverse("pulse:export", args=[team.slug]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


# Selectors ---------------------------------------------------------------------------

def test_a_closed_period_with_five_responses_has_results(org):
    period = fill(org.payments, 5, score=4)

    found = results.team_results(org.payments, period.start)

    assert found.response_count == 5 and len(found.statements) == 5
    first = found.statements[0]
    assert first.mean == 4.0 and first.count == 5
    assert first.distribution == [(1, 0), (2, 0), (3, 0), (4, 5), (5, 0)]


def test_a_closed_period_with_four_responses_has_none(org):
    period = fill(org.payments, 4)

    assert results.team_results(org.payments, period.start) is None
    assert results.free_text(org.payments, period.start) is None
    assert results.period_summary(org.payments, period.start).state == "too_few"


def test_an_open_period_shows_nothing_however_many_answered(org):
    enable_pulse(org.payments)
    today = timezone.localdate(timezone.now(), dt_timezone.utc)
    period = periods.period_for(org.payments, today)
    for person in add_members(org.payments, 7):
        answer(person, period)

    assert results.team_results(org.payments, period.start) is None
    summary = results.period_summary(org.payments, period.start)
    assert summary.state == "open" and summary.results is None
    # Once it has closed and settled, the results are there.
    assert results.team_results(org.payments, period.start, now=period.closes_at) is None
    settled = period.closes_at + results.SETTLING
    assert results.team_results(org.payments, period.start, now=settled).response_count == 7


@pytest.mark.parametrize("setting, expected", [(5, 5), (8, 8), (3, 3), (2, 3), (0, 3), (-4, 3)])
def test_the_threshold_setting_is_never_below_three(settings, setting, expected):
    settings.PULSE_MIN_RESPONSES = setting

    assert results.min_responses() == expected


def test_a_threshold_set_below_three_still_hides_two_responses(org, settings):
    settings.PULSE_MIN_RESPONSES = 1
    period = fill(org.payments, 2)

    assert results.team_results(org.payments, period.start) is None


def test_statement_history_gives_mean_and_standard_error_for_periods_at_the_threshold(org):
    first = make_period(org.payments, PAST_MONDAY)
    for person, score in zip(add_members(org.payments, 5), [1, 2, 3, 4, 5]):
        answer(person, first, score)
    fill(org.payments, 3, start=PAST_MONDAY + timedelta(days=7))  # too few: left out
    third = fill(org.payments, 6, start=PAST_MONDAY + timedelta(days=14), score=3)

    history = results.statement_history(org.payments, periods=10)

    assert len(history) == 5  # the five default statements of version 1
    points = history[0].points
    assert [point.period_start for point in points] == [first.start, third.start]
    assert points[0].mean == 3.0 and points[0].count == 5
    assert points[0].standard_error == pytest.approx((2.5 ** 0.5) / (5 ** 0.5))
    assert points[1].mean == 3.0 and points[1].standard_error == 0.0


def test_statement_history_keeps_each_version_apart(org):
    from pulse import questions

    fill(org.payments, 5, start=PAST_MONDAY)
    questions.edit(org.payments, ["One one.", "Two two.", "Three three."], "")
    fill(org.payments, 5, start=PAST_MONDAY + timedelta(days=7))

    history = results.statement_history(org.payments, periods=10)

    assert [(h.statement.question_set.version, len(h.points)) for h in history] == [(1, 1)] * 5 + [(2, 1)] * 3


def test_statement_history_covers_only_the_last_n_closed_periods(org):
    for week in range(4):
        fill(org.payments, 5, start=PAST_MONDAY + timedelta(days=7 * week))

    history = results.statement_history(org.payments, periods=2)

    assert [p.period_start for p in history[0].points] == [PAST_MONDAY + timedelta(days=14),
                                                           PAST_MONDAY + timedelta(days=21)]


# Pages and export: the same threshold everywhere ----------------------------------------

def test_team_and_period_pages_show_scores_at_the_threshold(org, login):
    period = fill(org.payments, 5, score=4)
    client = login(org.people.member)

    page = team_page(client, org.payments)
    detail = period_page(client, org.payments, period.start).content.decode()

    for html in (page, detail):
        assert "5 responses" in html and "4.0" in html and "I can raise a problem without fear." in html


def test_pages_and_export_show_no_numbers_below_the_threshold(org, login):
    period = fill(org.payments, 4, score=2)

    for person in (org.people.member, org.people.lead):
        client = login(person)
        for html in (team_page(client, org.payments), period_page(client, org.payments, period.start).content.decode()):
            assert "Not enough responses" in html
            assert "responses ·" not in html and "2.0" not in html and "workload is sustainable" not in html
        assert export_rows(client, org.payments) == [export_rows(client, org.payments)[0]]  # the header alone


def test_pages_show_only_in_progress_for_an_open_period(org, login):
    enable_pulse(org.payments)
    period = periods.period_for(org.payments, timezone.localdate(timezone.now(), dt_timezone.utc))
    before = team_page(login(org.people.lead), org.payments)
    for person in add_members(org.payments, 6):
        answer(person, period, 1, "Too much on-call.")
    after = team_page(login(org.people.lead), org.payments)
    detail = period_page(login(org.people.lead), org.payments, period.start).content.decode()

    for html in (after, detail):
        assert "In progress" in html and "1.0" not in html and "Too much on-call" not in html
    # Nothing on the page changes as responses arrive: no count to compare before and after.
    assert main_of(after) == main_of(before)
    assert export_rows(login(org.people.lead), org.payments)[1:] == []


def test_the_index_page_shows_no_counts(org, login):
    enable_pulse(org.payments)
    period = periods.period_for(org.payments, timezone.localdate(timezone.now(), dt_timezone.utc))
    people = add_members(org.payments, 6)
    before = login(org.people.lead).get(reverse("pulse:index")).content.decode()
    for person in people:
        answer(person, period)

    after = login(org.people.lead).get(reverse("pulse:index")).content.decode()

    assert "Answer the pulse" in after and main_of(after) == main_of(before)


def test_the_export_has_aggregates_at_the_threshold_and_quotes_formulas(org, login):
    from pulse import questions

    questions.edit(org.payments, ["=HYPERLINK(\"http://evil\")", "Two two.", "Three three."], "")
    period = fill(org.payments, 5, score=5)

    rows = export_rows(login(org.people.member), org.payments)

    assert rows[0][:7] == ["Team", "Period start", "Period end", "Questions version", "Statement", "Responses", "Mean"]
    assert len(rows) == 4
    assert rows[1][1] == period.start.isoformat() and rows[1][5] == "5" and rows[1][6] == "5.00"
    assert rows[1][4] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1][7:] == ["0", "0", "0", "0", "5"]


def test_no_page_or_export_lists_single_responses(org, login):
    fill(org.payments, 5, free_texts=["Alpha comment.", "Beta comment."])
    client = login(org.people.member)

    assert not any("Alpha comment" in ",".join(row) for row in export_rows(client, org.payments))


# Free text ---------------------------------------------------------------------------

def test_leads_see_free_text_with_blame_findings_and_members_do_not(org, login):
    period = fill(org.payments, 5, free_texts=[BLAMING, "Deploys on Fridays feel rushed."])

    lead_html = period_page(login(org.people.lead), org.payments, period.start).content.decode()
    member_html = period_page(login(org.people.member), org.payments, period.start).content.decode()

    assert BLAMING in lead_html and "Deploys on Fridays feel rushed." in lead_html
    assert "possible blame finding" in lead_html
    assert BLAMING not in member_html and "Deploys on Fridays" not in member_html
    assert "Comments" not in member_html


def test_free_text_is_hidden_from_leads_below_the_threshold(org, login):
    period = fill(org.payments, 4, free_texts=["A lonely comment."])

    html = period_page(login(org.people.lead), org.payments, period.start).content.decode()

    assert "A lonely comment." not in html


def test_free_text_comes_with_blame_findings_and_in_random_order(org):
    texts = [f"Comment number {n}." for n in range(6)]
    period = fill(org.payments, 6, free_texts=texts[:5] + [BLAMING])

    orders = {tuple(c.text for c in results.free_text(org.payments, period.start)) for _ in range(20)}
    flagged = [c for c in results.free_text(org.payments, period.start) if c.text == BLAMING]

    assert len(orders) > 1
    assert flagged[0].findings


def test_hostile_free_text_is_shown_escaped(org, login):
    period = fill(org.payments, 5, free_texts=['<script>alert("pulse")</script>'])

    html = period_page(login(org.people.lead), org.payments, period.start).content.decode()

    assert '<script>alert("pulse")</script>' not in html and "&lt;script&gt;" in html


# Permissions --------------------------------------------------------------------------

@pytest.mark.parametrize("name, lead_only", [
    ("pulse:team", False), ("pulse:answer", False), ("pulse:export", False), ("pulse:period", False),
    ("pulse:questions", True), ("pulse:settings", True),
])
def test_outsiders_get_404_and_members_403_on_lead_pages(org, login, name, lead_only):
    period = fill(org.payments, 5)
    args = [org.payments.slug, period.start.isoformat()] if name == "pulse:period" else [org.payments.slug]
    url = reverse(name, args=args)

    assert login(org.people.outsider).get(url).status_code == 404
    assert login(org.people.other_team).get(url).status_code == 404
    assert login(org.people.member).get(url).status_code == (403 if lead_only else 200)
    assert login(org.people.lead).get(url).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(org, client):
    response = client.get(reverse("pulse:team", args=[org.payments.slug]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_period_the_team_does_not_have_is_404(org, login):
    fill(org.search, 5)

    assert period_page(login(org.people.member), org.payments, PAST_MONDAY).status_code == 404
    assert login(org.people.member).get(f"/pulse/{org.payments.slug}/not-a-date/").status_code == 404


def test_the_lead_turns_the_pulse_on_in_the_settings(org, lead):
    response = lead.post(reverse("pulse:settings", args=[org.payments.slug]), {
        "enabled": "on", "cadence": "fortnightly", "day": "3", "hour": "14", "anchor": "2025-01-06",
    })

    assert response.status_code == 302
    pulse_settings = org.payments.pulse_settings
    pulse_settings.refresh_from_db()
    assert (pulse_settings.enabled, pulse_settings.cadence, pulse_settings.day, pulse_settings.hour) == (
        True, "fortnightly", 3, 14)


def test_responses_answers_and_participations_are_not_in_the_admin():
    for model in (Response, Answer, Participation):
        assert not admin.site.is_registered(model)


def test_the_results_page_takes_the_same_queries_for_2_or_8_periods(org, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(org.people.member)
    url = reverse("pulse:team", args=[org.payments.slug])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert "5 responses" in client.get(url).content.decode()
        return len(captured)

    for week in range(2):
        fill(org.payments, 5, start=PAST_MONDAY + timedelta(days=7 * week))
    queries()  # the first request also loads the session and the organisation policy
    few = queries()
    for week in range(2, 8):
        fill(org.payments, 5, start=PAST_MONDAY + timedelta(days=7 * week))

    assert queries() == few


def test_the_settings_page_warns_a_team_too_small_for_results(org, lead):
    html = lead.get(reverse("pulse:settings", args=[org.payments.slug])).content.decode()

    assert "Payments has 3 active members" in html and "at least 5 responses" in html
