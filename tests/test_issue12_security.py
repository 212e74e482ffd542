"""Issue 12 replayed by an attacker: the pulse and near-miss URLs by every role, hostile text in every
new field, anonymity, races, CSRF and the answer-link headers.

Each test names the hole it keeps shut; each would fail if the hole reopened.
"""
import re
import threading
from html.parser import HTMLParser
from datetime import timedelta, timezone as dt_timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nearmisses import triage
from nearmisses.models import NearMiss
from postmortems.models import Membership, PostMortem
from pulse import answers, early_warning, periods, questions, results, sending
from pulse.models import Participation, PulseSettings, QuestionSet, Response
from tests import factories
from tests.test_early_warning import STEADY, pulse_history
from tests.test_nearmiss_reports import TEXTS, captured_log_lines, make_near_miss
from tests.test_pulse_support import PAST_MONDAY, answer, add_members, enable_pulse, fill, form_data, make_period

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

LINK = reverse("pulse:answer-link")
HOSTILE = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[c2](JaVaScRiPt:alert(1)) ![i](javascript:alert(1)) <a href=\"javascript:alert(1)\">a</a>",
    "javascript:alert(1)",
    "\u202egnp.exe",
]
HOSTILE_TEXT = " ".join(HOSTILE)


def main_of(html):
    """The page's main content (the rest holds per-request tokens)."""
    return html.split('<main id="main"')[1].split("</main>")[0]


class _Elements(HTMLParser):
    """Every element's tag and attributes, as a browser would parse them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.scripts = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def assert_inert(html):
    """Nothing of HOSTILE can run: no script from it, no event handler, no javascript: URL, no svg or img."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                assert not (value or "").strip().lower().startswith(("javascript:", "vbscript:")), (tag, name, value)
        assert tag != "svg", tag
    assert not any("alert(" in script for script in parser.scripts)


def token_of(url):
    return parse_qs(urlsplit(url).query)["t"][0]


def today_utc():
    return timezone.localdate(timezone.now(), dt_timezone.utc)


@pytest.fixture
def cast(everyone):
    """Everyone who might try a pulse or near-miss URL, by role (Payments is the team under attack)."""
    people = everyone.people
    return {
        "lead": people.lead, "member": people.member, "other_lead": people.other_team,
        "other_member": people.viewer, "outsider": people.outsider,
        "org_admin": factories.make_org_admin("org-admin"),
        "superuser": factories.make_user("root", is_superuser=True, is_staff=True),
        "inactive_lead": people.inactive,
    }


@pytest.fixture
def pulse(everyone):
    """Payments' pulse: on, with a closed period at the threshold (with a comment), one below it, and one open."""
    enable_pulse(everyone.payments)
    ready = fill(everyone.payments, 5, free_texts=["Deploys on Friday evenings keep hurting."])
    too_few = fill(everyone.payments, 4, start=PAST_MONDAY + timedelta(days=7), free_texts=["Only four of us."])
    current = periods.period_for(everyone.payments, today_utc())
    for person in add_members(everyone.payments, 6, prefix="now"):
        answer_now(person, current, free_text="Open period comment.")
    return {"ready": ready, "too_few": too_few, "open": current}


def answer_now(person, period, score=4, free_text=""):
    ticket = answers.new_ticket(person, period)
    answers.submit(ticket, scores={s.pk: score for s in period.question_set.statements.all()}, free_text=free_text)
    return ticket


def pulse_urls(team, pulse):
    slug = team.slug
    return {
        "index": reverse("pulse:index"),
        "team": reverse("pulse:team", args=[slug]),
        "answer": reverse("pulse:answer", args=[slug]),
        "export": reverse("pulse:export", args=[slug]),
        "period_ready": reverse("pulse:period", args=[slug, pulse["ready"].start.isoformat()]),
        "period_too_few": reverse("pulse:period", args=[slug, pulse["too_few"].start.isoformat()]),
        "period_open": reverse("pulse:period", args=[slug, pulse["open"].start.isoformat()]),
        "questions": reverse("pulse:questions", args=[slug]),
        "settings": reverse("pulse:settings", args=[slug]),
    }


LEAD_ONLY = {"questions", "settings"}
OUTSIDERS = ["other_lead", "other_member", "outsider", "org_admin", "superuser"]


# 1. Every pulse URL by every role ------------------------------------------------------------

@pytest.mark.parametrize("role", OUTSIDERS)
def test_people_outside_the_team_get_404_from_every_pulse_page_of_it(login, cast, everyone, pulse, role):
    client = login(cast[role])
    for name, url in pulse_urls(everyone.payments, pulse).items():
        if name == "index":
            continue
        assert client.get(url).status_code == 404, name


