"""The trends aggregates against small hand-computed fixtures (spring 2025, UTC)."""
from datetime import UTC, date, datetime, timedelta

import pytest

from postmortems import trends
from postmortems.models import ActionItem, PostMortem
from tests import factories

SPRING = trends.Period(date(2025, 3, 1), date(2025, 5, 31))
MARCH, APRIL, MAY = date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)


@pytest.fixture(autouse=True)
def quick(fast_passwords):
    """Cheap password hashing: the org fixture makes six people per test."""


def at(month, day, hour=12, year=2025):
    return datetime(year, month, day, hour, tzinfo=UTC)


def visible(user):
    return PostMortem.objects.visible_to(user)


@pytest.fixture
def themes(db):
    return {name: factories.shared_theme(name) for name in ["Capacity", "Unclear ownership", "Alert fatigue"]}


# Periods -----------------------------------------------------------------------------------

def test_last_days_ends_today_and_counts_today():
    period = trends.Period.last(30, date(2025, 4, 30))
    assert (period.first_day, period.last_day, period.length) == (date(2025, 4, 1), date(2025, 4, 30), 30)


def test_previous_period_has_the_same_length_just_before():
    assert SPRING.previous() == trends.Period(date(2024, 11, 29), date(2025, 2, 28))


def test_months_and_the_days_each_month_covers_are_clipped_to_the_period():
    period = trends.Period(date(2025, 1, 20), date(2025, 3, 10))
    assert period.months() == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert period.days_of(date(2025, 1, 1)) == (date(2025, 1, 20), date(2025, 1, 31))
    assert period.days_of(date(2025, 2, 1)) == (date(2025, 2, 1), date(2025, 2, 28))
    assert period.days_of(date(2025, 3, 1)) == (date(2025, 3, 1), date(2025, 3, 10))


# Incidents per month ------------------------------------------------------------------------

@pytest.fixture
def spring(org, themes):
    """March: two technical (SEV2, SEV3); April: one people SEV1 on Payments (lead sees it); Feb: one outside."""
    p = org.people
    return {
        "march_1": factories.make_incident(org.payments, at(3, 3), severity=2, themes=[themes["Capacity"]]),
        "march_2": factories.make_incident(org.search, at(3, 20), severity=3,
                                           themes=[themes["Capacity"], themes["Alert fatigue"]]),
        "april_people": factories.make_incident(org.payments, at(4, 9), kind="people", severity=1,
                                                authors=[p.author], themes=[themes["Unclear ownership"]]),
        "february": factories.make_incident(org.payments, at(2, 27), themes=[themes["Capacity"]]),
    }


def test_incidents_per_month_by_kind_and_severity(org, spring):
    months = trends.incidents_by_month(visible(org.people.lead), SPRING)
    assert [row["month"] for row in months] == [MARCH, APRIL, MAY]
    assert [row["total"] for row in months] == [2, 1, 0]
    assert months[0]["kinds"] == {"technical": 2, "people": 0}
    assert months[0]["severities"] == {1: 0, 2: 1, 3: 1, 4: 0}
    assert months[1]["kinds"] == {"technical": 0, "people": 1}
    assert months[1]["severities"][1] == 1


def test_a_member_who_cannot_see_a_people_incident_gets_counts_without_it(org, spring):
    months = trends.incidents_by_month(visible(org.people.member), SPRING)
    assert [row["total"] for row in months] == [2, 0, 0]
    assert months[1]["kinds"]["people"] == 0


def test_a_period_without_incidents_has_zero_months(org, spring):
    empty = trends.Period(date(2024, 1, 1), date(2024, 2, 29))
    months = trends.incidents_by_month(visible(org.people.lead), empty)
    assert [(row["month"], row["total"]) for row in months] == [(date(2024, 1, 1), 0), (date(2024, 2, 1), 0)]


def test_incident_month_falls_back_to_detection_then_creation(org):
    postmortem = factories.make_postmortem(org.payments, status="published", created_at=at(4, 2))
    months = trends.incidents_by_month(visible(org.people.member), SPRING)
    assert postmortem.started_at is None
    assert [row["total"] for row in months] == [0, 1, 0]


