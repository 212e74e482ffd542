"""The body each endpoint format gets for an event, built from the event's frozen data.

`debrief` is the event as JSON; `slack` a Slack-compatible incoming-webhook message with
blocks and a button; `text` a plain `{"text": ...}` for Mattermost- and Teams-compatible
endpoints. A people post-mortem's event has no title in its data, so chat messages say
only that something happened in the team, with the (permission-checked) link.
"""
import copy
import json

from postmortems.models import PostMortem
from webhooks import events

from webhooks.models import ITEM_CREATED, ITEM_DONE, ITEM_OVERDUE, PUBLISHED, Endpoint


def body(event, endpoint_format, *, delivery_id=None):
    """The request body as bytes: exactly what is signed and sent."""
    if event.postmortem is not None and event.postmortem.kind == PostMortem.Kind.PEOPLE:
        # Made a people post-mortem after the event was recorded: it is sent redacted all the same.
        event = copy.copy(event)
        event.data = events.redacted(event.data)
    if endpoint_format == Endpoint.Format.SLACK:
        message = slack_message(event)
    elif endpoint_format == Endpoint.Format.TEXT:
        message = {"text": sentence(event, markup=str)}
    else:
        message = debrief_payload(event, delivery_id=delivery_id)
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def debrief_payload(event, *, delivery_id=None):
    return {"id": event.pk, "delivery": delivery_id, "created_at": event.created_at.isoformat(), **event.data}


def is_restricted(event):
    return event.data.get("postmortem", {}).get("kind") == "people"


def slack_escape(text):
    """Slack's mrkdwn escaping: without it a title could say <!channel> and ping everyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sentence(event, *, markup):
    """One line saying what happened; `markup` escapes the text taken from the post-mortem."""
    data = event.data
    team = markup(data["team"]["name"])
    if is_restricted(event):
        if event.kind == PUBLISHED:
            return f"A people post-mortem was published in {team}: {data['postmortem']['url']}"
        return f"An action item of a people post-mortem in {team} is {_what(event.kind)}: {_url(data)}"
    if event.kind == PUBLISHED:
        return f"Post-mortem published in {team}: {markup(data['postmortem']['title'])} {_url(data)}"
    item = data["action_item"]
    due = f" (due {item['due_date']})" if item.get("due_date") else ""
    return (f"Action item {_what(event.kind)} in {team}: {markup(item['title'])}{due}, "
            f"from “{markup(data['postmortem']['title'])}” {_url(data)}")


def _what(kind):
    return {ITEM_CREATED: "new", ITEM_OVERDUE: "overdue", ITEM_DONE: "done"}.get(kind, kind)


def _url(data):
    return data.get("action_item", data.get("postmortem", {})).get("url", "")


def slack_message(event):
    """A section with the news and a button to open it; `text` is the notification fallback."""
    url = _url(event.data)
    return {
        "text": sentence(event, markup=slack_escape),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": sentence(event, markup=slack_escape)}},
            {"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Open in Debrief"}, "url": url},
            ]},
        ],
        "unfurl_links": False,
    }
