"""Action-item logic: the dashboard's selectors and figures, and recorded changes."""
from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from postmortems import actions
from postmortems.models import ActionItem, ActionItemChange
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

TODAY = date(2025, 6, 16)
NOW = datetime(2025, 6, 16, 12, 0, tzinfo=dt_timezone.utc)
Status = ActionItem.Status


def make_item(postmortem, title, *, due=None, status=Status.OPEN, created_days_ago=20, closed_days_ago=None,
              owner=None, priority=ActionItem.Priority.MEDIUM):
    """An item with every date given relative to the fixed TODAY / NOW."""
    return ActionItem.objects.create(
        postmortem=postmortem, title=title, owner=owner, priority=priority, status=status,
        due_date=TODAY + timedelta(days=due) if due is not None else None,
        created_at=NOW - timedelta(days=created_days_ago),
        closed_at=NOW - timedelta(days=closed_days_ago) if closed_days_ago is not None else None,
    )


@pytest.fixture
def board(org):
    """Hand-computed fixture (TODAY 16 Jun 2025, NOW noon UTC).

    open: A (10 days overdue), B (2 days overdue, in progress), C (due today), D (due in 7 days),
          E (due in 8 days), F (no due date)                                   -> open 6, overdue 2, due soon 2
    done in the last 90 days: G 10 days to done, H 4 days, I 7 days           -> 3 done, median 7 days
    outside the period or not done: J done 100 days ago, K won't do             -> not counted
    completion = 3 / (3 + 6)
    """
    pm = factories.make_postmortem(org.payments, authors=[org.people.author])
    items = {
        "A": make_item(pm, "A", due=-10, owner=org.people.member),
        "B": make_item(pm, "B", due=-2, status=Status.IN_PROGRESS),
        "C": make_item(pm, "C", due=0),
        "D": make_item(pm, "D", due=7),
        "E": make_item(pm, "E", due=8),
        "F": make_item(pm, "F"),
        "G": make_item(pm, "G", due=-5, status=Status.DONE, created_days_ago=12, closed_days_ago=2),
        "H": make_item(pm, "H", status=Status.DONE, created_days_ago=5, closed_days_ago=1),
        "I": make_item(pm, "I", status=Status.DONE, created_days_ago=38, closed_days_ago=31),
        "J": make_item(pm, "J", status=Status.DONE, created_days_ago=120, closed_days_ago=100),
        "K": make_item(pm, "K", due=-4, status=Status.WONT_DO, created_days_ago=9, closed_days_ago=3),
    }
    return pm, items


def titles(queryset):
    return [item.title for item in queryset]


# Summary figures --------------------------------------------------------------------

def test_summary_of_the_hand_computed_board(board):
    summary = actions.summarise(ActionItem.objects.all(), today=TODAY, now=NOW)

    assert summary.open == 6
    assert summary.overdue == 2
    assert summary.due_soon == 2
    assert summary.done_in_period == 3
    assert summary.completion_rate == pytest.approx(3 / 9)
    assert summary.completion_percent == 33
    assert summary.median_days_to_done == 7.0
    assert summary.oldest_overdue.title == "A"


def test_summary_of_nothing_is_zero_and_none(db):
    summary = actions.summarise(ActionItem.objects.all(), today=TODAY, now=NOW)

    assert (summary.open, summary.overdue, summary.due_soon, summary.done_in_period) == (0, 0, 0, 0)
    assert summary.completion_rate is None
    assert summary.completion_percent is None
    assert summary.median_days_to_done is None
    assert summary.oldest_overdue is None


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(org):
    pm = factories.make_postmortem(org.payments)
    make_item(pm, "slow", status=Status.DONE, created_days_ago=8, closed_days_ago=1)  # 7 days
    make_item(pm, "fast", status=Status.DONE, created_days_ago=5, closed_days_ago=1)  # 4 days
    make_item(pm, "fastest", status=Status.DONE, created_days_ago=2, closed_days_ago=1)  # 1 day
    make_item(pm, "slowest", status=Status.DONE, created_days_ago=21, closed_days_ago=1)  # 20 days

    summary = actions.summarise(ActionItem.objects.all(), today=TODAY, now=NOW)

    assert summary.median_days_to_done == 5.5
    assert summary.completion_rate == 1.0


