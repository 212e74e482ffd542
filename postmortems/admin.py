"""Admin for every model. Only superusers may use the admin (see config/admin.py)."""
from django.contrib import admin

from postmortems import search
from postmortems.models import (
    ActionItem, ActionItemChange, BlameAcknowledgement, ContributingFactor, Digest, Membership, NamedThemeUse,
    PostMortem, Profile, Reminder, Revision, Team, Theme, ThemeTally, TimelineEvent,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["team", "role"]
    search_fields = ["user__username", "user__email", "team__name"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "timezone", "reminders_paused", "digest_opt_in"]
    search_fields = ["user__username", "user__email"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "is_active"]
    list_filter = ["is_active", "team"]
    search_fields = ["name"]


class TimelineEventInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0


class ContributingFactorInline(admin.TabularInline):
    model = ContributingFactor
    extra = 0


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["title", "owner", "due_date", "priority", "status"]


@admin.register(PostMortem)
class PostMortemAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "kind", "severity", "status", "created_at"]
    list_filter = ["kind", "status", "severity", "team"]
    search_fields = ["title", "summary"]
    date_hierarchy = "created_at"
    filter_horizontal = ["authors", "viewers"]
    list_select_related = ["team"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [TimelineEventInline, ContributingFactorInline, ActionItemInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The admin writes the texts and action items directly: bring the search vector in step.
        search.update_search_vector([form.instance.pk])


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "postmortem", "description"]
    list_select_related = ["postmortem"]


@admin.register(ContributingFactor)
class ContributingFactorAdmin(admin.ModelAdmin):
    list_display = ["theme", "postmortem", "description"]
    list_filter = ["theme"]
    list_select_related = ["theme", "postmortem"]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "due_date", "priority", "status", "postmortem"]
    list_filter = ["status", "priority"]
    search_fields = ["title"]
    list_select_related = ["owner", "postmortem"]
    readonly_fields = ["closed_at"]

    # An item's title is part of its post-mortem's search vector.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        search.update_search_vector([obj.postmortem_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        search.update_search_vector([obj.postmortem_id])

    def delete_queryset(self, request, queryset):
        postmortem_ids = set(queryset.values_list("postmortem_id", flat=True))
        super().delete_queryset(request, queryset)
        search.update_search_vector(postmortem_ids)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["postmortem", "version", "author", "created_at"]
    list_select_related = ["postmortem", "author"]
    readonly_fields = ["postmortem", "version", "author", "created_at", "snapshot", "changed_fields", "note"]


@admin.register(BlameAcknowledgement)
class BlameAcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["postmortem", "section", "category", "phrase", "acknowledged_by", "created_at"]
    list_filter = ["category"]
    list_select_related = ["postmortem", "acknowledged_by"]


@admin.register(ActionItemChange)
class ActionItemChangeAdmin(admin.ModelAdmin):
    list_display = ["item", "field", "old_value", "new_value", "actor", "created_at"]
    list_select_related = ["item", "actor"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["item", "recipient", "reason", "reason_date", "claimed_at", "sent_at", "attempts"]
    list_filter = ["reason", "sent_at"]
    list_select_related = ["item", "recipient"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    """Who got which week's digest; a row without sent_at is claimed or awaiting a retry."""

    list_display = ["person", "week", "claimed_at", "sent_at", "attempts"]
    list_filter = ["week"]
    search_fields = ["person__username", "person__email"]
    list_select_related = ["person"]
    readonly_fields = ["person", "week", "claimed_at", "sent_at", "attempts", "last_error"]
    date_hierarchy = "week"


class DerivedCountAdmin(admin.ModelAdmin):
    """Counts kept by theme_tallies.py: shown to look at, never edited by hand (rebuild_theme_tallies)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ThemeTally)
class ThemeTallyAdmin(DerivedCountAdmin):
    list_display = ["theme", "team", "kind", "published", "uses", "incidents"]
    list_filter = ["kind", "published"]
    list_select_related = ["theme", "team"]


@admin.register(NamedThemeUse)
class NamedThemeUseAdmin(DerivedCountAdmin):
    list_display = ["postmortem", "user", "theme", "team", "uses"]
    list_select_related = ["postmortem", "user", "theme", "team"]
