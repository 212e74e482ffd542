"""Individual blame: a named or singled-out person presented as the cause."""
import re

from . import subjects
from .context import followed_procedure, is_about_blame, is_negated
from .lexicon import FILLER, ORGANISATIONS as _ORGANISATIONS
from .rules import compile_rule, noun_phrase_kind, trigger_span

_ROLE_HINT = "Refer to the role rather than the person, and describe the conditions: what made this action reasonable at the time, and what let it cause harm?"
# Gerunds after "without" that describe missing knowledge, not a skipped step.
_KNOWLEDGE_GERUNDS = frozenset("knowing understanding being having hearing".split())
_SKIPPED_STEPS = frozenset("review reviews approval sign-off signoff permission testing tests notice warning consent".split())
# After "without a/an/any": a skipped safeguard ("without a review", "without a second pair of eyes"), not
# a missing outcome ("the meeting ended without a decision", "...without an owner").
_SKIPPED_SAFEGUARDS = frozenset("""
review reviews reviewer approval approver sign-off signoff permission test tests check checks ticket backup backups
plan dry-run dry canary confirmation heads-up warning notice second peer rollback change-request ok okay go-ahead
""".split())
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
    return subjects.strict_agent_kind(sentence, trigger_span(match)[0])[0] == subjects.PERSON and _blames(sentence)


def _blames(sentence):
    """Not a discussion of blame, not an account of someone following the documented procedure,
    and not the content of a reported question ("a reader asks whether a colleague keeps ...")."""
    return not is_about_blame(sentence.text) and not followed_procedure(sentence.text) and not _REPORTED_QUESTION.search(sentence.text)


# An indirect question someone else asks: its content is reported, not asserted by the writer.
_REPORTED_QUESTION = re.compile(
    r"\b(?:asks?|asked|asking|wonders?|wondered|wondering|wants\s+to\s+know|wanted\s+to\s+know)\s+(?:[\w'’-]+\s+){0,2}?(?:whether|if)\b",
    re.IGNORECASE,
)


def _agent_kind(sentence, position):
    return subjects.agent_kind(sentence, position)


def _person_acts(sentence, match):
    """A person (not the writer's team, not a system, not an outside organisation) does the harmful act."""
    start = trigger_span(match)[0]
    if is_negated(sentence, start) or not _blames(sentence):
        return False
    if _not_a_finite_act(sentence, start):
        return False
    before = [t for t in sentence.tokens_before(start) if t.lower not in FILLER and not t.lower.endswith("ly")]
    if before and before[-1].lower in _ORGANISATIONS:
        return False
    return _agent_kind(sentence, start) == subjects.PERSON


def _not_a_finite_act(sentence, start):
    """The trigger word is a participle used as an adjective or an agentless passive, not an act by a subject."""
    before = [t for t in sentence.tokens_before(start) if not (t.lower.endswith("ly") and t.lower not in ("only", "early"))]
    if not before or sentence.text[start:].lower().startswith(("by ", "in ", "against ", "instead ", "to ", "for ")):
        return False
    previous = before[-1].lower
    if previous in ("had", "has", "have", "having"):
        # "Maria had hard-coded the password" is an act; "the contract had hard-coded dates" is not.
        following = sentence.tokens_after(start)
        rest = following[1].lower if len(following) > 1 else ""
        return rest not in _OBJECT_STARTS
    if previous in _ADJECTIVE_CONTEXT:
        return True
    # "the templates contained hard-coded figures": a participle right after another finite verb.
    return previous.endswith("ed") and previous not in _REMEDIES and subjects.is_verb_like(previous, "x") and \
        not sentence.text[before[-1].end:start].strip()


def _possessor_is_person(sentence, position):
    """"Farid's change knocked...", "the contractor's script wiped...": the thing acting belongs to a person."""
    before = sentence.tokens_before(position)
    words = [t for t in before if t.lower not in FILLER and not t.lower.endswith("ly")][-4:]
    for token in reversed(words):
        if not token.text[0].isalpha() or token.lower in _NP_BREAKS:
            return False
        if token.lower in ("his", "her", "their"):
            return True
        if token.lower.endswith(("'s", "’s")):
            if token.lower[:-2] in _ORGANISATIONS:
                return False
            return subjects.classify_word(token, token is sentence.tokens[0]) == subjects.PERSON
    return False


def _destroys(sentence, match):
    """A destructive act whose subject is a person or a person's artefact, not done as a remedy or per procedure."""
    start = match.start("verb")
    if is_negated(sentence, start) or not _blames(sentence) or _REMEDIAL_PURPOSE.search(sentence.text, start):
        return False
    before = [t for t in sentence.tokens_before(start) if not t.lower.endswith("ly")]
    if before and (before[-1].lower in _NOT_ACTIVE_PAST or before[-1].lower in subjects.DETERMINERS or before[-1].lower in _QUANTIFIERS):
        # "they were deleted", "the overloaded master", "one overloaded person": a passive or an adjective, not an act.
        return False
    kind, owned = subjects.strict_agent_kind(sentence, start)
    return kind == subjects.PERSON or owned or _possessor_is_person(sentence, start)


def _person_acts_in_frame(sentence, match):
    """The verb after a causal frame ("because", "the moment", "until") has a person as its subject."""
    if not _blames(sentence) or is_negated(sentence, match.start("verb")):
        return False
    verb = match.group("verb").lower()
    if verb in _REMEDIES or verb in _INNOCENT_VERBS:
        return False
    return _agent_kind(sentence, match.start("verb")) == subjects.PERSON


def _passive_person_agent(sentence, match):
    """"was pushed out by Dmitri": harmful participles always, neutral ones when harm or a skipped step follows."""
    if not _blames(sentence) or is_negated(sentence, match.start()):
        return False
    if noun_phrase_kind(sentence, match.start("who")) != subjects.PERSON:
        return False
    participle = match.group("verb").lower()
    if participle.split()[0] in ("rushed", "forced", "rubber-stamped", "rubberstamped"):
        participle = "bypassed"  # pushed past the usual checks
    if participle in _HARMFUL_PARTICIPLES:
        return participle not in ("deleted", "dropped", "truncated") or not _REMEDIAL_PURPOSE.search(sentence.text)
    return bool(_HARM_FOLLOWS.search(sentence.text, match.end()))


def _person_act_then_harm(sentence, match):
    """The main clause has a person (or a person's change) acting, and the harm follows in the same sentence.

    "The on-call engineer restarted all three brokers at once, and the cluster lost
    quorum" tells the outcome as that person's doing. Perception, reporting and
    repair verbs ("noticed", "reported", "restored") are not acts that cause harm.
    """
    if not _blames(sentence):
        return False
    kind, owned, verb_index = subjects.main_clause(sentence)
    if verb_index is None or not (kind == subjects.PERSON or owned):
        return False
    tokens = sentence.tokens
    verb = tokens[verb_index]
    if verb.start >= match.start() or is_negated(sentence, verb.start + 1, window=2):
        return False
    separate = _SEPARATE_CLAUSE.search(sentence.text, verb.end, match.start())
    if separate and not (
        # "ran a command that took the region offline": the relative clause is the act's own consequence.
        separate.group().lower() in ("that", "which")
        and not sentence.text[separate.end():match.start()].strip()
        and not _SEPARATE_CLAUSE.search(sentence.text, separate.end(), match.start())
    ):
        # "...while checkout was timing out", "...; the outage came from": not told as a consequence.
        return False
    word = verb.lower
    if word in _AUXILIARIES:
        following = tokens[verb_index + 1] if verb_index + 1 < len(tokens) else None
        if following is None or following.lower in _AUXILIARIES or not subjects.is_verb_like(following.lower, "x"):
            return False
        if word in ("was", "were", "is", "are"):
            return False  # a passive: the subject is what was acted on
        word = following.lower
    if word in _INNOCENT_VERBS or word.endswith("n't") or word in ("never", "not"):
        return False
    return not _REMEDIAL_PURPOSE.search(sentence.text) and not _explained_by_system(sentence)