def test_incident_month_follows_the_current_time_zone(org, settings):
    from django.utils import timezone
    factories.make_incident(org.payments, datetime(2025, 3, 31, 23, 30, tzinfo=UTC))
    assert [row["total"] for row in trends.incidents_by_month(visible(org.people.member), SPRING)] == [1, 0, 0]
    with timezone.override("Europe/Berlin"):  # 01:30 on 1 April there
        assert [row["total"] for row in trends.incidents_by_month(visible(org.people.member), SPRING)] == [0, 1, 0]


# Themes --------------------------------------------------------------------------------------

def test_themes_by_month_counts_incidents_not_factors(org, spring, themes):
    factories.add_factor(spring["march_1"], theme=themes["Capacity"], description="A second capacity factor")
    cells = trends.themes_by_month(visible(org.people.member), SPRING)
    assert cells[(themes["Capacity"].pk, MARCH)] == {"count": 2, "hidden": False}
    assert cells[(themes["Alert fatigue"].pk, MARCH)] == {"count": 1, "hidden": False}
    assert (themes["Unclear ownership"].pk, APRIL) not in cells  # the member cannot see it


def test_theme_totals_compare_with_the_previous_period(org, spring, themes):
    totals = {theme["name"]: theme for theme in trends.theme_totals(visible(org.people.member), SPRING)}
    assert totals["Capacity"]["count"] == 2
    assert totals["Capacity"]["previous"] == 1  # the February incident
    assert totals["Capacity"]["change"] == 1
    assert totals["Alert fatigue"]["change"] == 1
    assert list(totals) == ["Capacity", "Alert fatigue"]


def test_a_theme_count_with_one_or_two_restricted_incidents_is_hidden(org, spring, themes):
    """The lead sees the April people incident; its theme count of 1 would point at it."""
    lead_view = visible(org.people.lead)
    cells = trends.themes_by_month(lead_view, SPRING)
    assert cells[(themes["Unclear ownership"].pk, APRIL)] == {"count": None, "hidden": True}
    totals = {theme["name"]: theme for theme in trends.theme_totals(lead_view, SPRING)}
    assert totals["Unclear ownership"]["count"] is None
    assert totals["Unclear ownership"]["change"] is None
    assert list(totals)[-1] == "Unclear ownership"  # hidden counts sort last


def test_a_theme_count_with_three_restricted_incidents_is_shown(org, spring, themes):
    for day in (10, 11):
        factories.make_incident(org.payments, at(4, day), kind="people", authors=[org.people.author],
                                themes=[themes["Unclear ownership"]])
    cells = trends.themes_by_month(visible(org.people.lead), SPRING)
    assert cells[(themes["Unclear ownership"].pk, APRIL)] == {"count": 3, "hidden": False}


def test_a_technical_count_next_to_two_restricted_ones_is_hidden_too(org, spring, themes):
    factories.make_incident(org.payments, at(4, 12), kind="people", authors=[org.people.author],
                            themes=[themes["Capacity"]])
    totals = {theme["name"]: theme for theme in trends.theme_totals(visible(org.people.lead), SPRING)}
    assert totals["Capacity"]["hidden"] is True  # 2 technical + 1 people: the difference would be the person
    member_totals = {theme["name"]: theme for theme in trends.theme_totals(visible(org.people.member), SPRING)}
    assert member_totals["Capacity"]["count"] == 2  # the member never counted it


# Repeat themes -------------------------------------------------------------------------------

def test_repeat_themes_are_themes_in_three_incidents_across_kinds(org, spring, themes):
    for day in (14, 15):
        factories.make_incident(org.payments, at(4, day), kind="people", authors=[org.people.author],
                                themes=[themes["Capacity"]])
    factories.make_incident(org.payments, at(4, 16), kind="people", authors=[org.people.author],
                            themes=[themes["Capacity"]])
    repeats = trends.repeat_themes(visible(org.people.lead), SPRING)
    assert [theme["name"] for theme in repeats] == ["Capacity"]
    capacity = repeats[0]
    assert capacity["count"] == 5
    assert capacity["kinds"] == ["people", "technical"]
    assert len(capacity["incidents"]) == 5
    assert capacity["incidents"][0]["incident_on"] == date(2025, 4, 16)  # newest first


