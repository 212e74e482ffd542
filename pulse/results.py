"""What the pulse shows: the one place the anonymity threshold is applied.

A team's results for a period exist only once the period has closed (and SETTLING has
passed, so no last-moment answer is still arriving) and only with at least
`min_responses()` responses. An open period shows nothing but "in progress" —
no count — so nobody can compare what was shown before and after one person answered;
a closed period never reopens (see `Period`), so its figures never change afterwards.
Every page, export and email reads pulse data through the selectors here, and none of
them takes a filter that could narrow a group below the threshold: results are per
statement over all of a period's responses, never per person, role or subset.
"""
import math
import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Avg, Count, StdDev
from django.utils import timezone

from blamefeedback.vocabulary import current_vocabulary
from postmortems.blame import analyze
from pulse.models import Answer, Period, Response, Statement

# Never fewer than this many responses, whatever the setting says: below it a result
# is too easily one person's answer.
FLOOR = 3
SCORES = range(1, 6)
# Results wait this long after a period closes. An answer checked as on time in the period's last
# second may commit a moment after it closed; a figure shown in between and another shown after the
# commit would single that answer out. Requests end long before this (gunicorn's timeout is 30 s).
SETTLING = timedelta(minutes=5)
# A team's periods still open at any moment: its current one, and the next one where it has begun
# in far-eastern time zones.
OPEN_AT_MOST = 2


def min_responses():
    """The setting PULSE_MIN_RESPONSES (default 5), never below FLOOR."""
    return max(FLOOR, int(getattr(settings, "PULSE_MIN_RESPONSES", 5)))


def is_settled(period, now):
    """Whether `period` closed long enough before `now` that no answer to it can still arrive."""
    return now >= period.closes_at + SETTLING


@dataclass
class StatementResult:
    statement: Statement
    mean: float
    distribution: list  # [(score, count)] for scores 1 to 5
    count: int

    @property
    def mean_percent(self):
        """The mean on a 0–100 bar (1 is 0, 5 is 100), for the results page."""
        return round((self.mean - 1) * 25)


@dataclass
class PeriodResults:
    period: Period
    response_count: int
    statements: list = field(default_factory=list)

    @property
    def question_set(self):
        return self.period.question_set


@dataclass
class PeriodSummary:
    """A period as the results page lists it: open, closed with too few responses, or its results."""

    period: Period
    state: str  # "open", "too_few" or "ready"
    results: PeriodResults = None


@dataclass
class HistoryPoint:
    period_start: object
    mean: float
    standard_error: float
    count: int


@dataclass
class StatementHistory:
    statement: Statement
    points: list = field(default_factory=list)


@dataclass
class FreeText:
    text: str
    findings: list


def _reportable_count(period, now):
    """The period's response count if its results may be shown at `now`, else None."""
    if period is None or not is_settled(period, now):
        return None
    count = Response.objects.filter(team_id=period.team_id, period_start=period.start).count()
    return count if count >= min_responses() else None


def _period(team, period_start):
    return Period.objects.filter(team=team, start=period_start).select_related("question_set").first()


def team_results(team, period_start, *, now=None):
    """Per-statement mean, distribution and count for a closed period at or above the threshold, else None."""
    period = _period(team, period_start)
    count = _reportable_count(period, now or timezone.now())
    if count is None:
        return None
    return _results(period, count)


def _results(period, count):
    return _results_of(period.team_id, {period.start: (period, count)})[period.start]


def _results_of(team_id, reportable):
    """{start: PeriodResults} for {start: (period, count)} of one team, tallied in one query."""
    rows = (
        Answer.objects.filter(response__team_id=team_id, response__period_start__in=list(reportable))
        .values("response__period_start", "statement_id", "score").annotate(n=Count("pk")).order_by()
    )
    tallies = {}
    for row in rows:
        tallies.setdefault((row["response__period_start"], row["statement_id"]), {})[row["score"]] = row["n"]
    found = {}
    for start, (period, count) in reportable.items():
        statements = []
        for statement in period.question_set.statements.all():
            tally = tallies.get((start, statement.pk), {})
            answered = sum(tally.values())
            mean = sum(score * n for score, n in tally.items()) / answered if answered else 0.0
            statements.append(
                StatementResult(statement, mean, [(score, tally.get(score, 0)) for score in SCORES], answered)
            )
        found[start] = PeriodResults(period, count, statements)
    return found


