"""The post-mortem document, its timeline, contributing factors, themes and revisions."""
from types import SimpleNamespace

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from postmortems import permissions


class Theme(models.Model):
    """A contributing-factor theme. Shared themes have no team; teams may add their own."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    team = models.ForeignKey(
        "Team", null=True, blank=True, on_delete=models.CASCADE, related_name="themes",
        help_text="Leave empty for a theme shared by the whole organisation.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="theme_name_unique_per_team"),
            models.UniqueConstraint(fields=["name"], condition=Q(team__isnull=True), name="shared_theme_name_unique"),
        ]

    def __str__(self):
        return self.name if self.team_id is None else f"{self.name} ({self.team})"


class PostMortemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only way views fetch post-mortems: what this person may read."""
        return self.filter(permissions.visible_filter(user))

    def editable_by(self, user):
        return self.filter(permissions.editable_filter(user))


class PostMortem(models.Model):
    class Kind(models.TextChoices):
        TECHNICAL = "technical", "Technical"
        PEOPLE = "people", "People"

    class Severity(models.IntegerChoices):
        SEV1 = 1, "SEV1 – critical"
        SEV2 = 2, "SEV2 – major"
        SEV3 = 3, "SEV3 – moderate"
        SEV4 = 4, "SEV4 – minor"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    # The guided Markdown sections, in the order a writer fills them in.
    SECTIONS = [
        "summary", "impact", "timeline_narrative", "contributing_factors",
        "went_well", "got_lucky", "lessons",
    ]

    team = models.ForeignKey("Team", on_delete=models.PROTECT, related_name="postmortems")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TECHNICAL)
    title = models.CharField(max_length=200)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.SEV3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    started_at = models.DateTimeField("incident started", null=True, blank=True)
    detected_at = models.DateTimeField("incident detected", null=True, blank=True)
    resolved_at = models.DateTimeField("incident resolved", null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    summary = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    timeline_narrative = models.TextField(blank=True)
    contributing_factors = models.TextField(blank=True)
    went_well = models.TextField(blank=True)
    got_lucky = models.TextField(blank=True)
    lessons = models.TextField(blank=True)

    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="authored_postmortems", blank=True)
    viewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="shared_postmortems", blank=True,
        help_text="People who may read this post-mortem beyond its authors and the team's leads.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every save; an edit made against an older version is a conflict.
    version = models.PositiveIntegerField(default=1)
    # Blame-language findings by category and the word count, stored at publication
    # so the trends dashboard can chart the culture signal without re-analysing text.
    blame_counts = models.JSONField(default=dict, blank=True)
    word_count = models.PositiveIntegerField(default=0)
    # Weighted full-text vector of the title, sections and action-item titles, written by
    # search.update_search_vector (PostgreSQL only; stays empty on SQLite, which searches plainly).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PostMortemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "kind"]),
            # The list's order (newest first, id breaking ties): a page is read off the index, no sort.
            models.Index(fields=["-created_at", "-id"], name="postmortem_newest_first"),
            GinIndex(fields=["search_vector"], name="postmortem_search_vector"),
            # When the incident happened (trends.incident_date): statistics for the trends' date ranges.
            models.Index(Coalesce("started_at", "detected_at", "created_at"), name="postmortem_incident_on"),
            # The digest's week of publications: a few days' rows, not every published post-mortem.
            models.Index(fields=["published_at"], condition=Q(status="published"), name="postmortem_published"),
            # Which of the incidents a person wrote or was shared on are people incidents (the digest's
            # read access): an index-only scan of a quarter of the ids, not a read of every post-mortem.
            models.Index(fields=["id"], condition=Q(kind="people"), name="postmortem_people"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=4), name="severity_in_range"),
        ]

    def __str__(self):
        return self.title

    # Who-may-see fields copied onto the action items (models/actions.py, postmortem_copies).
    VISIBILITY_FIELDS = ("team", "team_id", "kind", "status")
    VISIBILITY_COLUMNS = ("team_id", "kind", "status")

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        touched = update_fields is None or any(name in self.VISIBILITY_FIELDS for name in update_fields)
        if self._state.adding or self.pk is None or not touched:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(savepoint=False):
            # Where the row is now, locked until this save commits: another tab, request or process
            # may have moved it since this copy was loaded (the admin has no version check), and a
            # move worked out from the loaded values would leave the items' copies and the theme
            # tallies where the row is not: a people incident's items open to its whole team, say.
            # FOR NO KEY UPDATE, the lock the UPDATE itself takes: rows being added to this
            # post-mortem (items, factors) check their foreign key with a lock that this one allows.
            stored = (type(self)._base_manager.select_for_update(no_key=True).filter(pk=self.pk)
                      .values_list(*self.VISIBILITY_COLUMNS).first())
            super().save(*args, **kwargs)
            if stored is None:
                return  # it was not there: saved as a new row, nothing to move
            after = tuple(self.__dict__[column] if self._writes(column, update_fields) else value
                          for column, value in zip(self.VISIBILITY_COLUMNS, stored))
            if after != stored:
                # A moved, re-kinded or published post-mortem: its items' copies follow, in this
                # transaction, so no reader sees the items under the old team or restriction.
                from postmortems.models.actions import ActionItem, postmortem_copies

                row = SimpleNamespace(**dict(zip(self.VISIBILITY_COLUMNS, after)))  # as the row now is
                ActionItem.objects.filter(postmortem=self).update(**postmortem_copies(row))
                # Its factors' theme counts move to the new team, kind or published state too.
                from postmortems import theme_tallies

                theme_tallies.postmortem_moved(self, before=stored, after=after)

    def _writes(self, column, update_fields):
        """Whether this save writes `column`: named in update_fields (or all saved) and loaded, not deferred."""
        names = {column, column.removesuffix("_id")}
        return column in self.__dict__ and (update_fields is None or bool(names & set(update_fields)))

    def get_absolute_url(self):
        return reverse("postmortems:detail", args=[self.pk])

    @property
    def is_restricted(self):
        return self.kind == self.Kind.PEOPLE

    @property
    def incident_date(self):
        return self.started_at or self.detected_at or self.created_at

    def time_to_detect(self):
        if self.started_at and self.detected_at:
            return self.detected_at - self.started_at
        return None

    def time_to_resolve(self):
        if self.started_at and self.resolved_at:
            return self.resolved_at - self.started_at
        return None

    def measure_blame_language(self):
        """Store findings per category and the word count: the trends' culture signal.

        Counted as the editor shows them: with the organisation's vocabulary, and without
        the sentences the authors marked as not blame.
        """
        from postmortems import publishing
        from postmortems.blame import CATEGORIES

        texts = publishing.texts_of(self)
        counts = dict.fromkeys(CATEGORIES, 0)
        for item in publishing.findings_in(texts, postmortem=self):
            counts[item.finding.category] += 1
        self.blame_counts = counts
        self.word_count = sum(len((text or "").split()) for text in texts.values())

    def snapshot(self):
        """The document as a plain dict: what a revision stores and restores."""
        data = {name: getattr(self, name) for name in ["title", "severity", "status", *self.SECTIONS]}
        for name in ["started_at", "detected_at", "resolved_at"]:
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        data["timeline"] = [
            {"occurred_at": event.occurred_at.isoformat(), "description": event.description}
            for event in self.timeline_events.all()
        ]
        data["factors"] = [
            {"theme_id": factor.theme_id, "theme": str(factor.theme), "description": factor.description}
            for factor in self.factors.select_related("theme")
        ]
        return data


