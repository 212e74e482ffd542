"""Individual blame: a named or singled-out person presented as the cause."""
from . import subjects
from .context import is_about_blame, is_negated
from .rules import compile_rule, noun_phrase_kind, subject_of

_ROLE_HINT = "Refer to the role rather than the person, and describe the conditions: what made this action reasonable at the time, and what let it cause harm?"
# Gerunds after "without" that describe missing knowledge, not a skipped step.
_KNOWLEDGE_GERUNDS = frozenset("knowing understanding being having hearing".split())
_SKIPPED_STEPS = frozenset("review reviews approval sign-off signoff permission testing tests notice warning consent a".split())
_NOBODY = frozenset("nobody's nobody’s anyone's anyone’s anybody's anybody’s no".split())


def _owner_is_person(sentence, match):
    owner = match.group("owner").lower()
    if owner in _NOBODY or is_negated(sentence, match.start()) or is_about_blame(sentence.text):
        return False
    if owner in ("his", "her", "their", "your"):
        return True
    token = next(t for t in sentence.tokens if t.start == match.start("owner"))
    index = sentence.tokens.index(token)
    is_first = all(not t.text[0].isalpha() for t in sentence.tokens[:index])
    return subjects.classify_word(token, is_first) == subjects.PERSON


def _agent_is_person(sentence, match):
    if is_about_blame(sentence.text):
        return False
    return noun_phrase_kind(sentence, match.start("who")) == subjects.PERSON


def _person_not_self(sentence, match):
    return subject_of(sentence, match) == subjects.PERSON and not is_about_blame(sentence.text)


def _skipped_step_by_person(sentence, match):
    what = match.group("what").lower()
    if what in _KNOWLEDGE_GERUNDS or not (what.endswith("ing") or what in _SKIPPED_STEPS):
        return False
    before = sentence.tokens_before(match.start())
    first = next((i for i, t in enumerate(before) if t.text[0].isalpha()), -1)
    for index, token in enumerate(before):
        kind = subjects.classify_word(token, index == first)
        if kind == subjects.PERSON:
            return not is_about_blame(sentence.text)
        if kind in (subjects.SYSTEM, subjects.SELF):
            return False
    return False


def _role_suggestion(sentence, match):
    return _ROLE_HINT


# Junior or outside roles singled out as the actor of a risky step.
_SINGLED_OUT = r"(?:intern|hire|junior|trainee|contractor|temp|newbie|new guy|new (?:engineer|developer|admin|starter))"
_RISKY_ACTIONS = (
    r"pushed|ran|deployed|merged|executed|applied|changed|deleted|dropped|restarted|rebooted|shut|turned|clicked"
    r"|typed|committed|released|modified|edited|removed|killed|upgraded|rolled|truncated|disabled|unplugged|used"
)

