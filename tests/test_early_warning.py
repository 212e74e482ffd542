"""Early-warning signals (pulse/early_warning.py): each kind fires and stays quiet, for the right readers."""
import hashlib
import re
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nearmisses.models import NearMiss
from postmortems.models import Membership
from pulse import early_warning, questions
from pulse.models import Answer, Period, Response
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

UTC = dt_timezone.utc
# A Wednesday: the week of Monday 15 June is open, the week of 8 June the latest closed one.
NOW = datetime(2026, 6, 17, 12, tzinfo=UTC)
THIS_MONDAY = NOW.date() - timedelta(days=NOW.weekday())
STEADY = [4.0, 4.2, 3.8, 4.0, 4.2, 3.8, 4.0, 4.0]


def weeks_back(count, now=NOW):
    """The Mondays of the `count` closed weeks before the week of `now`, oldest first."""
    monday = now.date() - timedelta(days=now.weekday())
    return [monday - timedelta(weeks=back) for back in range(count, 0, -1)]


def scores_for(mean, respondents):
    """Whole scores from 1 to 5 whose average is as near `mean` as `respondents` answers allow."""
    total = round(mean * respondents)
    base, extra = divmod(total, respondents)
    return [base + 1] * extra + [base] * (respondents - extra)


def pulse_history(team, means, *, respondents=6, statement_means=None, now=NOW):
    """Closed weekly periods ending with last week, one per mean (oldest first).

    Every statement gets `means` unless `statement_means` ({position: means}) says otherwise.
    Responses are stored as the pulse stores them: no person, a hash for a key.
    """
    question_set = questions.current_set(team)
    statements = list(question_set.statements.all())
    starts = weeks_back(len(means), now)
    for index, start in enumerate(starts):
        Period.objects.get_or_create(team=team, start=start,
                                     defaults={"end": start + timedelta(days=7), "question_set": question_set})
        per_statement = {
            statement.pk: scores_for((statement_means or {}).get(statement.position, means)[index], respondents)
            for statement in statements
        }
        for respondent in range(respondents):
            key = hashlib.sha256(f"{team.pk}-{start}-{respondent}".encode()).hexdigest()
            response = Response.objects.create(team=team, period_start=start, question_set=question_set, key_hash=key)
            Answer.objects.bulk_create(Answer(response=response, statement_id=pk, score=scores[respondent])
                                       for pk, scores in per_statement.items())
    return starts


def near_miss(team, theme, days_ago, *, kind="technical", status="acknowledged", now=NOW):
    found = NearMiss.objects.create(
        team=team, kind=kind, what_happened="A config push almost reached every region at once.",
        what_stopped_it="The canary stage failed first.", likelier_next_time="A busier week.",
        anonymous=True, reported_on=now.date() - timedelta(days=days_ago), status=status,
        triaged_at=now - timedelta(days=max(days_ago - 1, 0)),
    )
    found.themes.set([theme])
    return found


def kinds(signals, team=None):
    return sorted(signal.kind for signal in signals if team is None or signal.team == team)


# Pulse ----------------------------------------------------------------------------------

def test_a_statement_two_periods_below_its_usual_range_is_a_signal_since_the_first_of_them(org):
    starts = pulse_history(org.payments, STEADY + [3.2, 3.0], statement_means={1: STEADY + [4.0, 4.0]})
    signals = early_warning.signals_for(org.people.member, now=NOW)
    pulse = [signal for signal in signals if signal.kind == early_warning.PULSE]
    assert len(pulse) == 4  # statements 2 to 5 fell; statement 1 held
    assert {signal.since for signal in pulse} == {starts[-2]}
    assert all(signal.url == f"/pulse/{org.payments.slug}/" for signal in pulse)
    assert "“My workload is sustainable.”" not in " ".join(signal.text for signal in pulse)
    assert "below its usual range for 2 periods in a row" in pulse[0].text


def test_one_low_period_is_no_signal(org):
    pulse_history(org.payments, STEADY + [4.0, 3.0])
    assert early_warning.signals_for(org.people.member, now=NOW) == []


def test_a_recovered_statement_is_no_signal(org):
    pulse_history(org.payments, STEADY + [3.0, 3.0, 4.0])
    assert early_warning.signals_for(org.people.member, now=NOW) == []


