"""The weekly digest: what goes into a person's digest, who is due one, and the sweep that sends it.

Schedule: each person's digest is due at their own day and hour (Profile
`digest_day`, `digest_hour`; Monday 09:00 by default) in their own time zone,
and belongs to the ISO week (Monday) of that moment in that zone. A sweep sends
every digest whose moment has passed this week and that has not gone out yet,
so a sweep that did not run (worker down, beat stopped) is caught up by the next
one, and a missed week is never sent late as a burst.

Content covers the seven days before the scheduled moment, so consecutive weeks
neither overlap nor leave gaps, and the same week's digest says the same thing
whether it is sent on time, retried or previewed. Everything is read through
`PostMortem.objects.visible_to(person)`: a restricted people incident the person
may not open never reaches a title, a link or a count.

Exactly once: a `Digest` row (person, week) is claimed under a uniqueness
constraint before the email goes out, and `sent_at` is set only once the mail
server accepted it. A claim whose sender died is taken over after a lease by a
row lock that only one sweep can hold; a failed send is retried with the backoff in
`claims` (shared with reminders), by pushing `claimed_at` so the claim expires
after the delay.
"""
import logging
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Case, Count, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from postmortems import actions, claims, mail, permissions, trends
from postmortems.actions import DUE_SOON, OPEN_STATUSES
from postmortems.models import ActionItem, Digest, Membership, PostMortem, Profile
from postmortems.reminders import describe_due, item_url, profile_of

logger = logging.getLogger(__name__)

# Longer lists end with "and N more" and a link to the full list.
MAX_LISTED = 10
# Published technical incidents this severe are news for the whole organisation.
NOTABLE_SEVERITIES = (PostMortem.Severity.SEV1, PostMortem.Severity.SEV2)
UNSUBSCRIBE_SALT = "postmortems.digest.unsubscribe"


def lease():
    """How long a claim protects a digest whose email has not been confirmed sent."""
    return timedelta(seconds=settings.DIGEST_CLAIM_LEASE_SECONDS)


def absolute(path):
    return settings.SITE_URL + path


# Schedule: plain functions of a person and a moment ----------------------------------

def zone_of(person):
    """The person's time zone; UTC if theirs is unknown to this server."""
    try:
        return profile_of(person).zone
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt_timezone.utc


def week_of(day):
    """The Monday that starts the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def this_week(person, now):
    """The Monday of the week it is for this person at `now`, in their zone."""
    return week_of(timezone.localtime(now, zone_of(person)).date())


def scheduled_at(person, week):
    """When this person's digest for `week` is due: their day and hour, in their zone."""
    profile = profile_of(person)
    day = week + timedelta(days=profile.digest_day)
    return datetime.combine(day, time(profile.digest_hour), tzinfo=zone_of(person))


def due_week(person, now):
    """The week whose digest this person is owed at `now`, or None before this week's day and hour."""
    week = this_week(person, now)
    return week if now >= scheduled_at(person, week) else None


def may_receive(person):
    """Active people with an address who have not opted out."""
    return bool(person.is_active and person.email and profile_of(person).digest_opt_in)


# Who is due ---------------------------------------------------------------------------

def recipients():
    """Everyone who gets the digest (no profile yet means the defaults: opted in)."""
    return (
        get_user_model().objects.filter(is_active=True).exclude(email="")
        .filter(Q(profile__isnull=True) | Q(profile__digest_opt_in=True))
        .select_related("profile").order_by("pk")
    )


@dataclass(frozen=True)
class DueDigest:
    person: object
    week: date

    @property
    def key(self):
        return (self.person.pk, self.week)


def due_digests(*, now=None, people=None):
    """Every digest owed at `now` (to `people`, default everyone), whether or not already sent."""
    now = now or timezone.now()
    people = recipients() if people is None else people
    due = []
    for person in people:
        week = due_week(person, now)
        if week is not None and may_receive(person):
            due.append(DueDigest(person, week))
    return due


