"""The weekly digest's content and schedule: plain functions with a controlled clock.

The fixture is small enough to work out by hand: who may see which post-mortem
and item follows `permissions`, and the window is the seven days before the
person's Monday 09:00.
"""
from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest

from postmortems import digest
from postmortems.models import ActionItem, Digest, PostMortem, Profile
from tests import factories

UTC = dt_timezone.utc
NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)  # a Monday, just after 09:00 UTC
WEEK = date(2025, 3, 10)
pytestmark = pytest.mark.usefixtures("fast_passwords")


def at(day, hour=12, minute=0):
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def published(team, title, *, when, kind="technical", severity=3, authors=(), **fields):
    postmortem = factories.make_postmortem(team, kind=kind, severity=severity, authors=authors, title=title, **fields)
    return factories.publish_at(postmortem, when)


def item(postmortem, owner, title, due, **fields):
    return ActionItem.objects.create(postmortem=postmortem, owner=owner, title=title, due_date=due, **fields)


def titles(section):
    return [line["title"] for line in section.lines]


@pytest.fixture
def week(org):
    """Last week's publications and open work, with a restricted people incident in the middle of it."""
    people = org.people
    checkout = published(org.payments, "Checkout latency", when=at(5), authors=[people.author])
    harassment = published(org.payments, "Harassment in the on-call channel", kind="people", severity=2,
                           when=at(6), authors=[people.author])
    published(org.search, "Search index outage", severity=1, when=at(7))
    published(org.search, "Search typo in results", severity=3, when=at(7))
    published(org.search, "Burnout on the search rota", kind="people", severity=1, when=at(7),
              authors=[people.other_team], viewers=[people.lead])
    # Just outside the window at both ends, and never published.
    published(org.payments, "Before the window", when=at(3, 8, 59))
    published(org.payments, "At the window's end", when=at(10, 9, 0))
    factories.make_postmortem(org.payments, title="Still a draft", authors=[people.author])

    mo = people.member
    item(checkout, mo, "Add a latency alert", date(2025, 3, 8))
    item(checkout, mo, "Load test checkout", date(2025, 3, 12))
    item(checkout, mo, "Write the runbook", None)
    item(checkout, mo, "Tune the pool (next month)", date(2025, 4, 2))
    item(checkout, mo, "Already done", date(2025, 3, 1), status=ActionItem.Status.DONE)
    item(checkout, people.author, "Ada's late item", date(2025, 3, 5))
    # Mo owns an item on the people incident but may not read it: it must not appear anywhere for Mo.
    item(harassment, mo, "Confidential follow-up", date(2025, 3, 1))
    return org


# Content ------------------------------------------------------------------------------

def test_a_member_gets_their_teams_publications_and_notable_ones_elsewhere(week):
    content = digest.build_digest(week.people.member, now=NOW)

    assert content.week == WEEK
    assert (content.starts, content.ends) == (at(3, 9), at(10, 9))
    assert titles(content.team_postmortems) == ["Checkout latency"]
    assert titles(content.notable_postmortems) == ["Search index outage"]


def test_a_member_gets_their_own_open_items_by_urgency(week):
    content = digest.build_digest(week.people.member, now=NOW)

    assert titles(content.overdue) == ["Add a latency alert"]
    assert titles(content.due_soon) == ["Load test checkout"]
    assert titles(content.other_open) == ["Tune the pool (next month)", "Write the runbook"]
    assert content.overdue.lines[0]["status"] == "Overdue by 2 days"
    assert content.due_soon.lines[0]["status"] == "Due in 2 days"
    assert content.open_count == 4


def test_team_overdue_count_leaves_out_items_of_incidents_the_reader_may_not_see(week):
    member = digest.build_digest(week.people.member, now=NOW)
    lead = digest.build_digest(week.people.lead, now=NOW)

    # Mo: his late item and Ada's; the people incident's item is not his to count.
    assert [(row["team"], row["count"]) for row in member.team_overdue] == [("Payments", 2)]
    # Lin leads Payments and may read the people incident: three.
    assert [(row["team"], row["count"]) for row in lead.team_overdue] == [("Payments", 3)]
    assert member.team_overdue[0]["url"].endswith(f"/actions/?status=overdue&team={week.payments.pk}")


def test_restricted_people_incident_never_reaches_someone_who_may_not_read_it(week, mailoutbox):
    content = digest.build_digest(week.people.member, now=NOW)
    message = digest.digest_email(content)
    html = message.alternatives[0][0]

    for secret in ("Harassment", "Confidential follow-up", "Burnout"):
        assert secret not in message.body
        assert secret not in html
        assert secret not in message.subject


