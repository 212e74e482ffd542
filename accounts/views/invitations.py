"""The invitation link: accept it (new account or signed in), or learn clearly why it no longer works."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts import invitations
from accounts.forms import NewAccountForm

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _sso_only():
    # With single sign-on only, people have no Debrief password: they accept by signing in through it.
    from accounts import sso

    return sso.is_enabled() and settings.OIDC_ONLY


def _unavailable(request, state, invitation=None):
    return render(request, "accounts/invitation.html", {"state": state, "invitation": invitation},
                  status=404 if state == "invalid" else 200)


def invitation_page(request, token):
    try:
        invitation = invitations.from_token(token)
    except invitations.InvitationUnavailable as error:
        return _unavailable(request, error.state)
    try:
        invitations.check_usable(invitation, timezone.now())
    except invitations.InvitationUnavailable as error:
        return _unavailable(request, error.state, invitation)
    if request.user.is_authenticated:
        return _as_signed_in(request, invitation)
    account = invitations.existing_account(invitation)
    if account is not None and not account.is_active:
        # A second account for someone who left would split their history; an admin reactivates instead.
        return render(request, "accounts/invitation.html", {"state": "deactivated", "invitation": invitation})
    if account is not None or _sso_only():
        return render(request, "accounts/invitation.html", {"state": "sign_in", "invitation": invitation})
    return _as_new_person(request, invitation)


def _as_signed_in(request, invitation):
    if not invitations.is_for(invitation, request.user):
        return render(request, "accounts/invitation.html", {"state": "other_person", "invitation": invitation},
                      status=403)
    if request.method != "POST":
        return render(request, "accounts/invitation.html", {"state": "join", "invitation": invitation})
    try:
        invitations.accept(invitation, user=request.user, request=request)
    except invitations.InvitationUnavailable as error:
        return _unavailable(request, error.state, invitation)
    messages.success(request, f"You joined {invitation.team}.")
    return redirect("accounts:team", slug=invitation.team.slug)


def _as_new_person(request, invitation):
    form = NewAccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user, _ = invitations.accept(invitation, new_account=form.account(), request=request)
        except invitations.InvitationUnavailable as error:
            return _unavailable(request, error.state, invitation)
        except IntegrityError:
            form.add_error("username", "This username was just taken: choose another.")
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, f"Welcome to Debrief. You joined {invitation.team}.")
            return redirect("accounts:team", slug=invitation.team.slug)
    return render(request, "accounts/invitation.html", {"state": "new_account", "invitation": invitation,
                                                        "form": form}, status=400 if form.errors else 200)