def test_median_counts_fractions_of_a_day(org):
    pm = factories.make_postmortem(org.payments)
    item = make_item(pm, "quick", status=Status.DONE, created_days_ago=1, closed_days_ago=0)
    ActionItem.objects.filter(pk=item.pk).update(created_at=NOW - timedelta(hours=36))

    summary = actions.summarise(ActionItem.objects.all(), today=TODAY, now=NOW)

    assert summary.median_days_to_done == 1.5


def test_summary_follows_the_queryset_it_is_given(board, org):
    other = factories.make_postmortem(org.search)
    make_item(other, "elsewhere", due=-30)

    summary = actions.summarise(ActionItem.objects.filter(postmortem__team=org.payments), today=TODAY, now=NOW)

    assert summary.overdue == 2
    assert summary.oldest_overdue.title == "A"


def test_summary_takes_at_most_three_queries(board):
    with CaptureQueriesContext(connection) as queries:
        actions.summarise(ActionItem.objects.all(), today=TODAY, now=NOW)
    assert len(queries) <= 3


def test_marking_an_overdue_item_done_moves_the_figures(board, org):
    _, items = board
    actions.mark_done(items["A"], actor=org.people.lead, now=NOW)

    summary = actions.summarise(ActionItem.objects.all(), today=TODAY, now=NOW)

    assert (summary.open, summary.overdue, summary.done_in_period) == (5, 1, 4)
    assert summary.completion_rate == pytest.approx(4 / 9)
    assert summary.oldest_overdue.title == "B"


# Tabs, filters and order ----------------------------------------------------------

@pytest.mark.parametrize("tab, expected", [
    ("open", ["A", "B", "C", "D", "E", "F"]),
    ("due_week", ["C", "D"]),
    ("overdue", ["A", "B"]),
    ("done", ["G", "H"]),  # I closed 31 days ago, J 100: not "recently"
    ("wont_do", ["K"]),
    ("all", ["A", "G", "K", "B", "C", "D", "E", "F", "H", "I", "J"]),
])
def test_each_tab_selects_its_items(board, tab, expected):
    queryset = ActionItem.objects.filter(actions.tab_filter(tab, today=TODAY, now=NOW))
    assert titles(actions.sort_items(queryset, "due")) == expected


def test_sorting_by_due_date_descending_keeps_undated_items_last(board):
    queryset = ActionItem.objects.filter(actions.tab_filter("open", today=TODAY, now=NOW))
    assert titles(actions.sort_items(queryset, "-due")) == ["E", "D", "C", "B", "A", "F"]


def test_filters_by_team_owner_postmortem_kind_and_priority(org):
    pm = factories.make_postmortem(org.payments, authors=[org.people.author])
    people_pm = factories.make_postmortem(org.payments, kind="people", authors=[org.people.author])
    search_pm = factories.make_postmortem(org.search)
    make_item(pm, "mine", owner=org.people.member, priority="high")
    make_item(people_pm, "people", owner=org.people.author)
    make_item(search_pm, "search", priority="low")
    everything = ActionItem.objects.order_by("id")

    assert titles(actions.filter_items(everything, {"team": org.search})) == ["search"]
    assert titles(actions.filter_items(everything, {"owner": org.people.member})) == ["mine"]
    assert titles(actions.filter_items(everything, {"postmortem": people_pm})) == ["people"]
    assert titles(actions.filter_items(everything, {"kind": "people"})) == ["people"]
    assert titles(actions.filter_items(everything, {"priority": "high"})) == ["mine"]
    assert titles(actions.filter_items(everything, {"team": org.payments, "kind": "technical"})) == ["mine"]
    assert titles(actions.filter_items(everything, {})) == ["mine", "people", "search"]


