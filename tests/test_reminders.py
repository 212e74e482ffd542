"""Reminder policy: what is due, for whom, on whose today. The clock is always given."""
from datetime import date, datetime, timedelta, timezone as dt_timezone
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from postmortems import claims, permissions, reminders
from postmortems.models import ActionItem, Membership, PostMortem, Profile, Reminder
from tests import factories

UTC = dt_timezone.utc
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)  # a Monday; UTC today is 10 March
TODAY = date(2025, 3, 10)
Reason = Reminder.Reason
pytestmark = pytest.mark.usefixtures("fast_passwords")


def days(n):
    return timedelta(days=n)


def due_for(now=NOW):
    """{(item title, username): (reason, reason_date)} for everything due at `now`."""
    return {(d.item.title, d.recipient.username): (d.reason, d.reason_date) for d in reminders.due_reminders(now=now)}


@pytest.fixture
def incident(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout outage")


def item_due(incident, owner, due_date, title="Alert on pool saturation", **fields):
    return factories.add_action_item_due_on(incident, due_date, owner=owner, title=title, **fields)


# The schedule as plain date arithmetic -----------------------------------------------

@pytest.mark.parametrize(
    "days_left, expected",
    [
        (10, None),
        (4, None),
        (3, (Reason.BEFORE_DUE, TODAY + days(3) - days(3))),
        (1, (Reason.BEFORE_DUE, TODAY + days(1) - days(3))),
        (0, (Reason.DUE_TODAY, TODAY)),
        # Still the due-date reminder until the first overdue step, so a sweep that
        # missed the due date catches up with it (and a sent one is not repeated).
        (-1, (Reason.DUE_TODAY, TODAY - days(1))),
        (-6, (Reason.DUE_TODAY, TODAY - days(6))),
        (-7, (Reason.OVERDUE, TODAY)),
        (-13, (Reason.OVERDUE, TODAY - days(6))),
        (-14, (Reason.OVERDUE, TODAY)),
        # A long outage yields only the latest step, not every step it missed.
        (-30, (Reason.OVERDUE, TODAY - days(2))),
    ],
)
def test_owner_reason_follows_the_schedule(days_left, expected):
    assert reminders.owner_reason(TODAY + days(days_left), TODAY) == expected


@pytest.mark.parametrize(
    "days_overdue, expected",
    [(13, None), (14, TODAY), (20, TODAY - days(6)), (21, TODAY), (40, TODAY - days(5))],
)
def test_escalation_starts_after_k_days_and_repeats_at_the_overdue_cadence(days_overdue, expected):
    assert reminders.escalation_date(TODAY - days(days_overdue), TODAY) == expected


def test_schedule_reads_the_settings(settings):
    settings.REMINDER_DAYS_BEFORE = 1
    settings.REMINDER_OVERDUE_EVERY_DAYS = 2
    settings.REMINDER_ESCALATE_AFTER_DAYS = 3
    assert reminders.owner_reason(TODAY + days(2), TODAY) is None
    assert reminders.owner_reason(TODAY + days(1), TODAY) == (Reason.BEFORE_DUE, TODAY)
    assert reminders.owner_reason(TODAY - days(5), TODAY) == (Reason.OVERDUE, TODAY - days(1))
    assert reminders.escalation_date(TODAY - days(2), TODAY) is None
    assert reminders.escalation_date(TODAY - days(6), TODAY) == TODAY - days(1)


# Who is due what, from the database --------------------------------------------------

def test_nothing_is_due_more_than_n_days_before(org, incident):
    item_due(incident, org.people.member, TODAY + days(4))
    assert due_for() == {}


def test_owner_is_reminded_n_days_before(org, incident):
    item_due(incident, org.people.member, TODAY + days(3))
    assert due_for() == {("Alert on pool saturation", "mo"): (Reason.BEFORE_DUE, TODAY)}


def test_owner_is_reminded_on_the_due_date(org, incident):
    item_due(incident, org.people.member, TODAY)
    assert due_for() == {("Alert on pool saturation", "mo"): (Reason.DUE_TODAY, TODAY)}


def test_overdue_reminders_follow_the_cadence_without_escalating_early(org, incident):
    item_due(incident, org.people.member, TODAY - days(7), title="A week late")
    item_due(incident, org.people.member, TODAY - days(10), title="Ten days late")
    assert due_for() == {
        ("A week late", "mo"): (Reason.OVERDUE, TODAY),
        ("Ten days late", "mo"): (Reason.OVERDUE, TODAY - days(3)),
    }


def test_after_k_days_overdue_the_teams_leads_are_told_too(org, incident):
    item_due(incident, org.people.member, TODAY - days(14))
    assert due_for() == {
        ("Alert on pool saturation", "mo"): (Reason.OVERDUE, TODAY),
        ("Alert on pool saturation", "lin"): (Reason.ESCALATION, TODAY),
    }


def test_escalation_goes_only_to_leads_of_the_items_team(org, incident):
    item_due(incident, org.people.member, TODAY - days(15))
    recipients = {username for _, username in due_for()}
    # oz leads Search, not Payments; ada is a plain member of Payments.
    assert recipients == {"mo", "lin"}


def test_a_lead_who_owns_the_item_gets_one_reminder_not_an_escalation_too(org, incident):
    item_due(incident, org.people.lead, TODAY - days(15))
    assert due_for() == {("Alert on pool saturation", "lin"): (Reason.OVERDUE, TODAY - days(1))}


def test_every_lead_of_the_team_is_told(org, incident):
    second_lead = factories.make_user("lee")
    factories.add_member(org.payments, second_lead, Membership.Role.LEAD)
    item_due(incident, org.people.member, TODAY - days(14))
    assert {u for _, u in due_for()} == {"mo", "lin", "lee"}


@pytest.mark.parametrize("status", [ActionItem.Status.DONE, ActionItem.Status.WONT_DO])
def test_closed_items_are_never_reminded(org, incident, status):
    item_due(incident, org.people.member, TODAY - days(20), status=status)
    item_due(incident, org.people.member, TODAY, status=status)
    assert due_for() == {}


def test_in_progress_items_are_still_reminded(org, incident):
    item_due(incident, org.people.member, TODAY, status=ActionItem.Status.IN_PROGRESS)
    assert len(due_for()) == 1


def test_items_without_a_due_date_are_skipped(org, incident):
    factories.add_action_item(incident, owner=org.people.member, due_in_days=None)
    assert due_for() == {}


def test_ownerless_items_are_escalated_to_the_leads_once_overdue_long_enough(org, incident):
    item_due(incident, None, TODAY, title="Nobody's, due today")
    item_due(incident, None, TODAY - days(13), title="Nobody's, 13 days late")
    item_due(incident, None, TODAY - days(14), title="Nobody's, 14 days late")
    item_due(incident, None, TODAY - days(20), title="Nobody's, 20 days late")
    assert due_for() == {
        ("Nobody's, 14 days late", "lin"): (Reason.ESCALATION, TODAY),
        ("Nobody's, 20 days late", "lin"): (Reason.ESCALATION, TODAY - days(6)),
    }


# Privacy: owners hear only of items they may open ----------------------------------------

@pytest.fixture
def people_incident(org):
    """A draft people incident on Payments: only its author ada, the lead lin and its viewers may read it."""
    return factories.make_postmortem(org.payments, kind="people", authors=[org.people.author],
                                     title="Rota handover missed a new starter")


def test_an_owner_who_may_not_read_a_people_incident_is_not_reminded_of_its_item(org, people_incident):
    # mo is a plain member of Payments: a people incident is not theirs to read.
    item_due(people_incident, org.people.member, TODAY, title="Private item")
    assert not PostMortem.objects.visible_to(org.people.member).filter(pk=people_incident.pk).exists()
    assert due_for() == {}


def test_the_lead_still_hears_of_an_overdue_item_its_owner_may_not_read(org, people_incident):
    item_due(people_incident, org.people.member, TODAY - days(14), title="Private item")
    assert due_for() == {("Private item", "lin"): (Reason.ESCALATION, TODAY)}


def test_an_owner_added_as_a_viewer_is_reminded(org, people_incident):
    item_due(people_incident, org.people.member, TODAY, title="Private item")
    people_incident.viewers.add(org.people.member)
    assert due_for() == {("Private item", "mo"): (Reason.DUE_TODAY, TODAY)}


def test_an_author_of_a_people_incident_is_reminded(org, people_incident):
    item_due(people_incident, org.people.author, TODAY, title="Private item")
    assert due_for() == {("Private item", "ada"): (Reason.DUE_TODAY, TODAY)}


def test_an_owner_from_another_team_is_reminded_only_once_a_technical_incident_is_published(org, incident):
    # vic is on Search; Payments' draft technical incident is not theirs to read until it is published.
    item_due(incident, org.people.viewer, TODAY)
    assert due_for() == {}
    incident.status = PostMortem.Status.PUBLISHED
    incident.published_at = NOW
    incident.save()
    assert due_for() == {("Alert on pool saturation", "vic"): (Reason.DUE_TODAY, TODAY)}


@pytest.mark.parametrize("kind", ["technical", "people"])
@pytest.mark.parametrize("status", [PostMortem.Status.DRAFT, PostMortem.Status.PUBLISHED])
def test_owner_may_view_states_the_same_rules_as_visible_to(everyone, kind, status):
    """The reminder query's visibility check and `PostMortem.objects.visible_to` agree for every role."""
    org, people = everyone, vars(everyone.people)
    postmortem = factories.make_postmortem(org.payments, kind=kind, status=status, authors=[people["author"]],
                                           viewers=[people["viewer"]])
    for name, person in people.items():
        factories.add_action_item(postmortem, owner=person, title=name)
    factories.add_action_item(postmortem, owner=None, title="nobody")

    may_view = set(ActionItem.objects.filter(reminders.owner_may_view()).values_list("title", flat=True))

    expected = {name for name, person in people.items()
                if PostMortem.objects.visible_to(person).filter(pk=postmortem.pk).exists()}
    assert may_view == expected
    assert expected == {name for name, person in people.items() if permissions.can_view(person, postmortem)}


@pytest.mark.django_db
def test_on_the_demo_data_nobody_is_reminded_of_an_item_they_may_not_open():
    call_command("seed_demo", stdout=StringIO())
    now = timezone.now()
    due = []
    for offset in range(0, 60, 3):  # the demo's items fall due over the coming weeks
        due += reminders.due_reminders(now=now + days(offset))
    assert len(due) > 20
    assert {d.reason for d in due} == set(Reason.values)
    unreadable = [(d.item.title, d.recipient.username) for d in due
                  if not permissions.can_view(d.recipient, d.item.postmortem)]
    assert unreadable == []


def test_paused_owner_is_not_reminded_but_the_lead_still_hears_of_escalation(org, incident):
    factories.set_profile(org.people.member, reminders_paused=True)
    item_due(incident, org.people.member, TODAY - days(14))
    assert due_for() == {("Alert on pool saturation", "lin"): (Reason.ESCALATION, TODAY)}


def test_paused_lead_gets_no_escalation(org, incident):
    factories.set_profile(org.people.lead, reminders_paused=True)
    item_due(incident, org.people.member, TODAY - days(14))
    assert set(due_for()) == {("Alert on pool saturation", "mo")}


def test_inactive_people_are_never_emailed(org, incident):
    org.people.member.is_active = False
    org.people.member.save()
    org.people.lead.is_active = False
    org.people.lead.save()
    item_due(incident, org.people.member, TODAY - days(14))
    assert due_for() == {}


def test_people_without_an_email_address_are_skipped(org, incident):
    org.people.member.email = ""
    org.people.member.save()
    item_due(incident, org.people.member, TODAY)
    assert due_for() == {}


def test_a_missing_profile_means_utc_and_not_paused_and_is_not_created(org, incident):
    item_due(incident, org.people.member, TODAY)
    assert due_for() == {("Alert on pool saturation", "mo"): (Reason.DUE_TODAY, TODAY)}
    assert not Profile.objects.filter(user=org.people.member).exists()


# Time zones: "today" is the recipient's ------------------------------------------------

# 10 March 2025 11:30 UTC is already 00:30 on 11 March in Auckland (NZDT, +13)
# and still 04:30 on 10 March in Los Angeles (PDT, −7).
SAME_INSTANT = datetime(2025, 3, 10, 11, 30, tzinfo=UTC)


def test_same_instant_is_the_due_date_in_auckland_and_the_day_before_in_los_angeles(org, incident):
    kiwi, angeleno = org.people.member, org.people.author
    factories.set_profile(kiwi, timezone="Pacific/Auckland")
    factories.set_profile(angeleno, timezone="America/Los_Angeles")
    item_due(incident, kiwi, date(2025, 3, 11), title="Kiwi's item")
    item_due(incident, angeleno, date(2025, 3, 11), title="Angeleno's item")
    assert due_for(SAME_INSTANT) == {
        ("Kiwi's item", "mo"): (Reason.DUE_TODAY, date(2025, 3, 11)),
        ("Angeleno's item", "ada"): (Reason.BEFORE_DUE, date(2025, 3, 8)),
    }


@pytest.mark.parametrize(
    "utc_time, expected",
    [
        (datetime(2025, 3, 10, 10, 59, 59, tzinfo=UTC), Reason.BEFORE_DUE),  # 23:59:59 on the 10th in Auckland
        (datetime(2025, 3, 10, 11, 0, 0, tzinfo=UTC), Reason.DUE_TODAY),  # midnight: the 11th begins
    ],
)
def test_the_due_date_begins_at_the_owners_midnight(org, incident, utc_time, expected):
    factories.set_profile(org.people.member, timezone="Pacific/Auckland")
    item_due(incident, org.people.member, date(2025, 3, 11))
    assert due_for(utc_time)[("Alert on pool saturation", "mo")][0] == expected


def test_items_due_on_utcs_tomorrow_are_found_for_people_ahead_of_utc(org, incident, settings):
    settings.REMINDER_DAYS_BEFORE = 0
    factories.set_profile(org.people.member, timezone="Pacific/Kiritimati")  # UTC+14
    item_due(incident, org.people.member, date(2025, 3, 11))
    assert due_for(datetime(2025, 3, 10, 10, 0, tzinfo=UTC)) == {
        ("Alert on pool saturation", "mo"): (Reason.DUE_TODAY, date(2025, 3, 11))
    }


def test_escalation_uses_the_leads_today(org, incident):
    factories.set_profile(org.people.member, timezone="America/Los_Angeles")
    factories.set_profile(org.people.lead, timezone="Pacific/Auckland")
    # Due 25 Feb: at SAME_INSTANT it is 14 days overdue in Auckland, 13 in Los Angeles.
    item_due(incident, org.people.member, date(2025, 2, 25))
    assert due_for(SAME_INSTANT) == {
        ("Alert on pool saturation", "mo"): (Reason.OVERDUE, date(2025, 3, 4)),
        ("Alert on pool saturation", "lin"): (Reason.ESCALATION, date(2025, 3, 11)),
    }


# What is still pending -----------------------------------------------------------------

def test_pending_leaves_out_sent_and_freshly_claimed_reminders(org, incident):
    sent = item_due(incident, org.people.member, TODAY, title="Sent")
    claimed = item_due(incident, org.people.member, TODAY, title="Claimed")
    item_due(incident, org.people.member, TODAY, title="New")
    Reminder.objects.create(item=sent, recipient=org.people.member, reason=Reason.DUE_TODAY, reason_date=TODAY,
                            claimed_at=NOW - days(1), sent_at=NOW - days(1))
    Reminder.objects.create(item=claimed, recipient=org.people.member, reason=Reason.DUE_TODAY, reason_date=TODAY,
                            claimed_at=NOW - timedelta(minutes=1))
    assert [d.item.title for d in reminders.pending_reminders(now=NOW)] == ["New"]


def test_pending_includes_a_claim_whose_lease_expired(org, incident, settings):
    item = item_due(incident, org.people.member, TODAY)
    Reminder.objects.create(item=item, recipient=org.people.member, reason=Reason.DUE_TODAY, reason_date=TODAY,
                            claimed_at=NOW - timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS))
    assert [d.item for d in reminders.pending_reminders(now=NOW)] == [item]


