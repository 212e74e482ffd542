"""The audit log page: organisation admins only, filters, pagination and a spreadsheet-safe CSV."""
import csv
import io
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.urls import reverse

from accounts import audit
from accounts.models import AuditEntry
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
URL = reverse("accounts:audit")
CSV_URL = reverse("accounts:audit-csv")


@pytest.fixture
def admin(db):
    return factories.make_org_admin("boss")


def entry(action="membership.added", summary="Added someone", *, days_ago=0, **fields):
    made = audit.record(action, summary, **fields)
    AuditEntry.objects.filter(pk=made.pk).update(created_at=datetime(2026, 6, 15, 12, tzinfo=dt_timezone.utc)
                                                 - timedelta(days=days_ago))
    return made


def rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("who", ["lead", "member", "outsider"])
def test_people_who_are_not_org_admins_get_404(org, login, who):
    person = login(getattr(org.people, who))
    assert person.get(URL).status_code == 404
    assert person.get(CSV_URL).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302
    assert client.get(CSV_URL).status_code == 302


def test_org_admin_reads_who_what_when_and_where(org, login, admin):
    entry("team.created", "Created team Payments", actor=org.people.lead, team=org.payments)
    AuditEntry.objects.update(ip_address="203.0.113.9")
    html = login(admin).get(URL).content.decode()
    assert "Created team Payments" in html and "lin" in html and "203.0.113.9" in html and "2026-06-15" in html


def test_filters_by_action_person_team_and_dates(org, login, admin):
    entry("membership.added", "Old one", actor=org.people.lead, team=org.payments, days_ago=30)
    entry("membership.added", "Recent payments", actor=org.people.lead, team=org.payments, days_ago=1)
    entry("membership.removed", "Recent removal", actor=org.people.lead, target_user=org.people.member,
          team=org.payments, days_ago=1)
    entry("membership.added", "Search one", actor=org.people.other_team, team=org.search, days_ago=1)
    client = login(admin)

    def summaries(**params):
        return [e.summary for e in client.get(URL, params).context["page"]]

    assert summaries(action="membership.removed") == ["Recent removal"]
    assert set(summaries(person="mo")) == {"Recent removal"}  # as the target
    assert set(summaries(person="OZ")) == {"Search one"}  # as the actor, any case
    assert set(summaries(team=org.search.pk)) == {"Search one"}
    assert "Old one" not in summaries(since="2026-06-01")
    assert summaries(until="2026-05-20") == ["Old one"]


def test_bad_filter_values_show_the_page_not_an_error(org, login, admin):
    entry()
    response = login(admin).get(URL, {"since": "not-a-date", "team": "999999", "page": "banana"})
    assert response.status_code == 200


def test_pages_of_fifty(org, login, admin):
    for n in range(55):
        entry(summary=f"Entry {n}")
    client = login(admin)
    assert len(client.get(URL).context["page"]) == 50
    assert len(client.get(URL, {"page": 2}).context["page"]) == 5


def test_page_query_count_does_not_grow_with_entries(org, login, admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(admin)
    client.get(URL)  # the first request of a session does one-off work
    counts = []
    for batch in [3, 40]:
        for n in range(batch):
            entry(summary=f"Entry {n}", team=org.payments, actor=org.people.lead)
        with CaptureQueriesContext(connection) as queries:
            client.get(URL)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 20


def test_csv_has_every_matching_entry_and_follows_the_filters(org, login, admin):
    entry("membership.added", "Kept", actor=org.people.lead, team=org.payments)
    entry("invitation.sent", "Filtered out", actor=org.people.lead, team=org.payments)
    response = login(admin).get(CSV_URL, {"action": "membership.added"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    data = rows(response)
    assert data[0] == audit.CSV_HEADER
    assert [row[3] for row in data[1:]] == ["Kept"]
    assert data[1][1] == "lin" and data[1][5] == "Payments"


@pytest.mark.parametrize("hostile", ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)"])
def test_csv_cells_never_start_a_formula(org, login, admin, hostile):
    entry("membership.added", hostile, target_name=hostile)
    data = rows(login(admin).get(CSV_URL))
    assert data[1][3] == "'" + hostile
    assert data[1][4] == "'" + hostile


def test_hostile_text_in_the_log_is_escaped(org, login, admin):
    entry("membership.added", "<script>alert(1)</script>")
    html = login(admin).get(URL).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_changes_made_on_the_pages_land_in_the_log(org, login, admin):
    login(admin).post(reverse("accounts:team-create"), {"name": "Platform", "first_lead": org.people.member.pk})
    login(admin).post(reverse("accounts:person-active", args=[org.people.outsider.pk]), {"active": "0"})
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"team.created", "membership.added", "account.deactivated"} <= actions
    assert all(e.actor == admin for e in AuditEntry.objects.all())


def test_audit_entries_record_the_client_behind_a_trusted_proxy_as_lockouts_do(settings, rf):
    from accounts import audit

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert audit.client_address(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert audit.client_address(request) == "10.0.0.2"  # without trusted proxies the header is ignored
