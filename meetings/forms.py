"""The review meeting form: when, how long, where, and whom to invite."""
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from meetings import scheduling
from postmortems import permissions
from meetings.models import MAX_MINUTES, MIN_MINUTES


class InviteeField(forms.TypedMultipleChoiceField):
    """Person ids; a person outside the choices is refused by the form with a reason, not as "invalid choice"."""

    def valid_value(self, value):
        return True


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Starts", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In your own time zone; each invitee's calendar shows it in theirs.",
    )
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=MIN_MINUTES, max_value=MAX_MINUTES,
                                          initial=60)
    location = forms.CharField(label="Where", max_length=300, required=False,
                               help_text="A room, or the video call's link.")
    invitees = InviteeField(label="Invite", coerce=int, widget=forms.CheckboxSelectMultiple,
                            help_text="Only people who may read this post-mortem can be invited.")

    def __init__(self, *args, postmortem, **kwargs):
        super().__init__(*args, **kwargs)
        self.postmortem = postmortem
        candidates = permissions.readers_of(postmortem).order_by("first_name", "last_name", "username")
        self.fields["invitees"].choices = [
            (person.pk, f"{person.get_full_name() or person.username} ({person.email})") for person in candidates
        ]

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at <= timezone.now():
            raise forms.ValidationError("Choose a time in the future.")
        return starts_at

    def clean_invitees(self):
        ids = set(self.cleaned_data["invitees"])
        if len(ids) > scheduling.MAX_INVITEES:
            raise forms.ValidationError(f"Invite at most {scheduling.MAX_INVITEES} people.")
        people = list(get_user_model().objects.filter(pk__in=ids))
        if len(people) != len(ids):
            raise forms.ValidationError("Someone you chose does not exist any more; choose again.")
        refused = scheduling.refused_invitees(self.postmortem, people)
        if refused:
            names = ", ".join(person.get_full_name() or person.username for person in refused)
            raise forms.ValidationError(
                f"{names} may not read this post-mortem, so cannot be invited. For a people incident, "
                "add them as a viewer first; for a technical one, they must be in the team until it is published."
            )
        return people