def test_a_lead_sees_their_teams_people_incident_marked_restricted(week):
    content = digest.build_digest(week.people.lead, now=NOW)

    assert titles(content.team_postmortems) == ["Harassment in the on-call channel", "Checkout latency"]
    assert [line["restricted"] for line in content.team_postmortems.lines] == [True, False]
    message = digest.digest_email(content)
    assert "restricted: do not forward" in message.body
    # Lin may read Search's SEV1 people incident (a named viewer), but a people incident is
    # never "notable across the organisation": only its own team's digests list it.
    assert titles(content.notable_postmortems) == ["Search index outage"]
    search_lead = digest.build_digest(week.people.other_team, now=NOW)
    assert titles(search_lead.team_postmortems) == ["Search index outage", "Burnout on the search rota",
                                                    "Search typo in results"]


def test_someone_in_no_team_gets_only_the_notable_incidents(week):
    content = digest.build_digest(week.people.outsider, now=NOW)

    assert titles(content.team_postmortems) == []
    assert titles(content.notable_postmortems) == ["Search index outage"]
    assert content.team_overdue == []
    assert content.open_count == 0


def test_every_link_is_absolute(week, settings):
    settings.SITE_URL = "https://debrief.example.com"
    content = digest.build_digest(week.people.member, now=NOW)
    checkout = PostMortem.objects.get(title="Checkout latency")
    late = ActionItem.objects.get(title="Add a latency alert")

    assert content.team_postmortems.lines[0]["url"] == f"https://debrief.example.com/postmortems/{checkout.pk}/"
    assert content.overdue.lines[0]["url"] == f"https://debrief.example.com/actions/{late.pk}/"
    assert content.unsubscribe_url.startswith("https://debrief.example.com/digest/unsubscribe/")
    html = digest.digest_email(content).alternatives[0][0]
    assert 'href="/' not in html


def test_email_is_multipart_with_inline_styles_and_no_external_resources(week):
    message = digest.digest_email(digest.build_digest(week.people.member, now=NOW))
    html, mimetype = message.alternatives[0]

    assert mimetype == "text/html"
    assert message.subject == "[Debrief] Your weekly digest, week of 10 Mar 2025: 2 post-mortems published, " \
                              "1 of your action items overdue"
    assert "<img" not in html and "<script" not in html and "<link" not in html and "<style" not in html
    assert 'style="' in html
    assert "Checkout latency" in message.body and "Search index outage" in message.body
    assert "Unsubscribe" in html and content_unsubscribe(message) in message.body


def content_unsubscribe(message):
    return next(line.split(": ", 1)[1] for line in message.body.splitlines() if line.startswith("Unsubscribe"))


def test_email_carries_list_unsubscribe_headers_for_one_click(week):
    content = digest.build_digest(week.people.member, now=NOW)
    message = digest.digest_email(content)

    assert message.extra_headers["List-Unsubscribe"] == f"<{content.one_click_unsubscribe_url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert content.one_click_unsubscribe_url.endswith("/one-click/")


def test_titles_are_escaped_in_html(org):
    published(org.payments, "<b>Bold</b> & broken", when=at(5))
    message = digest.digest_email(digest.build_digest(org.people.member, now=NOW))

    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; broken" in message.alternatives[0][0]
    assert "<b>Bold</b> & broken" in message.body


def test_long_lists_end_with_how_many_more(org):
    incident = published(org.payments, "Checkout latency", when=at(5))
    for n in range(digest.MAX_LISTED + 3):
        item(incident, org.people.member, f"Late {n:02d}", date(2025, 3, 1))

    content = digest.build_digest(org.people.member, now=NOW)

    assert len(content.overdue.lines) == digest.MAX_LISTED
    assert (content.overdue.total, content.overdue.more) == (digest.MAX_LISTED + 3, 3)
    assert "...and 3 more" in digest.digest_email(content).body


def test_a_quiet_week_still_reads_well(org):
    content = digest.build_digest(org.people.member, now=NOW)
    body = digest.digest_email(content).body

    assert "Nothing was published in your teams this week." in body
    assert "You have no open action items." in body
    assert "Payments: 0 overdue action items" in body


