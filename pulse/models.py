"""The team pulse: settings, versioned questions, periods, invitations and anonymous responses.

Anonymity is the point of this app, and the schema carries it: a `Response` and its
`Answer`s name no person, have random (UUID) keys and no timestamp, so neither their ids,
their order nor their times can be matched with the `Participation` row that records
only that someone answered. Who may see the results, and above which threshold, is
decided in `pulse.results` and nowhere else.
"""
import uuid
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from postmortems.models import Profile, Team

# A period is open from its first day's midnight where that day starts first (UTC+14) to its
# end's midnight where the day ends last (UTC-12): everyone answers on their own calendar days.
EARLIEST_ZONE = dt_timezone(timedelta(hours=14))
LATEST_ZONE = dt_timezone(timedelta(hours=-12))


def validate_monday(value):
    if value.weekday() != 0:
        raise ValidationError("Periods start on a Monday: pick a Monday.")


class PulseSettings(models.Model):
    """How often a team is asked, and when (each member's local day and hour)."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Every two weeks"

    PERIOD_DAYS = {Cadence.WEEKLY: 7, Cadence.FORTNIGHTLY: 14}

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="pulse_settings")
    enabled = models.BooleanField(default=False, help_text="Invite the team's members each period.")
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.WEEKLY)
    day = models.PositiveSmallIntegerField(
        choices=Profile.Weekday.choices, default=Profile.Weekday.TUESDAY,
        help_text="The day of the period's first week on which each member is asked, in their own time zone.",
    )
    hour = models.PositiveSmallIntegerField(choices=Profile.HOURS, default=10)
    anchor = models.DateField(
        default=date(2024, 1, 1), validators=[validate_monday],
        help_text="A Monday that starts a period; fortnightly periods count from it.",
    )

    class Meta:
        verbose_name_plural = "pulse settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(day__lte=6), name="pulse_day_is_a_weekday"),
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="pulse_hour_in_day"),
        ]

    def __str__(self):
        return f"Pulse settings of {self.team}"

    @classmethod
    def for_team(cls, team):
        """The team's settings, created with the defaults (pulse off) the first time they are needed."""
        return cls.objects.get_or_create(team=team)[0]

    @property
    def period_days(self):
        return self.PERIOD_DAYS[self.cadence]


class QuestionSet(models.Model):
    """One version of a team's questions. Never edited: a change makes the next version."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pulse_question_sets")
    version = models.PositiveIntegerField()
    free_text_question = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["team", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["team", "version"], name="one_pulse_question_set_per_version"),
        ]

    def __str__(self):
        return f"{self.team} pulse questions, version {self.version}"


class Statement(models.Model):
    """A statement people rate from 1 (strongly disagree) to 5 (strongly agree)."""

    question_set = models.ForeignKey(QuestionSet, on_delete=models.CASCADE, related_name="statements")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["question_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question_set", "position"], name="one_pulse_statement_per_position"),
        ]

    def __str__(self):
        return self.text


class Period(models.Model):
    """One round of a team's pulse: [start, end) in local calendar days, with the questions it asks.

    Written once, when the period is first needed, and never changed: a later change of
    cadence shapes only later periods, and a closed period can never reopen (a reopened
    period would let a new response be told apart by its results before and after).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pulse_periods")
    start = models.DateField(help_text="A Monday.")
    end = models.DateField(help_text="The first day after the period.")
    # RESTRICT: a question set that periods used cannot be deleted on its own, but deleting the
    # team takes its questions, periods and responses with it.
    question_set = models.ForeignKey(QuestionSet, on_delete=models.RESTRICT, related_name="periods")

    class Meta:
        ordering = ["team", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["team", "start"], name="one_pulse_period_per_start"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="pulse_period_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.team} pulse {self.start:%Y-%m-%d} to {self.last_day:%Y-%m-%d}"

    @property
    def last_day(self):
        return self.end - timedelta(days=1)

    @property
    def opens_at(self):
        return datetime.combine(self.start, time(0), tzinfo=EARLIEST_ZONE)

    @property
    def closes_at(self):
        return datetime.combine(self.end, time(0), tzinfo=LATEST_ZONE)

    def is_open(self, now):
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now):
        return now >= self.closes_at


class Invitation(models.Model):
    """One person's invitation to one team's pulse for one period: claimed, then sent.

    The fields and their meaning are those of `postmortems.Digest`, so the shared claims
    (`postmortems.claims`) make it exactly once: the unique constraint lets one sweep create
    the row, `sent_at` is set once the mail server accepted the email. It holds no link
    secret: that lives only in the email.
    """

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pulse_invitations")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pulse_invitations")
    period_start = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-period_start", "team_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "team", "period_start"], name="one_pulse_invitation_per_period"),
        ]
        indexes = [models.Index(fields=["period_start", "sent_at"])]

    def __str__(self):
        state = "sent" if self.sent_at else "not sent"
        return f"Pulse invitation for {self.person} to {self.team}, {self.period_start:%Y-%m-%d} ({state})"


class Participation(models.Model):
    """That a person answered a team's pulse for a period: nothing about what, or when.

    Its unique constraint is the "one response per person per period" rule; a random key
    and no timestamp keep it from being lined up with the responses.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pulse_participations")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "team", "period_start"], name="one_pulse_response_per_person"),
        ]

    def __str__(self):
        return f"{self.person} answered the {self.team} pulse of {self.period_start:%Y-%m-%d}"


class Response(models.Model):
    """One anonymous response: the team, the period, the questions' version and the answers.

    `key_hash` is the SHA-256 of a secret only the respondent's link carries, so the link
    finds its response again for a change while nothing stored points to a person.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    question_set = models.ForeignKey(QuestionSet, on_delete=models.RESTRICT, related_name="+")
    free_text = models.TextField(blank=True, max_length=2000)
    key_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "period_start", "key_hash"], name="one_pulse_response_per_key"),
        ]
        indexes = [models.Index(fields=["team", "period_start"])]

    def __str__(self):
        return f"A {self.team} pulse response, {self.period_start:%Y-%m-%d}"


class Answer(models.Model):
    """A response's score for one statement."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    statement = models.ForeignKey(Statement, on_delete=models.RESTRICT, related_name="+")
    score = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "statement"], name="one_pulse_answer_per_statement"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="pulse_score_from_1_to_5"),
        ]

    def __str__(self):
        return f"{self.score} for “{self.statement}”"
