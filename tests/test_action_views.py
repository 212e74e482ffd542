"""The action-item pages: permissions, filters, order, pages, CSV, quick actions and query counts."""
import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from postmortems.models import ActionItem, ActionItemChange, Profile
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

HTMX = {"HTTP_HX_REQUEST": "true"}
DASHBOARD = reverse("postmortems:actions")
MINE = reverse("postmortems:my-actions")
CSV_URL = reverse("postmortems:actions-csv")
MY_CSV_URL = reverse("postmortems:my-actions-csv")


def url(name, item):
    return reverse(f"postmortems:{name}", args=[item.pk])


def listed(response):
    return [item.title for item in response.context["page"].object_list]


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def items(org):
    """Payments: a technical incident (author Ada) and a restricted people incident (author Ada)."""
    p = org.people
    technical = factories.make_postmortem(org.payments, authors=[p.author], title="Checkout timeouts")
    people = factories.make_postmortem(org.payments, kind="people", authors=[p.author], title="Lost escalation")
    return {
        "overdue": factories.add_action_item(technical, owner=p.member, title="Overdue alert", due_in_days=-3),
        "soon": factories.add_action_item(technical, owner=p.author, title="Soon runbook", due_in_days=2,
                                          priority="high"),
        "later": factories.add_action_item(technical, owner=p.member, title="Later review", due_in_days=20),
        "restricted": factories.add_action_item(people, owner=p.member, title="Restricted handover",
                                                due_in_days=-1),
    }


# Who sees what ----------------------------------------------------------------------

QUICK_POSTS = [
    ("action-done", {"note": ""}),
    ("action-due-date", {"due_date": "2030-01-01", "reason": "Because"}),
    ("action-owner", {"owner": "OWNER"}),
]


def post_data(data, org):
    return {key: (org.people.author.pk if value == "OWNER" else value) for key, value in data.items()}


def test_restricted_item_is_404_on_every_url_for_a_member_who_owns_it(items, org, login):
    client = login(org.people.member)
    item = items["restricted"]
    assert client.get(url("action-detail", item)).status_code == 404
    for name, data in QUICK_POSTS:
        assert client.post(url(name, item), post_data(data, org)).status_code == 404
        assert client.post(url(name, item), post_data(data, org), **HTMX).status_code == 404
    item.refresh_from_db()
    assert item.status == ActionItem.Status.OPEN
    assert not item.changes.exists()


@pytest.mark.parametrize("role", ["member", "outsider", "other_team"])
def test_restricted_item_is_absent_from_lists_summaries_and_csv(items, org, login, role):
    client = login(getattr(org.people, role))
    for list_url in [DASHBOARD, MINE, f"{DASHBOARD}?status=all", f"{MINE}?status=all"]:
        response = client.get(list_url)
        assert "Restricted handover" not in response.content.decode()
    for export in [CSV_URL, MY_CSV_URL, f"{CSV_URL}?status=all", f"{MY_CSV_URL}?status=all"]:
        assert "Restricted handover" not in client.get(export).content.decode()
    summary = client.get(reverse("postmortems:actions-summary") + "?status=overdue").content.decode()
    assert "Restricted handover" not in summary


def test_restricted_postmortem_cannot_be_probed_through_the_filter(items, org, login):
    client = login(org.people.member)
    restricted_pm = items["restricted"].postmortem
    response = client.get(f"{DASHBOARD}?status=all&postmortem={restricted_pm.pk}")
    assert "Restricted handover" not in response.content.decode()
    assert set(listed(response)) == {"Overdue alert", "Soon runbook", "Later review"}


def test_lead_sees_the_restricted_item_of_their_team(items, org, login):
    client = login(org.people.lead)
    assert "Restricted handover" in listed(client.get(f"{DASHBOARD}?status=all"))
    assert client.get(url("action-detail", items["restricted"])).status_code == 200


def test_member_who_may_see_but_not_edit_gets_403_on_quick_actions(items, org, login):
    client = login(org.people.member)
    item = items["soon"]  # owned by Ada, on a technical Payments incident
    detail = client.get(url("action-detail", item))
    assert detail.status_code == 200
    assert "Confirm done" not in detail.content.decode()
    for name, data in QUICK_POSTS:
        assert client.post(url(name, item), post_data(data, org)).status_code == 403
    assert not item.changes.exists()


