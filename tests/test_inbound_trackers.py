"""Action items following their GitHub, GitLab and Jira issues (inbound/trackers.py)."""
import hashlib
import hmac
import json
import logging
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from inbound import trackers
from inbound.models import TrackerLink
from postmortems import actions
from postmortems.models import ActionItem
from tests import factories

DATA = Path(__file__).parent / "data" / "inbound"

pytestmark = pytest.mark.usefixtures("fast_passwords")
GITHUB_ISSUE = "https://github.com/acme/payments-api/issues/1347"
GITLAB_ISSUE = "https://gitlab.example.test/acme/platform/search-indexer/-/issues/58"
JIRA_ISSUE = "https://acme.atlassian.net/browse/OPS-412"


@pytest.fixture(autouse=True)
def tracker_secrets(settings):
    settings.INBOUND_GITHUB_SECRET = "gh-secret"
    settings.INBOUND_GITLAB_TOKEN = "gl-token"
    settings.INBOUND_JIRA_SECRET = "jira-secret"


def body_of(name):
    return (DATA / f"{name}.json").read_text()


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def post(tracker, body, *, query="", **headers):
    url = reverse(f"inbound:{tracker}") + query
    return Client(enforce_csrf_checks=True).post(url, body, content_type="application/json", **headers)


def github(name, secret="gh-secret"):
    body = body_of(name)
    return post("github", body, HTTP_X_GITHUB_EVENT="issues", HTTP_X_HUB_SIGNATURE_256=sign(secret, body))


def gitlab(name, token="gl-token"):
    return post("gitlab", body_of(name), HTTP_X_GITLAB_EVENT="Issue Hook", HTTP_X_GITLAB_TOKEN=token)


def jira(name, secret="jira-secret"):
    body = body_of(name)
    return post("jira", body, HTTP_X_HUB_SIGNATURE=sign(secret, body))


@pytest.fixture
def item(org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    return factories.add_action_item(postmortem, owner=org.people.member)


def link(item, url):
    return trackers.link_item(item, url, by=None)


# Issue URLs ------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "tracker", "key"), [
    (GITHUB_ISSUE, "github", "github:github.com/acme/payments-api#1347"),
    ("https://github.com/Acme/Payments-API/issues/1347/", "github", "github:github.com/acme/payments-api#1347"),
    ("https://ghe.example.test/acme/api/issues/3", "github", "github:ghe.example.test/acme/api#3"),
    (GITLAB_ISSUE, "gitlab", "gitlab:gitlab.example.test/acme/platform/search-indexer#58"),
    ("https://gitlab.com/acme/api/issues/7", "gitlab", "gitlab:gitlab.com/acme/api#7"),
    ("https://code.example.test/acme/api/-/issues/7", "gitlab", "gitlab:code.example.test/acme/api#7"),
    (JIRA_ISSUE, "jira", "jira:acme.atlassian.net/OPS-412"),
    ("https://jira.example.test/jira/browse/ops-9", "jira", "jira:jira.example.test/jira/OPS-9"),
])
def test_issue_urls_are_recognised(url, tracker, key):
    assert trackers.parse_issue_url(url) == trackers.Issue(tracker, key)


@pytest.mark.parametrize("url", [
    "", "not a url", "ftp://github.com/acme/api/issues/1", "https://github.com/acme/api/pull/1",
    "https://github.com/acme/api", "https://github.com/acme/api/issues/1?x=1", "javascript:alert(1)",
    "https://acme.atlassian.net/browse/", "https://gitlab.com/acme/-/merge_requests/3",
])
def test_other_urls_are_refused(url):
    with pytest.raises(ValidationError):
        trackers.parse_issue_url(url)


def test_jira_webhook_key_matches_the_browse_url():
    assert trackers.jira_key("https://acme.atlassian.net/rest/api/2/issue/10231", "OPS-412") == \
        trackers.parse_issue_url(JIRA_ISSUE).key


# GitHub ------------------------------------------------------------------------------------

def test_github_close_marks_the_item_done_with_history(item):
    link(item, GITHUB_ISSUE)

    response = github("github_issue_closed")

    assert response.status_code == 200
    assert response.json() == {"status": "applied", "changed": 1}
    item.refresh_from_db()
    assert item.status == "done" and item.closed_at is not None
    change = item.changes.get()
    assert (change.field, change.old_value, change.new_value, change.actor) == ("status", "open", "done", None)
    assert change.note == f"Closed in GitHub: {GITHUB_ISSUE}"


def test_github_reopen_moves_the_item_back_to_open(item):
    link(item, GITHUB_ISSUE)
    github("github_issue_closed")

    assert github("github_issue_reopened").status_code == 200

    item.refresh_from_db()
    assert item.status == "open" and item.closed_at is None
    assert item.changes.first().note == f"Reopened in GitHub: {GITHUB_ISSUE}"


def test_github_redelivered_close_records_once(item):
    link(item, GITHUB_ISSUE)
    github("github_issue_closed")

    assert github("github_issue_closed").json()["changed"] == 0
    assert item.changes.count() == 1


def test_github_other_issue_actions_change_nothing(item):
    link(item, GITHUB_ISSUE)

    assert github("github_issue_labeled").json()["changed"] == 0
    item.refresh_from_db()
    assert item.status == "open"


def test_github_ping_is_accepted_and_ignored(item):
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1})
    response = post("github", body, HTTP_X_GITHUB_EVENT="ping", HTTP_X_HUB_SIGNATURE_256=sign("gh-secret", body))

    assert response.status_code == 202


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "0" * 64}, 403),
])
def test_github_bad_signature_is_refused_and_logged(item, caplog, headers, status):
    link(item, GITHUB_ISSUE)

    with caplog.at_level(logging.WARNING, logger="inbound"):
        response = post("github", body_of("github_issue_closed"), HTTP_X_GITHUB_EVENT="issues", **headers)

    assert response.status_code == status
    assert "source=github" in caplog.text and "signature does not match" in caplog.text
    item.refresh_from_db()
    assert item.status == "open"
    assert not item.changes.exists()