def test_the_open_period_does_not_count(org):
    pulse_history(org.payments, STEADY + [3.0])
    question_set = questions.current_set(org.payments)
    Period.objects.create(team=org.payments, start=THIS_MONDAY, end=THIS_MONDAY + timedelta(days=7),
                          question_set=question_set)
    assert early_warning.signals_for(org.people.member, now=NOW) == []


def test_a_team_below_the_threshold_gets_no_pulse_signal_and_no_pulse_figures(org):
    pulse_history(org.payments, STEADY + [1.0, 1.0], respondents=4)
    (overview,) = early_warning.team_overviews(org.people.lead, now=NOW)
    assert overview.pulse_state == "too_few"
    assert overview.statements == [] and overview.signals == []


def test_the_threshold_setting_is_the_pulse_apps(org, settings):
    settings.PULSE_MIN_RESPONSES = 7
    pulse_history(org.payments, STEADY + [3.0, 3.0], respondents=6)
    assert early_warning.signals_for(org.people.lead, now=NOW) == []


def test_a_team_without_a_pulse_says_so(org):
    (overview,) = early_warning.team_overviews(org.people.lead, now=NOW)
    assert overview.pulse_state == "none"


def test_people_outside_the_team_get_none_of_its_signals(org):
    pulse_history(org.payments, STEADY + [3.0, 3.0])
    assert early_warning.signals_for(org.people.other_team, now=NOW) == []
    assert early_warning.signals_for(org.people.outsider, now=NOW) == []


def test_a_rise_after_a_steady_run_is_an_improving_note_not_a_signal(org):
    pulse_history(org.payments, STEADY + [4.9, 4.9])
    (overview,) = early_warning.team_overviews(org.people.lead, now=NOW)
    assert overview.signals == []
    assert {chart.signal.direction for chart in overview.statements} == {"up"}


# Near misses ----------------------------------------------------------------------------

def test_rising_near_misses_in_a_theme_are_a_signal(org):
    theme = factories.shared_theme("Alert fatigue")
    for days_ago in (2, 5, 9, 40):
        near_miss(org.payments, theme, days_ago)
    (signal,) = early_warning.signals_for(org.people.member, now=NOW)
    assert signal.kind == early_warning.NEAR_MISSES and signal.team == org.payments
    assert "rose to 3 in the last 28 days, from 1" in signal.text
    assert signal.since == NOW.date() - timedelta(days=27)
    assert f"theme={theme.pk}" in signal.url and f"team={org.payments.pk}" in signal.url
    assert signal.url.startswith("/near-misses/?")


def test_steady_near_misses_are_no_signal(org):
    theme = factories.shared_theme("Alert fatigue")
    for days_ago in (2, 5, 9, 30, 35, 40):
        near_miss(org.payments, theme, days_ago)
    assert early_warning.signals_for(org.people.member, now=NOW) == []


def test_untriaged_near_misses_do_not_count(org):
    theme = factories.shared_theme("Alert fatigue")
    for days_ago in (2, 5, 9):
        near_miss(org.payments, theme, days_ago, status="new")
    assert early_warning.signals_for(org.people.lead, now=NOW) == []


def test_people_near_misses_a_member_may_not_read_do_not_make_a_signal_for_them(org):
    theme = factories.shared_theme("Workload")
    for days_ago in (2, 5, 9):
        near_miss(org.payments, theme, days_ago, kind="people")
    assert early_warning.signals_for(org.people.member, now=NOW) == []


# Overdue action items -------------------------------------------------------------------

def overdue_items(team, due_days_ago, now=NOW):
    postmortem = factories.make_incident(team, now - timedelta(days=80), title="Queue backlog")
    for days in due_days_ago:
        factories.add_item_at(postmortem, now - timedelta(days=70), due_date=now.date() - timedelta(days=days))
    return postmortem


def test_overdue_items_rising_for_four_week_ends_are_a_signal(org):
    overdue_items(org.payments, [22, 15, 8, 1, 1])  # overdue 1, 2, 3 and 5 at the four week-ends
    (signal,) = early_warning.signals_for(org.people.member, now=NOW)
    assert signal.kind == early_warning.OVERDUE
    assert "0 → 1 → 2 → 3 → 5" in signal.text
    assert signal.since == (NOW - timedelta(weeks=4)).date()
    assert signal.url == f"/actions/?status=overdue&team={org.payments.pk}"


