"""Reporting a near miss: the three-field form, named and anonymous, and what an anonymous report keeps."""
import io
import json
import logging
from datetime import date, datetime, timezone as dt_timezone

import pytest
from django.urls import reverse

from config.requestlog import JsonFormatter, RequestIdFilter
from nearmisses.models import NearMiss
from nearmisses.reports import submit_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

REPORT_URL = "/near-misses/report/"
TEXTS = {
    "what_happened": "The deploy script pointed at production while we meant staging.",
    "what_stopped_it": "A lock timeout stopped the migration before it changed a row.",
    "likelier_next_time": "Both environments share one shell profile.",
}


def make_near_miss(team, *, kind="technical", reporter=None, anonymous=False, status="new", themes=(),
                   reported_on=None, **fields):
    """A near miss as the form stores it, with a status set directly (tests of triage use the real path)."""
    texts = {**TEXTS, **{name: fields.pop(name) for name in list(fields) if name in TEXTS}}
    near_miss = submit_report(reporter=reporter, team=team, kind=kind, anonymous=anonymous, **texts)
    changes = {"status": status, **fields}
    if reported_on:
        changes["reported_on"] = reported_on
    if status != "new":
        changes.setdefault("triaged_at", datetime(2026, 1, 1, tzinfo=dt_timezone.utc))
    if status == "dismissed":
        changes.setdefault("dismiss_reason", "Duplicate of another report.")
    NearMiss.objects.filter(pk=near_miss.pk).update(**changes)
    near_miss.refresh_from_db()
    near_miss.themes.set(themes)
    return near_miss


def report_data(team, **changes):
    return {"kind": "technical", "team": team.pk, **TEXTS, **changes}


