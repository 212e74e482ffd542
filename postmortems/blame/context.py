"""Checks on the words around a trigger: negation, generic claims, talk about blame itself."""
import re

from .caseless import Caseless

_NEGATORS = frozenset("not n't no never nor without hardly nobody nothing none neither isn't wasn't aren't weren't don't doesn't didn't cannot can't".split())

# Sentences that discuss blame instead of assigning it: "a good review does not
# blame the operator", "human error is never a root cause", "the misleading
# light of hindsight".
_ABOUT_BLAME = Caseless(
    r"\b(?:blameless\w*|blame-free|blame culture|just culture|hindsight bias|outcome bias"
    r"|light of hindsight|benefit of hindsight|the new view|the old view|reprimand\w*|punish\w*)\b"
    r"|\b(?:not|never|rarely|seldom|n't|nobody's|no one's|no-one's|without|nobody|no one|no-one|none of us)\b[^.;]{0,30}\b(?:blam\w*|fault|culprit|scapegoat\w*)\b"
    r"|\b(?:instead of|rather than|not about|avoid|stop)\s+(?:\w+\s+){0,2}(?:blam\w*|finger-pointing|pointing fingers|asking who)"
    r"|\b(?:blam\w*)\s+(?:the\s+)?(?:system|process|workflow|tool\w*|software|design|organi[sz]ation|ui|interface)\b"
    # Setting a tempting judgement aside: "it's easy to say in hindsight that...",
    # "it would be tempting to call this a rookie mistake; the better question is...".
    r"|\b(?:easy|tempting|natural|convenient|unfair|wrong|lazy)\s+(?:for\s+\w+\s+)?to\s+(?:say|call|label|conclude|blame|write\s+(?:this|it)\s+off|dismiss|frame|judge|put\s+(?:this|it)\s+down|point\s+(?:at|to))\b"
    r"|\b(?:the|a)\s+(?:more\s+)?(?:useful|better|real|right|wrong|interesting|harder)\s+question\b"
    # Blaming as the subject of a verdict against blaming: "Blaming the new starter would be easy, but...".
    r"|(?:^|[,;:]\s*|\b(?:that|but|and|because)\s+)blaming\b[^.;,:]{0,60}?\b(?:would\s+(?:be\s+(?:easy|tempting|unfair"
    r"|pointless|wrong|useless|lazy|a\s+mistake|the\s+easy)|miss|hide|ignore|overlook|teach)|misses|ignores|hides|overlooks"
    r"|teaches\s+nothing|is\s+(?:easy|tempting|wrong|pointless|unfair|useless|a\s+dead\s+end))\b",
)
# An action that followed the documented procedure: the procedure, not the person, is the story.
_FOLLOWED_PROCEDURE = Caseless(
    r"\b(?:exactly|precisely|just)\s+(?:as\s+|what\s+)?(?:the\s+)?(?:\w+\s+){0,4}?(?:in|from|on)\s+(?:the|our)\s+(?:[\w-]+\s+)?"
    r"(?:guide|runbook|playbook|checklist|procedure|instructions|docs|documentation|wiki|handbook|manual)\b"
    r"|\b(?:as|exactly as|precisely as)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:documented|instructed|described|written|prescribed|specified|trained)\b"
    r"|\b(?:following|per|according to|as per|in line with|(?<!had )(?<!have )(?<!not )followed)\s+(?:the\s+|our\s+)?(?:[\w-]+\s+)?"
    r"(?:guide|runbook|playbook|checklist|procedure|instructions|docs|documentation|handbook|manual|process)\b"
    r"|\b(?:normal|standard|usual|common|accepted|routine)\s+(?:practice|procedure)\b|(?<!,\s)\bas\s+usual\b(?!,)",
)
# A judgement someone feared or reported about themselves, not the writer's own:
# "felt they would be seen as careless", "afraid of looking lazy".
_PERCEIVED = re.compile(
    r"\b(?:seen|viewed|perceived|regarded|thought of|labell?ed|branded|called|judged)\s+(?:as\s+)?(?:\w+\s+)?$"
    r"|\b(?:afraid|scared|worried|fear|fearful|terrified|nervous)\s+(?:of\s+)?(?:being|looking|seeming|appearing)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


def followed_procedure(text):
    """True when the sentence says the action followed a documented procedure."""
    return _FOLLOWED_PROCEDURE.found_in(text)


def is_perceived_judgement(sentence, position):
    """True when the judgement at position is what someone feared being seen as."""
    return bool(_PERCEIVED.search(sentence.text[max(0, position - 40):position]))
# Universal, present-tense claims about people in general are not about this incident.
_GENERIC_PEOPLE = Caseless(
    r"\b(?:everyone|everybody|anyone|anybody|humans|people|we all|all of us)\s+(?:\w+\s+)?(?:makes?|will|can|do|does|are|is|gets?)\b",
)


def is_about_blame(text):
    """True for sentences that talk about blame or hindsight rather than assign it."""
    found = _ABOUT_BLAME_MEMO.get(text)
    if found is None:
        if len(_ABOUT_BLAME_MEMO) > 50_000:
            _ABOUT_BLAME_MEMO.clear()  # bounded: odd input must not grow it without limit
        found = _ABOUT_BLAME_MEMO[text] = _ABOUT_BLAME.found_in(text)
    return found


# Many rules (and the model's gate) ask this of the same sentence.
_ABOUT_BLAME_MEMO = {}


def forget_sentences():
    _ABOUT_BLAME_MEMO.clear()


def is_negated(sentence, position, window=3):
    """A negating word among the few words before position."""
    before = sentence.tokens_before(position)[-window:]
    return any(token.lower in _NEGATORS or token.lower.endswith("n't") for token in before)


def is_generic_claim(text):
    """A claim about people in general ("everyone makes mistakes"), not about this incident."""
    return _GENERIC_PEOPLE.found_in(text)


def clause_around(sentence, start, end):
    """The stretch of the sentence between the clause punctuation around [start, end)."""
    text = sentence.text
    left = max(text.rfind(mark, 0, start) for mark in ";:—–")
    rights = [i for i in (text.find(mark, end) for mark in ";:—–") if i != -1]
    return text[left + 1 : min(rights) if rights else len(text)]
