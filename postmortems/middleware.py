"""Shows every date in the signed-in person's own time zone."""
import zoneinfo

from django.utils import timezone

from postmortems.models import Profile


def zone_for(user):
    """The person's chosen zone, or None for the server default."""
    if user is None or not user.is_authenticated:
        return None
    name = Profile.objects.filter(user=user).values_list("timezone", flat=True).first()
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = zone_for(getattr(request, "user", None))
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
