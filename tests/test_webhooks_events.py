"""Webhook events: each recorded once, in the writer's transaction, from the path that makes the change;
and what each endpoint format says, with people post-mortems redacted."""
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from postmortems import actions
from postmortems.models import ActionItem, PostMortem
from tests import factories
from tests.test_api_helpers import token_client
from webhooks import events, payloads
from webhooks.models import ITEM_CREATED, ITEM_DONE, ITEM_OVERDUE, PUBLISHED, Endpoint, Event

ALL_KINDS = [PUBLISHED, ITEM_CREATED, ITEM_OVERDUE, ITEM_DONE]


def url(name, *args):
    return reverse(f"postmortems:{name}", args=args)


def kinds():
    return list(Event.objects.order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def draft(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout stalled")


@pytest.fixture
def author(org, login):
    return login(org.people.author)


# Recording from each path --------------------------------------------------------------

def test_publishing_in_the_editor_records_one_event_and_saving_again_none(author, draft):
    response, _ = factories.submit_editor(author, url("edit", draft.pk), "publish")
    assert response.status_code == 302
    factories.submit_editor(author, url("edit", draft.pk), "publish")
    factories.submit_editor(author, url("edit", draft.pk), "save")

    assert kinds() == [PUBLISHED]
    event = Event.objects.get()
    assert (event.team, event.postmortem, event.data["postmortem"]["title"]) == (draft.team, draft, "Checkout stalled")


def test_publishing_from_the_status_button_records_one_event_even_when_published_twice(author, draft):
    for status in ("published", "draft", "published"):
        draft.refresh_from_db()
        response = author.post(url("status", draft.pk), {"status": status, "version": draft.version})
        assert response.status_code == 302

    assert kinds() == [PUBLISHED]


def test_a_new_action_item_in_the_editor_records_created_and_an_edit_records_nothing(author, draft):
    data = factories.open_editor(author, url("edit", draft.pk))
    data.update({"actions-0-title": "Alert on pool saturation", "actions-0-priority": "high",
                 "actions-0-status": "open", "action": "save"})
    assert author.post(url("edit", draft.pk), data).status_code == 302
    item = ActionItem.objects.get()

    data = factories.open_editor(author, url("edit", draft.pk))
    data.update({factories.row_prefix(data, "actions", item.pk) + "-title": "Alert on pool saturation at 80%",
                 "action": "save"})
    assert author.post(url("edit", draft.pk), data).status_code == 302

    assert kinds() == [ITEM_CREATED]
    assert Event.objects.get().item == item


def without_item_identity(data):
    """An event's data less the item's own id and link, which differ between two items by design."""
    item = {key: value for key, value in data["action_item"].items() if key not in ("id", "url")}
    return {**data, "action_item": item}


def test_a_new_action_item_through_the_api_records_created_as_the_editor_does(org, author, draft):
    fields = {"title": "Alert on pool saturation", "priority": "high", "due_date": "2030-01-02"}
    data = factories.open_editor(author, url("edit", draft.pk))
    data.update({f"actions-0-{name}": value for name, value in fields.items()})
    data.update({"actions-0-owner": org.people.member.pk, "actions-0-status": "open", "action": "save"})
    assert author.post(url("edit", draft.pk), data).status_code == 302
    from_editor = Event.objects.get()

    response = token_client(org.people.author).post(
        "/api/v1/action-items/", {"postmortem": draft.pk, "owner": org.people.member.pk, **fields}, format="json")
    assert response.status_code == 201, response.json()

    assert kinds() == [ITEM_CREATED, ITEM_CREATED]
    from_api = Event.objects.latest("pk")
    assert (from_api.item_id, from_api.team, from_api.postmortem) == (response.json()["id"], draft.team, draft)
    assert from_api.data["action_item"]["id"] == response.json()["id"]
    assert without_item_identity(from_api.data) == without_item_identity(from_editor.data)


def test_an_action_item_refused_by_the_api_records_no_event(org, draft):
    response = token_client(org.people.member).post(
        "/api/v1/action-items/", {"postmortem": draft.pk, "title": "Alert on pool saturation"}, format="json")
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_marking_done_records_one_event_per_closing(org, author, draft):
    item = factories.add_action_item(draft, owner=org.people.author)
    assert author.post(url("action-done", item.pk), {"note": ""}).status_code == 302
    assert author.post(url("action-done", item.pk), {"note": ""}).status_code == 302

    assert kinds() == [ITEM_DONE]
    assert Event.objects.get().data["action_item"]["status"] == "done"


def test_done_in_the_editor_records_the_event(org, author, draft):
    item = factories.add_action_item(draft, owner=org.people.author)
    data = factories.open_editor(author, url("edit", draft.pk))
    data.update({factories.row_prefix(data, "actions", item.pk) + "-status": "done", "action": "save"})
    assert author.post(url("edit", draft.pk), data).status_code == 302

    assert kinds() == [ITEM_DONE]


def test_a_change_rolled_back_records_no_event(org, draft):
    item = factories.add_action_item(draft, owner=org.people.author)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.mark_done(item, actor=org.people.author)
        raise RuntimeError("the caller's transaction fails after the change")

    assert not Event.objects.exists()


def test_overdue_is_recorded_once_per_due_date_for_teams_that_want_it(org, draft):
    Endpoint.objects.create(team=org.payments, name="chat", url="https://hooks.example.test/x", events=[ITEM_OVERDUE])
    late = factories.add_action_item(draft, owner=org.people.author, due_in_days=-1)
    factories.add_action_item(draft, owner=org.people.author, due_in_days=3)
    factories.add_action_item(draft, owner=org.people.author, due_in_days=-2, status=ActionItem.Status.DONE)
    elsewhere = factories.make_postmortem(org.search)
    factories.add_action_item(elsewhere, due_in_days=-1)  # Search has no endpoint: nothing recorded

    assert events.record_overdue() == 1
    assert events.record_overdue() == 0
    late.due_date = timezone.localdate() - timedelta(days=3)  # moved, and overdue again on its new date
    late.save()
    assert events.record_overdue() == 1

    assert kinds() == [ITEM_OVERDUE, ITEM_OVERDUE]
    assert set(Event.objects.values_list("item", flat=True)) == {late.pk}


def test_items_long_overdue_are_not_reported_to_a_new_endpoint(org, draft):
    factories.add_action_item(draft, due_in_days=-30)
    Endpoint.objects.create(team=org.payments, name="chat", url="https://hooks.example.test/x", events=[ITEM_OVERDUE])

    assert events.record_overdue() == 0


# Formats ---------------------------------------------------------------------------

def event_for(postmortem, kind=PUBLISHED, item=None):
    return events.record(kind, team=postmortem.team, postmortem=postmortem, item=item)


def test_debrief_format_carries_the_event_with_links(org):
    postmortem = factories.make_postmortem(org.payments, title="Checkout stalled", status="published", severity=2)
    item = factories.add_action_item(postmortem, owner=org.people.member, title="Alert on pool saturation")
    event = event_for(postmortem, ITEM_CREATED, item)

    body = json.loads(payloads.body(event, "debrief", delivery_id=7))

    assert body["id"] == event.pk and body["delivery"] == 7 and body["type"] == ITEM_CREATED
    assert body["team"] == {"id": org.payments.pk, "slug": org.payments.slug, "name": "Payments"}
    assert body["postmortem"]["title"] == "Checkout stalled" and body["postmortem"]["severity"] == 2
    assert body["postmortem"]["url"].endswith(postmortem.get_absolute_url())
    assert body["action_item"]["title"] == "Alert on pool saturation"
    assert body["action_item"]["owner"] == "mo"
    assert body["action_item"]["url"].endswith(url("action-detail", item.pk))


def test_slack_format_is_a_message_with_blocks_and_a_link_button(org):
    postmortem = factories.make_postmortem(org.payments, title="Checkout stalled", status="published")
    body = json.loads(payloads.body(event_for(postmortem), "slack"))

    assert "Post-mortem published in Payments: Checkout stalled" in body["text"]
    section, buttons = body["blocks"]
    assert section["type"] == "section" and "Checkout stalled" in section["text"]["text"]
    assert buttons["elements"][0]["url"].endswith(postmortem.get_absolute_url())


def test_slack_format_escapes_control_sequences_in_titles(org):
    postmortem = factories.make_postmortem(org.payments, title="<!channel> & <https://evil.test|click>")
    body = json.loads(payloads.body(event_for(postmortem), "slack"))

    assert "<!channel>" not in body["text"] and "&lt;!channel&gt; &amp; &lt;https://evil.test|click&gt;" in body["text"]
    assert "<!channel>" not in body["blocks"][0]["text"]["text"]


def test_text_format_is_a_single_text_field(org):
    postmortem = factories.make_postmortem(org.payments, title="Checkout stalled")
    item = factories.add_action_item(postmortem, title="Alert on pool saturation", due_in_days=-1)
    body = json.loads(payloads.body(event_for(postmortem, ITEM_OVERDUE, item), "text"))

    assert list(body) == ["text"]
    assert body["text"].startswith("Action item overdue in Payments: Alert on pool saturation (due ")
    assert "Checkout stalled" in body["text"] and url("action-detail", item.pk) in body["text"]


# People post-mortems ------------------------------------------------------------------

SECRET_WORDS = ["Harassment complaint", "Summary nobody outside may read", "Talk to the manager"]


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("endpoint_format", ["debrief", "slack", "text"])
def test_people_incident_events_carry_no_title_or_text(org, kind, endpoint_format):
    postmortem = factories.make_postmortem(
        org.payments, kind=PostMortem.Kind.PEOPLE, title=SECRET_WORDS[0], summary=SECRET_WORDS[1], status="published",
    )
    item = factories.add_action_item(postmortem, owner=org.people.lead, title=SECRET_WORDS[2], due_in_days=-1)
    event = event_for(postmortem, kind, None if kind == PUBLISHED else item)

    raw = payloads.body(event, endpoint_format).decode()

    assert not any(word in raw for word in SECRET_WORDS + ['"lin"', '"medium"'])
    assert postmortem.get_absolute_url() in raw or url("action-detail", item.pk) in raw


def test_people_incident_payload_has_only_ids_kind_team_status_and_links(org):
    postmortem = factories.make_postmortem(org.payments, kind=PostMortem.Kind.PEOPLE, title=SECRET_WORDS[0])
    item = factories.add_action_item(postmortem, title=SECRET_WORDS[2])
    body = json.loads(payloads.body(event_for(postmortem, ITEM_DONE, item), "debrief"))

    assert set(body["postmortem"]) == {"id", "kind", "status", "url"}
    assert set(body["action_item"]) == {"id", "status", "url"}


def test_people_incident_chat_message_says_only_that_one_was_published(org):
    postmortem = factories.make_postmortem(org.payments, kind=PostMortem.Kind.PEOPLE, title=SECRET_WORDS[0])
    event = event_for(postmortem)

    text = json.loads(payloads.body(event, "text"))["text"]
    slack = json.loads(payloads.body(event, "slack"))

    assert text.startswith("A people post-mortem was published in Payments: http")
    assert slack["text"].startswith("A people post-mortem was published in Payments")
    assert slack["blocks"][1]["elements"][0]["url"].endswith(postmortem.get_absolute_url())


def test_the_link_in_a_people_incident_event_is_a_404_for_outsiders(org, login):
    postmortem = factories.make_postmortem(org.payments, kind=PostMortem.Kind.PEOPLE, authors=[org.people.author])
    link = event_for(postmortem).data["postmortem"]["url"]
    path = link.split("://", 1)[1].split("/", 1)[1]

    assert login(org.people.member).get("/" + path).status_code == 404
    assert login(org.people.author).get("/" + path).status_code == 200


def test_an_incident_made_a_people_one_after_its_event_is_sent_redacted(org):
    postmortem = factories.make_postmortem(org.payments, title=SECRET_WORDS[0], status="published")
    event = event_for(postmortem)
    PostMortem.objects.filter(pk=postmortem.pk).update(kind=PostMortem.Kind.PEOPLE)
    event = Event.objects.select_related("postmortem").get(pk=event.pk)

    for endpoint_format in ("debrief", "slack", "text"):
        assert SECRET_WORDS[0] not in payloads.body(event, endpoint_format).decode()
