"""Early-warning signals: what is moving in a team before something breaks.

Four kinds of signal, each about a team and never about a person:

- PULSE: a pulse statement left its usual range (`pulse.control_chart`: the latest two or more
  reported periods in a row below the mean of the six before them minus two standard errors).
  Read only through `pulse.results.statement_history`, so only periods at or above the
  anonymity threshold ever count, and only for readers the pulse app lets see the team's results.
- NEAR_MISSES: a theme's near misses are rising (`nearmisses.trends.rising_themes`: at least 3
  in the last 28 days and more than in the 28 before), counting what the reader may read.
- OVERDUE: the team's overdue action items, counted at now and 7, 14 and 21 days before, rose
  strictly from each count to the next, and the latest is at least OVERDUE_MINIMUM (3). Counted
  over the items the action dashboard shows the reader for that team, with the trends page's
  "overdue at a moment" rule; "since" is the count where the rise began (looking back 8 weeks).
- THEME_ACROSS_KINDS: a theme came up in both technical and people incidents of the team in
  the last THEME_WINDOW_DAYS (90), in at least `trends.REPEAT_MINIMUM` (3) incidents the reader
  may open. A people count of one or two is withheld everywhere (`trends.is_hidden`), so such
  a theme is not a signal: the signal itself would say "there is a people incident with this
  theme", which is the small number the rule protects.

Each signal says what moved (plain words), since when (a date), and links to the data behind
it. `new_signals_for_lead` (for the weekly digest) calls a signal new when it holds now and did
not hold at `since`: computed the same way at both moments, so a pulse signal that fired this
week counts as new although its run began a period earlier.
"""
import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone as dt_timezone

from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from nearmisses import trends as near_miss_trends
from nearmisses.models import NearMiss
from postmortems import actions, permissions
from postmortems import trends as incident_trends
from postmortems.models import ActionItem, PostMortem, Team, Theme
from pulse import control_chart, results
from pulse.models import Period

PULSE = "pulse"
NEAR_MISSES = "near_misses"
OVERDUE = "overdue"
THEME_ACROSS_KINDS = "theme_across_kinds"
KIND_LABELS = {
    PULSE: "Pulse",
    NEAR_MISSES: "Near misses",
    OVERDUE: "Overdue action items",
    THEME_ACROSS_KINDS: "Theme across kinds",
}
KIND_ORDER = [PULSE, NEAR_MISSES, OVERDUE, THEME_ACROSS_KINDS]

# Six months of weekly periods: what the trends page draws, and more than the rule needs.
PULSE_PERIODS = 26
OVERDUE_WEEKS = 4
OVERDUE_LOOKBACK = 8  # week-ends examined, to tell how long the count has been rising
OVERDUE_MINIMUM = 3
THEME_WINDOW_DAYS = 90
# Unicode's explicit directional formatting characters: embeddings, overrides, isolates and marks.
DIRECTIONAL_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# The isolates themselves, dropped from typed text before it is isolated: a typed PDI would end the
# isolate early and let an override after it run on.
ISOLATES = re.compile("[\u2066-\u2069]")


@dataclass(frozen=True)
class Signal:
    kind: str
    team: Team
    text: str  # what moved, in plain words
    since: object  # a date
    url: str  # relative: prefix SITE_URL in email
    subject: object = None  # the statement or theme id; with kind and team it names the signal

    @property
    def key(self):
        return (self.kind, self.team.pk, self.subject)

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


@dataclass
class StatementChart:
    """One statement's reported periods with their usual ranges (control_chart.Reading), oldest first."""

    statement: object
    readings: list
    signal: object = None  # a control_chart.Signal (down or up), or None


@dataclass
class TeamOverview:
    """What the trends page shows for one team: its pulse state and charts, and its signals.

    `pulse_state`: "none" (no pulse yet), "too_few" (periods, but none with results to show),
    "ready", or "hidden" (the reader may not see this team's pulse).
    """

    team: Team
    pulse_state: str
    statements: list = field(default_factory=list)
    signals: list = field(default_factory=list)


# Selectors ------------------------------------------------------------------------------

def team_overviews(user, *, now, team_ids=None, overdue=None):
    """An overview per team the user is a member or lead of (narrowed to `team_ids` if given), by name.

    Queries: one for the teams, one for overdue counts and one (two with a hit) for themes across
    kinds, whatever the number of teams; then per team only where there is something to read:
    the pulse history (a few queries) and the near-miss rise (one or two). `overdue`, if given,
    holds the overdue counts already (`overdue_counts` for these teams at `now`).
    """
    ids = list(permissions.team_roles(user))
    if team_ids is not None:
        ids = [team_id for team_id in ids if team_id in set(team_ids)]
    if not ids:
        return []
    teams = list(_teams_with_data(ids, now))
    overdue = overdue_signals(user, teams, now=now, counts=overdue)
    across = theme_signals(user, teams, now=now)
    overviews = []
    for team in teams:
        overview = _pulse_overview(user, team, now)
        if team.has_near_misses:
            overview.signals += near_miss_signals(user, team, now=now)
        overview.signals += overdue.get(team.pk, []) + across.get(team.pk, [])
        overview.signals.sort(key=lambda signal: KIND_ORDER.index(signal.kind))
        overviews.append(overview)
    return overviews


