"""Review meetings (issue 13): proposing, changing, cancelling, and the iCalendar emails that follow."""
import smtplib
import zoneinfo
from datetime import timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import ics, scheduling, sending
from meetings.models import MeetingEmail, ReviewMeeting
from postmortems import claims, permissions
from tests import factories

HOSTILE = 'Room 1, floor 2; "east" \\ wing\r\nATTENDEE:mailto:evil@example.test\nEND:VEVENT <script>x()</script>'

VISIBLE = {
    "technical": {"author": True, "lead": True, "member": True, "viewer": False, "other_team": False, "outsider": False},
    "people": {"author": True, "lead": True, "member": False, "viewer": True, "other_team": False, "outsider": False},
}
SCHEDULES = {"author", "lead"}
ROLE_CASES = [(kind, role) for kind, roles in VISIBLE.items() for role in roles]


def expected_status(kind, role):
    if not VISIBLE[kind][role]:
        return 404
    return None if role in SCHEDULES else 403


@pytest.fixture
def soon():
    return (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)


def _incident(org, kind, **fields):
    people = org.people
    return factories.make_postmortem(
        org.payments, kind=kind, authors=[people.author], viewers=[people.viewer] if kind == "people" else [],
        **fields,
    )


def _propose(org, postmortem, starts_at, invitees=None, **fields):
    people = org.people
    invitees = invitees if invitees is not None else [people.author, people.lead]
    return scheduling.propose(
        postmortem=postmortem, organiser=people.author, starts_at=starts_at,
        duration_minutes=fields.pop("duration_minutes", 45), location=fields.pop("location", "Room 1"),
        invitees=invitees, **fields,
    )


def calendar_of(message):
    """(method parameter of the text/calendar part, its parsed VEVENT, the calendar, the raw text)."""
    parts = [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    assert part.get_filename() == "invite.ics"
    raw = part.get_payload(decode=True).decode("utf-8")
    calendar = icalendar.Calendar.from_ical(raw)
    return part.get_param("method"), calendar.walk("VEVENT")[0], calendar, raw


def attendees(event):
    found = event.get("ATTENDEE", [])
    found = found if isinstance(found, list) else [found]
    return sorted(str(address).removeprefix("mailto:") for address in found)


def sent_to(outbox):
    return {message.to[0]: message for message in outbox}


# The .ics writer -----------------------------------------------------------------------------

def test_text_is_escaped_as_rfc_5545_says():
    assert ics.escape_text("a,b;c\\d\ne\r\nf\rg") == "a\\,b\\;c\\\\d\\ne\\nf\\ng"
    assert ics.escape_text("bell\x07 and tab\t") == "bell and tab\t"


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "é€😀a" * 40
    folded = ics.fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert folded.replace("\r\n ", "") == line


def test_hostile_text_round_trips_and_adds_no_property(soon):
    text = ics.calendar(
        uid="x@debrief", method="REQUEST", sequence=3, starts_at=soon, ends_at=soon + timedelta(hours=1),
        summary="Post-mortem review: " + HOSTILE, description=HOSTILE, location=HOSTILE, url="http://debrief.test/1/",
        organiser=('Ada "boss" Okafor\r\nX-INJECTED:1', "ada@example.test"),
        attendees=[('Mo;Haddad,"Jr":mailto:evil@example.test', "mo@example.test")], stamp=soon,
    )
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    unescaped = HOSTILE.replace("\r\n", "\n")

    assert str(event["LOCATION"]) == unescaped
    assert str(event["DESCRIPTION"]) == unescaped
    assert str(event["SUMMARY"]) == "Post-mortem review: " + unescaped
    assert attendees(event) == ["mo@example.test"]
    assert "X-INJECTED" not in event
    assert str(event["ORGANIZER"]) == "mailto:ada@example.test"
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF, no bare newline anywhere


def test_mailto_cannot_carry_a_line_break_or_parameter():
    assert ics.mailto('a"b;c:d\r\nX@example.test') == "mailto:a%22b%3Bc%3AdX@example.test"


# Invitations, updates and cancellations ---------------------------------------------------------

def test_proposal_emails_each_invitee_a_request(org, soon, mailoutbox):
    postmortem = _incident(org, "technical", title="Checkout timeouts")
    meeting = _propose(org, postmortem, soon, location="Room 1, floor 2")

    result = sending.send_due_emails()

    assert result.emails_sent == 2
    messages = sent_to(mailoutbox)
    assert set(messages) == {"ada@example.test", "lin@example.test"}
    message = messages["lin@example.test"]
    assert message.subject == "[Debrief] Review meeting: “Checkout timeouts”"
    assert "Room 1, floor 2" in message.body
    method, event, calendar, raw = calendar_of(message)
    assert method == "REQUEST"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    assert event["SEQUENCE"] == 0
    assert event["DTSTART"].dt == soon and event["DTSTART"].dt.utcoffset() == timedelta(0)
    assert event["DTEND"].dt == soon + timedelta(minutes=45)
    assert "DTSTART:" + soon.strftime("%Y%m%dT%H%M%SZ") in raw.replace("\r\n ", "")
    assert str(event["SUMMARY"]) == "Post-mortem review: Checkout timeouts"
    assert str(event["LOCATION"]) == "Room 1, floor 2"
    assert str(event["ORGANIZER"]) == "mailto:ada@example.test"
    assert event["ORGANIZER"].params["CN"] == "Ada Okafor"
    assert attendees(event) == ["ada@example.test", "lin@example.test"]
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]).endswith(f"/postmortems/{postmortem.pk}/")


