"""The weekly digest: what goes into a person's digest, who is due one, and the sweep that sends it.

Schedule: each person's digest is due at their own day and hour (Profile
`digest_day`, `digest_hour`; Monday 09:00 by default) in their own time zone,
and belongs to the ISO week (Monday) of that moment in that zone. A sweep sends
every digest whose moment has passed this week and that has not gone out yet,
so a sweep that did not run (worker down, beat stopped) is caught up by the next
one, and a missed week is never sent late as a burst.

Content covers the seven days before the scheduled moment, so consecutive weeks
neither overlap nor leave gaps, and the same week's digest says the same thing
whether it is sent on time, retried or previewed. Everything follows the rules of
`PostMortem.objects.visible_to(person)`: a restricted people incident the person
may not open never reaches a title, a link or a count. A sweep builds a batch of
people's digests with a fixed number of queries (`build_digests`), so those rules
are applied per person to rows read for the whole batch; tests/test_digest_equivalence.py
checks every section against `visible_to` itself.

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

from postmortems import claims, mail, permissions, reminders, trends
from postmortems.actions import DUE_SOON, OPEN_STATUSES
from postmortems.models import ActionItem, Digest, Membership, PostMortem, Profile
from postmortems.reminders import describe_due, item_url, profile_of
from pulse import early_warning

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
    # New early-warning signals of the teams the person leads (pulse.early_warning); empty for others.
    signals: list = field(default_factory=list)

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
    return build_digests([(person, week)], now=now or timezone.now())[0]


@dataclass
class SharedFigures:
    """Figures that depend on a team or a visibility, not on one person: worked out once per sweep.

    `highlights`: {(visibility, zone name, now): highlights}; `overdue`: {(team_id, today):
    {kind: open items past due}}. A sweep passes one to each of its
    batches, so readers alike in later batches cost no query.
    """

    highlights: dict = field(default_factory=dict)
    overdue: dict = field(default_factory=dict)
    signals: dict = field(default_factory=dict)


def build_digests(wanted, *, now, shared=None):
    """The digests of many people at once: [(person, week or None)] in, [DigestContent] out, in that order.

    The sweep builds a batch of people this way and the preview page a batch of one, so
    both read the same queries: one each for the people's teams, the restricted incidents
    they may read, the post-mortems published in their windows, their own open items and
    their teams' overdue counts, however many people and items there are. Trend highlights
    and the teams' overdue counts are worked out once per distinct visibility and time zone,
    and per team: pass one `SharedFigures` to every batch of a sweep to share them across batches.
    """
    readers = [_Reader(person, now, week) for person, week in wanted]
    if not readers:
        return []
    _read_access(readers)
    published = _published_in_windows(readers)
    items = _own_items(readers)
    shared = SharedFigures() if shared is None else shared
    overdue = _team_overdue_counts(readers, shared.overdue)
    return [_content(reader, now, published, items, overdue, shared) for reader in readers]


def _content(reader, now, published, items, overdue, shared):
    """One reader's digest from what their batch read."""
    token = unsubscribe_token(reader.person)
    return DigestContent(
        person=reader.person, week=reader.week, starts=reader.starts, ends=reader.ends, today=reader.today,
        zone_name=str(reader.zone),
        team_postmortems=team_postmortems(reader, published),
        notable_postmortems=notable_postmortems(reader, published),
        **items[reader.person.pk],
        team_overdue=overdue[reader.person.pk],
        highlights=trend_highlights(reader, now, shared.highlights),
        signals=lead_signals(reader, now, shared.signals),
        unsubscribe_url=absolute(reverse("postmortems:digest-unsubscribe", args=[token])),
        one_click_unsubscribe_url=absolute(reverse("postmortems:digest-unsubscribe-one-click", args=[token])),
        links={
            "preview": absolute(reverse("postmortems:digest")),
            "my_actions": absolute(reverse("postmortems:my-actions")),
            "trends": absolute(reverse("postmortems:trends")),
        },
    )


def lead_signals(reader, now, cache):
    """Signals that started in the digest's week for the teams this reader leads, dated in their zone.

    A team's signals read the same for every lead of it (a lead may read everything of their
    team), so leads of the same teams in the same zone share one computation per sweep.
    People who lead no team cost nothing.
    """
    led = tuple(sorted(team_id for team_id, role in reader.roles.items() if role == permissions.LEAD))
    if not led:
        return []
    key = (led, reader.starts, now)
    if key not in cache:
        reader.person._debrief_team_roles = dict(reader.roles)  # what permissions.team_roles would read again
        with timezone.override(reader.zone):
            cache[key] = early_warning.new_signals_for_lead(reader.person, since=reader.starts, now=now)
    return cache[key]


