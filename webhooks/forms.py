"""The endpoint form: URL rules (https, public address) checked when a lead saves it."""
from urllib.parse import urlsplit

from django import forms

from webhooks import delivery
from webhooks.models import EVENT_KINDS, Endpoint


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=EVENT_KINDS, widget=forms.CheckboxSelectMultiple,
                                       help_text="What this endpoint is told about.")

    class Meta:
        model = Endpoint
        fields = ["name", "url", "format", "events", "enabled"]
        help_texts = {"format": "Slack and plain-text messages name no people post-mortem: only its team and a link."}

    def clean_url(self):
        url = self.cleaned_data["url"]
        parts = urlsplit(url)
        if parts.scheme not in delivery.allowed_schemes():
            raise forms.ValidationError("Use an https:// URL.")
        if parts.username or parts.password:
            raise forms.ValidationError("Put credentials in the receiver's settings, not in the URL.")
        try:
            delivery.safe_addresses(parts.hostname, parts.port or 443)
        except delivery.UnsafeAddress as error:
            # Checked again at every delivery: DNS can change after this form is saved.
            raise forms.ValidationError(f"Debrief cannot call this address: {error}.") from error
        return url
