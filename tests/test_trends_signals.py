"""The trends page's signals, team pulse and near misses by theme (issue 12)."""
import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.test_early_warning import STEADY, incidents_with, near_miss, overdue_items, pulse_history
from tests.test_trend_views import charts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

URL = "/trends/"


def recent_now():
    """A day ago: every week before its week has closed, whatever the day and hour of the test run."""
    return timezone.now() - timedelta(days=1)


def signal_items(html):
    return re.findall(r'<li class="[^"]*trend-signal" data-signal="([a-z_]+)">(.*?)</li>', html, re.S)


def signal_links(html):
    return [unescape(url) for url in re.findall(r'<a href="([^"]+)">See the data behind it</a>', html)]


@pytest.fixture
def drifting(org):
    """Payments' pulse fell for the last two periods."""
    pulse_history(org.payments, STEADY + [3.0, 3.0], now=recent_now())
    return org


def test_a_member_sees_the_pulse_signal_with_a_link_to_the_results(login, drifting):
    client = login(drifting.people.member)
    html = client.get(URL).content.decode()
    items = signal_items(html)
    assert [kind for kind, _ in items] == ["pulse"] * 5
    assert "below its usual range for 2 periods in a row" in items[0][1]
    assert "Payments" in items[0][1]
    for url in set(signal_links(html)):
        assert url == f"/pulse/{drifting.payments.slug}/"
        assert client.get(url).status_code == 200


def test_each_statement_has_a_chart_and_a_table_with_its_usual_range(login, drifting):
    response = login(drifting.people.lead).get(URL)
    html = response.content.decode()
    pulse_charts = {name: spec for name, spec in charts(response).items() if name.startswith("pulse-")}
    assert len(pulse_charts) == 5
    spec = next(iter(pulse_charts.values()))
    assert [dataset["label"] for dataset in spec["datasets"]] == [
        "Mean score", "Usual range, low end", "Usual range, high end"]
    assert spec["datasets"][0]["data"][-2:] == [3.0, 3.0]
    assert spec["datasets"][1]["data"][:6] == [None] * 6  # no range before six periods of history
    assert html.count("Table of every period") == 5
    assert "▼ below the usual range" in html  # text and a symbol, not colour alone
    assert f'data-chart="{next(iter(pulse_charts))}"' in html


def test_a_team_below_the_threshold_shows_no_pulse_numbers_and_no_signal(login, org):
    pulse_history(org.payments, STEADY + [1.0, 1.0], respondents=4, now=recent_now())
    response = login(org.people.lead).get(URL)
    html = response.content.decode()
    assert "Not enough responses yet." in html
    assert not [name for name in charts(response) if name.startswith("pulse-")]
    assert signal_items(html) == []
    assert "Table of every period" not in html
    assert not re.search(r"\b4 responses\b|\b4 answers\b", html)


def test_a_team_without_a_pulse_says_so(login, org):
    html = login(org.people.member).get(URL).content.decode()
    assert "No pulse yet for this team." in html
    assert "No signals for your teams" in html


def test_people_outside_a_team_see_nothing_of_its_pulse(login, drifting):
    html = login(drifting.people.other_team).get(URL).content.decode()
    assert "Payments" not in re.search(r'<section id="pulse".*?</section>', html, re.S).group(0)
    assert signal_items(html) == []


def test_every_kind_of_signal_links_to_a_page_that_opens(login, org):
    now = recent_now()
    pulse_history(org.payments, STEADY + [3.0, 3.0], now=now)
    theme = factories.shared_theme("Alert fatigue")
    for days_ago in (2, 5, 9):
        near_miss(org.payments, theme, days_ago, now=timezone.now())
    overdue_items(org.payments, [22, 15, 8, 1, 1], now=timezone.now())
    incidents_with(org.payments, factories.shared_theme("Unclear ownership"), technical=1, people=3,
                   author=org.people.author, now=timezone.now())
    client = login(org.people.lead)
    html = client.get(URL).content.decode()
    assert {kind for kind, _ in signal_items(html)} == {"pulse", "near_misses", "overdue", "theme_across_kinds"}
    for url in set(signal_links(html)):
        assert client.get(url).status_code == 200, url
    overdue = next(url for url in signal_links(html) if url.startswith("/actions/"))
    assert "Queue backlog" in client.get(overdue).content.decode()