def test_person_outside_the_team_gets_404_for_a_draft_technical_item(items, org, login):
    client = login(org.people.outsider)
    assert client.get(url("action-detail", items["soon"])).status_code == 404
    assert client.post(url("action-done", items["soon"])).status_code == 404


def test_owner_who_is_not_an_editor_may_change_their_item(items, org, login):
    client = login(org.people.member)
    response = client.post(url("action-done", items["overdue"]), {"note": "Shipped", "next": DASHBOARD})
    assert response.status_code == 302
    items["overdue"].refresh_from_db()
    assert items["overdue"].status == ActionItem.Status.DONE


def test_lead_may_change_any_item_of_their_team(items, org, login):
    client = login(org.people.lead)
    response = client.post(url("action-owner", items["later"]), {"owner": org.people.author.pk})
    assert response.status_code == 302
    items["later"].refresh_from_db()
    assert items["later"].owner == org.people.author


def test_pages_need_a_login(items, client):
    for page in [DASHBOARD, MINE, CSV_URL, url("action-detail", items["soon"])]:
        response = client.get(page)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_quick_actions_only_accept_post(items, org, login):
    assert login(org.people.lead).get(url("action-done", items["soon"])).status_code == 405


# Lists: scope, tabs, filters, order, pages ------------------------------------------------

def test_dashboard_defaults_to_open_items_of_the_persons_teams(items, org, login):
    factories.add_action_item(factories.make_postmortem(org.search, status="published"), title="Search item")
    response = login(org.people.member).get(DASHBOARD)
    assert response.status_code == 200
    assert listed(response) == ["Overdue alert", "Soon runbook", "Later review"]


def test_my_items_are_the_ones_i_own(items, org, login):
    assert listed(login(org.people.member).get(MINE)) == ["Overdue alert", "Later review"]
    assert listed(login(org.people.author).get(MINE)) == ["Soon runbook"]


@pytest.mark.parametrize("query, expected", [
    ("status=overdue", ["Overdue alert"]),
    ("status=due_week", ["Soon runbook"]),
    ("status=open&priority=high", ["Soon runbook"]),
    ("status=open&owner=MEMBER", ["Overdue alert", "Later review"]),
    ("status=all&kind=technical", ["Overdue alert", "Soon runbook", "Later review"]),
    ("status=open&sort=-due", ["Later review", "Soon runbook", "Overdue alert"]),
    ("status=nonsense&priority=nonsense", ["Overdue alert", "Soon runbook", "Later review"]),
])
def test_dashboard_filters_and_order(items, org, login, query, expected):
    query = query.replace("MEMBER", str(org.people.member.pk))
    assert listed(login(org.people.member).get(f"{DASHBOARD}?{query}")) == expected


def test_lead_filters_by_team_postmortem_kind_and_theme(items, org, login):
    client = login(org.people.lead)
    people_pm = items["restricted"].postmortem
    theme = factories.shared_theme("Handoffs")
    factories.add_factor(people_pm, theme)

    assert listed(client.get(f"{DASHBOARD}?status=all&kind=people")) == ["Restricted handover"]
    assert listed(client.get(f"{DASHBOARD}?status=all&postmortem={people_pm.pk}")) == ["Restricted handover"]
    assert listed(client.get(f"{DASHBOARD}?status=all&theme={theme.pk}")) == ["Restricted handover"]
    assert len(listed(client.get(f"{DASHBOARD}?status=all&team={org.payments.pk}"))) == 4


def test_done_and_wont_do_tabs(items, org, login):
    items["later"].status = ActionItem.Status.DONE
    items["later"].save()
    items["soon"].status = ActionItem.Status.WONT_DO
    items["soon"].save()
    client = login(org.people.member)
    assert listed(client.get(f"{DASHBOARD}?status=done")) == ["Later review"]
    assert listed(client.get(f"{DASHBOARD}?status=wont_do")) == ["Soon runbook"]


def test_filters_keep_the_tab_and_tabs_keep_the_filters(items, org, login):
    response = login(org.people.member).get(f"{DASHBOARD}?status=overdue&priority=high")
    html = response.content.decode()
    assert 'name="status" value="overdue"' in html
    assert 'href="?status=open&amp;priority=high"' in html


def test_clearing_the_filters_keeps_the_tab(items, org, login):
    html = login(org.people.member).get(f"{DASHBOARD}?status=overdue&priority=high").content.decode()
    assert 'role="search" aria-label="Filter action items"' in html
    assertInHTML(f'<a class="btn btn-link btn-sm" href="{DASHBOARD}?status=overdue">Clear filters</a>', html)


