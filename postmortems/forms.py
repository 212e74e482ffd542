"""Forms for writing post-mortems: the guided document and its formsets."""
import json
import zoneinfo

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property

from postmortems import actions, permissions
from postmortems.guides import guide_for
from postmortems.models import (
    ActionItem, ContributingFactor, Membership, PostMortem, Profile, Team, Theme, TimelineEvent,
)

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


# Longest a guided section may be. Checking wording and rendering Markdown grow faster than the
# text, so the editor refuses more and the preview and live check endpoints answer 400.
SECTION_MAX_LENGTH = 50_000


def section_too_long(text):
    return len(text or "") > SECTION_MAX_LENGTH


def person_label(user):
    return user.get_full_name() or user.username


class SharedChoices:
    """One select's options fetched once per request and shared by every formset row.

    `offered` are the rows anyone may choose; `held` are extra rows some field already
    holds (an inactive owner, a retired theme), which stay a choice for that field only,
    so saving a form does not silently drop them.
    """

    def __init__(self, queryset, *, is_offered, label=str):
        self.queryset = queryset
        rows = list(queryset)
        self.by_pk = {row.pk: row for row in rows}
        self.offered = [(row.pk, label(row)) for row in rows if is_offered(row)]
        self._offered_pks = {pk for pk, _ in self.offered}
        self._label = label

    def choices_for(self, *held_pks):
        extra = [(pk, self._label(self.by_pk[pk])) for pk in dict.fromkeys(held_pks)
                 if pk in self.by_pk and pk not in self._offered_pks]
        return self.offered + extra if extra else self.offered

    def allowed(self, *held_pks):
        return self._offered_pks | {pk for pk in held_pks if pk in self.by_pk}


def people_choices(held=()):
    """Active people, plus the (maybe inactive) people in `held`: one query."""
    held = [pk for pk in held if pk]
    query = Q(is_active=True) | Q(pk__in=held) if held else Q(is_active=True)
    return SharedChoices(User.objects.filter(query).order_by("first_name", "last_name", "username"),
                         is_offered=lambda person: person.is_active, label=person_label)


def theme_choices(team, held=()):
    """The team's and the shared active themes, plus the (maybe retired) themes in `held`: one query."""
    team_id = team.pk if team else None
    offered = Q(is_active=True) & (Q(team__isnull=True) | Q(team_id=team_id))
    held = [pk for pk in held if pk]
    query = offered | Q(pk__in=held) if held else offered
    return SharedChoices(
        Theme.objects.filter(query).select_related("team").order_by("name", "id"),
        is_offered=lambda theme: theme.is_active and theme.team_id in (None, team_id),
    )


class SharedChoiceMixin:
    """A model choice field whose options and lookups come from `SharedChoices`: no query per row."""

    shared = None

    def share(self, shared, *held_pks):
        self.shared = shared
        self.allowed_pks = shared.allowed(*held_pks)
        self.queryset = shared.queryset
        blank = [("", self.empty_label)] if self.empty_label is not None else []
        self.widget.choices = blank + shared.choices_for(*held_pks)

    def to_python(self, value):
        if self.shared is None:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            key = int(getattr(value, "pk", value))
        except (TypeError, ValueError):
            key = None
        if key not in self.allowed_pks:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})
        return self.shared.by_pk[key]


class SharedPersonField(SharedChoiceMixin, PersonField):
    pass


class SharedThemeField(SharedChoiceMixin, forms.ModelChoiceField):
    pass


def validate_section_length(text):
    if section_too_long(text):
        raise ValidationError(
            f"This section is too long: {len(text):,} characters, and the limit is {SECTION_MAX_LENGTH:,}. "
            "Shorten it, or move long material such as logs to a linked document.",
            code="max_length",
        )


