"""Counterfactuals: what someone should, could or failed to have done."""
import re

from . import subjects
from .context import is_about_blame
from .lexicon import NEUTRAL_AFTER_NEGATION, ORGANISATIONS as _ORGANISATIONS
from .rewrites import passive_omission, replace_trigger
from .rules import compile_rule, subject_of, trigger_span

# Past participles after "should have" that belong to the hindsight rules.
_HINDSIGHT_VERBS = frozenset("known seen realised realized foreseen anticipated predicted spotted recognised recognized understood expected".split())
# "Could have" is often mere possibility ("could have written the same email");
# it judges when the verb is about preventing or catching the problem.
_PREVENTION_VERBS = frozenset("""
prevented avoided caught stopped done checked tested asked escalated noticed warned told flagged
raised verified reviewed double-checked saved mitigated reverted rolled paged called communicated
followed read looked waited planned said mentioned
""".split())
# "should have been" + these describes a person's state of mind, not a passive.
_STATE_AFTER_BEEN = frozenset("more less aware careful paying watching checking on alert clear vigilant ready".split())
# "Should (never) have been given/hired/promoted": judging that the person was trusted at all.
_TRUSTED_WITH = frozenset("given allowed hired promoted trusted put let appointed allowed employed left".split())
# Verbs of receiving news: "failed to hear about the change" is about the signal, not diligence.
_RECEIPT_VERBS = frozenset("hear receive get learn find reach register arrive load".split())
# Things people are expected to do: "X never escalated" is an omission when X is a person.
_DUTY_VERBS = frozenset("""
escalate escalated tell told inform informed write wrote document documented test tested check checked review reviewed
read follow followed update updated reply replied respond responded answer answered page paged call called ask asked
mention mentioned share shared hand handed pass passed notify notified warn warned flag flagged raise raised report
reported verify verified confirm confirmed monitor monitored communicate communicated acknowledge acknowledged look
looked open opened chase chased follow-up hand-off handover train trained onboard onboarded
""".split())
_MODAL_PERFECT = (
    r"\b(?P<t>(?P<modal>should|ought|could)(?:n't|n’t|\s+not|\s+never)?(?:\s+to)?(?:\s+\w+ly|\s+just|\s+at least|\s+also|\s+all)?"
    r"(?:\s+have|'ve|’ve)(?:\s+\w+ly|\s+at\s+least|\s+just|\s+even|\s+also)?\s+(?P<verb>[a-z][a-z-]*))\b(?:\s+(?P<next>[a-z]+))?"
)


# Irregular past participles that do not end like regular ones (-ed, -en, -wn, -ne, -t).
_IRREGULAR_PARTICIPLES = frozenset("""
done run come become gone said paid laid made had read led fed bred fled sped hit cut put set let shut quit split spread
hung rung sung stung swung clung flung strung dug stuck struck spun won begun swum drunk shrunk sunk held told sold
found ground bound wound heard stood understood withstood sat spat slid hid rid bid shed bled
""".split())


def _is_past_participle(word):
    """"Should have checked/caught/gone" is a perfect; "should have a one-to-one", "should have access" is possession."""
    if word in _IRREGULAR_PARTICIPLES or "-" in word and _is_past_participle(word.rsplit("-", 1)[-1]):
        return True
    return len(word) > 2 and word.endswith(("ed", "en", "wn", "ne", "t")) and word not in _NOT_PARTICIPLES


# Nouns and determiners that end like participles: "should have sent" is a perfect, "should have insight" is not.
_NOT_PARTICIPLES = frozenset("""
the one none insight input support oversight budget contact context content account amount consent assent argument
effort least most best first last next that what an it at
""".split())


def _judges_a_person(sentence, match):
    verb = match.group("verb").lower()
    if is_about_blame(sentence.text) or _is_nominal_clause(sentence, match):
        return False
    if not _is_past_participle(verb) and not (
        verb in ("double", "triple", "cross", "spot") and _is_past_participle((match.group("next") or "").lower())
    ):
        return False
    kind = subject_of(sentence, match)
    if verb in _HINDSIGHT_VERBS:
        # "Should have known" belongs to the hindsight rules; "the SRE could have spotted it" is a counterfactual.
        negated = re.search(r"n't|n’t|\bnot\b|\bnever\b", match.group("t"))
        return match.group("modal").lower() == "could" and kind == subjects.PERSON and not negated
    if verb == "been":
        following = (match.group("next") or "").lower()
        if following in _TRUSTED_WITH and kind == subjects.PERSON:
            # "He should never have been given production access": the person as the mistake.
            return True
        return following in _STATE_AFTER_BEEN and kind in (subjects.PERSON, subjects.SELF)
    if match.group("modal").lower() == "could":
        if re.search(r"n't|n’t|\bnot\b|\bnever\b", match.group("t")):
            # "could not have spotted it" defends the person rather than judging them.
            return False
        return verb in _PREVENTION_VERBS and kind in (subjects.PERSON, subjects.SELF)
    return kind != subjects.SYSTEM


