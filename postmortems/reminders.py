"""Reminder policy and the sweep that sends reminders exactly once.

What is due is derived from the data on every sweep, never from per-item
scheduled jobs, so a sweep that did not run (worker down, beat stopped) is
caught up by the next one. Each person-item pair has one *current* reminder:
the latest step of its schedule on or before that person's today

    before_due  (due − REMINDER_DAYS_BEFORE)
    due_today   (due)
    overdue     (due + M, due + 2M, …; M = REMINDER_OVERDUE_EVERY_DAYS)
    escalation  to the team's leads (due + K, due + K + M, …; K = REMINDER_ESCALATE_AFTER_DAYS)

so a catch-up sends one reminder per item, not a burst of stale ones.

Privacy: an owner is reminded only of items on post-mortems they may read
(the rules of `permissions.visible_filter`, evaluated in the same query that
selects the items), so a restricted people incident never reaches the inbox of
someone who would get a 404 on it. Escalations go to the team's leads, who may
read everything of their team, and include items nobody owns.

Exactly once: a `Reminder` row (item, recipient, reason, reason_date) is
claimed under a uniqueness constraint before the email goes out, and
`sent_at` is set only once the mail server accepted it. A claim whose sender
died is taken over after a lease (under a row lock, so by one sweep only); a
failed send is retried with the backoff in `claims`. Claims and records are
taken a batch of people at a time, so the sweep's queries do not grow with
the number of items.
"""
import logging
import zoneinfo
from dataclasses import dataclass, field
from datetime import timedelta, timezone as dt_timezone
from itertools import groupby

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from postmortems import claims, mail
from postmortems.models import ActionItem, Membership, PostMortem, Profile, Reminder

logger = logging.getLogger(__name__)

Reason = Reminder.Reason


def days_before():
    return settings.REMINDER_DAYS_BEFORE


def overdue_every():
    return max(1, settings.REMINDER_OVERDUE_EVERY_DAYS)


def escalate_after():
    return settings.REMINDER_ESCALATE_AFTER_DAYS


def lease():
    """How long a claim protects a reminder whose email has not been confirmed sent."""
    return timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)


@dataclass(frozen=True)
class DueReminder:
    """One reminder owed now: to whom, about which item, why, and the person's today."""

    item: ActionItem
    recipient: object
    reason: str
    reason_date: object
    today: object

    @property
    def key(self):
        return (self.item.pk, self.recipient.pk, self.reason, self.reason_date)

    @property
    def days_until_due(self):
        """Days left until the due date in the recipient's zone; negative once overdue."""
        return (self.item.due_date - self.today).days

    @property
    def is_escalation(self):
        return self.reason == Reason.ESCALATION


# Policy: plain functions of dates -------------------------------------------------

def owner_reason(due_date, today):
    """The owner's current (reason, reason_date) for an item due on due_date, or None."""
    days_left = (due_date - today).days
    if days_left > days_before():
        return None
    if days_left > 0:
        return Reason.BEFORE_DUE, due_date - timedelta(days=days_before())
    steps = -days_left // overdue_every()
    if steps == 0:
        return Reason.DUE_TODAY, due_date
    return Reason.OVERDUE, due_date + timedelta(days=steps * overdue_every())


def escalation_date(due_date, today):
    """The latest escalation step on or before today (leads are told every M days), or None."""
    past_threshold = (today - due_date).days - escalate_after()
    if past_threshold < 0:
        return None
    steps = past_threshold // overdue_every()
    return due_date + timedelta(days=escalate_after() + steps * overdue_every())


