"""Inbound endpoints (alerting tools, issue trackers) and the pages that configure them.

The machine endpoints are CSRF-exempt: they are called by other servers, not browsers, and
authenticate with a secret URL token, a signature or a shared token instead of a session.
They answer JSON and log every refusal with the source and the reason, never the body.
"""
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import teams
from inbound import drafts, sources, trackers
from inbound.forms import SigningSecretForm, TrackerLinkForm
from inbound.models import AlertEndpoint
from postmortems import actions
from postmortems.models import ActionItem, Team

log = logging.getLogger("inbound")


class Refused(Exception):
    """A request the endpoint turns down, with the status and reason to answer and log."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _refuse(error, *, endpoint, source):
    # Reasons may quote a field of the payload: one line, bounded, so a sender cannot forge log lines.
    reason = " ".join(error.reason.split())[:300]
    log.warning("inbound %s refused: source=%s status=%s reason=%s", endpoint, source or "unknown",
                error.status, reason)
    return JsonResponse({"error": error.reason}, status=error.status)


def _read_body(request):
    """The request body, refusing more than INBOUND_MAX_BODY_BYTES whatever Content-Length says."""
    limit = settings.INBOUND_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise Refused(413, f"the body is larger than {limit} bytes")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise Refused(413, f"the body is larger than {limit} bytes")
    return body


def _json(body):
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise Refused(400, "the body is not valid JSON") from error
    if not isinstance(payload, dict):
        raise Refused(400, "the body must be a JSON object")
    return payload


# Alerts -------------------------------------------------------------------------------

def _signed_by(endpoint, request, body):
    """With a signing secret set, PagerDuty's v1 signature or `Authorization: Bearer <secret>` is required."""
    secret = endpoint.signing_secret
    if not secret:
        return True
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer ") and hmac.compare_digest(bearer[7:].strip().encode(), secret.encode()):
        return True
    expected = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    # PagerDuty lists one signature per active secret, comma-separated, while a secret is rotated.
    offered = [part.strip() for part in request.headers.get("X-PagerDuty-Signature", "").split(",")]
    return any(hmac.compare_digest(part.encode(), expected.encode()) for part in offered if part)


def _source_of(request, payload):
    asked = request.GET.get("source")
    if asked:
        if asked not in sources.SOURCES:
            raise Refused(400, f"unknown source; use one of {', '.join(sources.SOURCES)}")
        return asked
    detected = sources.detect(payload)
    if detected is None:
        raise Refused(422, "the payload is not from PagerDuty, Opsgenie or Alertmanager")
    return detected


@csrf_exempt
@require_POST
def alert_webhook(request, token):
    """Start or update a team's draft post-mortem from an alerting tool's webhook."""
    source = None
    try:
        endpoint = AlertEndpoint.objects.select_related("team").filter(token=token).first()
        if endpoint is None:
            raise Refused(404, "no alert endpoint at this address")
        body = _read_body(request)
        if not _signed_by(endpoint, request, body):
            raise Refused(401, "missing or wrong signature")
        payload = _json(body)
        source = _source_of(request, payload)
        try:
            alert = sources.read(source, payload)
        except sources.PayloadError as error:
            raise Refused(422, f"malformed {sources.SOURCES[source]} payload: {error}") from error
    except Refused as error:
        return _refuse(error, endpoint="alert", source=source)
    if alert is None:
        return JsonResponse({"status": "ignored", "reason": "this event does not change a post-mortem"}, status=202)
    outcome = drafts.receive(endpoint.team, alert)
    log.info("inbound alert accepted: source=%s team=%s incident=%s postmortem=%s created=%s", source,
             endpoint.team.slug, alert.external_id, outcome.postmortem.pk, outcome.created)
    return JsonResponse({
        "status": "created" if outcome.created else ("updated" if outcome.changed else "unchanged"),
        "postmortem": outcome.postmortem.pk,
        "url": request.build_absolute_uri(outcome.postmortem.get_absolute_url()),
    }, status=201 if outcome.created else 200)


# Issue trackers -------------------------------------------------------------------------

def _verify_tracker(tracker, request, body):
    try:
        if tracker == trackers.JIRA:
            trackers.verify_jira(body, request.headers, request.GET.get("secret"))
        else:
            trackers.VERIFIERS[tracker](body, request.headers)
    except trackers.NotConfigured as error:
        raise Refused(404, f"{tracker} webhooks are not configured") from error
    except trackers.SignatureError as error:
        status = 403 if _offered_credentials(tracker, request) else 401
        raise Refused(status, f"{tracker} webhook refused: {error}") from error


