"""The trends page: who sees what, filters, links to the incidents behind each figure, query count."""
import json
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from postmortems import trends
from tests import factories

URL = "/trends/"
# 18 today: 11 for the figures (each overdue count reads open items and recently closed ones
# apart, so neither touches the closed history), the rest session, person, policy, time zone,
# teams and the team filter. Room for a little more, not for splitting the shared theme or
# action-item queries again.
MAX_QUERIES = 22


@pytest.fixture(autouse=True)
def quick(fast_passwords):
    """Cheap password hashing: the org fixture makes six people per test."""


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def charts(response):
    """The chart specs the page embeds for trends.js."""
    found = re.search(r'<script id="trend-charts" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    return json.loads(found.group(1))


def dataset(response, chart, label):
    return next(d for d in charts(response)[chart]["datasets"] if d["label"] == label)


def listed_titles(client, url):
    html = client.get(url).content.decode()
    return sorted(unescape(title) for title in re.findall(r'<h2 class="h5 mb-1"><a href="[^"]+">([^<]+)</a>', html))


@pytest.fixture
def recent(org):
    """Two technical incidents (Payments, Search) and one restricted people incident on Payments."""
    capacity = factories.shared_theme("Capacity")
    return {
        "payments": factories.make_incident(org.payments, days_ago(3), themes=[capacity], title="Checkout slow"),
        "search": factories.make_incident(org.search, days_ago(4), themes=[capacity], title="Index stale"),
        "people": factories.make_incident(org.payments, days_ago(5), kind="people", authors=[org.people.author],
                                          themes=[capacity], title="Rota burnout"),
    }


def test_trends_needs_a_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_navbar_links_to_trends(login, org):
    response = login(org.people.member).get("/")
    assert 'href="/trends/"' in response.content.decode()


def test_the_page_has_a_chart_and_a_table_with_caption_per_section(login, org, recent):
    response = login(org.people.member).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert set(charts(response)) == {"incidents-kind", "incidents-severity", "themes-over-time", "themes-top",
                                     "follow-through", "action-quality", "publish-delay", "blame-rate"}
    for name in charts(response):
        assert f'data-chart="{name}"' in html
    assert html.count("<caption>") == 8
    assert '<th scope="col"' in html and '<th scope="row"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/trends.js" in html
    assert "<script>" not in html  # no inline JavaScript: the data travels as JSON


def test_a_member_gets_counts_without_the_people_incident_they_cannot_see(login, org, recent):
    member = login(org.people.member).get(URL)
    lead = login(org.people.lead).get(URL)
    assert sum(dataset(member, "incidents-kind", "People")["data"]) == 0
    assert sum(dataset(lead, "incidents-kind", "People")["data"]) == 1
    assert sum(dataset(member, "incidents-kind", "Technical")["data"]) == 2
    assert "Rota burnout" not in member.content.decode()


def test_the_lead_sees_the_theme_count_hidden_where_it_includes_one_people_incident(login, org, recent):
    lead = login(org.people.lead).get(URL)
    member = login(org.people.member).get(URL)
    assert "hidden<a" in lead.content.decode()
    assert "hidden<a" not in member.content.decode()
    assert dataset(member, "themes-top", "This period")["data"] == [2]
    assert dataset(lead, "themes-top", "This period")["data"] == []  # hidden themes are left out of the chart


def test_filters_narrow_by_team_and_kind(login, org, recent):
    client = login(org.people.lead)
    only_search = client.get(URL, {"team": org.search.pk})
    assert sum(dataset(only_search, "incidents-kind", "Technical")["data"]) == 1
    both = client.get(URL, {"team": [org.search.pk, org.payments.pk], "kind": "technical"})
    assert sum(dataset(both, "incidents-kind", "Technical")["data"]) == 2
    assert sum(dataset(both, "incidents-kind", "People")["data"]) == 0


def test_a_custom_period(login, org, recent):
    old = factories.make_incident(org.payments, datetime(2024, 2, 10, 12, tzinfo=UTC), title="Old one")
    response = login(org.people.member).get(URL, {"period": "custom", "from": "2024-01-01", "to": "2024-03-31"})
    assert charts(response)["incidents-kind"]["labels"] == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert dataset(response, "incidents-kind", "Technical")["data"] == [0, 1, 0]
    assert old.title not in response.content.decode()  # only repeat themes list titles


def test_an_unusable_custom_period_says_why_and_shows_the_default(login, org, recent):
    response = login(org.people.member).get(URL, {"period": "custom", "from": "2024-05-01", "to": "2024-01-01"})
    assert "The first date comes after the last one." in response.content.decode()
    assert len(charts(response)["incidents-kind"]["labels"]) in (6, 7)  # the last 180 days


def test_the_last_30_days(login, org, recent):
    factories.make_incident(org.payments, days_ago(60))
    response = login(org.people.member).get(URL, {"period": "30"})
    assert sum(dataset(response, "incidents-kind", "Technical")["data"]) == 2


def test_every_bar_links_to_the_incidents_behind_it(login, org, recent):
    client = login(org.people.lead)
    response = client.get(URL, {"team": org.payments.pk})
    technical, people = dataset(response, "incidents-kind", "Technical"), dataset(response, "incidents-kind", "People")
    month = technical["data"].index(1) if 1 in technical["data"] else None
    assert month is not None
    assert listed_titles(client, technical["urls"][month]) == ["Checkout slow"]
    assert listed_titles(client, people["urls"][people["data"].index(1)]) == ["Rota burnout"]


def test_a_theme_link_lists_the_incidents_with_the_theme(login, org, recent):
    client = login(org.people.member)
    top = dataset(client.get(URL), "themes-top", "This period")
    assert listed_titles(client, top["urls"][0]) == ["Checkout slow", "Index stale"]


def test_table_cells_are_links_to_the_same_lists(login, org, recent):
    response = login(org.people.member).get(URL)
    technical = dataset(response, "incidents-kind", "Technical")
    # The newest month with incidents: on the first of a month the current one is still empty.
    url = [url for url, count in zip(technical["urls"], technical["data"]) if count][-1]
    html = response.content.decode()
    assert f'href="{url.replace("&", "&amp;")}"' in html


def test_repeat_themes_link_to_their_incidents(login, org, recent):
    factories.make_incident(org.search, days_ago(6), themes=[factories.shared_theme("Capacity")], title="Third")
    response = login(org.people.member).get(URL)
    html = response.content.decode()
    assert 'class="repeat-theme"' in html
    for incident in ("payments", "search"):
        assert f'href="/postmortems/{recent[incident].pk}/"' in html
    assert f'href="/postmortems/{recent["people"].pk}/"' not in html


def test_a_long_repeat_theme_shows_its_newest_six_and_links_to_all(login, org, recent):
    capacity = factories.shared_theme("Capacity")
    for day in range(6, 12):
        factories.make_incident(org.search, days_ago(day), themes=[capacity], title=f"Older {day}")
    html = login(org.people.member).get(URL).content.decode()
    row = re.search(r'<tr class="repeat-theme">(.*?)</tr>', html, re.S).group(1)
    assert len(re.findall(r'href="/postmortems/\d+/"', row)) == 6
    assert "Older 10" not in row and "Older 11" not in row  # the two oldest of eight
    assert ">all 8…</a>" in row


def test_the_list_filters_by_incident_dates(login, org):
    factories.make_incident(org.payments, datetime(2025, 3, 31, 22, tzinfo=UTC), title="Late March")
    factories.make_incident(org.payments, datetime(2025, 4, 1, 9, tzinfo=UTC), title="Early April")
    client = login(org.people.member)
    assert listed_titles(client, "/?from=2025-04-01&to=2025-04-30") == ["Early April"]
    assert listed_titles(client, "/?to=2025-03-31") == ["Late March"]


def test_the_list_accepts_several_teams_from_a_trends_link(login, org, recent):
    client = login(org.people.member)
    url = trends.incidents_url(team=[org.payments.pk, org.search.pk], kind="technical")
    assert listed_titles(client, url) == ["Checkout slow", "Index stale"]
    assert listed_titles(client, f"/?team={org.search.pk}") == ["Index stale"]


def test_the_list_accepts_another_teams_theme_seen_in_a_readable_post_mortem(login, org):
    theme = factories.make_theme(org.search, "Shard balancing")
    factories.make_incident(org.search, days_ago(2), themes=[theme], title="Hot shard")
    factories.make_incident(org.search, days_ago(2), title="Other")
    assert listed_titles(login(org.people.member), f"/?theme={theme.pk}") == ["Hot shard"]


def make_history(org, count):
    """`count` incidents over six months, each with two themes and an action item, some restricted."""
    themes = [factories.shared_theme(name) for name in ("Capacity", "Alert fatigue", "Knowledge silo")]
    for n in range(count):
        kind = "people" if n % 4 == 0 else "technical"
        postmortem = factories.make_incident(
            org.payments if n % 2 else org.search, days_ago(2 + n * 170 // count), kind=kind,
            authors=[org.people.author], themes=themes[n % 3:n % 3 + 2], word_count=400,
            blame_counts={"hindsight": n % 2}, published_after=timedelta(days=1 + n % 5),
        )
        factories.add_item_at(postmortem, days_ago(1 + n * 160 // count), due_date=date.today() - timedelta(days=1))
        factories.add_item_at(postmortem, days_ago(1 + n * 150 // count), closed_at=timezone.now())


def count_queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get(URL).status_code == 200
    return len(context.captured_queries)


def test_query_count_does_not_grow_with_the_incidents(login, org, django_assert_max_num_queries):
    client = login(org.people.lead)
    make_history(org, 8)
    client.get(URL)  # a session's first page also does sign-in bookkeeping (two-factor devices, session save)
    with django_assert_max_num_queries(MAX_QUERIES):
        small = count_queries(client)
    make_history(org, 60)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = count_queries(client)
    assert small == large
