"""Answering the pulse: signed links, changes from the link, in-app answers, and one response per person."""
import threading
from datetime import timezone as dt_timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pulse import answers, periods
from pulse.models import Answer, Participation, Response
from tests.test_pulse_support import PAST_MONDAY, answer, enable_pulse, form_data, make_period

pytestmark = pytest.mark.usefixtures("fast_passwords")
LINK = reverse("pulse:answer-link")


@pytest.fixture
def period(org):
    """Payments' pulse is on; the period it is now (in UTC, everyone's zone here)."""
    enable_pulse(org.payments)
    return periods.period_for(org.payments, timezone.localdate(timezone.now(), dt_timezone.utc))


def token_of(ticket):
    return parse_qs(urlsplit(ticket.url).query)["t"][0]


def open_link(client, ticket):
    return client.get(LINK, {"t": token_of(ticket)})


def post_link(client, ticket, period, score=4, free_text=""):
    return client.post(LINK, form_data(period, score, free_text, token=token_of(ticket)))


# The link ------------------------------------------------------------------------------

def test_the_link_opens_the_form_without_a_session(org, period, client):
    ticket = answers.new_ticket(org.people.member, period)

    response = open_link(client, ticket)

    assert response.status_code == 200
    html = response.content.decode()
    assert "I can raise a problem without fear." in html and 'name="token"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_answering_from_the_link_stores_a_response_that_names_nobody(org, period, client):
    ticket = answers.new_ticket(org.people.member, period)

    response = post_link(client, ticket, period, score=2, free_text="Pager load is heavy.")

    assert response.status_code == 200 and "Your answers to the Payments pulse are saved" in response.content.decode()
    (stored,) = Response.objects.all()
    assert stored.key_hash == answers.hash_secret(ticket.secret) and ticket.secret not in stored.key_hash
    assert stored.free_text == "Pager load is heavy." and stored.period_start == period.start
    assert sorted(stored.answers.values_list("score", flat=True)) == [2] * 5
    assert Participation.objects.filter(person=org.people.member, period_start=period.start).count() == 1


def test_a_response_has_no_field_that_leads_to_a_person_and_no_time():
    from django.contrib.auth import get_user_model

    for model in (Response, Answer):
        fields = model._meta.get_fields()
        assert not [f for f in fields if f.is_relation and f.related_model is get_user_model()]
        assert not [f for f in fields if f.get_internal_type() in ("DateTimeField", "TimeField", "AutoField",
                                                                    "BigAutoField")]
        assert model._meta.pk.get_internal_type() == "UUIDField"
    assert Participation._meta.pk.get_internal_type() == "UUIDField"
    assert not [f for f in Participation._meta.get_fields() if f.get_internal_type() == "DateTimeField"]


def test_the_link_changes_its_own_response_until_the_period_closes(org, period, client):
    ticket = answers.new_ticket(org.people.member, period)
    post_link(client, ticket, period, score=2)

    page = open_link(client, ticket).content.decode()
    response = post_link(client, ticket, period, score=5, free_text="Better now.")

    assert 'value="2" checked' in page and "Save my changes" in page
    assert "Your changes are saved" in response.content.decode()
    (stored,) = Response.objects.all()
    assert sorted(stored.answers.values_list("score", flat=True)) == [5] * 5 and stored.free_text == "Better now."
    assert Participation.objects.count() == 1


def test_a_tampered_link_is_refused(org, period, client):
    token = token_of(answers.new_ticket(org.people.member, period))
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    response = client.get(LINK, {"t": tampered})

    assert response.status_code == 404 and "cannot be used" in response.content.decode()
    assert client.post(LINK, form_data(period, token=tampered)).status_code == 404
    assert not Response.objects.exists()


def test_a_link_forged_for_another_team_is_refused(org, period, client):
    """The team is inside the signature: rewriting it breaks the link."""
    token = token_of(answers.new_ticket(org.people.member, period))
    payload = signing.loads(token, salt=answers.LINK_SALT)
    forged = signing.dumps({**payload, "t": org.search.pk}, salt="someone-elses-salt")

    assert client.get(LINK, {"t": forged}).status_code == 404


