"""The learning-trends aggregates: what the incidents a person may read say together.

Every function takes a queryset that is already limited to what the reader may
see (`PostMortem.objects.visible_to(user)`, narrowed by the dashboard's team and
kind filters) and a `Period`, and returns plain data (dicts, lists, dates,
numbers). Counting happens in the database (GROUP BY month, filtered `Count`s),
so the number of queries is the same for ten incidents or ten thousand.

Figures that come from the same rows share a query: `theme_counts` feeds every
theme figure and `items_created_by_month` both action-item charts; the view
computes each once and passes it on (`counts=`, `created=`), while a caller that
wants one figure alone can leave them out. Each reader's figures are computed
afresh from what that reader may open: nothing is cached or rolled up across
readers, so visibility stays exactly that of `visible_to`.

Months: incident charts group by the month the incident happened (started,
else detected, else written up) in the current time zone, so every figure links
to the post-mortem list for the same days. Action items group by the month they
were created or closed.

Restricted incidents: people post-mortems the reader may not open are never in
the queryset, so they never reach a count. Beyond that, a *theme* count that
includes one or two people incidents is hidden (see `is_hidden`).
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import (
    BooleanField, Count, DateField, DurationField, ExpressionWrapper, F, IntegerField, Q, Sum, Value, Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, DenseRank, RowNumber, TruncMonth
from django.urls import reverse
from django.utils import timezone

from postmortems.blame import CATEGORIES
from postmortems.models import ActionItem, PostMortem, Theme

MIN_RESTRICTED = 3
# The days a filter may ask for: far enough for any incident, and near enough that a local
# midnight converts to UTC and the month after the last day exists (near date.min or
# date.max both overflow).
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2100, 12, 31)
REPEAT_MINIMUM = 3
REPEAT_NEWEST = 6  # incidents listed beside each repeat theme; the link lists them all
PEOPLE = PostMortem.Kind.PEOPLE
DONE = ActionItem.Status.DONE
OPEN_STATUSES = (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)


# Periods and months ----------------------------------------------------------------

def _midnight(day):
    """The start of a local day as an aware datetime (current time zone)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _month_start(day):
    return day.replace(day=1)


