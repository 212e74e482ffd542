"""Write the audit log: one call per change to accounts, memberships, roles and invitations."""
from .models import AuditEntry


def client_address(request):
    """The address the request came from, by the same rule as the lockouts (TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    from accounts.safety import client_ip_address  # safety writes audit entries: imported here, not at the top

    return client_ip_address(request)


def record(action, summary, *, actor=None, request=None, target_user=None, target_name="", team=None, **details):
    """Append one entry. actor defaults to the request's signed-in user; details must be JSON-safe."""
    if actor is None and request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEntry.objects.create(
        action=action,
        summary=summary[:300],
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        target_user=target_user,
        target_name=target_name or (target_user.get_username() if target_user is not None else ""),
        team=team,
        ip_address=client_address(request),
        details=details,
    )


# Reading the log -----------------------------------------------------------------

# A spreadsheet runs a cell starting with one of these as a formula; a leading quote makes it text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = ["When (UTC)", "Who", "Action", "Summary", "Person", "Team", "From", "Details"]


def filtered(*, action="", person="", team=None, since=None, until=None):
    """Entries matching the audit page's filters, newest first (dates inclusive, in UTC)."""
    from django.db.models import Q

    entries = AuditEntry.objects.select_related("team")
    if action:
        entries = entries.filter(action=action)
    if person:
        entries = entries.filter(Q(actor_name__iexact=person) | Q(target_name__iexact=person))
    if team is not None:
        entries = entries.filter(team=team)
    if since:
        entries = entries.filter(created_at__date__gte=since)
    if until:
        entries = entries.filter(created_at__date__lte=until)
    return entries


def known_actions():
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def spreadsheet_safe(value):
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_row(entry):
    import json
    from datetime import timezone as dt_timezone

    cells = [
        entry.created_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S"), entry.actor_name or "system",
        entry.action, entry.summary, entry.target_name, entry.team.name if entry.team else "",
        entry.ip_address or "", json.dumps(entry.details, sort_keys=True) if entry.details else "",
    ]
    return [spreadsheet_safe(cell) for cell in cells]
