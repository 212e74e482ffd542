"""Helpers shared by the pulse tests (no tests here): a team with its pulse on, and filled periods."""
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

from postmortems.models import Membership
from pulse import answers, periods
from pulse.models import Period, PulseSettings
from tests import factories

UTC = dt_timezone.utc
# A Monday long past: its periods are closed whenever the tests run.
PAST_MONDAY = date(2025, 3, 3)


def enable_pulse(team, **fields):
    """Turn the team's pulse on (weekly, Tuesday 10:00 local, unless told otherwise)."""
    pulse_settings = PulseSettings.for_team(team)
    for name, value in {"enabled": True, **fields}.items():
        setattr(pulse_settings, name, value)
    pulse_settings.save()
    return pulse_settings


def during(period):
    """A moment inside the period (noon UTC on its second day)."""
    return datetime.combine(period.start + timedelta(days=1), time(12), tzinfo=UTC)


def make_period(team, start=PAST_MONDAY):
    return periods.period_for(team, start)


def add_members(team, count, prefix="p"):
    people = []
    for _ in range(count):
        person = factories.make_user()
        factories.add_member(team, person, Membership.Role.MEMBER)
        people.append(person)
    return people


def answer(person, period, score=4, free_text="", *, scores=None):
    """`person` answers `period` (every statement `score` unless `scores` says otherwise); returns the ticket."""
    ticket = answers.new_ticket(person, period)
    statements = list(period.question_set.statements.all())
    given = {s.pk: (scores[i] if scores else score) for i, s in enumerate(statements)}
    answers.submit(ticket, scores=given, free_text=free_text, now=during(period))
    return ticket


def fill(team, count, *, start=PAST_MONDAY, score=4, free_texts=()):
    """A period of `team` answered by `count` new members; free_texts go to the first few."""
    period = make_period(team, start)
    for index, person in enumerate(add_members(team, count)):
        answer(person, period, score, free_texts[index] if index < len(free_texts) else "")
    return period


def form_data(period, score=4, free_text="", **extra):
    data = {f"statement_{s.pk}": str(score) for s in period.question_set.statements.all()}
    data["free_text"] = free_text
    data.update(extra)
    return data


def stored_periods(team):
    return list(Period.objects.filter(team=team).order_by("start").values_list("start", "end"))