class TimelineEvent(models.Model):
    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="timeline_events")
    occurred_at = models.DateTimeField()
    description = models.TextField()

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.description[:60]}"


class ContributingFactorQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As Django's, with the new factors counted in the theme tallies (theme_tallies.py)."""
        from postmortems import theme_tallies

        # One transaction with the tally: in autocommit the rows would be committed before the
        # tally locks the post-mortems, and a concurrent writer's count would not wait for them.
        with transaction.atomic(savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            theme_tallies.factors_added(created)
        for factor in created:
            factor._saved_tally = (factor.postmortem_id, factor.theme_id)
        return created


class ContributingFactor(models.Model):
    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="factors")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="factors")
    description = models.TextField()

    objects = ContributingFactorQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            # A period's incidents look up their themes here without reading the factor rows
            # (index-only), so the trends' theme counts do not scan every factor ever written.
            models.Index(fields=["postmortem", "theme"], name="factor_postmortem_theme"),
        ]

    def __str__(self):
        return f"{self.theme.name}: {self.description[:60]}"

    # The theme tallies (theme_tallies.py) follow every save: a new factor adds one use, a
    # changed theme moves one. Deletions, cascades included, are counted by delete
    # receivers (apps.py), bulk_create by the queryset above.
    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_tally = (instance.__dict__.get("postmortem_id"), instance.__dict__.get("theme_id"))
        return instance

    def save(self, *args, **kwargs):
        from postmortems import theme_tallies

        self._inserted = False
        with transaction.atomic(savepoint=False):  # see bulk_create above
            super().save(*args, **kwargs)
            # Counted as new whenever a row was inserted: a factor deleted and saved again, and
            # a stale copy saved after another tab deleted its row (Django's UPDATE finds no row
            # and it INSERTs), are both loaded instances that add a row.
            theme_tallies.factor_saved(self, adding=self._inserted, before=getattr(self, "_saved_tally", None))
        self._saved_tally = (self.postmortem_id, self.theme_id)

    def _do_insert(self, *args, **kwargs):
        self._inserted = True
        return super()._do_insert(*args, **kwargs)


class Revision(models.Model):
    """One saved state of a post-mortem: who saved it, when, and what changed."""

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField()
    changed_fields = models.JSONField(default=list)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["postmortem", "version"], name="one_revision_per_version")]

    def __str__(self):
        return f"{self.postmortem} v{self.version}"

    def get_absolute_url(self):
        return reverse("postmortems:revision", args=[self.postmortem_id, self.version])


class BlameAcknowledgement(models.Model):
    """An author chose to keep flagged wording when publishing, and said why."""

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="acknowledgements")
    section = models.CharField(max_length=40)
    category = models.CharField(max_length=30)
    phrase = models.CharField(max_length=300)
    reason = models.TextField()
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["section", "id"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "section", "category", "phrase"], name="one_acknowledgement_per_finding"),
        ]

    def __str__(self):
        return f"{self.get_category_display()} “{self.phrase}” in {self.section}"

    def get_category_display(self):
        return self.category.replace("_", " ").capitalize()