def _next_month(month):
    return (month + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Period:
    """A run of whole local days, first and last included."""

    first_day: date
    last_day: date

    @classmethod
    def last(cls, days, today):
        """The `days` days ending today."""
        return cls(today - timedelta(days=days - 1), today)

    @property
    def start(self):
        return _midnight(self.first_day)

    @property
    def end(self):
        """Exclusive: midnight after the last day."""
        return _midnight(self.last_day + timedelta(days=1))

    @property
    def length(self):
        return (self.last_day - self.first_day).days + 1

    def previous(self):
        """The period of the same length just before this one."""
        return Period(self.first_day - timedelta(days=self.length), self.first_day - timedelta(days=1))

    def months(self):
        """The first day of every month the period touches, oldest first."""
        months, month = [], _month_start(self.first_day)
        while month <= self.last_day:
            months.append(month)
            month = _next_month(month)
        return months

    def days_of(self, month):
        """(first, last) day of a month, clipped to the period: what a month's figure covers."""
        last = _next_month(month) - timedelta(days=1)
        return max(month, self.first_day), min(last, self.last_day)


def incident_date(prefix=""):
    """When an incident happened, in SQL: as `PostMortem.incident_date` does in Python."""
    return Coalesce(f"{prefix}started_at", f"{prefix}detected_at", f"{prefix}created_at")


def month_of(expression):
    """The local month of a datetime expression, as a date (the 1st)."""
    return TruncMonth(expression, output_field=DateField())


def incidents_between(postmortems, first_day=None, last_day=None):
    """Post-mortems whose incident happened on these local days (either end may be open),
    annotated with `incident_on`: the list page's from/to filter."""
    postmortems = postmortems.annotate(incident_on=incident_date())
    if first_day:
        postmortems = postmortems.filter(incident_on__gte=_midnight(first_day))
    if last_day and last_day < date.max:
        postmortems = postmortems.filter(incident_on__lt=_midnight(last_day + timedelta(days=1)))
    return postmortems


def incidents_in(postmortems, period):
    """Post-mortems whose incident happened in the period, annotated with `incident_on`."""
    return incidents_between(postmortems, period.first_day, period.last_day).order_by()


def incidents_url(**params):
    """The post-mortem list filtered by these parameters (lists give repeated parameters)."""
    return with_query(reverse("postmortems:list"), **params)


def with_query(url, **params):
    """`url` with these parameters as its query string, leaving out empty ones (lists repeat)."""
    pairs = []
    for name, value in params.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item not in (None, ""):
                pairs.append((name, item.isoformat() if isinstance(item, date) else item))
    return f"{url}?{urlencode(pairs)}" if pairs else url


def is_hidden(people_count):
    """Whether a theme count is withheld because it would single out restricted incidents.

    People post-mortems are about colleagues: harassment, burnout, a hiring
    process that hurt someone. A reader who may see some of them (a lead, an
    author, a named viewer) still gets a *count* hidden when it includes one or
    two of them, because a small number next to a theme, a team and a month
    points at particular people, and counts travel further than documents do
    (screenshots, meeting slides, the weekly digest). From three restricted
    incidents on, the count describes a pattern, not a person, and is shown.
    Counts with no people incidents are always shown. The rule applies to every
    theme count: per month, for the period, for the previous period, and in
    repeat themes (whose restricted incidents are then not listed either).
    """
    return 0 < people_count < MIN_RESTRICTED


def _theme_label(name, team_name):
    return f"{name} ({team_name})" if team_name else name


# Incidents ----------------------------------------------------------------------------

def incidents_by_month(postmortems, period):
    """[{month, total, kinds: {kind: n}, severities: {severity: n}}] for every month of the period."""
    rows = (
        incidents_in(postmortems, period).annotate(month=month_of("incident_on"))
        .values("month", "kind", "severity").annotate(count=Count("pk"))
    )
    months = {
        month: {"month": month, "total": 0, "kinds": dict.fromkeys(PostMortem.Kind.values, 0),
                "severities": dict.fromkeys(PostMortem.Severity.values, 0)}
        for month in period.months()
    }
    for row in rows:
        entry = months[row["month"]]
        entry["total"] += row["count"]
        entry["kinds"][row["kind"]] += row["count"]
        entry["severities"][row["severity"]] += row["count"]
    return list(months.values())


# Themes -----------------------------------------------------------------------------

def theme_counts(postmortems, period):
    """Incidents per theme per month over the period and the one before: the query behind every theme figure.

    [{theme_id, name, month, current, count, people}]; `current` says whether the row is in the
    period (the month the period starts in can have a row either side). An incident happens in
    one month, so a theme's incidents over several months are the sum of its monthly counts: one
    GROUP BY gives the monthly cells, both periods' totals and the repeat themes.

    It groups the reader's incidents joined to their factors, rather than factors whose incident is
    in the reader's incidents, so the incidents are scanned once; theme names come from a second,
    small query instead of widening every row the GROUP BY sorts.
    """
    previous = period.previous()
    rows = (
        incidents_in(postmortems, Period(previous.first_day, period.last_day))
        .annotate(theme_id=F("factors__theme_id"), month=month_of("incident_on"),
                  current=ExpressionWrapper(Q(incident_on__gte=period.start), output_field=BooleanField()))
        .values("theme_id", "month", "current")
        .annotate(count=Count("pk", distinct=True), people=Count("pk", distinct=True, filter=Q(kind=PEOPLE)))
        .filter(theme_id__isnull=False)
    )
    rows = list(rows)
    names = _theme_names({row["theme_id"] for row in rows})
    return [{**row, "name": names[row["theme_id"]]} for row in rows]


def _theme_names(theme_ids):
    """{theme_id: label}: a team's theme carries its team's name."""
    themes = Theme.objects.filter(pk__in=theme_ids).order_by().values_list("pk", "name", "team__name")
    return {pk: _theme_label(name, team_name) for pk, name, team_name in themes}


def _theme_sums(counts):
    """{theme_id: {name, count, people, previous_count, previous_people}} from `theme_counts` rows."""
    sums = {}
    for row in counts:
        entry = sums.setdefault(row["theme_id"], {
            "name": row["name"], "count": 0, "people": 0, "previous_count": 0, "previous_people": 0,
        })
        prefix = "" if row["current"] else "previous_"
        entry[f"{prefix}count"] += row["count"]
        entry[f"{prefix}people"] += row["people"]
    return sums


def themes_by_month(postmortems, period, *, counts=None):
    """{(theme_id, month): {count, hidden}}: incidents per theme per month (a count of None is hidden).

    `counts` are this reader's `theme_counts` for the period, when the caller has them already.
    """
    counts = theme_counts(postmortems, period) if counts is None else counts
    return {
        (row["theme_id"], row["month"]): {
            "count": None if is_hidden(row["people"]) else row["count"], "hidden": is_hidden(row["people"]),
        }
        for row in counts if row["current"]
    }


def theme_totals(postmortems, period, *, counts=None):
    """Every theme seen in the period: incidents now and in the previous period, and the change.

    Sorted by count, largest first; hidden counts sort last so their rank gives nothing away.
    """
    counts = theme_counts(postmortems, period) if counts is None else counts
    themes = []
    for theme_id, row in _theme_sums(counts).items():
        if not row["count"]:
            continue
        hidden, previous_hidden = is_hidden(row["people"]), is_hidden(row["previous_people"])
        themes.append({
            "theme_id": theme_id,
            "name": row["name"],
            "count": None if hidden else row["count"],
            "previous": None if previous_hidden else row["previous_count"],
            "change": None if hidden or previous_hidden else row["count"] - row["previous_count"],
            "hidden": hidden,
        })
    themes.sort(key=lambda theme: (theme["hidden"], -(theme["count"] or 0), theme["name"]))
    return themes


def repeat_themes(postmortems, period, minimum=REPEAT_MINIMUM, *, counts=None, newest=REPEAT_NEWEST):
    """Themes in `minimum`+ incidents of the period, most widespread first, each with its
    `listed_count` incidents and the `newest` of them.

    A theme whose restricted incidents would be singled out keeps its technical incidents
    listed; its count and its people incidents are withheld (`is_hidden`). Counting comes
    from `theme_counts`; one more query fetches the newest incidents of the repeat themes
    only, so the page does not grow with the number of incidents behind a theme.
    """
    counts = theme_counts(postmortems, period) if counts is None else counts
    themes = []
    for theme_id, row in _theme_sums(counts).items():
        if row["count"] < minimum:
            continue
        hidden = is_hidden(row["people"])
        technical, people = row["count"] - row["people"], 0 if hidden else row["people"]
        if technical + people < minimum:
            continue  # only repeats because of withheld incidents: showing it would point at them
        themes.append({
            "theme_id": theme_id,
            "name": row["name"],
            "count": None if hidden else row["count"],
            "hidden": hidden,
            "kinds": [kind for kind, n in ((PEOPLE, people), (PostMortem.Kind.TECHNICAL, technical)) if n],
            "listed_count": technical + people,
        })
    if not themes:
        return []
    recent = Period(_newest_months_start(counts, themes, newest, period), period.last_day)
    incidents = _newest_incidents(postmortems, recent, themes, newest)
    for theme in themes:
        theme["incidents"] = incidents.get(theme["theme_id"], [])
    themes.sort(key=lambda theme: (-len(theme["kinds"]), -theme["listed_count"], theme["name"]))
    return themes


def _newest_months_start(counts, themes, newest, period):
    """The first day of the months that hold every theme's `newest` listed incidents.

    The monthly counts say, for each theme, how many months back its newest incidents
    go; ranking only those months' incidents gives the same newest ones while sorting
    a month or two of rows instead of the whole period's.
    """
    hidden = {theme["theme_id"]: theme["hidden"] for theme in themes}
    listed = {}
    for row in counts:
        if row["current"] and row["theme_id"] in hidden:
            n = row["count"] - row["people"] if hidden[row["theme_id"]] else row["count"]
            listed.setdefault(row["theme_id"], []).append((row["month"], n))
    start = period.last_day
    for months in listed.values():
        total = 0
        for month, n in sorted(months, reverse=True):
            total += n
            if total >= newest:
                break
        start = min(start, month)
    return max(start, period.first_day)


def _newest_incidents(postmortems, period, themes, newest):
    """{theme_id: [incident, ...]}: the `newest` listed incidents of each theme, newest first.

    DENSE_RANK rather than ROW_NUMBER: an incident with two factors of one theme is joined
    twice and must take one rank, not two.
    """
    hidden = [theme["theme_id"] for theme in themes if theme["hidden"]]
    rows = (
        incidents_in(postmortems, period).annotate(theme_id=F("factors__theme_id"))
        .filter(Q(theme_id__in=[theme["theme_id"] for theme in themes]))
        .filter(~Q(theme_id__in=hidden) | ~Q(kind=PEOPLE))
        .annotate(rank=Window(DenseRank(), partition_by=[F("theme_id")],
                              order_by=[F("incident_on").desc(), F("pk").asc()]))
        .filter(rank__lte=newest)
        .values_list("theme_id", "pk", "title", "kind", "incident_on")
    )
    by_theme = {}
    for theme_id, pk, title, kind, incident_on in sorted(set(rows), key=lambda row: (-row[4].timestamp(), row[1])):
        by_theme.setdefault(theme_id, []).append({
            "pk": pk, "title": title, "kind": kind, "incident_on": timezone.localtime(incident_on).date(),
        })
    return by_theme


# Percentiles ---------------------------------------------------------------------------

def percentiles_by_month(queryset, *, month, value, percentiles=(0.5, 0.9), overall=False):
    """{month: {"n": count, p: value}} with PostgreSQL's `percentile_cont` semantics, on any database.

    SQL has no portable median, and loading every duration would make the page
    grow with the data. Instead one query ranks each month's values with window
    functions (ROW_NUMBER and COUNT over the month) and keeps only the rows on
    either side of each percentile: at most two rows per percentile per month
    come back, whatever the number of incidents. Python then interpolates
    between the two, exactly as `percentile_cont` does. PostgreSQL and SQLite
    (3.25+) both run it, so tests on either exercise the same code.

    With `overall`, the same query also ranks every value together (windows over the
    whole set), and the key None holds the percentiles of all months at once.
    """
    windows = {
        "rank": Window(RowNumber(), partition_by=[F("bucket")], order_by=[F("measured").asc(), F("pk").asc()]),
        "size": Window(Count("pk"), partition_by=[F("bucket")]),
    }
    if overall:
        windows["overall_rank"] = Window(RowNumber(), order_by=[F("measured").asc(), F("pk").asc()])
        windows["overall_size"] = Window(Count("pk"))
    ranked = queryset.order_by().annotate(bucket=month, measured=value).annotate(**windows)
    wanted = _near_percentiles(percentiles)
    if overall:
        wanted |= _near_percentiles(percentiles, prefix="overall_")
    columns = ["bucket", "rank", "size", "measured", *(["overall_rank", "overall_size"] if overall else [])]
    by_month = {}
    for row in ranked.filter(wanted).values(*columns):
        buckets = [(row["bucket"], row["rank"], row["size"])]
        if overall:
            buckets.append((None, row["overall_rank"], row["overall_size"]))
        for bucket, rank, size in buckets:
            by_month.setdefault(bucket, {"n": size, "ranks": {}})["ranks"][rank] = row["measured"]
    return {bucket: _interpolate(entry, percentiles) for bucket, entry in by_month.items()}


def _near_percentiles(percentiles, prefix=""):
    """A Q for the ranked rows on either side of each percentile (ranks in `{prefix}rank`)."""
    wanted = Q()
    for p in percentiles:
        below, above = _rank_bounds(p, F(f"{prefix}size"))
        wanted |= Q(**{f"{prefix}rank": below}) | Q(**{f"{prefix}rank": above})
    return wanted


def _rank_bounds(p, size):
    """SQL for the 1-based ranks just below and above percentile p: floor and ceil of p·(n−1), plus 1.

    p is taken as a fraction of hundreds so the arithmetic stays in integers (integer
    division truncates on both PostgreSQL and SQLite).
    """
    hundredths = round(p * 100)
    scaled = (size - 1) * hundredths
    below = ExpressionWrapper(scaled / 100 + 1, output_field=IntegerField())
    above = ExpressionWrapper((scaled + 99) / 100 + 1, output_field=IntegerField())
    return below, above


def _interpolate(entry, percentiles):
    result, ranks, n = {"n": entry["n"]}, entry["ranks"], entry["n"]
    for p in percentiles:
        position = p * (n - 1)
        below = int(position)
        fraction = position - below
        low, high = ranks[below + 1], ranks.get(below + 2, ranks[below + 1])
        result[p] = low + (high - low) * fraction if fraction else low
    return result


def _days(duration):
    return None if duration is None else round(duration.total_seconds() / 86400, 1)


# Action items ------------------------------------------------------------------------

def _closed_at_duration():
    return ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())


