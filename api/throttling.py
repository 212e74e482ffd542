"""Rate limit per token (or per person when signed in through the browser)."""
from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class PerTokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        # Read on each request so tests (and operators) can change the setting without a restart.
        return f"{settings.API_RATE_PER_MINUTE}/min"

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