def free_text(team, period_start, *, now=None):
    """The period's free-text answers in random order, each with its blame findings; None below the threshold.

    For the team's leads only: the caller checks that (`postmortems.permissions.can_lead_pulse`).
    """
    period = _period(team, period_start)
    if _reportable_count(period, now or timezone.now()) is None:
        return None
    texts = list(
        Response.objects.filter(team=team, period_start=period_start).exclude(free_text="")
        .values_list("free_text", flat=True)
    )
    # Shuffled by the system's random source, so the order says nothing about who wrote what or when.
    random.SystemRandom().shuffle(texts)
    vocabulary = current_vocabulary()
    return [FreeText(text, analyze(text, vocabulary=vocabulary)) for text in texts]


def recent_periods(team, *, limit=12, now=None):
    """The team's latest periods, newest first, each open, too_few or ready (with its results)."""
    now = now or timezone.now()
    periods = list(
        Period.objects.filter(team=team)
        .select_related("question_set").prefetch_related("question_set__statements").order_by("-start")[:limit]
    )
    counts = _response_counts(team, [period.start for period in periods if is_settled(period, now)])
    reportable = {period.start: (period, counts[period.start]) for period in periods
                  if counts.get(period.start, 0) >= min_responses()}
    found = _results_of(team.pk, reportable) if reportable else {}
    summaries = []
    for period in periods:
        if not is_settled(period, now):
            summaries.append(PeriodSummary(period, "open"))
        elif period.start not in found:
            summaries.append(PeriodSummary(period, "too_few"))
        else:
            summaries.append(PeriodSummary(period, "ready", found[period.start]))
    return summaries


def period_summary(team, period_start, *, now=None):
    """One stored period as `recent_periods` describes it, or None if the team has no such period."""
    now = now or timezone.now()
    period = _period(team, period_start)
    if period is None:
        return None
    if not is_settled(period, now):
        return PeriodSummary(period, "open")
    count = _reportable_count(period, now)
    if count is None:
        return PeriodSummary(period, "too_few")
    return PeriodSummary(period, "ready", _results(period, count))


def _response_counts(team, starts):
    rows = (
        Response.objects.filter(team=team, period_start__in=starts)
        .values("period_start").annotate(n=Count("pk")).order_by()
    )
    return {row["period_start"]: row["n"] for row in rows}


def statement_history(team, *, periods=12, now=None):
    """Each statement's mean and standard error over the team's last `periods` closed periods.

    Returns [StatementHistory] (statements of every version that has a point, by version
    then position), each with HistoryPoints oldest first, only for periods at or above the
    threshold. Standard error is the sample standard deviation over √n (0 when all agree).
    """
    now = now or timezone.now()
    # At most a couple of a team's latest periods are still open (one per calendar in use).
    latest = Period.objects.filter(team=team).order_by("-start")[: periods + OPEN_AT_MOST]
    closed = [period for period in latest if is_settled(period, now)][:periods]
    counts = _response_counts(team, [period.start for period in closed])
    shown = [start for start, n in counts.items() if n >= min_responses()]
    rows = (
        Answer.objects.filter(response__team=team, response__period_start__in=shown)
        .values("statement_id", "response__period_start")
        .annotate(mean=Avg("score"), deviation=StdDev("score", sample=True), n=Count("pk"))
        .order_by("response__period_start")
    )
    by_statement = {}
    for row in rows:
        n = row["n"]
        deviation = row["deviation"] or 0.0
        by_statement.setdefault(row["statement_id"], []).append(
            HistoryPoint(row["response__period_start"], float(row["mean"]), deviation / math.sqrt(n), n)
        )
    statements = Statement.objects.filter(pk__in=by_statement).select_related("question_set").order_by(
        "question_set__version", "position",
    )
    return [StatementHistory(statement, by_statement[statement.pk]) for statement in statements]

