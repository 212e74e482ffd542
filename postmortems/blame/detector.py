"""Run the rules and the learned model over the prose of a document; return findings in order.

The rules find the words (span, category, reason, rewrite); the model reads each whole
sentence and decides. A sentence the model finds blameless keeps its rule findings only
while the model is unsure (above veto_below), which removes the rules' false alarms on
system prose; a sentence the model finds blaming that no rule explains gets one finding
covering it, with the model's likeliest category and a question for the author.
"""
from . import counterfactual, hindsight, individual, loaded, minimising
from .context import is_about_blame
from .features import refers_to_someone
from .findings import Finding
from .markdown import prose_mask
from .messages import MODEL_EXPLANATION, MODEL_QUESTIONS, VOCABULARY_MESSAGE
from .model import default_model
from .sentences import split_sentences, word_count

# A sentence needs this many words before the model alone may flag it.
MODEL_MIN_WORDS = 5

# Earlier rule sets win when two findings overlap: hindsight and counterfactual
# wordings are more specific than the person-as-subject rules.
RULES = hindsight.RULES + counterfactual.RULES + loaded.RULES + minimising.RULES + individual.RULES

# Which rules each keyword prefix can wake up, so a sentence only visits the rules
# whose keywords it contains (one set intersection instead of a check per rule).
_RULES_BY_KEYWORD = {}
for _index, _rule in enumerate(RULES):
    for _keyword in _rule.keywords:
        _RULES_BY_KEYWORD.setdefault(_keyword, set()).add(_index)
_KEYWORDS = frozenset(_RULES_BY_KEYWORD)

USE_MODEL = object()


def analyze(text, *, vocabulary=None, model=USE_MODEL):
    """Return the blame-language findings in text, sorted by start offset.

    vocabulary: an optional Vocabulary (terms never flagged, extra terms flagged).
    model: the SentenceModel to use; the shipped one by default, None for the rules alone.
    """
    masked = prose_mask(text)
    if vocabulary is not None:
        masked = vocabulary.mask_allowed(masked)
    sentences = list(split_sentences(masked))
    by_sentence = [rule_findings(text, sentence) for sentence in sentences]
    if model is USE_MODEL:
        model = default_model()
    findings = []
    if model is None:
        for found in by_sentence:
            findings.extend(found)
    else:
        findings.extend(_decide(text, model, sentences, by_sentence))
    if vocabulary is not None:
        findings.extend(_vocabulary_findings(text, masked, vocabulary, findings))
    return sorted(findings, key=lambda f: (f.start, f.end, f.category))


def _decide(text, model, sentences, by_sentence):
    # Only two kinds of sentence can change the outcome: those with rule findings (the model may
    # veto them) and those the model alone may flag. The rest are not scored at all, which is
    # most of a document's plain narrative.
    needed = [index for index, sentence in enumerate(sentences) if by_sentence[index] or model_may_flag(sentence)]
    probabilities, categories = model.score_remembered(
        [sentences[index] for index in needed], [{f.category for f in by_sentence[index]} for index in needed])
    for index, probability, category in zip(needed, probabilities, categories):
        found = by_sentence[index]
        if found:
            if probability >= model.veto_below:
                yield from found
        elif probability >= model.threshold:
            yield sentence_finding(text, sentences[index], category)


def model_may_flag(sentence):
    """Whether the model alone may flag this sentence, with no rule to explain the finding.

    Only sentences about someone: blame needs a person to land on, and the impersonal kinds
    (hindsight, minimising) come with trigger words the rules already explain; on realistic
    post-mortem prose this halved the model's false alarms (lessons, timeline lines) without
    losing recall on our evaluation sets. Fragments ("Nothing was lost.", a bold theme label)
    give the model too little to read. A sentence about blame itself ("calling it human error
    ends the inquiry") uses blame's vocabulary without blaming; the rules know those frames.
    """
    return (word_count(sentence) >= MODEL_MIN_WORDS and refers_to_someone(sentence)
            and not is_about_blame(sentence.text))


def sentence_finding(text, sentence, category):
    """A finding covering a whole sentence the model reads as blame, with a question instead of a rewrite."""
    start = sentence.start
    end = start + len(sentence.text)
    return Finding(start, end, category, text[start:end], MODEL_EXPLANATION[category], MODEL_QUESTIONS[category])


def rule_findings(text, sentence):
    """The rules' findings in one sentence, earlier rules winning overlaps.

    What the rules find depends only on the sentence's wording, so it is remembered by wording:
    the live check re-reads a whole section on every pause in typing, and most of its sentences
    have not changed since the last time.
    """
    spans = _RULE_MEMO.get(sentence.text)
    if spans is None:
        spans = _rule_spans(sentence)
        remember(_RULE_MEMO, sentence.text, spans)
    offset = sentence.start
    return [Finding(offset + start, offset + end, category, text[offset + start:offset + end], message, suggestion)
            for start, end, category, message, suggestion in spans]


def _rule_spans(sentence):
    taken = []
    for rule in _candidate_rules(sentence):
        for start, end, message, suggestion in rule.findings(sentence):
            if any(start < other[1] and other[0] < end for other in taken):
                continue
            taken.append((start, end, rule.category, message, suggestion))
    return tuple(taken)


_RULE_MEMO = {}
MEMO_LIMIT = 50_000


def remember(memo, key, value):
    """Store key → value in a bounded memo: odd input must not grow it without limit."""
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value


def clear_memos(model=None):
    """Forget remembered sentences (the benchmark's first readings; tests that swap rules)."""
    from . import context, features

    _RULE_MEMO.clear()
    context.forget_sentences()
    features.forget_sentences()
    if model is not None:
        model.memo.clear()


def _candidate_rules(sentence):
    """The rules, in priority order, that have at least one keyword in the sentence."""
    indexes = set()
    for keyword in sentence.word_prefixes & _KEYWORDS:
        indexes |= _RULES_BY_KEYWORD[keyword]
    return [RULES[index] for index in sorted(indexes)]


def _vocabulary_findings(text, masked, vocabulary, existing):
    for start, end, term in vocabulary.flagged_matches(masked):
        if any(start < other.end and other.start < end and other.end - other.start < 200 for other in existing):
            continue
        message = VOCABULARY_MESSAGE.format(trigger=text[start:end]) + (f" {term.note}" if term.note else "")
        yield Finding(start, end, term.category, text[start:end], message, "")


def sentence_at(text, position):
    """(start, end) of the sentence of text's prose that holds position, or None outside prose."""
    for sentence in split_sentences(prose_mask(text)):
        end = sentence.start + len(sentence.text)
        if sentence.start <= position < end:
            return sentence.start, end
    return None