def test_dashboard_pages_by_25(org, login):
    pm = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_action_items(pm, 30)
    client = login(org.people.lead)

    first = client.get(DASHBOARD)
    second = client.get(f"{DASHBOARD}?page=2")

    assert len(listed(first)) == 25
    assert len(listed(second)) == 5
    assert first.context["page"].paginator.count == 30
    assert "Page 1 of 2" in first.content.decode()


@pytest.mark.parametrize("query, message", [
    ("status=overdue", "Nothing is overdue."),
    ("status=done", "Nothing was marked done in the last 30 days."),
    ("status=open&priority=low", "No action items match these filters."),
])
def test_empty_states(items, org, login, query, message):
    items["overdue"].delete()
    items["restricted"].delete()
    response = login(org.people.lead).get(f"{DASHBOARD}?{query}")
    assert listed(response) == []
    assert message in response.content.decode()


def test_dashboard_of_someone_without_a_team_says_so(org, login):
    response = login(org.people.outsider).get(DASHBOARD)
    assert "You are not in a team yet" in response.content.decode()


def test_summary_figures_on_the_page(items, org, login):
    summary = login(org.people.lead).get(DASHBOARD).context["summary"]
    assert (summary.open, summary.overdue, summary.due_soon) == (4, 2, 1)
    assert summary.oldest_overdue == items["overdue"]


def test_summary_follows_filters_but_not_the_tab(items, org, login):
    client = login(org.people.lead)
    overdue_tab = client.get(f"{DASHBOARD}?status=overdue").context["summary"]
    technical = client.get(f"{DASHBOARD}?status=overdue&kind=technical").context["summary"]
    assert (overdue_tab.open, overdue_tab.overdue) == (4, 2)
    assert (technical.open, technical.overdue) == (3, 1)


def test_due_dates_are_judged_in_the_viewers_time_zone(org, login):
    east = timezone.localdate(timezone=__import__("zoneinfo").ZoneInfo("Pacific/Kiritimati"))  # UTC+14
    pm = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_action_item(pm, title="Due yesterday in Kiritimati", due_in_days=None)
    ActionItem.objects.update(due_date=east - timedelta(days=1))
    Profile.objects.create(user=org.people.lead, timezone="Pacific/Kiritimati")
    Profile.objects.create(user=org.people.author, timezone="Pacific/Pago_Pago")  # UTC-11: a day or two behind

    assert login(org.people.lead).get(DASHBOARD).context["summary"].overdue == 1
    assert login(org.people.author).get(DASHBOARD).context["summary"].overdue == 0


# Query counts -------------------------------------------------------------------------------

def _fill(org, count):
    """`count` items over three owners, alternately open (some overdue) and done.

    Even with five items the lead owns an overdue and a done one, so every figure's query runs.
    """
    pm = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_factor(pm, factories.shared_theme())
    owners = [org.people.lead, org.people.member, org.people.author]
    for n in range(count):
        owner = owners[n % 3]
        if n % 2:
            factories.add_closed_action_item(pm, owner=owner, title=f"Item {n}", created_days_ago=n + 2)
        else:
            factories.add_action_item(pm, owner=owner, title=f"Item {n}", due_in_days=n - 2)


def _queries(client, page):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", [DASHBOARD, f"{DASHBOARD}?status=all&sort=-due", MINE, CSV_URL])
def test_query_count_stays_flat_as_items_grow(org, login, django_assert_max_num_queries, page):
    client = login(org.people.lead)
    _fill(org, 5)
    with_five = _queries(client, page)
    _fill(org, 25)
    assert ActionItem.objects.count() == 30
    with django_assert_max_num_queries(with_five):
        client.get(page)


# CSV ----------------------------------------------------------------------------------------

def test_csv_has_the_filtered_list_in_order(items, org, login):
    rows = csv_rows(login(org.people.lead).get(f"{CSV_URL}?status=open&kind=technical&sort=-due"))
    assert rows[0][:3] == ["ID", "Title", "Status"]
    assert [row[1] for row in rows[1:]] == ["Later review", "Soon runbook", "Overdue alert"]
    overdue = rows[3]
    assert overdue[3] == "yes"
    assert overdue[6] == "Mo Haddad"
    assert overdue[7] == "Payments"
    assert overdue[8] == "Checkout timeouts"
    assert overdue[-1].endswith(url("action-detail", items["overdue"]))