def pending_digests(*, now=None, people=None):
    """Due digests not yet sent, not held by a live claim and not given up."""
    now = now or timezone.now()
    due = due_digests(now=now, people=people)
    free = claims.free_keys(Digest, KEY_FIELDS, [d.key for d in due], now=now, lease=lease())
    return [d for d in due if d.key in free]


# What goes into a digest --------------------------------------------------------------

@dataclass
class Section:
    """A list in the digest: the first lines, how many there are in all, and where the rest are."""

    lines: list
    total: int
    url: str = ""

    @property
    def more(self):
        return self.total - len(self.lines)


@dataclass
class DigestContent:
    """One person's digest for one week, as plain data for the email and the preview page."""

    person: object
    week: date
    starts: datetime
    ends: datetime
    today: date
    zone_name: str
    team_postmortems: Section
    notable_postmortems: Section
    overdue: Section
    due_soon: Section
    other_open: Section
    team_overdue: list
    highlights: list
    unsubscribe_url: str
    one_click_unsubscribe_url: str
    links: dict = field(default_factory=dict)

    @property
    def item_sections(self):
        """The person's open items as (heading, section) pairs, most urgent first."""
        return [
            ("Overdue", self.overdue), ("Due in the next 7 days", self.due_soon), ("Other open items", self.other_open),
        ]

    @property
    def schedule(self):
        """When the digest arrives, in words: 'Mondays at 09:00 (Asia/Tokyo)'."""
        profile = profile_of(self.person)
        return f"{profile.get_digest_day_display()}s at {profile.digest_hour:02d}:00 ({self.zone_name})"

    @property
    def open_count(self):
        return self.overdue.total + self.due_soon.total + self.other_open.total

    @property
    def last_day(self):
        """The last local day the digest covers (its window ends at the scheduled moment)."""
        return (self.ends - timedelta(microseconds=1)).date()

    @property
    def first_day(self):
        return self.starts.date()

    @property
    def subject(self):
        published = self.team_postmortems.total + self.notable_postmortems.total
        parts = [f"{published} post-mortem{'s' if published != 1 else ''} published"]
        if self.overdue.total:
            parts.append(f"{self.overdue.total} of your action items overdue")
        return f"Your weekly digest, week of {date_format(self.week, 'j M Y')}: " + ", ".join(parts)


def build_digest(person, *, now=None, week=None):
    """This person's digest for `week` (default: their current week) as it reads at `now`."""
    now = now or timezone.now()
    zone = zone_of(person)
    week = week or this_week(person, now)
    ends = scheduled_at(person, week)
    starts = ends - timedelta(days=7)
    today = timezone.localtime(now, zone).date()
    team_ids = list(permissions.team_roles(person))
    visible = PostMortem.objects.visible_to(person)
    return DigestContent(
        person=person, week=week, starts=starts, ends=ends, today=today, zone_name=str(zone),
        team_postmortems=team_postmortems(visible, team_ids, starts, ends, zone),
        notable_postmortems=notable_postmortems(visible, team_ids, starts, ends, zone),
        **own_items(person, today),
        team_overdue=team_overdue_counts(person, today),
        highlights=trend_highlights(person, now, zone),
        unsubscribe_url=absolute(reverse("postmortems:digest-unsubscribe", args=[unsubscribe_token(person)])),
        one_click_unsubscribe_url=absolute(
            reverse("postmortems:digest-unsubscribe-one-click", args=[unsubscribe_token(person)])
        ),
        links={
            "preview": absolute(reverse("postmortems:digest")),
            "my_actions": absolute(reverse("postmortems:my-actions")),
            "trends": absolute(reverse("postmortems:trends")),
        },
    )


def _section(queryset, line, url=""):
    """The first MAX_LISTED rows as lines, with the total: one query, however long the list."""
    rows = list(queryset.annotate(section_total=Window(Count("pk")))[:MAX_LISTED])
    total = rows[0].section_total if rows else 0
    return Section([line(row) for row in rows], total, url)


def published_between(postmortems, starts, ends):
    """Published post-mortems whose publication falls in [starts, ends), most severe first."""
    return (
        postmortems.filter(status=PostMortem.Status.PUBLISHED, published_at__gte=starts, published_at__lt=ends)
        .select_related("team").order_by("severity", "-published_at", "pk")
    )