def signals_for(user, *, now):
    """Every signal of the teams the user is a member or lead of, by team name then kind."""
    return [signal for overview in team_overviews(user, now=now) for signal in overview.signals]


def new_signals_for_lead(user, *, since, now):
    """Signals of the teams the user leads that hold at `now` and did not hold at `since`: for the digest."""
    led = permissions.lead_team_ids(user)
    if not led:
        return []
    # The overdue counts at both moments' week-ends in one query rather than one each: the digest
    # preview and every lead's digest read both.
    ends = {when: week_ends(when) for when in (since, now)}
    moments = sorted(set(ends[since]) | set(ends[now]))
    counted = overdue_counts(user, led, now=now, moments=moments)

    def overdue_at(when):
        return {team_id: [counts[moments.index(moment)] for moment in ends[when]]
                for team_id, counts in counted.items()}

    before = {signal.key for overview in team_overviews(user, now=since, team_ids=led, overdue=overdue_at(since))
              for signal in overview.signals}
    return [signal for overview in team_overviews(user, now=now, team_ids=led, overdue=overdue_at(now))
            for signal in overview.signals if signal.key not in before]


def isolated(text):
    """Text people typed (a statement, a theme name), safe to set inside a signal's sentence.

    A signal is one sentence built around such text, shown in pages and plain-text email alike. Text
    holding a directional control (a right-to-left override, say) is wrapped in Unicode isolates
    (FSI … PDI), so the control cannot reorder the rest of the sentence, its figures and dates, as
    it is displayed (the closing PDI ends every override opened inside); other text is left as typed.
    """
    if not DIRECTIONAL_CONTROLS.search(text):
        return text
    return f"\u2068{ISOLATES.sub('', text)}\u2069"


def _today(now):
    return timezone.localtime(now).date()


def _teams_with_data(ids, now):
    """The teams, each marked with whether it has pulse periods and recently triaged near misses.

    Two EXISTS in one query spare a team that has neither the pulse-history and the near-miss
    queries. Periods say only that the team runs a pulse (its members know that); no response
    is read here.
    """
    first_near_miss_day = now.astimezone(dt_timezone.utc).date() - timedelta(days=2 * near_miss_trends.WINDOW_DAYS)
    return Team.objects.filter(pk__in=ids).annotate(
        has_pulse=Exists(Period.objects.filter(team=OuterRef("pk"), start__lte=_today(now))),
        has_near_misses=Exists(NearMiss.objects.filter(
            team=OuterRef("pk"), status__in=near_miss_trends.COUNTED, reported_on__gte=first_near_miss_day,
        )),
    ).order_by("name")


# Pulse ----------------------------------------------------------------------------------

def _pulse_overview(user, team, now):
    if not permissions.can_see_pulse(user, team):
        return TeamOverview(team, "hidden")
    if not team.has_pulse:
        return TeamOverview(team, "none")
    history = results.statement_history(team, periods=PULSE_PERIODS, now=now)
    if not history:
        return TeamOverview(team, "too_few")
    charts = [_statement_chart(line) for line in history]
    return TeamOverview(team, "ready", charts, pulse_signals(team, charts))


def _statement_chart(line):
    points = [control_chart.Point(point.period_start, point.mean, point.standard_error) for point in line.points]
    readings = control_chart.readings(points)
    return StatementChart(line.statement, readings, control_chart.signal_from_readings(readings))


def pulse_signals(team, charts):
    """A signal per statement whose score is below its usual range now.

    Only statements measured in the team's latest reported period count: a statement of an
    older question version has no present to signal about.
    """
    latest = max((chart.readings[-1].period for chart in charts if chart.readings), default=None)
    url = reverse("pulse:team", args=[team.slug])
    found = []
    for chart in charts:
        moved = chart.signal
        if moved is None or moved.direction != control_chart.DOWN or chart.readings[-1].period != latest:
            continue
        values = ", ".join(f"{mean:.1f}" for mean in moved.means)
        found.append(Signal(
            PULSE, team,
            f"“{isolated(chart.statement.text)}” has scored below its usual range "
            f"for {len(moved.means)} periods in a row "
            f"({values}; its usual range before was {moved.low:.1f} to {moved.high:.1f}).",
            moved.since, url, chart.statement.pk,
        ))
    return found


# Near misses ----------------------------------------------------------------------------

def near_miss_signals(user, team, *, now):
    """A signal per theme whose near misses, as this reader may read them, are rising."""
    days = near_miss_trends.WINDOW_DAYS
    found = []
    for theme in near_miss_trends.rising_themes(team, now=now, viewer=user):
        if theme["hidden"]:
            text = f"Near misses with the theme “{isolated(theme['name'])}” are rising over the last {days} days."
        else:
            text = (f"Near misses with the theme “{isolated(theme['name'])}” rose to {theme['recent']} "
                    f"in the last {days} days, from {theme['previous']} in the {days} days before.")
        # A withheld count gets no list narrowed to it (so the list cannot count it): the team's list instead.
        url = theme["url"] or incident_trends.with_query(reverse("nearmisses:list"), team=team.pk)
        found.append(Signal(NEAR_MISSES, team, text, theme["since"], url, theme["theme_id"]))
    return found