def test_theme_filter_lists_an_item_once_however_many_factors_share_the_theme(org):
    theme = factories.shared_theme("Capacity")
    pm = factories.make_postmortem(org.payments)
    factories.add_factor(pm, theme, "one")
    factories.add_factor(pm, theme, "two")
    make_item(pm, "tagged")
    make_item(factories.make_postmortem(org.payments), "untagged")

    assert titles(actions.filter_items(ActionItem.objects.all(), {"theme": theme})) == ["tagged"]


# Who sees what ------------------------------------------------------------------------

@pytest.fixture
def spread(org):
    """Items on a Payments technical incident, a restricted Payments people incident and a Search one."""
    p = org.people
    technical = factories.make_postmortem(org.payments, authors=[p.author])
    people = factories.make_postmortem(org.payments, kind="people", authors=[p.author])
    published = factories.make_postmortem(org.search, status="published")
    return {
        "technical": make_item(technical, "technical", owner=p.member),
        "people": make_item(people, "people", owner=p.member),
        "search": make_item(published, "search", owner=p.member),
    }


def test_visible_to_follows_the_postmortem(spread, org):
    p = org.people
    assert set(titles(ActionItem.objects.visible_to(p.lead))) == {"technical", "people", "search"}
    assert set(titles(ActionItem.objects.visible_to(p.member))) == {"technical", "search"}
    assert set(titles(ActionItem.objects.visible_to(p.outsider))) == {"search"}


def test_team_items_cover_the_persons_teams_only(spread, org):
    assert set(titles(actions.team_items(org.people.lead))) == {"technical", "people"}
    assert set(titles(actions.team_items(org.people.member))) == {"technical"}
    assert set(titles(actions.team_items(org.people.other_team))) == {"search"}
    assert titles(actions.team_items(org.people.outsider)) == []


def test_owned_items_leave_out_what_the_owner_may_not_see(spread, org):
    assert set(titles(actions.owned_items(org.people.member))) == {"technical", "search"}


def test_a_lead_of_one_team_sees_only_what_members_see_in_their_other_team(spread, org):
    """The led team needs only a team filter; the other team keeps the people-incident rule."""
    p = org.people
    factories.add_member(org.search, p.lead)
    hidden = factories.make_postmortem(org.search, kind="people", authors=[p.other_team])
    make_item(hidden, "search people", owner=p.member)
    draft = factories.make_postmortem(org.search)
    make_item(draft, "search draft", owner=p.member)
    assert set(titles(actions.team_items(p.lead))) == {"technical", "people", "search", "search draft"}
    hidden.viewers.add(p.lead)
    assert "search people" in titles(actions.team_items(p.lead))


def test_owned_items_follow_each_postmortems_visibility(spread, org):
    p = org.people
    other_draft = factories.make_postmortem(org.search)
    make_item(other_draft, "other team draft", owner=p.member)
    assert set(titles(actions.owned_items(p.member))) == {"technical", "search"}
    spread["people"].postmortem.viewers.add(p.member)
    assert set(titles(actions.owned_items(p.member))) == {"technical", "people", "search"}
    assert set(titles(actions.owned_items(p.outsider))) == set()


def test_dashboard_figures_of_a_member_leave_out_restricted_items(spread, org):
    today = date.today()
    now = datetime.now(dt_timezone.utc)
    member = actions.summarise(actions.team_items(org.people.member), today=today, now=now, tab="all")
    lead = actions.summarise(actions.team_items(org.people.lead), today=today, now=now, tab="all")
    assert (member.open, member.listed) == (1, 1)
    assert (lead.open, lead.listed) == (2, 2)


def test_who_may_change_an_item(spread, org):
    p = org.people
    item = spread["technical"]
    assert actions.can_change(p.member, item)  # owner
    assert actions.can_change(p.author, item)
    assert actions.can_change(p.lead, item)
    assert not actions.can_change(p.viewer, item)
    assert not actions.can_change(p.outsider, item)


def test_change_permission_annotation_agrees_with_can_change(spread, org):
    for person in vars(org.people).values():
        rows = actions.with_change_permission(ActionItem.objects.all(), person)
        for row in rows:
            assert row.may_change == actions.can_change(person, row), (person, row)