def test_github_signed_with_another_secret_is_refused(item):
    link(item, GITHUB_ISSUE)

    assert github("github_issue_closed", secret="someone-else").status_code == 403
    assert ActionItem.objects.get(pk=item.pk).status == "open"


def test_unlinked_issue_is_accepted_and_ignored(item):
    response = github("github_issue_closed")

    assert response.status_code == 202
    assert response.json()["status"] == "ignored"
    assert ActionItem.objects.get(pk=item.pk).status == "open"


def test_tracker_without_a_secret_is_switched_off(item, settings):
    settings.INBOUND_GITHUB_SECRET = ""

    assert github("github_issue_closed").status_code == 404


def test_every_item_linked_to_the_issue_follows_it(org, item):
    other = factories.add_action_item(item.postmortem, title="Document pool sizing")
    link(item, GITHUB_ISSUE)
    link(other, "https://github.com/ACME/payments-api/issues/1347")

    assert github("github_issue_closed").json()["changed"] == 2


# GitLab ------------------------------------------------------------------------------------

def test_gitlab_close_and_reopen(item):
    link(item, GITLAB_ISSUE)

    assert gitlab("gitlab_issue_close").status_code == 200
    item.refresh_from_db()
    assert item.status == "done"
    assert item.changes.get().note == f"Closed in GitLab: {GITLAB_ISSUE}"

    assert gitlab("gitlab_issue_reopen").status_code == 200
    item.refresh_from_db()
    assert item.status == "open"
    assert item.changes.first().note == f"Reopened in GitLab: {GITLAB_ISSUE}"


@pytest.mark.parametrize(("token", "status"), [("", 401), ("wrong", 403)])
def test_gitlab_wrong_token_is_refused(item, token, status):
    link(item, GITLAB_ISSUE)

    assert gitlab("gitlab_issue_close", token=token).status_code == status
    assert ActionItem.objects.get(pk=item.pk).status == "open"


def test_gitlab_unlinked_issue_is_ignored(item):
    assert gitlab("gitlab_issue_close").status_code == 202


# Jira --------------------------------------------------------------------------------------

def test_jira_done_and_back_in_progress(item):
    link(item, JIRA_ISSUE)

    assert jira("jira_issue_done").status_code == 200
    item.refresh_from_db()
    assert item.status == "done"
    assert item.changes.get().note == f"Closed in Jira: {JIRA_ISSUE}"

    assert jira("jira_issue_reopened").status_code == 200
    item.refresh_from_db()
    assert item.status == "open"
    assert item.changes.first().note == f"Reopened in Jira: {JIRA_ISSUE}"


def test_jira_update_without_a_status_change_changes_nothing(item):
    link(item, JIRA_ISSUE)
    actions.mark_done(item, actor=None, note="Done here")
    body = json.loads(body_of("jira_issue_renamed"))
    body["issue"]["fields"]["status"]["statusCategory"]["key"] = "indeterminate"
    body = json.dumps(body)

    response = post("jira", body, HTTP_X_HUB_SIGNATURE=sign("jira-secret", body))

    assert response.json()["changed"] == 0
    assert ActionItem.objects.get(pk=item.pk).status == "done"


def test_jira_secret_in_the_url_instead_of_a_signature(item):
    link(item, JIRA_ISSUE)

    assert post("jira", body_of("jira_issue_done"), query="?secret=wrong").status_code == 403
    assert post("jira", body_of("jira_issue_done")).status_code == 401
    assert post("jira", body_of("jira_issue_done"), query="?secret=jira-secret").status_code == 200
    assert ActionItem.objects.get(pk=item.pk).status == "done"


def test_jira_bad_signature_is_refused(item):
    link(item, JIRA_ISSUE)

    assert jira("jira_issue_done", secret="nope").status_code == 403
    assert ActionItem.objects.get(pk=item.pk).status == "open"


def test_jira_unlinked_issue_is_ignored(item):
    assert jira("jira_issue_done").status_code == 202


# Malformed -----------------------------------------------------------------------------------

def test_malformed_tracker_payload_is_422(item):
    body = json.dumps({"action": "closed", "issue": {"number": 3}})

    response = post("github", body, HTTP_X_GITHUB_EVENT="issues", HTTP_X_HUB_SIGNATURE_256=sign("gh-secret", body))

    assert response.status_code == 422
    assert "issue.html_url" in response.json()["error"]


# The reopen writer ----------------------------------------------------------------------------

def test_reopen_leaves_an_open_or_in_progress_item_alone(item):
    item.status = ActionItem.Status.IN_PROGRESS
    item.save()

    assert actions.reopen(item, actor=None, note="Reopened in GitHub") is False
    assert item.status == "in_progress"
    assert not item.changes.exists()


def test_reopen_reopens_a_wont_do_item(item):
    item.status = ActionItem.Status.WONT_DO
    item.save()

    assert actions.reopen(item, actor=None, note="Reopened in Jira") is True
    assert item.status == "open" and item.closed_at is None


def test_tracker_history_shows_on_the_item_page(org, item, login):
    link(item, GITHUB_ISSUE)
    github("github_issue_closed")

    page = login(org.people.member).get(reverse("postmortems:action-detail", args=[item.pk])).content.decode()

    assert f"Closed in GitHub: {GITHUB_ISSUE}" in page
    assert TrackerLink.objects.get().url in page
