"""Reading alerting tools' webhooks: PagerDuty (v3), Opsgenie and Prometheus Alertmanager (v4).

Each reader turns a payload into an `Alert`: which incident it is about (the source's own id,
used to deduplicate), what the draft should start with, and the timeline events it reports.
No Django models here, so every payload shape is tested without a database.

Severity mapping (Debrief SEV1 is the most severe):

    PagerDuty    priority P1→SEV1, P2→SEV2, P3→SEV3, P4/P5→SEV4;
                 without a priority: urgency high→SEV2, low→SEV3
    Opsgenie     priority P1→SEV1, P2→SEV2, P3→SEV3, P4/P5→SEV4
    Alertmanager label `severity` (common labels, else the first alert's):
                 critical/page/sev1/p1→SEV1, error/major/high/sev2/p2→SEV2,
                 warning/warn/minor/medium/sev3/p3→SEV3, info/low/none/sev4/p4/p5→SEV4
    Anything else, or nothing, → SEV3 (the editor's default).
"""
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone

from django.utils.dateparse import parse_datetime

PAGERDUTY = "pagerduty"
OPSGENIE = "opsgenie"
ALERTMANAGER = "alertmanager"
SOURCES = {PAGERDUTY: "PagerDuty", OPSGENIE: "Opsgenie", ALERTMANAGER: "Alertmanager"}

DEFAULT_SEVERITY = 3
TITLE_LENGTH = 200
EXTERNAL_ID_LENGTH = 200
PRIORITY_SEVERITY = {"P1": 1, "P2": 2, "P3": 3, "P4": 4, "P5": 4}
URGENCY_SEVERITY = {"high": 2, "low": 3}
LABEL_SEVERITY = {
    "critical": 1, "page": 1, "sev1": 1, "p1": 1,
    "error": 2, "major": 2, "high": 2, "sev2": 2, "p2": 2,
    "warning": 3, "warn": 3, "minor": 3, "medium": 3, "sev3": 3, "p3": 3,
    "info": 4, "low": 4, "none": 4, "sev4": 4, "p4": 4, "p5": 4,
}


class PayloadError(ValueError):
    """The payload is not one this source sends, or lacks what a draft needs."""


@dataclass(frozen=True)
class Event:
    # `key` identifies the event within its incident, so a redelivery adds nothing twice.
    key: str
    occurred_at: datetime
    description: str


@dataclass
class Alert:
    source: str
    external_id: str
    title: str
    severity: int = DEFAULT_SEVERITY
    started_at: datetime | None = None
    detected_at: datetime | None = None
    resolved_at: datetime | None = None
    events: list = field(default_factory=list)


# Small readers shared by the sources ---------------------------------------------

def _dict(value, name):
    if not isinstance(value, dict):
        raise PayloadError(f"`{name}` must be an object")
    return value


def _text(value, name, *, required=True):
    if value is None or value == "":
        if required:
            raise PayloadError(f"`{name}` is missing")
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise PayloadError(f"`{name}` must be a string")
    return str(value).strip()


def _iso_time(value, name, *, required=True):
    if value in (None, ""):
        if required:
            raise PayloadError(f"`{name}` is missing")
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise PayloadError(f"`{name}` is not an ISO 8601 time")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt_timezone.utc)
    return parsed


def _epoch_time(value, name, *, required=True):
    """Opsgenie sends epoch times in milliseconds, some of them (updatedAt) in nanoseconds."""
    if value in (None, ""):
        if required:
            raise PayloadError(f"`{name}` is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PayloadError(f"`{name}` must be an epoch time")
    return _from_epoch(value, name)


def _from_epoch(value, name):
    seconds = float(value)
    while seconds > 1e11:  # no second count passes 1e11 until the year 5138: a finer unit
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=dt_timezone.utc)
    except (OverflowError, OSError, ValueError) as error:
        raise PayloadError(f"`{name}` is out of range") from error


def _title(value):
    return " ".join(value.split())[:TITLE_LENGTH] or "Untitled incident"


def detect(payload):
    """Which source sent this payload, from its shape; None when it looks like none of them."""
    if not isinstance(payload, dict):
        return None
    event = payload.get("event")
    if isinstance(event, dict) and "event_type" in event:
        return PAGERDUTY
    if "action" in payload and isinstance(payload.get("alert"), dict):
        return OPSGENIE
    if "groupKey" in payload and isinstance(payload.get("alerts"), list):
        return ALERTMANAGER
    return None