# Recorded changes -----------------------------------------------------------------------

@pytest.fixture
def item(org):
    pm = factories.make_postmortem(org.payments, authors=[org.people.author])
    return make_item(pm, "Alert on pool saturation", due=3, owner=org.people.member)


def test_mark_done_records_who_when_from_to_and_note(item, org):
    assert actions.mark_done(item, actor=org.people.lead, note="Alert live in prod", now=NOW) is True

    item.refresh_from_db()
    assert item.status == Status.DONE
    assert item.closed_at == NOW
    change = item.changes.get()
    assert (change.actor, change.field, change.old_value, change.new_value, change.note) == (
        org.people.lead, "status", "open", "done", "Alert live in prod",
    )
    assert change.created_at == NOW


def test_marking_a_done_item_done_again_records_nothing(item, org):
    actions.mark_done(item, actor=org.people.lead)
    assert actions.mark_done(item, actor=org.people.lead) is False
    assert item.changes.count() == 1


def test_change_due_date_keeps_the_reason(item, org):
    old_due = item.due_date
    new_due = old_due + timedelta(days=14)

    assert actions.change_due_date(item, actor=org.people.member, due_date=new_due, reason="Waiting on vendor") is True

    item.refresh_from_db()
    assert item.due_date == new_due
    change = item.changes.get()
    assert (change.field, change.old_value, change.new_value, change.note) == (
        "due_date", old_due.isoformat(), new_due.isoformat(), "Waiting on vendor",
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_change_due_date_without_a_reason_is_refused(item, org, reason):
    with pytest.raises(actions.ActionChangeError):
        actions.change_due_date(item, actor=org.people.member, due_date=TODAY, reason=reason)
    assert not item.changes.exists()


def test_same_due_date_records_nothing(item, org):
    assert actions.change_due_date(item, actor=org.people.member, due_date=item.due_date, reason="no-op") is False
    assert not item.changes.exists()


def test_reassign_records_the_names(item, org):
    assert actions.reassign(item, actor=org.people.lead, owner=org.people.author, note="Ada knows the pool") is True

    item.refresh_from_db()
    assert item.owner == org.people.author
    change = item.changes.get()
    assert (change.field, change.old_value, change.new_value, change.note) == (
        "owner", "Mo Haddad", "Ada Okafor", "Ada knows the pool",
    )


def test_reassign_to_an_inactive_person_is_refused(item, everyone):
    with pytest.raises(actions.ActionChangeError):
        actions.reassign(item, actor=everyone.people.lead, owner=everyone.people.inactive)
    item.refresh_from_db()
    assert item.owner == everyone.people.member
    assert not ActionItemChange.objects.exists()


def test_history_reads_as_people_say_it(item, org):
    actions.change_due_date(item, actor=org.people.lead, due_date=date(2025, 7, 1), reason="Vendor")
    actions.reassign(item, actor=org.people.lead, owner=org.people.author)
    actions.mark_done(item, actor=org.people.author)

    entries = actions.history(item)

    assert [(e.field_label, e.old, e.new) for e in entries] == [
        ("Status", "Open", "Done"),
        ("Owner", "Mo Haddad", "Ada Okafor"),
        ("Due date", (TODAY + timedelta(days=3)).strftime("%-d %b %Y"), "1 Jul 2025"),
    ]


def test_history_of_an_unowned_undated_item(org):
    item = make_item(factories.make_postmortem(org.payments), "loose")
    actions.reassign(item, actor=org.people.lead, owner=org.people.member)
    actions.change_due_date(item, actor=org.people.lead, due_date=date(2025, 7, 1), reason="Agreed")

    assert [(e.old, e.new) for e in actions.history(item)] == [
        ("no due date", "1 Jul 2025"), ("nobody", "Mo Haddad"),
    ]


def test_lead_of_another_team_may_not_change_a_published_item_they_can_see(spread, org):
    item = spread["search"]
    item.postmortem.team = org.payments  # a published Payments incident, seen by a Search lead
    assert not actions.can_change(org.people.other_team, item)