def captured_log_lines(call):
    """Run `call()` and return the request log lines it wrote, parsed from JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("debrief.request")
    logger.addHandler(handler)
    try:
        call()
    finally:
        logger.removeHandler(handler)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# The form ---------------------------------------------------------------------------------

def test_report_form_offers_both_kinds_the_three_questions_and_the_anonymous_choice(login, org):
    page = login(org.people.member).get(REPORT_URL).content.decode()
    for text in ["What happened?", "What stopped it?", "What could make it likelier next time?",
                 'value="technical"', 'value="people"', "Report anonymously", "keeps no link to you"]:
        assert text in page


def test_report_form_offers_only_the_reporters_own_teams(login, org):
    page = login(org.people.member).get(REPORT_URL).content.decode()
    assert "Payments" in page and "Search" not in page


def test_person_without_a_team_is_told_to_join_one(login, org):
    response = login(org.people.outsider).get(REPORT_URL)
    assert response.status_code == 200
    assert "not in one yet" in response.content.decode()
    assert login(org.people.outsider).post(REPORT_URL, report_data(org.payments)).status_code == 200
    assert not NearMiss.objects.exists()


def test_signed_out_visitor_is_sent_to_log_in(client, org):
    response = client.get(REPORT_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("kind", ["technical", "people"])
def test_named_report_is_stored_with_reporter_and_time_and_shown_to_them(login, org, kind):
    client = login(org.people.member)
    response = client.post(REPORT_URL, report_data(org.payments, kind=kind))
    near_miss = NearMiss.objects.get()
    assert response.status_code == 302 and response["Location"] == near_miss.get_absolute_url()
    assert (near_miss.kind, near_miss.team, near_miss.reporter, near_miss.anonymous) == (
        kind, org.payments, org.people.member, False)
    assert near_miss.reported_at is not None and near_miss.status == "new"
    assert near_miss.what_happened == TEXTS["what_happened"]
    assert TEXTS["what_happened"] in client.get(reverse("nearmisses:mine")).content.decode()


@pytest.mark.parametrize("kind", ["technical", "people"])
def test_anonymous_report_stores_no_reporter_and_no_time_only_the_day(login, org, kind):
    client = login(org.people.member)
    response = client.post(REPORT_URL, report_data(org.payments, kind=kind, anonymous="on"))
    near_miss = NearMiss.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("nearmisses:thanks")
    assert near_miss.anonymous and near_miss.reporter_id is None and near_miss.reported_at is None
    assert isinstance(near_miss.reported_on, date)
    assert near_miss.triaged_by_id is None


def test_anonymous_report_is_not_listed_under_my_reports(login, org):
    client = login(org.people.member)
    client.post(REPORT_URL, report_data(org.payments, anonymous="on"))
    page = client.get(reverse("nearmisses:mine")).content.decode()
    assert TEXTS["what_happened"] not in page
    assert "not reported a near miss under your name" in page


def test_anonymous_report_leaves_nothing_in_the_session(login, org):
    client = login(org.people.member)
    client.get(REPORT_URL)  # as a browser would, and the session settles (two-factor state)
    before = dict(client.session.items())
    client.post(REPORT_URL, report_data(org.payments, anonymous="on"))
    assert dict(client.session.items()) == before


def test_report_day_is_the_utc_day_whatever_the_reporters_zone():
    from tests import factories

    team, person = factories.make_team(), factories.make_user()
    late_evening_in_utc = datetime(2026, 3, 1, 23, 30, tzinfo=dt_timezone.utc)
    near_miss = submit_report(reporter=person, team=team, kind="technical", anonymous=True,
                              now=late_evening_in_utc, **TEXTS)
    assert near_miss.reported_on == date(2026, 3, 1)


def test_errors_keep_what_was_typed(login, org):
    response = login(org.people.member).post(REPORT_URL, report_data(
        org.payments, what_stopped_it="", likelier_next_time="Typed text that must survive & stay",
    ))
    page = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in page
    assert TEXTS["what_happened"] in page
    assert "Typed text that must survive &amp; stay" in page
    assert not NearMiss.objects.exists()


def test_report_from_a_team_the_reporter_is_not_in_is_refused(login, org):
    response = login(org.people.member).post(REPORT_URL, report_data(org.search))
    assert response.status_code == 400 and not NearMiss.objects.exists()


def test_over_long_text_is_refused_and_kept(login, org):
    response = login(org.people.member).post(REPORT_URL, report_data(org.payments, what_happened="x" * 5001))
    assert response.status_code == 400 and "at most 5000 characters" in response.content.decode()


def test_hostile_text_is_escaped_on_every_page_that_shows_it(login, org):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client = login(org.people.member)
    client.post(REPORT_URL, report_data(org.payments, what_happened=hostile, what_stopped_it=hostile))
    near_miss = NearMiss.objects.get()
    lead = login(org.people.lead)
    pages = [client.get(near_miss.get_absolute_url()), client.get(reverse("nearmisses:mine")),
             lead.get(reverse("nearmisses:list")), lead.get(near_miss.get_absolute_url())]
    for response in pages:
        page = response.content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_every_page_has_the_report_button(login, org):
    for url in ["/", "/actions/", "/themes/", reverse("nearmisses:list")]:
        page = login(org.people.member).get(url).content.decode()
        assert f'href="{REPORT_URL}"' in page and "Report a near miss" in page, url


# The request log --------------------------------------------------------------------------

def test_anonymous_report_post_is_logged_without_a_user_id(login, org):
    client = login(org.people.member)
    lines = captured_log_lines(lambda: client.post(REPORT_URL, report_data(org.payments, anonymous="on"),
                                                   follow=True))
    assert [line["path"] for line in lines] == [REPORT_URL, reverse("nearmisses:thanks")]
    assert all("user_id" not in line for line in lines)


def test_opening_the_report_form_is_logged_without_a_user_id(login, org):
    client = login(org.people.member)
    (line,) = captured_log_lines(lambda: client.get(REPORT_URL))
    assert line["path"] == REPORT_URL and "user_id" not in line


def test_the_report_pages_send_no_request_id_that_the_access_log_could_join_to_a_client_address(login, org):
    client = login(org.people.member)
    for response in (client.get(REPORT_URL), client.post(REPORT_URL, report_data(org.payments, anonymous="on"))):
        assert "X-Request-ID" not in response
    assert "X-Request-ID" in client.get(reverse("nearmisses:mine"))


def test_other_pages_still_log_the_user_id(login, org):
    client = login(org.people.member)
    (line,) = captured_log_lines(lambda: client.get(reverse("nearmisses:mine")))
    assert line["user_id"] == org.people.member.pk


# The schema ---------------------------------------------------------------------------------

def test_database_refuses_an_anonymous_report_with_a_reporter(org):
    from django.db import IntegrityError, transaction

    near_miss = make_near_miss(org.payments, anonymous=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        NearMiss.objects.filter(pk=near_miss.pk).update(reporter=org.people.member)


def test_database_refuses_a_dismissal_without_a_reason(org):
    from django.db import IntegrityError, transaction

    near_miss = make_near_miss(org.payments)
    with pytest.raises(IntegrityError), transaction.atomic():
        NearMiss.objects.filter(pk=near_miss.pk).update(status="dismissed", triaged_at=near_miss.reported_at)


def test_database_refuses_promoted_without_a_post_mortem(org):
    from django.db import IntegrityError, transaction

    near_miss = make_near_miss(org.payments)
    with pytest.raises(IntegrityError), transaction.atomic():
        NearMiss.objects.filter(pk=near_miss.pk).update(status="promoted", triaged_at=near_miss.reported_at)


def test_admin_shows_anonymous_reports_as_anonymous_and_cannot_change_them(org):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from tests import factories

    admin = site._registry[NearMiss]
    request = RequestFactory().get("/admin/")
    request.user = factories.make_user("root", is_superuser=True, is_staff=True)
    near_miss = make_near_miss(org.payments, anonymous=True)
    assert admin.reported_by(near_miss) == "Anonymous"
    assert not admin.has_change_permission(request, near_miss) and not admin.has_add_permission(request)
    assert "reporter" not in admin.get_fields(request, near_miss)
