"""Shows every date in the signed-in person's own time zone."""
import zoneinfo

from django.utils import timezone


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
            if profile is not None:
                try:
                    zone = zoneinfo.ZoneInfo(profile.timezone)
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    zone = None
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