def test_each_email_goes_once_however_often_the_sweep_runs(org, soon, mailoutbox):
    _propose(org, _incident(org, "technical"), soon)
    sending.send_due_emails()
    sending.send_due_emails()
    sending.send_due_emails(now=timezone.now() + timedelta(hours=2))
    assert len(mailoutbox) == 2
    assert MeetingEmail.objects.filter(sent_at__isnull=False).count() == 2


def test_update_sends_a_higher_sequence_and_a_cancel_to_whoever_was_removed(org, soon, mailoutbox):
    people = org.people
    meeting = _propose(org, _incident(org, "technical"), soon)
    sending.send_due_emails()
    mailoutbox.clear()

    changed = scheduling.update(meeting=meeting, starts_at=soon + timedelta(hours=1), duration_minutes=30,
                                location="Video: https://meet.example.test/abc", invitees=[people.author, people.member])
    sending.send_due_emails()

    assert changed and meeting.sequence == 1
    messages = sent_to(mailoutbox)
    assert set(messages) == {"ada@example.test", "mo@example.test", "lin@example.test"}
    method, event, _, _ = calendar_of(messages["mo@example.test"])
    assert (method, event["SEQUENCE"], str(event["UID"])) == ("REQUEST", 1, meeting.uid)
    assert event["DTSTART"].dt == soon + timedelta(hours=1)
    assert event["DTEND"].dt == soon + timedelta(hours=1, minutes=30)
    assert attendees(event) == ["ada@example.test", "mo@example.test"]
    assert messages["mo@example.test"].subject.startswith("[Debrief] Updated: review of")
    method, event, _, _ = calendar_of(messages["lin@example.test"])
    assert (method, event["SEQUENCE"], str(event["UID"])) == ("CANCEL", 1, meeting.uid)
    assert attendees(event) == ["lin@example.test"]  # the removal names only the person removed
    assert "no longer invited" in messages["lin@example.test"].body


def test_an_update_that_changes_nothing_sends_nothing(org, soon, mailoutbox):
    meeting = _propose(org, _incident(org, "technical"), soon)
    sending.send_due_emails()
    mailoutbox.clear()

    changed = scheduling.update(meeting=meeting, starts_at=soon, duration_minutes=45, location="Room 1",
                                invitees=[org.people.lead, org.people.author])
    sending.send_due_emails()

    assert not changed and meeting.sequence == 0
    assert mailoutbox == []


def test_cancel_sends_method_cancel_with_the_next_sequence_to_everyone(org, soon, mailoutbox):
    meeting = _propose(org, _incident(org, "technical"), soon)
    sending.send_due_emails()
    scheduling.update(meeting=meeting, starts_at=soon, duration_minutes=60, location="Room 2",
                      invitees=[org.people.author, org.people.lead])
    sending.send_due_emails()
    mailoutbox.clear()

    scheduling.cancel(meeting=meeting)
    sending.send_due_emails()

    assert meeting.is_cancelled and meeting.sequence == 2
    assert len(mailoutbox) == 2
    for message in mailoutbox:
        method, event, calendar, _ = calendar_of(message)
        assert method == "CANCEL" and str(calendar["METHOD"]) == "CANCEL"
        assert event["SEQUENCE"] == 2 and str(event["UID"]) == meeting.uid
        assert str(event["STATUS"]) == "CANCELLED"
        assert attendees(event) == ["ada@example.test", "lin@example.test"]
        assert message.subject.startswith("[Debrief] Cancelled: review of")
    with pytest.raises(scheduling.MeetingError):
        scheduling.cancel(meeting=meeting)