def test_csv_quotes_and_defuses_formulas(org, login):
    pm = factories.make_postmortem(org.payments, authors=[org.people.author], title="=HYPERLINK(\"x\")")
    for title in ["=1+1", "+SUM(A1)", "-2", "@cmd", 'Comma, "quotes"\nand newline', "plain"]:
        factories.add_action_item(pm, title=title)

    response = login(org.people.lead).get(f"{CSV_URL}?status=all")
    rows = csv_rows(response)

    titles = [row[1] for row in rows[1:]]
    assert titles == ["'=1+1", "'+SUM(A1)", "'-2", "'@cmd", 'Comma, "quotes"\nand newline', "plain"]
    assert {row[8] for row in rows[1:]} == {"'=HYPERLINK(\"x\")"}
    assert '"Comma, ""quotes""\nand newline"' in response.content.decode()
    assert "attachment" in response["Content-Disposition"]


def test_my_csv_has_only_my_items(items, org, login):
    rows = csv_rows(login(org.people.member).get(f"{MY_CSV_URL}?status=all"))
    assert [row[1] for row in rows[1:]] == ["Overdue alert", "Later review"]


# Quick actions ------------------------------------------------------------------------------

def test_mark_done_without_javascript_redirects_back_with_a_message(items, org, login):
    client = login(org.people.lead)
    back = f"{DASHBOARD}?status=overdue"
    response = client.post(url("action-done", items["overdue"]), {"note": "Shipped", "next": back}, follow=True)
    assert response.redirect_chain == [(back, 302)]
    assert "Overdue alert: marked done." in response.content.decode()
    change = items["overdue"].changes.get()
    assert (change.actor, change.note) == (org.people.lead, "Shipped")


def test_unsafe_next_falls_back_to_the_item_page(items, org, login):
    response = login(org.people.lead).post(url("action-done", items["soon"]), {"next": "https://evil.example/"})
    assert response["Location"] == url("action-detail", items["soon"])


