"""Accepted feedback as training rows in the shared corpus format, and the command that writes them."""
import json

import pytest
from django.core.management import call_command

from blamefeedback.export import accepted_feedback_rows
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def technical(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author])


@pytest.fixture
def people_incident(org):
    return factories.make_postmortem(org.payments, kind="people", authors=[org.people.author])


def accepted(postmortem, by, **fields):
    return factories.add_feedback(postmortem, by=by, status="accepted", reviewed_by=by, **fields)


def test_only_accepted_feedback_is_exported(org, technical):
    people = org.people
    kept = accepted(technical, people.author, sentence="Accepted.")
    factories.add_feedback(technical, by=people.member, sentence="Pending.")
    factories.add_feedback(technical, by=people.lead, sentence="Rejected.", status="rejected", reviewed_by=people.lead)
    assert [row["id"] for row in accepted_feedback_rows()] == [f"fb-{kept.pk}"]


def test_a_not_blame_row_is_a_hard_blameless_example(org, technical):
    feedback = accepted(technical, org.people.author, sentence="Sam should have rolled back sooner.")
    assert accepted_feedback_rows() == [{
        "id": f"fb-{feedback.pk}", "text": "Sam should have rolled back sooner.", "label": "blameless",
        "category": "none", "hard": True, "kind": "technical", "source": "feedback",
    }]


def test_a_missed_blame_row_carries_its_category(org, people_incident):
    feedback = accepted(people_incident, org.people.author, kind="is_blame", sentence="Kim is lazy.",
                        category="loaded_judgement")
    assert accepted_feedback_rows() == [{
        "id": f"fb-{feedback.pk}", "text": "Kim is lazy.", "label": "blame", "category": "loaded_judgement",
        "hard": True, "kind": "people", "source": "feedback",
    }]


def test_a_missed_blame_row_without_a_category_is_individual_blame(org, technical):
    accepted(technical, org.people.author, kind="is_blame", sentence="Kim broke it.", category="")
    [row] = accepted_feedback_rows()
    assert (row["label"], row["category"]) == ("blame", "individual_blame")


def test_rows_keep_the_corpus_key_order_and_come_oldest_first(org, technical):
    first = accepted(technical, org.people.author, sentence="First.")
    second = accepted(technical, org.people.member, sentence="Second.")
    rows = accepted_feedback_rows()
    assert [row["id"] for row in rows] == [f"fb-{first.pk}", f"fb-{second.pk}"]
    assert list(rows[0]) == ["id", "text", "label", "category", "hard", "kind", "source"]


def test_exporting_takes_one_query(org, technical, django_assert_num_queries):
    accepted(technical, org.people.author, sentence="First.")
    accepted(factories.make_postmortem(org.payments, kind="people"), org.people.author, sentence="Second.")
    with django_assert_num_queries(1):
        accepted_feedback_rows()


def test_the_command_writes_json_lines_to_standard_output_and_the_count_to_standard_error(org, technical, capsys):
    feedback = accepted(technical, org.people.author, sentence="Sam’s “fix” was fine.")
    call_command("export_blame_feedback")
    out, err = capsys.readouterr()
    assert [json.loads(line) for line in out.splitlines()] == [{
        "id": f"fb-{feedback.pk}", "text": "Sam’s “fix” was fine.", "label": "blameless", "category": "none",
        "hard": True, "kind": "technical", "source": "feedback",
    }]
    assert err.strip() == "Exported 1 accepted feedback row."


def test_the_command_writes_to_a_file_when_asked(org, technical, tmp_path, capsys):
    accepted(technical, org.people.author, sentence="One.")
    accepted(technical, org.people.member, sentence="Two.")
    target = tmp_path / "feedback.jsonl"
    call_command("export_blame_feedback", "--output", str(target))
    out, err = capsys.readouterr()
    assert out == ""
    assert [json.loads(line)["text"] for line in target.read_text(encoding="utf-8").splitlines()] == ["One.", "Two."]
    assert err.strip() == "Exported 2 accepted feedback rows."


def test_the_command_with_nothing_accepted_writes_nothing(db, capsys):
    call_command("export_blame_feedback")
    out, err = capsys.readouterr()
    assert out == "" and err.strip() == "Exported 0 accepted feedback rows."
