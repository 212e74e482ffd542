"""Answering the pulse: the private link, and storing a response that names nobody.

The link is a signed token holding the team, the period, the person and a random
secret made when the email (or the in-app answer) is built and never stored. The
response is stored under the SHA-256 of that secret, so the link finds it again for a
change, while the database holds nothing that leads from a response to a person.
Separately, a `Participation` row records that the person answered; its uniqueness
is the one-response-per-person rule.
"""
import hashlib
import random
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from postmortems.models import Membership
from pulse.models import Answer, Participation, Period, Response

LINK_SALT = "pulse.answers.link"


class LinkUnusable(Exception):
    """The link cannot be used; `state` says why: invalid, closed or not_member."""

    def __init__(self, state):
        super().__init__(state)
        self.state = state


class AlreadyAnswered(Exception):
    """The person has a response for this period, made from another link."""


class PeriodClosed(Exception):
    """The period is not open for answers (yet, or any more)."""


@dataclass(frozen=True)
class Ticket:
    """The right to answer one team's pulse for one period, as one person, under one secret."""

    person: object
    period: Period
    secret: str

    @property
    def key_hash(self):
        return hash_secret(self.secret)

    @property
    def token(self):
        payload = {"t": self.period.team_id, "p": self.period.start.isoformat(), "u": self.person.pk, "s": self.secret}
        return signing.dumps(payload, salt=LINK_SALT)

    @property
    def url(self):
        # The token travels in the query string: the app's own request log records paths only.
        return settings.SITE_URL + reverse("pulse:answer-link") + "?t=" + self.token


def hash_secret(secret):
    """What is stored in place of a link's secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_ticket(person, period):
    """A ticket with a fresh secret: for one email, or one in-app answer."""
    return Ticket(person=person, period=period, secret=secrets.token_urlsafe(32))


def ticket_from_token(token, *, now=None):
    """The ticket a link's token carries, if it may still be used at `now`; else LinkUnusable."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=LINK_SALT)
        team_id, start, person_id, secret = payload["t"], date.fromisoformat(payload["p"]), payload["u"], payload["s"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkUnusable("invalid") from None
    if not isinstance(secret, str) or not secret:
        raise LinkUnusable("invalid")
    period = Period.objects.filter(team_id=team_id, start=start).select_related("team", "question_set").first()
    if period is None:
        raise LinkUnusable("invalid")
    if not period.is_open(now):
        raise LinkUnusable("closed")
    membership = Membership.objects.filter(team_id=team_id, user_id=person_id, user__is_active=True)
    membership = membership.select_related("user").first()
    if membership is None:
        raise LinkUnusable("not_member")
    return Ticket(person=membership.user, period=period, secret=secret)


def has_answered(person, period):
    """Whether the person has a response for the period (from whichever link), not which it is."""
    return Participation.objects.filter(person=person, team_id=period.team_id, period_start=period.start).exists()


def response_for(ticket):
    """The response this ticket's secret made, or None."""
    return (
        Response.objects.filter(team_id=ticket.period.team_id, period_start=ticket.period.start,
                                key_hash=ticket.key_hash)
        .prefetch_related("answers").first()
    )


def submit(ticket, *, scores, free_text="", now=None):
    """Store or change the ticket's response; returns it.

    `scores` is {statement id: 1–5} for every statement of the period's questions.
    A first response also records the person's participation, in the same transaction:
    its unique constraint lets only one response per person and period through, whichever
    tabs or links race. A second secret for an answered period raises AlreadyAnswered.
    Every submission then rewrites the period's responses in a random order (`_rewrite_shuffled`).
    """
    period = ticket.period
    if not period.is_open(now or timezone.now()):
        raise PeriodClosed(str(period))
    _check_scores(period, scores)
    with transaction.atomic():
        # One submission at a time per period: each rewrites all of the period's responses.
        Period.objects.select_for_update().filter(pk=period.pk).first()
        response = _locked_response(ticket)
        if response is None:
            try:
                with transaction.atomic():
                    Participation.objects.create(person=ticket.person, team_id=period.team_id,
                                                 period_start=period.start)
            except IntegrityError:
                # Either another link answered, or this link's other tab committed first: then it is a change.
                response = _locked_response(ticket)
                if response is None:
                    raise AlreadyAnswered(str(period)) from None
        if response is None:
            response = Response.objects.create(
                team_id=period.team_id, period_start=period.start, question_set_id=period.question_set_id,
                free_text=free_text, key_hash=ticket.key_hash,
            )
        else:
            response.free_text = free_text
            response.save(update_fields=["free_text"])
            response.answers.all().delete()
        Answer.objects.bulk_create(
            Answer(response=response, statement_id=statement_id, score=score) for statement_id, score in scores.items()
        )
        _rewrite_shuffled(period)
    return response_for(ticket)


def _rewrite_shuffled(period):
    """Write the period's responses and answers again, as new rows in a random order, in this transaction.

    PostgreSQL keeps with every row the id of the transaction that wrote it (`xmin`) and its place in
    the table (`ctid`), and a dump lists rows in that place's order. A response written on its own
    would carry the id of the transaction that also wrote the person's participation, and sit in the
    same position among the period's responses as the participation among the participations: anyone
    reading the database or a backup could pair them. Rewritten together, every response of the period
    carries the latest submission's transaction id and a random place, so neither says whose it is.
    """
    responses = list(
        Response.objects.filter(team_id=period.team_id, period_start=period.start).prefetch_related("answers")
    )
    shuffle = random.SystemRandom().shuffle
    shuffle(responses)
    Response.objects.filter(pk__in=[response.pk for response in responses]).delete()
    copies = [
        Response(team_id=response.team_id, period_start=response.period_start,
                 question_set_id=response.question_set_id, free_text=response.free_text, key_hash=response.key_hash)
        for response in responses
    ]
    Response.objects.bulk_create(copies)
    rows = [Answer(response=copy, statement_id=answer.statement_id, score=answer.score)
            for copy, response in zip(copies, responses) for answer in response.answers.all()]
    shuffle(rows)
    Answer.objects.bulk_create(rows)


def _locked_response(ticket):
    return (
        Response.objects.select_for_update()
        .filter(team_id=ticket.period.team_id, period_start=ticket.period.start, key_hash=ticket.key_hash).first()
    )


def _check_scores(period, scores):
    wanted = set(period.question_set.statements.values_list("pk", flat=True))
    if set(scores) != wanted or any(score not in range(1, 6) for score in scores.values()):
        raise ValueError("Every statement of the period's questions needs a score from 1 to 5.")
