"""Accepted feedback as training rows in the shared corpus format (see ../shared/blame/dev_corpus.jsonl).

train_blame_model --with-feedback reads these rows; export_blame_feedback writes them out.
"""
from .models import BlameFeedback

# A missed-blame report without a category is most often someone named as the cause.
DEFAULT_BLAME_CATEGORY = "individual_blame"


def accepted_feedback_rows():
    """One corpus row per feedback a lead accepted, oldest first."""
    accepted = (BlameFeedback.objects.filter(status=BlameFeedback.Status.ACCEPTED)
                .select_related("postmortem").order_by("pk"))
    return [_row(feedback) for feedback in accepted]


def _row(feedback):
    not_blame = feedback.kind == BlameFeedback.Kind.NOT_BLAME
    return {
        "id": f"fb-{feedback.pk}",
        "text": feedback.sentence,
        "label": "blameless" if not_blame else "blame",
        "category": "none" if not_blame else (feedback.finding_category or DEFAULT_BLAME_CATEGORY),
        # Every row is a sentence the check got wrong, so each is a hard example.
        "hard": True,
        "kind": feedback.postmortem.kind,
        "source": "feedback",
    }
