"""The trends' database queries against a plain-Python count of the same incidents.

The theme and follow-through figures are computed with as few queries as possible (one
GROUP BY for every theme figure, one ranking query for monthly and overall medians,
one query for the items created per month). This file rebuilds every one of those
figures the slow, obvious way: it asks `permissions.can_view` which incidents a reader
may open, walks them in Python and counts. Mixed data (two teams, both kinds, every
status, restricted incidents only some readers may open, repeated factors, team
themes, month-edge times) is compared for every kind of reader, several periods,
filters and time zones.
"""
import random
import statistics
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from postmortems import permissions, trends
from postmortems.models import ActionItem, ContributingFactor, PostMortem
from tests import factories

TODAY = date(2025, 6, 14)
NOW = datetime(2025, 6, 14, 15, 0, tzinfo=UTC)
PERIODS = [
    trends.Period.last(30, TODAY), trends.Period.last(90, TODAY), trends.Period.last(365, TODAY),
    trends.Period(date(2024, 11, 17), date(2025, 3, 3)),
]
ZONES = ["UTC", "Asia/Kolkata", "America/Los_Angeles"]
READERS = ["lead", "member", "author", "viewer", "other_team", "outsider"]


@pytest.fixture(autouse=True)
def quick(fast_passwords):
    """Cheap password hashing: the org fixture makes six people per test."""


# The data ----------------------------------------------------------------------------------

@pytest.fixture
def history(org):
    """About 150 incidents over 16 months with factors and action items, from a fixed seed."""
    rng = random.Random(10)
    themes = [factories.shared_theme(name) for name in ("Capacity", "Alert fatigue", "Unclear ownership")]
    themes.append(factories.make_theme(org.payments, "Runbook drift"))
    people = org.people
    for n in range(150):
        team = rng.choice([org.payments, org.search])
        kind = "people" if rng.random() < 0.35 else "technical"
        started = _incident_time(rng)
        chosen = rng.sample(themes, rng.randint(0, 2))
        postmortem = PostMortem.objects.create(
            team=team, kind=kind, status=rng.choice(["draft", "review", "published", "published"]),
            severity=rng.randint(1, 4), title=f"Incident {n}", started_at=started, detected_at=started,
            created_at=started + timedelta(hours=rng.randint(1, 30)),
        )
        if rng.random() < 0.4:
            postmortem.authors.add(people.author)
        if kind == "people" and rng.random() < 0.3:
            postmortem.viewers.add(people.viewer)
        if chosen and rng.random() < 0.2:  # the same theme twice in one incident counts once
            chosen.append(chosen[0])
        ContributingFactor.objects.bulk_create(
            [ContributingFactor(postmortem=postmortem, theme=theme, description="It mattered") for theme in chosen]
        )
        if rng.random() < 0.1:  # no start or detection time: the incident dates from its write-up
            PostMortem.objects.filter(pk=postmortem.pk).update(started_at=None, detected_at=None)
        for _ in range(rng.randint(0, 3)):
            _add_item(rng, postmortem, started)


def _incident_time(rng):
    """A time in Feb 2024–Jun 2025, often within hours of a month's edge (where time zones matter)."""
    day = date(2024, 2, 1) + timedelta(days=rng.randint(0, 498))
    if rng.random() < 0.3:
        day = day.replace(day=1)
        return datetime.combine(day, time(rng.choice([0, 2, 4, 22])), tzinfo=UTC) - timedelta(hours=3)
    return datetime.combine(day, time(rng.randint(0, 23), rng.randint(0, 59)), tzinfo=UTC)


def _add_item(rng, postmortem, started):
    created = started + timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
    status = rng.choice(["open", "in_progress", "done", "done", "wont_do"])
    closed = created + timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23)) if status in (
        "done", "wont_do") else None
    due = (created + timedelta(days=rng.randint(-5, 45))).date() if rng.random() < 0.9 else None
    item = factories.add_item_at(postmortem, created, closed_at=closed, status=status, due_date=due)
    ActionItem.objects.filter(pk=item.pk).update(wording_issues=rng.choice([None, "", "", "vague", "vigilance"]))


def reader_view(user, teams=(), kind=""):
    """What the dashboard counts for this reader: its queryset, as the view builds it."""
    postmortems = PostMortem.objects.visible_to(user)
    if teams:
        postmortems = postmortems.filter(team__in=teams)
    if kind:
        postmortems = postmortems.filter(kind=kind)
    return postmortems, ActionItem.objects.filter(postmortem__in=postmortems.values("pk"))


