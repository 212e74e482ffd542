"""The weekly digest in the browser, and its unsubscribe links (which need no login).

The link in the digest's body opens a confirmation page: mail scanners and link
previews fetch GETs, so a GET never changes anything. The `List-Unsubscribe`
header points at a second address that mail clients POST to (RFC 8058 one-click);
it is exempt from CSRF because the signed token is the credential, and it can
only ever turn the digest *off* for the person the token names.
"""
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from postmortems import digest
from postmortems.models import Digest, Profile

ONE_CLICK_BODY = "One-Click"


@login_required
def digest_preview(request):
    """This week's digest for the signed-in person, as it will be (or was) emailed."""
    content = digest.build_digest(request.user, now=timezone.now())
    message = digest.digest_email(content)
    return render(request, "postmortems/digest_preview.html", {
        "digest": content,
        "subject": message.subject,
        "text": message.body,
        "record": Digest.objects.filter(person=request.user, week=content.week).first(),
        "profile": Profile.for_user(request.user),
    })


def _read_token(token):
    """(person, problem): the person a token names, or why the link cannot be used."""
    try:
        return digest.person_from_unsubscribe_token(token), None
    except signing.SignatureExpired:
        return None, "expired"
    except signing.BadSignature:
        return None, "invalid"


@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request, token):
    """GET: ask to confirm. POST (the page's button, CSRF-protected): turn the digest off."""
    person, problem = _read_token(token)
    if problem:
        return render(request, "postmortems/unsubscribe.html", {"problem": problem}, status=400)
    if request.method == "POST":
        digest.turn_off_digest(person)
        return render(request, "postmortems/unsubscribe.html", {"person": person, "done": True})
    return render(request, "postmortems/unsubscribe.html", {"person": person, "token": token})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def digest_unsubscribe_one_click(request, token):
    """RFC 8058: a mail client's POST of `List-Unsubscribe=One-Click` turns the digest off.

    A GET (an RFC 2369 client opening the header's link) goes to the confirmation page.
    """
    if request.method == "GET":
        return redirect("postmortems:digest-unsubscribe", token=token)
    person, problem = _read_token(token)
    if problem:
        return HttpResponseBadRequest(f"This unsubscribe link is {problem}.", content_type="text/plain")
    if request.POST.get("List-Unsubscribe") != ONE_CLICK_BODY:
        return HttpResponseBadRequest("Expected List-Unsubscribe=One-Click.", content_type="text/plain")
    digest.turn_off_digest(person)
    return HttpResponse("You will no longer receive the weekly digest.", content_type="text/plain")