class _Reader:
    """One person of a batch: their window and today, and, once `_read_access` ran, what they may read."""

    def __init__(self, person, now, week=None):
        self.person = person
        self.zone = zone_of(person)
        self.week = week or this_week(person, now)
        self.ends = scheduled_at(person, self.week)
        self.starts = self.ends - timedelta(days=7)
        self.today = timezone.localtime(now, self.zone).date()
        self.memberships = []
        self.roles = {}  # {team_id: role}, as `permissions.team_roles`
        self.restricted = set()  # people incidents they wrote or were shared with

    def in_window(self, postmortem):
        return self.starts <= postmortem.published_at < self.ends

    def may_read(self, postmortem):
        """`permissions.can_view`, answered from what the batch read rather than a query per incident."""
        if not (self.person.is_active and self.person.is_authenticated):
            return False
        return permissions.can_view_given(postmortem, roles=self.roles, readable_restricted=self.restricted)

    @property
    def visibility(self):
        """What decides `visible_to` for this person: equal for two people, they may read the same post-mortems."""
        led = frozenset(team_id for team_id, role in self.roles.items() if role == permissions.LEAD)
        return self.person.is_active, frozenset(self.roles), led, frozenset(self.restricted)


def _read_access(readers):
    """Each reader's teams and the restricted incidents they may read: two queries for the batch."""
    by_pk = {}
    for reader in readers:
        by_pk.setdefault(reader.person.pk, []).append(reader)
    memberships = Membership.objects.filter(user_id__in=by_pk).select_related("team").order_by("team__name", "pk")
    for membership in memberships:
        for reader in by_pk[membership.user_id]:
            reader.memberships.append(membership)
            reader.roles[membership.team_id] = membership.role
    # People incidents open to their authors and named viewers, whatever team they are on.
    people = PostMortem.Kind.PEOPLE
    authored = PostMortem.authors.through.objects.filter(user_id__in=by_pk, postmortem__kind=people)
    shared = PostMortem.viewers.through.objects.filter(user_id__in=by_pk, postmortem__kind=people)
    access = authored.values_list("user_id", "postmortem_id").union(shared.values_list("user_id", "postmortem_id"))
    for user_id, postmortem_id in access:
        for reader in by_pk[user_id]:
            reader.restricted.add(postmortem_id)


# Post-mortems published in the window ---------------------------------------------------

def _published_in_windows(readers):
    """Every post-mortem any reader of the batch might list, most severe first: one query.

    Published within the union of the readers' windows, on one of their teams or notable;
    each reader then keeps the ones in their own window that they may read.
    """
    teams = {team_id for reader in readers for team_id in reader.roles}
    notable = Q(kind=PostMortem.Kind.TECHNICAL, severity__in=NOTABLE_SEVERITIES)
    return list(
        PostMortem.objects.filter(
            Q(team_id__in=teams) | notable, status=PostMortem.Status.PUBLISHED,
            published_at__gte=min(reader.starts for reader in readers),
            published_at__lt=max(reader.ends for reader in readers),
        )
        .select_related("team").only("title", "kind", "severity", "status", "published_at", "team__name")
        .order_by("severity", "-published_at", "pk")
    )


def team_postmortems(reader, published):
    """What the person's own teams published in the window (people incidents only if they may read them)."""
    found = [postmortem for postmortem in published
             if postmortem.team_id in reader.roles and reader.in_window(postmortem) and reader.may_read(postmortem)]
    return _postmortem_section(found, reader.zone)


def notable_postmortems(reader, published):
    """Severe technical incidents other teams published in the window: news for everyone."""
    found = [
        postmortem for postmortem in published
        if postmortem.kind == PostMortem.Kind.TECHNICAL and postmortem.severity in NOTABLE_SEVERITIES
        and postmortem.team_id not in reader.roles and reader.in_window(postmortem) and reader.may_read(postmortem)
    ]
    return _postmortem_section(found, reader.zone)


def _postmortem_section(postmortems, zone):
    """The first MAX_LISTED as lines, with the total."""
    return Section([_postmortem_line(postmortem, zone) for postmortem in postmortems[:MAX_LISTED]], len(postmortems))


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


# The person's open items ------------------------------------------------------------------