def test_restricted_incidents_make_no_theme_signal_for_a_member(login, org):
    incidents_with(org.payments, factories.shared_theme("Unclear ownership"), technical=2, people=3,
                   author=org.people.author, now=timezone.now())
    assert [kind for kind, _ in signal_items(login(org.people.lead).get(URL).content.decode())] == [
        "theme_across_kinds"]
    member = login(org.people.member).get(URL).content.decode()
    assert signal_items(member) == []
    assert "Unclear ownership" not in re.search(r'<section id="signals".*?</section>', member, re.S).group(0)


# Near misses by theme ----------------------------------------------------------------------

def near_miss_row(html, name):
    table = re.search(r"<caption>Near misses per theme.*?</table>", html, re.S).group(0)
    row = re.search(rf'<th scope="row"[^>]*>{re.escape(name)}</th>(.*?)</tr>', table, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_near_misses_are_counted_by_theme_beside_incidents(login, org):
    capacity = factories.shared_theme("Capacity")
    factories.make_incident(org.payments, timezone.now() - timedelta(days=3), themes=[capacity])
    for days_ago in (2, 4):
        near_miss(org.payments, capacity, days_ago, now=timezone.now())
    near_miss(org.payments, factories.shared_theme("Alert fatigue"), 3, now=timezone.now())
    client = login(org.people.member)
    html = client.get(URL).content.decode()
    assert near_miss_row(html, "Capacity") == ["2", "1"]
    assert near_miss_row(html, "Alert fatigue") == ["1", "0"]
    link = unescape(re.search(r'<a href="(/near-misses/\?[^"]+)">2</a>', html).group(1))
    assert f"theme={capacity.pk}" in link
    listed = client.get(link)
    assert listed.status_code == 200
    assert listed.content.decode().count("A config push almost reached every region at once.") == 2


def test_a_near_miss_count_with_one_people_near_miss_is_withheld(login, org):
    capacity = factories.shared_theme("Capacity")
    near_miss(org.payments, capacity, 2, now=timezone.now())
    near_miss(org.payments, capacity, 3, kind="people", now=timezone.now())
    lead = login(org.people.lead).get(URL).content.decode()
    member = login(org.people.member).get(URL).content.decode()
    assert near_miss_row(lead, "Capacity")[0].startswith("hidden")
    assert near_miss_row(member, "Capacity")[0] == "1"  # the people near miss is not theirs to read


def test_no_near_misses_says_so_without_a_table(login, org):
    html = login(org.people.member).get(URL).content.decode()
    assert "No triaged near misses with a theme in this period." in html
    assert "Near misses per theme" not in html


# Queries -----------------------------------------------------------------------------------

def count_queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get(URL).status_code == 200
    return len(context.captured_queries)


def test_the_page_query_count_does_not_grow_with_periods_statements_or_near_misses(login, org):
    now = recent_now()
    pulse_history(org.payments, STEADY + [3.0, 3.0], now=now)
    theme = factories.shared_theme("Alert fatigue")
    for days_ago in (2, 5, 9):
        near_miss(org.payments, theme, days_ago, now=timezone.now())
    client = login(org.people.lead)
    client.get(URL)
    small = count_queries(client)
    factories.add_member(org.search, org.people.lead)
    client = login(org.people.lead)
    client.get(URL)
    with_second_team = count_queries(client)
    for days_ago in (3, 4, 6, 7, 40, 41):
        near_miss(org.payments, theme, days_ago, now=timezone.now())
    near_miss(org.payments, factories.shared_theme("Capacity"), 3, now=timezone.now())
    assert count_queries(client) == with_second_team
    # The fixed part stays within the dashboard's budget plus the pulse history and the near-miss
    # rise of the one team that has them; a team with neither costs nothing more.
    print("trends page queries", small)
    assert small <= 26
    assert with_second_team == small


def test_the_team_filter_narrows_the_signals_to_the_ticked_teams(login, drifting):
    client = login(drifting.people.lead)
    assert signal_items(client.get(URL, {"team": drifting.payments.pk}).content.decode())
    html = client.get(URL, {"team": drifting.search.pk}).content.decode()
    assert signal_items(html) == []
    assert "None of the ticked teams is one of yours" in html
