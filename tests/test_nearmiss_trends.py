"""Near misses in the trends: per theme and month for one reader, and rising themes for a team's signals."""
from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest

from nearmisses.trends import RISING_MINIMUM, WINDOW_DAYS, near_misses_by_theme, rising_themes
from tests import factories
from tests.test_nearmiss_reports import make_near_miss

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

NOW = datetime(2026, 6, 30, 12, tzinfo=dt_timezone.utc)
TODAY = date(2026, 6, 30)
START, END = date(2026, 1, 1), date(2026, 7, 1)  # END is not included


@pytest.fixture
def capacity(db):
    return factories.shared_theme("Capacity")


def reports(team, theme, count, *, kind="technical", on=date(2026, 3, 10), status="acknowledged"):
    return [make_near_miss(team, kind=kind, status=status, themes=[theme], reported_on=on) for _ in range(count)]


# near_misses_by_theme ------------------------------------------------------------------------

def test_counts_acknowledged_and_promoted_reports_per_theme_and_month(org, capacity):
    drift = factories.make_theme(org.payments, "Runbook drift")
    reports(org.payments, capacity, 2, on=date(2026, 3, 10))
    reports(org.payments, capacity, 1, on=date(2026, 4, 2))
    make_near_miss(org.payments, status="acknowledged", themes=[capacity, drift], reported_on=date(2026, 4, 3))
    result = near_misses_by_theme(org.people.lead, start=START, end=END)
    assert [(theme["name"], theme["count"]) for theme in result["themes"]] == [
        ("Capacity", 4), ("Runbook drift (Payments)", 1)]
    assert result["by_month"][capacity.pk, date(2026, 3, 1)] == {"count": 2, "hidden": False}
    assert result["by_month"][capacity.pk, date(2026, 4, 1)] == {"count": 2, "hidden": False}


def test_new_and_dismissed_reports_do_not_count(org, capacity):
    reports(org.payments, capacity, 1, status="new")
    reports(org.payments, capacity, 1, status="dismissed")
    assert near_misses_by_theme(org.people.lead, start=START, end=END)["themes"] == []


def test_range_includes_start_and_excludes_end(org, capacity):
    reports(org.payments, capacity, 1, on=date(2026, 3, 1))
    reports(org.payments, capacity, 1, on=date(2026, 4, 1))
    (theme,) = near_misses_by_theme(org.people.lead, start=date(2026, 3, 1), end=date(2026, 4, 1))["themes"]
    assert theme["count"] == 1


def test_range_accepts_a_trends_period(org, capacity):
    from postmortems.trends import Period

    reports(org.payments, capacity, 1, on=date(2026, 3, 31))
    period = Period(date(2026, 3, 1), date(2026, 3, 31))
    (theme,) = near_misses_by_theme(org.people.lead, start=period.start, end=period.end)["themes"]
    assert theme["count"] == 1


def test_counts_only_what_the_reader_may_see(org, capacity):
    reports(org.payments, capacity, 2)
    reports(org.payments, capacity, 3, kind="people")
    reports(org.search, capacity, 4)
    member = near_misses_by_theme(org.people.member, start=START, end=END)["themes"]
    lead = near_misses_by_theme(org.people.lead, start=START, end=END)["themes"]
    outsider = near_misses_by_theme(org.people.outsider, start=START, end=END)["themes"]
    assert [(theme["count"], theme["people"]) for theme in member] == [(2, 0)]
    assert [(theme["count"], theme["people"]) for theme in lead] == [(5, 3)]
    assert outsider == []


@pytest.mark.parametrize("people", [1, 2])
def test_a_count_with_one_or_two_people_near_misses_is_withheld(org, capacity, people):
    reports(org.payments, capacity, 5)
    reports(org.payments, capacity, people, kind="people")
    result = near_misses_by_theme(org.people.lead, start=START, end=END)
    assert result["themes"] == [{"theme_id": capacity.pk, "name": "Capacity", "count": None, "people": None,
                                 "hidden": True, "url": None}]
    assert result["by_month"][capacity.pk, date(2026, 3, 1)] == {"count": None, "hidden": True}


def test_from_three_people_near_misses_the_count_is_shown(org, capacity):
    reports(org.payments, capacity, 3, kind="people")
    (theme,) = near_misses_by_theme(org.people.lead, start=START, end=END)["themes"]
    assert (theme["count"], theme["hidden"]) == (3, False)


def test_withheld_themes_sort_last(org, capacity):
    quiet = factories.shared_theme("Quiet")
    reports(org.payments, capacity, 1, kind="people")
    reports(org.payments, capacity, 9)
    reports(org.payments, quiet, 1)
    names = [theme["name"] for theme in near_misses_by_theme(org.people.lead, start=START, end=END)["themes"]]
    assert names == ["Quiet", "Capacity"]