def items_created_by_month(items, period):
    """{month: {created, created_done, checked, passed}}: the period's new action items, how many
    are done now, and how many the quality check saw and passed. One query for the follow-through
    and the quality charts, which both count items by the month they were created.
    """
    rows = (
        items.order_by().filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(month=month_of("created_at")).values("month")
        .annotate(created=Count("pk"), created_done=Count("pk", filter=Q(status=DONE)),
                  checked=Count("pk", filter=Q(wording_issues__isnull=False)),
                  passed=Count("pk", filter=Q(wording_issues="")))
    )
    return {row.pop("month"): row for row in rows}


def follow_through(items, period, now, *, created=None):
    """Per month: items created (and how many of those are done now), items done, median
    days to done, and items overdue at the month's end; plus the period's totals.

    `items` are action items of the reader's visible, filtered post-mortems. Overdue
    at a past month's end uses today's due dates (due-date changes are not replayed).
    `created` is `items_created_by_month` for the same items and period, if the caller has it.
    """
    items = items.order_by()
    created = items_created_by_month(items, period) if created is None else created
    done_items = items.filter(status=DONE, closed_at__gte=period.start, closed_at__lt=period.end)
    # The median's query counts each month's done items anyway ("n"), and ranks them all together
    # for the period's median (key None): one query where three would each scan the items.
    medians = percentiles_by_month(done_items, month=month_of("closed_at"), value=_closed_at_duration(),
                                   percentiles=(0.5,), overall=True)
    overdue = _overdue_at_month_ends(items, period, now)
    rows = []
    for month in period.months():
        made = created.get(month, {"created": 0, "created_done": 0})
        rows.append({
            "month": month,
            "created": made["created"],
            "created_done": made["created_done"],
            "completion": made["created_done"] / made["created"] if made["created"] else None,
            "done": medians.get(month, {}).get("n", 0),
            "median_days_to_done": _days(medians.get(month, {}).get(0.5)),
            "overdue": overdue[month],
        })
    return {"months": rows, **_follow_through_totals(rows, medians.get(None, {}))}


