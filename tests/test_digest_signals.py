"""The weekly digest tells a team's leads about its new early-warning signals, and nobody else."""
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.utils import timezone

from postmortems import digest
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

# A Monday, an hour after everyone's default digest moment (Monday 09:00 UTC).
NOW = datetime(2026, 6, 15, 10, tzinfo=dt_timezone.utc)


def overdue_items(team, due_days_ago, now=NOW):
    """Open items of one of the team's incidents, each due that many days before `now`."""
    postmortem = factories.make_incident(team, now - timedelta(days=80), title="Queue backlog")
    for days in due_days_ago:
        factories.add_item_at(postmortem, now - timedelta(days=70), due_date=now.date() - timedelta(days=days))


def test_a_lead_reads_a_signal_that_started_this_week_in_their_digest(org):
    # Overdue at the last four week-ends: 0, 1, 2, 4. A week ago it was 0, 0, 1, 2: no signal yet.
    overdue_items(org.payments, [16, 9, 2, 1])
    content = digest.build_digest(org.people.lead, now=NOW)
    (signal,) = content.signals
    assert signal.team == org.payments
    rendered = _bodies(content)
    assert "SIGNALS IN YOUR TEAMS" in rendered["text"]
    assert "Payments" in rendered["text"] and signal.text in rendered["text"]
    assert "Signals in your teams" in rendered["html"]
    assert f"/actions/?status=overdue&amp;team={org.payments.pk}" in rendered["html"]


def test_a_member_who_leads_no_team_gets_no_signals(org):
    overdue_items(org.payments, [16, 9, 2, 1])
    content = digest.build_digest(org.people.member, now=NOW)
    assert content.signals == []
    assert "SIGNALS IN YOUR TEAMS" not in _bodies(content)["text"]


def test_a_signal_that_already_held_last_week_is_not_news(org):
    # 1, 2, 3, 5 at the last four week-ends, and already 0, 1, 2, 3 a week ago.
    overdue_items(org.payments, [22, 15, 8, 1, 1])
    assert digest.build_digest(org.people.lead, now=NOW).signals == []


def test_the_preview_page_shows_the_leads_new_signals(org, login):
    # The page reads the clock: a rise that began within the last two weeks is new whatever the weekday.
    overdue_items(org.payments, [16, 9, 2, 1], now=timezone.now())
    page = login(org.people.lead).get("/digest/").content.decode()
    assert "Signals in your teams" in page
    assert f"/actions/?status=overdue&amp;team={org.payments.pk}" in page
    assert "Signals in your teams" not in login(org.people.member).get("/digest/").content.decode()


def _bodies(content):
    message = digest.digest_email(content)
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    return {"text": message.body, "html": html}
