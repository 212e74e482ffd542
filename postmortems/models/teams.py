"""Teams, their members, and per-person preferences."""
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (try Europe/London or America/New_York).")


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")
    # Added as viewers to every new people incident of the team; its leads choose them on the team page.
    default_viewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEAD = "lead", "Lead"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team")]
        ordering = ["team__name", "user__username"]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.get_role_display()})"


class Profile(models.Model):
    """What a person prefers: their time zone and how Debrief may email them."""

    class Weekday(models.IntegerChoices):
        # Numbered as Python's date.weekday(), so a local date compares directly.
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    reminders_paused = models.BooleanField(default=False)
    digest_opt_in = models.BooleanField(default=True)
    digest_day = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    digest_hour = models.PositiveSmallIntegerField(choices=HOURS, default=9)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(digest_day__lte=6), name="digest_day_is_a_weekday"),
            models.CheckConstraint(condition=models.Q(digest_hour__lte=23), name="digest_hour_in_day"),
        ]

    def __str__(self):
        return f"Profile of {self.user}"

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.timezone)

    @classmethod
    def for_user(cls, user):
        """This person's profile, created with defaults the first time it is needed."""
        return cls.objects.get_or_create(user=user)[0]