def team_postmortems(visible, team_ids, starts, ends, zone):
    """What the person's own teams published in the window (people incidents only if they may read them)."""
    queryset = published_between(visible.filter(team_id__in=team_ids), starts, ends)
    return _section(queryset, lambda postmortem: _postmortem_line(postmortem, zone))


def notable_postmortems(visible, team_ids, starts, ends, zone):
    """Severe technical incidents other teams published in the window: news for everyone."""
    queryset = published_between(
        visible.filter(kind=PostMortem.Kind.TECHNICAL, severity__in=NOTABLE_SEVERITIES).exclude(team_id__in=team_ids),
        starts, ends,
    )
    return _section(queryset, lambda postmortem: _postmortem_line(postmortem, zone))


def _postmortem_line(postmortem, zone):
    return {
        "title": postmortem.title,
        "team": postmortem.team.name,
        "kind": postmortem.get_kind_display(),
        "restricted": postmortem.is_restricted,
        "severity": postmortem.get_severity_display(),
        "published_on": timezone.localtime(postmortem.published_at, zone).date(),
        "url": absolute(postmortem.get_absolute_url()),
    }


# The person's open items fall into these sections, in this order; the value is the tab of
# "My action items" that lists the whole section.
ITEM_SECTIONS = {"overdue": "overdue", "due_soon": "due_week", "other_open": "open"}
ITEM_FIELDS = ("title", "due_date", "priority", "postmortem__title", "postmortem__team__name")


def own_items(person, today):
    """The person's open action items on post-mortems they may read: overdue, due soon, the rest.

    One query for all three sections: each item is numbered within its section and only
    the first MAX_LISTED of each come back, each carrying its section's total.
    """
    soon = today + DUE_SOON
    section = Case(
        When(due_date__lt=today, then=Value(0)),
        When(due_date__lte=soon, then=Value(1)),
        default=Value(2),  # due later, or no due date
    )
    by_due = [F("due_date").asc(nulls_last=True), F("pk").asc()]
    rows = (
        actions.owned_items(person).filter(status__in=OPEN_STATUSES)
        .annotate(section=section)
        .annotate(
            position=Window(RowNumber(), partition_by=[F("section")], order_by=by_due),
            section_total=Window(Count("pk"), partition_by=[F("section")]),
        )
        .filter(position__lte=MAX_LISTED)
        .select_related("postmortem__team").only(*ITEM_FIELDS)
        .order_by("section", *by_due)
    )
    found = {index: Section([], 0, _my_actions_url(tab)) for index, tab in enumerate(ITEM_SECTIONS.values())}
    for item in rows:
        found[item.section].lines.append(_item_line(item, today))
        found[item.section].total = item.section_total
    return dict(zip(ITEM_SECTIONS, found.values()))


def _my_actions_url(status):
    return absolute(reverse("postmortems:my-actions") + "?" + urlencode({"status": status}))


def _item_line(item, today):
    return {
        "title": item.title,
        "status": describe_due((item.due_date - today).days) if item.due_date else "No due date",
        "overdue": item.due_date is not None and item.due_date < today,
        "due_date": item.due_date,
        "priority": item.get_priority_display(),
        "postmortem": item.postmortem.title,
        "team": item.postmortem.team.name,
        "url": item_url(item),
    }


def team_overdue_counts(person, today):
    """[{team, count, url}] for each of the person's teams: open items past due that they may see."""
    memberships = list(Membership.objects.filter(user=person).select_related("team").order_by("team__name"))
    # Counted from the items alone, scoped as the action dashboard scopes them: the teams a
    # person leads need only a team filter, other teams keep the full visibility rule.
    counts = dict(
        ActionItem.objects.filter(actions.team_scope(person), status__in=OPEN_STATUSES, due_date__lt=today)
        .order_by().values("postmortem__team_id").annotate(count=Count("pk"))
        .values_list("postmortem__team_id", "count")
    )
    return [
        {
            "team": membership.team.name,
            "count": counts.get(membership.team_id, 0),
            "url": absolute(reverse("postmortems:actions") + "?"
                            + urlencode({"status": "overdue", "team": membership.team_id})),
        }
        for membership in memberships
    ]


