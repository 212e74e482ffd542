"""Sign-in safety: where a request comes from, lockouts (django-axes) and ending sessions.

django-axes counts failed password sign-ins and refuses new ones once a limit is reached
(config/settings.py, "Account safety"). This module gives it Debrief's client address and
lockout page, and lets organisation admins see and lift the locks.
"""
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.helpers import get_client_username, get_cool_off, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from accounts import audit, leaving

# What a lock can be keyed on; the unlock form may only name these.
LOCK_FIELDS = ("username", "ip_address", "user_agent")
FIELD_LABELS = {"username": "Account", "ip_address": "Address", "user_agent": "Browser"}


def client_ip_address(request):
    """The client's address: REMOTE_ADDR, or the one TRUSTED_PROXY_COUNT proxies vouch for.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so the client is the
    entry that many places from the right; anything further left the client wrote itself.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def cool_off():
    return get_cool_off() or timedelta(0)


# Slowed, then locked: once LOGIN_SLOWDOWN_AFTER failures are counted for the account or from the
# address, each further attempt must wait 1, 2, 4, … seconds (at most MAX_PAUSE) after the last
# failure. An attempt made too soon is refused without checking the password, so it costs the
# server nothing and the guesser a round trip; it is not counted as a failure either.
MAX_PAUSE = timedelta(seconds=30)


def login_username(raw):
    """The username as the login form cleans it (stripped, NFKC), which is also what django-axes counts.

    Without this, " alice" or full-width "ａｌｉｃｅ" sign in as alice but escape her slow-down.
    """
    return unicodedata.normalize("NFKC", (raw or "").strip())


def pause_before_next_attempt(request, username, now=None):
    """How long this password sign-in must still wait (timedelta(0) when it may go ahead)."""
    now = now or timezone.now()
    after = settings.LOGIN_SLOWDOWN_AFTER
    username = login_username(username)
    who = Q(ip_address=client_ip_address(request))
    if username:
        who |= Q(username=username)
    counted = AccessAttempt.objects.filter(who, attempt_time__gte=now - cool_off()).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time"))
    failures = counted["failures"] or 0
    if failures < after:
        return timedelta(0)
    pause = min(timedelta(seconds=2 ** (failures - after)), MAX_PAUSE)
    return max(counted["last"] + pause - now, timedelta(0))


@dataclass(frozen=True)
class Lockout:
    """One lock in force: what it is keyed on, how many failures, and when it lifts by itself."""

    criteria: dict
    failures: int
    locked_until: datetime

    @property
    def label(self):
        return ", ".join(f"{FIELD_LABELS[field]} {value or '(none)'}" for field, value in self.criteria.items())

    @property
    def username(self):
        return self.criteria.get("username")


def _parameter_fields(parameter):
    return [parameter] if isinstance(parameter, str) else list(parameter)


def current_lockouts(now=None):
    """Every lock in force at `now`, per lockout parameter in settings, the latest first."""
    now = now or timezone.now()
    window = cool_off()
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - window)
    lockouts = []
    for parameter in settings.AXES_LOCKOUT_PARAMETERS:
        fields = _parameter_fields(parameter)
        rows = (recent.values(*fields).annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
                .filter(failures__gte=settings.AXES_FAILURE_LIMIT).order_by("-last"))
        lockouts += [Lockout({field: row[field] for field in fields}, row["failures"], row["last"] + window)
                     for row in rows]
    return sorted(lockouts, key=lambda lockout: lockout.locked_until, reverse=True)


def locked_until(*, username=None, ip_address=None, now=None):
    """When the latest lock on this account or address lifts by itself (None if not locked)."""
    ends = [lockout.locked_until for lockout in current_lockouts(now)
            if (username and lockout.criteria.get("username") == username)
            or (ip_address and lockout.criteria.get("ip_address") == ip_address)]
    return max(ends, default=None)


def unlock(criteria, *, request):
    """Lift a lock: forget the failures that match `criteria`; audit-logged. Returns rows removed."""
    criteria = {field: value for field, value in criteria.items() if field in LOCK_FIELDS}
    if not criteria:
        return 0
    removed, _ = AccessAttempt.objects.filter(**criteria).delete()
    username = criteria.get("username")
    target = get_user_model().objects.filter(username=username).first() if username else None
    label = Lockout(criteria, 0, timezone.now()).label
    audit.record("sign_in.unlocked", f"Unlocked sign-in: {label}", request=request, target_user=target,
                 target_name=username or "", **criteria)
    return removed


def forget_failures(username):
    """Clear an account's failed sign-ins, e.g. once its owner proves themselves by email."""
    AccessAttempt.objects.filter(username=username).delete()


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked sign-in: a 429 page saying when to try again."""
    username = get_client_username(request, credentials)
    ip_address = getattr(request, "axes_ip_address", None) or client_ip_address(request)
    if getattr(request, "axes_failures_since_start", None) == settings.AXES_FAILURE_LIMIT:
        _record_new_lock(request, username, ip_address)
    until = locked_until(username=username, ip_address=ip_address) or timezone.now() + cool_off()
    context = {"locked_until": until, "cool_off_minutes": settings.AXES_COOLOFF_MINUTES}
    return render(request, "accounts/safety/locked_out.html", context, status=429)


def _record_new_lock(request, username, ip_address):
    # Called on every locked answer; this is the one where the limit was just reached.
    target = get_user_model().objects.filter(username=username).first() if username else None
    parameters = [_parameter_fields(parameter) for parameter in get_lockout_parameters(request)]
    audit.record("sign_in.locked", f"Sign-in locked after {settings.AXES_FAILURE_LIMIT} failures",
                 actor=None, request=request, target_user=target, target_name=username or "",
                 username=username, ip_address=ip_address, lockout_parameters=parameters)


def end_all_sessions(user):
    """Sign `user` out everywhere: every stored session of theirs ends now. Returns how many."""
    return leaving.end_sessions(user)

