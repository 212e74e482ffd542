"""export_org writes the whole organisation to a directory; import_org restores it into an empty database."""
import json
import re
from datetime import timezone as dt_timezone
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from blamefeedback.models import VocabularyTerm
from nearmisses import triage
from nearmisses.models import NearMiss
from postmortems import actions
from postmortems.models import ActionItem, ContributingFactor, PostMortem, Revision, Team, Theme, TimelineEvent
from pulse import periods, questions
from pulse.models import Answer, Invitation, Participation, Period, PulseSettings, QuestionSet, Response, Statement
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
            rows(ActionItem, "owner_id"), rows(Revision, "author_id"), rows(Team),
            rows(NearMiss, "reporter_id", "triaged_by_id"),
            sorted(NearMiss.themes.through.objects.values_list("nearmiss_id", "theme_id")),
            rows(PulseSettings), rows(QuestionSet, "created_by_id"), rows(Statement), rows(Period)]


def delete_organisation():
    """Empty the database of everything export_org writes, and the pulse rows it leaves out, children first."""
    for model in (NearMiss, Answer, Response, Participation, Invitation, Period, QuestionSet, PulseSettings):
        model.objects.all().delete()
    PostMortem.objects.all().delete()
    Theme.objects.all().delete()
    Team.objects.all().delete()
    VocabularyTerm.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.fixture
def demo(fast_passwords):
    """The demo organisation, plus the rows seed_demo leaves out: history, feedback, vocabulary, a promoted
    near miss, and a second version of Platform's pulse questions that the current period asks."""
    run("seed_demo")
    priya = get_user_model().objects.get(username="priya")
    item = ActionItem.objects.filter(owner=priya).exclude(status=ActionItem.Status.DONE).first()
    actions.mark_done(item, actor=priya, note="Shipped behind a flag")
    postmortem = PostMortem.objects.order_by("pk").first()
    factories.add_feedback(postmortem, by=priya, reviewed_by=priya, status="accepted")
    factories.add_term("Simple", by=priya, note="Our product")
    samira, platform = get_user_model().objects.get(username="samira"), Team.objects.get(slug="platform")
    triage.promote(NearMiss.objects.get(team=platform, status=NearMiss.Status.NEW), by=samira)
    questions.save_new_version(platform, [*questions.DEFAULT_STATEMENTS[:3], "Alerts that page me are worth it."],
                               "What would you change first?", by=samira)
    periods.period_for(platform, timezone.now().astimezone(dt_timezone.utc).date())
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
    assert before["vocabulary_terms"] and before["format_version"] == 2
    near_misses = before["near_misses"]
    assert len(near_misses) == NearMiss.objects.count() == 14
    assert {row["status"] for row in near_misses} == set(NearMiss.Status.values)
    assert any(row["anonymous"] for row in near_misses) and any(row["reporter"] for row in near_misses)
    assert any(row["themes"] for row in near_misses)
    assert all(row["dismiss_reason"] for row in near_misses if row["status"] == "dismissed")
    assert all(row["promoted_to"] for row in near_misses if row["status"] == "promoted")
    assert len(before["pulse_settings"]) == 3
    assert {(row["version"], len(row["statements"])) for row in before["pulse_question_sets"]} == {(1, 5), (2, 4)}
    assert len(before["pulse_periods"]) == 2 * 26 + 3 + 1


def test_imported_teams_keep_their_pulse_questions_and_periods_with_no_responses(demo, tmp_path):
    run("export_org", str(tmp_path))
    delete_organisation()

    output = run("import_org", str(tmp_path))

    platform = Team.objects.get(slug="platform")
    assert questions.current_set(platform).version == 2
    assert set(Period.objects.filter(team=platform).values_list("question_set__version", flat=True)) == {1, 2}
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not Participation.objects.exists() and not Invitation.objects.exists()
    assert "imported pulse periods have no responses" in output


def test_export_holds_no_pulse_responses_and_no_reporter_of_an_anonymous_near_miss(demo, tmp_path):
    platform = Team.objects.get(slug="platform")
    Response.objects.filter(pk=Response.objects.filter(team=platform).first().pk).update(
        free_text="Only I would write this sentence.")
    Invitation.objects.create(person=get_user_model().objects.get(username="kenji"), team=platform,
                              period_start=Period.objects.filter(team=platform).first().start,
                              last_error="Mail server said no to kenji")

    output = run("export_org", str(tmp_path))

    text = (tmp_path / "organisation.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert set(data) == {"format", "format_version", "exported_at", "users", "teams", "themes", "postmortems",
                         "vocabulary_terms", "near_misses", "pulse_settings", "pulse_question_sets", "pulse_periods"}
    assert not keys_in(data) & {"score", "answers", "free_text", "key_hash", "person", "period_start", "last_error"}
    assert "Only I would write this sentence." not in text and "Mail server said no" not in text
    # The only random ids written are the near misses': no response, answer or participation id.
    uuids = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text))
    assert uuids == {str(pk) for pk in NearMiss.objects.values_list("pk", flat=True)}
    assert not set(re.findall(r"[0-9a-f]{64}", text)) & set(Response.objects.values_list("key_hash", flat=True))
    anonymous = [row for row in data["near_misses"] if row["anonymous"]]
    assert anonymous and all(row["reporter"] is None and row["reported_at"] is None for row in anonymous)
    assert "Pulse responses are not exported; back them up with pg_dump, see README." in output