def test_mark_done_with_htmx_returns_the_row_and_triggers_the_summary(items, org, login):
    client = login(org.people.lead)
    response = client.post(url("action-done", items["overdue"]), {"next": DASHBOARD}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "actionItemChanged"
    assert html.lstrip().startswith(f'<li class="list-group-item action-row" id="action-{items["overdue"].pk}"')
    assert "Marked done." in html
    assert "<html" not in html

    summary = client.get(reverse("postmortems:actions-summary") + "?status=overdue")
    assert summary.context["summary"].overdue == 1
    assert summary.context["summary"].done_in_period == 1


def test_due_date_needs_a_reason(items, org, login):
    client = login(org.people.lead)
    item = items["soon"]
    plain = client.post(url("action-due-date", item), {"due_date": "2030-01-01", "reason": ""})
    htmx = client.post(url("action-due-date", item), {"due_date": "2030-01-01", "reason": " "}, **HTMX)

    assert plain.status_code == 400
    assert "Say why the due date changes." in plain.content.decode()
    assert htmx.status_code == 200
    assert "HX-Trigger" not in htmx
    assert 'aria-invalid="true"' in htmx.content.decode()
    item.refresh_from_db()
    assert item.due_date != timezone.datetime(2030, 1, 1).date()
    assert not item.changes.exists()


def test_due_date_change_is_kept_in_the_history_and_shown(items, org, login):
    client = login(org.people.member)
    item = items["later"]
    old = item.due_date
    client.post(url("action-due-date", item), {"due_date": "2030-01-01", "reason": "Waiting on vendor"})

    item.refresh_from_db()
    assert item.due_date.isoformat() == "2030-01-01"
    change = item.changes.get()
    assert (change.actor, change.old_value, change.new_value, change.note) == (
        org.people.member, old.isoformat(), "2030-01-01", "Waiting on vendor",
    )
    page = client.get(url("action-detail", item)).content.decode()
    assert "Waiting on vendor" in page
    assert "1 Jan 2030" in page
    assert "Mo Haddad" in page


def test_reassign_only_to_an_active_person(items, everyone, login):
    client = login(everyone.people.lead)
    item = items["later"]
    response = client.post(url("action-owner", item), {"owner": everyone.people.inactive.pk}, **HTMX)
    assert "Choose an active person." in response.content.decode()
    item.refresh_from_db()
    assert item.owner == everyone.people.member
    assert not ActionItemChange.objects.exists()


def test_reassign_with_htmx_shows_the_new_owner(items, org, login):
    response = login(org.people.lead).post(
        url("action-owner", items["later"]), {"owner": org.people.author.pk, "note": "Ada has context"}, **HTMX,
    )
    assert "Now owned by Ada Okafor." in response.content.decode()
    assert response["HX-Trigger"] == "actionItemChanged"
    assert ActionItemChange.objects.get().note == "Ada has context"


def test_item_page_shows_the_item_its_postmortem_and_history(items, org, login):
    client = login(org.people.lead)
    item = items["soon"]
    client.post(url("action-done", item), {"note": "Runbook merged"})
    html = client.get(url("action-detail", item)).content.decode()
    assert item.postmortem.get_absolute_url() in html
    assert "Runbook merged" in html
    assert "Lin Park" in html
    assert "Confirm done" not in html  # already done
    assert "Save due date" in html


def test_postmortem_page_links_each_item_to_its_page(items, org, login):
    html = login(org.people.lead).get(items["soon"].postmortem.get_absolute_url()).content.decode()
    assert url("action-detail", items["soon"]) in html


def test_post_mortem_filter_lists_recent_ones_but_accepts_any_visible_one(org, login):
    from postmortems.views.actions import RECENT_POSTMORTEM_CHOICES

    postmortems = []
    for n in range(RECENT_POSTMORTEM_CHOICES + 2):
        postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], title=f"Write-up {n:03d}")
        factories.add_action_item(postmortem, owner=org.people.member, title=f"Follow-up {n:03d}")
        postmortems.append(postmortem)
    oldest = postmortems[0]
    client = login(org.people.lead)

    def postmortem_select(html):
        start = html.index('name="postmortem"')
        return html[start:html.index("</select>", start)]

    page = client.get(reverse("postmortems:actions")).content.decode()
    assert "Write-up 101" in postmortem_select(page)
    assert f'<option value="{oldest.pk}"' not in postmortem_select(page)

    filtered = client.get(reverse("postmortems:actions"), {"postmortem": oldest.pk}).content.decode()
    assert "Follow-up 000" in filtered
    assert "Follow-up 001" not in filtered
    assert f'<option value="{oldest.pk}" selected' in postmortem_select(filtered)


# What the pages show, pinned for the faster queries (issue 10) --------------------------------

@pytest.fixture
def many(org):
    """60 items over a technical and a restricted people incident, with shared and missing due dates."""
    p = org.people
    technical = factories.make_postmortem(org.payments, authors=[p.author], title="Checkout timeouts")
    people = factories.make_postmortem(org.payments, kind="people", authors=[p.author], title="Lost escalation")
    statuses = ["open", "in_progress", "done", "open", "wont_do"]
    for n in range(60):
        factories.add_action_item(
            people if n % 4 == 0 else technical, owner=[p.member, p.author, None][n % 3], title=f"Item {n:02d}",
            due_in_days=None if n % 7 == 0 else (n % 11) - 5, status=statuses[n % 5],
        )
    return ActionItem.objects.all()


def expected_titles(person, *, reverse_order=False):
    """Every item of the person's teams they may read, in the list's order, worked out without the views."""
    from postmortems import permissions
    from postmortems.models import PostMortem

    teams = list(permissions.team_roles(person))
    rows = [item for item in ActionItem.objects.select_related("postmortem")
            if item.postmortem.team_id in teams
            and PostMortem.objects.visible_to(person).filter(pk=item.postmortem_id).exists()]
    far = timezone.localdate() + timedelta(days=10_000)
    rows.sort(key=lambda item: (item.due_date or far, item.pk))
    if reverse_order:
        rows.sort(key=lambda item: (item.due_date is None, -(item.due_date or far).toordinal(), -item.pk))
    return [item.title for item in rows]


def all_pages(client, query):
    titles, number = [], 1
    while True:
        response = client.get(f"{DASHBOARD}?{query}&page={number}")
        titles += listed(response)
        if not response.context["page"].has_next():
            return titles, response
        number += 1