@pytest.mark.parametrize("role", OUTSIDERS)
def test_people_outside_the_team_find_no_trace_of_its_pulse_on_the_index(login, cast, everyone, pulse, role):
    html = main_of(login(cast[role]).get(reverse("pulse:index")).content.decode())
    assert "Payments" not in html and everyone.payments.slug not in html


@pytest.mark.parametrize("role", OUTSIDERS)
def test_people_outside_the_team_cannot_post_questions_settings_or_answers(login, cast, everyone, pulse, role):
    client = login(cast[role])
    urls = pulse_urls(everyone.payments, pulse)
    statements = {f"statement_{n}": f"Injected {n}" for n in range(1, 4)}
    responses_before = Response.objects.count()

    assert client.post(urls["questions"], statements).status_code == 404
    assert client.post(urls["settings"], {"enabled": "", "cadence": "weekly", "day": 1, "hour": 10,
                                          "anchor": "2024-01-01"}).status_code == 404
    assert client.post(urls["answer"], form_data(pulse["open"])).status_code == 404
    assert QuestionSet.objects.filter(team=everyone.payments).count() == 1
    assert PulseSettings.objects.get(team=everyone.payments).enabled is True
    assert Response.objects.count() == responses_before


def test_a_plain_member_gets_403_from_the_leads_pages_get_and_post(login, cast, everyone, pulse):
    client = login(cast["member"])
    urls = pulse_urls(everyone.payments, pulse)
    for name in LEAD_ONLY:
        assert client.get(urls[name]).status_code == 403, name
    assert client.post(urls["questions"], {f"statement_{n}": f"Member {n}" for n in range(1, 4)}).status_code == 403
    assert client.post(urls["settings"], {"enabled": "", "cadence": "weekly", "day": 1, "hour": 10,
                                          "anchor": "2024-01-01"}).status_code == 403
    assert QuestionSet.objects.filter(team=everyone.payments).count() == 1
    assert PulseSettings.objects.get(team=everyone.payments).enabled is True


def test_a_plain_member_reads_scores_but_never_the_comments(login, cast, everyone, pulse):
    client = login(cast["member"])
    html = main_of(client.get(pulse_urls(everyone.payments, pulse)["period_ready"]).content.decode())
    assert "Deploys on Friday evenings" not in html and "Comments" not in html