def _follow_through_totals(rows, overall):
    created = sum(row["created"] for row in rows)
    created_done = sum(row["created_done"] for row in rows)
    return {
        "created": created,
        "done": sum(row["done"] for row in rows),
        "completion": created_done / created if created else None,
        "median_days_to_done": _days(overall.get(0.5)),
        "overdue_now": rows[-1]["overdue"] if rows else 0,
    }


def _overdue_at_month_ends(items, period, now):
    """{month: items open and past due at the end of that month (or now, for the current month)}."""
    moments = [min(_midnight(_next_month(month)), period.end, now) for month in period.months()]
    counts = overdue_counts_at(items, moments)
    return dict(zip(period.months(), counts.get(None, [0] * len(moments))))


def _overdue_at(moment, since=None):
    """Open and past due at `moment`; with `since`, at any moment from `since` to `moment`."""
    since = since or moment
    return (
        Q(created_at__lt=moment, due_date__lt=timezone.localtime(moment).date())
        & (Q(closed_at__isnull=True, status__in=OPEN_STATUSES) | Q(closed_at__gte=since))
    )


def overdue_counts_at(items, moments, *, group_by=None):
    """{group: [items open and past due at each moment]} (group None without `group_by`).

    `_overdue_at`'s two ways of being open at a moment are counted apart and added: items
    still open now, read from the partial index that holds only open items (no other row of
    the whole history is touched), and items closed after the earliest moment, read by their
    closing time. The two sets cannot overlap (one has no closing time, the other has one).
    Without `group_by` they are counted together, in one query (see below).
    """
    first, last = min(moments), max(moments)
    parts = [
        (Q(closed_at__isnull=True, status__in=OPEN_STATUSES), lambda moment: Q()),
        (Q(closed_at__gte=first), lambda moment: Q(closed_at__gte=moment)),
    ]
    if group_by is None:
        # Ungrouped (the trends page's month ends), both sets in one query read faster: at 100,000
        # post-mortems the open items are most of the table and are scanned whole either way, and
        # the second query only repeated the work of planning and starting a scan (105 → 84 ms).
        # Grouped by team, the two index reads stay faster than one scan (27 against 44 ms).
        parts = [(parts[0][0] | parts[1][0], lambda moment: Q(closed_at__isnull=True) | Q(closed_at__gte=moment))]
    totals = {}
    for part, still_open_at in parts:
        rows = items.filter(part, created_at__lt=last, due_date__lt=timezone.localtime(last).date()).order_by()
        counts = {
            f"m{index}": Count("pk", filter=Q(created_at__lt=moment, due_date__lt=timezone.localtime(moment).date())
                               & still_open_at(moment))
            for index, moment in enumerate(moments)
        }
        found = rows.values(group=F(group_by)).annotate(**counts) if group_by else [{"group": None, **rows.aggregate(**counts)}]
        for row in found:
            summed = totals.setdefault(row["group"], [0] * len(moments))
            for index in range(len(moments)):
                summed[index] += row[f"m{index}"] or 0
    return totals


