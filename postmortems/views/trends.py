"""The learning-trends dashboard: `postmortems.trends` aggregates as charts and tables.

Each section gets a chart spec (embedded with `json_script`, drawn by
static/js/trends.js) and a table with the same figures, whose cells link to the
incidents behind them: the table is the page's no-JavaScript, accessible path.
"""
from datetime import timedelta
from functools import lru_cache

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import get_language

from nearmisses import trends as near_miss_trends
from postmortems import trends
from postmortems.blame import CATEGORIES
from postmortems.forms import DATE_WIDGET
from postmortems.models import ActionItem, PostMortem, Team
from pulse import control_chart, early_warning

PERIODS = {
    "30": "Last 30 days", "90": "Last 90 days", "180": "Last 180 days", "365": "Last 365 days", "custom": "Custom",
}
DEFAULT_PERIOD = "180"
LONGEST_CUSTOM_PERIOD = timedelta(days=3 * 366)
TOP_THEMES = 10
STACKED_THEMES = 6
KIND_COLOURS = {"technical": "#1d4ed8", "people": "#7c3aed"}
SEVERITY_COLOURS = {1: "#8b1a1a", 2: "#b45309", 3: "#1d4ed8", 4: "#6b7280"}
# Okabe–Ito: told apart by people with the common colour-vision differences.
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000"]


