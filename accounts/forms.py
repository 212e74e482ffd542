"""Forms of the accounts pages: inviting, running a team, accepting, reading the audit log."""
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator

from accounts import invitations
from accounts.models import Invitation
from postmortems.models import Membership, Team

User = get_user_model()


def people_label(user):
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return people_label(obj)


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return people_label(obj)


def active_people():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class InviteForm(forms.Form):
    addresses = forms.CharField(
        label="Email addresses", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more addresses, separated by commas or new lines.",
    )
    role = forms.ChoiceField(label="Role", choices=Invitation.Role.choices, initial=Invitation.Role.MEMBER)

    def clean_addresses(self):
        valid, invalid = invitations.parse_addresses(self.cleaned_data["addresses"])
        if invalid:
            raise forms.ValidationError("Not an email address: %(entries)s", params={"entries": ", ".join(invalid)})
        if not valid:
            raise forms.ValidationError("Enter at least one email address.")
        if len(valid) > invitations.MAX_ADDRESSES:
            raise forms.ValidationError(f"At most {invitations.MAX_ADDRESSES} addresses at a time.")
        return valid


class AddMemberForm(forms.Form):
    user = PersonChoice(label="Person", queryset=User.objects.none())
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_people().exclude(memberships__team=team)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices)


class DefaultViewersForm(forms.Form):
    viewers = PeopleChoice(
        label="Default viewers of people incidents", queryset=User.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Added as viewers to every new people incident of this team (authors can change it per incident).",
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["viewers"].queryset = active_people()
        self.fields["viewers"].initial = list(team.default_viewers.values_list("pk", flat=True))


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100)
    first_lead = PersonChoice(label="First lead", queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_lead"].queryset = active_people()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Team.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError("There is already a team with this name.")
        return name


class NewAccountForm(forms.Form):
    """What a newly invited person chooses; the address is the invited one and cannot be changed."""

    username = forms.CharField(label="Username", max_length=150, validators=[UnicodeUsernameValidator()],
                               help_text="Letters, digits and @ . + - _ only. You sign in with it.")
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    password1 = forms.CharField(label="Password", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label="Password again", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This username is taken: choose another.")
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            candidate = User(username=cleaned.get("username", ""), email=self.email,
                             first_name=cleaned.get("first_name", ""), last_name=cleaned.get("last_name", ""))
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def account(self):
        data = self.cleaned_data
        return {"username": data["username"], "first_name": data["first_name"], "last_name": data["last_name"],
                "password": data["password1"]}


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False)
    person = forms.CharField(label="Person (username)", required=False, max_length=150)
    team = forms.ModelChoiceField(label="Team", queryset=Team.objects.all(), required=False, empty_label="Any team")
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *[(a, a) for a in actions]]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name in ("action", "team") else "form-control"