def test_pending_gives_up_after_the_maximum_attempts(org, incident):
    item = item_due(incident, org.people.member, TODAY)
    Reminder.objects.create(item=item, recipient=org.people.member, reason=Reason.DUE_TODAY, reason_date=TODAY,
                            claimed_at=NOW - days(1), attempts=claims.MAX_SEND_ATTEMPTS, last_error="refused")
    assert reminders.pending_reminders(now=NOW) == []


def test_a_sent_earlier_step_does_not_hide_the_next_one(org, incident):
    item = item_due(incident, org.people.member, TODAY - days(7))
    Reminder.objects.create(item=item, recipient=org.people.member, reason=Reason.DUE_TODAY,
                            reason_date=TODAY - days(7), claimed_at=NOW - days(7), sent_at=NOW - days(7))
    assert [(d.reason, d.reason_date) for d in reminders.pending_reminders(now=NOW)] == [(Reason.OVERDUE, TODAY)]


def test_finding_due_reminders_takes_a_fixed_number_of_queries(org, incident, django_assert_max_num_queries):
    for n in range(15):
        item_due(incident, org.people.member, TODAY - days(n), title=f"Item {n}")
    with django_assert_max_num_queries(3):  # the items (after turning JIT off for them) and the leads
        due = reminders.due_reminders(now=NOW)
    assert len(due) == 15 + 1  # the 14-days-late item also escalates to lin


def test_reminder_text_describes_the_state_on_the_recipients_today():
    assert reminders.describe_due(3) == "Due in 3 days"
    assert reminders.describe_due(1) == "Due in 1 day"
    assert reminders.describe_due(0) == "Due today"
    assert reminders.describe_due(-1) == "Overdue by 1 day"
    assert reminders.describe_due(-8) == "Overdue by 8 days"


def test_an_unknown_time_zone_falls_back_to_utc_instead_of_stopping_the_sweep(org, incident):
    factories.set_profile(org.people.member, timezone="Mars/Olympus_Mons")  # saved past the validator
    item_due(incident, org.people.member, TODAY)
    assert due_for() == {("Alert on pool saturation", "mo"): (Reason.DUE_TODAY, TODAY)}
