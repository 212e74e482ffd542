"""Model behaviour: action-item bookkeeping, the snapshot a revision stores, and database rules."""
from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest
from django.db import IntegrityError, transaction

from postmortems.models import ActionItem, Membership, PostMortem, Theme
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


# ActionItem -------------------------------------------------------------------

def test_closing_an_action_item_stamps_closed_at(org):
    item = factories.add_action_item(factories.make_postmortem(org.payments))
    assert item.closed_at is None

    item.status = ActionItem.Status.DONE
    item.save()

    item.refresh_from_db()
    assert item.closed_at is not None


def test_wont_do_counts_as_closed(org):
    item = factories.add_action_item(factories.make_postmortem(org.payments), status=ActionItem.Status.WONT_DO)
    assert item.closed_at is not None


def test_reopening_an_action_item_clears_closed_at(org):
    item = factories.add_action_item(factories.make_postmortem(org.payments), status=ActionItem.Status.DONE)

    item.status = ActionItem.Status.IN_PROGRESS
    item.save()

    item.refresh_from_db()
    assert item.closed_at is None


def test_moving_between_closed_statuses_keeps_the_first_closed_at(org):
    item = factories.add_action_item(factories.make_postmortem(org.payments), status=ActionItem.Status.DONE)
    first_closed = item.closed_at

    item.status = ActionItem.Status.WONT_DO
    item.save()

    item.refresh_from_db()
    assert item.closed_at == first_closed


def test_open_item_past_its_due_date_is_overdue(org):
    item = factories.add_action_item(factories.make_postmortem(org.payments), due_in_days=-1)
    assert item.is_overdue()


def test_open_item_due_today_or_later_is_not_overdue(org):
    postmortem = factories.make_postmortem(org.payments)
    assert not factories.add_action_item(postmortem, due_in_days=0).is_overdue()
    assert not factories.add_action_item(postmortem, due_in_days=3).is_overdue()


def test_closed_item_past_its_due_date_is_not_overdue(org):
    postmortem = factories.make_postmortem(org.payments)
    for status in ActionItem.CLOSED_STATUSES:
        assert not factories.add_action_item(postmortem, due_in_days=-5, status=status).is_overdue()


def test_item_without_due_date_is_never_overdue(org):
    item = factories.add_action_item(factories.make_postmortem(org.payments), due_in_days=None)
    assert not item.is_overdue(today=date(2100, 1, 1))


def test_is_overdue_is_judged_against_the_given_day(org):
    item = factories.add_action_item(factories.make_postmortem(org.payments), due_in_days=None)
    item.due_date = date(2024, 3, 10)
    assert not item.is_overdue(today=date(2024, 3, 10))
    assert item.is_overdue(today=date(2024, 3, 11))


# PostMortem.snapshot ------------------------------------------------------------

def test_snapshot_holds_text_fields_and_iso_times(org):
    started = datetime(2024, 5, 1, 9, 30, tzinfo=dt_timezone.utc)
    postmortem = factories.make_postmortem(
        org.payments, title="Checkout timeouts", severity=2, impact="12k checkouts failed",
        lessons="Alert before saturation", started_at=started, resolved_at=started + timedelta(minutes=40),
    )

    snapshot = postmortem.snapshot()

    assert snapshot["title"] == "Checkout timeouts"
    assert snapshot["severity"] == 2
    assert snapshot["status"] == "draft"
    assert snapshot["impact"] == "12k checkouts failed"
    assert snapshot["lessons"] == "Alert before saturation"
    assert snapshot["started_at"] == started.isoformat()
    assert snapshot["resolved_at"] == (started + timedelta(minutes=40)).isoformat()
    assert snapshot["detected_at"] is None
    assert set(PostMortem.SECTIONS) <= set(snapshot)


def test_snapshot_lists_timeline_in_time_order_and_factors_with_theme_names(org):
    postmortem = factories.make_postmortem(org.payments)
    base = datetime(2024, 5, 1, 9, 0, tzinfo=dt_timezone.utc)
    factories.add_timeline_event_at(postmortem, base + timedelta(minutes=10), "Rolled back")
    factories.add_timeline_event_at(postmortem, base, "Alert fired")
    capacity = factories.shared_theme("Capacity")
    factories.add_factor(postmortem, theme=capacity, description="Pool sized for last year")

    snapshot = postmortem.snapshot()

    assert snapshot["timeline"] == [
        {"occurred_at": base.isoformat(), "description": "Alert fired"},
        {"occurred_at": (base + timedelta(minutes=10)).isoformat(), "description": "Rolled back"},
    ]
    assert snapshot["factors"] == [
        {"theme_id": capacity.pk, "theme": "Capacity", "description": "Pool sized for last year"},
    ]


def test_snapshot_is_json_serialisable(org):
    import json

    postmortem = factories.make_postmortem(org.payments, started_at=datetime(2024, 1, 1, tzinfo=dt_timezone.utc))
    factories.add_timeline_event(postmortem)
    factories.add_factor(postmortem)
    json.dumps(postmortem.snapshot())


# Database constraints -----------------------------------------------------------

def test_a_person_has_one_membership_per_team(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(team=org.payments, user=org.people.author, role=Membership.Role.LEAD)


def test_a_person_may_belong_to_several_teams(org):
    factories.add_member(org.search, org.people.author)
    assert org.people.author.memberships.count() == 2


def test_theme_names_are_unique_within_a_team(org):
    factories.make_theme(org.payments, "Runbook drift")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_theme(org.payments, "Runbook drift")


def test_two_teams_may_use_the_same_theme_name(org):
    factories.make_theme(org.payments, "Runbook drift")
    factories.make_theme(org.search, "Runbook drift")
    assert Theme.objects.filter(name="Runbook drift").count() == 2


def test_shared_theme_names_are_unique(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(name="Capacity", team=None)


def test_a_team_theme_may_share_a_name_with_a_shared_theme(org):
    factories.make_theme(org.payments, "Capacity")
    assert Theme.objects.filter(name="Capacity").count() == 2


@pytest.mark.parametrize("severity", [0, 5])
def test_severity_outside_one_to_four_is_rejected_by_the_database(org, severity):
    with pytest.raises(IntegrityError), transaction.atomic():
        PostMortem.objects.create(team=org.payments, title="Bad severity", severity=severity)


# Seeded data --------------------------------------------------------------------

def test_migration_seeds_the_shared_themes(db):
    shared = set(Theme.objects.filter(team__isnull=True).values_list("name", flat=True))
    assert len(shared) == 14
    assert {"Capacity", "Knowledge silo", "Hand-off breakdown", "Alert fatigue", "Unclear ownership"} <= shared
    assert all(Theme.objects.filter(team__isnull=True).values_list("is_active", flat=True))