def test_a_theme_in_two_incidents_is_not_a_repeat(org, spring):
    assert trends.repeat_themes(visible(org.people.member), SPRING) == []


def test_a_repeat_theme_keeps_its_restricted_incidents_out_when_fewer_than_three(org, spring, themes):
    factories.make_incident(org.search, at(5, 2), themes=[themes["Capacity"]])
    factories.make_incident(org.payments, at(5, 3), kind="people", authors=[org.people.author],
                            themes=[themes["Capacity"]])
    [capacity] = trends.repeat_themes(visible(org.people.lead), SPRING)
    assert capacity["hidden"] is True and capacity["count"] is None
    assert [item["kind"] for item in capacity["incidents"]] == ["technical"] * 3


def test_a_theme_that_repeats_only_through_withheld_incidents_is_left_out(org, spring, themes):
    factories.make_incident(org.payments, at(5, 3), kind="people", authors=[org.people.author],
                            themes=[themes["Capacity"]])
    assert trends.repeat_themes(visible(org.people.lead), SPRING) == []


def test_a_repeat_theme_lists_its_newest_incidents_and_counts_them_all(org, spring, themes):
    newest = [factories.make_incident(org.search, at(5, day), themes=[themes["Capacity"]]) for day in range(1, 8)]
    factories.add_factor(newest[-1], theme=themes["Capacity"], description="Twice in one incident")
    [capacity] = trends.repeat_themes(visible(org.people.member), SPRING)
    assert capacity["count"] == capacity["listed_count"] == 9  # two in March, seven in May, each once
    assert [item["pk"] for item in capacity["incidents"]] == [p.pk for p in reversed(newest)][:trends.REPEAT_NEWEST]


def test_the_newest_incidents_of_a_repeat_theme_may_span_several_months(org, spring, themes):
    may = [factories.make_incident(org.search, at(5, day), themes=[themes["Capacity"]]) for day in (3, 9)]
    april = [factories.make_incident(org.search, at(4, day), themes=[themes["Capacity"]]) for day in (2, 20)]
    [capacity] = trends.repeat_themes(visible(org.people.member), SPRING)
    expected = [*reversed(may), *reversed(april), spring["march_2"], spring["march_1"]]
    assert [item["pk"] for item in capacity["incidents"]] == [p.pk for p in expected][:trends.REPEAT_NEWEST]


def test_a_hidden_repeat_theme_lists_and_counts_only_its_technical_incidents(org, spring, themes):
    for day in (2, 3):
        factories.make_incident(org.search, at(5, day), themes=[themes["Capacity"]])
    factories.make_incident(org.payments, at(5, 4), kind="people", authors=[org.people.author],
                            themes=[themes["Capacity"]])
    [capacity] = trends.repeat_themes(visible(org.people.lead), SPRING)
    assert capacity["hidden"] is True and capacity["listed_count"] == 4
    assert capacity["kinds"] == ["technical"]
    assert {item["kind"] for item in capacity["incidents"]} == {"technical"}


def test_one_query_counts_every_theme_figure(org, spring, themes, django_assert_num_queries):
    lead_view = visible(org.people.lead)
    with django_assert_num_queries(2):  # the counts, then the names of the themes counted
        counts = trends.theme_counts(lead_view, SPRING)
    with django_assert_num_queries(0):
        trends.themes_by_month(lead_view, SPRING, counts=counts)
        trends.theme_totals(lead_view, SPRING, counts=counts)


# Percentiles -----------------------------------------------------------------------------------