def live_blame_check_attrs(name, postmortem_id=None):
    """htmx attributes that re-check one field for blaming wording as the author pauses typing.

    A saved post-mortem's id goes along, so the check leaves out sentences its authors set aside.
    """
    values = {"section": name} if postmortem_id is None else {"section": name, "postmortem": postmortem_id}
    return {
        "hx-post": reverse("postmortems:blame-check"),
        "hx-trigger": "input changed delay:350ms",
        "hx-target": f"#blame-{name}",
        "hx-params": f"{name},{','.join(values)}",
        "hx-vals": json.dumps(values),
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
        # The people a post-mortem already has stay choices even once inactive, or saving would drop them.
        for name in ["authors", "viewers"]:
            held = getattr(self.instance, name).values("pk") if self.instance.pk else []
            self.fields[name].queryset = User.objects.filter(Q(is_active=True) | Q(pk__in=held)).order_by(
                "first_name", "last_name", "username")
        if kind != PostMortem.Kind.PEOPLE:
            del self.fields["viewers"]
        for name in PostMortem.SECTIONS:
            self.fields[name].validators.append(validate_section_length)
        for name, guide in guide_for(kind).items():
            field = self.fields[name]
            field.label = guide.label
            field.help_text = guide.prompt
            field.widget.attrs.update({"placeholder": guide.placeholder, "rows": 5, "data-section": name})
        for name in ["title", *PostMortem.SECTIONS]:
            self.fields[name].widget.attrs.update(live_blame_check_attrs(name, self.instance.pk))
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

    def __init__(self, *args, team=None, themes=None, **kwargs):
        super().__init__(*args, **kwargs)
        held = self.instance.theme_id if self.instance.pk else None
        field = self.fields["theme"] = SharedThemeField(
            queryset=Theme.objects.none(), label=self.fields["theme"].label, empty_label=self.fields["theme"].empty_label,
        )
        field.share(themes or theme_choices(team, [held]), held)

    def _get_validation_exclusions(self):
        # The theme was matched against themes fetched for this request; the model would query again.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("theme")
        return exclusions


class SavedRowField(forms.ModelChoiceField):
    """A formset row's hidden id, matched against the formset's own saved rows (fetched once)."""

    formset = None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            row = self.formset._existing_object(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            row = None
        if row is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return row


class SavedRowsFormSet(forms.BaseInlineFormSet):
    """Matches posted rows to the post-mortem's saved rows without a query per row.

    Django checks each posted row id with a query of its own; here the rows fetched once for
    the formset are used, and an id that is not one of them (deleted meanwhile) is refused.
    """

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name = self._pk_field.name
        field = form.fields.get(name)
        if type(field) is forms.ModelChoiceField:
            row_field = SavedRowField(field.queryset, initial=field.initial, required=False, widget=field.widget)
            row_field.formset = self
            form.fields[name] = row_field


class BaseFactorFormSet(SavedRowsFormSet):
    """Every row shares one list of themes: the page costs the same queries with 3 factors or 30."""

    def __init__(self, *args, team=None, **kwargs):
        self.team = team
        super().__init__(*args, **kwargs)

    @cached_property
    def themes(self):
        return theme_choices(self.team, [factor.theme_id for factor in self.get_queryset()])

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "team": self.team, "themes": self.themes}


class ActionItemForm(forms.ModelForm):
    owner = SharedPersonField(queryset=User.objects.none(), required=False)
    # What this row held when the editor was rendered (see actions.seen_token): a row changed
    # since, by a quick action for instance, is refused instead of overwritten.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ActionItem
        fields = ["title", "owner", "due_date", "priority", "status", "description"]
        widgets = {
            "due_date": DATE_WIDGET,
            "title": forms.TextInput(attrs={"placeholder": "A change to the system, e.g. name an owner for hand-offs"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"title": "Action", "description": "What done looks like", "due_date": "Due"}

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        held = self.instance.owner_id if self.instance.pk else None
        # The current owner stays a choice even once inactive, so saving does not silently unassign them.
        self.fields["owner"].share(people or people_choices([held]), held)
        if self.instance.pk:
            self.fields["seen"].initial = actions.seen_token(self.instance)

    def _get_validation_exclusions(self):
        # The owner was matched against people fetched for this request; the model would query again.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("owner")
        return exclusions


class BaseActionItemFormSet(SavedRowsFormSet):
    """Every row shares one list of people: the page costs the same queries with 3 items or 30."""

    @cached_property
    def people(self):
        return people_choices([item.owner_id for item in self.get_queryset()])

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "people": self.people}

    def check_owners_can_see(self, postmortem, *, team, readers):
        """On a people post-mortem, refuse owners who could not read it once saved.

        `readers` are the authors and viewers this save stores. A row whose owner is new must
        name a reader or a team lead; an unchanged owner is refused only if this save would
        take away the access they have now (an inactive owner can read nothing and is kept).
        """
        if postmortem.kind != PostMortem.Kind.PEOPLE or team is None:
            return
        leads = set(Membership.objects.filter(team=team, role=permissions.LEAD).values_list("user_id", flat=True))
        for form in self.forms:
            owner = getattr(form, "cleaned_data", {}).get("owner")
            if owner is None or self._should_delete_form(form):
                continue
            if owner.is_active and (owner.pk in readers or owner.pk in leads):
                continue
            unchanged = form.instance.pk and "owner" not in form.changed_data
            if unchanged and not (postmortem.pk and permissions.can_view(owner, postmortem)):
                continue
            form.add_error("owner", actions.cannot_see_message(owner))


TimelineFormSet = forms.inlineformset_factory(
    PostMortem, TimelineEvent, form=TimelineEventForm, formset=SavedRowsFormSet, extra=1, can_delete=True
)
FactorFormSet = forms.inlineformset_factory(
    PostMortem, ContributingFactor, form=ContributingFactorForm, formset=BaseFactorFormSet, extra=1, can_delete=True
)
ActionItemFormSet = forms.inlineformset_factory(
    PostMortem, ActionItem, form=ActionItemForm, formset=BaseActionItemFormSet, extra=1, can_delete=True
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

    def clean_from(self):
        return self._supported_day("from")

    def clean_to(self):
        return self._supported_day("to")

    def _supported_day(self, name):
        """A day the incident filter can convert to a time (far-off years overflow)."""
        from postmortems.trends import FIRST_DAY, LAST_DAY

        day = self.cleaned_data.get(name)
        if day and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(f"Choose a date from {FIRST_DAY} to {LAST_DAY}.")
        return day


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
