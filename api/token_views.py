"""The person's API tokens page: create (secret shown once) and revoke."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import audit

from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “CI export script”.")
    read_only = forms.BooleanField(required=False, label="Read-only (cannot change anything)")
    expires_on = forms.DateField(required=False, label="Expires on (optional)",
                                 widget=forms.DateInput(attrs={"type": "date"}))

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on <= timezone.localdate():
            raise forms.ValidationError("Choose a date in the future.")
        return expires_on


def _expiry(expires_on):
    if expires_on is None:
        return None
    return timezone.make_aware(timezone.datetime.combine(expires_on, timezone.datetime.min.time()))


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        token, new_secret = ApiToken.issue(
            user=request.user, name=form.cleaned_data["name"], read_only=form.cleaned_data["read_only"],
            expires_at=_expiry(form.cleaned_data["expires_on"]),
        )
        audit.record("api_token.created", f"Created API token “{token.name}” ({token.prefix}…)",
                     request=request, target_user=request.user, token_id=token.pk, read_only=token.read_only)
        form = TokenForm()
    tokens = request.user.api_tokens.all()
    # The secret is rendered into this one response only and never stored; the page is not cached.
    response = render(request, "api/tokens.html", {"form": form, "tokens": tokens, "new_secret": new_secret})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("api_token.revoked", f"Revoked API token “{token.name}” ({token.prefix}…)",
                     request=request, target_user=request.user, token_id=token.pk)
        messages.success(request, f"Revoked “{token.name}”. It no longer works.")
    return redirect("api:tokens")
