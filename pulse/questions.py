"""The team's pulse questions: a default set on first use, and a new version for every change.

A version is never edited, and a period keeps the version it started with, so each
statement's results belong to one wording and history never mixes an old question
with a new one.
"""
from django.db import transaction
from django.db.models import Max

from pulse.models import QuestionSet, Statement

MIN_STATEMENTS = 3
MAX_STATEMENTS = 6
DEFAULT_STATEMENTS = [
    "My workload is sustainable.",
    "Ownership of our work is clear.",
    "I can raise a problem without fear.",
    "On-call and interruptions are manageable.",
    "I know what matters most this week.",
]
DEFAULT_FREE_TEXT_QUESTION = "Anything else the team should know? (optional)"


def current_set(team):
    """The team's newest question set; version 1 with the default questions if it has none."""
    latest = QuestionSet.objects.filter(team=team).order_by("-version").first()
    if latest is not None:
        return latest
    with transaction.atomic():
        # Locked and looked at again, so two first uses at once make one default set, not two.
        type(team).objects.select_for_update().filter(pk=team.pk).first()
        latest = QuestionSet.objects.filter(team=team).order_by("-version").first()
        return latest or save_new_version(team, DEFAULT_STATEMENTS, DEFAULT_FREE_TEXT_QUESTION)


def save_new_version(team, statements, free_text_question, *, by=None):
    """Store these questions as the team's next version and return it.

    The team row is locked so two leads saving at once get versions n+1 and n+2, not a
    constraint error; a version number is never reused.
    """
    statements = [text.strip() for text in statements if text.strip()]
    if not MIN_STATEMENTS <= len(statements) <= MAX_STATEMENTS:
        raise ValueError(f"A pulse asks {MIN_STATEMENTS} to {MAX_STATEMENTS} statements, not {len(statements)}.")
    with transaction.atomic():
        type(team).objects.select_for_update().filter(pk=team.pk).first()
        latest = QuestionSet.objects.filter(team=team).aggregate(version=Max("version"))["version"] or 0
        question_set = QuestionSet.objects.create(
            team=team, version=latest + 1, free_text_question=free_text_question.strip(), created_by=by,
        )
        Statement.objects.bulk_create(
            Statement(question_set=question_set, position=position, text=text)
            for position, text in enumerate(statements, start=1)
        )
    return question_set


def edit(team, statements, free_text_question, *, by=None):
    """A lead's edit: a new version if anything changed, else the current one unchanged."""
    current = current_set(team)
    wanted = [text.strip() for text in statements if text.strip()]
    unchanged = (
        wanted == [statement.text for statement in current.statements.all()]
        and free_text_question.strip() == current.free_text_question
    )
    if unchanged:
        return current
    return save_new_version(team, wanted, free_text_question, by=by)
