"""Sending the pulse invitations: who is due now, and the sweep that emails each exactly once.

A member of a team whose pulse is on is due once the team's day and hour has passed, in
their own time zone, in the period they are in (by their local date), until they are
invited or have answered. A sweep that did not run is caught up by the next, within the
period. Exactly once: an `Invitation` row (person, team, period) is claimed under its
unique constraint before the email goes out, with the claims, leases and retries that
reminders and digests use (`postmortems.claims`).
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from postmortems import claims, mail
from postmortems.models import Membership
from pulse import answers, periods
from pulse.models import Invitation, Participation, PulseSettings

logger = logging.getLogger(__name__)

# The fields of an invitation's key, in the order of `DueInvitation.key`.
KEY_FIELDS = ("person_id", "team_id", "period_start")


def lease():
    """How long a claim protects an invitation whose email has not been confirmed sent."""
    return timedelta(seconds=settings.PULSE_CLAIM_LEASE_SECONDS)


@dataclass(frozen=True)
class DueInvitation:
    person: object
    period: object
    pulse_settings: object

    @property
    def team(self):
        return self.pulse_settings.team

    @property
    def key(self):
        return (self.person.pk, self.period.team_id, self.period.start)


def due_invitations(*, now=None, store=True):
    """Every invitation owed at `now`, whether or not already sent (`store=False`: new periods left unsaved)."""
    now = now or timezone.now()
    due = []
    for pulse_settings in PulseSettings.objects.filter(enabled=True).select_related("team").order_by("team_id"):
        due.extend(_due_in_team(pulse_settings, now, store))
    return due


def _due_in_team(pulse_settings, now, store):
    team = pulse_settings.team
    memberships = (
        Membership.objects.filter(team=team, user__is_active=True).exclude(user__email="")
        .select_related("user__profile").order_by("user_id")
    )
    by_day = {}  # members share a handful of local dates: one period lookup for each
    due = []
    for membership in memberships:
        person = membership.user
        day = periods.local_date(person, now)
        if day not in by_day:
            by_day[day] = periods.period_for(team, day, store=store)
        period = by_day[day]
        if period.is_open(now) and now >= periods.asked_at(pulse_settings, period, person):
            due.append(DueInvitation(person, period, pulse_settings))
    answered = set(
        Participation.objects.filter(team=team, period_start__in={d.period.start for d in due})
        .values_list("person_id", "period_start")
    )
    return [d for d in due if (d.person.pk, d.period.start) not in answered]


def pending_invitations(*, now=None, store=True):
    """Due invitations not yet sent, not held by a live claim and not given up."""
    now = now or timezone.now()
    due = due_invitations(now=now, store=store)
    free = claims.free_keys(Invitation, KEY_FIELDS, [d.key for d in due], now=now, lease=lease())
    return [d for d in due if d.key in free]


def invitation_email(due):
    """The invitation email, with a private link made for it alone (its secret is kept nowhere else)."""
    ticket = answers.new_ticket(due.person, due.period)
    period = due.period
    return mail.build_email(
        to=due.person.email,
        subject=f"How is {due.team.name} doing? One minute for the team pulse",
        template="emails/pulse_invitation",
        context={
            "person": due.person, "team": due.team, "period": period, "link": ticket.url,
            "statements": list(period.question_set.statements.all()),
            "closes_on": period.last_day,
        },
    )


@dataclass
class SweepResult:
    emails_sent: int = 0
    emails_failed: int = 0
    errors: list = field(default_factory=list)

    def as_dict(self):
        return {"emails_sent": self.emails_sent, "emails_failed": self.emails_failed}


def send_due_invitations(*, now=None):
    """Claim and email every pending invitation, each exactly once (see `postmortems.claims`)."""
    now = now or timezone.now()
    result = SweepResult()
    jobs = [(due, [due.key]) for due in pending_invitations(now=now)]

    def send(due, _won):
        invitation_email(due).send()

    for outcome in claims.send_in_batches(Invitation, KEY_FIELDS, jobs, now=now, lease=lease(), send=send):
        _report(outcome, result)
    return result


def _report(outcome, result):
    due = outcome.job
    if not outcome.failed:
        logger.info("Sent the %s pulse invitation for %s to user %s", due.team.name, due.period.start, due.person.pk)
        result.emails_sent += 1
        return
    claims.log_failure(
        logger, outcome.error,
        "Pulse invitation of %s for %s to user %s failed (attempt %d); retrying in %s: %r",
        due.team.name, due.period.start, due.person.pk, outcome.attempts, claims.retry_delay(outcome.attempts),
        outcome.error,
    )
    result.emails_failed += 1
    result.errors.append(f"{due.person.email}: {outcome.error!r}")
