"""Admin for feedback and vocabulary. Only superusers may use the admin (see config/admin.py)."""
from django.contrib import admin

from blamefeedback.models import BlameFeedback, VocabularyTerm


@admin.register(BlameFeedback)
class BlameFeedbackAdmin(admin.ModelAdmin):
    list_display = ["sentence", "kind", "status", "postmortem", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["postmortem", "created_by"]
    raw_id_fields = ["postmortem"]


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(admin.ModelAdmin):
    list_display = ["term", "action", "category", "created_by", "created_at"]
    list_filter = ["action"]
