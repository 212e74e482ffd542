"""The post-mortem list counts up to a cap, then pages on without a last page."""
import pytest

from postmortems import pagination
from postmortems.models import PostMortem
from postmortems.pagination import CappedPaginator
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def eight(org):
    """Eight technical post-mortems of Payments, newest last."""
    return [factories.make_postmortem(org.payments, title=f"Outage number {n}") for n in range(8)]


def newest_first():
    return PostMortem.objects.order_by("-created_at", "-id")


def test_below_the_cap_the_count_and_pages_are_exact(eight):
    paginator = CappedPaginator(newest_first(), 3, count_from=PostMortem.objects.all(), cap=10)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (8, False, 3)
    assert not paginator.page(3).has_next()


def test_past_the_cap_pages_go_on_until_the_rows_run_out(eight):
    paginator = CappedPaginator(newest_first(), 2, count_from=PostMortem.objects.all(), cap=3)
    assert paginator.capped and paginator.num_pages == 2  # counted 4 rows: a lower bound
    seen = []
    for number in range(1, 5):
        page = paginator.page(number)
        seen += [postmortem.title for postmortem in page]
        assert page.has_next() is (number < 4)
    assert seen == [postmortem.title for postmortem in reversed(eight)]
    # Beyond the last row: the last counted page rather than an error.
    assert paginator.get_page(99).number == 2
    assert paginator.get_page("not a number").number == 1


def test_the_list_page_says_more_than_the_cap_and_offers_next_to_the_end(eight, org, login, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    monkeypatch.setattr("postmortems.views.postmortems.PAGE_SIZE", 3)
    client = login(org.people.member)
    first = client.get("/").content.decode()
    assert "More than 3 post-mortems" in first
    assert "Page 1 of" not in first and 'rel="next"' in first

    last = client.get("/?page=3").content.decode()
    assert "Outage number 0" in last and "Outage number 1" in last
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_restricted_incidents_are_not_counted_towards_the_cap(org, login, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    for n in range(3):
        factories.make_postmortem(org.payments, title=f"Visible {n}")
    for n in range(4):
        factories.make_postmortem(org.payments, kind="people", title=f"Restricted {n}")
    page = login(org.people.member).get("/").content.decode()
    assert "3 post-mortems" in page and "More than" not in page
    assert "Restricted" not in page


def test_the_list_filtered_by_a_theme_alone_pages_on_past_the_cap_from_its_tally_count(eight, org, login, monkeypatch):
    # Its count comes from the theme tallies (incidents per theme), not from counting rows.
    theme = factories.shared_theme()
    for postmortem in eight:
        factories.add_factor(postmortem, theme=theme)
        factories.add_factor(postmortem, theme=theme, description="Named twice, listed once")
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    monkeypatch.setattr("postmortems.views.postmortems.PAGE_SIZE", 3)
    client = login(org.people.member)
    first = client.get("/", {"theme": theme.pk}).content.decode()
    assert "More than 3 post-mortems match these filters" in first and 'rel="next"' in first

    last = client.get("/", {"theme": theme.pk, "page": 3}).content.decode()
    assert "Outage number 0" in last and "Outage number 1" in last
    assert 'rel="next"' not in last

    monkeypatch.setattr(pagination, "COUNT_CAP", 10)
    assert "8 post-mortems match these filters" in client.get("/", {"theme": theme.pk}).content.decode()
