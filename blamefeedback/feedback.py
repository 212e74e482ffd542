"""Storing what authors tell the blame check, and which sentences they have set aside.

Feedback is about a sentence, not a span: the detector's findings move as text is edited
around them, but a sentence an author marked as not blame stays set aside wherever it
goes in its section, until a lead rejects that.
"""
import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from postmortems.blame.markdown import prose_mask
from postmortems.blame.sentences import split_sentences

from .models import FINDING_TEXT_MAX_LENGTH, NOTE_MAX_LENGTH, SENTENCE_MAX_LENGTH, BlameFeedback

# Control characters other than tab and line breaks: PostgreSQL refuses NUL in text outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value, max_length=None):
    """Text as typed, without control characters or surrounding space, cut to max_length."""
    return CONTROL_CHARACTERS.sub("", value or "").strip()[:max_length]


def normalise_sentence(sentence):
    """The sentence as compared: lower case, runs of spaces and line breaks as one space, capped."""
    return " ".join(CONTROL_CHARACTERS.sub("", sentence).lower().split())[:SENTENCE_MAX_LENGTH]


def sentence_key(sentence):
    """A short stable id for a sentence, the same however it is spaced or capitalised."""
    return hashlib.sha256(normalise_sentence(sentence).encode()).hexdigest()[:16]


def stored_sentence(sentence):
    """The sentence as kept: spaced as one line and capped, so it still normalises as the original does."""
    return " ".join(CONTROL_CHARACTERS.sub("", sentence).split())[:SENTENCE_MAX_LENGTH]


def sentence_spans(text):
    """(start, end) of each sentence of text's prose, in order: the sentences blame.sentence_at finds.

    Read in one pass because sentence_at re-reads the whole text on every call, which made
    a long section with a finding in every sentence take seconds (quadratic).
    """
    return [(sentence.start, sentence.start + len(sentence.text)) for sentence in split_sentences(prose_mask(text))]


def findings_with_sentences(text, findings):
    """(finding, sentence) for each finding of text, the sentence being the one that holds it."""
    if not findings:
        return []
    spans = sentence_spans(text)
    starts = [start for start, _ in spans]
    pairs = []
    for finding in findings:
        index = bisect_right(starts, finding.start) - 1
        holds = index >= 0 and finding.start < spans[index][1]
        start, end = spans[index] if holds else (finding.start, finding.end)
        pairs.append((finding, text[start:end]))
    return pairs


def dismissed_sentences(postmortem):
    """{(section, normalised sentence)} its authors marked as not blame, unless a lead rejected that."""
    if postmortem is None or postmortem.pk is None:
        return set()
    rows = (BlameFeedback.objects.filter(postmortem=postmortem, kind=BlameFeedback.Kind.NOT_BLAME)
            .exclude(status=BlameFeedback.Status.REJECTED).values_list("section", "sentence"))
    return {(section, normalise_sentence(sentence)) for section, sentence in rows}


def record_is_blame(*, postmortem, section, sentence, category, note, user):
    """Keep someone's word that a sentence blames someone though the check missed it; (feedback, created)."""
    sentence = stored_sentence(sentence)
    return BlameFeedback.objects.get_or_create(
        postmortem=postmortem, section=section, sentence_hash=sentence_key(sentence),
        kind=BlameFeedback.Kind.IS_BLAME, created_by=user,
        defaults={"sentence": sentence, "finding_category": category or "",
                  "note": clean_text(note, NOTE_MAX_LENGTH)},
    )


@dataclass
class Dismissal:
    """What marking a sentence as not blame did to a section's findings."""

    feedback: BlameFeedback = None  # None: no finding is in that sentence any more (the text changed)
    remaining: list = field(default_factory=list)  # the findings still to show
    cleared_keys: set = field(default_factory=set)  # finding keys no longer flagged anywhere in the section

    @property
    def kept_by_lead(self):
        return self.feedback is not None and self.feedback.status == BlameFeedback.Status.REJECTED


def dismiss_sentence(items, *, postmortem, key, category, note, user):
    """Mark the sentence with this key as not blame, given a section's findings (publishing.SectionFinding).

    The finding recorded is the first of the sentence in `category` (the one the author
    pressed), else its first. Pressing again finds the earlier feedback and stores nothing.
    """
    in_sentence = [item for item in items if item.sentence_key == key]
    if not in_sentence:
        return Dismissal(feedback=_earlier_dismissal(postmortem, key, user), remaining=items)
    chosen = next((item for item in in_sentence if item.finding.category == category), in_sentence[0])
    sentence = stored_sentence(chosen.sentence)
    feedback, _ = BlameFeedback.objects.get_or_create(
        postmortem=postmortem, section=chosen.section, sentence_hash=sentence_key(sentence),
        kind=BlameFeedback.Kind.NOT_BLAME, created_by=user,
        defaults={"sentence": sentence, "finding_category": chosen.finding.category,
                  "finding_text": clean_text(chosen.finding.text, FINDING_TEXT_MAX_LENGTH),
                  "note": clean_text(note, NOTE_MAX_LENGTH)},
    )
    if feedback.status == BlameFeedback.Status.REJECTED:
        return Dismissal(feedback=feedback, remaining=items)
    remaining = [item for item in items if item.sentence_key != key]
    cleared = {item.key for item in in_sentence} - {item.key for item in remaining}
    return Dismissal(feedback=feedback, remaining=remaining, cleared_keys=cleared)


def _earlier_dismissal(postmortem, key, user):
    return BlameFeedback.objects.filter(
        postmortem=postmortem, sentence_hash=key, kind=BlameFeedback.Kind.NOT_BLAME, created_by=user,
    ).first()