def _explained_by_system(sentence):
    """"..., because the runbook predated the new layout": the writer gives a systemic reason."""
    for found in _BECAUSE.finditer(sentence.text):
        if noun_phrase_kind(sentence, found.end()) != subjects.PERSON:
            return True
    return False


# Work, load and duties that "fall on" people: a description of how work was spread, not of fault.
_WORKLOAD = frozenset("""
load loads workload workloads work burden burdens pager paging on-call oncall rota rotas cover coverage shift shifts
weekend weekends night nights duty duties task tasks chore chores rescheduling scheduling calls tickets queue queues
escalation escalations path job jobs admin paperwork weight pressure share bulk most majority rest slack handover
handovers support triage follow-up follow-ups reviews interviews hours overtime effort
""".split())


_FAULT_BEFORE = re.compile(r"\b(?:blame\w*|fault|culprit|outage|incident|failure|mistake|error)\b", re.IGNORECASE)


def _work_fell_on(sentence, match, fault_needed=False):
    """"On-call load fell on two people", "it fell on the lead to decide": who carried the work.

    With fault_needed, anything that "fell on" someone is read as work unless a fault word comes first.
    """
    trigger = match.group("t").lower()
    if not trigger.startswith(("falls", "fell", "lies", "lay", "rests", "rested")):
        return False
    if _FAULT_BEFORE.search(sentence.text[:match.start("t")]):
        return False
    if fault_needed:
        return True
    before = [t for t in sentence.tokens_before(match.start("t")) if t.lower not in FILLER and not t.lower.endswith("ly")]
    if before and before[-1].lower in ("it", "this") and re.match(r"[^.;]*?\bto\s+[a-z]+", sentence.text[match.end():]):
        return True
    return bool(before) and before[-1].lower in _WORKLOAD


def _cleft_person(sentence, match):
    """"It was the contractor's cron job that filled the disk": a person put in focus as the source."""
    if not _blames(sentence) or is_negated(sentence, match.start()):
        return False
    focus = sentence.text[match.start("focus"):match.end("focus")]
    return subjects.names_a_person(sentence, focus)


def _owner_is_person_loose(sentence, match):
    token = next((t for t in sentence.tokens if t.start == match.start("owner")), None)
    if token is None or not _blames(sentence) or token.lower[:-2] in _ORGANISATIONS:
        return False
    return subjects.classify_word(token, is_first_word=token is sentence.tokens[0]) == subjects.PERSON


def _skipped_step_by_person(sentence, match):
    what = match.group("what").lower()
    if what in ("a", "an"):
        following = [t.lower for t in sentence.tokens_after(match.end("what"))][:3]
        if not _SKIPPED_SAFEGUARDS.intersection(following):
            return False
    elif what in _KNOWLEDGE_GERUNDS or not (what.endswith("ing") or what in _SKIPPED_STEPS):
        return False
    before = sentence.tokens_before(match.start())
    if _PASSIVE_BY_PERSON.search(sentence.text, 0, match.start()):
        # "was pushed out by Dmitri without review": the agent after "by" skipped the step.
        agent = _PASSIVE_BY_PERSON.search(sentence.text, 0, match.start())
        if noun_phrase_kind(sentence, agent.start("who")) == subjects.PERSON:
            return not is_about_blame(sentence.text)
    first = next((i for i, t in enumerate(before) if t.text[0].isalpha()), -1)
    for index, token in enumerate(before):
        kind = subjects.classify_word(token, index == first)
        if kind == subjects.PERSON and not _modifies_next_noun(before, index) and _bare(token) not in _ORGANISATIONS:
            return not is_about_blame(sentence.text)
        if kind in (subjects.SYSTEM, subjects.SELF):
            break
    # "Kofi rotated the database password without telling...": the clause's subject, not its object.
    kind, owned = subjects.clause_subject(sentence, match.start())
    return kind == subjects.PERSON and _blames(sentence)


def _bare(token):
    word = token.lower
    return word[:-2] if word.endswith("'s") else word


def _modifies_next_noun(tokens, index):
    """"admin" in "the admin console", "vendor" in "the vendor upgrade": a person word used as a modifier."""
    if index + 1 >= len(tokens) or tokens[index].lower.endswith("'s"):
        return False
    following = tokens[index + 1]
    word = following.lower
    if not following.text[0].isalpha() or word in subjects.FUNCTION_WORDS or word.endswith("ly"):
        return False
    if subjects.classify_word(following, False) == subjects.PERSON:
        return True  # "on-call engineer": the next word is the head
    # "Team B", "Ops Two": a capitalised label after the word names the group rather than modifying a noun.
    return following.text[0].islower() and not subjects.is_verb_like(word, tokens[index].lower)


def _harm_came_from(sentence, match):
    """"The error came from the coordinator entering...": "came from" blames only when what came is a harm."""
    trigger = match.group("t").lower()
    if not re.match(r"(?:came|comes|stemmed|stems|originated|originates|arose|arises|resulted|results)\s+from", trigger):
        return True
    return bool(_FAULT_BEFORE.search(sentence.text[:match.start("t")]) or _HARM_NOUN.search(sentence.text[:match.start("t")]))


def _attributive(sentence, match):
    """A participle describing a noun that nobody is said to act on: "apologised for the missed payroll
    run", "the missed payments had left...". After a verb it stays the act's object: "wrote the broken code"."""
    trigger = match.group("t")
    if " " in trigger:
        return False
    before = sentence.tokens_before(match.start("t"))
    if not before or before[-1].lower not in _DETERMINERS:
        return False
    after = sentence.tokens_after(match.end("t"))[:1]
    # A noun must follow ("the missed deadline"); "Some ignored the alert" has a verb, not a participle.
    if not after or not after[0].text[0].isalpha() or after[0].lower in _NOT_NOUNS:
        return False
    return len(before) == 1 or before[-2].lower in _NOT_VERBS or not before[-2].text[0].isalpha()


# Possessives are left out: "after her missed handover" still says whose.
_DETERMINERS = frozenset("the a an this these those any every each no some several".split())
_NOT_NOUNS = frozenset("""
the a an this that these those it its them him her me us you his their our my your all every any
and or but to by for of in on at with without again entirely completely
""".split())
# Words before "the missed ..." that make it a noun phrase of its own, not what someone did.
_NOT_VERBS = frozenset("""
for about over of after despite behind on in at from with without by to into since during like than
said says that and but or so because while when although though
""".split())


def _passive_act_harmed(sentence, match):
    """"Started by Priya" is a timeline fact ("the rollback was started by Priya at 14:02"); it blames
    only when the sentence is about a harm ("the outage was started by ..."). Causing, breaking and
    bringing down name the harm themselves."""
    verb = match.group("t").split()[0].lower()
    if verb in ("caused", "broken", "wiped", "brought", "taken"):
        return True
    # What was acted on (the words before "was started by"), and what followed, close by.
    subject = sentence.text[max(0, match.start("t") - 80):match.start("t")]
    subject = re.split(r"[,;:]", subject)[-1]
    if _MITIGATION.search(subject):
        return False  # "the failover was started by Priya to contain the incident"
    after = sentence.text[match.end():match.end() + 120]
    return bool(_BLAME_OR_HARM.search(subject) or _HARM_NOUN.search(subject) or _HARM_AFTER.search(after))


_HARM_AFTER = re.compile(r"\b(?:offline|lost|broke|broken|failed|failing|down for|unavailable|corrupt\w*|taking\s+\w+\s+(?:down|offline))\b",
                         re.IGNORECASE)
_MITIGATION = re.compile(r"\b(?:rollback|roll-back|failover|fail-over|restart|reboot|fix|hotfix|mitigation|recovery|revert|drill|rehearsal)s?\b",
                         re.IGNORECASE)


