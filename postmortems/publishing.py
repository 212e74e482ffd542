"""What publishing asks of a post-mortem: every blame finding rewritten or acknowledged.

A finding is identified by its section, category and wording, so an
acknowledgement survives edits elsewhere in the text and a reworded sentence
is checked afresh. The check uses the organisation's vocabulary, and leaves out
sentences the post-mortem's authors marked as not blame (blamefeedback).
"""
import hashlib
import re
from dataclasses import dataclass

from django.db import transaction

from blamefeedback.feedback import dismissed_sentences, findings_with_sentences, normalise_sentence, sentence_key
from blamefeedback.vocabulary import current_vocabulary
from postmortems.blame import Finding, analyze
from postmortems.models import BlameAcknowledgement, PostMortem

SCANNED_FIELDS = ["title", *PostMortem.SECTIONS]
REASON_MAX_LENGTH = 2000
# Control characters other than tab and line breaks: PostgreSQL refuses NUL in text outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class SectionFinding:
    section: str
    finding: Finding
    # The sentence holding the finding; known when the findings are for a saved post-mortem.
    sentence: str = ""

    @property
    def key(self):
        """A short stable id for forms: same section, category and words → same key."""
        raw = f"{self.section}\x1f{self.finding.category}\x1f{normalise(self.finding.text)}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def category_label(self):
        return self.finding.category.replace("_", " ").capitalize()

    @property
    def sentence_key(self):
        """Which sentence feedback on this finding is about ("" when the sentence is unknown)."""
        return sentence_key(self.sentence) if self.sentence else ""


def normalise(phrase):
    return " ".join(phrase.lower().split())[:300]


def findings_in(texts, *, postmortem=None):
    """Findings for each scanned field of {field: text}, in document order.

    For a saved post-mortem each finding knows its sentence, and sentences its authors
    marked as not blame (unless a lead rejected that) are left out.
    """
    vocabulary = current_vocabulary()
    saved = postmortem is not None and postmortem.pk is not None
    dismissed = dismissed_sentences(postmortem) if saved else set()
    items = []
    for section in SCANNED_FIELDS:
        text = texts.get(section) or ""
        found = analyze(text, vocabulary=vocabulary)
        if not saved:
            items.extend(SectionFinding(section, finding) for finding in found)
            continue
        items.extend(
            SectionFinding(section, finding, sentence)
            for finding, sentence in findings_with_sentences(text, found)
            if (section, normalise_sentence(sentence)) not in dismissed
        )
    return items


def acknowledged_keys(postmortem):
    if postmortem.pk is None:
        return set()
    return {
        SectionFinding(ack.section, Finding(0, 0, ack.category, ack.phrase, "")).key
        for ack in postmortem.acknowledgements.all()
    }


def open_findings(postmortem, texts, reasons):
    """Findings neither acknowledged before nor given a reason now ({key: reason})."""
    done = acknowledged_keys(postmortem) | {key for key, reason in reasons.items() if reason.strip()}
    return [item for item in findings_in(texts, postmortem=postmortem) if item.key not in done]


def reasons_from(post_data):
    """The acknowledgement reasons an author typed, keyed by finding key, cleaned and capped."""
    reasons = {}
    for name, value in post_data.items():
        if not name.startswith("ack-"):
            continue
        reason = CONTROL_CHARACTERS.sub("", value).strip()[:REASON_MAX_LENGTH]
        if reason:
            reasons[name[4:]] = reason
    return reasons


def record_acknowledgements(postmortem, texts, reasons, *, author):
    """Keep each newly acknowledged finding, with its reason, on the record."""
    with transaction.atomic():
        for item in findings_in(texts, postmortem=postmortem):
            reason = reasons.get(item.key, "").strip()
            if not reason:
                continue
            BlameAcknowledgement.objects.get_or_create(
                postmortem=postmortem, section=item.section, category=item.finding.category,
                phrase=normalise(item.finding.text),
                defaults={"reason": reason[:REASON_MAX_LENGTH], "acknowledged_by": author},
            )


def texts_of(postmortem):
    return {name: getattr(postmortem, name) for name in SCANNED_FIELDS}


def highlight_segments(text, findings):
    """The text cut into (piece, finding-or-None) runs, for rendering marks around findings."""
    segments, position = [], 0
    for index, item in enumerate(findings, start=1):
        start, end = item.finding.start, item.finding.end
        if start < position:
            continue
        if start > position:
            segments.append((text[position:start], None, index))
        segments.append((text[start:end], item, index))
        position = end
    if position < len(text):
        segments.append((text[position:], None, 0))
    return segments
