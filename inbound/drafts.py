"""Turning an alerted incident into a draft post-mortem, and keeping the draft up to date.

A draft made here is like one started in the editor: a technical post-mortem of the team,
version 1 with its first revision, in the search index. Later events of the same incident
only fill in what is still empty (times) and add timeline events, each as a new revision;
what the authors wrote (title, severity, sections, times they set) is never changed, and a
post-mortem that left the draft stage is not touched at all.
"""
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from inbound.models import InboundIncident
from inbound.sources import SOURCES
from postmortems import search
from postmortems.models import PostMortem, TimelineEvent
from postmortems.revisions import record_revision

TIMES = ["started_at", "detected_at", "resolved_at"]
# An Alertmanager group can hold hundreds of alerts; a timeline of hundreds of "firing" lines
# helps nobody, so one delivery adds at most this many events (the rest are not marked seen).
MAX_EVENTS_PER_DELIVERY = 50


@dataclass(frozen=True)
class Outcome:
    postmortem: PostMortem
    created: bool
    # Whether the post-mortem changed (False for a redelivery, or once it left the draft stage).
    changed: bool


def receive(team, alert):
    """Create or update the draft for this alert's incident, all in one transaction."""
    with transaction.atomic():
        try:
            # A savepoint: if a concurrent delivery inserted the incident first, the unique
            # constraint refuses ours and only this attempt (draft included) is rolled back.
            with transaction.atomic():
                return _create(team, alert)
        except IntegrityError:
            pass
        incident = InboundIncident.objects.select_for_update().get(
            team=team, source=alert.source, external_id=alert.external_id
        )
        return _update(incident, alert)


def _existing(team, alert):
    """The incident's row, locked, if an earlier delivery made it."""
    return InboundIncident.objects.select_for_update().filter(
        team=team, source=alert.source, external_id=alert.external_id
    ).first()


def _create(team, alert):
    existing = _existing(team, alert)
    if existing is not None:
        return _update(existing, alert)
    postmortem = PostMortem.objects.create(
        team=team, kind=PostMortem.Kind.TECHNICAL, status=PostMortem.Status.DRAFT, title=alert.title,
        severity=alert.severity, started_at=alert.started_at, detected_at=alert.detected_at,
        resolved_at=alert.resolved_at, version=1,
    )
    incident = InboundIncident.objects.create(
        team=team, source=alert.source, external_id=alert.external_id, postmortem=postmortem,
    )
    _add_events(incident, alert.events)
    incident.save(update_fields=["seen_events", "updated_at"])
    search.update_search_vector([postmortem.pk])
    record_revision(postmortem, author=None, note=f"Started from {SOURCES[alert.source]} incident {alert.external_id}")
    return Outcome(postmortem, created=True, changed=True)


def _update(incident, alert):
    postmortem = PostMortem.objects.select_for_update().get(pk=incident.postmortem_id)
    if postmortem.status != PostMortem.Status.DRAFT:
        return Outcome(postmortem, created=False, changed=False)
    filled = [name for name in TIMES if getattr(postmortem, name) is None and getattr(alert, name) is not None]
    for name in filled:
        setattr(postmortem, name, getattr(alert, name))
    added = _add_events(incident, alert.events)
    if not (filled or added):
        return Outcome(postmortem, created=False, changed=False)
    incident.save(update_fields=["seen_events", "updated_at"])
    # A new version like any save (the row is locked, so no compare is needed): an editor still
    # holding the old version gets the editor's conflict page and sees the new events.
    postmortem.version += 1
    postmortem.save(update_fields=[*filled, "version", "updated_at"])
    record_revision(postmortem, author=None, note=f"Updated from {SOURCES[alert.source]} incident {alert.external_id}")
    return Outcome(postmortem, created=False, changed=True)


def _add_events(incident, events):
    """Put the events not seen before on the timeline; returns how many were added."""
    seen = set(incident.seen_events)
    new = []
    for event in events:
        if event.key not in seen and len(new) < MAX_EVENTS_PER_DELIVERY:
            seen.add(event.key)
            new.append(event)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(postmortem_id=incident.postmortem_id, occurred_at=event.occurred_at,
                      description=event.description)
        for event in new
    )
    incident.seen_events = [*incident.seen_events, *(event.key for event in new)]
    return len(new)
