"""Proposing, changing and cancelling a post-mortem's review meeting, and who may be invited.

Whoever may edit a post-mortem (its authors and the team's leads, `permissions.can_edit`) schedules
its review. Invitees must be able to read the post-mortem (`permissions.can_view`): a calendar
invitation carries its title, and for a people incident even that is not for everyone.

Every change records the calendar emails it owes (`MeetingEmail`, one per person for the meeting's
new SEQUENCE) in the same transaction, and asks a worker to send them once it commits; the sweep in
`meetings.sending` sends them exactly once and retries refused ones, like reminders and digests.
"""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from meetings.models import MeetingEmail, ReviewMeeting
from postmortems import permissions
from postmortems.models import PostMortem

MAX_INVITEES = 100


class MeetingError(Exception):
    """A change that cannot be made; the message says why, for the person who asked."""


def can_schedule(user, postmortem):
    """The authors and the team's leads propose, change and cancel the review meeting."""
    return permissions.can_edit(user, postmortem)


def refused_invitees(postmortem, people):
    """Those of `people` who may not be invited: they cannot read the post-mortem or have no email."""
    return [person for person in people
            if not person.email or not person.is_active or not permissions.can_view(person, postmortem)]


def _check_invitees(postmortem, invitees):
    if len(invitees) > MAX_INVITEES:
        raise MeetingError(f"Invite at most {MAX_INVITEES} people.")
    refused = refused_invitees(postmortem, invitees)
    if refused:
        names = ", ".join(person.get_full_name() or person.username for person in refused)
        raise MeetingError(f"Not invited: {names} may not read this post-mortem (or has no email address).")


def _owe_emails(meeting, people, *, now):
    """Record the emails `people` are owed for the meeting's current version and send them after commit."""
    from meetings import sending, tasks

    # Older versions not sent yet are superseded: the newest says all there is to say.
    MeetingEmail.objects.filter(meeting=meeting, sent_at__isnull=True, sequence__lt=meeting.sequence).delete()
    lapsed = now - sending.lease() - timedelta(seconds=1)  # claimable at once, see claims.is_taken
    MeetingEmail.objects.bulk_create(
        [MeetingEmail(meeting=meeting, person=person, sequence=meeting.sequence, claimed_at=lapsed)
         for person in people],
        ignore_conflicts=True,
    )
    # robust: a broker that is down must not turn a saved change into an error page; the beat catches up.
    transaction.on_commit(tasks.send_meeting_emails.delay, robust=True)


def propose(*, postmortem, organiser, starts_at, duration_minutes, location, invitees, now=None):
    """Create the post-mortem's review meeting and invite `invitees`. Raises MeetingError."""
    now = now or timezone.now()
    invitees = list(invitees)
    _check_invitees(postmortem, invitees)
    with transaction.atomic():
        # Locks the post-mortem row: a second proposal waits, then finds this meeting.
        PostMortem.objects.select_for_update().filter(pk=postmortem.pk).first()
        if ReviewMeeting.objects.active().filter(postmortem=postmortem).exists():
            raise MeetingError("This post-mortem already has a review meeting: change or cancel that one.")
        meeting = ReviewMeeting.objects.create(
            postmortem=postmortem, organiser=organiser, starts_at=starts_at, duration_minutes=duration_minutes,
            location=location, created_at=now,
        )
        meeting.invitees.set(invitees)
        _owe_emails(meeting, invitees, now=now)
    return meeting


def update(*, meeting, starts_at, duration_minutes, location, invitees, now=None):
    """Change the meeting: everyone invited gets the new version, anyone removed a cancellation.

    Returns False (and sends nothing) when nothing changed. Raises MeetingError.
    """
    now = now or timezone.now()
    invitees = list(invitees)
    _check_invitees(meeting.postmortem, invitees)
    with transaction.atomic():
        current = ReviewMeeting.objects.select_for_update().get(pk=meeting.pk)
        if current.is_cancelled:
            raise MeetingError("This meeting was cancelled meanwhile.")
        before = set(current.invitees.values_list("pk", flat=True))
        after = {person.pk for person in invitees}
        fields = {"starts_at": starts_at, "duration_minutes": duration_minutes, "location": location}
        if before == after and all(getattr(current, name) == value for name, value in fields.items()):
            return False
        for name, value in fields.items():
            setattr(current, name, value)
        current.sequence += 1
        current.save()
        current.invitees.set(invitees)
        removed = get_user_model().objects.filter(pk__in=before - after)
        _owe_emails(current, [*invitees, *removed], now=now)
    meeting.refresh_from_db()
    return True


def cancel(*, meeting, now=None):
    """Cancel the meeting and send every invitee a cancellation. Raises MeetingError if already cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        current = ReviewMeeting.objects.select_for_update().get(pk=meeting.pk)
        if current.is_cancelled:
            raise MeetingError("This meeting was already cancelled.")
        current.cancelled_at = now
        current.sequence += 1
        current.save(update_fields=["cancelled_at", "sequence", "updated_at"])
        _owe_emails(current, list(current.invitees.all()), now=now)
    meeting.refresh_from_db()
    return meeting