# Publishing and wording -------------------------------------------------------------------

def _published_in(postmortems, period):
    return incidents_in(postmortems, period).filter(status=PostMortem.Status.PUBLISHED)


def publish_delays(postmortems, period):
    """Per month: how many days from resolution to publication, median and 90th percentile."""
    measured = _published_in(postmortems, period).filter(resolved_at__isnull=False, published_at__isnull=False)
    delays = ExpressionWrapper(F("published_at") - F("resolved_at"), output_field=DurationField())
    found = percentiles_by_month(measured, month=month_of("incident_on"), value=delays)
    rows = []
    for month in period.months():
        entry = found.get(month, {})
        rows.append({"month": month, "count": entry.get("n", 0),
                     "median_days": _days(entry.get(0.5)), "p90_days": _days(entry.get(0.9))})
    return rows


def blame_rates(postmortems, period):
    """Per month: blame-language findings per 1,000 words at publication, by category and in all.

    Sums the counts stored at publication (`blame_counts`, `word_count`) in the database;
    a month without published words has no rate (None), not a rate of zero.
    """
    findings = {
        category: Coalesce(Sum(Cast(KeyTextTransform(category, "blame_counts"), IntegerField())), 0)
        for category in CATEGORIES
    }
    rows = {
        row["month"]: row for row in
        _published_in(postmortems, period).filter(word_count__gt=0)
        .annotate(month=month_of("incident_on")).values("month")
        .annotate(words=Sum("word_count"), published=Count("pk"), **findings)
    }
    result = []
    for month in period.months():
        row = rows.get(month)
        words = row["words"] if row else 0
        rates = {category: (row[category] * 1000 / words if words else None) for category in CATEGORIES}
        total = sum(row[category] for category in CATEGORIES) if row else 0
        result.append({
            "month": month, "published": row["published"] if row else 0, "words": words,
            "rates": rates, "total": total * 1000 / words if words else None,
        })
    return result