def test_a_signed_link_for_a_team_the_person_is_not_in_is_refused(org, period, client):
    enable_pulse(org.search)
    search_period = periods.period_for(org.search, period.start)
    ticket = answers.new_ticket(org.people.member, search_period)

    assert open_link(client, ticket).status_code == 404
    assert post_link(client, ticket, search_period).status_code == 404
    assert not Response.objects.exists()


def test_a_link_of_someone_no_longer_in_the_team_is_refused(org, period, client):
    ticket = answers.new_ticket(org.people.member, period)
    org.payments.memberships.filter(user=org.people.member).delete()

    response = open_link(client, ticket)

    assert response.status_code == 404 and "no longer in the team" in response.content.decode()


def test_a_link_for_a_closed_period_is_refused(org, client):
    enable_pulse(org.payments)
    closed = make_period(org.payments, PAST_MONDAY)
    ticket = answers.new_ticket(org.people.member, closed)

    response = open_link(client, ticket)

    assert response.status_code == 410 and "has closed" in response.content.decode()
    assert client.post(LINK, form_data(closed, token=token_of(ticket))).status_code == 410
    assert not Response.objects.exists()


def test_the_link_post_needs_the_csrf_token(org, period):
    ticket = answers.new_ticket(org.people.member, period)
    strict = Client(enforce_csrf_checks=True)

    assert post_link(strict, ticket, period).status_code == 403
    assert not Response.objects.exists()


def test_a_second_link_for_an_answered_period_cannot_add_a_response(org, period, client):
    """A resent email carries a new secret: the person answered already, so it cannot count twice."""
    first = answers.new_ticket(org.people.member, period)
    post_link(client, first, period, score=1)
    second = answers.new_ticket(org.people.member, period)

    page = open_link(client, second).content.decode()
    response = post_link(client, second, period, score=5)

    assert "already answered" in page and "already answered" in response.content.decode()
    assert Response.objects.count() == 1
    assert set(Answer.objects.values_list("score", flat=True)) == {1}


def test_incomplete_answers_are_asked_again(org, period, client):
    ticket = answers.new_ticket(org.people.member, period)
    data = form_data(period, token=token_of(ticket))
    del data[next(key for key in data if key.startswith("statement_"))]

    response = client.post(LINK, data)

    assert response.status_code == 200 and "Please answer every statement" in response.content.decode()
    assert not Response.objects.exists() and not Participation.objects.exists()


# In the app ----------------------------------------------------------------------------

def test_a_member_answers_in_the_app_and_is_shown_a_private_change_link(org, period, login):
    client = login(org.people.member)
    url = reverse("pulse:answer", args=[org.payments.slug])

    response = client.post(url, form_data(period, 3))

    html = response.content.decode()
    assert "Keep it somewhere safe" in html
    link = html.split('id="change-link" type="text" readonly value="')[1].split('"')[0].replace("&amp;", "&")
    assert Response.objects.count() == 1
    # The link finds the response again, from any browser.
    change = Client().get(link.replace("http://127.0.0.1:8000", ""))
    assert change.status_code == 200 and 'value="3" checked' in change.content.decode()


def test_the_app_form_does_not_take_a_second_response(org, period, login):
    client = login(org.people.member)
    url = reverse("pulse:answer", args=[org.payments.slug])
    client.post(url, form_data(period, 3))

    page = client.get(url).content.decode()
    again = client.post(url, form_data(period, 5))

    assert "You have answered" in page and "You have answered" in again.content.decode()
    assert Response.objects.count() == 1


def test_the_app_form_after_an_email_answer_says_it_is_answered(org, period, login):
    answer(org.people.member, period)

    page = login(org.people.member).get(reverse("pulse:answer", args=[org.payments.slug])).content.decode()

    assert "You have answered" in page