# Responsibility placed for a harm (not ownership of work going forward), or blame and fault outright.
_BLAME_OR_HARM = re.compile(
    r"\b(?:blame|fault|outage|halt|incident|failure|breach|leak|loss|losses|error|mistake|crash|downtime|disruption|mess|delay|collapse)\b",
    re.IGNORECASE,
)
_HARM_NOUN = re.compile(
    r"\b(?:problems?|issues?|damage|breach|leak|loss|corruption|delay|bug|regression|crash|downtime|disruption|mess|fiasco|breakage)\b",
    re.IGNORECASE,
)


def _person_or_owned_acts(sentence, match):
    """The subject of the act is a person, or a person's trait or artefact ("management's indifference")."""
    if is_negated(sentence, match.start()) or not _blames(sentence):
        return False
    kind, owned = subjects.strict_agent_kind(sentence, match.start())
    return kind == subjects.PERSON or owned or _possessor_is_person(sentence, match.start())


def _cause_is_person(sentence, match):
    """The cause is named as a person ("the root cause was Priya"), not a person's artefact or a system."""
    if not _blames(sentence) or is_negated(sentence, match.start()):
        return False
    who = next((t for t in sentence.tokens if t.start == match.start("who")), None)
    if who is None or who.lower in ("that", "this", "it", "not", "no", "never", "human", "operator", "user"):
        # "the root cause was that...", "the cause was human error" (the human-error rule speaks to that).
        return False
    if noun_phrase_kind(sentence, match.start("who")) != subjects.PERSON:
        return False
    rest = sentence.text[who.end:]
    if match.group("t").lower() == "problem":
        # "The problem is the new manager." The bare word needs the person to end the clause:
        # "the problem was the engineer's laptop" is about the laptop.
        return bool(re.match(r"(?:\s+[\w-]+){0,2}?\s*(?:[.;:!—–]|,\s+(?:full\s+stop|plain\s+and\s+simple|period)|$)", rest)) and not who.lower.endswith("'s")
    # "the cause was Priya's change" still names her; "the cause was Kafka's rebalancing" does not.
    return not re.match(r"\s+(?:and|or)\s+(?:the|a|an)\s", rest)


def _blamed_person(sentence, match):
    """The one blamed is a person, and the sentence does not deny or discuss the blaming."""
    if is_about_blame(sentence.text) or is_negated(sentence, match.start()):
        return False
    kind = subjects.strict_agent_kind(sentence, match.start())[0]
    if kind == subjects.SELF:
        return False
    return noun_phrase_kind(sentence, match.start("who")) == subjects.PERSON


def _role_suggestion(sentence, match):
    return _ROLE_HINT


# Operational actions that are harmless on their own but blame the actor when they are put
# forward as the cause ("because Jordan pasted...", "the moment Tomasz force-pushed...").
_ACTIONS = (
    r"pushed|force-pushed|force pushed|deployed|merged|ran|re-ran|reran|executed|pasted|typed|touched|changed|edited|modified"
    r"|applied|committed|clicked|enabled|disabled|removed|deleted|dropped|turned|switched|shut|unplugged|pulled|updated|upgraded"
    r"|copied|reused|shipped|released|launched|approved|skipped|forgot|ignored|missed|left|lost|misconfigured|overwrote|renamed"
    r"|moved|installed|uninstalled|killed|truncated|wiped|tweaked|fiddled|hardcoded|hard-coded|flipped|toggled|silenced|muted"
    r"|cancell?ed|bypassed|overrode|rebooted|restarted|rewrote|reassigned|archived|closed|sent|shared|leaked|exposed|kicked|triggered"
    r"|decided|chose|opted|signed|dismissed|brushed|waved|shrugged|sat|mistyped|fat-fingered|botched|broke|messed|screwed"
    r"|flushed|purged|reset|cleared|revoked|rotated|scaled|drained|resized|migrated|imported|uploaded|forwarded"
)
_REMEDIES = frozenset("reverted restored fixed mitigated resolved recovered paged escalated noticed spotted caught".split())
_CAUSAL_FRAME = (
    r"because|since|the moment|the minute|the second|the instant|as soon as|right after|shortly after|just after|soon after"
    r"|(?:moments|seconds|minutes|hours|days)\s+after"
    r"|(?:fine|stable|healthy|working|worked|normal|ok|okay|smooth(?:ly)?|green|quiet|calm|good|great|perfect(?:ly)?)\s+until"
    r"|(?:started|began|broke|failed|went down|went wrong|crashed|happened|occurred|spiked|stopped working|degraded|fell over)"
    r"\s+(?:[\w-]+\s+){0,3}?(?:when|after|once)"
)
# Acts that do harm whoever's hands they are in: with a person as subject they make the story about that person.
_HARMFUL_ACTS = (
    r"silenced|muted|snoozed|dismissed|disregarded|brushed\s+(?:off|aside)|waved\s+(?:off|away|through)|shrugged\s+off"
    r"|overrode|overruled|knocked\s+(?:[\w-]+\s+){0,4}?(?:over|out)|force(?:-|\s+)?pushed(?!\s+(?:to|onto)\s+(?:his|her|their|a)\s+(?:own|personal|private|feature))"
    r"|lost\s+(?:track\s+of|the|a|an|his|her|their|all|every)|leaked|corrupted|clobbered|trashed|hard-?coded|blew\s+away"
    r"|stonewalled|sidelined|undermined|ghosted|cancell?ed|vetoed|talked\s+over|shot\s+down|rubber-?stamped|rubber\s+stamped"
    r"|slept\s+through|held\s+up|waved\s+(?:[\w-]+\s+){1,3}?(?:through|off|away)|brushed\s+(?:[\w-]+\s+){1,3}?(?:off|aside)"
    r"|committed\s+(?:[\w-]+\s+){0,3}?(?:keys?|credentials|secrets?|passwords?|tokens?)"
    r"|made\s+(?:a|an|the\s+same|another|yet\s+another)\s+(?:[\w-]+\s+)?(?:mistake|error|blunder|misjudge?ment|bad\s+call|wrong\s+call)"
    r"|against\s+(?:[\w'’-]+\s+){0,2}?(?:advice|recommendations?|objections|wishes|guidance|policy|freeze|rules)"
    r"|(?:introduced|shipped|pushed|merged|committed|wrote|deployed|caused)\s+(?:the|a|an|this|that)\s+(?:[\w-]+\s+)?(?:bug|regression|defect|breakage|outage|incident)"
    r"|instead\s+of\s+(?:the\s+)?(?:staging|test|testing|dev|development|sandbox|canary|replica|secondary)\b"
    r"|misread|misjudged|misdiagnosed|misinterpreted|misunderstood|misrouted|mislabell?ed|misfiled|misrepresented|mishandled|mismanaged"
    r"|misinformed|misquoted|misreported|misstated|misled|misspelled|misspelt|mistyped|misplaced|mis-?[a-z]{3,}ed"
    r"|(?:disabled|turned\s+off|switched\s+off|removed|bypassed|commented\s+out|skipped)\s+(?:the|an?|all|every|our)\s+(?:[\w-]+\s+)?"
    r"(?:alerts?|alarms?|monitors?|monitoring|checks?|tests?|guards?|guardrails?|safeguards?|safety|backups?|canary|validation|pager|paging|notifications?|approvals?|reviews?)\b"
    r"|(?:deployed|merged|approved|pushed|shipped|released|ran|applied)\s+(?:(?:it|this|that|the\s+[\w-]+)\s+)?(?:to\s+(?:production|prod)\s+)?"
    r"(?:himself|herself|themselves|on\s+(?:his|her|their)\s+own|alone|solo|single-handedly)"
    r"|by\s+(?:mistake|accident)|in\s+error"
    r"|took\s+(?:\w+\s+){1,2}?(?:minutes|hours|days|weeks)\s+to\s+(?:even\s+)?(?:acknowledge|answer|respond|reply|open|look|notice|escalate|react|join|read|check)"
)
_PARTICIPLES = (
    r"pushed|force-pushed|deployed|merged|run|executed|pasted|typed|changed|edited|modified|applied|committed|enabled|disabled"
    r"|removed|deleted|dropped|turned|switched|shut|unplugged|pulled|overwritten|wiped|silenced|muted|dismissed|ignored"
    r"|cancell?ed|lost|broken|introduced|misconfigured|approved|shipped|released|launched|skipped|missed|overlooked|overridden"
    r"|overruled|bypassed|killed|truncated|rebooted|restarted|corrupted|leaked|hard-?coded|botched|mistyped|forgotten|brushed|waved"
    r"|inflicted|self-inflicted|rushed(?:\s+out\s+the\s+door|\s+through)?|forced\s+through|waved\s+through|rubber-?stamped"
)
_HARMFUL_PARTICIPLES = frozenset(
    "overwritten wiped silenced muted dismissed ignored lost broken misconfigured skipped missed overlooked overridden overruled "
    "bypassed corrupted leaked botched mistyped forgotten brushed waved inflicted self-inflicted deleted dropped truncated".split()
)
# What follows a neutral passive when it is told as the cause: harm, or a step skipped.
_HARM_FOLLOWS = re.compile(
    r"\b(?:without|wrong|locking|breaking|taking|causing|knocking|wiping|deleting|triggering|bringing|corrupting|crashing"
    r"|killing|filling|exposing|leaking|overwriting|despite|unreviewed|untested|against\s+(?:advice|policy|the\s+advice))\b"
    r"|\b(?:which|and|that)\s+(?:then\s+)?(?:broke|caused|took|brought|knocked|wiped|deleted|locked|corrupted|crashed|triggered|filled|exposed|leaked)\b",
    re.IGNORECASE,
)
_CLEFT_VERBS = (
    r"filled|broke|caused|knocked|took|brought|deleted|dropped|wiped|pushed|deployed|merged|ran|crashed|triggered|started"
    r"|overloaded|locked|corrupted|leaked|killed|lost|missed|ignored|forgot|skipped|introduced|exposed|overwrote|set off|kicked off"
)