def test_building_a_digest_takes_the_same_queries_for_one_item_or_many(org, django_assert_max_num_queries):
    incident = published(org.payments, "Checkout latency", when=at(5))
    item(incident, org.people.member, "Only one", date(2025, 3, 1))
    with django_assert_max_num_queries(30) as one:
        digest.build_digest(org.people.member, now=NOW)
    for n in range(20):
        item(incident, org.people.member, f"More {n}", date(2025, 3, 1 + n % 9))
    with django_assert_max_num_queries(len(one.captured_queries)):
        digest.build_digest(org.people.member, now=NOW)


# Trend highlights ----------------------------------------------------------------------

def incident_with_theme(team, theme, *, kind="technical", authors=(), started):
    postmortem = published(team, f"{theme.name} incident {started:%d %b}", kind=kind, authors=authors,
                           when=started + timedelta(days=2), started_at=started)
    factories.add_factor(postmortem, theme)
    return postmortem


def test_trend_highlights_come_from_the_dashboards_aggregates_with_absolute_links(org, settings):
    settings.SITE_URL = "https://debrief.example.com"
    capacity = factories.shared_theme("Capacity")
    for day in (1, 8, 15):
        incident_with_theme(org.payments, capacity, started=datetime(2025, 2, day, tzinfo=UTC))

    content = digest.build_digest(org.people.member, now=NOW)

    assert 1 <= len(content.highlights) <= 3
    (repeat,) = [h for h in content.highlights if "Capacity" in h["text"]]
    assert "3 incidents" in repeat["text"]
    assert repeat["url"].startswith("https://debrief.example.com/?")
    assert "Capacity" in digest.digest_email(content).body


def test_trend_highlights_do_not_count_people_incidents_the_reader_may_not_see(org):
    capacity = factories.shared_theme("Capacity")
    incident_with_theme(org.payments, capacity, started=datetime(2025, 2, 1, tzinfo=UTC))
    incident_with_theme(org.payments, capacity, started=datetime(2025, 2, 8, tzinfo=UTC))
    incident_with_theme(org.payments, capacity, kind="people", authors=[org.people.author],
                        started=datetime(2025, 2, 15, tzinfo=UTC))

    for person in (org.people.member, org.people.outsider, org.people.lead):
        content = digest.build_digest(person, now=NOW)
        # Two visible incidents are no repeat; for the lead, one restricted incident would be singled out.
        assert not any("Capacity" in h["text"] for h in content.highlights), person


# Schedule ---------------------------------------------------------------------------

@pytest.fixture
def tokyo_and_la(db):
    tokyo = factories.make_user("kenji")
    factories.set_profile(tokyo, timezone="Asia/Tokyo")
    la = factories.make_user("lupe")
    factories.set_profile(la, timezone="America/Los_Angeles")
    return tokyo, la


def test_tokyo_is_due_at_its_own_monday_0900(tokyo_and_la):
    tokyo, _ = tokyo_and_la
    # Monday 09:00 in Tokyo (UTC+9) is Monday 00:00 UTC.
    assert digest.due_week(tokyo, datetime(2025, 3, 9, 23, 59, 59, tzinfo=UTC)) is None
    assert digest.due_week(tokyo, datetime(2025, 3, 10, 0, 0, tzinfo=UTC)) == WEEK
    assert digest.scheduled_at(tokyo, WEEK) == datetime(2025, 3, 10, 0, 0, tzinfo=UTC)


def test_los_angeles_is_due_at_its_own_monday_0900_after_the_clocks_changed(tokyo_and_la):
    _, la = tokyo_and_la
    # Clocks went forward on Sunday 9 March 2025: Monday 09:00 PDT is 16:00 UTC, not 17:00.
    assert digest.due_week(la, datetime(2025, 3, 10, 6, 0, tzinfo=UTC)) == date(2025, 3, 3)  # still Sunday there
    assert digest.due_week(la, datetime(2025, 3, 10, 15, 59, tzinfo=UTC)) is None  # Monday 08:59 there
    assert digest.scheduled_at(la, WEEK) == datetime(2025, 3, 10, 16, 0, tzinfo=UTC)
    assert digest.due_week(la, datetime(2025, 3, 10, 16, 0, tzinfo=UTC)) == WEEK
    # The week before, in PST (UTC−8), 09:00 was 17:00 UTC.
    assert digest.scheduled_at(la, date(2025, 3, 3)) == datetime(2025, 3, 3, 17, 0, tzinfo=UTC)