# Overdue action items -------------------------------------------------------------------

def week_ends(now, weeks=OVERDUE_LOOKBACK):
    """The moments the overdue counts are taken at: `now` and each 7 days before, oldest first."""
    return [now - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def overdue_counts(user, team_ids, *, now, moments=None):
    """{team_id: [overdue items at each of `moments`]}, of the items the action dashboard shows the user.

    `moments` are `week_ends(now)` unless given. Filtered counts per moment, grouped by team
    (trends.overdue_counts_at: two queries). "Overdue at a moment" is the trends page's rule
    (open then and past its due date then, with today's due dates).
    """
    moments = week_ends(now) if moments is None else moments
    items = ActionItem.objects.filter(actions.team_scope(user), postmortem_team_id__in=team_ids)
    return incident_trends.overdue_counts_at(items, moments, group_by="postmortem_team_id")


def rising_since(counts, weeks=OVERDUE_WEEKS, minimum=OVERDUE_MINIMUM):
    """The index where a strict rise up to the last count began, if the last `weeks` counts rise
    strictly and end at `minimum` or more; else None."""
    if len(counts) < weeks or counts[-1] < minimum:
        return None
    start = len(counts) - 1
    while start > 0 and counts[start - 1] < counts[start]:
        start -= 1
    return start if len(counts) - start >= weeks else None


def overdue_signals(user, teams, *, now, counts=None):
    """{team_id: [Signal]} for teams whose overdue action items grew at each of the last four week-ends.

    `counts`, if given, are `overdue_counts` for these teams at `now`, read already.
    """
    moments = week_ends(now)
    counts_by_team = overdue_counts(user, [team.pk for team in teams], now=now) if counts is None else counts
    found = {}
    for team in teams:
        counts = counts_by_team.get(team.pk)
        start = rising_since(counts) if counts else None
        if start is None:
            continue
        rise = " → ".join(str(count) for count in counts[start:])
        url = f"{reverse('postmortems:actions')}?status=overdue&team={team.pk}"
        weeks = len(counts) - start - 1
        text = f"Overdue action items have risen every week for {weeks} weeks: {rise} (counted weekly, the last now)."
        found[team.pk] = [Signal(OVERDUE, team, text, timezone.localtime(moments[start]).date(), url)]
    return found


# Themes across technical and people incidents ---------------------------------------------

def theme_signals(user, teams, *, now):
    """{team_id: [Signal]}: themes in technical and people incidents of the team that the user may open.

    One grouped query over the window's incidents (restricted ones the user may not open are
    never in it), and one for the theme names when there is a hit.
    """
    window = incident_trends.Period.last(THEME_WINDOW_DAYS, _today(now))
    rows = (
        incident_trends.incidents_in(PostMortem.objects.visible_to(user), window)
        .filter(team_id__in=[team.pk for team in teams])
        .annotate(theme_id=F("factors__theme_id"))
        .filter(theme_id__isnull=False)
        .values("team_id", "theme_id")
        .annotate(count=Count("pk", distinct=True),
                  people=Count("pk", distinct=True, filter=Q(kind=PostMortem.Kind.PEOPLE)),
                  first=Min("incident_on"))
    )
    hits = [row for row in rows if _repeats_across_kinds(row["count"], row["people"])]
    if not hits:
        return {}
    names = _theme_labels({row["theme_id"] for row in hits})
    by_pk = {team.pk: team for team in teams}
    found = {}
    for row in sorted(hits, key=lambda row: (-row["count"], names[row["theme_id"]])):
        team = by_pk[row["team_id"]]
        text = (f"The theme “{isolated(names[row['theme_id']])}” came up in both technical and people incidents of "
                f"{team.name} in the last {THEME_WINDOW_DAYS} days ({row['count']} incidents).")
        url = incident_trends.with_query(reverse("postmortems:list"), team=team.pk, theme=row["theme_id"],
                                         **{"from": window.first_day, "to": window.last_day})
        found.setdefault(team.pk, []).append(Signal(
            THEME_ACROSS_KINDS, team, text, timezone.localtime(row["first"]).date(), url, row["theme_id"],
        ))
    return found


def _repeats_across_kinds(count, people):
    """Both kinds, no withheld people count, and enough incidents to be a repeat."""
    technical = count - people
    return (technical > 0 and people > 0 and not incident_trends.is_hidden(people)
            and count >= incident_trends.REPEAT_MINIMUM)


def _theme_labels(theme_ids):
    """{theme_id: label}, a team's own theme carrying its team's name as on the trends page."""
    rows = Theme.objects.filter(pk__in=theme_ids).values_list("pk", "name", "team__name")
    return {pk: f"{name} ({team_name})" if team_name else name for pk, name, team_name in rows}