def category_label(category):
    return category.replace("_", " ").capitalize()


# Highlights (for the weekly digest) -------------------------------------------------------

def highlights(user, now, days=90):
    """Two or three plain-data trend highlights for one reader: a repeat theme, a follow-through change.

    Each is {"key", "text", "url"} with a relative URL (prefix SITE_URL for email).
    Uses the reader's visibility and the active time zone.
    """
    today = timezone.localtime(now).date()
    postmortems = PostMortem.objects.visible_to(user)
    period = Period.last(days, today)
    found = []
    repeats = [theme for theme in repeat_themes(postmortems, period) if not theme["hidden"]]
    if repeats:
        theme = repeats[0]
        across = " across technical and people incidents" if len(theme["kinds"]) > 1 else ""
        found.append({
            "key": "repeat_theme",
            "text": f"“{theme['name']}” came up in {theme['count']} incidents in the last {days} days{across}.",
            "url": incidents_url(theme=theme["theme_id"], **{"from": period.first_day, "to": period.last_day}),
        })
    change = _follow_through_change(user, today)
    if change:
        found.append(change)
    delay = _publish_delay_highlight(postmortems, period)
    if delay:
        found.append(delay)
    return found[:3]


def _follow_through_change(user, today):
    """Action items done in the last 30 days against the 30 before, of post-mortems `user` may read."""
    recent = Period.last(30, today)
    earlier = recent.previous()
    # One small query: the done-by-closed index finds the two windows' rows, and who may see each is
    # read from the item's own copy of its post-mortem's team, kind and state (no post-mortem scan).
    counts = ActionItem.objects.visible_to(user).filter(
        status=DONE, closed_at__gte=earlier.start, closed_at__lt=recent.end,
    ).aggregate(recent=Count("pk", filter=Q(closed_at__gte=recent.start)),
                earlier=Count("pk", filter=Q(closed_at__lt=earlier.end)))
    if not counts["recent"] and not counts["earlier"]:
        return None
    difference = counts["recent"] - counts["earlier"]
    trend = "up from" if difference > 0 else "down from" if difference < 0 else "the same as"
    return {
        "key": "follow_through",
        "text": f"{counts['recent']} action item{'' if counts['recent'] == 1 else 's'} done in the last 30 days, "
                f"{trend} {counts['earlier']} in the 30 days before.",
        "url": reverse("postmortems:trends") + "#follow-through",
    }


