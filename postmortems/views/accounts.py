"""A person's own settings."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from postmortems.forms import ProfileForm
from postmortems.models import Profile


@login_required
def settings_page(request):
    form = ProfileForm(request.POST or None, instance=Profile.for_user(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("postmortems:settings")
    return render(request, "postmortems/settings.html", {"form": form, "teams": request.user.memberships.select_related("team")})
