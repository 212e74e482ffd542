"""Run every rule over the prose of a document and return findings in a stable order."""
from . import counterfactual, hindsight, individual, loaded, minimising
from .findings import Finding
from .markdown import prose_mask
from .sentences import split_sentences

# Earlier rule sets win when two findings overlap: hindsight and counterfactual
# wordings are more specific than the person-as-subject rules.
RULES = hindsight.RULES + counterfactual.RULES + loaded.RULES + minimising.RULES + individual.RULES


def analyze(text):
    """Return the blame-language findings in text, sorted by start offset."""
    findings = []
    for sentence in split_sentences(prose_mask(text)):
        findings.extend(_sentence_findings(text, sentence))
    return sorted(findings, key=lambda f: (f.start, f.end, f.category))


def _sentence_findings(text, sentence):
    taken = []
    for rule in RULES:
        for start, end, message, suggestion in rule.findings(sentence):
            start, end = sentence.start + start, sentence.start + end
            if any(start < other.end and other.start < end for other in taken):
                continue
            taken.append(Finding(start, end, rule.category, text[start:end], message, suggestion))
    return taken
