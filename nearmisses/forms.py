"""The report form, the triage forms and the list's filters."""
from django import forms
from django.db.models import Q

from nearmisses.models import NearMiss
from postmortems.forms import DATE_WIDGET
from postmortems.models import Team, Theme

# Long enough for a careful account; short enough to stay far inside a post-mortem section's limit.
TEXT_MAX_LENGTH = 5_000

ANONYMOUS_HELP = (
    "Debrief then keeps no link to you: not your name, not your account, not the time you sent it "
    "(only the day), and the request is logged without your account. The report will not appear under "
    "“My reports”, and nobody can ask you follow-up questions. What you write can still point at you, "
    "so leave out details only you would know."
)


def _text_field(label, help_text, placeholder):
    return forms.CharField(
        label=label, help_text=help_text, max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": placeholder, "class": "form-control"}),
    )


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of near miss?", choices=NearMiss.Kind.choices, initial=NearMiss.Kind.TECHNICAL,
        widget=forms.RadioSelect,
        help_text="People near misses (workload, hand-offs, conflict, safety) are seen only by the team's leads.",
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Team", empty_label="Choose a team")
    what_happened = _text_field(
        "What happened?", "What almost went wrong, and what would have followed.",
        "A migration ran against production instead of staging; it failed on a lock before changing anything.",
    )
    what_stopped_it = _text_field(
        "What stopped it?", "A safeguard, a habit, a colleague's question, or plain luck.",
        "The lock timeout, which was set by chance.",
    )
    likelier_next_time = _text_field(
        "What could make it likelier next time?", "Conditions in the system or the organisation, not a person.",
        "Both environments share a shell profile; nothing shows which one a terminal points at.",
    )
    anonymous = forms.BooleanField(label="Report anonymously", required=False, help_text=ANONYMOUS_HELP)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(memberships__user=user).order_by("name")
        self.fields["team"].queryset = teams
        if not self.is_bound and len(teams[:2]) == 1:
            self.initial["team"] = teams[0].pk
        self.fields["team"].widget.attrs["class"] = "form-select"
        self.fields["anonymous"].widget.attrs.update(
            {"class": "form-check-input", "aria-describedby": "anonymous-help"})


class AcknowledgeForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label="Themes",
        help_text="The shared taxonomy: acknowledged near misses count in the trends under these themes.",
        error_messages={"required": "Choose at least one theme."},
    )

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = themes


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="Why dismiss it?", max_length=2_000,
        help_text="The named reporter sees this on their report.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": "Say why, so the reporter learns what happened to their report."},
    )


# A status filter for what the trends count (acknowledged or promoted), so a trends figure can link here.
COUNTED = "counted"


class FilterForm(forms.Form):
    """The list's filters; every field optional."""

    status = forms.ChoiceField(
        choices=[("", "Any status"), *NearMiss.Status.choices, (COUNTED, "Counted in trends")], required=False,
    )
    kind = forms.ChoiceField(choices=[("", "Both kinds"), *NearMiss.Kind.choices], required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All my teams")
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), required=False, empty_label="Any theme")
    since = forms.DateField(label="Reported from", required=False, widget=DATE_WIDGET)
    until = forms.DateField(label="Reported to", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(memberships__user=user)
        self.fields["team"].queryset = teams.order_by("name")
        # Shared themes and those of the person's teams: other teams' theme names stay theirs.
        self.fields["theme"].queryset = Theme.objects.filter(
            Q(team__isnull=True) | Q(team__in=teams)).select_related("team").order_by("name")
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"
