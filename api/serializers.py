"""What the API shows of post-mortems, action items, themes and teams (data only, never HTML)."""
from django.contrib.auth import get_user_model
from rest_framework import serializers

from postmortems.forms import SECTION_MAX_LENGTH
from postmortems.models import ActionItem, ContributingFactor, PostMortem, Team, Theme, TimelineEvent


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name"]

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class TeamSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "description", "role"]

    def get_role(self, team) -> str:
        from postmortems import permissions

        return permissions.team_roles(self.context["request"].user).get(team.pk, "")


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "name", "description", "team", "is_active"]


class TimelineEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEvent
        fields = ["id", "occurred_at", "description"]


class FactorSerializer(serializers.ModelSerializer):
    theme = ThemeSerializer()

    class Meta:
        model = ContributingFactor
        fields = ["id", "theme", "description"]


class PostMortemSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(read_only=True)
    authors = PersonSerializer(many=True, read_only=True)

    class Meta:
        model = PostMortem
        fields = ["id", "title", "kind", "severity", "status", "team", "authors", "started_at", "detected_at",
                  "resolved_at", "published_at", "created_at", "updated_at", "version"]
        read_only_fields = fields


class PostMortemDetailSerializer(PostMortemSerializer):
    timeline = TimelineEventSerializer(source="timeline_events", many=True, read_only=True)
    factors = FactorSerializer(many=True, read_only=True)
    themes = serializers.SerializerMethodField()

    class Meta(PostMortemSerializer.Meta):
        fields = PostMortemSerializer.Meta.fields + [
            "summary", "impact", "timeline_narrative", "contributing_factors", "went_well", "got_lucky", "lessons",
            "timeline", "factors", "themes",
        ]
        read_only_fields = fields

    def get_themes(self, postmortem) -> list[str]:
        return sorted({factor.theme.name for factor in postmortem.factors.all()})


class PostMortemUpdateSerializer(serializers.Serializer):
    """The text of a post-mortem; status, team and sharing change only in the app."""

    title = serializers.CharField(required=False, max_length=200)
    severity = serializers.ChoiceField(choices=PostMortem.Severity.choices, required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=SECTION_MAX_LENGTH, trim_whitespace=False)
    impact = serializers.CharField(required=False, allow_blank=True, max_length=SECTION_MAX_LENGTH, trim_whitespace=False)
    timeline_narrative = serializers.CharField(required=False, allow_blank=True, max_length=SECTION_MAX_LENGTH,
                                               trim_whitespace=False)
    contributing_factors = serializers.CharField(required=False, allow_blank=True, max_length=SECTION_MAX_LENGTH,
                                                 trim_whitespace=False)
    went_well = serializers.CharField(required=False, allow_blank=True, max_length=SECTION_MAX_LENGTH, trim_whitespace=False)
    got_lucky = serializers.CharField(required=False, allow_blank=True, max_length=SECTION_MAX_LENGTH, trim_whitespace=False)
    lessons = serializers.CharField(required=False, allow_blank=True, max_length=SECTION_MAX_LENGTH, trim_whitespace=False)


class ActionItemSerializer(serializers.ModelSerializer):
    owner = PersonSerializer(read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "postmortem", "title", "description", "owner", "due_date", "priority", "status",
                  "created_at", "closed_at", "updated_at"]
        read_only_fields = fields


class ActionItemCreateSerializer(serializers.Serializer):
    postmortem = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=ActionItem.Priority.choices, default=ActionItem.Priority.MEDIUM)


class ActionItemUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionItem.Status.choices, required=False)
    owner = serializers.IntegerField(required=False, min_value=1)
    due_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                 help_text="Kept in the item's history; required when the due date changes.")


class BlameCheckRequestSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=SECTION_MAX_LENGTH, trim_whitespace=False)


class FindingSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    category = serializers.CharField()
    text = serializers.CharField()
    message = serializers.CharField()
    suggestion = serializers.CharField(allow_blank=True)


class BlameCheckResponseSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True)
