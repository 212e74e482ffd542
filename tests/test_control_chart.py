"""The pulse control-chart rule (pulse/control_chart.py): no database, no Django."""
from datetime import date, timedelta

import pytest

from pulse import control_chart
from pulse.control_chart import BELOW, DOWN, UP, WITHIN, Point

START = date(2026, 1, 5)


def series(means, standard_error=0.15):
    """Weekly points with these means, all with the same standard error."""
    return [Point(START + timedelta(weeks=index), mean, standard_error) for index, mean in enumerate(means)]


STEADY = [4.0, 4.1, 3.9, 4.0, 4.1, 3.9]  # centre 4.0; with SE 0.15 the usual range is 3.7 to 4.3


def test_the_usual_range_is_the_baseline_mean_plus_minus_two_pooled_standard_errors():
    low, high = control_chart.usual_range(series(STEADY, standard_error=0.15))
    assert low == pytest.approx(3.7)
    assert high == pytest.approx(4.3)


def test_pooled_standard_error_is_the_root_mean_square_of_the_baseline():
    baseline = [Point(1, 4.0, 0.3), Point(2, 4.0, 0.4)]
    low, high = control_chart.usual_range(baseline)
    assert high - 4.0 == pytest.approx(2 * ((0.09 + 0.16) / 2) ** 0.5)


def test_not_enough_history_gives_no_range_and_no_signal():
    points = series([4.0, 4.0, 4.0, 4.0, 4.0, 2.0, 2.0])  # a collapse, but only five points of baseline
    assert control_chart.MIN_HISTORY == 8
    assert [reading.position for reading in control_chart.readings(points)][:6] == [None] * 6
    assert control_chart.signal(points[:7]) is None
    assert control_chart.signal([]) is None


def test_one_low_period_is_not_a_signal():
    points = series(STEADY + [3.3])
    assert control_chart.readings(points)[-1].position == BELOW
    assert control_chart.signal(points) is None


def test_two_low_periods_in_a_row_are_a_signal_since_the_first_of_them():
    points = series(STEADY + [4.0, 3.3, 3.2])
    found = control_chart.signal(points)
    assert found.direction == DOWN
    assert found.since == points[-2].period
    assert found.periods == (points[-2].period, points[-1].period)
    assert found.means == (3.3, 3.2)
    assert found.low < 3.9 < found.high
    assert (found.low, found.high) == (control_chart.readings(points)[-2].low, control_chart.readings(points)[-2].high)


def test_a_longer_run_keeps_its_first_period_as_since():
    points = series(STEADY + [3.3, 3.2, 3.1])
    found = control_chart.signal(points)
    assert found.since == points[6].period
    assert len(found.periods) == 3


def test_recovery_ends_the_signal():
    points = series(STEADY + [3.3, 3.2, 4.0])
    assert control_chart.readings(points)[-1].position == WITHIN
    assert control_chart.signal(points) is None


def test_a_low_period_after_a_recovery_starts_over():
    points = series(STEADY + [3.3, 3.2, 4.0, 3.3])
    assert control_chart.signal(points) is None


def test_noisy_but_within_range_gives_no_signal():
    noisy = [3.6, 4.4, 3.7, 4.3, 3.8, 4.2, 3.7, 4.3, 3.6, 4.4]
    points = series(noisy, standard_error=0.35)
    assert all(reading.position in (None, WITHIN) for reading in control_chart.readings(points))
    assert control_chart.signal(points) is None


def test_a_constant_series_has_a_range_of_the_minimum_width_not_zero():
    points = series([4.0] * 8, standard_error=0.0)
    low, high = control_chart.usual_range(points[:6])
    assert (low, high) == (pytest.approx(3.75), pytest.approx(4.25))
    assert control_chart.signal(points) is None
    # One person moving a point among five answers (0.2) stays within; a real drop does not.
    assert control_chart.signal(series([4.0] * 6 + [3.8, 3.8], standard_error=0.0)) is None
    assert control_chart.signal(series([4.0] * 6 + [3.6, 3.6], standard_error=0.0)).direction == DOWN


def test_two_high_periods_in_a_row_are_an_improving_note():
    found = control_chart.signal(series(STEADY + [4.6, 4.7]))
    assert found.direction == UP


def test_below_then_above_is_no_run():
    assert control_chart.signal(series(STEADY + [3.2, 4.8])) is None


def test_each_period_is_measured_against_the_six_before_it():
    points = series([5.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.6])
    readings = control_chart.readings(points, baseline=6)
    # The last point's baseline is the six 4.0s: the early 5.0 has left the window.
    assert readings[-1].low == pytest.approx(4.0 - 0.3)
    assert readings[-1].position == BELOW