def test_a_flat_week_in_the_last_four_is_no_signal(org):
    overdue_items(org.payments, [22, 15, 15, 3, 1])  # 1, 3, 3, 5: not strictly rising
    assert early_warning.signals_for(org.people.member, now=NOW) == []


def test_a_rise_to_fewer_than_three_is_no_signal(org):
    overdue_items(org.payments, [8, 1])  # 0, 0, 1, 2 at the four week-ends: rising, but only to 2
    assert early_warning.rising_since([0, 0, 0, 0, 0, 0, 1, 2]) is None
    assert early_warning.signals_for(org.people.member, now=NOW) == []


def test_the_rising_rule():
    assert early_warning.rising_since([5, 5, 5, 5, 1, 2, 3, 4]) == 4
    assert early_warning.rising_since([9, 1, 2, 3, 4, 5, 6, 7]) == 1
    assert early_warning.rising_since([1, 2, 3, 3]) is None
    assert early_warning.rising_since([0, 1, 2]) is None


def test_items_of_restricted_incidents_count_only_for_those_who_may_open_them(org):
    restricted = factories.make_incident(org.payments, NOW - timedelta(days=80), kind="people",
                                         authors=[org.people.author], title="Rota strain")
    for days in [22, 15, 8, 1, 1]:
        factories.add_item_at(restricted, NOW - timedelta(days=70), due_date=NOW.date() - timedelta(days=days))
    assert kinds(early_warning.signals_for(org.people.lead, now=NOW)) == [early_warning.OVERDUE]
    assert early_warning.signals_for(org.people.member, now=NOW) == []


# Themes across technical and people incidents --------------------------------------------

def incidents_with(team, theme, *, technical, people, author, now=NOW):
    for index in range(technical):
        factories.make_incident(team, now - timedelta(days=10 + index), themes=[theme], title=f"Tech {index}")
    for index in range(people):
        factories.make_incident(team, now - timedelta(days=20 + index), kind="people", authors=[author],
                                themes=[theme], title=f"People {index}", status="review")


def test_a_theme_across_technical_and_people_incidents_is_a_signal_for_those_who_see_both(org):
    theme = factories.shared_theme("Unclear ownership")
    incidents_with(org.payments, theme, technical=1, people=3, author=org.people.author)
    (signal,) = early_warning.signals_for(org.people.lead, now=NOW)
    assert signal.kind == early_warning.THEME_ACROSS_KINDS
    assert "“Unclear ownership” came up in both technical and people incidents of Payments" in signal.text
    assert "(4 incidents)" in signal.text
    assert f"theme={theme.pk}" in signal.url and f"team={org.payments.pk}" in signal.url
    assert signal.since == (NOW - timedelta(days=22)).date()


def test_restricted_incidents_are_not_counted_for_a_reader_who_may_not_open_them(org):
    theme = factories.shared_theme("Unclear ownership")
    incidents_with(org.payments, theme, technical=3, people=3, author=org.people.author)
    assert early_warning.signals_for(org.people.member, now=NOW) == []


def test_one_or_two_people_incidents_never_make_the_signal(org):
    theme = factories.shared_theme("Unclear ownership")
    incidents_with(org.payments, theme, technical=4, people=2, author=org.people.author)
    assert early_warning.signals_for(org.people.lead, now=NOW) == []


def test_a_theme_in_one_kind_only_is_no_signal(org):
    theme = factories.shared_theme("Unclear ownership")
    incidents_with(org.payments, theme, technical=5, people=0, author=org.people.author)
    assert early_warning.signals_for(org.people.lead, now=NOW) == []


# Every kind at once -----------------------------------------------------------------------

@pytest.fixture
def every_kind(org):
    pulse_history(org.payments, STEADY + [3.0, 3.0])
    alert_fatigue = factories.shared_theme("Alert fatigue")
    for days_ago in (2, 5, 9):
        near_miss(org.payments, alert_fatigue, days_ago)
    overdue_items(org.payments, [22, 15, 8, 1, 1])
    incidents_with(org.payments, factories.shared_theme("Unclear ownership"), technical=1, people=3,
                   author=org.people.author)
    return org