# The person's open items fall into these sections, in this order; the value is the tab of
# "My action items" that lists the whole section.
ITEM_SECTIONS = {"overdue": "overdue", "due_soon": "due_week", "other_open": "open"}
ITEM_FIELDS = ("title", "due_date", "priority", "owner_id", "postmortem__title", "postmortem__team__name")


def _own_items(readers):
    """{person_id: {section name: Section}}: each reader's open items on post-mortems they may read.

    One query for every reader and section: each item is numbered within its owner's
    section and only the first MAX_LISTED of each come back, carrying the section's total.
    For one reader (the preview page) the ranking reads only the items' own rows and a
    second query reads the few listed items with their post-mortem and team, so at
    100,000 post-mortems it no longer joins the post-mortems for the thousands of items it
    numbers. An item's section depends on its owner's today, so owners are grouped by their today.
    """
    owners_by_today = {}
    for reader in readers:
        owners_by_today.setdefault(reader.today, set()).add(reader.person.pk)
    whens = []
    for today, owners in owners_by_today.items():
        whens += [
            When(owner_id__in=owners, due_date__lt=today, then=Value(0)),
            When(owner_id__in=owners, due_date__lte=today + DUE_SOON, then=Value(1)),
        ]
    section = Case(*whens, default=Value(2))  # due later, or no due date
    today_of = {reader.person.pk: reader.today for reader in readers}
    by_due = [F("due_date").asc(nulls_last=True), F("pk").asc()]
    partition = [F("owner_id"), F("section")]
    ranked = (
        ActionItem.objects.filter(_owner_may_read(readers), owner_id__in=today_of, status__in=OPEN_STATUSES)
        .annotate(section=section)
        .annotate(
            position=Window(RowNumber(), partition_by=partition, order_by=by_due),
            section_total=Window(Count("pk"), partition_by=partition),
        )
        .filter(position__lte=MAX_LISTED)
    )
    if len(readers) == 1:
        # Ranked on the items' own rows; then the few listed ones read with their post-mortem and team.
        numbers = {pk: (number, total) for pk, number, total in
                   ranked.order_by().values_list("pk", "section", "section_total")}
        rows = [(item, *numbers[item.pk]) for item in _with_postmortem(ActionItem.objects.filter(pk__in=numbers))]
    else:
        rows = [(item, item.section, item.section_total) for item in _with_postmortem(ranked.order_by())]
    found = {}
    for reader in readers:
        found.setdefault(reader.person.pk, [Section([], 0, _my_actions_url(tab)) for tab in ITEM_SECTIONS.values()])
    rows.sort(key=lambda row: (row[0].owner_id, row[1], row[0].due_date is None, row[0].due_date, row[0].pk))
    for item, number, total in rows:
        section = found[item.owner_id][number]
        section.lines.append(_item_line(item, today_of[item.owner_id]))
        section.total = total
    return {pk: dict(zip(ITEM_SECTIONS, sections)) for pk, sections in found.items()}


def _with_postmortem(items):
    """What an item's line shows: its own fields, its post-mortem's title and team's name."""
    return items.select_related("postmortem__team").only(*ITEM_FIELDS)


def _owner_may_read(readers):
    """A condition on items: on a post-mortem its owner may read.

    Both read the item's copies of its post-mortem's fields: for a batch, the rule for each
    item's owner (`reminders.owner_may_view`); for one reader (the preview page), that person's
    own (`permissions.visible_item_filter`), with their teams and named incidents as constants:
    at 100,000 post-mortems the planner otherwise hashed every post-mortem to check a few
    thousand items.
    """
    if len(readers) > 1:
        return reminders.owner_may_view()
    (reader,) = readers
    reader.person._debrief_team_roles = dict(reader.roles)  # what permissions.team_roles would read again
    return permissions.visible_item_filter(reader.person)


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


# The teams' overdue counts ----------------------------------------------------------------

def _team_overdue_counts(readers, counts):
    """{person_id: [{team, count, url}]} for each reader's teams: open items past due that they may see.

    Scoped as the action dashboard scopes them (`actions.team_scope`): a lead counts every
    item of the teams they lead; a member counts the technical incidents' items and those
    of the people incidents they may read. `counts` holds each team's figures, by kind,
    before a day (see `SharedFigures.overdue`); the teams it lacks are counted in one query,
    and the people incidents that members of the batch may read in one more, if there are any.
    """
    todays = sorted({reader.today for reader in readers})
    teams = {team_id for reader in readers for team_id in reader.roles}
    _count_overdue({team_id for team_id in teams if any((team_id, today) not in counts for today in todays)},
                   todays, counts)
    readable = _readable_overdue(readers, todays)
    found = {}
    for reader in readers:
        found[reader.person.pk] = [
            {
                "team": membership.team.name,
                "count": _overdue_for(reader, membership, counts[membership.team_id, reader.today], readable),
                "url": absolute(reverse("postmortems:actions") + "?"
                                + urlencode({"status": "overdue", "team": membership.team_id})),
            }
            for membership in reader.memberships
        ]
    return found