def test_an_unsent_version_is_superseded_by_the_next(org, soon, mailoutbox):
    meeting = _propose(org, _incident(org, "technical"), soon)
    scheduling.update(meeting=meeting, starts_at=soon + timedelta(days=1), duration_minutes=45, location="Room 1",
                      invitees=[org.people.author, org.people.lead])
    sending.send_due_emails()

    assert len(mailoutbox) == 2
    assert {calendar_of(message)[1]["SEQUENCE"] for message in mailoutbox} == {1}


def test_a_cancelled_meeting_frees_the_post_mortem_for_a_new_one(org, soon):
    postmortem = _incident(org, "technical")
    first = _propose(org, postmortem, soon)
    with pytest.raises(scheduling.MeetingError):
        _propose(org, postmortem, soon)
    scheduling.cancel(meeting=first)
    second = _propose(org, postmortem, soon + timedelta(days=1))
    assert second.uid != first.uid


# Failing emails are retried ---------------------------------------------------------------------

@pytest.fixture
def refusing_mail_server(monkeypatch):
    """The mail backend refuses every message until `.accept()` is called."""
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages
    state = {"refuse": True}

    def send_messages(self, messages):
        if state["refuse"]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return state


def test_a_refused_email_is_retried_after_its_backoff_not_dropped(org, soon, mailoutbox, refusing_mail_server):
    _propose(org, _incident(org, "technical"), soon, invitees=[org.people.lead])
    now = timezone.now()

    failed = sending.send_due_emails(now=now)
    row = MeetingEmail.objects.get()
    assert failed.emails_failed == 1 and mailoutbox == []
    assert row.sent_at is None and row.attempts == 1 and "SMTPServerDisconnected" in row.last_error

    assert sending.send_due_emails(now=now + timedelta(seconds=30)).emails_sent == 0  # still backing off
    refusing_mail_server["refuse"] = False
    retried = sending.send_due_emails(now=now + claims.retry_delay(1) + timedelta(seconds=1))

    assert retried.emails_sent == 1
    assert [message.to for message in mailoutbox] == [["lin@example.test"]]
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2


def test_the_task_in_process_does_not_fail_the_request_when_mail_is_refused(org, soon, refusing_mail_server):
    from meetings import tasks

    _propose(org, _incident(org, "technical"), soon)
    result = tasks.send_meeting_emails.apply().get()
    assert result["emails_failed"] == 2
    assert MeetingEmail.objects.filter(sent_at__isnull=True, attempts=1).count() == 2


def test_changes_send_their_emails_once_committed(org, soon, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _propose(org, _incident(org, "technical"), soon)
    assert len(mailoutbox) == 2


# Who may be invited -----------------------------------------------------------------------------

def test_only_people_who_may_read_a_people_incident_can_be_invited(org, soon):
    people = org.people
    postmortem = _incident(org, "people")

    assert set(permissions.readers_of(postmortem)) == {people.author, people.lead, people.viewer}
    for refused in [people.member, people.other_team, people.outsider]:
        with pytest.raises(scheduling.MeetingError, match="may not read this post-mortem"):
            _propose(org, postmortem, soon, invitees=[people.author, refused])
    assert not ReviewMeeting.objects.exists()
    _propose(org, postmortem, soon, invitees=[people.author, people.lead, people.viewer])


def test_invitee_choices_follow_the_technical_visibility_rule(org):
    people = org.people
    draft = _incident(org, "technical")
    published = _incident(org, "technical", status="published")

    assert set(permissions.readers_of(draft)) == {people.author, people.lead, people.member}
    assert {people.outsider, people.viewer, people.other_team} <= set(permissions.readers_of(published))


def test_choices_agree_with_the_permission_rule(everyone):
    from django.contrib.auth import get_user_model

    from postmortems import permissions

    for kind in ["technical", "people"]:
        postmortem = _incident(everyone, kind)
        may_see = {user for user in get_user_model().objects.all() if user.email and permissions.can_view(user, postmortem)}
        assert set(permissions.readers_of(postmortem)) == may_see, kind


def test_form_refuses_an_invitee_who_may_not_see_with_a_clear_error(org, login, soon):
    postmortem = _incident(org, "people")
    response = login(org.people.author).post(reverse("meetings:propose", args=[postmortem.pk]), {
        "starts_at": soon.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 60, "location": "Room 1",
        "invitees": [org.people.author.pk, org.people.member.pk],
    })

    assert response.status_code == 200
    assert "Mo Haddad may not read this post-mortem, so cannot be invited" in response.content.decode()
    assert not ReviewMeeting.objects.exists()


def test_the_form_offers_only_people_who_may_see(org, login):
    postmortem = _incident(org, "people")
    page = login(org.people.author).get(reverse("meetings:propose", args=[postmortem.pk])).content.decode()
    assert "vic@example.test" in page and "lin@example.test" in page
    assert "mo@example.test" not in page and "nia@example.test" not in page


def test_someone_who_lost_access_before_sending_is_sent_nothing(org, soon, mailoutbox):
    postmortem = _incident(org, "people")
    _propose(org, postmortem, soon, invitees=[org.people.author, org.people.viewer])
    postmortem.viewers.remove(org.people.viewer)

    result = sending.send_due_emails()

    assert result.skipped == 1
    assert [message.to for message in mailoutbox] == [["ada@example.test"]]
    assert MeetingEmail.objects.get(person=org.people.viewer).attempts == claims.MAX_SEND_ATTEMPTS


# Pages ------------------------------------------------------------------------------------------

def _form_data(starts_at, invitees, location="Room 1"):
    return {"starts_at": starts_at.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 60, "location": location,
            "invitees": [person.pk for person in invitees]}


def test_author_proposes_through_the_form(org, login, soon, mailoutbox, django_capture_on_commit_callbacks):
    postmortem = _incident(org, "technical")
    client = login(org.people.author)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:propose", args=[postmortem.pk]),
                               _form_data(soon, [org.people.author, org.people.member]))

    assert response.status_code == 302 and response["Location"] == postmortem.get_absolute_url()
    meeting = ReviewMeeting.objects.get()
    assert meeting.starts_at == soon and meeting.organiser == org.people.author
    assert sorted(message.to[0] for message in mailoutbox) == ["ada@example.test", "mo@example.test"]