def read(source, payload):
    """The Alert a payload reports, None for events that do not concern a draft; PayloadError if malformed."""
    if not isinstance(payload, dict):
        raise PayloadError("the payload must be a JSON object")
    alert = READERS[source](payload)
    if alert is not None and len(alert.external_id) > EXTERNAL_ID_LENGTH:
        raise PayloadError("the incident id is too long")
    return alert


# PagerDuty v3 webhooks -------------------------------------------------------------

PAGERDUTY_EVENTS = {
    "incident.triggered": "Alert triggered in PagerDuty",
    "incident.acknowledged": "Acknowledged in PagerDuty",
    "incident.unacknowledged": "Acknowledgement timed out in PagerDuty",
    "incident.escalated": "Escalated in PagerDuty",
    "incident.reassigned": "Reassigned in PagerDuty",
    "incident.priority_updated": "Priority changed in PagerDuty",
    "incident.reopened": "Reopened in PagerDuty",
    "incident.resolved": "Resolved in PagerDuty",
}


def pagerduty_severity(data):
    priority = data.get("priority")
    if isinstance(priority, dict):
        summary = str(priority.get("summary") or "").strip().upper()
        if summary in PRIORITY_SEVERITY:
            return PRIORITY_SEVERITY[summary]
    return URGENCY_SEVERITY.get(str(data.get("urgency") or "").lower(), DEFAULT_SEVERITY)


def read_pagerduty(payload):
    event = _dict(payload.get("event"), "event")
    event_type = _text(event.get("event_type"), "event.event_type")
    if not event_type.startswith("incident."):
        raise PayloadError(f"PagerDuty event `{event_type}` is not about an incident")
    if event_type not in PAGERDUTY_EVENTS:
        return None  # notes, responders, status updates: nothing the draft records
    data = _dict(event.get("data"), "event.data")
    incident_id = _text(data.get("id"), "event.data.id")
    created = _iso_time(data.get("created_at"), "event.data.created_at")
    occurred = _iso_time(event.get("occurred_at"), "event.occurred_at", required=False) or created
    agent = event.get("agent") if isinstance(event.get("agent"), dict) else {}
    who = _text(agent.get("summary"), "event.agent.summary", required=False)
    description = PAGERDUTY_EVENTS[event_type] + (f" by {who}" if who and event_type != "incident.triggered" else "")
    if event_type == "incident.triggered":
        description += f": {_title(_text(data.get('title'), 'event.data.title', required=False))}"
    alert = Alert(
        source=PAGERDUTY, external_id=incident_id,
        title=_title(_text(data.get("title"), "event.data.title", required=False)),
        severity=pagerduty_severity(data), started_at=created, detected_at=created,
        resolved_at=occurred if event_type == "incident.resolved" else None,
    )
    key = _text(event.get("id"), "event.id", required=False) or f"{event_type}@{occurred.isoformat()}"
    alert.events.append(Event(key=key, occurred_at=occurred, description=description))
    return alert


# Opsgenie webhook integration ------------------------------------------------------

OPSGENIE_ACTIONS = {
    "Create": "Alert created in Opsgenie",
    "Acknowledge": "Acknowledged in Opsgenie",
    "UnAcknowledge": "Acknowledgement withdrawn in Opsgenie",
    "Escalate": "Escalated in Opsgenie",
    "EscalateNext": "Escalated in Opsgenie",
    "UpdatePriority": "Priority changed in Opsgenie",
    "Close": "Closed in Opsgenie",
}


def opsgenie_severity(alert):
    return PRIORITY_SEVERITY.get(str(alert.get("priority") or "").strip().upper(), DEFAULT_SEVERITY)


def read_opsgenie(payload):
    action = _text(payload.get("action"), "action")
    if action not in OPSGENIE_ACTIONS:
        return None  # notes, tags, ownership, custom actions
    data = _dict(payload.get("alert"), "alert")
    alert_id = _text(data.get("alertId"), "alert.alertId")
    created = _epoch_time(data.get("createdAt"), "alert.createdAt")
    updated = _epoch_time(data.get("updatedAt"), "alert.updatedAt", required=False)
    occurred = created if action == "Create" else (updated or created)
    who = _text(data.get("username"), "alert.username", required=False)
    description = OPSGENIE_ACTIONS[action]
    if action == "Create":
        description += f": {_title(_text(data.get('message'), 'alert.message', required=False))}"
    elif who:
        description += f" by {who}"
    alert = Alert(
        source=OPSGENIE, external_id=alert_id,
        title=_title(_text(data.get("message"), "alert.message", required=False)),
        severity=opsgenie_severity(data), started_at=created, detected_at=created,
        resolved_at=occurred if action == "Close" else None,
    )
    # Opsgenie sends no id per delivery; the action and the alert's update time tell events apart.
    key = "Create" if action == "Create" else f"{action}@{occurred.isoformat()}"
    alert.events.append(Event(key=key, occurred_at=occurred, description=description))
    return alert