def _is_nominal_clause(sentence, match):
    """"What they should have done" talks about counterfactuals rather than asserting one."""
    before = sentence.tokens_before(match.start())[-3:]
    return any(token.lower == "what" for token in before) and match.group("verb").lower() == "done"


def _suggest_omission(sentence, match):
    return passive_omission(sentence, match.start("verb"), match.group("verb"), "counterfactual")


def _failed_by_person(sentence, match):
    if match.group("next").lower() in _RECEIPT_VERBS:
        # "failed to hear about the change" describes a signal that never arrived.
        return False
    kind = subjects.agent_kind(sentence, trigger_span(match)[0])
    if match.group("verb").lower() == "failed":
        return kind in (subjects.PERSON, subjects.SELF) and not is_about_blame(sentence.text)
    return kind != subjects.SYSTEM


def _suggest_did_not(sentence, match):
    start, end = match.span("verb")
    return replace_trigger(sentence, start, end + len(" to"), "did not").rstrip(".") + " — what got in the way?"


_BE_FORMS = frozenset("was were is are am be been being get gets got getting".split())


def _omission_by_person(sentence, match):
    verb = match.group("verb").lower()
    if verb in ("get", "got") and re.match(r"\s+(?:back|round|around)\s+to\b", sentence.text[match.end():]):
        # "The interviewer never got back to the candidate": a reply owed, not a signal missed.
        verb = "replied"
    if verb in NEUTRAL_AFTER_NEGATION or verb in ("be", "been", "do", "fire", "trigger", "run"):
        return False
    if _nearest_word(sentence, match) in _BE_FORMS:
        # "their new joiner was never assigned a buddy": a passive, the subject is who went without.
        return False
    if _in_embedded_question(sentence, match):
        return False
    kind = subject_of(sentence, match)
    if kind == subjects.UNKNOWN and verb in _DUTY_VERBS:
        # "Lena never escalated...": a name the lexicon does not know, before a duty verb.
        kind = subjects.agent_kind(sentence, trigger_span(match)[0])
    if kind == subjects.SELF:
        # "I didn't update the card" is self-blame; "we did not" is how a blameless write-up speaks.
        return _nearest_word(sentence, match) == "i" and not is_about_blame(sentence.text)
    return kind == subjects.PERSON and not is_about_blame(sentence.text)


def _in_embedded_question(sentence, match):
    """"explained what they had and had not checked": reporting the content of an account, not asserting an omission."""
    before = sentence.tokens_before(trigger_span(match)[0])[-6:]
    words = [t.lower for t in before]
    if "what" not in words and "which" not in words:
        return False
    wh = max(i for i, w in enumerate(words) if w in ("what", "which"))
    return not any(not t.text[0].isalpha() for t in before[wh:]) and any(
        w in ("said", "explained", "listed", "described", "noted", "wrote", "asked", "shared", "recorded", "documented", "knew",
              "know", "told", "showed", "clarified", "mapped", "checked", "reviewed", "confirmed")
        for w in words[:wh]
    )


def _nearest_word(sentence, match):
    before = sentence.tokens_before(trigger_span(match)[0])
    return before[-1].lower if before else ""


def _person_if_clause(sentence, match):
    start = match.start("subject")
    kind = subjects.subject_kind(sentence, match.end("subject") + 1)
    return start >= 0 and kind in (subjects.PERSON,) and not is_about_blame(sentence.text)


def _person_inverted_if(sentence, match):
    """"Had the product lead asked the data team, ...": the subject before the first verb is a person."""
    tokens = [t for t in sentence.tokens if match.start("t") <= t.start < match.end("t")][1:]
    phrase, verb_index = subjects.subject_phrase(tokens)
    # "Had the DBA taken a snapshot": after inverted "had" the first past participle ends the subject,
    # irregular ones ("taken", "given", "done") included.
    for index, token in enumerate(phrase[1:], start=1):
        if _is_past_participle(token.lower) and phrase[index - 1].lower not in subjects.DETERMINERS:
            phrase, verb_index = phrase[:index], index
            break
    if verb_index is None or not phrase:
        return False
    kind, _ = subjects.phrase_kind(sentence, phrase)
    return kind == subjects.PERSON and not is_about_blame(sentence.text)


