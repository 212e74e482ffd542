"""Sending the review meetings' calendar emails: each owed email exactly once, refused ones retried.

The rows (`MeetingEmail`) are written when a meeting is proposed, changed or cancelled; this sweep
claims and sends them with the claims, leases and backoff that reminders and digests use
(`postmortems.claims`). What an email says is read from the meeting as it is when sent: an
invitation (METHOD:REQUEST) to its invitees, a cancellation (METHOD:CANCEL) once it is cancelled or
to someone no longer invited. Someone who may no longer read the post-mortem is sent nothing.
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from email.mime.text import MIMEText
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone

from meetings import ics
from meetings.models import MeetingEmail
from postmortems import claims, mail, permissions

logger = logging.getLogger(__name__)

KEY_FIELDS = ("meeting_id", "person_id", "sequence")
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def lease():
    """How long a claim protects an email whose sending has not been confirmed (the reminders' lease)."""
    return timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)


def _name(user):
    return user.get_full_name() or user.username


def method_for(meeting, person, invitee_ids):
    """CANCEL once the meeting is cancelled or for someone taken off it; otherwise REQUEST."""
    if meeting.is_cancelled or person.pk not in invitee_ids:
        return CANCEL
    return REQUEST


def organiser_of(meeting):
    """(name, email) of whoever proposed the meeting (replies go to them), else Debrief's own address."""
    organiser = meeting.organiser
    if organiser is not None and organiser.email:
        return _name(organiser), organiser.email
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name or "Debrief", address


def calendar_text(meeting, person, *, now):
    """The .ics for `person` about `meeting` as it is now."""
    invitees = list(meeting.invitees.all())
    method = method_for(meeting, person, {invitee.pk for invitee in invitees})
    postmortem = meeting.postmortem
    url = settings.SITE_URL + postmortem.get_absolute_url()
    # A cancellation for someone taken off a meeting that still goes ahead names only them (RFC 5546, 3.2.5).
    attendees = invitees if method == REQUEST or meeting.is_cancelled else [person]
    return method, ics.calendar(
        uid=meeting.uid, method=method, sequence=meeting.sequence, stamp=now,
        starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        summary=f"Post-mortem review: {postmortem.title}",
        description=f"Review of the post-mortem “{postmortem.title}” ({postmortem.team.name}).\n{url}",
        location=meeting.location, url=url, organiser=organiser_of(meeting),
        attendees=[(_name(invitee), invitee.email) for invitee in attendees],
    )


def _subject(meeting, method):
    title = meeting.postmortem.title
    if method == CANCEL:
        return f"Cancelled: review of “{title}”"
    if meeting.sequence:
        return f"Updated: review of “{title}”"
    return f"Review meeting: “{title}”"


def meeting_email(meeting, person, *, now=None):
    """The email for `person` about `meeting`: text and HTML, and the invitation as an .ics attachment."""
    now = now or timezone.now()
    method, text = calendar_text(meeting, person, now=now)
    message = mail.build_email(
        to=person.email,
        subject=_subject(meeting, method),
        template="meetings/emails/invitation",
        context={
            "person": person, "meeting": meeting, "postmortem": meeting.postmortem, "cancelled": method == CANCEL,
            "organiser": organiser_of(meeting)[0], "url": settings.SITE_URL + meeting.postmortem.get_absolute_url(),
            "zone": _zone_of(person),
        },
    )
    part = MIMEText(text, "calendar", "utf-8")
    part.set_param("method", method)  # calendar clients act on text/calendar;method=… (iMIP, RFC 6047)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    message.attach(part)
    return message


def _zone_of(person):
    from postmortems.models import Profile

    zone = Profile.objects.filter(user=person).values_list("timezone", flat=True).first()
    return zone or settings.TIME_ZONE


@dataclass
class SweepResult:
    emails_sent: int = 0
    emails_failed: int = 0
    skipped: int = 0
    errors: list = field(default_factory=list)

    def as_dict(self):
        return {"emails_sent": self.emails_sent, "emails_failed": self.emails_failed, "skipped": self.skipped}


def pending_emails(*, now):
    """Rows owed an email: not sent, not held by a live claim or backing off, not given up."""
    return list(
        MeetingEmail.objects.filter(sent_at__isnull=True, claimed_at__lte=now - lease(),
                                    attempts__lt=claims.MAX_SEND_ATTEMPTS)
        .select_related("person", "meeting__postmortem__team", "meeting__organiser")
        .order_by("meeting_id", "sequence", "person_id")
    )


def send_due_emails(*, now=None):
    """Claim and send every owed meeting email, each exactly once (see `postmortems.claims`)."""
    now = now or timezone.now()
    result = SweepResult()
    jobs = []
    for row in pending_emails(now=now):
        if not row.person.email or not permissions.can_view(row.person, row.meeting.postmortem):
            # Given up, not failed: nothing about the meeting may go to this person any more.
            MeetingEmail.objects.filter(pk=row.pk, sent_at__isnull=True).update(
                attempts=claims.MAX_SEND_ATTEMPTS, last_error="Not sent: may not read the post-mortem")
            result.skipped += 1
            continue
        jobs.append((row, [row.key]))

    def send(row, _won):
        meeting_email(row.meeting, row.person, now=now).send()

    for outcome in claims.send_in_batches(MeetingEmail, KEY_FIELDS, jobs, now=now, lease=lease(), send=send):
        _report(outcome, result)
    return result


def _report(outcome, result):
    row = outcome.job
    if not outcome.failed:
        logger.info("Sent meeting %s version %s to user %s", row.meeting_id, row.sequence, row.person_id)
        result.emails_sent += 1
        return
    claims.log_failure(
        logger, outcome.error, "Meeting %s version %s to user %s failed (attempt %d); retrying in %s: %r",
        row.meeting_id, row.sequence, row.person_id, outcome.attempts, claims.retry_delay(outcome.attempts),
        outcome.error,
    )
    result.emails_failed += 1
    result.errors.append(f"{row.person.email}: {outcome.error!r}")
