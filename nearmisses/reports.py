"""Recording a near-miss report, named or anonymous."""
from datetime import timezone as dt_timezone

from django.utils import timezone

from nearmisses.models import NearMiss


def submit_report(*, reporter, team, kind, what_happened, what_stopped_it, likelier_next_time, anonymous, now=None):
    """Store one report. An anonymous one keeps neither the reporter nor the time, only the UTC day.

    The day is taken in UTC, not the reporter's zone, so it says nothing about where they are.
    """
    now = now or timezone.now()
    return NearMiss.objects.create(
        team=team,
        kind=kind,
        what_happened=what_happened,
        what_stopped_it=what_stopped_it,
        likelier_next_time=likelier_next_time,
        anonymous=anonymous,
        reporter=None if anonymous else reporter,
        reported_on=now.astimezone(dt_timezone.utc).date(),
        reported_at=None if anonymous else now,
    )