def test_publish_delays_interpolate_like_percentile_cont(org):
    for day, delay in [(3, 1), (10, 2), (17, 3), (24, 4)]:
        factories.make_incident(org.payments, at(3, day), published_after=timedelta(days=delay))
    factories.make_incident(org.payments, at(4, 3), published_after=timedelta(days=6))
    factories.make_incident(org.payments, at(4, 5), status="review")
    rows = trends.publish_delays(visible(org.people.member), SPRING)
    # March: 1, 2, 3, 4 days -> median 2.5; 90th: position 0.9 * 3 = 2.7 -> 3 + 0.7 * (4 - 3) = 3.7
    assert rows[0] == {"month": MARCH, "count": 4, "median_days": 2.5, "p90_days": 3.7}
    assert rows[1] == {"month": APRIL, "count": 1, "median_days": 6.0, "p90_days": 6.0}
    assert rows[2] == {"month": MAY, "count": 0, "median_days": None, "p90_days": None}


def test_percentiles_of_an_odd_count_pick_the_middle(org):
    for day, delay in [(3, 5), (4, 1), (5, 9)]:
        factories.make_incident(org.payments, at(3, day), published_after=timedelta(days=delay))
    [march, *_] = trends.publish_delays(visible(org.people.member), SPRING)
    assert march["median_days"] == 5.0
    assert march["p90_days"] == 8.2  # position 1.8: 5 + 0.8 * (9 - 5)


def test_percentiles_over_all_months_come_from_the_same_query(org, django_assert_num_queries):
    for day, delay in [(3, 5), (4, 1), (5, 9)]:
        factories.make_incident(org.payments, at(3, day), published_after=timedelta(days=delay))
    factories.make_incident(org.payments, at(4, 2), published_after=timedelta(days=2))
    measured = trends.incidents_in(visible(org.people.member), SPRING)
    delays = trends.ExpressionWrapper(trends.F("published_at") - trends.F("resolved_at"),
                                      output_field=trends.DurationField())
    with django_assert_num_queries(1):
        found = trends.percentiles_by_month(measured, month=trends.month_of("incident_on"), value=delays,
                                            overall=True)
    assert found[MARCH]["n"] == 3 and found[MARCH][0.5] == timedelta(days=5)
    assert found[APRIL]["n"] == 1 and found[APRIL][0.5] == timedelta(days=2)
    # All four: 1, 2, 5, 9 days -> median 3.5; 90th: position 2.7 -> 5 + 0.7 * (9 - 5) = 7.8
    assert found[None]["n"] == 4
    assert found[None][0.5] == timedelta(days=3.5) and found[None][0.9] == timedelta(days=7.8)


# Follow-through ------------------------------------------------------------------------------------

@pytest.fixture
def items(org):
    pm = factories.make_incident(org.payments, at(3, 1, 9))
    done = ActionItem.Status.DONE
    return [
        factories.add_item_at(pm, at(3, 2), closed_at=at(3, 6), status=done),           # 4 days
        factories.add_item_at(pm, at(3, 5), closed_at=at(4, 4), status=done),           # 30 days
        factories.add_item_at(pm, at(3, 10), due_date=date(2025, 3, 20)),                # overdue from 20 Mar
        factories.add_item_at(pm, at(4, 1), closed_at=at(4, 3), status=ActionItem.Status.WONT_DO),
        factories.add_item_at(pm, at(4, 2), due_date=date(2025, 4, 10), closed_at=at(5, 2), status=done),
    ]


def test_follow_through_per_month(org, items):
    found = trends.follow_through(ActionItem.objects.all(), SPRING, now=at(5, 20))
    march, april, may = found["months"]
    assert (march["created"], march["created_done"], march["done"]) == (3, 2, 1)
    assert march["completion"] == pytest.approx(2 / 3)
    assert march["median_days_to_done"] == 4.0
    assert (april["created"], april["created_done"], april["done"]) == (2, 1, 1)
    assert april["median_days_to_done"] == 30.0
    assert (may["created"], may["done"], may["median_days_to_done"]) == (0, 1, 30.0)
    # Overdue at the end of March: the item due 20 March. End of April: that one and the one due
    # 10 April (closed only in May). On 20 May ("now"): only the first.
    assert [row["overdue"] for row in found["months"]] == [1, 2, 1]
    assert found["created"] == 5 and found["done"] == 3
    assert found["completion"] == pytest.approx(3 / 5)
    assert found["median_days_to_done"] == 30.0  # 4, 30, 30
    assert found["overdue_now"] == 1


