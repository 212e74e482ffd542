"""The action-item quality check: wording, owner and due date, in the editor, publish review and trends."""
from datetime import timedelta

import pytest
from django.utils import timezone

from postmortems.blame import action_items, training
from postmortems.models import ActionItem, BlameAcknowledgement
from tests import factories

WEAK = {
    "vague": ["Improve monitoring", "Look into the flaky payments tests", "Better communication between support and sales"],
    "vigilance": ["Be more careful when editing firewall rules", "Remind the team to double-check the rota before leave",
                  "Retrain Sam on the release process"],
    "bundled": ["Add disk alerts, migrate the cache to Valkey and rewrite the backup runbook"],
}
GOOD = [
    "Alert when queue depth exceeds 5,000 for 10 minutes",
    "Enable TLS on the staging ingress",
    "Make the delete command ask for confirmation",
    "Add a required 'handed over to' field to the on-call hand-off form",
    "Give new hires read access to the runbook repository on their first day",
]


def categories(title, **extra):
    return [f.category for f in action_items.check_items([{"title": title, **extra}])[0]]


@pytest.mark.parametrize("category,title", [(c, t) for c, titles in WEAK.items() for t in titles])
def test_weak_items_are_flagged_with_their_weakness(category, title):
    assert category in categories(title)


@pytest.mark.parametrize("title", GOOD)
def test_concrete_items_pass_even_when_short_or_about_people(title):
    assert categories(title) == []


def test_missing_owner_and_due_date_are_flagged():
    found = categories("Enable TLS on the staging ingress", has_owner=False, has_due_date=False)
    assert found == ["no_owner", "no_due_date"]


def test_each_finding_says_why_and_offers_a_rewrite_pattern():
    (finding,) = action_items.check_items([{"title": "Improve monitoring"}])[0]
    assert finding.message and "<" in finding.suggestion


def test_labelled_set_is_large_enough_with_an_untouched_test_split():
    examples = training.load_action_examples()
    train, test = training.split_action_examples(examples)
    assert len(examples) >= 400 and len(test) >= 80
    assert not {e.id for e in train} & {e.id for e in test}


def test_precision_on_the_test_split_is_at_least_ninety_percent():
    _train, test = training.split_action_examples(training.load_action_examples())
    assert training.evaluate_action_items(action_items.default_model(), test)["precision"] >= 0.90


# In the app -------------------------------------------------------------------------------

def test_live_check_returns_the_rows_findings(login, org):
    response = login(org.people.author).post("/action-check/", {"title": "Be more careful with deploys"})
    assert response.status_code == 200
    assert "Relies on vigilance" in response.content.decode()
    assert "No owner" in response.content.decode()


def test_live_check_is_quiet_for_a_good_item(login, org):
    response = login(org.people.author).post("/action-check/", {
        "title": "Alert when queue depth exceeds 5,000 for 10 minutes", "owner": "1", "due_date": "2030-01-01"})
    assert response.content.decode().strip() == ""


def test_live_check_needs_a_signed_in_person(client):
    assert client.post("/action-check/", {"title": "Improve monitoring"}).status_code == 302


def test_editor_shows_findings_under_a_weak_saved_item(login, org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_action_item(postmortem, owner=org.people.author, title="Improve monitoring")
    html = login(org.people.author).get(f"/postmortems/{postmortem.pk}/edit/").content.decode()
    assert "This action item may not get done as written" in html and "Vague" in html


def publish(client, postmortem, **changes):
    data = factories.open_editor(client, f"/postmortems/{postmortem.pk}/edit/")
    data.update(changes)
    data["action"] = "publish"
    return client.post(f"/postmortems/{postmortem.pk}/edit/", data)


def test_publishing_asks_for_a_reason_to_keep_a_weak_item_and_keeps_it(login, org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary="Queue backed up.")
    factories.add_action_item(postmortem, owner=org.people.author, title="Be more careful with deploys")
    client = login(org.people.author)
    response = publish(client, postmortem)
    html = response.content.decode()
    assert response.status_code == 200 and "Action items" in html and "Relies on vigilance" in html
    key = html.split('name="ack-')[1].split('"')[0]
    response = publish(client, postmortem, **{f"ack-{key}": "Kept as a reminder beside the real fix."})
    assert response.status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.status == "published"
    assert BlameAcknowledgement.objects.filter(postmortem=postmortem, section="actions",
                                               category="action_vigilance").exists()


def test_saving_stamps_the_verdict_used_by_the_trends(login, org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    weak = factories.add_action_item(postmortem, owner=org.people.author, title="Improve monitoring")
    good = factories.add_action_item(postmortem, owner=org.people.author, title="Enable TLS on the staging ingress")
    client = login(org.people.author)
    data = factories.open_editor(client, f"/postmortems/{postmortem.pk}/edit/")
    assert client.post(f"/postmortems/{postmortem.pk}/edit/", data).status_code == 302
    assert ActionItem.objects.get(pk=weak.pk).wording_issues == "vague"
    assert ActionItem.objects.get(pk=good.pk).wording_issues == ""


def test_trends_show_the_share_of_items_that_passed(login, org):
    from postmortems import trends

    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    for title, issues in [("Improve monitoring", "vague"), ("Enable TLS on staging", ""), ("Alert on lag", "")]:
        item = factories.add_action_item(postmortem, owner=org.people.author, title=title)
        ActionItem.objects.filter(pk=item.pk).update(wording_issues=issues)
    factories.add_action_item(postmortem, owner=org.people.author, title="Never checked")
    today = timezone.localdate()
    period = trends.Period(today - timedelta(days=30), today)
    months = trends.action_item_quality(ActionItem.objects.all(), period)
    assert sum(row["checked"] for row in months) == 3
    assert sum(row["passed"] for row in months) == 2
    html = login(org.people.member).get("/trends/").content.decode()
    assert "Action-item quality" in html
