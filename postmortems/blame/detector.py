"""Run every rule over the prose of a document and return findings in a stable order."""
from . import counterfactual, hindsight, individual, loaded, minimising
from .findings import Finding
from .markdown import prose_mask
from .sentences import split_sentences

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


def analyze(text):
    """Return the blame-language findings in text, sorted by start offset."""
    findings = []
    for sentence in split_sentences(prose_mask(text)):
        findings.extend(_sentence_findings(text, sentence))
    return sorted(findings, key=lambda f: (f.start, f.end, f.category))


def _candidate_rules(sentence):
    """The rules, in priority order, that have at least one keyword in the sentence."""
    indexes = set()
    for keyword in sentence.word_prefixes & _KEYWORDS:
        indexes |= _RULES_BY_KEYWORD[keyword]
    return [RULES[index] for index in sorted(indexes)]


def _sentence_findings(text, sentence):
    taken = []
    for rule in _candidate_rules(sentence):
        for start, end, message, suggestion in rule.findings(sentence):
            start, end = sentence.start + start, sentence.start + end
            if any(start < other.end and other.start < end for other in taken):
                continue
            taken.append(Finding(start, end, rule.category, text[start:end], message, suggestion))
    return taken