def _overdue_for(reader, membership, team_counts, readable):
    """A lead counts all of a team's overdue items; a member, the technical ones and those they may read."""
    if membership.role == permissions.LEAD:
        return sum(team_counts.values())
    return team_counts.get(PostMortem.Kind.TECHNICAL, 0) + sum(
        count for (postmortem_id, team_id, today), count in readable.items()
        if team_id == membership.team_id and today == reader.today and postmortem_id in reader.restricted
    )


def _count_overdue(teams, todays, counts):
    """Fill `counts` for these teams and days: {kind: open items past due}."""
    if not teams:
        return
    rows = (
        ActionItem.objects.filter(status__in=OPEN_STATUSES, due_date__lt=todays[-1], postmortem_team_id__in=teams)
        .order_by().values("postmortem_team_id", "postmortem_kind")
        .annotate(**{f"before_{n}": Count("pk", filter=Q(due_date__lt=today)) for n, today in enumerate(todays)})
    )
    for team_id in teams:
        for today in todays:
            counts[team_id, today] = {}
    for row in rows:
        for n, today in enumerate(todays):
            counts[row["postmortem_team_id"], today][row["postmortem_kind"]] = row[f"before_{n}"]


def _readable_overdue(readers, todays):
    """{(people incident, team, day): open items past due} for the people incidents members of the batch may read.

    Only members need these (a lead counts the whole team), and only on their own teams.
    """
    wanted = {
        postmortem_id for reader in readers if reader.restricted
        and any(role != permissions.LEAD for role in reader.roles.values())
        for postmortem_id in reader.restricted
    }
    if not wanted:
        return {}
    rows = (
        ActionItem.objects.filter(status__in=OPEN_STATUSES, due_date__lt=todays[-1], postmortem_id__in=wanted)
        .order_by().values("postmortem_id", "postmortem_team_id")
        .annotate(**{f"before_{n}": Count("pk", filter=Q(due_date__lt=today)) for n, today in enumerate(todays)})
    )
    return {
        (row["postmortem_id"], row["postmortem_team_id"], today): row[f"before_{n}"]
        for row in rows for n, today in enumerate(todays)
    }


# Trend highlights -------------------------------------------------------------------------

def trend_highlights(reader, now, cache):
    """Two or three trend highlights from the dashboard's aggregates, with absolute links.

    The highlights depend only on what the reader may read and on their time zone (the
    periods are whole local days), so readers alike in both share one computation.
    `trends.highlights` reads the active time zone, so it runs in the reader's.
    """
    key = (reader.visibility, str(reader.zone), now)
    if key not in cache:
        with timezone.override(reader.zone):
            found = trends.highlights(reader.person, now)
        cache[key] = [{"text": highlight["text"], "url": absolute(highlight["url"])} for highlight in found[:3]]
    return [dict(highlight) for highlight in cache[key]]


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

    Claims are taken and recorded a batch of people at a time (`claims.send_in_batches`),
    and each batch's digests are built together (`build_digests`): the queries grow with
    the batches and the distinct visibilities, not with the people or their items.
    """
    now = now or timezone.now()
    result = SweepResult()
    jobs = [(due, [due.key]) for due in pending_digests(now=now, people=people)]
    shared = SharedFigures()
    built = {}

    def prepare(batch):
        built.clear()
        try:
            contents = build_digests([(due.person, due.week) for due in batch], now=now, shared=shared)
        except Exception:
            # One person's bad data must not cost everyone their digest: `send` builds each one alone,
            # so only the digests that really fail to build fail (and are retried).
            logger.exception("Building a batch of %d digests failed; building them one at a time", len(batch))
            return
        built.update(zip((due.key for due in batch), contents))

    def build(due, _won):
        return digest_email(built.get(due.key) or build_digest(due.person, now=now, week=due.week))

    def send(email):
        email.send()

    outcomes = claims.send_in_batches(Digest, KEY_FIELDS, jobs, now=now, lease=lease(), build=build, send=send,
                                      prepare=prepare)
    for outcome in outcomes:
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
