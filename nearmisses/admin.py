"""Near misses in the admin: read-only, so no one can attach a person or a time to an anonymous report."""
from django.contrib import admin

from nearmisses.models import NearMiss


@admin.register(NearMiss)
class NearMissAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "kind", "status", "reported_on", "reported_by"]
    list_filter = ["kind", "status", "team"]
    list_select_related = ["team", "reporter"]
    date_hierarchy = "reported_on"
    # No search or filter by reporter: the list must not become a way to sort anonymous from named reports
    # by person. Reports arrive only through the form; triage happens on the site, under its rules.
    fields = [
        "team", "kind", "status", "what_happened", "what_stopped_it", "likelier_next_time", "anonymous",
        "reported_by", "reported_on", "reported_at", "themes", "dismiss_reason", "triaged_by", "triaged_at",
        "promoted_to",
    ]
    readonly_fields = fields

    @admin.display(description="reported by")
    def reported_by(self, near_miss):
        if near_miss.anonymous:
            return "Anonymous"
        return near_miss.reporter or "A former member"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
