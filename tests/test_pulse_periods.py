"""Pulse periods: weekly and fortnightly bounds, each person's calendar and time zone, and stored periods."""
from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest

from pulse import periods
from pulse.models import PulseSettings
from tests import factories
from tests.test_pulse_support import enable_pulse, stored_periods

UTC = dt_timezone.utc
pytestmark = pytest.mark.usefixtures("fast_passwords")


def weekly():
    return PulseSettings(cadence=PulseSettings.Cadence.WEEKLY)


def fortnightly(anchor=date(2025, 1, 6)):
    return PulseSettings(cadence=PulseSettings.Cadence.FORTNIGHTLY, anchor=anchor)


@pytest.mark.parametrize("day", [date(2025, 3, 10), date(2025, 3, 12), date(2025, 3, 16)])
def test_a_weekly_period_runs_monday_to_sunday(day):
    assert periods.bounds(weekly(), day) == (date(2025, 3, 10), date(2025, 3, 17))


@pytest.mark.parametrize("day, start", [
    (date(2025, 1, 6), date(2025, 1, 6)),
    (date(2025, 1, 19), date(2025, 1, 6)),
    (date(2025, 1, 20), date(2025, 1, 20)),
    (date(2025, 3, 12), date(2025, 3, 3)),   # ten weeks on: the fifth fortnight
    (date(2025, 1, 5), date(2024, 12, 23)),  # before the anchor, still on its grid
])
def test_fortnightly_periods_are_aligned_to_the_anchor(day, start):
    assert periods.bounds(fortnightly(), day) == (start, start + timedelta(days=14))


def test_the_period_follows_each_persons_local_date(org):
    enable_pulse(org.payments)
    tokyo = factories.set_profile(org.people.member, timezone="Asia/Tokyo")
    los_angeles = factories.set_profile(org.people.author, timezone="America/Los_Angeles")
    moment = datetime(2025, 3, 16, 20, 0, tzinfo=UTC)  # Monday 05:00 in Tokyo, Sunday 13:00 in Los Angeles

    assert periods.current_period(org.payments, tokyo.user, moment).start == date(2025, 3, 17)
    assert periods.current_period(org.payments, los_angeles.user, moment).start == date(2025, 3, 10)


def test_each_person_is_asked_at_the_teams_day_and_hour_in_their_own_zone(org):
    pulse_settings = enable_pulse(org.payments, day=1, hour=10)  # Tuesdays at 10:00
    factories.set_profile(org.people.member, timezone="Asia/Tokyo")
    factories.set_profile(org.people.author, timezone="Europe/London")
    period = periods.period_for(org.payments, date(2025, 3, 10))

    assert periods.asked_at(pulse_settings, period, org.people.member) == datetime(2025, 3, 11, 1, 0, tzinfo=UTC)
    assert periods.asked_at(pulse_settings, period, org.people.author) == datetime(2025, 3, 11, 10, 0, tzinfo=UTC)


def test_a_period_is_open_from_the_first_zone_to_reach_it_until_the_last_leaves_it(org):
    period = periods.period_for(org.payments, date(2025, 3, 10))

    assert period.opens_at == datetime(2025, 3, 9, 10, 0, tzinfo=UTC)    # Monday 00:00 at UTC+14
    assert period.closes_at == datetime(2025, 3, 17, 12, 0, tzinfo=UTC)  # next Monday 00:00 at UTC-12
    assert period.is_open(datetime(2025, 3, 17, 11, 59, tzinfo=UTC))
    assert period.is_closed(datetime(2025, 3, 17, 12, 0, tzinfo=UTC))
    assert not period.is_open(datetime(2025, 3, 9, 9, 59, tzinfo=UTC))


def test_a_period_is_stored_once_with_the_current_questions(org):
    first = periods.period_for(org.payments, date(2025, 3, 11))
    again = periods.period_for(org.payments, date(2025, 3, 16))

    assert first.pk == again.pk
    assert (first.start, first.end) == (date(2025, 3, 10), date(2025, 3, 17))
    assert first.question_set.version == 1


def test_a_change_of_cadence_never_redraws_a_period_that_has_begun(org):
    enable_pulse(org.payments)
    periods.period_for(org.payments, date(2025, 3, 11))  # weekly: 10 to 16 March

    enable_pulse(org.payments, cadence="fortnightly", anchor=date(2025, 3, 3))
    periods.period_for(org.payments, date(2025, 3, 18))  # the fortnight of 17 March
    periods.period_for(org.payments, date(2025, 3, 12))

    assert stored_periods(org.payments) == [
        (date(2025, 3, 10), date(2025, 3, 17)),
        (date(2025, 3, 17), date(2025, 3, 31)),
    ]


def test_a_new_period_is_cut_short_to_fit_before_a_stored_one(org):
    enable_pulse(org.payments, cadence="fortnightly", anchor=date(2025, 3, 3))
    periods.period_for(org.payments, date(2025, 3, 11))  # fortnight 3 to 16 March

    enable_pulse(org.payments, cadence="weekly")
    periods.period_for(org.payments, date(2025, 3, 18))
    enable_pulse(org.payments, cadence="fortnightly", anchor=date(2025, 2, 24))
    periods.period_for(org.payments, date(2025, 2, 26))  # its fortnight would be 24 Feb to 9 March

    assert stored_periods(org.payments) == [
        (date(2025, 2, 24), date(2025, 3, 3)),
        (date(2025, 3, 3), date(2025, 3, 17)),
        (date(2025, 3, 17), date(2025, 3, 24)),
    ]


def test_the_anchor_must_be_a_monday(org):
    from django.core.exceptions import ValidationError

    pulse_settings = PulseSettings.for_team(org.payments)
    pulse_settings.anchor = date(2025, 3, 4)
    with pytest.raises(ValidationError):
        pulse_settings.full_clean()