def _offered_credentials(tracker, request):
    header = {trackers.GITHUB: "X-Hub-Signature-256", trackers.GITLAB: "X-Gitlab-Token",
              trackers.JIRA: "X-Hub-Signature"}[tracker]
    return bool(request.headers.get(header) or (tracker == trackers.JIRA and request.GET.get("secret")))


@csrf_exempt
@require_POST
def tracker_webhook(request, tracker):
    """Follow a linked issue: closed in the tracker → item done; reopened → item open."""
    try:
        body = _read_body(request)
        _verify_tracker(tracker, request, body)
        payload = _json(body)
        try:
            event = trackers.READERS[tracker](payload, request.headers)
        except trackers.PayloadError as error:
            raise Refused(422, f"malformed {tracker} payload: {error}") from error
    except Refused as error:
        return _refuse(error, endpoint="tracker", source=tracker)
    if event is None:
        return JsonResponse({"status": "ignored", "reason": "not an issue event"}, status=202)
    if not trackers.linked(event):
        return JsonResponse({"status": "ignored", "reason": "no action item is linked to this issue"}, status=202)
    changed = trackers.apply_event(event)
    log.info("inbound tracker event applied: source=%s issue=%s changed=%s", tracker, event.key, changed)
    return JsonResponse({"status": "applied", "changed": changed})


# Team configuration (leads) ----------------------------------------------------------------

def _managed_team_or_404(request, slug):
    """Only the team's leads (and organisation admins) learn this page exists."""
    team = get_object_or_404(Team, slug=slug)
    if not teams.can_manage_team(request.user, team):
        raise Http404("No such team.")
    return team


@login_required
def team_alerts(request, slug, *, secret_form=None, status=200):
    team = _managed_team_or_404(request, slug)
    endpoint = AlertEndpoint.objects.filter(team=team).first()
    return render(request, "inbound/team_alerts.html", {
        "team": team,
        "endpoint": endpoint,
        "endpoint_url": request.build_absolute_uri(endpoint.get_absolute_url()) if endpoint else "",
        "secret_form": secret_form or SigningSecretForm(),
        "incidents": team.inbound_incidents.select_related("postmortem")[:20],
    }, status=status)


@login_required
@require_POST
def rotate_token(request, slug):
    """Create the endpoint, or give it a new secret address (the old one stops working)."""
    team = _managed_team_or_404(request, slug)
    endpoint, created = AlertEndpoint.objects.get_or_create(team=team)
    if not created:
        endpoint.rotate()
        messages.success(request, "The alert address changed: update it in your alerting tools.")
    return redirect("inbound:team-alerts", team.slug)


@login_required
@require_POST
def set_signing_secret(request, slug):
    team = _managed_team_or_404(request, slug)
    endpoint = get_object_or_404(AlertEndpoint, team=team)
    form = SigningSecretForm(request.POST)
    if not form.is_valid():
        return team_alerts(request, slug, secret_form=form, status=400)
    endpoint.signing_secret = form.cleaned_data["signing_secret"]
    endpoint.save(update_fields=["signing_secret"])
    messages.success(request, "Signing secret saved." if endpoint.signing_secret else "Signing secret removed.")
    return redirect("inbound:team-alerts", team.slug)


# Tracker link on an action item ------------------------------------------------------------

@login_required
@require_POST
def tracker_link(request, pk):
    """Link the item to an issue, or unlink it (empty URL); for those who may change the item."""
    item = get_object_or_404(ActionItem.objects.visible_to(request.user).select_related("postmortem"), pk=pk)
    if not actions.can_change(request.user, item):
        raise PermissionDenied("Only the post-mortem's editors and the item's owner may change this item.")
    form = TrackerLinkForm(request.POST)
    if form.is_valid():
        try:
            link = trackers.link_item(item, form.cleaned_data["url"], by=request.user)
        except ValidationError as error:
            form.add_error("url", error)
        else:
            messages.success(request, "Linked to the issue." if link else "Issue link removed.")
            return redirect("postmortems:action-detail", item.pk)
    return render(request, "inbound/tracker_link_form.html", {"item": item, "form": form}, status=400)