def test_query_count_does_not_grow_with_reports(org, capacity, django_assert_max_num_queries):
    reports(org.payments, capacity, 30)
    with django_assert_max_num_queries(3):
        near_misses_by_theme(org.people.lead, start=START, end=END)


# rising_themes ------------------------------------------------------------------------------------

RECENT = TODAY - timedelta(days=3)
PREVIOUS = TODAY - timedelta(days=WINDOW_DAYS + 3)


def test_theme_with_more_recent_than_previous_near_misses_is_rising(org, capacity):
    reports(org.payments, capacity, RISING_MINIMUM, on=RECENT)
    reports(org.payments, capacity, 1, on=PREVIOUS)
    since = TODAY - timedelta(days=WINDOW_DAYS - 1)
    assert rising_themes(org.payments, now=NOW) == [{
        "theme_id": capacity.pk, "name": "Capacity", "recent": 3, "previous": 1, "hidden": False, "since": since,
        "url": f"/near-misses/?status=counted&theme={capacity.pk}&team={org.payments.pk}&since={since}&until={TODAY}",
    }]


def test_too_few_recent_near_misses_are_not_a_rise(org, capacity):
    reports(org.payments, capacity, RISING_MINIMUM - 1, on=RECENT)
    assert rising_themes(org.payments, now=NOW) == []


def test_as_many_as_before_is_not_a_rise(org, capacity):
    reports(org.payments, capacity, 3, on=RECENT)
    reports(org.payments, capacity, 3, on=PREVIOUS)
    assert rising_themes(org.payments, now=NOW) == []


def test_window_edges(org, capacity):
    first_recent_day = TODAY - timedelta(days=WINDOW_DAYS - 1)
    reports(org.payments, capacity, 3, on=first_recent_day)
    reports(org.payments, capacity, 2, on=first_recent_day - timedelta(days=1))  # previous window
    reports(org.payments, capacity, 5, on=first_recent_day - timedelta(days=WINDOW_DAYS + 1))  # before both
    reports(org.payments, capacity, 5, on=TODAY + timedelta(days=1))  # after now
    (theme,) = rising_themes(org.payments, now=NOW)
    assert (theme["recent"], theme["previous"]) == (3, 2)


def test_only_the_teams_triaged_reports_count(org, capacity):
    reports(org.search, capacity, 5, on=RECENT)
    reports(org.payments, capacity, 5, on=RECENT, status="new")
    reports(org.payments, capacity, 5, on=RECENT, status="dismissed")
    assert rising_themes(org.payments, now=NOW) == []


def test_viewer_counts_only_what_they_may_read(org, capacity):
    reports(org.payments, capacity, 3, kind="people", on=RECENT)
    assert len(rising_themes(org.payments, now=NOW)) == 1
    assert rising_themes(org.payments, now=NOW, viewer=org.people.member) == []
    assert len(rising_themes(org.payments, now=NOW, viewer=org.people.lead)) == 1


def test_rise_with_one_or_two_people_near_misses_is_withheld_or_left_out(org, capacity):
    drift = factories.shared_theme("Drift")
    reports(org.payments, capacity, 3, on=RECENT)
    reports(org.payments, capacity, 1, kind="people", on=RECENT)
    reports(org.payments, drift, 2, on=RECENT)
    reports(org.payments, drift, 1, kind="people", on=RECENT)  # rising only because of the people report
    assert rising_themes(org.payments, now=NOW) == [{
        "theme_id": capacity.pk, "name": "Capacity", "recent": None, "previous": None, "hidden": True,
        "since": TODAY - timedelta(days=WINDOW_DAYS - 1), "url": None,
    }]


def test_biggest_rise_first(org, capacity):
    drift = factories.shared_theme("Drift")
    reports(org.payments, capacity, 3, on=RECENT)
    reports(org.payments, drift, 6, on=RECENT)
    assert [theme["name"] for theme in rising_themes(org.payments, now=NOW)] == ["Drift", "Capacity"]


def test_each_theme_links_to_the_reports_behind_its_count(login, org, capacity):
    reports(org.payments, capacity, 2, on=date(2026, 3, 10))
    reports(org.payments, capacity, 1, on=date(2026, 3, 10), status="dismissed")
    reports(org.payments, capacity, 1, on=END)  # the end is not included
    (theme,) = near_misses_by_theme(org.people.lead, start=START, end=END)["themes"]
    assert theme["url"] == f"/near-misses/?status=counted&theme={capacity.pk}&since=2026-01-01&until=2026-06-30"
    response = login(org.people.lead).get(theme["url"])
    assert response.status_code == 200 and response.context["page"].paginator.count == theme["count"] == 2
