"""The control-chart rule behind pulse signals: when a statement's score has left its usual range.

Pure Python (no Django), so the rule can be read and tested on its own.

For one statement, take its results period by period, oldest first: each period's mean score
(1 to 5) and that mean's standard error. A period's **usual range** comes from the BASELINE (6)
reported periods before it:

    centre     = the mean of their means
    half-width = 2 × their pooled standard error (the root mean square of their standard errors),
                 but never less than MIN_HALF_WIDTH (0.25)
    usual range = centre ± half-width

A period is *below* when its mean is under the range's low end, *above* when over its high end.
A **signal** fires when the latest two or more periods in a row are below: it says the score
moved down, since the first period of that run, with the values. The same rule upwards gives an
"improving" note. A period back within its range ends the run (recovery), so a signal always
describes the present.

Why these choices:
- Six periods is a quarter of a year of fortnightly pulses or six weeks of weekly ones: long
  enough for a stable centre, short enough to follow a team that really changed. So a lasting
  change becomes the new usual after about six periods; the signal is about change, not level.
- The standard error measures how much a period's mean moves by chance with this many answers;
  two of them either side is the classic control limit. Two periods in a row, not one, because
  one bad week happens to every team (a release, a holiday), and a one-period dip in a small team
  can be one person's week.
- The floor on the half-width keeps a unanimous team's range from shrinking to a point: with five
  answers one person moving by one point shifts the mean by 0.2, which must never fire on its own.
- Only reported periods count (those at or above the pulse's anonymity threshold); a period
  without results neither breaks nor extends a run.

A statement needs MIN_HISTORY (BASELINE + 2 = 8) reported periods before a signal is possible.
"""
import math
from dataclasses import dataclass

BASELINE = 6
RUN = 2
MIN_HISTORY = BASELINE + RUN
MIN_HALF_WIDTH = 0.25
LIMIT = 2  # standard errors either side of the centre

BELOW, WITHIN, ABOVE = "below", "within", "above"
DOWN, UP = "down", "up"


@dataclass(frozen=True)
class Point:
    """One reported period of one statement."""

    period: object  # the period's start (a date), or any label the caller wants back
    mean: float
    standard_error: float


@dataclass(frozen=True)
class Reading:
    """A point with its usual range; `low`, `high` and `position` are None without enough history."""

    period: object
    mean: float
    low: float = None
    high: float = None
    position: str = None  # BELOW, WITHIN or ABOVE


@dataclass(frozen=True)
class Signal:
    """The latest run of periods outside the usual range: which way, since when, and the values."""

    direction: str  # DOWN or UP
    since: object  # the period of the run's first point
    periods: tuple
    means: tuple
    low: float  # the usual range the run left: that of its first period
    high: float


def usual_range(baseline):
    """(low, high) from the baseline points (at least one)."""
    centre = sum(point.mean for point in baseline) / len(baseline)
    pooled = math.sqrt(sum(point.standard_error ** 2 for point in baseline) / len(baseline))
    half_width = max(LIMIT * pooled, MIN_HALF_WIDTH)
    return centre - half_width, centre + half_width


def readings(points, *, baseline=BASELINE):
    """Each point with its usual range and where it sits, oldest first (the first `baseline` have none)."""
    found = []
    for index, point in enumerate(points):
        if index < baseline:
            found.append(Reading(point.period, point.mean))
            continue
        low, high = usual_range(points[index - baseline:index])
        position = BELOW if point.mean < low else ABOVE if point.mean > high else WITHIN
        found.append(Reading(point.period, point.mean, low, high, position))
    return found


def signal(points, *, baseline=BASELINE, run=RUN):
    """The signal the latest points give (a Signal going DOWN or UP), or None.

    None when there is not enough history, when the latest point is within its range, or when
    the run outside it is shorter than `run` periods.
    """
    return signal_from_readings(readings(points, baseline=baseline), run=run)


def signal_from_readings(found, *, run=RUN):
    """As `signal`, from readings already computed (the trends page draws them too)."""
    if not found or found[-1].position not in (BELOW, ABOVE):
        return None
    position = found[-1].position
    streak = []
    for reading in reversed(found):
        if reading.position != position:
            break
        streak.append(reading)
    if len(streak) < run:
        return None
    streak.reverse()
    return Signal(
        direction=DOWN if position == BELOW else UP,
        since=streak[0].period,
        periods=tuple(reading.period for reading in streak),
        means=tuple(reading.mean for reading in streak),
        low=streak[0].low,
        high=streak[0].high,
    )
