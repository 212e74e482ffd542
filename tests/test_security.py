"""Findings of the security review: stored XSS in the digest preview, dates and paging that could
raise a 500, and acknowledgement reasons PostgreSQL would refuse."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from postmortems import digest, publishing
from postmortems.models import BlameAcknowledgement
from tests import factories
from tests.test_publishing import COUNTERFACTUAL, publish_with_reasons

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def assert_no_hostile_markup(page):
    assert "<img src=x" not in page
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page, re.IGNORECASE)


# The digest preview ---------------------------------------------------------------------------

@pytest.fixture
def hostile_digest(org):
    """A reader whose digest carries hostile text others typed: a title, an item, a theme, their name."""
    reader = factories.make_user("eve", first_name=HOSTILE)
    factories.add_member(org.payments, reader)
    now = datetime.now(UTC)
    window = digest.build_digest(reader, now=now)
    factories.publish_at(factories.make_postmortem(org.payments, title=f"Title {HOSTILE}"),
                         window.starts + timedelta(hours=1))
    factories.add_action_item(factories.make_postmortem(org.payments), owner=reader, title=f"Item {HOSTILE}")
    theme = factories.shared_theme(f"Theme {HOSTILE}")
    for days_ago in (3, 10, 20):
        factories.make_incident(org.payments, now - timedelta(days=days_ago), themes=[theme])
    return reader


def plain_text_version(page):
    return page.split("The plain-text version", 1)[1].split("</pre>", 1)[0]


def test_digest_preview_escapes_hostile_text_in_the_plain_text_version(hostile_digest, login):
    response = login(hostile_digest).get(reverse("postmortems:digest"))
    page = response.content.decode()

    assert response.status_code == 200
    assert_no_hostile_markup(page)
    text = plain_text_version(page)
    assert f"Hello {ESCAPED}," in text
    assert f"* Title {ESCAPED}" in text
    assert f"* Item {ESCAPED}" in text
    assert f"“Theme {ESCAPED}” came up in 3 incidents" in text


# Dates and paging -------------------------------------------------------------------------------

@pytest.fixture
def tokyo(org, login):
    """A member east of UTC: midnight on 1 Jan 0001 in Tokyo is before the first UTC datetime."""
    factories.set_profile(org.people.member, timezone="Asia/Tokyo")
    factories.make_postmortem(org.payments, status="published")
    return login(org.people.member)


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=0001-01-01", "from=9999-12-31", "to=9999-12-31",
                                   "from=1969-12-31", "to=2101-01-01"])
def test_list_refuses_dates_out_of_range_with_a_message(tokyo, query):
    response = tokyo.get(f"/?{query}")
    assert response.status_code == 200
    assert "Choose a date from 1970-01-01 to 2100-12-31." in response.content.decode()


def test_list_accepts_the_ends_of_the_date_range(tokyo):
    response = tokyo.get("/?from=1970-01-01&to=2100-12-31")
    assert response.status_code == 200
    assert "Choose a date from" not in response.content.decode()


@pytest.mark.parametrize("dates", ["from=0001-01-01&to=0001-01-05", "from=9999-12-20&to=9999-12-30",
                                   "from=1969-12-30&to=1970-01-05", "from=2100-12-20&to=2101-01-02"])
def test_trends_refuse_a_custom_period_out_of_range_and_show_the_default(tokyo, dates):
    response = tokyo.get(f"/trends/?period=custom&{dates}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose dates from 1970-01-01 to 2100-12-31." in page
    assert "Showing the last 180 days." in page


def test_trends_accept_a_custom_period_at_the_start_of_the_range(tokyo):
    response = tokyo.get("/trends/?period=custom&from=1970-01-01&to=1970-03-31")
    assert response.status_code == 200
    assert "Choose dates from" not in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/actions/", "/trends/"])
@pytest.mark.parametrize("query", ["page=abc", "page=999999", "page=-1", "severity=9", "team=abc", "theme=-1",
                                   "team=999999", "kind=alien", "status=nope", "period=abc", "from=abc",
                                   "from=2025-02-30"])
def test_pages_answer_nonsense_parameters_without_an_error(tokyo, path, query):
    assert tokyo.get(f"{path}?{query}").status_code == 200


# Acknowledgement reasons --------------------------------------------------------------------------

def test_reasons_lose_control_characters_but_keep_line_breaks_and_tabs():
    reasons = publishing.reasons_from({"ack-a": "Quoted\x00 from\x07 the\tlog\r\nverbatim\x1b.", "ack-b": "\x00 \x01",
                                       "other": "\x00"})
    assert reasons == {"a": "Quoted from the\tlog\r\nverbatim."}


def test_reasons_are_capped():
    assert publishing.reasons_from({"ack-a": "x" * 5000})["a"] == "x" * publishing.REASON_MAX_LENGTH


def test_a_reason_with_a_nul_byte_publishes_and_is_stored_without_it(org, login):
    """PostgreSQL refuses NUL in text: the unchecked reason was a 500 there."""
    author = login(org.people.author)
    draft = factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout stalled")
    response, _ = publish_with_reasons(author, draft, ["Quoting\x00 Sam's retro note."], summary=COUNTERFACTUAL)

    assert response.status_code == 302
    [acknowledgement] = BlameAcknowledgement.objects.filter(postmortem=draft)
    assert acknowledgement.reason == "Quoting Sam's retro note."


def test_lead_sees_a_reason_with_control_characters_removed(org, login):
    draft = factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout stalled")
    publish_with_reasons(login(org.people.author), draft, ["Quoted\x0b verbatim."], summary=COUNTERFACTUAL)
    page = login(org.people.lead).get(draft.get_absolute_url()).content.decode()
    assert "Quoted verbatim." in page