def test_follow_through_of_an_empty_period(org, items):
    found = trends.follow_through(ActionItem.objects.all(), trends.Period(date(2024, 1, 1), date(2024, 1, 31)),
                                  now=at(5, 20))
    assert found["months"] == [{"month": date(2024, 1, 1), "created": 0, "created_done": 0, "completion": None,
                                "done": 0, "median_days_to_done": None, "overdue": 0}]
    assert found["completion"] is None and found["median_days_to_done"] is None


# Blame language ------------------------------------------------------------------------------------

def test_blame_rate_is_findings_per_thousand_words_by_category(org):
    factories.make_incident(org.payments, at(3, 3), word_count=500,
                            blame_counts={"individual_blame": 2, "hindsight": 1})
    factories.make_incident(org.payments, at(3, 9), word_count=1500, blame_counts={"individual_blame": 1})
    factories.make_incident(org.payments, at(3, 12), status="draft", word_count=100,
                            blame_counts={"individual_blame": 9})
    rows = trends.blame_rates(visible(org.people.member), SPRING)
    march = rows[0]
    assert (march["published"], march["words"]) == (2, 2000)
    assert march["rates"]["individual_blame"] == 1.5
    assert march["rates"]["hindsight"] == 0.5
    assert march["rates"]["counterfactual"] == 0
    assert march["total"] == 2.0
    assert rows[1]["total"] is None and rows[1]["rates"]["hindsight"] is None


def test_blame_rate_leaves_out_people_incidents_the_reader_cannot_see(org):
    factories.make_incident(org.payments, at(3, 3), word_count=1000, blame_counts={"hindsight": 1})
    factories.make_incident(org.payments, at(3, 4), kind="people", authors=[org.people.author], word_count=1000,
                            blame_counts={"hindsight": 9})
    assert trends.blame_rates(visible(org.people.member), SPRING)[0]["total"] == 1.0
    assert trends.blame_rates(visible(org.people.lead), SPRING)[0]["total"] == 5.0


# Highlights for the digest -------------------------------------------------------------------------

def test_highlights_name_a_repeat_theme_and_a_follow_through_change(org, themes):
    now = at(5, 20)
    for day in (1, 5, 9):
        pm = factories.make_incident(org.payments, at(5, day), themes=[themes["Capacity"]])
    factories.add_item_at(pm, at(5, 9), closed_at=at(5, 12))
    factories.add_item_at(pm, at(4, 1), closed_at=at(4, 2))  # more than 30 days before now: the earlier window
    found = trends.highlights(org.people.member, now)
    keys = [item["key"] for item in found]
    assert keys[:2] == ["repeat_theme", "follow_through"]
    assert "Capacity" in found[0]["text"] and "3 incidents" in found[0]["text"]
    assert f"theme={themes['Capacity'].pk}" in found[0]["url"]
    assert found[1]["text"].startswith("1 action item done in the last 30 days, the same as 1 ")
    assert 2 <= len(found) <= 3


def test_highlights_of_a_quiet_organisation_are_empty(org):
    assert trends.highlights(org.people.member, at(5, 20)) == []


def test_follow_through_highlight_counts_only_items_of_incidents_the_reader_may_see(org):
    now = at(5, 20)
    technical = factories.make_incident(org.payments, at(5, 1))
    restricted = factories.make_incident(org.payments, at(5, 2), kind="people", authors=[org.people.author])
    factories.add_item_at(technical, at(5, 3), closed_at=at(5, 10))
    for day in (4, 5, 6):
        factories.add_item_at(restricted, at(5, 3), closed_at=at(5, day))

    def follow_through(person):
        return next(item["text"] for item in trends.highlights(person, now) if item["key"] == "follow_through")

    assert follow_through(org.people.member).startswith("1 action item done in the last 30 days")
    assert follow_through(org.people.lead).startswith("4 action items done in the last 30 days")
