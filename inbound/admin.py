from django.contrib import admin

from inbound.models import AlertEndpoint, InboundIncident, TrackerLink


@admin.register(InboundIncident)
class InboundIncidentAdmin(admin.ModelAdmin):
    list_display = ["external_id", "source", "team", "postmortem", "created_at"]
    list_filter = ["source", "team"]
    raw_id_fields = ["postmortem"]


@admin.register(TrackerLink)
class TrackerLinkAdmin(admin.ModelAdmin):
    list_display = ["url", "tracker", "item"]
    list_filter = ["tracker"]
    raw_id_fields = ["item"]


@admin.register(AlertEndpoint)
class AlertEndpointAdmin(admin.ModelAdmin):
    # The token and secret are credentials: shown to the team's leads on their page, not listed here.
    list_display = ["team", "created_at", "rotated_at"]
    exclude = ["token", "signing_secret"]
