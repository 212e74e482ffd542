"""Running counts that pages read instead of counting every row ever written."""
from django.conf import settings
from django.db import models


class ThemeTally(models.Model):
    """Contributing factors naming a theme, and the incidents they are on, for one team, incident kind and published state.

    Rows are changes, not totals: saving or deleting a factor, or moving, re-kinding or
    publishing its post-mortem, appends rows of +n and -n (theme_tallies.py), and a reader's
    count is the sum of the rows their visibility allows. Appending never waits on another
    transaction's lock, so concurrent saves cannot deadlock on a shared counter row; the
    hourly compaction folds the rows back into one per key.
    """

    theme = models.ForeignKey("Theme", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("Team", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    published = models.BooleanField()
    uses = models.IntegerField()
    # Incidents with at least one factor naming the theme (an incident naming it twice counts
    # once): the post-mortem list filtered by theme counts its matches from these.
    # A database default too, so processes still running the previous code can append rows.
    incidents = models.IntegerField(default=0, db_default=0)

    class Meta:
        indexes = [models.Index(fields=["theme", "team", "kind", "published"], name="themetally_key")]

    def __str__(self):
        return (f"theme {self.theme_id}, team {self.team_id}, {self.kind}, published={self.published}: "
                f"{self.uses:+d} factors, {self.incidents:+d} incidents")


class NamedThemeUse(models.Model):
    """Contributing factors per theme on one people incident, for one person named on it.

    People incidents are open to their authors and the viewers they were shared with,
    whatever team those people lead (permissions.py). ThemeTally, kept per team, cannot
    say which incidents a person is named on, so these rows do, per incident: rewritten
    whole (theme_tallies.refresh_named) whenever its factors, kind, team, authors or
    viewers change, so a person's count reads their own rows instead of every factor.
    """

    postmortem = models.ForeignKey("PostMortem", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey("Theme", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("Team", on_delete=models.CASCADE, related_name="+")
    uses = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["postmortem", "user", "theme"], name="one_named_use_per_theme")]
        # A reader's rows, read off the index alone (INCLUDE is PostgreSQL's; SQLite keeps the plain index).
        indexes = [models.Index(fields=["user", "theme"], include=["team", "uses"], name="named_use_reader")]

    def __str__(self):
        return f"post-mortem {self.postmortem_id}, user {self.user_id}, theme {self.theme_id}: {self.uses}"