# Alternatives a team is praised for avoiding: "shared findings early instead of waiting until
# they were sure", "paired on the fix instead of splitting up".
_HOLDING_BACK = frozenset("""
waiting guessing speculating hoping debating arguing panicking stalling delaying splitting duplicating struggling
sitting holding working going relying assuming hiding worrying polishing perfecting queueing queuing deferring
postponing
""".split())
_RISKY_ACT = re.compile(
    r"(?:force-)?pushed|deployed|merged|ran|executed|restarted|rebooted|deleted|dropped|changed|applied|committed|shipped|released"
    r"|killed|disabled|removed|edited|modified|overrode|bypassed|skipped|ignored|dismissed|approved|closed|sent|promoted|cut|went",
    re.IGNORECASE,
)


_HARM_AFTER = re.compile(
    r"\b(?:lost|broke|broken|failed|crashed|corrupted|outage|went\s+down|worse|wiped|deleted|dropped|overwrote|locked)\b",
    re.IGNORECASE,
)


def _praises_alternative(sentence, match):
    """The avoided alternative is a way of holding back, and what was done instead is not a risky act."""
    if match.group("alt").lower() not in _HOLDING_BACK or _HARM_AFTER.search(sentence.text, match.end()):
        return False
    clause = sentence.text[: match.start()]
    clause = re.split(r"[;:—–]|,\s+(?:and|but|so)\b", clause)[-1]
    return not any(_RISKY_ACT.fullmatch(word) for word in re.findall(r"[\w-]+", clause))


_WHY_NOBODY = re.compile(r"^(?:nobody|no one|no-one|none of (?:them|us)|anyone|anybody)\b", re.IGNORECASE)


def _rhetorical_why(sentence, match):
    """A "why" question that implies an omission was obvious: negated, about nobody, or "think to"/"bother"/"just".

    "Why did the on-call restart the primary?" is an honest five-whys question and is left alone.
    """
    if is_about_blame(sentence.text):
        return False
    aux = match.group("aux").lower()
    who = match.group("who").strip()
    head = sentence.text[match.start("t"):match.start("verb")].lower()
    verb = match.group("verb").lower()
    implies_omission = (
        "n't" in aux or "n’t" in aux or re.search(r"\b(?:not|never|just|simply|even|on earth|in the world)\b", head)
        or _WHY_NOBODY.match(who) or verb in ("think", "bother", "care") or (verb == "anyone" and aux in ("would", "did"))
    )
    if not implies_omission:
        return False
    if _WHY_NOBODY.match(who):
        return True
    kind = subjects.subject_kind(sentence, match.start("verb"))
    if kind == subjects.UNKNOWN:
        kind = subjects.agent_kind(sentence, match.start("verb"))
    if kind == subjects.UNKNOWN:
        # "why didn't the approver just ask": the lazy subject group may have stopped short of the noun.
        kind = subjects.PERSON if subjects.names_a_person(sentence, sentence.text[match.start("who"):match.end("verb")]) else kind
    return kind == subjects.PERSON


_OMISSION_AFTER = re.compile(
    r"^[^.;]*?\b(?:and|but)\s+(?:then\s+|still\s+|simply\s+)?(?:didn't|didn’t|did\s+not|never|forgot|failed|skipped|ignored|neglected"
    r"|wasn't|wasn’t|hadn't|hadn’t|did\s+nothing|missed)\b",
    re.IGNORECASE,
)


def _expected_of_person(sentence, match):
    """"The engineer was supposed to run the checklist": a person measured against a duty.

    "Was expected to" also describes pressure ("the team was expected to ship in six weeks"),
    so it counts only when an omission follows; "meant to" is left alone before "but".
    """
    if is_about_blame(sentence.text) or subjects.agent_kind(sentence, trigger_span(match)[0]) != subjects.PERSON:
        return False
    word = match.group("t").split()[1].lower()
    after = sentence.text[match.end():]
    if word == "supposed":
        return True
    if word == "expected":
        return bool(_OMISSION_AFTER.search(after))
    return bool(_OMISSION_AFTER.search(after)) or not re.search(r"\b(?:but|until|because|although|though)\b", after, re.IGNORECASE)


def _instead_by_person(sentence, match):
    """The one who chose the alternative is a person; a sentence-initial "Instead of X," takes the main clause's subject."""
    if _person_subject(sentence, match):
        return True
    if sentence.text[:match.start()].strip(" -*"):
        return False
    kind, owned, _ = subjects.main_clause(sentence)
    return kind == subjects.PERSON and not is_about_blame(sentence.text)