def trend_highlights(person, now, zone):
    """Two or three trend highlights from the dashboard's aggregates, with absolute links.

    `trends.highlights` reads the active time zone, so it runs in the person's.
    """
    with timezone.override(zone):
        found = trends.highlights(person, now)
    return [{"text": highlight["text"], "url": absolute(highlight["url"])} for highlight in found[:3]]


# Unsubscribing ------------------------------------------------------------------------

def unsubscribe_signer():
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)


def unsubscribe_max_age():
    return timedelta(days=settings.DIGEST_UNSUBSCRIBE_MAX_AGE_DAYS)


def unsubscribe_token(person):
    """A signed, dated token naming this person: the one-click unsubscribe link needs no login."""
    return unsubscribe_signer().sign(str(person.pk))


def person_from_unsubscribe_token(token):
    """The person a valid, unexpired token names.

    Raises `signing.SignatureExpired` for an old token and `signing.BadSignature`
    for a tampered one (or one naming nobody).
    """
    pk = unsubscribe_signer().unsign(token, max_age=unsubscribe_max_age())
    person = get_user_model().objects.filter(pk=pk).first() if pk.isdigit() else None
    if person is None:
        raise signing.BadSignature("The token names nobody.")
    return person


def turn_off_digest(person):
    """Opt this person out of the digest. Only ever turns it off; True if it was on."""
    profile = Profile.for_user(person)
    changed = Profile.objects.filter(pk=profile.pk, digest_opt_in=True).update(digest_opt_in=False)
    if changed:
        logger.info("Digest turned off for user %s by unsubscribe link", person.pk)
    return bool(changed)


# The email ---------------------------------------------------------------------------

def digest_email(content):
    """The digest as a multipart email with the List-Unsubscribe headers (RFC 2369, RFC 8058)."""
    message = mail.build_email(
        to=content.person.email, subject=content.subject, template="emails/digest", context={"digest": content},
    )
    message.extra_headers.update({
        "List-Unsubscribe": f"<{content.one_click_unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    })
    return message


# The sweep -------------------------------------------------------------------------

@dataclass
class SweepResult:
    emails_sent: int = 0
    emails_failed: int = 0
    errors: list = field(default_factory=list)

    def as_dict(self):
        return {"emails_sent": self.emails_sent, "emails_failed": self.emails_failed}


# The fields of a digest's key, in the order of `DueDigest.key`.
KEY_FIELDS = ("person_id", "week")


def send_due_digests(*, now=None, people=None):
    """Claim and email every pending digest (to `people`, default everyone), each exactly once.

    Claims are taken and recorded a batch of people at a time (`claims.send_in_batches`);
    building each digest costs the same few queries however many items it lists.
    """
    now = now or timezone.now()
    result = SweepResult()
    jobs = [(due, [due.key]) for due in pending_digests(now=now, people=people)]

    def send(due, _won):
        digest_email(build_digest(due.person, now=now, week=due.week)).send()

    for outcome in claims.send_in_batches(Digest, KEY_FIELDS, jobs, now=now, lease=lease(), send=send):
        _report(outcome, result)
    return result


def claim(due, *, now):
    """Take this digest for the current sweep (see `claims`): its row id, or None if taken."""
    return claims.claim(Digest, dict(zip(KEY_FIELDS, due.key)), now=now, lease=lease())


def _report(outcome, result):
    """Log one digest's outcome and add it to the sweep's result."""
    due = outcome.job
    person = due.person
    if not outcome.failed:
        logger.info("Sent the digest for the week of %s to %s (user %s)", due.week, person.email, person.pk)
        result.emails_sent += 1
        return
    claims.log_failure(
        logger, outcome.error,
        "Digest for the week of %s to %s (user %s) failed (attempt %d); retrying in %s: %r",
        due.week, person.email, person.pk, outcome.attempts, claims.retry_delay(outcome.attempts), outcome.error,
    )
    result.emails_failed += 1
    result.errors.append(f"{person.email}: {outcome.error!r}")