def test_signals_never_name_a_person(every_kind):
    signals = early_warning.signals_for(every_kind.people.lead, now=NOW)
    assert set(kinds(signals)) == set(early_warning.KIND_ORDER)
    words = " ".join(f"{signal.text} {signal.url}" for signal in signals)
    for person in get_user_model().objects.all():
        for name in (person.username, person.first_name, person.last_name):
            assert not name or not re.search(rf"\b{re.escape(name)}\b", words, re.I), name
    assert all(set(vars(signal)) == {"kind", "team", "text", "since", "url", "subject"} for signal in signals)


def test_signals_come_ordered_by_kind_within_a_team(every_kind):
    signals = early_warning.signals_for(every_kind.people.lead, now=NOW)
    order = [early_warning.KIND_ORDER.index(signal.kind) for signal in signals]
    assert order == sorted(order)


def test_the_query_count_does_not_grow_with_statements_periods_or_rows(org):
    def count():
        with CaptureQueriesContext(connection) as context:
            early_warning.signals_for(org.people.lead, now=NOW)
        return len(context.captured_queries)

    pulse_history(org.payments, STEADY + [3.0, 3.0])
    theme = factories.shared_theme("Alert fatigue")
    for days_ago in (2, 5, 9):
        near_miss(org.payments, theme, days_ago)
    count()  # the first call also reads the lead's teams, then kept on the user for the request
    small = count()
    pulse_history(org.search, STEADY)  # another team, which the lead is not in
    for days_ago in (3, 4, 6, 7):
        near_miss(org.payments, theme, days_ago)
    overdue_items(org.payments, [22, 15, 8, 1, 1, 1, 1])
    assert count() == small <= 12


# The digest -------------------------------------------------------------------------------

def test_new_signals_for_a_lead_are_those_that_did_not_hold_at_the_last_digest(org):
    pulse_history(org.payments, STEADY + [3.0, 3.0])
    theme = factories.shared_theme("Unclear ownership")
    incidents_with(org.payments, theme, technical=1, people=3, author=org.people.author)
    # A week ago only one low period had closed; the incidents were already there.
    found = early_warning.new_signals_for_lead(org.people.lead, since=NOW - timedelta(days=7), now=NOW)
    assert kinds(found) == [early_warning.PULSE] * 5


def test_a_signal_that_already_held_is_not_new(org):
    pulse_history(org.payments, STEADY + [3.0, 3.0, 3.0])
    assert early_warning.new_signals_for_lead(org.people.lead, since=NOW - timedelta(days=7), now=NOW) == []


def test_members_who_lead_no_team_get_no_digest_signals(org):
    pulse_history(org.payments, STEADY + [3.0, 3.0])
    assert early_warning.new_signals_for_lead(org.people.member, since=NOW - timedelta(days=7), now=NOW) == []


def test_a_lead_gets_digest_signals_only_for_the_teams_they_lead(org):
    factories.add_member(org.search, org.people.lead, Membership.Role.MEMBER)
    pulse_history(org.search, STEADY + [3.0, 3.0])
    assert early_warning.new_signals_for_lead(org.people.lead, since=NOW - timedelta(days=7), now=NOW) == []
    assert kinds(early_warning.signals_for(org.people.lead, now=NOW)) == [early_warning.PULSE] * 5


# The digest partial ----------------------------------------------------------------------

def test_the_email_partial_lists_new_signals_with_absolute_links(org, settings):
    from django.template.loader import render_to_string

    pulse_history(org.payments, STEADY + [3.0, 3.0])
    signals = early_warning.new_signals_for_lead(org.people.lead, since=NOW - timedelta(days=7), now=NOW)
    context = {"signals": signals, "site_url": "https://debrief.example.org"}
    text = render_to_string("emails/partials/signals.txt", context)
    html = render_to_string("emails/partials/signals.html", context)
    assert "SIGNALS IN YOUR TEAMS" in text and "Payments · Pulse · since" in text
    assert f"https://debrief.example.org/pulse/{org.payments.slug}/" in text
    assert f'href="https://debrief.example.org/pulse/{org.payments.slug}/"' in html
    assert "never about a person" in text and "never about a person" in html
    assert render_to_string("emails/partials/signals.txt", {"signals": [], "site_url": "x"}).strip() == ""
    assert render_to_string("emails/partials/signals.html", {"signals": [], "site_url": "x"}).strip() == ""