def readable(user, teams=(), kind=""):
    """The same incidents found the slow way: every post-mortem the reader may open, one by one."""
    return [
        postmortem for postmortem in PostMortem.objects.prefetch_related("factors__theme__team", "action_items")
        if permissions.can_view(user, postmortem)
        and (not teams or postmortem.team in teams) and (not kind or postmortem.kind == kind)
    ]


# The figures, counted in Python ------------------------------------------------------------

def local_month(moment):
    return timezone.localtime(moment).date().replace(day=1)


def in_period(moment, period):
    return period.start <= moment < period.end


def theme_label(theme):
    return f"{theme.name} ({theme.team.name})" if theme.team_id else theme.name


def themes_of(postmortem):
    return {factor.theme for factor in postmortem.factors.all()}


def expected_themes_by_month(postmortems, period):
    cells = {}
    for postmortem in postmortems:
        if in_period(postmortem.incident_date, period):
            for theme in themes_of(postmortem):
                cell = cells.setdefault((theme.pk, local_month(postmortem.incident_date)), [0, 0])
                cell[0] += 1
                cell[1] += postmortem.kind == "people"
    return {key: {"count": None if trends.is_hidden(people) else count, "hidden": trends.is_hidden(people)}
            for key, (count, people) in cells.items()}


def expected_theme_totals(postmortems, period):
    previous = period.previous()
    both = trends.Period(previous.first_day, period.last_day)
    sums = {}
    for postmortem in postmortems:
        if not in_period(postmortem.incident_date, both):
            continue
        when = "now" if postmortem.incident_date >= period.start else "before"
        for theme in themes_of(postmortem):
            entry = sums.setdefault(theme, {"now": [0, 0], "before": [0, 0]})
            entry[when][0] += 1
            entry[when][1] += postmortem.kind == "people"
    themes = []
    for theme, entry in sums.items():
        (count, people), (previous_count, previous_people) = entry["now"], entry["before"]
        if not count:
            continue
        hidden, previous_hidden = trends.is_hidden(people), trends.is_hidden(previous_people)
        themes.append({
            "theme_id": theme.pk, "name": theme_label(theme), "count": None if hidden else count,
            "previous": None if previous_hidden else previous_count,
            "change": None if hidden or previous_hidden else count - previous_count, "hidden": hidden,
        })
    themes.sort(key=lambda theme: (theme["hidden"], -(theme["count"] or 0), theme["name"]))
    return themes


def expected_repeat_themes(postmortems, period):
    """Every listed incident of every repeat theme (the page shows the newest six)."""
    by_theme = {}
    for postmortem in postmortems:
        if in_period(postmortem.incident_date, period):
            for theme in themes_of(postmortem):
                by_theme.setdefault(theme, []).append(postmortem)
    themes = []
    for theme, incidents in by_theme.items():
        if len(incidents) < trends.REPEAT_MINIMUM:
            continue
        hidden = trends.is_hidden(sum(postmortem.kind == "people" for postmortem in incidents))
        listed = sorted((p for p in incidents if not (hidden and p.kind == "people")),
                        key=lambda p: (-p.incident_date.timestamp(), p.pk))
        if len(listed) < trends.REPEAT_MINIMUM:
            continue
        themes.append({
            "theme_id": theme.pk, "name": theme_label(theme), "count": None if hidden else len(incidents),
            "hidden": hidden, "kinds": sorted({p.kind for p in listed}), "listed_count": len(listed),
            "incidents": [{"pk": p.pk, "title": p.title, "kind": p.kind,
                           "incident_on": timezone.localtime(p.incident_date).date()} for p in listed],
        })
    themes.sort(key=lambda theme: (-len(theme["kinds"]), -theme["listed_count"], theme["name"]))
    return themes


def days(durations):
    return None if not durations else round(statistics.median(durations).total_seconds() / 86400, 1)


def expected_follow_through(postmortems, period, now):
    items = [item for postmortem in postmortems for item in postmortem.action_items.all()]
    created = [item for item in items if in_period(item.created_at, period)]
    done = [item for item in items if item.status == "done" and item.closed_at and in_period(item.closed_at, period)]
    rows = []
    for month in period.months():
        made = [item for item in created if local_month(item.created_at) == month]
        made_done = sum(item.status == "done" for item in made)
        finished = [item for item in done if local_month(item.closed_at) == month]
        rows.append({
            "month": month, "created": len(made), "created_done": made_done,
            "completion": made_done / len(made) if made else None, "done": len(finished),
            "median_days_to_done": days([item.closed_at - item.created_at for item in finished]),
            "overdue": sum(overdue_at(item, month, period, now) for item in items),
        })
    total_done = sum(row["created_done"] for row in rows)
    return {
        "months": rows, "created": len(created), "done": len(done),
        "completion": total_done / len(created) if created else None,
        "median_days_to_done": days([item.closed_at - item.created_at for item in done]),
        "overdue_now": rows[-1]["overdue"],
    }