def test_times_in_the_form_are_the_proposers_own_zone(org, login, soon):
    factories.set_profile(org.people.author, timezone="Asia/Tokyo")
    postmortem = _incident(org, "technical")
    tokyo = soon.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    login(org.people.author).post(reverse("meetings:propose", args=[postmortem.pk]),
                                  _form_data(tokyo.replace(tzinfo=None), [org.people.author]))
    assert ReviewMeeting.objects.get().starts_at == soon


def test_a_time_in_the_past_is_refused(org, login):
    postmortem = _incident(org, "technical")
    response = login(org.people.author).post(reverse("meetings:propose", args=[postmortem.pk]),
                                             _form_data(timezone.now() - timedelta(hours=1), [org.people.author]))
    assert "Choose a time in the future." in response.content.decode()
    assert not ReviewMeeting.objects.exists()


def test_proposing_again_leads_to_the_existing_meeting(org, login, soon):
    postmortem = _incident(org, "technical")
    meeting = _propose(org, postmortem, soon)
    response = login(org.people.author).get(reverse("meetings:propose", args=[postmortem.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("meetings:update", args=[meeting.pk])


def test_post_mortem_page_shows_the_meeting_in_the_viewers_zone(org, login, soon):
    factories.set_profile(org.people.member, timezone="Asia/Tokyo")
    postmortem = _incident(org, "technical")
    meeting = _propose(org, postmortem, soon, location=HOSTILE)
    page = login(org.people.member).get(postmortem.get_absolute_url()).content.decode()

    tokyo = soon.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert tokyo.strftime("%H:%M") in page and "JST" in page
    assert "Ada Okafor, Lin Park" in page or "Lin Park, Ada Okafor" in page
    assert "<script>x()</script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    assert reverse("meetings:update", args=[meeting.pk]) not in page  # a member cannot change it
    assert reverse("meetings:cancel", args=[meeting.pk]) not in page


@pytest.mark.parametrize("role", ["author", "lead"])
def test_authors_and_leads_see_update_and_cancel(org, login, soon, role):
    postmortem = _incident(org, "technical")
    meeting = _propose(org, postmortem, soon)
    page = login(getattr(org.people, role)).get(postmortem.get_absolute_url()).content.decode()
    assert reverse("meetings:update", args=[meeting.pk]) in page
    assert reverse("meetings:cancel", args=[meeting.pk]) in page


def test_page_without_a_meeting_offers_to_propose_one_to_its_editors(org, login):
    postmortem = _incident(org, "technical")
    url = reverse("meetings:propose", args=[postmortem.pk])
    assert url in login(org.people.author).get(postmortem.get_absolute_url()).content.decode()
    assert url not in login(org.people.member).get(postmortem.get_absolute_url()).content.decode()


@pytest.mark.parametrize("kind,role", ROLE_CASES)
def test_propose_page_permissions(org, login, kind, role):
    postmortem = _incident(org, kind)
    client = login(getattr(org.people, role))
    url = reverse("meetings:propose", args=[postmortem.pk])
    assert client.get(url).status_code == (expected_status(kind, role) or 200)
    response = client.post(url, _form_data(timezone.now() + timedelta(days=2), [org.people.author]))
    assert response.status_code == (expected_status(kind, role) or 302)
    assert ReviewMeeting.objects.exists() == (role in SCHEDULES)


@pytest.mark.parametrize("kind,role", ROLE_CASES)
def test_update_page_permissions(org, login, soon, kind, role):
    meeting = _propose(org, _incident(org, kind), soon)
    client = login(getattr(org.people, role))
    url = reverse("meetings:update", args=[meeting.pk])
    assert client.get(url).status_code == (expected_status(kind, role) or 200)
    response = client.post(url, _form_data(soon + timedelta(hours=2), [org.people.author]))
    assert response.status_code == (expected_status(kind, role) or 302)
    meeting.refresh_from_db()
    assert (meeting.sequence == 1) == (role in SCHEDULES)


@pytest.mark.parametrize("kind,role", ROLE_CASES)
def test_cancel_permissions(org, login, soon, kind, role):
    meeting = _propose(org, _incident(org, kind), soon)
    client = login(getattr(org.people, role))
    url = reverse("meetings:cancel", args=[meeting.pk])
    assert client.get(url).status_code == 405  # only a POST cancels
    response = client.post(url)
    assert response.status_code == (expected_status(kind, role) or 302)
    meeting.refresh_from_db()
    assert meeting.is_cancelled == (role in SCHEDULES)


def test_meeting_pages_need_sign_in(org, client, soon):
    meeting = _propose(org, _incident(org, "technical"), soon)
    for url in [reverse("meetings:propose", args=[meeting.postmortem_id]),
                reverse("meetings:update", args=[meeting.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(reverse("meetings:cancel", args=[meeting.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    meeting.refresh_from_db()
    assert not meeting.is_cancelled


def test_a_cancelled_meeting_cannot_be_changed(org, login, soon):
    meeting = _propose(org, _incident(org, "technical"), soon)
    scheduling.cancel(meeting=meeting)
    client = login(org.people.author)
    assert client.get(reverse("meetings:update", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("meetings:cancel", args=[meeting.pk])).status_code == 404


# CSRF -------------------------------------------------------------------------------------------

def _csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf_token(page):
    import re

    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def test_propose_and_update_forms_need_the_csrf_token(org, soon):
    postmortem = _incident(org, "technical")
    client = _csrf_client(org.people.author)
    url = reverse("meetings:propose", args=[postmortem.pk])

    assert client.post(url, _form_data(soon, [org.people.author])).status_code == 403
    assert not ReviewMeeting.objects.exists()
    token = _csrf_token(client.get(url))
    assert client.post(url, {**_form_data(soon, [org.people.author]), "csrfmiddlewaretoken": token}).status_code == 302

    meeting = ReviewMeeting.objects.get()
    update = reverse("meetings:update", args=[meeting.pk])
    assert client.post(update, _form_data(soon + timedelta(hours=1), [org.people.author])).status_code == 403
    meeting.refresh_from_db()
    assert meeting.sequence == 0


def test_cancel_button_needs_the_csrf_token(org, soon):
    postmortem = _incident(org, "technical")
    meeting = _propose(org, postmortem, soon)
    client = _csrf_client(org.people.author)
    url = reverse("meetings:cancel", args=[meeting.pk])

    assert client.post(url).status_code == 403
    meeting.refresh_from_db()
    assert not meeting.is_cancelled

    token = _csrf_token(client.get(postmortem.get_absolute_url()))  # the button's own form on the page
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.is_cancelled


def test_hostile_meeting_fields_through_the_form_reach_the_calendar_as_text(org, login, soon, mailoutbox):
    postmortem = _incident(org, "people", title='Handover; "night" shift, part \\ 2')
    login(org.people.author).post(reverse("meetings:propose", args=[postmortem.pk]),
                                  _form_data(soon, [org.people.viewer], location=HOSTILE[:300]))
    sending.send_due_emails()

    (message,) = mailoutbox
    _, event, _, _ = calendar_of(message)
    assert attendees(event) == ["vic@example.test"]
    assert str(event["SUMMARY"]) == 'Post-mortem review: Handover; "night" shift, part \\ 2'
    assert str(event["LOCATION"]) == ReviewMeeting.objects.get().location.replace("\r\n", "\n")
    assert "END:VEVENT" in str(event["LOCATION"])
