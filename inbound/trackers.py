"""Issue trackers: recognising issue URLs, verifying their webhooks and following their issues.

An action item links to one issue (`TrackerLink`). Each tracker's webhook names the issue in
its own way, so both the link's URL and the webhook are reduced to the same `issue_key`
("github:github.com/acme/api#12", "gitlab:gitlab.com/acme/api#7", "jira:acme.atlassian.net/OPS-3")
and matched on it. Closing the issue marks the item done, reopening it reopens the item, both
through the action writers so the change is in the item's history with where it came from.

Verification, with secrets from the settings (empty: that tracker's endpoint is switched off):
    GitHub  X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body with INBOUND_GITHUB_SECRET>
    GitLab  X-Gitlab-Token equal to INBOUND_GITLAB_TOKEN
    Jira    X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body with INBOUND_JIRA_SECRET>
            (Jira Cloud's webhook secret), or ?secret=<INBOUND_JIRA_SECRET> in the URL for Jira
            versions that cannot sign.
"""
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from inbound.models import TrackerLink
from postmortems import actions

GITHUB, GITLAB, JIRA = TrackerLink.Tracker.GITHUB, TrackerLink.Tracker.GITLAB, TrackerLink.Tracker.JIRA

GITHUB_PATH = re.compile(r"^/(?P<project>[\w.-]+/[\w.-]+)/issues/(?P<number>\d+)/?$")
GITLAB_PATH = re.compile(r"^/(?P<project>[\w.-]+(?:/[\w.-]+)+?)(?:/-)?/issues/(?P<number>\d+)/?$")
JIRA_BROWSE = re.compile(r"^(?P<base>(?:/[\w.-]+)*)/browse/(?P<key>[A-Za-z][A-Za-z0-9_]*-\d+)/?$")
JIRA_SELF = re.compile(r"^(?P<base>(?:/[\w.-]+)*)/rest/api/\d+/issue/")

INVALID_URL = ("Enter the web address of one issue: a GitHub issue (…/owner/repo/issues/12), a GitLab "
               "issue (…/group/project/-/issues/12) or a Jira issue (…/browse/KEY-12).")


class SignatureError(Exception):
    """The webhook did not prove it came from the tracker."""


class NotConfigured(Exception):
    """No secret is set for this tracker, so its webhooks are not accepted."""


@dataclass(frozen=True)
class Issue:
    tracker: str
    key: str


@dataclass(frozen=True)
class IssueEvent:
    """What a tracker webhook says happened: the issue and whether it is now closed (None: no change)."""

    tracker: str
    key: str
    url: str
    closed: bool | None


# Issue URLs -------------------------------------------------------------------------

def parse_issue_url(url):
    """The tracker and key of an issue's web address; ValidationError for anything else."""
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise ValidationError(INVALID_URL)
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path
    if match := JIRA_BROWSE.match(path):
        return Issue(JIRA, f"jira:{host}{match['base'].lower()}/{match['key'].upper()}")
    # GitLab's project path may have subgroups and a "/-" before "/issues"; GitHub's has two parts.
    if "/-/issues/" in path or "gitlab" in host:
        if match := GITLAB_PATH.match(path):
            return Issue(GITLAB, f"gitlab:{host}/{match['project'].lower()}#{match['number']}")
        raise ValidationError(INVALID_URL)
    if match := GITHUB_PATH.match(path):
        return Issue(GITHUB, f"github:{host}/{match['project'].lower()}#{match['number']}")
    raise ValidationError(INVALID_URL)


def jira_key(self_url, issue_key):
    """The key of a Jira issue as a webhook names it: its REST address (for the site) and its key."""
    parts = urlsplit(self_url or "")
    match = JIRA_SELF.match(parts.path)
    if not parts.hostname or not match or not issue_key:
        return None
    host = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    return f"jira:{host}{match['base'].lower()}/{issue_key.upper()}"


def link_item(item, url, *, by):
    """Link an item to an issue (replacing its link), or unlink it when `url` is empty."""
    url = (url or "").strip()
    if not url:
        TrackerLink.objects.filter(item=item).delete()
        return None
    issue = parse_issue_url(url)
    link, _ = TrackerLink.objects.update_or_create(
        item=item, defaults={"url": url, "tracker": issue.tracker, "issue_key": issue.key, "created_by": by},
    )
    return link


# Verification -----------------------------------------------------------------------

def _secret(name):
    secret = getattr(settings, name, "")
    if not secret:
        raise NotConfigured(name)
    return secret