def _publish_delay_highlight(postmortems, period):
    """The median days from resolution to publication over the period, if anything was published."""
    measured = _published_in(postmortems, period).filter(resolved_at__isnull=False, published_at__isnull=False)
    delays = ExpressionWrapper(F("published_at") - F("resolved_at"), output_field=DurationField())
    found = percentiles_by_month(measured, month=Value(0, output_field=IntegerField()), value=delays,
                                 percentiles=(0.5,))
    if 0 not in found:
        return None
    return {
        "key": "publish_delay",
        "text": f"Post-mortems were published a median of {_days(found[0][0.5])} days after the incident "
                f"was resolved ({found[0]['n']} in the last {period.length} days).",
        "url": incidents_url(status=PostMortem.Status.PUBLISHED,
                             **{"from": period.first_day, "to": period.last_day}),
    }


def action_item_quality(items, period, *, created=None):
    """Per month of creation: items checked by the action-item quality check and the share that passed.

    Items never checked (created before the check existed, or outside the editor) are left out
    rather than counted as passing. `created` is `items_created_by_month`, if the caller has it.
    """
    created = items_created_by_month(items, period) if created is None else created
    result = []
    for month in period.months():
        row = created.get(month)
        checked = row["checked"] if row else 0
        passed = row["passed"] if row else 0
        result.append({"month": month, "checked": checked, "passed": passed,
                       "share": passed / checked if checked else None})
    return result
