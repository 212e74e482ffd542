"""The learning-trends aggregates: what the incidents a person may read say together.

Every function takes a queryset that is already limited to what the reader may
see (`PostMortem.objects.visible_to(user)`, narrowed by the dashboard's team and
kind filters) and a `Period`, and returns plain data (dicts, lists, dates,
numbers). Counting happens in the database (GROUP BY month, filtered `Count`s),
so the number of queries is the same for ten incidents or ten thousand.

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
    Count, DateField, DurationField, ExpressionWrapper, F, IntegerField, Q, Sum, Value, Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, RowNumber, TruncMonth
from django.urls import reverse
from django.utils import timezone

from postmortems.blame import CATEGORIES
from postmortems.models import ActionItem, ContributingFactor, PostMortem

MIN_RESTRICTED = 3
# The days a filter may ask for: far enough for any incident, and near enough that a local
# midnight converts to UTC and the month after the last day exists (near date.min or
# date.max both overflow).
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2100, 12, 31)
REPEAT_MINIMUM = 3
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
    pairs = []
    for name, value in params.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item not in (None, ""):
                pairs.append((name, item.isoformat() if isinstance(item, date) else item))
    url = reverse("postmortems:list")
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

def _factors_in(postmortems, period):
    """Contributing factors of the period's incidents (a subquery keeps the reader's visibility)."""
    return ContributingFactor.objects.filter(
        postmortem__in=incidents_in(postmortems, period).values("pk")
    ).annotate(incident_on=incident_date("postmortem__")).order_by()


def _incident_counts(prefix="", condition=None):
    """Distinct incidents and distinct people incidents, optionally within a condition."""
    condition = condition or Q()
    return {
        f"{prefix}count": Count("postmortem_id", distinct=True, filter=condition),
        f"{prefix}people": Count("postmortem_id", distinct=True, filter=condition & Q(postmortem__kind=PEOPLE)),
    }


def themes_by_month(postmortems, period):
    """{(theme_id, month): {count, hidden}}: incidents per theme per month (a count of None is hidden)."""
    rows = (
        _factors_in(postmortems, period).annotate(month=month_of("incident_on"))
        .values("theme_id", "month").annotate(**_incident_counts())
    )
    return {
        (row["theme_id"], row["month"]): {
            "count": None if is_hidden(row["people"]) else row["count"], "hidden": is_hidden(row["people"]),
        }
        for row in rows
    }


def theme_totals(postmortems, period):
    """Every theme seen in the period: incidents now and in the previous period, and the change.

    Sorted by count, largest first; hidden counts sort last so their rank gives nothing away.
    """
    previous = period.previous()
    in_period = Q(incident_on__gte=period.start)
    rows = (
        _factors_in(postmortems, Period(previous.first_day, period.last_day))
        .values("theme_id", "theme__name", "theme__team__name")
        .annotate(**_incident_counts(condition=in_period),
                  **_incident_counts("previous_", condition=~in_period))
        .filter(count__gt=0)
    )
    themes = []
    for row in rows:
        hidden, previous_hidden = is_hidden(row["people"]), is_hidden(row["previous_people"])
        themes.append({
            "theme_id": row["theme_id"],
            "name": _theme_label(row["theme__name"], row["theme__team__name"]),
            "count": None if hidden else row["count"],
            "previous": None if previous_hidden else row["previous_count"],
            "change": None if hidden or previous_hidden else row["count"] - row["previous_count"],
            "hidden": hidden,
        })
    themes.sort(key=lambda theme: (theme["hidden"], -(theme["count"] or 0), theme["name"]))
    return themes


def repeat_themes(postmortems, period, minimum=REPEAT_MINIMUM):
    """Themes in `minimum`+ incidents of the period, with those incidents, most widespread first.

    Two queries: the themes that repeat, then their incidents. A theme whose
    restricted incidents would be singled out keeps its technical incidents
    listed; its count and its people incidents are withheld (`is_hidden`).
    """
    factors = _factors_in(postmortems, period)
    repeating = list(
        factors.values("theme_id", "theme__name", "theme__team__name")
        .annotate(**_incident_counts())
        .filter(count__gte=minimum)
    )
    if not repeating:
        return []
    incidents = (
        factors.filter(theme_id__in=[row["theme_id"] for row in repeating])
        .values("theme_id", "postmortem_id", "postmortem__title", "postmortem__kind", "incident_on")
        .distinct().order_by("-incident_on", "postmortem_id")
    )
    by_theme = {}
    for row in incidents:
        by_theme.setdefault(row["theme_id"], []).append({
            "pk": row["postmortem_id"], "title": row["postmortem__title"], "kind": row["postmortem__kind"],
            "incident_on": timezone.localtime(row["incident_on"]).date(),
        })
    themes = []
    for row in repeating:
        hidden = is_hidden(row["people"])
        listed = [item for item in by_theme.get(row["theme_id"], []) if not (hidden and item["kind"] == PEOPLE)]
        if len(listed) < minimum:
            continue  # only repeats because of withheld incidents: showing it would point at them
        themes.append({
            "theme_id": row["theme_id"],
            "name": _theme_label(row["theme__name"], row["theme__team__name"]),
            "count": None if hidden else row["count"],
            "hidden": hidden,
            "kinds": sorted({item["kind"] for item in listed}),
            "incidents": listed,
        })
    themes.sort(key=lambda theme: (-len(theme["kinds"]), -len(theme["incidents"]), theme["name"]))
    return themes


# Percentiles ---------------------------------------------------------------------------

def percentiles_by_month(queryset, *, month, value, percentiles=(0.5, 0.9)):
    """{month: {"n": count, p: value}} with PostgreSQL's `percentile_cont` semantics, on any database.

    SQL has no portable median, and loading every duration would make the page
    grow with the data. Instead one query ranks each month's values with window
    functions (ROW_NUMBER and COUNT over the month) and keeps only the rows on
    either side of each percentile: at most two rows per percentile per month
    come back, whatever the number of incidents. Python then interpolates
    between the two, exactly as `percentile_cont` does. PostgreSQL and SQLite
    (3.25+) both run it, so tests on either exercise the same code.
    """
    ranked = queryset.order_by().annotate(
        bucket=month, measured=value,
    ).annotate(
        rank=Window(RowNumber(), partition_by=[F("bucket")], order_by=[F("measured").asc(), F("pk").asc()]),
        size=Window(Count("pk"), partition_by=[F("bucket")]),
    )
    wanted = Q()
    for p in percentiles:
        below, above = _rank_bounds(p)
        wanted |= Q(rank=below) | Q(rank=above)
    rows = ranked.filter(wanted).values_list("bucket", "rank", "size", "measured")
    by_month = {}
    for bucket, rank, size, measured in rows:
        by_month.setdefault(bucket, {"n": size, "ranks": {}})["ranks"][rank] = measured
    return {bucket: _interpolate(entry, percentiles) for bucket, entry in by_month.items()}


def _rank_bounds(p):
    """SQL for the 1-based ranks just below and above percentile p: floor and ceil of p·(n−1), plus 1.

    p is taken as a fraction of hundreds so the arithmetic stays in integers (integer
    division truncates on both PostgreSQL and SQLite).
    """
    hundredths = round(p * 100)
    scaled = (F("size") - 1) * hundredths
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


def follow_through(items, period, now):
    """Per month: items created (and how many of those are done now), items done, median
    days to done, and items overdue at the month's end; plus the period's totals.

    `items` are action items of the reader's visible, filtered post-mortems. Overdue
    at a past month's end uses today's due dates (due-date changes are not replayed).
    """
    items = items.order_by()
    months = period.months()
    created = {
        row["month"]: row for row in
        items.filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(month=month_of("created_at")).values("month")
        .annotate(created=Count("pk"), created_done=Count("pk", filter=Q(status=DONE)))
    }
    done_items = items.filter(status=DONE, closed_at__gte=period.start, closed_at__lt=period.end)
    done = dict(
        done_items.annotate(month=month_of("closed_at")).values("month")
        .annotate(done=Count("pk")).values_list("month", "done")
    )
    medians = percentiles_by_month(done_items, month=month_of("closed_at"), value=_closed_at_duration(),
                                   percentiles=(0.5,))
    overdue = _overdue_at_month_ends(items, period, now)
    rows = []
    for month in months:
        made = created.get(month, {"created": 0, "created_done": 0})
        rows.append({
            "month": month,
            "created": made["created"],
            "created_done": made["created_done"],
            "completion": made["created_done"] / made["created"] if made["created"] else None,
            "done": done.get(month, 0),
            "median_days_to_done": _days(medians.get(month, {}).get(0.5)),
            "overdue": overdue[month],
        })
    return {"months": rows, **_follow_through_totals(items, done_items, period, rows)}


def _follow_through_totals(items, done_items, period, rows):
    created = sum(row["created"] for row in rows)
    created_done = sum(row["created_done"] for row in rows)
    overall = percentiles_by_month(done_items, month=Value(0, output_field=IntegerField()),
                                   value=_closed_at_duration(), percentiles=(0.5,))
    return {
        "created": created,
        "done": sum(row["done"] for row in rows),
        "completion": created_done / created if created else None,
        "median_days_to_done": _days(overall.get(0, {}).get(0.5)),
        "overdue_now": rows[-1]["overdue"] if rows else 0,
    }


def _overdue_at_month_ends(items, period, now):
    """{month: items open and past due at the end of that month (or now, for the current month)}."""
    counts = {}
    for index, month in enumerate(period.months()):
        moment = min(_midnight(_next_month(month)), period.end, now)
        day = timezone.localtime(moment).date()
        counts[f"m{index}"] = Count("pk", filter=(
            Q(created_at__lt=moment, due_date__lt=day)
            & (Q(closed_at__isnull=True, status__in=OPEN_STATUSES) | Q(closed_at__gte=moment))
        ))
    result = items.aggregate(**counts)
    return {month: result[f"m{index}"] for index, month in enumerate(period.months())}


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
    change = _follow_through_change(postmortems, today)
    if change:
        found.append(change)
    delay = _publish_delay_highlight(postmortems, period)
    if delay:
        found.append(delay)
    return found[:3]


def _follow_through_change(postmortems, today):
    """Action items done in the last 30 days against the 30 before."""
    recent = Period.last(30, today)
    earlier = recent.previous()
    items = ActionItem.objects.filter(postmortem__in=postmortems.values("pk"), status=DONE)
    counts = items.aggregate(
        recent=Count("pk", filter=Q(closed_at__gte=recent.start, closed_at__lt=recent.end)),
        earlier=Count("pk", filter=Q(closed_at__gte=earlier.start, closed_at__lt=earlier.end)),
    )
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


def action_item_quality(items, period):
    """Per month of creation: items checked by the action-item quality check and the share that passed.

    Items never checked (created before the check existed, or outside the editor) are left out
    rather than counted as passing.
    """
    rows = {
        row["month"]: row for row in
        items.filter(wording_issues__isnull=False,
                     created_at__gte=_midnight(period.first_day), created_at__lt=_midnight(period.last_day + timedelta(days=1)))
        .annotate(month=month_of("created_at")).values("month").order_by()
        .annotate(checked=Count("pk"), passed=Count("pk", filter=Q(wording_issues="")))
    }
    result = []
    for month in period.months():
        row = rows.get(month)
        checked = row["checked"] if row else 0
        passed = row["passed"] if row else 0
        result.append({"month": month, "checked": checked, "passed": passed,
                       "share": passed / checked if checked else None})
    return result