def keys_in(value):
    """Every dict key anywhere in parsed JSON."""
    if isinstance(value, dict):
        return set(value).union(*(keys_in(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_in(item) for item in value))
    return set()


def test_imported_people_have_unusable_passwords_and_new_rows_get_fresh_ids(demo, tmp_path):
    run("export_org", str(tmp_path))
    delete_organisation()
    restart_id_sequences(Team, PostMortem, PulseSettings, QuestionSet, Statement, Period)  # as in a new database
    run("import_org", str(tmp_path))

    assert not any(user.has_usable_password() for user in get_user_model().objects.all())
    team = Team.objects.create(name="New team", slug="new-team")
    postmortem = factories.make_postmortem(team)
    assert postmortem.pk > PostMortem.objects.exclude(pk=postmortem.pk).order_by("-pk")[0].pk
    question_set = questions.current_set(team)  # with its statements and settings, all new rows
    assert question_set.pk > QuestionSet.objects.exclude(pk=question_set.pk).order_by("-pk")[0].pk
    period = periods.period_for(team, question_set.created_at.date())
    assert period.pk > Period.objects.exclude(pk=period.pk).order_by("-pk")[0].pk


def restart_id_sequences(*models):
    """Start the models' id sequences again at 1, so only the import's own reset keeps new ids clear of its rows."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)", [model._meta.db_table])


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

    with pytest.raises(CommandError, match="not empty.*post-mortems.*near misses.*pulse periods.*pulse responses"):
        run("import_org", str(tmp_path))
    assert PostMortem.objects.count() == postmortems


def test_import_refuses_a_single_ordinary_user(tmp_path, fast_passwords):
    run("export_org", str(tmp_path))
    factories.make_user("ada")

    with pytest.raises(CommandError, match="users who are not superusers"):
        run("import_org", str(tmp_path))


def test_import_reads_a_version_1_export_without_near_misses_or_pulse(org, tmp_path):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary="Before near misses")
    run("export_org", str(tmp_path))
    data = json.loads((tmp_path / "organisation.json").read_text(encoding="utf-8"))
    for key in ("near_misses", "pulse_settings", "pulse_question_sets", "pulse_periods"):
        del data[key]
    (tmp_path / "organisation.json").write_text(json.dumps({**data, "format_version": 1}), encoding="utf-8")
    delete_organisation()

    output = run("import_org", str(tmp_path))

    assert PostMortem.objects.get(pk=postmortem.pk).summary == "Before near misses"
    assert "0 near misses" in output and "0 pulse question sets" in output
    assert not NearMiss.objects.exists() and not QuestionSet.objects.exists()


def test_import_refuses_a_format_version_it_does_not_know(org, tmp_path):
    run("export_org", str(tmp_path))
    data = json.loads((tmp_path / "organisation.json").read_text(encoding="utf-8"))
    (tmp_path / "organisation.json").write_text(json.dumps({**data, "format_version": 3}), encoding="utf-8")
    delete_organisation()

    with pytest.raises(CommandError, match="format version 3; this Debrief reads versions 1 and 2"):
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
    near_miss = NearMiss.objects.create(team=org.payments, what_happened=HOSTILE, what_stopped_it=HOSTILE,
                                        likelier_next_time=HOSTILE, anonymous=True, reported_on="2024-03-01")
    run("export_org", str(tmp_path))
    markdown = next((tmp_path / "postmortems").iterdir()).read_bytes()
    delete_organisation()

    run("import_org", str(tmp_path))

    restored = PostMortem.objects.get(pk=postmortem.pk)
    assert (restored.title, restored.summary, restored.impact) == (HOSTILE[:200], HOSTILE, HOSTILE)
    assert restored.timeline_events.get().description == HOSTILE
    assert restored.action_items.get().description == HOSTILE
    restored_near_miss = NearMiss.objects.get(pk=near_miss.pk)
    assert [restored_near_miss.what_happened, restored_near_miss.what_stopped_it,
            restored_near_miss.likelier_next_time] == [HOSTILE] * 3
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