def overdue_at(item, month, period, now):
    next_month = (month + timedelta(days=32)).replace(day=1)
    moment = min(timezone.make_aware(datetime.combine(next_month, time.min)), period.end, now)
    still_open = item.closed_at is None and item.status in ("open", "in_progress") or (
        item.closed_at is not None and item.closed_at >= moment)
    return (item.created_at < moment and item.due_date is not None
            and item.due_date < timezone.localtime(moment).date() and still_open)


def expected_action_item_quality(postmortems, period):
    items = [item for postmortem in postmortems for item in postmortem.action_items.all()
             if item.wording_issues is not None and in_period(item.created_at, period)]
    rows = []
    for month in period.months():
        checked = [item for item in items if local_month(item.created_at) == month]
        passed = sum(item.wording_issues == "" for item in checked)
        rows.append({"month": month, "checked": len(checked), "passed": passed,
                     "share": passed / len(checked) if checked else None})
    return rows


# The comparisons ---------------------------------------------------------------------------

def assert_same_figures(user, teams=(), kind=""):
    postmortems, items = reader_view(user, teams, kind)
    slow = readable(user, teams, kind)
    for period in PERIODS:
        assert_same_figures_in(period, postmortems, items, slow)


def assert_same_figures_in(period, postmortems, items, slow):
    counts = trends.theme_counts(postmortems, period)
    assert trends.themes_by_month(postmortems, period, counts=counts) == expected_themes_by_month(slow, period)
    assert trends.theme_totals(postmortems, period, counts=counts) == expected_theme_totals(slow, period)
    expected = expected_repeat_themes(slow, period)
    for theme in expected:
        theme["incidents"] = theme["incidents"][:trends.REPEAT_NEWEST]
    assert trends.repeat_themes(postmortems, period, counts=counts) == expected
    created = trends.items_created_by_month(items, period)
    assert trends.follow_through(items, period, NOW, created=created) == expected_follow_through(slow, period, NOW)
    assert trends.action_item_quality(items, period, created=created) == expected_action_item_quality(slow, period)


@pytest.mark.parametrize("zone", ZONES)
def test_every_reader_gets_the_figures_of_exactly_the_incidents_they_may_open(org, history, zone):
    with timezone.override(zone):
        for reader in READERS:
            assert_same_figures(getattr(org.people, reader))


def test_team_and_kind_filters_keep_the_figures_exact(org, history):
    with timezone.override("Asia/Kolkata"):
        for teams, kind in [([org.payments], ""), ([org.payments, org.search], "people"), ([], "technical")]:
            assert_same_figures(org.people.lead, teams, kind)


def test_the_theme_functions_give_the_same_figures_without_shared_counts(org, history):
    postmortems, _ = reader_view(org.people.lead)
    period = PERIODS[2]
    counts = trends.theme_counts(postmortems, period)
    assert trends.themes_by_month(postmortems, period) == trends.themes_by_month(postmortems, period, counts=counts)
    assert trends.theme_totals(postmortems, period) == trends.theme_totals(postmortems, period, counts=counts)
    assert trends.repeat_themes(postmortems, period) == trends.repeat_themes(postmortems, period, counts=counts)


def test_the_data_covers_hidden_shown_and_long_repeat_themes(org, history):
    """The comparisons above only prove something if the data reaches each rule."""
    slow = readable(org.people.lead)
    cells = expected_themes_by_month(slow, PERIODS[2]).values()
    repeats = expected_repeat_themes(slow, PERIODS[2])
    assert any(cell["hidden"] for cell in cells)
    assert any(theme["listed_count"] > trends.REPEAT_NEWEST for theme in repeats)
    assert any(theme["kinds"] == ["people", "technical"] for theme in repeats)
    member_ids = {postmortem.pk for postmortem in readable(org.people.member)}
    assert any(p.kind == "people" and p.pk not in member_ids for p in PostMortem.objects.all())
    assert any(row["median_days_to_done"] for row in expected_follow_through(slow, PERIODS[2], NOW)["months"])