def test_each_person_is_swept_at_their_own_local_monday_morning(tokyo_and_la, mailoutbox):
    tokyo, la = tokyo_and_la
    for person in (tokyo, la):  # both had last week's digest
        Digest.objects.create(person=person, week=date(2025, 3, 3), claimed_at=NOW - timedelta(days=7),
                              sent_at=NOW - timedelta(days=7))

    assert digest.send_due_digests(now=datetime(2025, 3, 9, 23, 45, tzinfo=UTC)).emails_sent == 0
    assert digest.send_due_digests(now=datetime(2025, 3, 10, 0, 0, tzinfo=UTC)).emails_sent == 1
    assert [m.to for m in mailoutbox] == [["kenji@example.test"]]
    assert digest.send_due_digests(now=datetime(2025, 3, 10, 15, 45, tzinfo=UTC)).emails_sent == 0
    assert digest.send_due_digests(now=datetime(2025, 3, 10, 16, 0, tzinfo=UTC)).emails_sent == 1
    assert [m.to for m in mailoutbox] == [["kenji@example.test"], ["lupe@example.test"]]
    assert set(Digest.objects.filter(week=WEEK).values_list("person__username", flat=True)) == {"kenji", "lupe"}


def test_the_digest_window_is_the_week_before_the_persons_own_send_time(tokyo_and_la):
    tokyo, _ = tokyo_and_la
    content = digest.build_digest(tokyo, now=datetime(2025, 3, 10, 1, 0, tzinfo=UTC))
    assert (content.starts, content.ends) == (datetime(2025, 3, 3, 0, 0, tzinfo=UTC),
                                              datetime(2025, 3, 10, 0, 0, tzinfo=UTC))
    assert content.schedule == "Mondays at 09:00 (Asia/Tokyo)"


def test_a_chosen_day_and_hour_are_kept(db):
    person = factories.make_user("fran")
    factories.set_profile(person, timezone="Europe/London", digest_day=Profile.Weekday.FRIDAY, digest_hour=17)

    assert digest.due_week(person, datetime(2025, 3, 10, 9, 0, tzinfo=UTC)) is None  # Monday: not yet
    assert digest.scheduled_at(person, WEEK) == datetime(2025, 3, 14, 17, 0, tzinfo=UTC)
    assert digest.due_week(person, datetime(2025, 3, 14, 16, 59, tzinfo=UTC)) is None
    assert digest.due_week(person, datetime(2025, 3, 14, 17, 0, tzinfo=UTC)) == WEEK
    assert digest.due_week(person, datetime(2025, 3, 16, 23, 59, tzinfo=UTC)) == WEEK  # until Sunday night
    # After the summer change, 17:00 in London is 16:00 UTC.
    assert digest.scheduled_at(person, date(2025, 3, 31)) == datetime(2025, 4, 4, 16, 0, tzinfo=UTC)


def test_the_default_is_monday_at_nine_in_utc_without_a_profile(db):
    person = factories.make_user("newcomer")
    assert not Profile.objects.filter(user=person).exists()
    assert digest.scheduled_at(person, WEEK) == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    assert not Profile.objects.filter(user=person).exists()  # reading the schedule writes nothing


def test_a_missed_sweep_is_caught_up_later_the_same_week_but_never_for_an_earlier_week(db, mailoutbox):
    person = factories.make_user("late")
    # No digest row at all: the workers were down since before last week.
    result = digest.send_due_digests(now=datetime(2025, 3, 13, 18, 0, tzinfo=UTC))  # Thursday
    assert result.emails_sent == 1
    assert list(Digest.objects.values_list("person__username", "week")) == [("late", WEEK)]


def test_an_unknown_time_zone_falls_back_to_utc(db):
    person = factories.make_user("nowhere")
    Profile.objects.create(user=person, timezone="Mars/Olympus_Mons")
    assert digest.scheduled_at(person, WEEK) == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def test_only_active_people_with_an_address_who_have_not_opted_out_are_due(db):
    kept = factories.make_user("kept")
    opted_out = factories.make_user("out")
    factories.set_profile(opted_out, digest_opt_in=False)
    factories.make_user("gone", is_active=False)
    factories.make_user("silent").__class__.objects.filter(username="silent").update(email="")
    paused = factories.make_user("paused")
    factories.set_profile(paused, reminders_paused=True)  # pausing reminders is not opting out of the digest

    due = digest.due_digests(now=NOW)

    assert sorted(d.person.username for d in due) == ["kept", "paused"]
    assert kept in [d.person for d in due]


def test_a_week_belongs_to_its_monday():
    assert digest.week_of(date(2025, 3, 10)) == WEEK
    assert digest.week_of(date(2025, 3, 16)) == WEEK
    assert digest.week_of(date(2025, 3, 17)) == date(2025, 3, 17)


