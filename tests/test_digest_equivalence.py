"""The digest built for a batch of people against each person's digest built the slow, obvious way.

The sweep builds a batch of people's digests with a fixed number of queries
(`digest.build_digests`), and the preview page builds one (`digest.build_digest`).
This file rebuilds every section person by person straight from
`PostMortem.objects.visible_to(person)`, the action dashboard's scopes and
`trends.highlights`, and compares all three over mixed data: three teams, leads and
members, people in several teams and in none, restricted people incidents with
authors and named viewers, items on incidents their owner may not read, items
without a due date or owner, and people in other time zones and on other days.
"""
import random
from unittest import mock
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from postmortems import actions, digest, permissions, trends
from postmortems.actions import DUE_SOON, OPEN_STATUSES
from postmortems.models import ActionItem, ContributingFactor, Membership, PostMortem
from tests import factories

NOW = datetime(2025, 3, 12, 23, 30, tzinfo=UTC)  # a Wednesday: everyone's day has passed this week
ZONES = ["UTC", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati", "Europe/Berlin"]


@pytest.fixture(autouse=True)
def quick(fast_passwords):
    """Cheap password hashing: the fixture makes a dozen people."""


@pytest.fixture
def company(db):
    """Three teams, a dozen people and about 120 incidents over five weeks, from a fixed seed."""
    rng = random.Random(10)
    teams = [factories.make_team(name) for name in ("Payments", "Search", "Platform")]
    people = [factories.make_user(f"person{n}") for n in range(12)]
    for n, person in enumerate(people[:10]):  # the last two are in no team
        factories.add_member(teams[n % 3], person, Membership.Role.LEAD if n < 3 else Membership.Role.MEMBER)
        if n % 4 == 1:
            factories.add_member(teams[(n + 1) % 3], person)
        if n % 3 == 0 or n > 7:
            factories.set_profile(person, timezone=ZONES[n % len(ZONES)], digest_day=n % 3, digest_hour=(5 * n) % 24)
    themes = [factories.shared_theme(name) for name in ("Capacity", "Alert fatigue", "Unclear ownership")]
    for n in range(120):
        _incident(rng, n, teams, people, themes)
    # More than a page of overdue items and of items due later, for one member of Search.
    backlog = PostMortem.objects.create(team=teams[1], kind="technical", status="review", title="Backlog")
    for n in range(24):
        due = (NOW - timedelta(days=1 + n)).date() if n < 12 else (NOW + timedelta(days=30 + n)).date()
        ActionItem.objects.create(postmortem=backlog, owner=people[4], title=f"Backlog {n}", due_date=due)
    return people


def _incident(rng, n, teams, people, themes):
    kind = "people" if rng.random() < 0.35 else "technical"
    started = NOW - timedelta(days=rng.randint(0, 34), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
    status = rng.choice(["draft", "review", "published", "published", "published"])
    postmortem = PostMortem.objects.create(
        team=rng.choice(teams), kind=kind, status=status, severity=rng.randint(1, 4), title=f"Incident {n}",
        started_at=started, detected_at=started, resolved_at=started + timedelta(hours=rng.randint(1, 9)),
        published_at=started + timedelta(hours=rng.randint(2, 60)) if status == "published" else None,
    )
    postmortem.authors.set(rng.sample(people, rng.randint(0, 2)))
    if kind == "people" and rng.random() < 0.5:
        postmortem.viewers.set(rng.sample(people, 1))
    ContributingFactor.objects.bulk_create([
        ContributingFactor(postmortem=postmortem, theme=theme, description="It mattered")
        for theme in rng.sample(themes, rng.randint(0, 2))
    ])
    for k in range(rng.randint(0, 4)):
        owner = rng.choice(people + [None])
        status = rng.choice(["open", "open", "in_progress", "done", "wont_do"])
        due = (NOW + timedelta(days=rng.randint(-20, 20))).date() if rng.random() < 0.85 else None
        item = ActionItem.objects.create(postmortem=postmortem, owner=owner, title=f"Item {n}.{k}",
                                         status=status, due_date=due, priority=rng.choice(["high", "medium", "low"]))
        if status == "done":
            ActionItem.objects.filter(pk=item.pk).update(closed_at=NOW - timedelta(days=rng.randint(0, 50)))


# The slow, obvious way ---------------------------------------------------------------------

def slow_sections(person, now):
    """Every section of one person's digest, each from its own queries through `visible_to`."""
    zone = digest.zone_of(person)
    week = digest.this_week(person, now)
    ends = digest.scheduled_at(person, week)
    starts, today = ends - timedelta(days=7), timezone.localtime(now, zone).date()
    visible = PostMortem.objects.visible_to(person)
    teams = list(permissions.team_roles(person))
    published = visible.filter(status="published", published_at__gte=starts, published_at__lt=ends)
    notable = published.filter(kind="technical", severity__in=digest.NOTABLE_SEVERITIES).exclude(team_id__in=teams)
    own = actions.owned_items(person).filter(status__in=OPEN_STATUSES)
    with timezone.override(zone):
        highlights = trends.highlights(person, now)
    return {
        "window": (week, starts, ends, today),
        "team_postmortems": postmortem_titles(published.filter(team_id__in=teams)),
        "notable_postmortems": postmortem_titles(notable),
        "overdue": item_titles(own.filter(due_date__lt=today)),
        "due_soon": item_titles(own.filter(due_date__gte=today, due_date__lte=today + DUE_SOON)),
        "other_open": item_titles(own.exclude(due_date__lte=today + DUE_SOON)),
        "team_overdue": [
            (membership.team.name, actions.team_items(person).filter(
                postmortem__team=membership.team, status__in=OPEN_STATUSES, due_date__lt=today).count())
            for membership in Membership.objects.filter(user=person).select_related("team").order_by("team__name")
        ],
        "highlights": [highlight["text"] for highlight in highlights[:3]],
    }


def postmortem_titles(queryset):
    rows = list(queryset.order_by("severity", "-published_at", "pk").values_list("title", flat=True))
    return rows[:digest.MAX_LISTED], len(rows)


def item_titles(queryset):
    ordered = queryset.order_by("due_date", "pk")  # PostgreSQL puts no due date last
    return list(ordered.values_list("title", flat=True)[:digest.MAX_LISTED]), ordered.count()


def sections_of(content):
    """The same figures, read from a built digest."""
    def listed(section):
        return [line["title"] for line in section.lines], section.total

    return {
        "window": (content.week, content.starts, content.ends, content.today),
        **{name: listed(getattr(content, name)) for name in (
            "team_postmortems", "notable_postmortems", "overdue", "due_soon", "other_open")},
        "team_overdue": [(row["team"], row["count"]) for row in content.team_overdue],
        "highlights": [highlight["text"] for highlight in content.highlights],
    }


def fresh(person):
    """The person as a request or a sweep would load them: nothing cached from an earlier build."""
    return type(person).objects.select_related("profile").get(pk=person.pk)


# The comparisons ---------------------------------------------------------------------------

@pytest.mark.parametrize("now", [NOW, NOW - timedelta(days=9, hours=5), NOW + timedelta(days=4, hours=13)])
def test_a_batch_builds_for_each_person_what_the_slow_way_finds(company, now):
    batch = digest.build_digests([(fresh(person), None) for person in company], now=now)

    for person, content in zip(company, batch):
        assert content.person.pk == person.pk
        assert sections_of(content) == slow_sections(fresh(person), now), person.username


def test_one_person_alone_gets_exactly_what_the_batch_gives_them(company):
    # The unsubscribe links are signed with the time: one clock for both builds.
    with mock.patch("django.core.signing.time.time", return_value=NOW.timestamp()):
        batch = digest.build_digests([(fresh(person), None) for person in reversed(company)], now=NOW)
        alone = [digest.build_digest(fresh(content.person), now=NOW) for content in batch]

    for content, single in zip(batch, alone):
        assert single == content, content.person.username


def test_batches_sharing_a_sweeps_figures_build_what_one_batch_builds(company):
    """Later batches reuse the figures of readers alike in earlier ones (as a sweep does): same content."""
    with mock.patch("django.core.signing.time.time", return_value=NOW.timestamp()):
        whole = digest.build_digests([(fresh(person), None) for person in company], now=NOW)
        shared = digest.SharedFigures()
        parts = [content for start in range(0, len(company), 5) for content in digest.build_digests(
            [(fresh(person), None) for person in company[start:start + 5]], now=NOW, shared=shared)]

    assert parts == whole
    assert shared.highlights and shared.overdue


def test_the_fixture_covers_what_could_leak(company):
    """The data really has what the comparison must get right, so an empty fixture cannot pass."""
    built = [sections_of(content) for content in digest.build_digests([(p, None) for p in company], now=NOW)]
    slow = [slow_sections(person, NOW) for person in company]
    # Restricted incidents published in someone's window that only some of the people may list.
    restricted = PostMortem.objects.filter(kind="people", status="published", published_at__gte=NOW - timedelta(days=9))
    assert restricted.exists()
    everyone = {title for entry in slow for title in entry["team_postmortems"][0]}
    assert restricted.filter(title__in=everyone).exists()
    assert any(set(restricted.values_list("title", flat=True)) - set(entry["team_postmortems"][0]) for entry in slow)
    # Owners of items on incidents they may not read, people with more than a page of items, highlights.
    open_items = ActionItem.objects.filter(status__in=OPEN_STATUSES)
    assert any(
        open_items.filter(owner=person).exclude(postmortem__in=PostMortem.objects.visible_to(person)).exists()
        for person in company
    )
    assert any(entry["other_open"][1] > digest.MAX_LISTED or entry["overdue"][1] > digest.MAX_LISTED
               for entry in built)
    assert any(entry["highlights"] for entry in built)
    assert len({entry["window"][3] for entry in built}) > 1  # not everyone's today is the same date