@pytest.mark.parametrize("who", ["inactive_lead", "visitor"])
def test_inactive_people_and_signed_out_visitors_are_sent_to_sign_in_from_every_pulse_page(client, login, cast,
                                                                                             everyone, pulse, who):
    browser = client if who == "visitor" else login(cast[who])
    urls = pulse_urls(everyone.payments, pulse)
    for name, url in urls.items():
        response = browser.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    for name in ["questions", "settings", "answer"]:
        response = browser.post(urls[name], {"statement_1": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    assert QuestionSet.objects.filter(team=everyone.payments).count() == 1


def test_the_lead_sees_no_number_and_no_comment_of_an_open_period(login, cast, everyone, pulse):
    html = main_of(login(cast["lead"]).get(pulse_urls(everyone.payments, pulse)["period_open"]).content.decode())
    assert "In progress" in html
    assert "Open period comment" not in html
    assert "6 responses" not in html and "responses ·" not in html


def test_the_lead_sees_no_number_and_no_comment_of_a_period_below_the_threshold(login, cast, everyone, pulse):
    html = main_of(login(cast["lead"]).get(pulse_urls(everyone.payments, pulse)["period_too_few"]).content.decode())
    assert "Not enough responses" in html
    assert "Only four of us" not in html and "<table" not in html and "4 responses" not in html


def test_the_export_has_no_row_for_open_or_below_threshold_periods(login, cast, everyone, pulse):
    body = login(cast["lead"]).get(pulse_urls(everyone.payments, pulse)["export"]).content.decode()
    assert pulse["ready"].start.isoformat() in body
    assert pulse["too_few"].start.isoformat() not in body and pulse["open"].start.isoformat() not in body
    assert "Deploys on Friday" not in body and "Open period comment" not in body


NARROWING_QUERIES = [
    "?min_responses=1", "?threshold=1&PULSE_MIN_RESPONSES=1", "?statement=1&score=1", "?person=1&user=1",
    "?show=all&raw=1&responses=1", "?now=2099-01-01&period=open", "?page=2&order=time",
]


@pytest.mark.parametrize("query", NARROWING_QUERIES)
def test_query_string_parameters_change_nothing_on_results_pages_or_export(login, cast, everyone, pulse, query):
    client = login(cast["lead"])
    urls = pulse_urls(everyone.payments, pulse)
    for name in ["team", "period_too_few", "period_open"]:
        plain = main_of(client.get(urls[name]).content.decode())
        assert main_of(client.get(urls[name] + query).content.decode()) == plain, name
    assert client.get(urls["export"] + query).content == client.get(urls["export"]).content


def test_the_period_address_accepts_only_a_stored_periods_own_date(login, cast, everyone, pulse):
    client = login(cast["lead"])
    start = pulse["too_few"].start
    for odd in [start.strftime("%Y%m%d"), start.isoformat() + "%00", "2025-W10-1", "../export.csv", "0000-00-00"]:
        response = client.get(f"/pulse/{everyone.payments.slug}/{odd}/")
        assert response.status_code == 404 or "Only four of us" not in response.content.decode(), odd
        assert response.status_code != 500


# 1b. Trends: pulse, near-miss and signal sections -------------------------------------------

def recent_now():
    return timezone.now() - timedelta(days=1)


def test_the_trends_page_shows_nothing_of_a_team_the_reader_is_not_in(login, cast, everyone):
    pulse_history(everyone.payments, STEADY + [3.0, 3.0], now=recent_now())
    make_near_miss(everyone.payments, status="acknowledged", themes=[factories.shared_theme("Payments-only")])
    for role in ["other_lead", "other_member", "org_admin", "superuser", "outsider"]:
        html = login(cast[role]).get("/trends/").content.decode()
        # The team filter lists every team (as before issue 12); the new sections must not.
        sections = html.split('<section id="signals"')[1].split('<section id="repeat-themes"')[0]
        assert "Payments" not in sections and "Payments-only" not in sections, role
        assert f"pulse-{everyone.payments.pk}-" not in html, role


def test_the_trends_chart_data_has_no_period_below_the_threshold(login, cast, everyone):
    starts = pulse_history(everyone.payments, STEADY + [3.0], now=recent_now())
    # A period with four responses, after them: it must not appear in any chart or table.
    thin = starts[-1] + timedelta(days=7)
    fill(everyone.payments, 4, start=thin, score=1)
    html = login(cast["member"]).get("/trends/").content.decode()
    charts = html.split('id="trend-charts"')[1].split("</script>")[0]
    label = f"{thin.day} {thin:%b}"
    # Not as a period anywhere (a date range's end in a list link, `to=…`, may share its date).
    assert not re.search(rf"(?<![=]){thin.isoformat()}", html)
    assert label not in charts
    # Its mean (every answer a 1) is in no dataset either.
    assert not re.search(r"[\[,]\s*1\.0\s*[,\]]", charts)


# 2. Hostile text in every new field ----------------------------------------------------------

def test_hostile_statements_and_free_text_question_are_inert_on_every_page_and_email(login, cast, everyone):
    team = everyone.payments
    lead = login(cast["lead"])
    data = {f"statement_{n}": f"{HOSTILE[n - 1]} s{n}" for n in range(1, 7)}
    data["free_text_question"] = HOSTILE_TEXT[:300]
    response = lead.post(reverse("pulse:questions", args=[team.slug]), data)
    assert response.status_code == 302
    enable_pulse(team)
    ready = fill(team, 5, free_texts=[HOSTILE_TEXT])
    current = periods.period_for(team, today_utc())
    ticket = answers.new_ticket(cast["member"], current)
    pages = [
        lead.get(reverse("pulse:questions", args=[team.slug])),
        login(cast["member"]).get(reverse("pulse:answer", args=[team.slug])),
        Client().get(LINK, {"t": ticket.token}),
        lead.get(reverse("pulse:team", args=[team.slug])),
        lead.get(reverse("pulse:period", args=[team.slug, ready.start.isoformat()])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert_inert(page.content.decode())
    assert "&lt;script&gt;" in pages[-1].content.decode()
    email = sending.invitation_email(sending.DueInvitation(cast["member"], current, PulseSettings.for_team(team)))
    (html, _), = email.alternatives
    assert_inert(html)
    assert "&lt;script&gt;" in html
    # The plain-text part is not HTML: it keeps the statements as typed.
    assert HOSTILE[0] in email.body


def test_hostile_statements_are_inert_on_the_trends_page(login, cast, everyone):
    team = everyone.payments
    questions.edit(team, [HOSTILE[0], HOSTILE[1], HOSTILE[2]], HOSTILE[3])
    pulse_history(team, STEADY + [3.0, 3.0], now=recent_now())
    html = login(cast["lead"]).get("/trends/").content.decode()
    assert 'data-signal="pulse"' in html
    assert_inert(html)


def test_a_statement_with_a_right_to_left_override_cannot_reorder_the_signal_sentence(everyone):
    team = everyone.payments
    questions.edit(team, ["\u202eWorkload is fine", "B b.", "C c."], "")
    pulse_history(team, STEADY + [3.0, 3.0], now=recent_now())
    (signal,) = [s for s in early_warning.signals_for(everyone.people.lead, now=timezone.now())
                 if s.kind == early_warning.PULSE and s.subject is not None and "Workload" in s.text]
    # The statement is isolated (FSI … PDI), so its override ends where the statement does.
    assert "\u2068\u202eWorkload is fine\u2069" in signal.text


def test_a_typed_pop_isolate_cannot_end_the_isolation_early():
    text = early_warning.isolated("Fine\u2069\u202e for 9 periods")
    assert text == "\u2068Fine\u202e for 9 periods\u2069"


def test_typed_statements_and_questions_are_isolated_where_text_follows_them(login, cast, everyone):
    team = everyone.payments
    questions.edit(team, ["\u202eOne", "Two.", "Three."], "\u202eAnything?")
    pulse_history(team, STEADY + [3.0], now=recent_now())
    period = fill(team, 5, start=PAST_MONDAY)
    lead = login(cast["lead"])
    trends = lead.get("/trends/").content.decode()
    assert "<strong><bdi>\u202eOne</bdi></strong>" in trends
    page = lead.get(reverse("pulse:period", args=[team.slug, period.start.isoformat()])).content.decode()
    assert "“<bdi>\u202eAnything?</bdi>”" in page


def test_statements_without_directional_controls_are_left_as_typed():
    assert early_warning.isolated("My workload is sustainable.") == "My workload is sustainable."


def test_hostile_statement_text_is_formula_safe_in_the_export(login, cast, everyone):
    team = everyone.payments
    questions.edit(team, ["=HYPERLINK(\"http://evil\")", "+1+1", "@SUM(A1)"], "")
    fill(team, 5)
    body = login(cast["lead"]).get(reverse("pulse:export", args=[team.slug])).content.decode()
    assert ",=HYPERLINK" not in body and ",+1+1" not in body and ",@SUM" not in body


@pytest.mark.parametrize("bad, message", [
    ("Contains a NUL \x00 byte", "Null characters are not allowed"),
    ("x" * 201, "at most 200 characters"),
])
def test_a_bad_statement_is_refused_with_the_typed_text_kept(login, cast, everyone, bad, message):
    team = everyone.payments
    data = {"statement_1": bad, "statement_2": "Kept two.", "statement_3": "Kept three.",
            "free_text_question": "Kept question?"}
    response = login(cast["lead"]).post(reverse("pulse:questions", args=[team.slug]), data)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert "Kept two." in html and "Kept question?" in html
    assert QuestionSet.objects.filter(team=team).count() == 1


@pytest.mark.parametrize("bad, message", [
    ("Comment with a NUL \x00 byte", "Null characters are not allowed"),
    ("y" * 2001, "at most 2000 characters"),
])
def test_a_bad_pulse_comment_is_refused_from_the_link_with_the_text_kept(everyone, bad, message):
    enable_pulse(everyone.payments)
    period = periods.period_for(everyone.payments, today_utc())
    ticket = answers.new_ticket(everyone.people.member, period)
    response = Client().post(LINK, form_data(period, free_text=bad, token=ticket.token))
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert bad.replace("\x00", "")[:40] in html.replace("\x00", "").replace("\ufffd", "")
    assert "Please correct the comment below" in html and 'aria-invalid="true"' in html
    assert Response.objects.count() == 0 and Participation.objects.count() == 0


def test_hostile_questions_refused_for_an_error_come_back_inert_and_kept(login, cast, everyone):
    team = everyone.payments
    response = login(cast["lead"]).post(reverse("pulse:questions", args=[team.slug]),
                                        {"statement_1": HOSTILE[0], "statement_2": HOSTILE[1],
                                         "free_text_question": HOSTILE[2]})
    html = response.content.decode()
    assert response.status_code == 200 and "This field is required." in html
    assert_inert(html)
    assert 'value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in html
    assert QuestionSet.objects.filter(team=team).count() == 1


def test_hostile_near_miss_text_refused_for_an_error_comes_back_inert_and_kept(login, cast, everyone):
    data = {"kind": "people", "what_happened": HOSTILE_TEXT, "what_stopped_it": HOSTILE_TEXT,
            "likelier_next_time": HOSTILE_TEXT, "team": "", "anonymous": "on"}
    response = login(cast["member"]).post(reverse("nearmisses:report"), data)
    html = response.content.decode()
    assert response.status_code == 400 and "what you typed is kept" in html
    assert_inert(html)
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 3
    assert NearMiss.objects.count() == 0


def test_a_hostile_pulse_comment_from_the_app_is_inert_for_the_lead(login, cast, everyone):
    team = everyone.payments
    enable_pulse(team)
    fill(team, 4, start=PAST_MONDAY)
    period = make_period(team, PAST_MONDAY)
    answer(cast["member"], period, free_text=HOSTILE_TEXT)
    html = login(cast["lead"]).get(reverse("pulse:period", args=[team.slug, period.start.isoformat()])).content
    html = html.decode()
    assert "&lt;script&gt;" in html
    assert_inert(html)


@pytest.mark.parametrize("field", ["what_happened", "what_stopped_it", "likelier_next_time"])
def test_a_nul_byte_in_a_near_miss_field_is_refused_with_the_text_kept(login, cast, everyone, field):
    data = {"kind": "technical", "team": everyone.payments.pk, **TEXTS, field: "Before the NUL \x00 after it"}
    response = login(cast["member"]).post(reverse("nearmisses:report"), data)
    html = response.content.decode()
    assert response.status_code == 400 and "Null characters are not allowed" in html
    other = "what_happened" if field != "what_happened" else "likelier_next_time"
    assert "Before the NUL" in html and TEXTS[other][:30] in html
    assert NearMiss.objects.count() == 0


def test_hostile_near_miss_text_is_inert_in_triage_list_detail_and_my_reports(login, cast, everyone):
    data = {"kind": "technical", "team": everyone.payments.pk, "what_happened": HOSTILE_TEXT,
            "what_stopped_it": HOSTILE_TEXT, "likelier_next_time": HOSTILE_TEXT}
    reporter = login(cast["member"])
    assert reporter.post(reverse("nearmisses:report"), data).status_code == 302
    near_miss = NearMiss.objects.get()
    lead = login(cast["lead"])
    for page in [lead.get(reverse("nearmisses:list")), lead.get(near_miss.get_absolute_url()),
                 reporter.get(reverse("nearmisses:mine")), reporter.get(near_miss.get_absolute_url())]:
        assert page.status_code == 200
        assert_inert(page.content.decode())


def test_a_hostile_dismiss_reason_is_inert_for_the_reporter_and_the_lead(login, cast, everyone):
    near_miss = make_near_miss(everyone.payments, reporter=cast["member"])
    lead = login(cast["lead"])
    assert lead.post(reverse("nearmisses:dismiss", args=[near_miss.pk]), {"reason": HOSTILE_TEXT}).status_code == 302
    for client in [lead, login(cast["member"])]:
        html = client.get(near_miss.get_absolute_url()).content.decode()
        assert "&lt;script&gt;" in html
        assert_inert(html)


def test_a_dismiss_reason_with_a_nul_byte_is_refused_with_the_text_kept(login, cast, everyone):
    near_miss = make_near_miss(everyone.payments)
    response = login(cast["lead"]).post(reverse("nearmisses:dismiss", args=[near_miss.pk]),
                                        {"reason": "Seen before \x00 twice"})
    assert response.status_code == 400 and "Seen before" in response.content.decode()
    near_miss.refresh_from_db()
    assert near_miss.status == "new"


def test_markdown_tricks_in_a_promoted_near_miss_are_inert_in_the_post_mortem_and_editor(login, cast, everyone):
    near_miss = make_near_miss(everyone.payments, what_happened=HOSTILE_TEXT, what_stopped_it=HOSTILE_TEXT,
                               likelier_next_time=HOSTILE_TEXT)
    lead = login(cast["lead"])
    response = lead.post(reverse("nearmisses:promote", args=[near_miss.pk]))
    assert response.status_code == 302
    draft = PostMortem.objects.get()
    for url in [draft.get_absolute_url(), reverse("postmortems:edit", args=[draft.pk])]:
        page = lead.get(url)
        assert page.status_code == 200
        assert_inert(page.content.decode())


def test_a_near_miss_at_the_longest_length_promotes_without_an_error(login, cast, everyone):
    long_text = ("A long line of what happened. " * 200)[:4999] + "."
    near_miss = make_near_miss(everyone.payments, what_happened=long_text, what_stopped_it=long_text,
                               likelier_next_time=long_text)
    response = login(cast["lead"]).post(reverse("nearmisses:promote", args=[near_miss.pk]))
    assert response.status_code == 302
    assert PostMortem.objects.get().summary == long_text


# 3. Anonymity --------------------------------------------------------------------------------

def test_the_answer_link_request_is_logged_without_user_or_token(login, cast, everyone):
    enable_pulse(everyone.payments)
    period = periods.period_for(everyone.payments, today_utc())
    ticket = answers.new_ticket(cast["member"], period)
    signed_in = login(cast["member"])
    lines = captured_log_lines(lambda: (signed_in.get(LINK, {"t": ticket.token}),
                                        signed_in.post(LINK, form_data(period, token=ticket.token))))
    assert len(lines) == 2
    for line in lines:
        assert line.get("user_id") is None
        # The token's signed payload (its part before the timestamp) and the secret it carries.
        assert ticket.token.split(":")[0] not in str(line) and ticket.secret not in str(line)


def test_the_in_app_answer_is_logged_without_a_user_id(login, cast, everyone):
    enable_pulse(everyone.payments)
    period = periods.period_for(everyone.payments, today_utc())
    client = login(cast["member"])
    lines = captured_log_lines(lambda: client.post(reverse("pulse:answer", args=[everyone.payments.slug]),
                                                   form_data(period)))
    (line,) = lines
    assert line.get("user_id") is None and Response.objects.count() == 1


def test_no_stored_row_holds_the_private_links_secret(login, cast, everyone):
    enable_pulse(everyone.payments)
    period = periods.period_for(everyone.payments, today_utc())
    html = login(cast["member"]).post(reverse("pulse:answer", args=[everyone.payments.slug]),
                                      form_data(period, free_text="Mine.")).content.decode()
    link = re.search(r'value="(http[^"]+)"', html).group(1).replace("&amp;", "&")
    secret = answers.ticket_from_token(token_of(link)).secret
    with connection.cursor() as cursor:
        for table in ["pulse_response", "pulse_participation", "pulse_invitation", "pulse_answer"]:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 — fixed table names
            assert secret not in str(cursor.fetchall()), table
    # Only its hash is kept, as the response's key.
    assert Response.objects.get().key_hash == answers.hash_secret(secret)


def stored_rows(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text, ctid::text, key_hash FROM {table} ORDER BY ctid")  # noqa: S608
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_the_database_cannot_pair_a_response_with_its_participation_by_transaction_id(org):
    period = fill(org.payments, 6)
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text::bigint FROM pulse_participation")
        participations = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT DISTINCT xmin::text::bigint FROM pulse_response WHERE period_start = %s",
                       [period.start])
        responses = [row[0] for row in cursor.fetchall()]
    # Every response carries the transaction of the latest submission; none sits beside an earlier participation.
    assert len(responses) == 1
    assert not {xmin - 1 for xmin in participations if xmin < max(participations)} & set(responses)


@pytest.mark.django_db(transaction=True)
def test_every_submission_rewrites_the_periods_responses_in_new_places(org):
    period = fill(org.payments, 5)
    before = {key: place for _, place, key in stored_rows("pulse_response")}
    (late,) = add_members(org.payments, 1, prefix="late")
    answer(late, period)
    after = {key: place for _, place, key in stored_rows("pulse_response")}
    assert set(before) < set(after)
    assert all(after[key] != before[key] for key in before)


def test_the_participation_row_carries_no_time_and_no_link_to_the_response():
    fields = {field.name for field in Participation._meta.get_fields()}
    assert fields == {"id", "person", "team", "period_start"}
    response_fields = {field.name for field in Response._meta.get_fields()}
    assert not response_fields & {"person", "user", "created_at", "updated_at", "participation"}


def test_results_never_count_the_responses_of_an_open_period_anywhere(login, cast, everyone, pulse):
    lead = login(cast["lead"])
    shown = [name for name in pulse_urls(everyone.payments, pulse) if name not in LEAD_ONLY | {"answer", "export"}]

    def pages():
        urls = pulse_urls(everyone.payments, pulse)
        return {**{name: main_of(lead.get(urls[name]).content.decode()) for name in shown},
                "export": lead.get(urls["export"]).content.decode().split("\n", 1)[1]}

    before = pages()
    # One more person answers the open period: no page may change.
    (late,) = add_members(everyone.payments, 1, prefix="late")
    answer_now(late, pulse["open"], free_text="Late.")
    assert pages() == before
    trends_html = lead.get("/trends/").content.decode()
    pulse_section = trends_html.split('<section id="pulse"')[1].split("</section>")[0]
    assert pulse["open"].start.isoformat() not in pulse_section and "Late." not in trends_html


def test_results_wait_until_a_last_moment_answer_can_no_longer_arrive(everyone):
    team = everyone.payments
    period = fill(team, 5)
    last_second = period.closes_at - timedelta(seconds=1)
    (late,) = add_members(team, 1, prefix="late")
    ticket = answers.new_ticket(late, period)
    scores = {s.pk: 1 for s in period.question_set.statements.all()}
    # Checked as on time in the last second; committed just after the close.
    answers.submit(ticket, scores=scores, now=last_second)
    just_closed = period.closes_at + timedelta(seconds=1)
    assert results.team_results(team, period.start, now=just_closed) is None
    assert results.period_summary(team, period.start, now=just_closed).state == "open"
    assert results.statement_history(team, now=just_closed) == []
    assert results.team_results(team, period.start, now=period.closes_at + results.SETTLING).response_count == 6


def test_an_anonymous_near_miss_names_nobody_on_any_page_or_email_after_triage(login, cast, everyone):
    reporter = factories.make_user("zquillon", first_name="Zephyrine", last_name="Quillfeather")
    factories.add_member(everyone.payments, reporter)
    login(reporter).post(reverse("nearmisses:report"),
                         {"kind": "people", "team": everyone.payments.pk, "anonymous": "on", **TEXTS})
    near_miss = NearMiss.objects.get()
    lead = login(cast["lead"])
    lead.post(reverse("nearmisses:acknowledge", args=[near_miss.pk]), {"themes": [factories.shared_theme().pk]})
    pages = [lead.get(reverse("nearmisses:list")), lead.get(near_miss.get_absolute_url()),
             lead.get(reverse("nearmisses:list") + "?kind=people&status=acknowledged"), lead.get("/trends/")]
    texts = [page.content.decode() for page in pages] + [str(m.message()) for m in mail.outbox]
    for text in texts:
        for value in ["zquillon", "Zephyrine", "Quillfeather"]:
            assert value not in text
    near_miss.refresh_from_db()
    assert near_miss.reporter_id is None and near_miss.reported_at is None


def test_the_near_miss_list_cannot_be_filtered_by_reporter(login, cast, everyone):
    make_near_miss(everyone.payments, anonymous=True, what_happened="Anonymous one")
    make_near_miss(everyone.payments, reporter=cast["member"], what_happened="Named one")
    lead = login(cast["lead"])
    url = reverse("nearmisses:list")
    plain = main_of(lead.get(url).content.decode())
    for query in [f"?reporter={cast['member'].pk}", "?anonymous=1", "?anonymous=0", "?reported_at__isnull=1"]:
        assert main_of(lead.get(url + query).content.decode()) == plain, query


# 4. Races ------------------------------------------------------------------------------------

def in_threads(*calls):
    """Run the calls at once, each in its own thread and connection; return their results or errors."""
    barrier = threading.Barrier(len(calls))
    found = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            found[index] = call()
        except Exception as error:  # noqa: BLE001 — the test looks at what each got
            found[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


@pytest.mark.django_db(transaction=True)
def test_two_leads_saving_questions_at_once_make_two_versions_without_an_error(org):
    team = org.payments
    questions.current_set(team)
    found = in_threads(
        lambda: questions.edit(team, ["A one.", "A two.", "A three."], "", by=org.people.lead),
        lambda: questions.edit(team, ["B one.", "B two.", "B three."], "", by=org.people.lead),
    )
    assert not any(isinstance(result, Exception) for result in found), found
    assert sorted(QuestionSet.objects.filter(team=team).values_list("version", flat=True)) == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_two_first_uses_at_once_make_one_default_question_set(org):
    found = in_threads(lambda: questions.current_set(org.payments), lambda: questions.current_set(org.payments))
    assert not any(isinstance(result, Exception) for result in found), found
    assert QuestionSet.objects.filter(team=org.payments).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_first_visits_at_once_store_one_period(org):
    enable_pulse(org.payments)
    day = today_utc()
    found = in_threads(lambda: periods.period_for(org.payments, day), lambda: periods.period_for(org.payments, day))
    assert not any(isinstance(result, Exception) for result in found), found
    assert found[0].pk == found[1].pk


@pytest.mark.django_db(transaction=True)
def test_a_question_edit_during_answering_keeps_the_answer_on_the_periods_questions(org):
    enable_pulse(org.payments)
    period = periods.period_for(org.payments, today_utc())
    ticket = answers.new_ticket(org.people.member, period)
    scores = {s.pk: 3 for s in period.question_set.statements.all()}
    found = in_threads(
        lambda: answers.submit(ticket, scores=scores),
        lambda: questions.edit(org.payments, ["New one.", "New two.", "New three."], "", by=org.people.lead),
    )
    assert not any(isinstance(result, Exception) for result in found), found
    response = Response.objects.get()
    assert response.question_set_id == period.question_set_id
    assert set(response.answers.values_list("statement_id", flat=True)) == set(scores)


@pytest.mark.django_db(transaction=True)
def test_a_dismissal_racing_a_promotion_leaves_a_consistent_report(org):
    near_miss = make_near_miss(org.payments)
    found = in_threads(
        lambda: triage.promote(NearMiss.objects.get(pk=near_miss.pk), by=org.people.lead),
        lambda: triage.dismiss(NearMiss.objects.get(pk=near_miss.pk), reason="Known.", by=org.people.lead),
    )
    near_miss.refresh_from_db()
    assert not any(isinstance(r, Exception) and not isinstance(r, triage.AlreadyPromoted) for r in found), found
    if near_miss.status == "promoted":
        assert PostMortem.objects.count() == 1 and near_miss.dismiss_reason == ""
    else:
        assert near_miss.status == "dismissed" and PostMortem.objects.count() == 0


# 5. CSRF and the answer-link headers ---------------------------------------------------------

def csrf_client(user=None):
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def test_every_pulse_post_without_a_csrf_token_is_refused(cast, everyone):
    team = everyone.payments
    enable_pulse(team)
    period = periods.period_for(team, today_utc())
    ticket = answers.new_ticket(cast["member"], period)
    lead, member = csrf_client(cast["lead"]), csrf_client(cast["member"])
    posts = [
        (lead, reverse("pulse:questions", args=[team.slug]), {f"statement_{n}": f"Forged {n}" for n in range(1, 4)}),
        (lead, reverse("pulse:settings", args=[team.slug]),
         {"enabled": "", "cadence": "weekly", "day": 1, "hour": 10, "anchor": "2024-01-01"}),
        (member, reverse("pulse:answer", args=[team.slug]), form_data(period)),
        (csrf_client(), LINK, form_data(period, token=ticket.token)),
    ]
    for client, url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert QuestionSet.objects.filter(team=team).count() == 1
    assert PulseSettings.objects.get(team=team).enabled is True
    assert Response.objects.count() == 0


def test_every_near_miss_post_without_a_csrf_token_is_refused(cast, everyone):
    near_miss = make_near_miss(everyone.payments)
    lead = csrf_client(cast["lead"])
    posts = [
        (csrf_client(cast["member"]), reverse("nearmisses:report"),
         {"kind": "technical", "team": everyone.payments.pk, **TEXTS}),
        (lead, reverse("nearmisses:acknowledge", args=[near_miss.pk]), {"themes": [factories.shared_theme().pk]}),
        (lead, reverse("nearmisses:dismiss", args=[near_miss.pk]), {"reason": "Forged."}),
        (lead, reverse("nearmisses:promote", args=[near_miss.pk]), {}),
    ]
    for client, url, data in posts:
        assert client.post(url, data).status_code == 403, url
    near_miss.refresh_from_db()
    assert near_miss.status == "new" and NearMiss.objects.count() == 1 and PostMortem.objects.count() == 0


def test_every_answer_page_state_is_never_cached_and_sends_only_the_origin(login, cast, everyone):
    team = everyone.payments
    enable_pulse(team)
    period = periods.period_for(team, today_utc())
    ticket = answers.new_ticket(cast["member"], period)
    other = answers.new_ticket(cast["member"], period)
    closed = answers.new_ticket(cast["member"], make_period(team, PAST_MONDAY))
    visitor = Client()
    responses = {
        "form": visitor.get(LINK, {"t": ticket.token}),
        "invalid": visitor.get(LINK, {"t": ticket.token[:-3] + "abc"}),
        "closed": visitor.get(LINK, {"t": closed.token}),
        "answered": visitor.post(LINK, form_data(period, token=ticket.token)),
        "changing": visitor.get(LINK, {"t": ticket.token}),
        "answered_elsewhere": visitor.get(LINK, {"t": other.token}),
        "in_app": login(cast["lead"]).get(reverse("pulse:answer", args=[team.slug])),
        "in_app_answered": login(everyone.people.author).post(
            reverse("pulse:answer", args=[team.slug]), form_data(period)),
    }
    assert responses["closed"].status_code == 410 and responses["invalid"].status_code == 404
    for state, response in responses.items():
        assert response["Referrer-Policy"] == "strict-origin", state
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], state


def test_the_answer_link_page_holds_the_token_only_in_its_form(everyone):
    enable_pulse(everyone.payments)
    period = periods.period_for(everyone.payments, today_utc())
    token = answers.new_ticket(everyone.people.member, period).token  # timestamped: made once
    html = Client().get(LINK, {"t": token}).content.decode()
    # Once, in the hidden field: not in the form's action, not in any link a click would follow.
    assert html.count(token) == 1
    assert f'name="token" value="{token}"' in html


def test_the_settings_form_refuses_a_foreign_team_or_field(login, cast, everyone):
    """A lead's settings POST changes only their own team's allowed fields."""
    team = everyone.payments
    response = login(cast["lead"]).post(reverse("pulse:settings", args=[team.slug]), {
        "enabled": "on", "cadence": "weekly", "day": 1, "hour": 10, "anchor": "2024-01-01",
        "team": everyone.search.pk, "id": 999,
    })
    assert response.status_code == 302
    assert PulseSettings.objects.get(team=team).enabled is True
    assert not PulseSettings.objects.filter(team=everyone.search).exists()


def test_a_removed_member_loses_the_teams_pulse_at_once(login, cast, everyone, pulse):
    Membership.objects.filter(user=cast["member"], team=everyone.payments).delete()
    client = login(cast["member"])
    for name, url in pulse_urls(everyone.payments, pulse).items():
        if name != "index":
            assert client.get(url).status_code == 404, name
