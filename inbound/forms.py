from django import forms


class SigningSecretForm(forms.Form):
    signing_secret = forms.CharField(
        required=False, max_length=200, strip=True, widget=forms.PasswordInput(render_value=False),
        help_text="PagerDuty's webhook signing secret, or any shared secret sent as "
                  "“Authorization: Bearer …”. Leave empty to accept the secret address alone.",
    )


class TrackerLinkForm(forms.Form):
    url = forms.CharField(
        label="Issue URL", required=False, max_length=500, strip=True,
        help_text="A Jira, GitHub or GitLab issue. Leave empty to remove the link.",
    )
