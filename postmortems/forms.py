"""Forms for writing post-mortems: the guided document and its formsets."""
import json
import zoneinfo

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from postmortems.guides import guide_for
from postmortems.models import ActionItem, ContributingFactor, PostMortem, Profile, Team, Theme, TimelineEvent

User = get_user_model()

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


def active_people():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def live_blame_check_attrs(name):
    """htmx attributes that re-check one field for blaming wording as the author pauses typing."""
    return {
        "hx-post": reverse("postmortems:blame-check"),
        "hx-trigger": "input changed delay:350ms",
        "hx-target": f"#blame-{name}",
        "hx-params": f"{name},section",
        "hx-vals": json.dumps({"section": name}),
        "hx-sync": "this:replace",
        "aria-describedby": f"blame-{name}",
    }


class PostMortemForm(forms.ModelForm):
    """The guided document. Section labels and prompts follow the incident kind."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    authors = PersonChoiceField(queryset=User.objects.none(), required=False,
                                help_text="Authors may edit. You are always an author of what you start.")
    viewers = PersonChoiceField(
        queryset=User.objects.none(), required=False,
        help_text="People incidents are visible only to authors, the team's leads and the people listed here.",
    )

    class Meta:
        model = PostMortem
        fields = [
            "title", "team", "severity", "started_at", "detected_at", "resolved_at",
            *PostMortem.SECTIONS, "authors", "viewers",
        ]
        widgets = {
            "started_at": DATETIME_WIDGET,
            "detected_at": DATETIME_WIDGET,
            "resolved_at": DATETIME_WIDGET,
        }

    def __init__(self, *args, user, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.user = user
        self.fields["team"].queryset = Team.objects.filter(memberships__user=user).distinct()
        if self.instance.pk:
            # A post-mortem stays with the team it was written for.
            self.fields["team"].disabled = True
            self.fields["team"].queryset = Team.objects.filter(pk=self.instance.team_id)
            self.fields["version"].initial = self.instance.version
        for name in ["started_at", "detected_at", "resolved_at"]:
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        self.fields["authors"].queryset = active_people()
        self.fields["viewers"].queryset = active_people()
        if kind != PostMortem.Kind.PEOPLE:
            del self.fields["viewers"]
        for name, guide in guide_for(kind).items():
            field = self.fields[name]
            field.label = guide.label
            field.help_text = guide.prompt
            field.widget.attrs.update({"placeholder": guide.placeholder, "rows": 5, "data-section": name})
        for name in ["title", *PostMortem.SECTIONS]:
            self.fields[name].widget.attrs.update(live_blame_check_attrs(name))
        self.fields["title"].widget.attrs["placeholder"] = (
            "Checkout timeouts after pool change" if kind == "technical" else "Escalation lost between support and engineering"
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        cleaned = super().clean()
        started, detected, resolved = (cleaned.get(n) for n in ["started_at", "detected_at", "resolved_at"])
        if started and detected and detected < started:
            self.add_error("detected_at", "Detection cannot come before the incident started.")
        if started and resolved and resolved < started:
            self.add_error("resolved_at", "Resolution cannot come before the incident started.")
        return cleaned


class TimelineEventForm(forms.ModelForm):
    class Meta:
        model = TimelineEvent
        fields = ["occurred_at", "description"]
        widgets = {
            "occurred_at": DATETIME_WIDGET,
            "description": forms.TextInput(attrs={"placeholder": "What happened, as seen at the time"}),
        }
        labels = {"occurred_at": "When", "description": "What happened"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class ContributingFactorForm(forms.ModelForm):
    class Meta:
        model = ContributingFactor
        fields = ["theme", "description"]
        widgets = {"description": forms.TextInput(attrs={"placeholder": "A condition that made this possible"})}
        labels = {"description": "Factor"}

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        themes = Theme.objects.filter(is_active=True).filter(Q(team__isnull=True) | Q(team=team))
        if self.instance.pk:
            themes = themes | Theme.objects.filter(pk=self.instance.theme_id)
        self.fields["theme"].queryset = themes.distinct().order_by("name")


class ActionItemForm(forms.ModelForm):
    owner = PersonField(queryset=User.objects.none(), required=False)

    class Meta:
        model = ActionItem
        fields = ["title", "owner", "due_date", "priority", "status", "description"]
        widgets = {
            "due_date": DATE_WIDGET,
            "title": forms.TextInput(attrs={"placeholder": "A change to the system, e.g. name an owner for hand-offs"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"title": "Action", "description": "What done looks like", "due_date": "Due"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_people()


TimelineFormSet = forms.inlineformset_factory(
    PostMortem, TimelineEvent, form=TimelineEventForm, extra=1, can_delete=True
)
FactorFormSet = forms.inlineformset_factory(
    PostMortem, ContributingFactor, form=ContributingFactorForm, extra=1, can_delete=True
)
ActionItemFormSet = forms.inlineformset_factory(
    PostMortem, ActionItem, form=ActionItemForm, extra=1, can_delete=True
)


class PostMortemFilterForm(forms.Form):
    """The list page's filters; every field optional."""

    q = forms.CharField(label="Search", required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search titles and text"}))
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="All teams")
    kind = forms.ChoiceField(choices=[("", "Both kinds"), *PostMortem.Kind.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *PostMortem.Status.choices], required=False)
    severity = forms.TypedChoiceField(choices=[("", "Any severity"), *PostMortem.Severity.choices],
                                      coerce=int, empty_value=None, required=False)
    theme = forms.ModelChoiceField(queryset=Theme.objects.filter(team__isnull=True), required=False,
                                   empty_label="Any theme")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Dates of the incident, so the trends dashboard can link a month to its incidents.
        self.fields["from"] = forms.DateField(label="Incident from", required=False, widget=DATE_WIDGET)
        self.fields["to"] = forms.DateField(label="Incident to", required=False, widget=DATE_WIDGET)
        if self.is_bound and len(self.data.getlist("team")) > 1:
            # Several teams arrive only from a trends link; keep them all, shown as a multiple select.
            self.fields["team"] = forms.ModelMultipleChoiceField(queryset=Team.objects.all(), required=False)
        # Themes of other teams that appear in post-mortems this person may read are valid too,
        # so a trends link for such a theme filters instead of being refused.
        seen = ContributingFactor.objects.filter(
            postmortem__in=PostMortem.objects.visible_to(user).values("pk")
        ).values("theme_id")
        self.fields["theme"].queryset = Theme.objects.filter(
            Q(team__isnull=True) | Q(team__memberships__user=user) | Q(pk__in=seen)
        ).distinct().order_by("name")
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class ProfileForm(forms.ModelForm):
    """A person's own preferences: time zone and email."""

    timezone = forms.ChoiceField(
        choices=[(name, name) for name in sorted(zoneinfo.available_timezones())],
        help_text="Dates, due dates and reminder times follow this zone.",
    )

    class Meta:
        model = Profile
        fields = ["timezone", "reminders_paused", "digest_opt_in", "digest_day", "digest_hour"]
        labels = {
            "reminders_paused": "Pause action-item reminder emails",
            "digest_opt_in": "Send me the weekly digest",
            "digest_day": "Digest day",
            "digest_hour": "Digest time",
        }
        help_texts = {
            "digest_day": "The day of the week the digest arrives.",
            "digest_hour": "The hour it arrives, in your time zone.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A submission without the digest schedule (an older form) keeps the one saved.
        for name in ("digest_day", "digest_hour"):
            self.fields[name].required = False

    def clean_digest_day(self):
        return self._kept("digest_day")

    def clean_digest_hour(self):
        return self._kept("digest_hour")

    def _kept(self, name):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value in (None, "") else value