# The preview page ---------------------------------------------------------------------

def test_preview_page_shows_this_weeks_digest_for_the_signed_in_person(week, login):
    published(week.payments, "Published moments ago", when=datetime.now(UTC) - timedelta(minutes=5))
    response = login(week.people.member).get("/digest/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "This week&#x27;s digest" in page or "This week's digest" in page
    assert "The plain-text version" in page
    assert "Harassment" not in page and "Confidential follow-up" not in page


def test_preview_page_needs_a_sign_in(client):
    response = client.get("/digest/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preview_page_says_when_the_digest_is_off(org, login):
    factories.set_profile(org.people.member, digest_opt_in=False)
    page = login(org.people.member).get("/digest/").content.decode()
    assert "You have turned the digest off" in page


def test_settings_page_offers_the_digest_day_and_hour_and_links_to_the_preview(org, login):
    client = login(org.people.member)
    page = client.get("/settings/").content.decode()
    assert 'name="digest_day"' in page and 'name="digest_hour"' in page
    assert 'href="/digest/"' in page

    response = client.post("/settings/", {"timezone": "Asia/Tokyo", "digest_opt_in": "on", "digest_day": "4",
                                          "digest_hour": "17"})

    assert response.status_code == 302
    profile = Profile.objects.get(user=org.people.member)
    assert (profile.timezone, profile.digest_day, profile.digest_hour) == ("Asia/Tokyo", 4, 17)


def test_settings_saved_without_the_digest_fields_keep_the_saved_schedule(org, login):
    factories.set_profile(org.people.member, digest_day=Profile.Weekday.FRIDAY, digest_hour=17)
    response = login(org.people.member).post("/settings/", {"timezone": "UTC", "digest_opt_in": "on"})

    assert response.status_code == 302
    profile = Profile.objects.get(user=org.people.member)
    assert (profile.digest_day, profile.digest_hour) == (4, 17)


def test_settings_refuse_an_hour_outside_the_day(org, login):
    response = login(org.people.member).post("/settings/", {"timezone": "UTC", "digest_day": "0", "digest_hour": "24"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


# Own items in one query (issue 10) -------------------------------------------------------

def test_each_item_section_lists_its_first_ten_by_due_date_with_its_total(org):
    incident = published(org.payments, "Checkout latency", when=at(5))
    for n in range(12):
        item(incident, org.people.member, f"Late {n:02d}", date(2025, 2, 28 - n))
        item(incident, org.people.member, f"Soon {n:02d}", date(2025, 3, 10 + n % 8))
        item(incident, org.people.member, f"Later {n:02d}", None if n % 2 else date(2025, 4, 1 + n))
    item(incident, org.people.member, "Closed", date(2025, 3, 1), status=ActionItem.Status.DONE)
    items = ActionItem.objects.filter(owner=org.people.member, status__in=["open", "in_progress"])

    content = digest.build_digest(org.people.member, now=NOW)

    def first_ten(**lookups):
        rows = items.filter(**lookups).order_by("due_date", "pk")
        return [row.title for row in rows][:digest.MAX_LISTED]

    assert titles(content.overdue) == first_ten(due_date__lt=date(2025, 3, 10))
    assert titles(content.due_soon) == first_ten(due_date__gte=date(2025, 3, 10), due_date__lte=date(2025, 3, 17))
    dated = first_ten(title__startswith="Later", due_date__isnull=False)
    undated = [row.title for row in items.filter(due_date=None).order_by("pk")]
    assert titles(content.other_open) == (dated + undated)[:digest.MAX_LISTED]  # no due date comes last
    assert (content.overdue.total, content.due_soon.total, content.other_open.total) == (12, 12, 12)
    assert (content.overdue.more, content.due_soon.more, content.other_open.more) == (2, 2, 2)
    assert content.open_count == 36
    assert content.other_open.url.endswith("/actions/mine/?status=open")


def test_items_of_a_people_incident_the_owner_may_not_read_are_left_out_of_every_section(org):
    people = published(org.payments, "Harassment report", kind="people", when=at(5), authors=[org.people.author])
    item(people, org.people.member, "Hidden late", date(2025, 3, 1))
    item(people, org.people.member, "Hidden later", None)

    content = digest.build_digest(org.people.member, now=NOW)

    assert content.open_count == 0
    assert all(section.lines == [] for _, section in content.item_sections)