def _not_system(sentence, match):
    return subject_of(sentence, match) != subjects.SYSTEM


def _person_subject(sentence, match):
    return subject_of(sentence, match) == subjects.PERSON


RULES = [
    compile_rule("should_have", "counterfactual", "should ought could", _MODAL_PERFECT, _judges_a_person, _suggest_omission),
    compile_rule(
        "failed_to", "counterfactual",
        "failed neglected neglects forgot forgets omitted refused",
        r"\b(?P<t>(?P<verb>failed|neglected|neglects|forgot|forgets|omitted|refused)\s+to)\s+(?P<next>\w+)",
        _failed_by_person, _suggest_did_not,
    ),
    compile_rule(
        "did_not", "counterfactual",
        "didn did hadn had never",
        r"\b(?P<t>(?:didn't|didn’t|did not|didnt|hadn't|hadn’t|had not|never)\s+(?:even\s+|really\s+|once\s+|actually\s+)?"
        r"(?:think\s+to\s+|thought\s+to\s+)?(?P<verb>[a-z]+))\b",
        _omission_by_person,
    ),
    compile_rule(
        "bother", "counterfactual",
        "bother care cared take took",
        r"\b(?P<t>(?:didn't|didn’t|did not|never|couldn't|couldn’t|could not|not)\s+(?:even\s+)?"
        r"(?:bother(?:ed)?|be bothered|care(?:d)? enough|take the time|took the time))\b",
        _not_system,
    ),
    compile_rule(
        "bother", "counterfactual",
        "bothered thought cared took",
        r"\b(?P<t>(?:nobody|no one|no-one|none of them|neither of them)(?:\s+(?!who\b|that\b)[\w'’-]+){0,5}?\s+(?:even\s+)?(?:bothered|thought to|cared|took the time))\b",
    ),
    compile_rule(
        "bother", "counterfactual",
        "nobody one none neither",
        # "Nobody on the data team checked...": a duty nobody performed. Not in a relative
        # clause ("a mailbox that nobody checked" describes the mailbox).
        r"(?<!that )(?<!which )\b(?P<t>(?:nobody|no one|no-one|none of them|neither of them)(?:\s+(?!who\b|that\b|was\b|were\b|had\b|could\b|would\b)[\w'’-]+){0,4}?"
        r"\s+(?:ever\s+|even\s+|actually\s+)?(?P<verb>checked|tested|reviewed|escalated|documented|told|updated|verified|read|wrote|asked"
        r"|raised|flagged|warned|informed|followed|replied|responded|answered|chased|confirmed|looked))\b",
        lambda sentence, match: not is_about_blame(sentence.text),
    ),
    compile_rule(
        "did_not", "counterfactual",
        "chose decided opted elected point once",
        # "The developer chose not to run the tests", "at no point did the lead ask..."
        r"\b(?P<t>(?:chose|decided|opted|elected)\s+not\s+to\s+\w+)"
        r"|\b(?P<inv>(?:at no point|not once|never once)\s+(?:did|had|was|were)\s+(?P<who>(?:[\w'’-]+\s+){1,4}?)(?:\w+ly\s+)?(?:[a-z]+))\b",
        lambda sentence, match: _not_system(sentence, match) if match.group("t") else
        (subjects.names_a_person(sentence, match.group("who")) and not is_about_blame(sentence.text)),
    ),
    compile_rule(
        "did_not", "counterfactual",
        "made make makes attempt effort finger nothing",
        # "The analyst made no attempt to verify the numbers", "did nothing to stop it".
        r"\b(?P<t>(?:made|makes|make)\s+(?:no|zero|little|not\s+(?:one|a\s+single|any))\s+(?:real\s+|serious\s+)?(?:attempt|effort)\s+to"
        r"|(?:didn't|didn’t|did\s+not|never)\s+(?:even\s+)?lift\s+a\s+finger|did\s+(?:absolutely\s+)?nothing\s+to\s+(?:stop|prevent|fix|help|address|escalate|warn))\b",
        lambda sentence, match: subject_of(sentence, match) == subjects.PERSON and not is_about_blame(sentence.text),
    ),
    compile_rule(
        "did_not", "counterfactual",
        "left",
        # "The outgoing lead left no handover notes."
        r"\b(?P<t>left\s+(?:no|zero|nothing\s+but|not\s+(?:a\s+single|one|any))\s+(?:[\w-]+\s+){0,2}?(?:notes?|handover|hand-off|handoff|documentation|docs"
        r"|instructions|runbook|comments?|trail|record|context|explanation|message|word|warning|ticket|status|update))\b",
        lambda sentence, match: subject_of(sentence, match) == subjects.PERSON and not is_about_blame(sentence.text),
    ),
    compile_rule(
        "instead_of", "counterfactual",
        "instead",
        r"\b(?P<t>instead of\s+(?!understanding|asking|learning|knowing|wondering|blaming)(?P<alt>\w+ing))\b",
        lambda sentence, match: _instead_by_person(sentence, match) and not _praises_alternative(sentence, match),
    ),
    compile_rule(
        "if_had", "counterfactual",
        "had",
        r"(?:^|[,;]\s*)(?P<t>had\s+[^,;.]{3,60}?)(?=\s*,[^.]*(?:\b(?:would|could|might|wouldn't|couldn't)\b|\w['’]d\s+(?:still\s+|never\s+|not\s+|all\s+)?(?:have|never|not|be|know|be)\b))",
        _person_inverted_if,
    ),
    compile_rule(
        "if_had", "counterfactual",
        "had",
        r"\b(?P<t>if\s+(?:only\s+)?(?P<subject>[\w'’-]+(?:\s+[\w'’-]+)?)\s+had(?:n't|n’t|\s+not)?\s+(?:only\s+|just\s+|simply\s+)?[a-z]+)\b",
        _person_if_clause,
    ),
    compile_rule(
        "job_to", "counterfactual",
        "job responsibility duty",
        r"\b(?P<t>(?:it was|it's|it’s|it is|was)\s+(?:his|her|their|your|the\s+[\w-]+'s|the\s+[\w-]+’s|[A-Z][a-z]+'s|[A-Z][a-z]+’s)"
        r"\s+(?:job|responsibility|duty)\s+to)\b",
    ),
    compile_rule(
        "supposed_to", "counterfactual",
        "supposed meant expected",
        r"\b(?P<t>(?:was|were)\s+(?:supposed|meant|expected)\s+to)\b",
        _expected_of_person,
    ),
    compile_rule(
        "why_question", "counterfactual",
        "why",
        # "Why did nobody think to try a restore?", "Why didn't the lead just ask?", "Why on earth would anyone..."
        r"(?:^|[,;:—–]\s*|\b(?:so|and|but|then|honestly|seriously)\s+)(?P<t>why\s+(?:on\s+earth\s+|in\s+the\s+world\s+)?"
        r"(?P<aux>didn't|didn’t|wasn't|wasn’t|weren't|weren’t|hadn't|hadn’t|couldn't|couldn’t|wouldn't|wouldn’t|isn't|isn’t|doesn't|doesn’t"
        r"|did|was|were|had|could|would|is|does)\s+(?P<who>(?:[\w'’-]+\s+){1,3}?)(?:not\s+|never\s+|even\s+|just\s+|simply\s+|ever\s+)*"
        r"(?P<verb>[a-z]+)(?![\w'’-]))(?P<rest>[^?]*)\?",
        _rhetorical_why,
    ),
    compile_rule(
        "supposed_to", "counterfactual",
        "needed expected wanted counted relied",
        # "We needed the release manager to say no, and she didn't": a person measured against an expectation,
        # then the omission stated. Needs a person as the one expected and a personal pronoun in the omission.
        r"\b(?:needed|expected|wanted|counted\s+on|relied\s+on)\s+(?P<who>(?:[\w'’-]+\s+){1,4}?)to\s+[a-z]+[^.;]{0,80}?,?\s+(?:and|but)\s+"
        r"(?P<t>(?:he|she|they)\s+(?:just\s+|simply\s+)?(?:didn't|didn’t|did\s+not|never\s+did|hadn't|hadn’t|had\s+not|wouldn't|wouldn’t|never))(?=\s*[.,;!]|\s*$)",
        lambda sentence, match: subjects.names_a_person(sentence, match.group("who"))
        and not _ORGANISATIONS.intersection(re.findall(r"[a-z]+", match.group("who").lower()))
        and not is_about_blame(sentence.text),
    ),
    compile_rule(
        "bother", "counterfactual",
        "nobody one none neither",
        # "...and still nobody did it": a duty referred back to, and nobody performed it.
        r"(?<!that )(?<!which )\b(?P<t>(?:nobody|no one|no-one|none of them|neither of them)\s+(?:ever\s+|actually\s+)?did\s+(?:it|that|this|so))\b"
        r"(?!\s+(?:on\s+purpose|deliberately|intentionally|wrong|maliciously|knowingly))",
        lambda sentence, match: not is_about_blame(sentence.text),
    ),
]