def profile_of(user):
    """The person's profile, or an unsaved default one: reading policy never writes."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        return Profile(user=user)


def today_for(user, now):
    """The date it is for this person at `now`, in their own time zone."""
    try:
        zone = profile_of(user).zone
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # A zone the server no longer knows must not stop everyone's reminders.
        zone = dt_timezone.utc
    return timezone.localtime(now, zone).date()


def may_email(user):
    """Active people with an address who have not paused reminders."""
    return bool(user.is_active and user.email and not profile_of(user).reminders_paused)


# Selectors ---------------------------------------------------------------------

def owner_may_view():
    """A condition on ActionItem: its owner may read its post-mortem.

    `permissions.visible_filter` for the owner, as correlated subqueries so it is
    evaluated for every item in the one query that selects them:
    technical post-mortems are open to their team and, once published, to
    everyone; people post-mortems to their authors, the team's leads and the
    viewers they were shared with. Inactive people see nothing. Read from the
    copies of the post-mortem's team, kind and published state on the item's own
    row (as `permissions.visible_item_filter` does), so the rule is decided as the
    items are read, before any join to their post-mortems.
    """
    membership = Membership.objects.filter(user_id=OuterRef("owner_id"), team_id=OuterRef("postmortem_team_id"))
    authored = PostMortem.authors.through.objects.filter(
        user_id=OuterRef("owner_id"), postmortem_id=OuterRef("postmortem_id")
    )
    shared = PostMortem.viewers.through.objects.filter(
        user_id=OuterRef("owner_id"), postmortem_id=OuterRef("postmortem_id")
    )
    technical = Q(postmortem_kind=PostMortem.Kind.TECHNICAL) & (Q(Exists(membership)) | Q(postmortem_published=True))
    people = Q(postmortem_kind=PostMortem.Kind.PEOPLE) & (
        Q(Exists(authored)) | Q(Exists(membership.filter(role=Membership.Role.LEAD))) | Q(Exists(shared))
    )
    return Q(owner__isnull=False, owner__is_active=True) & (technical | people)


def open_items_due_by(last_date, *, escalate_by=None):
    """Open items with a due date that someone may be reminded of, with what emails need.

    Items due on or before `last_date` whose owner may read them (for the owner's
    reminders, `owner_may_view` on each), and items due on or before
    `escalate_by` whoever owns them, or nobody (for the leads' escalations).
    """
    wanted = Q(owner_may_view=True)
    if escalate_by is not None:
        wanted |= Q(due_date__lte=escalate_by)
    # Items whose owner was deactivated: their reminders go to the team's leads instead.
    wanted |= Q(owner__isnull=False, owner__is_active=False)
    return (
        ActionItem.objects.exclude(status__in=ActionItem.CLOSED_STATUSES)
        .filter(due_date__isnull=False, due_date__lte=last_date)
        .annotate(owner_may_view=Case(When(owner_may_view(), then=Value(True)), default=Value(False),
                                      output_field=BooleanField()))
        .filter(wanted)
        # What the policy and the email read, and no more: at 100,000 items the post-mortems'
        # text sections made every row half a kilobyte and the sort spilled to disk.
        .select_related("postmortem__team", "owner__profile").only(*REMINDER_FIELDS)
        .order_by("due_date", "pk")
    )


REMINDER_FIELDS = (
    "title", "status", "priority", "due_date", "owner_id", "postmortem__title", "postmortem__team__name",
    "owner__username", "owner__first_name", "owner__last_name", "owner__email", "owner__is_active",
    "owner__profile__timezone", "owner__profile__reminders_paused",
)


def _without_jit(queryset):
    """Evaluate a query with PostgreSQL's JIT compiler off.

    The planner prices the per-item visibility subqueries of `open_items_due_by` far above
    `jit_above_cost`, so it compiled the query on every sweep: 0.7 s of its 1.0 s at 100,000
    items (EXPLAIN ANALYZE), for a query that reads a few thousand pages and needs none.
    """
    if connection.vendor != "postgresql":
        return list(queryset)
    # No savepoint: SET LOCAL lasts until the end of the transaction, the caller's if it has one.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        return list(queryset)


def leads_by_team(team_ids):
    """{team_id: [lead users]} in one query."""
    leads = {}
    memberships = Membership.objects.filter(team_id__in=team_ids, role=Membership.Role.LEAD).select_related(
        "user__profile"
    )
    for membership in memberships.order_by("user__username"):
        leads.setdefault(membership.team_id, []).append(membership.user)
    return leads


def due_reminders(*, now=None):
    """Every reminder the policy says is owed at `now`, whether or not already sent."""
    now = now or timezone.now()
    # Nobody's today is later than UTC's today + 1 (UTC+14 is the furthest zone).
    latest_today = now.astimezone(dt_timezone.utc).date() + timedelta(days=1)
    items = _without_jit(open_items_due_by(
        latest_today + timedelta(days=days_before()), escalate_by=latest_today - timedelta(days=escalate_after()),
    ))
    leads = leads_by_team({item.postmortem.team_id for item in items})
    due = []
    for item in items:
        due.extend(_owner_reminders(item, now))
        due.extend(_escalations(item, leads.get(item.postmortem.team_id, []), now))
    return due


def _owner_reminders(item, now):
    # Only about items the owner may open (and so act on); the leads still hear of the rest.
    if item.owner is None or not item.owner_may_view or not may_email(item.owner):
        return []
    today = today_for(item.owner, now)
    reason = owner_reason(item.due_date, today)
    if reason is None:
        return []
    return [DueReminder(item, item.owner, reason[0], reason[1], today)]


def needs_new_owner(item):
    """Its owner was deactivated (left): the team's leads get the reminders the owner would have."""
    return item.owner is not None and not item.owner.is_active


def _escalations(item, leads, now):
    due = []
    for lead in leads:
        # The owner already hears about their own item; one line per item is enough.
        if lead.pk == item.owner_id or not may_email(lead):
            continue
        today = today_for(lead, now)
        reason_date = escalation_date(item.due_date, today)
        if needs_new_owner(item):
            # The owner's schedule (before due, due, every M days overdue), as one escalation key a step.
            step = owner_reason(item.due_date, today)
            dates = [date for date in [reason_date, step and step[1]] if date is not None]
            reason_date = max(dates) if dates else None
        if reason_date is not None:
            due.append(DueReminder(item, lead, Reason.ESCALATION, reason_date, today))
    return due


def pending_reminders(*, now=None):
    """Due reminders not yet sent, not held by a live claim and not given up."""
    now = now or timezone.now()
    due = due_reminders(now=now)
    free = claims.free_keys(Reminder, KEY_FIELDS, [d.key for d in due], now=now, lease=lease())
    return [d for d in due if d.key in free]


def item_url(item):
    """An absolute link straight to the item's own page."""
    return settings.SITE_URL + reverse("postmortems:action-detail", args=[item.pk])


# The sweep -----------------------------------------------------------------------

@dataclass
class SweepResult:
    emails_sent: int = 0
    reminders_sent: int = 0
    emails_failed: int = 0
    reminders_failed: int = 0
    errors: list = field(default_factory=list)

    def as_dict(self):
        return {
            "emails_sent": self.emails_sent, "reminders_sent": self.reminders_sent,
            "emails_failed": self.emails_failed, "reminders_failed": self.reminders_failed,
        }


# The fields of a reminder's key, in the order of `DueReminder.key`.
KEY_FIELDS = ("item_id", "recipient_id", "reason", "reason_date")


def send_due_reminders(*, now=None):
    """Claim and email everything pending: one email per person listing all their items.

    Claims are taken and recorded a batch of people at a time (`claims.send_in_batches`),
    so the sweep's queries do not grow with the number of items.
    """
    now = now or timezone.now()
    result = SweepResult()
    pending = group_by_recipient(pending_reminders(now=now))
    jobs = [((recipient, due), [d.key for d in due]) for recipient, due in pending]
    # New rows are written person by person, so recording one email's hundreds of rows as sent
    # rewrites a few pages instead of one page per row.
    outcomes = claims.send_in_batches(Reminder, KEY_FIELDS, jobs, now=now, lease=lease(), build=_build,
                                      send=_send, cluster_by="recipient_id")
    for outcome in outcomes:
        _report(outcome, result)
    return result


def group_by_recipient(due):
    ordered = sorted(due, key=lambda d: (d.recipient.pk, d.is_escalation, d.item.due_date, d.item.pk))
    for _, group in groupby(ordered, key=lambda d: d.recipient.pk):
        group = list(group)
        yield group[0].recipient, group


def claim(due, *, now):
    """Take this reminder for the current sweep (see `claims`): its row id, or None if taken."""
    return claims.claim(Reminder, dict(zip(KEY_FIELDS, due.key)), now=now, lease=lease())


def _build(job, won):
    """One person's email, listing the reminders of theirs this sweep claimed."""
    recipient, due = job
    return reminder_email(recipient, [d for d in due if d.key in won])


def _send(email):
    email.send()


def _report(outcome, result):
    """Log one email's outcome and add it to the sweep's result."""
    (recipient, _), ids = outcome.job, outcome.ids
    if not outcome.failed:
        logger.info("Sent %d reminder(s) to %s (user %s): %s", len(ids), recipient.email, recipient.pk, ids)
        result.emails_sent += 1
        result.reminders_sent += len(ids)
        return
    error = outcome.error
    claims.log_failure(
        logger, error,
        "Reminder email to %s (user %s) failed (attempt %d); reminders %s will be retried in %s: %r",
        recipient.email, recipient.pk, outcome.attempts, ids, claims.retry_delay(outcome.attempts), error,
    )
    result.emails_failed += 1
    result.reminders_failed += len(ids)
    result.errors.append(f"{recipient.email}: {error!r}")


# The email -----------------------------------------------------------------------

def reminder_email(recipient, due):
    """The one email for this person: their own items, then their teams' escalated ones."""
    own = [_line(d) for d in due if not d.is_escalation]
    escalated = [_line(d) for d in due if d.is_escalation and not needs_new_owner(d.item)]
    unowned = [_line(d) for d in due if d.is_escalation and needs_new_owner(d.item)]
    return mail.build_email(
        to=recipient.email,
        subject=reminder_subject(own, escalated + unowned),
        template="emails/reminders",
        context={"recipient": recipient, "own": own, "escalated": escalated, "unowned": unowned},
    )


def reminder_subject(own, escalated):
    count = len(own) + len(escalated)
    if count == 1:
        line = (own or escalated)[0]
        return f"{line['status']}: {line['item'].title}"
    overdue = sum(1 for line in own + escalated if line["days_left"] < 0)
    if overdue:
        return f"{count} action items need attention ({overdue} overdue)"
    return f"{count} action items need attention"


def _line(due):
    return {
        "item": due.item,
        "reason": due.reason,
        "status": describe_due(due.days_until_due),
        "days_left": due.days_until_due,
        "url": item_url(due.item),
        "owner": due.item.owner,
        "team": due.item.postmortem.team,
        "postmortem": due.item.postmortem,
    }


def describe_due(days_left):
    """'Due in 3 days', 'Due today', 'Overdue by 8 days': the state on the recipient's today."""
    if days_left > 0:
        return f"Due in {days_left} day{'s' if days_left != 1 else ''}"
    if days_left == 0:
        return "Due today"
    return f"Overdue by {-days_left} day{'s' if days_left != -1 else ''}"