# Prometheus Alertmanager webhook (version 4) ------------------------------------------

# Alertmanager writes this for an alert that has not ended.
ZERO_TIME = "0001-01-01T00:00:00Z"


def alertmanager_severity(payload, alerts):
    labels = payload.get("commonLabels") if isinstance(payload.get("commonLabels"), dict) else {}
    value = labels.get("severity")
    if value is None and alerts:
        value = alerts[0]["labels"].get("severity")
    return LABEL_SEVERITY.get(str(value or "").strip().lower(), DEFAULT_SEVERITY)


def _alertmanager_alerts(payload):
    raw = payload.get("alerts")
    if not isinstance(raw, list) or not raw:
        raise PayloadError("`alerts` must be a non-empty list")
    alerts = []
    for index, item in enumerate(raw):
        item = _dict(item, f"alerts[{index}]")
        labels = item.get("labels") if isinstance(item.get("labels"), dict) else {}
        annotations = item.get("annotations") if isinstance(item.get("annotations"), dict) else {}
        ends = item.get("endsAt")
        alerts.append({
            "status": _text(item.get("status"), f"alerts[{index}].status"),
            "labels": labels,
            "annotations": annotations,
            "starts_at": _iso_time(item.get("startsAt"), f"alerts[{index}].startsAt"),
            "ends_at": None if ends in (None, "", ZERO_TIME) else _iso_time(ends, f"alerts[{index}].endsAt"),
            "fingerprint": _text(item.get("fingerprint"), f"alerts[{index}].fingerprint", required=False),
        })
    return alerts


def _alert_name(alert):
    labels = alert["labels"]
    name = str(labels.get("alertname") or "alert")
    where = labels.get("instance") or labels.get("service") or labels.get("job")
    return f"{name} ({where})" if where else name


def _short_id(group_key):
    """Group keys hold every grouping label and can be long; long ones are stored by their hash."""
    if len(group_key) <= EXTERNAL_ID_LENGTH:
        return group_key
    return "sha256:" + hashlib.sha256(group_key.encode()).hexdigest()


def read_alertmanager(payload):
    if str(payload.get("version", "")) != "4":
        raise PayloadError("only Alertmanager webhook version 4 is supported")
    group_key = _text(payload.get("groupKey"), "groupKey")
    status = _text(payload.get("status"), "status")
    if status not in ("firing", "resolved"):
        raise PayloadError("`status` must be firing or resolved")
    alerts = _alertmanager_alerts(payload)
    annotations = payload.get("commonAnnotations") if isinstance(payload.get("commonAnnotations"), dict) else {}
    labels = payload.get("commonLabels") if isinstance(payload.get("commonLabels"), dict) else {}
    title = annotations.get("summary") or labels.get("alertname") or alerts[0]["labels"].get("alertname") or group_key
    started = min(alert["starts_at"] for alert in alerts)
    ended = [alert["ends_at"] for alert in alerts if alert["status"] == "resolved" and alert["ends_at"]]
    result = Alert(
        source=ALERTMANAGER, external_id=_short_id(group_key), title=_title(str(title)),
        severity=alertmanager_severity(payload, alerts), started_at=started, detected_at=started,
        resolved_at=max(ended) if status == "resolved" and ended else None,
    )
    for alert in alerts:
        identity = alert["fingerprint"] or _alert_name(alert)
        # Alertmanager repeats a firing group every repeat_interval: the keys make that a no-op.
        result.events.append(Event(key=f"firing:{identity}@{alert['starts_at'].isoformat()}",
                                   occurred_at=alert["starts_at"], description=f"Alert firing: {_alert_name(alert)}"))
        if alert["status"] == "resolved" and alert["ends_at"]:
            result.events.append(Event(key=f"resolved:{identity}@{alert['ends_at'].isoformat()}",
                                       occurred_at=alert["ends_at"], description=f"Resolved: {_alert_name(alert)}"))
    return result


READERS = {PAGERDUTY: read_pagerduty, OPSGENIE: read_opsgenie, ALERTMANAGER: read_alertmanager}