@pytest.mark.parametrize("role, sort", [("lead", ""), ("member", ""), ("lead", "-due"), ("member", "-due")])
def test_pages_together_list_every_visible_item_once_in_order(many, org, login, role, sort):
    person = getattr(org.people, role)
    titles, last = all_pages(login(person), f"status=all&sort={sort}")

    assert titles == expected_titles(person, reverse_order=sort == "-due")
    assert last.context["page"].paginator.count == len(titles)
    assert f"{len(titles)} items." in last.content.decode()


def test_member_never_sees_the_restricted_items_or_their_count(many, org, login):
    restricted = ActionItem.objects.filter(postmortem__kind="people")
    response = login(org.people.member).get(f"{DASHBOARD}?status=all")

    assert response.context["page"].paginator.count == ActionItem.objects.count() - restricted.count()
    assert response.context["summary"].listed == response.context["page"].paginator.count
    html = response.content.decode()
    assert "Lost escalation" not in html
    assert not any(f"action-{item.pk}\"" in html for item in restricted)


@pytest.mark.parametrize("page", ["3", "99", "-1"])
def test_last_and_out_of_range_pages_show_the_last_page(many, org, login, page):
    client = login(org.people.lead)
    response = client.get(f"{DASHBOARD}?status=all&page={page}")

    assert response.context["page"].number == 3
    assert listed(response) == expected_titles(org.people.lead)[50:]
    assert "Page 3 of 3" in response.content.decode()


def test_a_page_that_is_not_a_number_is_the_first(many, org, login):
    response = login(org.people.lead).get(f"{DASHBOARD}?status=all&page=abc")
    assert listed(response) == expected_titles(org.people.lead)[:25]


@pytest.mark.parametrize("tab", ["open", "overdue", "due_week", "done", "wont_do"])
def test_each_tab_counts_what_it_lists(many, org, login, tab):
    titles, last = all_pages(login(org.people.lead), f"status={tab}")
    assert last.context["page"].paginator.count == len(titles) == len(set(titles))


def test_rows_say_who_may_change_them(items, org, login):
    html = login(org.people.member).get(f"{DASHBOARD}?status=all").content.decode()
    # Mo may change what he owns (the overdue alert, the later review) but not Ada's runbook item.
    assert html.count("Reassign<span") == 2
    assert url("action-done", items["overdue"]) in html
    assert url("action-done", items["soon"]) not in html


def test_reassign_lists_active_people_with_the_owner_disabled_and_names_escaped(items, everyone, login):
    everyone.people.other_member.first_name = "<b>Uma</b>"
    everyone.people.other_member.save()
    html = login(everyone.people.lead).get(DASHBOARD).content.decode()
    row = html.split(f'id="action-{items["overdue"].pk}"')[1].split("</li>")[0]
    mo = everyone.people.member

    assert f'<option value="{mo.pk}" disabled>Mo Haddad (current owner)</option>' in row
    assert f'<option value="{everyone.people.author.pk}">Ada Okafor</option>' in row
    assert "&lt;b&gt;Uma&lt;/b&gt; Lind" in row and "<b>Uma" not in row
    assert f'value="{everyone.people.inactive.pk}"' not in row


def test_refused_reassign_keeps_the_chosen_person_selected(items, org, login):
    outsider = org.people.outsider  # may not read the people incident
    response = login(org.people.lead).post(url("action-owner", items["restricted"]),
                                           {"owner": outsider.pk, "note": ""}, **HTMX)
    html = response.content.decode()
    assert f'<option value="{outsider.pk}" selected>Nia Berg</option>' in html
    assert f'<option value="{org.people.member.pk}" disabled>Mo Haddad (current owner)</option>' in html


def test_filters_show_what_was_chosen(items, org, login):
    technical = items["overdue"].postmortem
    html = login(org.people.lead).get(
        f"{DASHBOARD}?team={org.payments.pk}&owner={org.people.member.pk}&postmortem={technical.pk}"
    ).content.decode()
    assert f'<option value="{org.payments.pk}" selected>Payments</option>' in html
    assert f'<option value="{org.people.member.pk}" selected>Mo Haddad</option>' in html
    assert f'<option value="{technical.pk}" selected>Checkout timeouts</option>' in html
    assert '<option value="" selected>Any theme</option>' in html


def test_page_queries_do_not_grow_with_people(items, everyone, login, django_assert_max_num_queries):
    client = login(everyone.people.lead)
    before = _queries(client, DASHBOARD)
    for n in range(30):
        factories.make_user(f"person{n}")
    with django_assert_max_num_queries(before):
        client.get(DASHBOARD)
