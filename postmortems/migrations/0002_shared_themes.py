"""Seed the shared taxonomy: themes that fit computer and people systems alike."""
from django.db import migrations

SHARED_THEMES = [
    ("Worked at small scale, broke at scale", "A habit, design or limit that was fine until volume or headcount grew."),
    ("Missing instrumentation or feedback", "Nothing measured it, or the signal reached nobody who could act."),
    ("Tight coupling / single point of failure", "One part failing took others with it; no slack or fallback."),
    ("One overloaded component or person", "Work piled onto a single service, queue or human."),
    ("Overreaction under pressure", "A response bigger than the problem made things worse."),
    ("Overbuilt or premature process", "Process or machinery added before it was needed, slowing the real work."),
    ("Knowledge silo", "What was needed lived in one head, one repo or one team."),
    ("Unclear ownership", "Nobody, or everybody, was responsible."),
    ("Alert fatigue", "Too many signals, so the important one looked like noise."),
    ("Change management", "How a change was proposed, reviewed, rolled out or rolled back."),
    ("Capacity", "Not enough machines, time or people for the load."),
    ("Dependency failure", "A service, vendor, team or tool we rely on did not deliver."),
    ("Communication gap", "Information existed but did not travel to where it was needed."),
    ("Hand-off breakdown", "Work or context was lost passing between shifts, people or teams."),
]


def add_themes(apps, schema_editor):
    Theme = apps.get_model("postmortems", "Theme")
    for name, description in SHARED_THEMES:
        Theme.objects.get_or_create(name=name, team=None, defaults={"description": description})


def remove_themes(apps, schema_editor):
    Theme = apps.get_model("postmortems", "Theme")
    Theme.objects.filter(team=None, name__in=[name for name, _ in SHARED_THEMES], factors__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0001_initial")]
    operations = [migrations.RunPython(add_themes, remove_themes)]