class TrendFilterForm(forms.Form):
    """Period, teams and kind; an invalid choice falls back to the default and says why."""

    period = forms.ChoiceField(choices=list(PERIODS.items()), required=False, initial=DEFAULT_PERIOD,
                               widget=forms.RadioSelect)
    team = forms.ModelMultipleChoiceField(queryset=Team.objects.order_by("name"), required=False,
                                          widget=forms.CheckboxSelectMultiple, label="Teams")
    kind = forms.ChoiceField(choices=[("", "Both kinds"), *PostMortem.Kind.choices], required=False,
                             widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(label="From", required=False, widget=DATE_WIDGET)
        self.fields["to"] = forms.DateField(label="To", required=False, widget=DATE_WIDGET)
        for name in ("from", "to"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("period") != "custom":
            return data
        first, last = data.get("from"), data.get("to")
        if not first or not last:
            raise forms.ValidationError("Choose both dates for a custom period.")
        if first > last:
            raise forms.ValidationError("The first date comes after the last one.")
        if first < trends.FIRST_DAY or last > trends.LAST_DAY:
            raise forms.ValidationError(f"Choose dates from {trends.FIRST_DAY} to {trends.LAST_DAY}.")
        if last - first > LONGEST_CUSTOM_PERIOD:
            raise forms.ValidationError("Choose a period of at most three years.")
        return data

    def choice(self, today):
        """(period, teams, kind) from valid data, else the defaults."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or DEFAULT_PERIOD
        if period == "custom":
            span = trends.Period(data["from"], data["to"])
        else:
            span = trends.Period.last(int(period), today)
        return span, list(data.get("team") or []), data.get("kind") or ""


class Links:
    """URLs of the lists behind each figure, carrying the dashboard's team and kind filters."""

    def __init__(self, period, teams, kind):
        self.period, self.teams, self.kind = period, [team.pk for team in teams], kind
        self.list_url = reverse("postmortems:list")  # once, not for each of the page's hundreds of links
        self.by_month = {}  # charts and tables link the same months: each URL is built once

    def incidents(self, first_day, last_day, **params):
        params.setdefault("kind", self.kind)
        return trends.with_query(self.list_url, team=self.teams, **params, **{"from": first_day, "to": last_day})

    def month(self, month, **params):
        key = (month, *sorted(params.items()))
        if key not in self.by_month:
            self.by_month[key] = self.incidents(*self.period.days_of(month), **params)
        return self.by_month[key]

    def whole(self, period=None, **params):
        period = period or self.period
        return self.incidents(period.first_day, period.last_day, **params)

    def items(self, tab):
        """The action-item list on one tab (it has no date filter, so it shows every month)."""
        params = [("status", tab)]
        if len(self.teams) == 1:
            params.append(("team", self.teams[0]))
        if self.kind:
            params.append(("kind", self.kind))
        return f"{reverse('postmortems:actions')}?{urlencode(params)}"


# Tables and charts ----------------------------------------------------------------------

def cell(value, url=None, *, hidden=False, text=None):
    """One table cell; a hidden count gets no number and no link.

    Every key is always there: the template engine resolves a missing key through three
    failed lookups and an exception, and a year's page has some four hundred cells.
    """
    if hidden:
        return {"text": "hidden", "hidden": True, "url": None, "value": None}
    if text is None:
        text = "–" if value is None else value
    return {"text": text, "url": url if value else None, "value": value, "hidden": False}


def month_label(month):
    return _month_label(month, get_language())


@lru_cache(maxsize=1024)
def _month_label(month, language):
    # A page labels each month a dozen times, and each date_format looks up the language's formats.
    return date_format(month, "M Y")


def _number(value, places=1):
    return None if value is None else round(value, places)


def _rate_text(value):
    return None if value is None else f"{value:.2f}"


def dataset(label, values, urls, colour, **extra):
    return {"label": label, "data": values, "urls": urls, "colour": colour, **extra}


def incidents_section(postmortems, period, links):
    months = trends.incidents_by_month(postmortems, period)
    labels = [month_label(row["month"]) for row in months]
    kinds, severities = PostMortem.Kind, PostMortem.Severity
    by_kind = [
        dataset(kind.label, [row["kinds"][kind] for row in months],
                [links.month(row["month"], kind=kind.value) for row in months], KIND_COLOURS[kind])
        for kind in kinds
    ]
    by_severity = [
        dataset(f"SEV{severity.value}", [row["severities"][severity] for row in months],
                [links.month(row["month"], severity=severity.value) for row in months], SEVERITY_COLOURS[severity])
        for severity in severities
    ]
    rows = [{
        "label": month_label(row["month"]),
        "cells": [
            *(cell(row["kinds"][kind], links.month(row["month"], kind=kind.value)) for kind in kinds),
            *(cell(row["severities"][s], links.month(row["month"], severity=s.value)) for s in severities),
            cell(row["total"], links.month(row["month"])),
        ],
    } for row in months]
    return {
        "total": sum(row["total"] for row in months),
        "charts": {
            "incidents-kind": {"type": "bar", "stacked": True, "labels": labels, "datasets": by_kind,
                               "yTitle": "Incidents"},
            "incidents-severity": {"type": "bar", "stacked": True, "labels": labels, "datasets": by_severity,
                                   "yTitle": "Incidents"},
        },
        "table": {
            "caption": "Incidents per month by kind and severity", "nowrap": True,
            "head": ["Month", *(kind.label for kind in kinds), *(f"SEV{s.value}" for s in severities), "Total"],
            "rows": rows,
        },
    }


def themes_section(postmortems, period, links, counts):
    totals = trends.theme_totals(postmortems, period, counts=counts)
    per_month = trends.themes_by_month(postmortems, period, counts=counts)
    months = period.months()
    stacked = [theme for theme in totals if not theme["hidden"]][:STACKED_THEMES]
    over_time = [
        dataset(theme["name"], [(per_month.get((theme["theme_id"], month)) or {}).get("count", 0) for month in months],
                [links.month(month, theme=theme["theme_id"]) for month in months], PALETTE[index % len(PALETTE)])
        for index, theme in enumerate(stacked)
    ]
    month_rows = []
    for theme in stacked:
        cells = []
        for month in months:
            found = per_month.get((theme["theme_id"], month), {"count": 0, "hidden": False})
            cells.append(cell(found["count"], links.month(month, theme=theme["theme_id"]), hidden=found["hidden"]))
        month_rows.append({"label": theme["name"], "cells": cells})
    top = totals[:TOP_THEMES]
    previous = period.previous()
    top_rows = [{
        "label": theme["name"],
        "cells": [
            cell(theme["count"], links.whole(theme=theme["theme_id"]), hidden=theme["hidden"]),
            cell(theme["previous"], links.whole(previous, theme=theme["theme_id"]),
                 hidden=theme["previous"] is None),
            cell(theme["change"], text=_signed(theme["change"]), hidden=theme["change"] is None),
        ],
    } for theme in top]
    shown = [theme for theme in top if not theme["hidden"]]
    return {
        "charts": {
            "themes-over-time": {"type": "bar", "stacked": True, "labels": [month_label(m) for m in months],
                                 "datasets": over_time, "yTitle": "Incidents with the theme"},
            "themes-top": {
                "type": "bar", "horizontal": True, "labels": [theme["name"] for theme in shown],
                "xTitle": "Incidents with the theme",
                "datasets": [
                    dataset("This period", [theme["count"] for theme in shown],
                            [links.whole(theme=theme["theme_id"]) for theme in shown], "#0072b2"),
                    dataset("Previous period", [theme["previous"] for theme in shown],
                            [links.whole(previous, theme=theme["theme_id"]) for theme in shown], "#9ca3af"),
                ],
            },
        },
        "over_time_table": {
            "caption": f"Incidents per month for the {len(stacked)} most frequent themes", "nowrap": False,
            "head": ["Theme", *(month_label(month) for month in months)],
            "rows": month_rows,
        },
        "top_table": {
            "caption": f"Top themes, {_period_text(period)}, against the previous {period.length} days",
            "nowrap": False,
            "head": ["Theme", "This period", "Previous period", "Change"],
            "rows": top_rows,
        },
    }


def _signed(change):
    if change is None:
        return None
    return f"+{change}" if change > 0 else "±0" if change == 0 else f"−{abs(change)}"


def _period_text(period):
    return f"{date_format(period.first_day, 'j M Y')} to {date_format(period.last_day, 'j M Y')}"


def follow_through_section(items, period, links, now, created):
    found = trends.follow_through(items, period, now, created=created)
    months = found["months"]
    labels = [month_label(row["month"]) for row in months]
    created_url, done_url, overdue_url = links.items("all"), links.items("done"), links.items("overdue")
    rows = [{
        "label": month_label(row["month"]),
        "cells": [
            cell(row["created"], created_url),
            cell(row["done"], done_url),
            cell(row["completion"], created_url, text=_percent(row["completion"])),
            cell(row["median_days_to_done"], done_url),
            cell(row["overdue"], overdue_url),
        ],
    } for row in months]
    return {
        **{name: found[name] for name in ("created", "done", "median_days_to_done", "overdue_now")},
        "completion": _percent(found["completion"]),
        "charts": {
            "follow-through": {
                "type": "bar", "labels": labels, "yTitle": "Action items",
                "datasets": [
                    dataset("Created", [row["created"] for row in months], [created_url] * len(months), "#0072b2"),
                    dataset("Done", [row["done"] for row in months], [done_url] * len(months), "#009e73"),
                    dataset("Overdue at month end", [row["overdue"] for row in months], [overdue_url] * len(months),
                            "#d55e00", type="line"),
                ],
            },
        },
        "table": {
            "nowrap": True,
            "caption": "Action items per month: created, done, share of the month's new items done now, "
                       "median days to done and overdue at the month's end",
            "head": ["Month", "Created", "Done", "Created then, done now", "Median days to done",
                     "Overdue at month end"],
            "rows": rows,
        },
    }


def _percent(rate):
    return None if rate is None else f"{round(rate * 100)}%"


def publishing_section(postmortems, period, links):
    months = trends.publish_delays(postmortems, period)
    labels = [month_label(row["month"]) for row in months]
    urls = [links.month(row["month"], status="published") for row in months]
    rows = [{
        "label": month_label(row["month"]),
        "cells": [cell(row["count"], url), cell(row["median_days"], url), cell(row["p90_days"], url)],
    } for row, url in zip(months, urls)]
    return {
        "charts": {
            "publish-delay": {
                "type": "line", "labels": labels, "yTitle": "Days from resolved to published",
                "datasets": [
                    dataset("Median", [row["median_days"] for row in months], urls, "#0072b2"),
                    dataset("90th percentile", [row["p90_days"] for row in months], urls, "#d55e00", dashed=True),
                ],
            },
        },
        "table": {
            "nowrap": True,
            "caption": "Days from incident resolved to post-mortem published, per month of the incident",
            "head": ["Month", "Published", "Median days", "90th percentile days"],
            "rows": rows,
        },
    }


def blame_section(postmortems, period, links):
    months = trends.blame_rates(postmortems, period)
    labels = [month_label(row["month"]) for row in months]
    urls = [links.month(row["month"], status="published") for row in months]
    datasets = [
        dataset(trends.category_label(category), [_number(row["rates"][category], 2) for row in months], urls,
                PALETTE[index % len(PALETTE)])
        for index, category in enumerate(CATEGORIES)
    ]
    rows = [{
        "label": month_label(row["month"]),
        "cells": [
            cell(row["published"], url),
            *(cell(row["rates"][category], url, text=_rate_text(row["rates"][category])) for category in CATEGORIES),
            cell(row["total"], url, text=_rate_text(row["total"])),
        ],
    } for row, url in zip(months, urls)]
    return {
        "measured": any(row["published"] for row in months),
        "charts": {
            "blame-rate": {"type": "bar", "stacked": True, "labels": labels, "datasets": datasets,
                           "yTitle": "Findings per 1,000 words"},
        },
        "table": {
            "nowrap": True,
            "caption": "Blame-language findings per 1,000 words at publication, per month of the incident "
                       "(lower is healthier)",
            "head": ["Month", "Published", *(trends.category_label(c) for c in CATEGORIES), "All"],
            "rows": rows,
        },
    }


def action_quality_section(items, period, links, created):
    months = trends.action_item_quality(items, period, created=created)
    labels = [month_label(row["month"]) for row in months]
    url = links.items("all")
    rows = [{
        "label": month_label(row["month"]),
        "cells": [cell(row["checked"], url), cell(row["passed"], url),
                  cell(row["share"], url, text=_percent(row["share"]))],
    } for row in months]
    return {
        "measured": any(row["checked"] for row in months),
        "charts": {
            "action-quality": {
                "type": "line", "labels": labels, "yTitle": "Share of action items that passed (%)",
                "datasets": [dataset("Passed the quality check",
                                     [None if row["share"] is None else round(row["share"] * 100) for row in months],
                                     [url] * len(months), "#009e73")],
            },
        },
        "table": {
            "nowrap": True,
            "caption": "Action items checked when saved in the editor, per month of creation, and the share whose "
                       "wording passed the quality check (concrete, not relying on vigilance, one change each)",
            "head": ["Month", "Checked", "Passed", "Share passed"],
            "rows": rows,
        },
    }


def repeat_section(postmortems, period, links, counts):
    themes = trends.repeat_themes(postmortems, period, counts=counts)
    for theme in themes:
        theme["url"] = links.whole(theme=theme["theme_id"])
        theme["kind_labels"] = [PostMortem.Kind(kind).label for kind in theme["kinds"]]
    return themes


# Signals, pulse and near misses (issue 12) ------------------------------------------------

READING_TEXT = {
    control_chart.BELOW: "▼ below the usual range",
    control_chart.ABOVE: "▲ above the usual range",
    control_chart.WITHIN: "within the usual range",
    None: "– building the usual range",
}


def signals_section(user, teams, now):
    """The reader's teams: their signals, and each pulse statement over time with its usual range.

    Pulse figures come only from `pulse.results` (through `early_warning`), so a period below the
    anonymity threshold has no number here, and a team with none says so without a count.
    """
    overviews = early_warning.team_overviews(user, now=now, team_ids=[team.pk for team in teams] or None)
    charts, pulse_teams = {}, []
    for overview in overviews:
        if overview.pulse_state == "hidden":
            continue
        team_url = reverse("pulse:team", args=[overview.team.slug])
        statements = []
        for chart in overview.statements:
            name = f"pulse-{overview.team.pk}-{chart.statement.pk}"
            charts[name] = _pulse_chart(chart, team_url)
            statements.append({"chart": name, **_pulse_statement(chart, team_url)})
        pulse_teams.append({"team": overview.team, "state": overview.pulse_state, "url": team_url,
                            "statements": statements})
    return {
        "charts": charts,
        "teams": pulse_teams,
        "signals": [signal for overview in overviews for signal in overview.signals],
        "has_teams": bool(overviews),
        "filtered": bool(teams),
    }


def _round(value):
    return None if value is None else round(value, 2)


def _pulse_chart(chart, team_url):
    labels = [date_format(reading.period, "j M") for reading in chart.readings]
    urls = [f"{team_url}{reading.period.isoformat()}/" for reading in chart.readings]
    return {
        "type": "line", "labels": labels, "yTitle": "Mean score (1 to 5)",
        "datasets": [
            dataset("Mean score", [_round(reading.mean) for reading in chart.readings], urls, "#0072b2"),
            dataset("Usual range, low end", [_round(reading.low) for reading in chart.readings], urls, "#6b7280",
                    dashed=True),
            dataset("Usual range, high end", [_round(reading.high) for reading in chart.readings], urls, "#6b7280",
                    dashed=True),
        ],
    }


def _pulse_statement(chart, team_url):
    latest = chart.readings[-1]
    moved = chart.signal
    rows = [{
        "label": date_format(reading.period, "j M Y"),
        "cells": [
            cell(reading.mean, f"{team_url}{reading.period.isoformat()}/", text=f"{reading.mean:.1f}"),
            cell(None, text="–" if reading.low is None else f"{reading.low:.1f} to {reading.high:.1f}"),
            cell(None, text=READING_TEXT[reading.position]),
        ],
    } for reading in reversed(chart.readings)]
    return {
        "text": chart.statement.text,
        "latest": latest,
        "reading": READING_TEXT[latest.position],
        "since": moved.since if moved else None,
        "direction": moved.direction if moved else None,
        "table": {
            "caption": f"“{chart.statement.text}”: mean score per period (newest first) and its usual range",
            "nowrap": True, "head": ["Period starting", "Mean score", "Usual range", "Reading"], "rows": rows,
        },
    }


def near_miss_section(user, period, links, theme_totals):
    """Near misses per theme for the period, beside the incidents with the same theme.

    Counts are of near misses the reader may read; one that includes one or two people near
    misses is withheld, as theme counts of incidents are.
    """
    found = near_miss_trends.near_misses_by_theme(user, start=period.start, end=period.end)
    incidents = {theme["theme_id"]: theme for theme in theme_totals}
    rows = []
    for theme in found["themes"]:
        incident = incidents.get(theme["theme_id"])
        incident_cell = (cell(0) if incident is None else
                         cell(incident["count"], links.whole(theme=theme["theme_id"]), hidden=incident["hidden"]))
        rows.append({"label": theme["name"], "cells": [
            cell(theme["count"], theme["url"], hidden=theme["hidden"]),
            incident_cell,
        ]})
    return {
        "caption": f"Near misses per theme beside incidents with the theme, {_period_text(period)}",
        "nowrap": False, "head": ["Theme", "Near misses", "Incidents"], "rows": rows,
    }


# The page -------------------------------------------------------------------------------

@login_required
def trends_dashboard(request):
    """What the incidents this person may read say together, for a period, teams and kind."""
    data = request.GET.copy()
    data.setdefault("period", DEFAULT_PERIOD)
    form = TrendFilterForm(data)
    now = timezone.now()
    period, teams, kind = form.choice(timezone.localdate(now))
    postmortems = PostMortem.objects.visible_to(request.user)
    if teams:
        postmortems = postmortems.filter(team__in=teams)
    if kind:
        postmortems = postmortems.filter(kind=kind)
    # The same selection of items, from the post-mortem fields copied onto each item's row.
    items = ActionItem.objects.visible_to(request.user)
    if teams:
        items = items.filter(postmortem_team__in=teams)
    if kind:
        items = items.filter(postmortem_kind=kind)
    links = Links(period, teams, kind)
    # Shared by two sections each: counted once.
    theme_counts = trends.theme_counts(postmortems, period)
    created = trends.items_created_by_month(items, period)
    sections = {
        "incidents": incidents_section(postmortems, period, links),
        "themes": themes_section(postmortems, period, links, theme_counts),
        "follow_through": follow_through_section(items, period, links, now, created),
        "action_quality": action_quality_section(items, period, links, created),
        "publishing": publishing_section(postmortems, period, links),
        "blame": blame_section(postmortems, period, links),
    }
    charts = {name: spec for section in sections.values() for name, spec in section["charts"].items()}
    signals = signals_section(request.user, teams, now)
    charts.update(signals["charts"])
    return render(request, "postmortems/trends.html", {
        "form": form,
        "period": period,
        "period_text": _period_text(period),
        "teams": teams,
        "kind": PostMortem.Kind(kind).label if kind else "",
        "repeat_themes": repeat_section(postmortems, period, links, theme_counts),
        "min_restricted": trends.MIN_RESTRICTED,
        "charts": charts,
        "signals": signals,
        # theme_totals reads the counts already fetched: no query of its own.
        "near_misses": near_miss_section(request.user, period, links,
                                         trends.theme_totals(postmortems, period, counts=theme_counts)),
        **sections,
    })