def _hmac_hex(secret, body):
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _check_hmac(secret, body, header):
    expected = "sha256=" + _hmac_hex(secret, body)
    if not header or not hmac.compare_digest(header.strip().encode(), expected.encode()):
        raise SignatureError("signature does not match")


def verify_github(body, headers):
    _check_hmac(_secret("INBOUND_GITHUB_SECRET"), body, headers.get("X-Hub-Signature-256"))


def verify_gitlab(body, headers):
    secret = _secret("INBOUND_GITLAB_TOKEN")
    token = headers.get("X-Gitlab-Token") or ""
    if not hmac.compare_digest(token.encode(), secret.encode()):
        raise SignatureError("token does not match")


def verify_jira(body, headers, query_secret):
    secret = _secret("INBOUND_JIRA_SECRET")
    if headers.get("X-Hub-Signature"):
        _check_hmac(secret, body, headers["X-Hub-Signature"])
        return
    if not query_secret or not hmac.compare_digest(query_secret.encode(), secret.encode()):
        raise SignatureError("no signature and no matching secret in the URL")


VERIFIERS = {GITHUB: verify_github, GITLAB: verify_gitlab}


# Webhook payloads -------------------------------------------------------------------

class PayloadError(ValueError):
    """A tracker payload without what an issue event needs."""


def _get(payload, *path):
    value = payload
    for name in path:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def read_github(payload, headers):
    """GitHub `issues` events; closed → done, reopened → open, other actions change nothing."""
    if headers.get("X-GitHub-Event", "issues") != "issues":
        return None
    url = _get(payload, "issue", "html_url")
    if not isinstance(url, str):
        raise PayloadError("`issue.html_url` is missing")
    closed = {"closed": True, "reopened": False}.get(_get(payload, "action"))
    return _event(url, closed)


def read_gitlab(payload, headers):
    """GitLab issue events; action close → done, reopen → open."""
    if _get(payload, "object_kind") != "issue":
        return None
    url = _get(payload, "object_attributes", "url")
    if not isinstance(url, str):
        raise PayloadError("`object_attributes.url` is missing")
    closed = {"close": True, "reopen": False}.get(_get(payload, "object_attributes", "action"))
    return _event(url, closed)


def read_jira(payload, headers):
    """Jira `jira:issue_updated`: status category done → done, any other category → open.

    Only when the update changed the status (its changelog says so), so editing a done item's
    issue text does not reopen it.
    """
    if _get(payload, "webhookEvent") != "jira:issue_updated":
        return None
    key = jira_key(_get(payload, "issue", "self"), _get(payload, "issue", "key"))
    category = _get(payload, "issue", "fields", "status", "statusCategory", "key")
    if key is None or not isinstance(category, str):
        raise PayloadError("`issue.self`, `issue.key` or the status category is missing")
    changes = _get(payload, "changelog", "items")
    if isinstance(changes, list) and not any(isinstance(c, dict) and c.get("field") == "status" for c in changes):
        return IssueEvent(JIRA, key, _jira_browse_url(payload), None)
    return IssueEvent(JIRA, key, _jira_browse_url(payload), category == "done")


def _jira_browse_url(payload):
    parts = urlsplit(_get(payload, "issue", "self"))
    base = JIRA_SELF.match(parts.path)["base"]
    return f"{parts.scheme}://{parts.netloc}{base}/browse/{_get(payload, 'issue', 'key')}"


def _event(url, closed):
    try:
        issue = parse_issue_url(url)
    except ValidationError as error:
        raise PayloadError("the issue URL is not one Debrief recognises") from error
    return IssueEvent(issue.tracker, issue.key, url, closed)


READERS = {GITHUB: read_github, GITLAB: read_gitlab, JIRA: read_jira}


# Following the issue ------------------------------------------------------------------

def apply_event(event):
    """Move every item linked to the issue to done or back to open; returns how many changed."""
    if event.closed is None:
        return 0
    label = TrackerLink.Tracker(event.tracker).label
    changed = 0
    with transaction.atomic():
        links = TrackerLink.objects.filter(issue_key=event.key, tracker=event.tracker).select_related("item")
        for link in links:
            if event.closed:
                changed += actions.mark_done(link.item, actor=None, note=f"Closed in {label}: {event.url}")
            else:
                changed += actions.reopen(link.item, actor=None, note=f"Reopened in {label}: {event.url}")
    return changed


def linked(event):
    return TrackerLink.objects.filter(issue_key=event.key, tracker=event.tracker).exists()
