"""Near misses in the trends: counts per theme and month, and themes whose near misses are rising.

Only triaged reports with themes count: acknowledged or promoted (`COUNTED`); new and dismissed
ones do not. Every count is of reports the reader may open (`NearMiss.objects.visible_to`), and a
count that includes one or two people near misses is withheld by the rule the incident trends use
(`postmortems.trends.is_hidden`): a small number next to a theme and a team points at people.

Days: a report keeps only the UTC day it was sent (an anonymous one has no time at all), so
near misses are counted by that day and grouped by its month.
"""
from datetime import datetime, timedelta, timezone as dt_timezone

from django.db.models import Count, DateField, F, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from nearmisses.models import NearMiss
from postmortems.models import Theme
from postmortems.trends import is_hidden, with_query

COUNTED = (NearMiss.Status.ACKNOWLEDGED, NearMiss.Status.PROMOTED)
PEOPLE = NearMiss.Kind.PEOPLE
WINDOW_DAYS = 28
RISING_MINIMUM = 3


def _day(value):
    """A date from a date or an aware datetime (the datetime's day in the current time zone)."""
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def _counted(near_misses, first_day, end_day):
    """Triaged, themed reports sent on days from `first_day` up to (not including) `end_day`."""
    return near_misses.filter(status__in=COUNTED, reported_on__gte=first_day, reported_on__lt=end_day).order_by()


def near_misses_url(*, theme_id, first_day, last_day, team_id=None):
    """The near-miss list showing the reports behind a count (days included at both ends)."""
    return with_query(reverse("nearmisses:list"), status="counted", theme=theme_id, team=team_id,
                      since=first_day, until=last_day)


def _theme_names(theme_ids):
    """{theme_id: label}: a team's theme carries its team's name, as on the trends page."""
    themes = Theme.objects.filter(pk__in=theme_ids).order_by().values_list("pk", "name", "team__name")
    return {pk: f"{name} ({team_name})" if team_name else name for pk, name, team_name in themes}


def near_misses_by_theme(user, *, start, end):
    """Near misses this person may read, per theme for the whole range and per theme per month.

    `start` is included and `end` is not; each is a date or an aware datetime (reduced to its local
    day), so a trends `Period` fits as `start=period.start, end=period.end`. Returns

        {"themes": [{"theme_id", "name", "count", "people", "hidden", "url"}, ...],
         "by_month": {(theme_id, month): {"count", "hidden"}}}

    where `month` is the 1st of the month (a date), `count` is None when withheld, and `people` (how
    many of the count are people near misses) is None when withheld too. Themes are sorted by count,
    largest first, withheld ones last so their rank gives nothing away. A report with two themes
    counts once under each. `url` lists the reports behind a theme's count (None when withheld).
    """
    rows = list(
        _counted(NearMiss.objects.visible_to(user), _day(start), _day(end))
        .annotate(theme_id=F("themes__id"), month=TruncMonth("reported_on", output_field=DateField()))
        .filter(theme_id__isnull=False)
        .values("theme_id", "month")
        .annotate(count=Count("pk", distinct=True), people=Count("pk", distinct=True, filter=Q(kind=PEOPLE)))
    )
    names = _theme_names({row["theme_id"] for row in rows})
    by_month, sums = {}, {}
    for row in rows:
        hidden = is_hidden(row["people"])
        by_month[row["theme_id"], row["month"]] = {"count": None if hidden else row["count"], "hidden": hidden}
        total = sums.setdefault(row["theme_id"], {"count": 0, "people": 0})
        total["count"] += row["count"]
        total["people"] += row["people"]
    first_day, last_day = _day(start), _day(end) - timedelta(days=1)
    themes = []
    for theme_id, total in sums.items():
        hidden = is_hidden(total["people"])
        themes.append({
            "theme_id": theme_id, "name": names[theme_id], "hidden": hidden,
            "count": None if hidden else total["count"], "people": None if hidden else total["people"],
            "url": None if hidden else near_misses_url(theme_id=theme_id, first_day=first_day, last_day=last_day),
        })
    themes.sort(key=lambda theme: (theme["hidden"], -(theme["count"] or 0), theme["name"]))
    return {"themes": themes, "by_month": by_month}


def rising_themes(team, *, now, viewer=None):
    """The team's themes whose near misses are rising: [{theme_id, name, recent, previous, since, hidden, url}].

    The rule: take the two windows of WINDOW_DAYS (28) UTC days, the recent one ending on `now`'s
    UTC day (included) and the previous one just before it. Count the team's acknowledged or
    promoted near misses of each theme sent in each window (by the day they were sent). A theme is
    rising when its recent count is at least RISING_MINIMUM (3) and greater than its previous count.

    `viewer`: count only what that person may read (for a page shown to them); None counts all the
    team's reports (for its leads, who may read them all). Restricted counts: when either window's
    count includes one or two people near misses (`is_hidden`), both counts are None and `hidden`
    is True, and the theme is listed only if it is also rising on its technical near misses alone,
    so a withheld count never decides that a signal appears. `since` is the recent window's first
    day; `url` lists the recent window's reports of the theme (None when withheld, so the list
    cannot be used to count them). Sorted by the rise (recent minus previous; withheld ones last),
    then name.
    """
    today = now.astimezone(dt_timezone.utc).date()
    since = today - timedelta(days=WINDOW_DAYS - 1)
    before = since - timedelta(days=WINDOW_DAYS)
    near_misses = NearMiss.objects.filter(team=team)
    if viewer is not None:
        near_misses = near_misses.visible_to(viewer)
    rows = (
        _counted(near_misses, before, today + timedelta(days=1))
        .annotate(theme_id=F("themes__id"))
        .filter(theme_id__isnull=False)
        .values("theme_id")
        .annotate(
            recent=Count("pk", distinct=True, filter=Q(reported_on__gte=since)),
            previous=Count("pk", distinct=True, filter=Q(reported_on__lt=since)),
            recent_people=Count("pk", distinct=True, filter=Q(reported_on__gte=since, kind=PEOPLE)),
            previous_people=Count("pk", distinct=True, filter=Q(reported_on__lt=since, kind=PEOPLE)),
        )
    )
    rising = []
    for row in rows:
        if not _is_rising(row["recent"], row["previous"]):
            continue
        hidden = is_hidden(row["recent_people"]) or is_hidden(row["previous_people"])
        technical = (row["recent"] - row["recent_people"], row["previous"] - row["previous_people"])
        if hidden and not _is_rising(*technical):
            continue
        rising.append({
            "theme_id": row["theme_id"], "since": since, "hidden": hidden,
            "recent": None if hidden else row["recent"], "previous": None if hidden else row["previous"],
            "url": None if hidden else near_misses_url(theme_id=row["theme_id"], first_day=since, last_day=today,
                                                       team_id=team.pk),
        })
    names = _theme_names({theme["theme_id"] for theme in rising})
    for theme in rising:
        theme["name"] = names[theme["theme_id"]]
    rising.sort(key=lambda theme: (theme["hidden"], -((theme["recent"] or 0) - (theme["previous"] or 0)),
                                   theme["name"]))
    return rising


def _is_rising(recent, previous):
    return recent >= RISING_MINIMUM and recent > previous