_PASSIVE_BY_PERSON = re.compile(
    r"\b(?:was|were|got|been)\s+(?:\w+ly\s+)?\w+(?:\s+(?:out|in|through|over|up|off|down))?\s+by\s+(?:(?:a|an|the|one|some)\s+)?(?P<who>[\w'’-]+)",
    re.IGNORECASE,
)
_SEPARATE_CLAUSE = re.compile(
    r"[;:—–]|\b(?:while|when|whenever|before|after|until|during|since|(?<!at )once|because|as|though|although|but|yet|that|which|who)\b",
    re.IGNORECASE,
)
_BECAUSE = re.compile(r"\b(?:because|since|as|due to|given that)\s+(?:of\s+)?", re.IGNORECASE)
_AUXILIARIES = frozenset("was were is are had has have did does do would could should will can may might must".split())
# Verbs of noticing, reporting, repairing and trying: a person doing these is not causing the harm named later.
_INNOCENT_VERBS = frozenset("""
noticed saw spotted reported escalated paged fixed reverted rolled restored warned flagged asked said told declared
investigated joined acknowledged found discovered detected identified confirmed mitigated resolved recovered called
posted led coordinated handled raised predicted documented explained described tried attempted worked helped suggested
proposed recommended received got heard learned learnt knew thought felt expected assumed believed realised realized
was were is are had has became become arrived started began stayed waited watched monitored checked looked
opened wrote followed answered responded replied contacted notified emailed messaged pinged alerted traced diagnosed
reminded noted stated mentioned argued pointed relayed shared presented summarised summarized agreed
reviewed covered volunteered carried owned maintained supported trained onboarded interviewed mentored
""".split())
# Outcomes that make a sentence a story of damage.
_HARM_OUTCOME = (
    r"lost\s+(?:quorum|data|the|all|every|customers?|orders|\w+\s+(?:hours|days|minutes|weeks)\s+of)"
    r"|went\s+(?:down|dark|red|offline|blank|wrong)|took\s+(?:[\w-]+\s+){0,3}?(?:down|offline)|broke|broken|crashed|corrupted"
    r"|emptied|wiped|locked\s+(?:[\w-]+\s+){0,3}?out|cut\s+(?:[\w-]+\s+){0,4}?(?:off|out)|cut\s+off|knocked\s+(?:[\w-]+\s+){0,3}?(?:over|out)"
    r"|brought\s+(?:[\w-]+\s+){0,3}?down|fell\s+over|timing\s+out|timed\s+out|started\s+(?:failing|erroring|timing|returning\s+errors)"
    r"|turned\s+(?:a|the)\s+[\w-]+\s+into|(?:errors?|failures?|latency)\s+(?:spiked|soared|climbed|rose|tripled|doubled|jumped)"
    r"|stopped\s+(?:working|responding)|burned\s+out|quit|resigned|walked\s+out"
)
_NOT_ACTIVE_PAST = frozenset("was were be been being is are am get gets got getting the a an this that these those its".split())
_NP_BREAKS = frozenset("and or but so because when after that which who while until since , ; : ( ) — –".split())
# Words after which a participle is an adjective ("a hard-coded limit", "with leaked keys") or a passive
# without a named agent ("the first few were dismissed"): nobody is presented as doing it.
_ADJECTIVE_CONTEXT = (_NOT_ACTIVE_PAST - {"that"}) | frozenset("""
its our my your his her their some any no every each all one two three several many few most other
with of in on for from into without contained contains containing include includes included including
use uses used using had has have having
""".split())
_QUANTIFIERS = frozenset("two three four five six several many few most both".split())
_OBJECT_STARTS = frozenset("the a an this that these those it them his her their our every all its some everyone everybody us me him".split())
# Destructive acts: with a person (or a person's change or script) as the subject they name the culprit.
_DESTRUCTIVE = (
    r"wiped|deleted|dropped\s+(?:the|a|an|all|every|several|two|three|production|prod|live|customer|our)|truncated|overwrote"
    r"|destroyed|erased|purged|nuked|broke|corrupted|clobbered|trashed|locked\s+(?:the|every|all|everyone|everybody|users|customers|out)"
    r"|knocked\s+(?:[\w-]+\s+){0,3}?(?:over|out)|took\s+(?:[\w-]+\s+){0,3}?(?:down|offline)|brought\s+(?:[\w-]+\s+){0,3}?down"
    r"|crashed\s+(?:the|a|an|every|all|our|production|prod)|filled\s+(?:up\s+)?(?:the|a|an|every|all)|flooded|overloaded|hammered"
    r"|exhausted|blew\s+away|leaked|exposed|cost\s+(?:us|the|our|them|him|her|everyone)|emptied|cut\s+(?:[\w-]+\s+){0,4}?off"
    r"|turned\s+(?:a|the)\s+[\w-]+\s+into"
)
# Harm done as a deliberate remedy, or as a planned step, is not blame.
_REMEDIAL_PURPOSE = re.compile(
    r"\b(?:to|so as to|in order to)\s+(?:stop|mitigate|recover|restore|free|unblock|contain|limit|relieve|shed|drain|protect|save the|stem|end|halt)\b"
    r"|\bas\s+(?:planned|scheduled|agreed|intended|part of)\b|\bon purpose to\b",
    re.IGNORECASE,
)

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
        rf"\b{_SINGLED_OUT}s?\s+(?:(?:dev|devs|engineer|engineers|admin|admins|developer|sre|analyst|staffer)\s+)?(?:\w+ly\s+)?(?P<t>{_RISKY_ACTIONS})\b",
        lambda sentence, match: _blames(sentence), _role_suggestion,
    ),
    compile_rule(
        "possessive_fault", "individual_blame",
        "fault mistake error screw blunder oversight negligence carelessness doing typo misconfiguration slip lapse goof misstep gaffe fumble bad",
        r"\b(?P<t>(?P<owner>[A-Za-z][\w-]*(?:'s|’s)|his|her|their|your)\s+(?:own\s+)?"
        r"(?:fault|mistake|error|screw-?up|blunder|oversight|negligence|carelessness|doing|typo|typos|misconfiguration|slip|slip-up"
        r"|lapse|goof|misstep|gaffe|fumble|bad\s+(?:merge|push|deploy|change|commit|call|decision|command)))\b"
        r"(?!\s+(?:budget|rate|rates|handling|message|messages|log|logs|page|path|code|codes|count))",
        _owner_is_person, _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        "caused triggered started brought taken shut switched turned deleted dropped broken wiped removed unplugged",
        r"\b(?P<t>(?:caused|triggered|started|brought about|brought down|taken down|shut down|switched off|turned off"
        r"|deleted|dropped|broken|wiped|removed|unplugged)\s+(?:accidentally\s+|mistakenly\s+)?by)\s+(?:(?:a|an|the|one|some|our|their|his|her)\s+)?(?P<who>[\w'’-]+)",
        lambda sentence, match: _agent_is_person(sentence, match) and _passive_act_harmed(sentence, match),
        _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        "work doing handiwork due because thanks blamed attributed traced traces trace fault result caused comes came stemmed stems originated originates arose arises resulted results boils boiled lies lay rests rested falls fell down started starts began begins",
        r"\b(?P<t>(?:due to|because of|thanks to|blamed on|attributed to|trac(?:ed|es|e) (?:back )?to|the fault of|result of|caused by"
        r"|(?:came|comes|stemmed|stems|originated|originates|arose|arises|resulted|results)\s+from"
        r"|(?:the\s+)?(?:work|doing|handiwork)\s+of|(?:comes|came|boils|boiled) down to|(?:is|was|are|were) (?:all |entirely |largely )?down to|(?:started|starts|began|begins) with"
    r"|(?:lies|lay|rests|rested) (?:squarely |solely )?with|(?:falls|fell) (?:squarely )?on)\s+"
        r"(?:(?:a|an|the|one|some|our|their|his|her)\s+)?)(?P<who>[\w'’-]+)",
        lambda sentence, match: _agent_is_person(sentence, match) and not _work_fell_on(sentence, match, fault_needed=True)
        and _harm_came_from(sentence, match),
        _role_suggestion,
    ),
    compile_rule(
        "to_blame", "individual_blame",
        "blame fault culprit responsible",
        r"\b(?:is|was|were|are|be)\s+(?:(?:solely|entirely|partly|largely|directly|squarely)\s+)?(?P<t>to blame|at fault|the culprit"
        r"|responsible for (?:the|this)\s+(?:\w+\s+)?(?:outage|incident|failure|problem|mess|breach|loss|delay|slip))\b"
        r"(?!\s+(?:response|review|handling|process|rota|comms|communication|recovery|remediation|follow-up|post-?mortem|retro|budget|triage|queue|tracker|report|management|commander|channel))",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        "outage incident failure mess blame fault responsibility this that loss",
        # "This outage is on Piotr", "the blame for this sits with the platform lead".
        r"\b(?:outage|incident|failure|mess|blame|fault|responsibility|this|that|loss|breach|delay)\s+(?:[\w-]+\s+){0,3}?"
        r"(?P<t>(?:is|was|lies|lay|sits|sat|rests|rested|falls|fell)\s+(?:squarely\s+|entirely\s+|solely\s+|firmly\s+|all\s+|completely\s+|100%\s+)?(?:on|with))"
        r"\s+(?:(?:a|an|the|one|some|their|his|her)\s+)?(?P<who>[\w'’-]+)(?!\s+(?:hold|track|schedule|time|call|leave|site|the\s+agenda))",
        lambda sentence, match: _agent_is_person(sentence, match) and not _work_fell_on(sentence, match),
        _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        "after following since because within",
        # "After Raj's deploy, checkout errors tripled."
        r"\b(?:after|following|since|because of|with|within\s+(?:\w+\s+)?(?:seconds|minutes|hours|moments)\s+of)\s+(?P<t>(?P<owner>[A-Za-z][\w-]*(?:'s|’s)|his|her|their)\s+(?:[\w-]+\s+)?"
        r"(?:deploy|deployment|change|push|merge|commit|release|migration|script|edit|update|typo|command|rollout|config))\b"
        r"(?=.*\b(?:errors?|broke|broken|failed|failing|crashed|down|outage|tripled|doubled|spiked|lost|stopped|went|fell|corrupt\w*|locked|timing|timed|red)\b)",
        lambda sentence, match: match.group("owner").lower() in ("his", "her", "their") or _owner_is_person_loose(sentence, match),
        _role_suggestion,
    ),
    compile_rule(
        "to_blame", "individual_blame",
        "reason why",
        r"\b(?:is|was|were|are)\s+(?P<t>the (?:main |only |sole |real |whole )?reason|(?:the (?:main |only |sole |real |whole )?reason )?why)\b"
        r"(?!\s+(?:is|was)\b)",
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
        "fingered", "individual_blame",
        "held accountable answer fired disciplined talking stern written warning slap retraining training spoken",
        # "The person who ran the script should be held accountable."
        r"\b(?:should|must|will|needs? to|ought to|has to|have to)\s+(?:be\s+)?(?P<t>held\s+(?:personally\s+)?(?:accountable|responsible)"
        r"|answer\s+for\s+(?:this|it|that|the)|be\s+(?:fired|disciplined|let go|written up|sacked))\b"
        r"|\b(?:needs?|deserves?|needed|deserved|should\s+get|is\s+getting|will\s+get)\s+(?P<t2>(?:a\s+)?(?:talking-to|talking\s+to|stern\s+word|written\s+warning|final\s+warning"
        r"|slap\s+on\s+the\s+wrist|(?:some\s+)?re-?training|to\s+be\s+(?:fired|disciplined|let\s+go|retrained|re-trained|spoken\s+to|reprimanded|sacked)))\b",
        lambda sentence, match: _blames(sentence) and not is_negated(sentence, match.start()),
        _role_suggestion,
    ),
    compile_rule(
        "fault_verb", "individual_blame",
        "completely totally entirely blatantly flat plainly fumbled flubbed muffed mislaid misplaced broke broken ignored ignoring missed overlooked skipped forgot bypassed misconfigured mistyped botched messed screwed blew took brought rushed went walked left deleted dropped wiped truncated overwrote destroyed erased nuked caused threw thrown passed didn did doesn sat logged approved merged reviewed signed straight directly against wrong",
        r"\b(?P<t>broke|broken|ignored|ignoring|missed|overlooked|skipped|forgot|bypassed|misconfigured|mistyped|botched|fumbled|flubbed|muffed|mislaid|misplaced"
        r"|messed up|screwed up|blew up|took down|brought down|rushed|went home|walked away|left early"
        r"|left for (?:vacation|the day|lunch|the weekend|holiday)|(?:deleted|dropped|wiped|truncated|overwrote|destroyed|erased|nuked)\s+(?:the\s+|an?\s+|our\s+)?"
        r"(?:wrong|production|prod|live|customer|entire|whole|everything|all)"
        r"|caused (?:the|this|an?) (?:outage|incident|failure|breach|problem|mess)"
        r"|(?:threw|thrown) (?:me|us|him|her|them) under the bus|passed the buck|took credit|went behind (?:my|our|his|her) back"
        r"|(?:didn't|didn’t|did not|doesn't|doesn’t) pull (?:his|her|their|your) weight|blew off"
        r"|dropped the ball|sat on (?:the|it|this|that)|logged off|(?:approved|merged|reviewed|signed off on) (?:his|her|their) own"
        r"|(?:straight|directly) (?:in)?to (?:main|master|prod|production|live)|against (?:prod|production|live)"
        r"|the wrong [\w-]+|(?:completely|totally|entirely|blatantly|flat-out|plainly)\s+wrong\s+[\w-]+)\b",
        lambda sentence, match: not _attributive(sentence, match) and _person_not_self(sentence, match),
        _role_suggestion,
    ),
    compile_rule(
        "without", "individual_blame",
        "without",
        r"\b(?P<t>without\s+(?:first\s+|even\s+|properly\s+|any(?:one)?\s+|proper\s+)?(?P<what>[\w-]+))",
        _skipped_step_by_person, _role_suggestion,
    ),
    compile_rule(
        "without", "individual_blame",
        "before",
        # "told the customer it was fixed before anyone had checked"
        r"\b(?P<t>before\s+(?:anyone|anybody|someone|somebody|they|he|she)\s+(?:had\s+|could\s+|even\s+)*(?P<what>checked|tested|verified|reviewed|confirmed|looked|approved)"
        r"|before\s+(?:even\s+)?(?P<what2>checking|testing|verifying|reviewing|confirming|reading|looking))\b",
        lambda sentence, match: subjects.clause_subject(sentence, match.start())[0] == subjects.PERSON and _blames(sentence)
        and not is_negated(sentence, match.start()),
        _role_suggestion,
    ),
    compile_rule(
        "pressure", "individual_blame",
        "pushed pushing pressured pressuring rushed rushing forced forcing made yelled shouted dumped",
        r"\b(?P<t>(?:pushed|pushing|pressured|pressuring|rushed|rushing|forced|forcing|made|yelled at|shouted at)\s+(?:me|us)"
        r"|(?:pushed|pressured|forced|bullied|rushed|leaned\s+on|strong-armed)\s+(?:the|his|her|their|our)\s+(?:[\w-]+\s+)?(?:team|engineers|staff|developers|reports|people|crew)\s+(?:to|into)\b"
        r"|dumped\s+(?:[\w-]+\s+){0,4}?on\s+(?:me|us))\b",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "habit", "individual_blame",
        "habit keep keeps kept continue continues constantly",
        r"\b(?P<t>(?:has|had|have) a (?:bad\s+)?habit of|keeps?\s+\w+ing|kept\s+\w+ing|continues? to|constantly)\b",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "harm_act", "individual_blame",
        "misrepresented mishandled mismanaged misinformed misquoted misreported misstated misled misspelled misspelt mistyped misplaced mis misread misjudged misdiagnosed misinterpreted misunderstood misrouted mislabelled mislabeled misfiled disabled removed bypassed commented skipped approved merged pushed released ran applied mistake accident error instead introduced shipped wrote deployed caused silenced muted snoozed dismissed disregarded brushed waved shrugged overrode overruled knocked force pushed lost leaked corrupted clobbered trashed hardcoded hard blew stonewalled sidelined undermined ghosted cancelled canceled vetoed talked shot rubber slept held committed made against took",
        rf"\b(?P<t>{_HARMFUL_ACTS})\b",
        _person_acts, _role_suggestion,
    ),
    compile_rule(
        "harm_act", "individual_blame",
        "accidentally inadvertently unintentionally",
        r"\b(?P<t>(?:accidentally|inadvertently|unintentionally)\s+[a-z-]+)\b",
        _person_acts, _role_suggestion,
    ),
    compile_rule(
        "harm_act", "individual_blame",
        "wiped deleted dropped truncated overwrote destroyed erased purged nuked broke corrupted clobbered trashed locked knocked took brought crashed filled flooded overloaded hammered exhausted blew leaked exposed cost emptied cut turned",
        rf"\b(?P<t>(?:(?P<owner>[A-Za-z][\w-]*(?:'s|’s))\s+(?:[\w-]+\s+){{0,2}}?)?(?P<verb>{_DESTRUCTIVE}))\b",
        _destroys, _role_suggestion,
    ),
    compile_rule(
        "harm_act", "individual_blame",
        "went switched turned did saving save",
        # Walking away from live work, or cutting a corner for convenience.
        r"\b(?P<t>went\s+(?:offline|dark|quiet|silent|to bed|to sleep|back to sleep|to lunch|off-grid|off grid|home early)"
        r"|(?:switched|turned)\s+off\s+(?:his|her|their)\s+(?:phone|pager|laptop|notifications)"
        r"|did\s+(?:absolutely\s+)?nothing|to\s+save\s+(?:time|a\s+few\s+minutes|effort|a\s+step)|for\s+(?:convenience|speed))\b",
        _person_acts, _role_suggestion,
    ),
    compile_rule(
        "possessive_fault", "individual_blame",
        "decision choice call insistence refusal failure reluctance unwillingness inaction indecision push order instruction",
        # "Chen's decision to skip the canary caused the outage": a person's choice named as the cause.
        r"\b(?P<t>(?P<owner>[A-Za-z][\w-]*(?:'s|’s)|his|her|their)\s+(?:\w+\s+)?(?:decision|choice|call|insistence|refusal|failure|reluctance"
        r"|unwillingness|inaction|indecision|push|order|instruction|delay))\b"
        r"(?=[^.;]*\b(?:caused|led to|leads to|resulted in|meant|cost|triggered|broke|took down|brought down|is why|was why|is the reason|was the reason)\b)",
        lambda sentence, match: match.group("owner").lower() in ("his", "her", "their") or _owner_is_person_loose(sentence, match),
        _role_suggestion,
    ),
    compile_rule(
        "act_then_harm", "individual_blame",
        "lost went took broke broken crashed corrupted emptied wiped locked cut knocked brought fell timing timed started turned errors error failures latency stopped burned quit resigned walked",
        rf"\b(?P<t>{_HARM_OUTCOME})\b",
        _person_act_then_harm, _role_suggestion,
    ),
    compile_rule(
        "left_sitting", "individual_blame",
        "left",
        r"\b(?P<t>left\s+(?:[\w'’-]+\s+){1,6}?(?:sitting|untouched|unanswered|unread|unreviewed|unassigned|unattended|unsigned|unsent"
        r"|hanging|enabled|public|open|exposed|unlocked|unencrypted|world-readable|unpatched|half-finished|half-done|unfinished|broken|in\s+(?:drafts|limbo|(?:his|her|their)\s+(?:inbox|queue|drafts))))\b",
        _person_acts, _role_suggestion,
    ),
    compile_rule(
        "stuck_with_person", "individual_blame",
        "died sat stalled languished rotted stuck lost went disappeared vanished",
        r"\b(?P<t>(?:died|sat|stalled|languished|rotted|stuck|got stuck|was stuck|got lost|was lost|went nowhere|disappeared|vanished)"
        r"\s+(?:for\s+(?:\w+\s+){1,3}?)?(?:in|on)\s+(?:the\s+|a\s+|one\s+)?(?P<owner>[A-Za-z][\w-]*(?:'s|’s)|his|her|their)\s+"
        r"(?:[\w-]+\s+)?(?:inbox|queue|desk|drafts|backlog|court|hands|to-do list|todo list|mailbox|pile))\b",
        lambda sentence, match: match.group("owner").lower() in ("his", "her", "their") or _owner_is_person_loose(sentence, match),
        _role_suggestion,
    ),
    compile_rule(
        "causal_person", "individual_blame",
        # Every frame holds one of these: "when"/"once" only count after a failure verb, "until" after a calm state.
        "because since moment minute second instant soon after started began broke failed went crashed happened occurred "
        "spiked stopped degraded fell fine stable healthy working worked normal okay smooth smoothly green quiet calm good great perfect perfectly",
        rf"\b(?:{_CAUSAL_FRAME})\s+(?P<t>(?:[\w'’-]+\s+){{1,5}}?(?:\w+ly\s+)?(?P<verb>{_ACTIONS}|[a-z]{{3,}}ed))\b",
        _person_acts_in_frame, _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        " ".join(_PARTICIPLES.replace("?", "").replace("-", "|").split("|")) + " canceled rushed forced waved rubber",
        rf"\b(?:was|were|got|been|being|get|gets)\s+(?:\w+ly\s+)?(?P<t>(?P<verb>{_PARTICIPLES})(?:\s+(?:out|in|through|over|up|off|down|aside|away))?\s+by)"
        r"\s+(?:(?:a|an|the|one|some|our|their|his|her|that|this)\s+)?(?P<who>[\w'’-]+)",
        _passive_person_agent, _role_suggestion,
    ),
    compile_rule(
        "cleft_person", "individual_blame",
        "who that",
        rf"\bit\s+(?:was|were|is)\s+(?P<t>(?P<focus>(?:[\w'’-]+\s+){{1,5}}?)(?:who|that)\s+(?:\w+\s+){{0,2}}?(?:{_CLEFT_VERBS}|{_HARM_OUTCOME}))\b",
        _cleft_person, _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        "cause culprit link problem",
        # "The root cause was Priya.", "Root cause: Keith", "the weak link was the new contractor".
        r"\b(?P<t>(?:(?:root|real|main|primary|underlying|actual|true|only)\s+)?(?:cause|culprit)|weak(?:est)?\s+link|(?:real|main|actual|only)\s+problem|(?<=the\s)problem)"
        r"(?:\s+(?:here|of\s+(?:the|this|that)\s+(?:[\w-]+\s+){0,2}?[\w-]+))?\s*(?:(?:was|is|were|:|—|–|-)\s*)"
        r"(?:(?:simply|just|clearly|obviously|really)\s+)?(?:(?:a|an|the|one|our|their|his|her|that|this)\s+)?(?P<who>[\w'’-]+)",
        _cause_is_person, _role_suggestion,
    ),
    compile_rule(
        "fingered", "individual_blame",
        "blamed blames blaming pinned pointed singled fingered scapegoated named identified pinpointed cited",
        # "The bank blamed a third-party engineer for the outage": someone else is cast as the culprit.
        r"\b(?P<t>(?:blamed|blames|blaming|pinned\s+(?:it|this|that|the\s+[\w-]+)\s+on|pointed\s+(?:the\s+finger|fingers)\s+at"
        r"|singled\s+out|fingered|scapegoated|(?:named|identified|pinpointed|cited)(?=\s+(?:[\w'’-]+\s+){1,5}?as\s+(?:the\s+)?(?:cause|culprit|source|one\s+responsible|person\s+responsible))))"
        r"\s+(?:(?:a|an|the|one|its|their|his|her|some|single|lone)\s+)*(?P<who>[\w'’-]+)",
        _blamed_person, _role_suggestion,
    ),
    compile_rule(
        "to_blame", "individual_blame",
        "responsible",
        # "A junior build engineer was responsible for the corrupted patch": a person as the source of a harmful artefact.
        r"\b(?:is|was|were|are|be|been)\s+(?:(?:solely|entirely|partly|largely|directly|squarely|personally)\s+)?(?P<t>responsible\s+for\s+"
        r"(?:(?:the|this|that|a|an)\s+)?(?:[\w-]+\s+){0,2}?(?:corrupt\w*|broken|bad|faulty|botched|buggy|wrong|erroneous|mistaken|offending|failed"
        r"|leaked|lost|deleted|exposed|wiped|dropped|misconfigured|misconfiguration|typo"
        r"|outage|incident|breach|leak|data\s+loss|loss|crash|regression|bug|error|mistake|deletion|downtime|disruption))\b"
        r"(?!\s+(?:response|review|handling|process|rota|comms|communication|recovery|remediation|follow-up|post-?mortem|retro|budget|triage|queue|tracker|report|management|commander|channel))",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "singled_out", "individual_blame",
        "access credentials permission permissions rights privileges keys password passwords",
        # "The intern had admin access and used it": the singled-out role's own use of access as the story.
        rf"\b{_SINGLED_OUT}s?\s+(?:had|has|was\s+given|were\s+given|got|still\s+had)\s+(?:[\w-]+\s+){{0,3}}?"
        r"(?:access|credentials|permissions?|rights|privileges|keys|passwords?)\s+(?:[\w-]+\s+){0,4}?and\s+(?:\w+ly\s+)?"
        r"(?P<t>used|ran|deployed|pushed|deleted|dropped|changed|ran|applied|executed|exported|shared|downloaded)\b",
        lambda sentence, match: _blames(sentence), _role_suggestion,
    ),
    compile_rule(
        "job_on_person", "individual_blame",
        "was this that",
        # "It was on the release manager to confirm the rollback plan."
        r"\b(?P<t>(?:it|this|that)\s+(?:was|is|'s|’s)\s+(?:all\s+|squarely\s+|entirely\s+)?on\s+(?:(?:the|a|an|our|their|his|her)\s+)?(?P<who>[\w'’-]+))"
        r"(?:\s+[\w'’-]+){0,2}\s+to\s+[a-z]+",
        _agent_is_person, _role_suggestion,
    ),
    compile_rule(
        "harm_act", "individual_blame",
        "over hung alienated antagonised antagonized humiliated belittled berated bullied intimidated badmouthed bad blindsided lied misled "
        "played snubbed excluded talked took kept neglected overpromised promised committed sold shouted yelled screamed humiliated "
        "embarrassed undercut undercutting",
        # People incidents: acts that harm colleagues, candidates or customers.
        r"\b(?P<t>alienated|antagoni[sz]ed|humiliated|belittled|berated|bullied|intimidated|bad-?mouthed|blindsided|lied\s+(?:to|about)|misled"
        r"|played\s+favou?rites|snubbed|undercut|embarrassed\s+(?:\w+\s+)?(?:in\s+front|publicly)|publicly\s+(?:criticised|criticized|embarrassed|humiliated)"
        r"|talked\s+down\s+to|(?:shouted|yelled|screamed|swore)\s+at|took\s+(?:all\s+)?(?:the\s+)?credit|kept\s+(?:[\w'’-]+\s+){1,3}?in\s+the\s+dark"
        r"|neglected\s+(?:the|his|her|their|a|an|to)\b|over-?promised|over-?committed|hung\s+up\s+on"
        r"|(?:promised|committed\s+to|sold)\s+(?:[\w'’-]+\s+){1,5}?(?:that\s+|which\s+)?(?:nobody|no\s+one|didn't|didn’t|did\s+not|never|hadn't|hadn’t|had\s+not|wasn't|wasn’t)"
        r"\s+(?:had\s+|been\s+)*(?:agreed|exist\w*|built|approved|scoped|estimated|signed))",
        _person_acts, _role_suggestion,
    ),
    compile_rule(
        "possessive_fault", "individual_blame",
        "caused led resulted triggered behind",
        # "A single trader's unauthorised bets led to the losses."
        r"\b(?P<t>(?P<owner>[A-Za-z][\w-]*(?:'s|’s)|his|her|their)\s+(?:[\w-]+\s+){0,2}?[\w-]+)\s+(?:\w+ly\s+)?"
        r"(?:caused|led\s+to|resulted\s+in|triggered|(?:was|were)\s+behind)\s+(?:(?:the|a|an|this|these|those|our|heavy|huge|major|all)\s+)*(?:[\w-]+\s+)?"
        r"(?:outages?|loss(?:es)?|incidents?|failures?|breach(?:es)?|leaks?|delays?|crash(?:es)?|downtime|errors?|problems?|mess|damage|corruption|fines?)\b",
        lambda sentence, match: match.group("owner").lower() in ("his", "her", "their") or _owner_is_person_loose(sentence, match),
        _role_suggestion,
    ),
    compile_rule(
        "to_blame", "individual_blame",
        "responsible",
        # "The firm fired the employee responsible for the misconfiguration."
        r"\b(?P<who>[\w'’-]+)\s+(?P<t>(?:deemed\s+|held\s+|found\s+)?responsible\s+for\s+(?:(?:the|this|that|a|an)\s+)?(?:[\w-]+\s+){0,2}?"
        r"(?:misconfiguration|mistake|error|typo|outage|incident|breach|leak|deletion|crash|failure|bug|regression|blunder|mess|loss))\b"
        r"(?!\s+(?:response|review|handling|process|rota|budget|triage|queue|tracker|report|management))",
        lambda sentence, match: _blames(sentence) and subjects.classify_word(
            next(t for t in sentence.tokens if t.start == match.start("who")), False) == subjects.PERSON,
        _role_suggestion,
    ),
    compile_rule(
        "harm_act", "individual_blame",
        "went pressed carried pushed proceeded ploughed plowed barrelled charged",
        # "The DBA went ahead with the migration despite the freeze."
        r"\b(?P<t>(?:went\s+ahead|pressed\s+(?:on|ahead)|carried\s+on|pushed\s+ahead|proceeded|ploughed\s+on|plowed\s+ahead|barrell?ed\s+ahead|charged\s+ahead)"
        r"\s+(?:[\w'’-]+\s+){0,5}?(?:despite|regardless|anyway|against|in\s+spite))\b",
        _person_acts, _role_suggestion,
    ),
    compile_rule(
        "cleft_person", "individual_blame",
        "one person",
        # "Raj was the one who pushed the bad config."
        rf"\b(?:is|was|were)\s+(?P<t>the\s+(?:one|person|guy|engineer|developer|one\s+person)\s+(?:who|that)\s+(?:\w+ly\s+)?(?:{_ACTIONS}|{_CLEFT_VERBS}))\b",
        lambda sentence, match: _blames(sentence) and subjects.strict_agent_kind(sentence, match.start())[0] == subjects.PERSON,
        _role_suggestion,
    ),
    compile_rule(
        "harm_act", "individual_blame",
        "let",
        # "The scrum master let the sprint scope balloon", "management's indifference let the problem fester".
        r"\b(?P<t>let\s+(?:[\w'’-]+\s+){1,4}?(?:balloon|slip|rot|fester|drift|lapse|expire|spiral|pile\s+up|go\s+(?:stale|unanswered|unnoticed|unchecked|unpatched|unreviewed)"
        r"|run\s+out|languish|slide|die|fall\s+through\s+the\s+cracks|get\s+out\s+of\s+hand))\b",
        _person_or_owned_acts, _role_suggestion,
    ),
    compile_rule(
        "harm_act", "individual_blame",
        "asleep napping distracted phone playing watching awol",
        # "The night-shift technician was asleep when the alarm went off."
        r"\b(?:was|were)\s+(?:fast\s+|sound\s+|still\s+)?(?P<t>asleep|napping|distracted|on\s+(?:his|her|their)\s+phone|playing\s+[\w-]+|watching\s+[\w-]+|AWOL|awol)"
        r"\s+(?:when|while|as|during|throughout)\b(?![^.;]*\b(?:because|since|as\s+(?:planned|scheduled|agreed)|off\s+shift|off\s+duty|rota)\b)",
        _person_not_self, _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        "mistake error blunder slip lapse oversight typo",
        # "The chief executive called the outage a silly error by one engineer."
        r"\b(?P<t>(?:mistake|error|blunder|slip|slip-up|lapse|oversight|typo|goof)s?\s+(?:made\s+|committed\s+)?(?:by|on\s+the\s+part\s+of))"
        r"\s+(?:(?:a|an|one|the|single|lone|our|their|his|her|some|individual)\s+)*(?P<who>[\w'’-]+)",
        _agent_is_person, _role_suggestion,
    ),
    compile_rule(
        "to_blame", "individual_blame",
        "responsible fault blame question",
        # "The engineer responsible has been moved off the team": a person singled out by their part in the failure.
        r"\b(?:the|a|an|that|this)\s+(?:[\w-]+\s+)?(?P<who>[\w'’-]+)\s+(?P<t>responsible|at\s+fault|to\s+blame)\b(?!\s+for\b)(?!\s+(?:was|is)\s+(?:not|never|nobody))",
        lambda sentence, match: _blames(sentence) and not is_negated(sentence, match.start()) and subjects.classify_word(
            next(t for t in sentence.tokens if t.start == match.start("who")), False) == subjects.PERSON,
        _role_suggestion,
    ),
    compile_rule(
        "harm_act", "individual_blame",
        "let chose decided opted elected",
        # "The ops team has let everyone down", "Leadership chose to ignore the staffing warnings".
        r"\b(?P<t>let\s+(?:everyone|everybody|us|me|them|the\s+(?:team|company|customers?|clients?|side|business)|customers|colleagues|(?:his|her|their|our)\s+(?:team|colleagues|customers))\s+down"
        r"|(?:chose|decided|opted|elected)(?:\s*,\s*[^,]{1,30},)?\s+to\s+(?:ignore|skip|bypass|override|disregard|dismiss|overrule|shelve|sit\s+on|bury|hide|sweep))\b",
        _person_acts, _role_suggestion,
    ),
    compile_rule(
        "possessive_fault", "individual_blame",
        "lapse mistake error fault blunder oversight slip screw",
        # "The lapse was Rebecca's, and she knows it."
        r"\b(?:lapse|mistake|error|fault|blunder|oversight|slip|slip-up|screw-?up|failure)\s+(?:here\s+)?(?:was|is)\s+(?:all\s+|entirely\s+|solely\s+)?"
        r"(?P<t>(?P<owner>[A-Z][\w-]*(?:'s|’s)|his|hers|theirs))(?!\s*[\w-])",
        lambda sentence, match: match.group("owner").lower() in ("his", "hers", "theirs") or _owner_is_person_loose(sentence, match),
        _role_suggestion,
    ),
    compile_rule(
        "caused_by_person", "individual_blame",
        "problem culprit link cause",
        # "My manager is the problem", "the new contractor was the weak link": a person as the predicate's cause.
        r"\b(?:is|was|are|were)\s+(?:really\s+|clearly\s+|simply\s+|obviously\s+|just\s+)?(?P<t>(?:the|a|our)\s+(?:(?:real|root|main|whole|actual|only|underlying|big|biggest)\s+)?"
        r"(?:problem|culprit|weak(?:est)?\s+link|cause))\b(?![\w-])(?!\s+(?:solver|solvers|owner|owners|statement|space|area|ticket|of\b|for\b|with\b))",
        lambda sentence, match: _blames(sentence) and not is_negated(sentence, match.start())
        and subjects.strict_agent_kind(sentence, match.start())[0] == subjects.PERSON,
        _role_suggestion,
    ),
    compile_rule(
        "fingered", "individual_blame",
        "placed put laid pinned responsibility blame",
        # "The report placed responsibility for the halt squarely on the head of operations."
        r"\b(?P<t>(?:placed|places|put|puts|laid|lays|pinned|pins)\s+(?:the\s+)?(?:responsibility|blame|fault)\s+(?:for\s+[^.;]{1,60}?\s+)?"
        r"(?:\w+ly\s+)?(?:on|upon|at\s+the\s+feet\s+of|with))\s+(?:(?:a|an|the|one|its|their|his|her|some|single|lone)\s+)*(?P<who>[\w'’-]+(?:\s+[\w'’-]+){0,2})",
        lambda sentence, match: _blamed_person(sentence, match) and bool(_BLAME_OR_HARM.search(match.group("t"))),
        _role_suggestion,
    ),
]
