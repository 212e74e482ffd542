"""Admin for the pulse's settings and questions only.

Responses, answers and participations are deliberately not registered: a screen
listing single responses, or who answered, would go around the threshold in
`pulse.results`. Invitations name people and periods but nothing answered; they
stay out too, so the admin offers nothing to line up against responses.
"""
from django.contrib import admin

from pulse.models import PulseSettings, QuestionSet, Statement


@admin.register(PulseSettings)
class PulseSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "enabled", "cadence", "day", "hour"]
    list_filter = ["enabled", "cadence"]


class StatementInline(admin.TabularInline):
    model = Statement
    extra = 0
    # A version is never edited (history must not mix): leads make a new one on the questions page.
    readonly_fields = ["position", "text"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QuestionSet)
class QuestionSetAdmin(admin.ModelAdmin):
    list_display = ["team", "version", "created_at"]
    readonly_fields = ["team", "version", "free_text_question", "created_at", "created_by"]
    inlines = [StatementInline]

    def has_add_permission(self, request):
        return False
