"""export_org writes the whole organisation to a directory; import_org restores it into an empty database."""
import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from blamefeedback.models import VocabularyTerm
from postmortems import actions
from postmortems.models import ActionItem, ContributingFactor, PostMortem, Revision, Team, Theme, TimelineEvent
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script> & \"quotes\" — ünïcødé\r\nsecond line\ttab <img src=x onerror=alert(1)>"


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def organisation(directory):
    """The parsed organisation.json, without the time of the export."""
    data = json.loads((directory / "organisation.json").read_text(encoding="utf-8"))
    data.pop("exported_at")
    return data


def stored_rows():
    """The rows as the database holds them, without user ids (people get new ids on import)."""
    def rows(model, *without):
        names = [field.attname for field in model._meta.concrete_fields if field.attname not in without]
        return list(model.objects.order_by("pk").values_list(*names))

    return [rows(PostMortem, "created_by_id"), rows(TimelineEvent), rows(ContributingFactor), rows(Theme),
            rows(ActionItem, "owner_id"), rows(Revision, "author_id"), rows(Team)]


def delete_organisation():
    """Empty the database of everything export_org writes, children before parents."""
    PostMortem.objects.all().delete()
    Theme.objects.all().delete()
    Team.objects.all().delete()
    VocabularyTerm.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.fixture
def demo(fast_passwords):
    """The demo organisation, plus the rows seed_demo leaves out: history, feedback, vocabulary."""
    run("seed_demo")
    priya = get_user_model().objects.get(username="priya")
    item = ActionItem.objects.filter(owner=priya).exclude(status=ActionItem.Status.DONE).first()
    actions.mark_done(item, actor=priya, note="Shipped behind a flag")
    postmortem = PostMortem.objects.order_by("pk").first()
    factories.add_feedback(postmortem, by=priya, reviewed_by=priya, status="accepted")
    factories.add_term("Simple", by=priya, note="Our product")
    return postmortem


def test_round_trip_of_demo_organisation_exports_the_same_data(demo, tmp_path):
    run("export_org", str(tmp_path / "first"))
    before, rows_before = organisation(tmp_path / "first"), stored_rows()
    delete_organisation()

    output = run("import_org", str(tmp_path / "first"))
    run("export_org", str(tmp_path / "second"))

    assert organisation(tmp_path / "second") == before
    assert stored_rows() == rows_before
    assert "unusable passwords" in output
    assert len(before["postmortems"]) == PostMortem.objects.count() >= 30
    assert any(item["changes"] for row in before["postmortems"] for item in row["action_items"])
    assert any(row["blame_feedback"] for row in before["postmortems"])
    assert before["vocabulary_terms"] and before["format_version"] == 1


def test_imported_people_have_unusable_passwords_and_new_rows_get_fresh_ids(demo, tmp_path):
    run("export_org", str(tmp_path))
    delete_organisation()
    run("import_org", str(tmp_path))

    assert not any(user.has_usable_password() for user in get_user_model().objects.all())
    team = Team.objects.create(name="New team", slug="new-team")
    postmortem = factories.make_postmortem(team)
    assert postmortem.pk > PostMortem.objects.exclude(pk=postmortem.pk).order_by("-pk")[0].pk


def test_shared_themes_already_in_the_database_are_matched_by_name(demo, tmp_path):
    run("export_org", str(tmp_path))
    shared = list(Theme.objects.filter(team=None).order_by("-pk").values_list("name", "description"))
    delete_organisation()
    Theme.objects.bulk_create(Theme(name=name, description=description) for name, description in shared)
    run("import_org", str(tmp_path))

    assert Theme.objects.filter(team=None).count() == len(shared)
    for factor in ContributingFactor.objects.select_related("theme", "postmortem")[:20]:
        snapshot = factor.postmortem.revisions.order_by("-version").first().snapshot
        assert {"theme_id": factor.theme_id, "theme": str(factor.theme),
                "description": factor.description} in snapshot["factors"]


def test_import_refuses_a_database_with_an_organisation(demo, tmp_path):
    run("export_org", str(tmp_path))
    postmortems = PostMortem.objects.count()

    with pytest.raises(CommandError, match="not empty.*post-mortems"):
        run("import_org", str(tmp_path))
    assert PostMortem.objects.count() == postmortems


def test_import_refuses_a_single_ordinary_user(tmp_path, fast_passwords):
    run("export_org", str(tmp_path))
    factories.make_user("ada")

    with pytest.raises(CommandError, match="users who are not superusers"):
        run("import_org", str(tmp_path))


def test_import_refuses_a_directory_without_an_export(tmp_path):
    with pytest.raises(CommandError, match="organisation.json does not exist"):
        run("import_org", str(tmp_path))


def test_export_refuses_a_directory_that_is_not_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")

    with pytest.raises(CommandError, match="not an empty directory"):
        run("export_org", str(tmp_path))


def test_markdown_file_holds_title_and_sections(org, tmp_path):
    postmortem = factories.make_postmortem(org.payments, title="Checkout timeouts", summary="Pool ran dry.",
                                           lessons="- Alert on saturation")

    run("export_org", str(tmp_path))

    text = (tmp_path / "postmortems" / f"{postmortem.pk}-checkout-timeouts.md").read_text(encoding="utf-8")
    assert text.startswith("# Checkout timeouts\n")
    assert "## Summary\n\nPool ran dry.\n" in text
    assert "## Lessons\n\n- Alert on saturation\n" in text
    assert "## What went well" in text


def test_export_holds_no_password_hashes(org, tmp_path):
    run("export_org", str(tmp_path))

    text = (tmp_path / "organisation.json").read_text(encoding="utf-8")
    for password in get_user_model().objects.values_list("password", flat=True):
        assert password not in text
    assert '"password"' not in text
    assert "pbkdf2" not in text and "md5$" not in text and "argon2" not in text


def test_hostile_text_survives_byte_for_byte(org, tmp_path):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], title=HOSTILE[:200],
                                           summary=HOSTILE, impact=HOSTILE)
    factories.add_timeline_event(postmortem, description=HOSTILE)
    factories.add_action_item(postmortem, title=HOSTILE[:200], description=HOSTILE)
    run("export_org", str(tmp_path))
    markdown = next((tmp_path / "postmortems").iterdir()).read_bytes()
    delete_organisation()

    run("import_org", str(tmp_path))

    restored = PostMortem.objects.get(pk=postmortem.pk)
    assert (restored.title, restored.summary, restored.impact) == (HOSTILE[:200], HOSTILE, HOSTILE)
    assert restored.timeline_events.get().description == HOSTILE
    assert restored.action_items.get().description == HOSTILE
    assert HOSTILE.encode() in markdown


def test_import_keeps_ids_times_and_versions(org, tmp_path):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary="First")
    PostMortem.objects.filter(pk=postmortem.pk).update(version=4, updated_at="2024-03-01T10:00:00.123456+00:00",
                                                       created_at="2024-02-28T09:00:00.654321+00:00")
    run("export_org", str(tmp_path))
    delete_organisation()

    run("import_org", str(tmp_path))

    restored = PostMortem.objects.get(pk=postmortem.pk)
    assert restored.version == 4
    assert restored.updated_at.isoformat() == "2024-03-01T10:00:00.123456+00:00"
    assert restored.created_at.isoformat() == "2024-02-28T09:00:00.654321+00:00"
    assert list(restored.authors.values_list("username", flat=True)) == ["ada"]
    assert Revision.objects.filter(postmortem=restored).count() == 1