RULES = [
    compile_rule(
        "singled_out", "individual_blame",
        "pushed ran deployed merged executed applied changed deleted dropped restarted rebooted shut turned clicked typed committed released modified edited removed killed upgraded rolled truncated disabled unplugged used",
        rf"\b{_SINGLED_OUT}s?\s+(?:\w+ly\s+)?(?P<t>{_RISKY_ACTIONS})\b",
        lambda sentence, match: not is_about_blame(sentence.text), _role_suggestion,
    ),
    compile_rule(
        "possessive_fault", "individual_blame",
        "fault mistake error screw blunder oversight negligence carelessness doing",
        r"\b(?P<t>(?P<owner>[A-Za-z][\w-]*(?:'s|’s)|his|her|their|your)\s+(?:own\s+)?"
        r"(?:fault|mistake|error|screw-?up|blunder|oversight|negligence|carelessness|doing))\b"
        r"(?!\s+(?:budget|rate|rates|handling|message|messages|log|logs|page|path|code|codes|count))",
        _owner_is_person, _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        "caused triggered started brought taken shut switched turned deleted dropped broken wiped removed unplugged",
        r"\b(?P<t>(?:caused|triggered|started|brought about|brought down|taken down|shut down|switched off|turned off"
        r"|deleted|dropped|broken|wiped|removed|unplugged)\s+(?:accidentally\s+|mistakenly\s+)?by)\s+(?:a|an|the|one|some|our|their|his|her)?\s*(?P<who>[\w'’-]+)",
        _agent_is_person, _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        "due because thanks blamed attributed traced fault result caused",
        r"\b(?P<t>(?:due to|because of|thanks to|blamed on|attributed to|traced (?:back )?to|the fault of|result of|caused by)\s+"
        r"(?:a|an|the|one|some|our|their|his|her)?)\s*(?P<who>[\w'’-]+)",
        _agent_is_person, _role_suggestion,
    ),
    compile_rule(
        "to_blame", "individual_blame",
        "blame fault culprit responsible",
        r"\b(?:is|was|were|are|be)\s+(?:(?:solely|entirely|partly|largely|directly|squarely)\s+)?(?P<t>to blame|at fault|the culprit"
        r"|responsible for (?:the|this)\s+(?:\w+\s+)?(?:outage|incident|failure|problem|mess|breach|loss|delay|slip))\b",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "to_blame", "individual_blame",
        "reason",
        r"\b(?:is|was|were|are)\s+(?P<t>the (?:main |only |sole |real |whole )?reason)\b",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "ignored_warnings", "individual_blame",
        "ignored dismissed brushed waved overruled",
        r"\b(?P<t>(?:warnings?|alerts?|signs?|red flags?|concerns?|advice|objections?) (?:was|were) (?:\w+ )?"
        r"(?:ignored|dismissed|brushed aside|brushed off|waved away|overruled))\b",
        lambda sentence, match: not is_negated(sentence, match.start()) and not is_about_blame(sentence.text),
        _role_suggestion,
    ),
    compile_rule(
        "fingered", "individual_blame",
        "fingered blamed scapegoated singled held",
        r"\b(?P<t>fingered|blamed|scapegoated|singled out|held responsible)\s+(?:for|as)\b",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "fault_verb", "individual_blame",
        "broke broken ignored ignoring missed overlooked skipped forgot bypassed misconfigured mistyped botched messed screwed blew took brought rushed went walked left deleted dropped wiped truncated overwrote destroyed erased nuked caused threw thrown passed didn did doesn sat logged approved merged reviewed signed straight directly against wrong",
        r"\b(?P<t>broke|broken|ignored|ignoring|missed|overlooked|skipped|forgot|bypassed|misconfigured|mistyped|botched"
        r"|messed up|screwed up|blew up|took down|brought down|rushed|went home|walked away|left early"
        r"|left for (?:vacation|the day|lunch|the weekend|holiday)|(?:deleted|dropped|wiped|truncated|overwrote|destroyed|erased|nuked)\s+(?:the\s+|an?\s+|our\s+)?"
        r"(?:wrong|production|prod|live|customer|entire|whole|everything|all)"
        r"|caused (?:the|this|an?) (?:outage|incident|failure|breach|problem|mess)"
        r"|(?:threw|thrown) (?:me|us|him|her|them) under the bus|passed the buck|took credit|went behind (?:my|our|his|her) back"
        r"|(?:didn't|didn’t|did not|doesn't|doesn’t) pull (?:his|her|their|your) weight|blew off"
        r"|dropped the ball|sat on (?:the|it|this|that)|logged off|(?:approved|merged|reviewed|signed off on) (?:his|her|their) own"
        r"|(?:straight|directly) (?:in)?to (?:main|master|prod|production|live)|against (?:prod|production|live)"
        r"|the wrong [\w-]+)\b",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "without", "individual_blame",
        "without",
        r"\b(?P<t>without\s+(?:first\s+|even\s+|properly\s+|any(?:one)?\s+|proper\s+)?(?P<what>[\w-]+))",
        _skipped_step_by_person, _role_suggestion,
    ),
    compile_rule(
        "pressure", "individual_blame",
        "pushed pushing pressured pressuring rushed rushing forced forcing made yelled shouted dumped",
        r"\b(?P<t>(?:pushed|pushing|pressured|pressuring|rushed|rushing|forced|forcing|made|yelled at|shouted at)\s+(?:me|us)"
        r"|dumped\s+(?:[\w-]+\s+){0,4}?on\s+(?:me|us))\b",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "habit", "individual_blame",
        "habit keep keeps kept continue continues constantly",
        r"\b(?P<t>(?:has|had|have) a (?:bad\s+)?habit of|keeps?\s+\w+ing|kept\s+\w+ing|continues? to|constantly)\b",
        _person_not_self, _role_suggestion,
    ),
]