def test_the_app_form_says_when_the_pulse_is_off(org, login):
    page = login(org.people.member).get(reverse("pulse:answer", args=[org.payments.slug])).content.decode()

    assert "The pulse is off" in page


def test_outsiders_get_404_from_the_app_form(org, period, login):
    url = reverse("pulse:answer", args=[org.payments.slug])

    assert login(org.people.outsider).get(url).status_code == 404
    assert login(org.people.other_team).post(url, form_data(period)).status_code == 404
    assert not Response.objects.exists()


def test_a_closed_period_refuses_a_submission(org):
    closed = make_period(org.payments, PAST_MONDAY)
    ticket = answers.new_ticket(org.people.member, closed)

    with pytest.raises(answers.PeriodClosed):
        answers.submit(ticket, scores={s.pk: 3 for s in closed.question_set.statements.all()})


# One response per person, under races --------------------------------------------------

def _race(submissions):
    """Run the submissions in threads started together; return what each raised (or None)."""
    start = threading.Barrier(len(submissions))
    outcomes = [None] * len(submissions)

    def run(index, submit):
        try:
            start.wait(5)
            submit()
        except Exception as error:  # reported, not lost in the thread
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, submit)) for n, submit in enumerate(submissions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_links_submitted_at_once_count_once(org):
    enable_pulse(org.payments)
    period = periods.period_for(org.payments, timezone.localdate(timezone.now(), dt_timezone.utc))
    scores = {s.pk: 4 for s in period.question_set.statements.all()}
    tickets = [answers.new_ticket(org.people.member, period) for _ in range(4)]

    outcomes = _race([lambda t=t: answers.submit(t, scores=scores) for t in tickets])

    assert Response.objects.count() == 1 and Participation.objects.count() == 1
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyAnswered"] * 3 + ["NoneType"]


@pytest.mark.django_db(transaction=True)
def test_two_tabs_of_one_link_submitted_at_once_store_one_response(org):
    enable_pulse(org.payments)
    period = periods.period_for(org.payments, timezone.localdate(timezone.now(), dt_timezone.utc))
    ticket = answers.new_ticket(org.people.member, period)
    statements = list(period.question_set.statements.all())

    outcomes = _race([lambda n=n: answers.submit(ticket, scores={s.pk: n for s in statements}) for n in (2, 5)])

    assert outcomes == [None, None]
    assert Response.objects.count() == 1 and Participation.objects.count() == 1
    assert len(set(Answer.objects.values_list("score", flat=True))) == 1  # one tab's answers, whole
    assert Answer.objects.count() == len(statements)


def test_the_database_refuses_a_second_participation(org):
    from django.db import IntegrityError, transaction

    period = make_period(org.payments)
    Participation.objects.create(person=org.people.member, team=org.payments, period_start=period.start)
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(person=org.people.member, team=org.payments, period_start=period.start)


def test_pages_holding_a_private_link_send_only_the_origin_as_referrer(org, period, client, login):
    ticket = answers.new_ticket(org.people.member, period)

    assert open_link(client, ticket)["Referrer-Policy"] == "strict-origin"
    assert login(org.people.author).post(reverse("pulse:answer", args=[org.payments.slug]),
                                         form_data(period))["Referrer-Policy"] == "strict-origin"


def test_questions_without_a_free_text_question_are_answered_without_one(org, login):
    from pulse import questions

    questions.edit(org.payments, ["One one.", "Two two.", "Three three."], "")
    enable_pulse(org.payments)
    period = periods.period_for(org.payments, timezone.localdate(timezone.now(), dt_timezone.utc))
    client = login(org.people.member)
    url = reverse("pulse:answer", args=[org.payments.slug])

    page = client.get(url).content.decode()
    response = client.post(url, form_data(period, 3, "ignored"))

    assert "<textarea" not in page and "Two two." in page
    assert "Keep it somewhere safe" in response.content.decode()
    assert Response.objects.get().free_text == ""
