"""Pulse periods and schedules: plain functions of a team's settings, a person and a moment.

A period starts on a Monday and lasts a week, or two weeks counted from the team's
anchor. Each member lives it on their own calendar: the period they are in is the one
containing their local date, and they are asked on the team's day and hour in their
own time zone, as the digest does. Periods are stored when first needed (see `Period`)
so a later change of cadence never redraws one that has begun.
"""
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from postmortems.digest import week_of, zone_of
from pulse import questions
from pulse.models import Period, PulseSettings


def bounds(pulse_settings, day):
    """(start, end) of the period the settings give for local date `day`: end is the day after."""
    if pulse_settings.cadence == PulseSettings.Cadence.FORTNIGHTLY:
        anchor = pulse_settings.anchor
        start = anchor + timedelta(days=14 * ((day - anchor).days // 14))
        return start, start + timedelta(days=14)
    start = week_of(day)
    return start, start + timedelta(days=7)


def local_date(person, now):
    """The person's calendar date at `now`, in their own time zone."""
    return timezone.localtime(now, zone_of(person)).date()


def stored_period(team, day):
    """The team's stored period containing `day`, or None."""
    return Period.objects.filter(team=team, start__lte=day, end__gt=day).select_related("question_set").first()


def period_for(team, day, *, store=True):
    """The team's period containing local date `day`, stored (with the current questions) if new.

    A new period is cut to fit between stored neighbours, so periods never overlap even
    after the cadence or anchor changed. The settings row is locked while deciding, so
    two requests creating the same period agree on it. With `store=False` (a dry run) a
    new period is returned unsaved.
    """
    found = stored_period(team, day)
    if found is not None:
        return found
    if not store:
        start, end = _new_bounds(team, PulseSettings.objects.filter(team=team).first() or PulseSettings(), day)
        return Period(team=team, start=start, end=end)
    with transaction.atomic():
        pulse_settings = PulseSettings.objects.select_for_update().get(pk=PulseSettings.for_team(team).pk)
        found = stored_period(team, day)
        if found is not None:
            return found
        start, end = _new_bounds(team, pulse_settings, day)
        return Period.objects.create(team=team, start=start, end=end, question_set=questions.current_set(team))


def _new_bounds(team, pulse_settings, day):
    """The settings' bounds for `day`, cut to fit between the team's stored periods."""
    start, end = bounds(pulse_settings, day)
    before = Period.objects.filter(team=team, end__lte=day).order_by("-end").first()
    if before is not None and before.end > start:
        start = before.end
    after = Period.objects.filter(team=team, start__gt=day).order_by("start").first()
    if after is not None and after.start < end:
        end = after.start
    return start, end


def current_period(team, person, now=None):
    """The period `person` is in at `now`, by their local date."""
    return period_for(team, local_date(person, now or timezone.now()))


def asked_at(pulse_settings, period, person):
    """When `person` is invited for `period`: the team's day and hour, in the person's zone."""
    day = period.start + timedelta(days=pulse_settings.day)
    return datetime.combine(day, time(pulse_settings.hour), tzinfo=zone_of(person))
