"""Hindsight: calling something obvious or easy once the outcome is known."""
import re

from . import subjects
from .context import is_about_blame, is_generic_claim
from .rewrites import without_trigger
from .rules import all_of, clause_of, compile_rule, not_negated, subject_of, trigger_span

_EVALUATIVE = re.compile(
    r"\b(?:obvious\w*|clear\w*|trivial|easy|simple|should|could|ought|predictable|foreseeable"
    r"|warning|signs?|known|any(?!\s+of\s+us)|wrong|mistake|error)\b",
    re.IGNORECASE,
)
_JUDGED = re.compile(
    r"\b(?:wrong|mistake|error|dangerous|risky|bad|broken|unsafe|not|never|should|could|ought"
    r"|failed|missed|ignored|too|careless\w*|nobody|no one)\b|n't\b",
    re.IGNORECASE,
)


def _hindsight_judgement(sentence, match):
    """"In hindsight" is fine for describing what was learned; flag it when it grades the decision."""
    return bool(_EVALUATIVE.search(clause_of(sentence, match))) and not _conceded(sentence, match)


# Hindsight named and then set against what people saw at the time: "In hindsight the trend looks
# obvious, but on the night it was one line among two hundred." That is the blameless move itself.
_CONCEDED = re.compile(
    r"\b(?:obvious|clear|easy\s+to\s+(?:see|spot|trace|read))\b[^.;]{0,60}?,?\s*(?:sure,?\s+)?(?:but|yet)\s+"
    r"(?:\w+\s+){0,2}?(?:at\s+the\s+time|at\s+\d|on\s+the\s+(?:day|night)|in\s+the\s+moment|back\s+then"
    r"|that\s+(?:night|day|morning|evening|week)|when\s+it\s+happened|as\s+it\s+unfolded)",
    re.IGNORECASE,
)
_CONCESSION_REACH = 160  # characters after the trigger: the concession belongs to its own clause


def _conceded(sentence, match):
    """The hindsight at match is conceded within its own clause (up to the next ";")."""
    start = max(0, match.start() - 20)
    window = sentence.text[start:match.end() + _CONCESSION_REACH].split(";", 1)[0]
    return bool(_CONCEDED.search(window))


def _judges_past_action(sentence, match):
    """"Clearly"/"obviously" count when they grade a past action, not when they describe a present fact."""
    clause = clause_of(sentence, match)
    if _conceded(sentence, match):
        return False
    if is_generic_claim(clause):
        return False
    if subject_of(sentence, match) == subjects.PERSON or _JUDGED.search(clause):
        return True
    return subjects.names_a_person(sentence, clause)


# Verbs of saying and showing: "said so plainly", "explained clearly what..." use the adverb for manner.
_SAYING = frozenset("""
say says said saying state states stated explain explains explained explaining write writes wrote written tell tells told
speak speaks spoke spoken communicate communicates communicated describe describes described label labels labelled labeled
mark marks marked document documents documented show shows showed shown display displays displayed set laid lay answer
answered ask asked flag flagged raise raised put phrase phrased word worded present presented spell spelled spelt
summarise summarised summarize summarized signpost signposted visible audible hear heard see saw seen understand understood
""".split())


_PERCEIVING = frozenset("visible audible hear heard see saw seen understand understood".split())


def _manner_adverb(sentence, match):
    """"Said so plainly", "explained it clearly": how something was said or shown, not a verdict after the fact."""
    before = sentence.tokens_before(trigger_span(match)[0])[-3:]
    words = [t.lower for t in before if t.lower not in ("so", "it", "this", "that", "them", "very", "quite", "more", "less")]
    if words and words[-1] in _SAYING:
        return True
    # "The coordinator clearly explained the rota": the adverb right before a verb of saying or showing.
    after = sentence.tokens_after(trigger_span(match)[1])[:1]
    return bool(after) and after[0].lower in _SAYING and after[0].lower not in _PERCEIVING


def _present_needs_that(sentence, match):
    """"It is obvious that..." judges; "the cause is obvious from the graph" only describes."""
    if match.group("aux").lower() not in ("is", "it's", "it’s"):
        return True
    return bool(re.match(r"\s+(?:that|to)\b", sentence.text[match.end():], re.IGNORECASE))


# "Clear", "plain", "apparent" and "evident" often just describe understanding arriving ("once the cause
# was clear, ...") or a document being legible ("the notes were clear about..."); they judge when they say
# something was knowable all along.
_DESCRIPTIVE = frozenset("clear plain apparent evident".split())
_KNOWABLE_ALL_ALONG = re.compile(
    r"\b(?:to\s+(?:everyone|everybody|anyone|anybody|all|us|them|him|her|any\s+\w+)|from\s+the\s+(?:start|outset|beginning|first)"
    r"|all\s+along|in\s+advance|beforehand|long\s+before|well\s+before|weeks\s+before|days\s+before|for\s+(?:weeks|days|months))\b",
    re.IGNORECASE,
)


def _judges_knowability(sentence, match):
    """"It was clear that he should..." or "clear to everyone" judges; "the cause was clear" describes."""
    if match.group("t").lower() not in _DESCRIPTIVE or match.group("aux").lower().startswith(("should", "would", "must")):
        return True
    after = sentence.text[match.end():]
    if re.match(r"\s+(?:that|to\s+(?!everyone|everybody|anyone|anybody|all\b|us\b|them\b|him\b|her\b)\w+)\b", after, re.IGNORECASE):
        return True
    clause = clause_of(sentence, match)
    return bool(_KNOWABLE_ALL_ALONG.search(clause) or _JUDGED.search(clause))


def _about_a_person(sentence, match):
    return subject_of(sentence, match) != subjects.SYSTEM


def _drop(sentence, match):
    start, end = trigger_span(match)
    return (
        f"{without_trigger(sentence, start, end)} — then add what was visible at the time and what competed for attention."
    )


def _someone_generic(sentence, match):
    """The "anyone"/"any X"/"even a Y" of the phrase stands for a person, not a tool or a check."""
    who = match.group("who")
    if who.lower().startswith(("every", "anyone", "anybody", "any fool", "any child", "a ")):
        return True
    return subjects.names_a_person(sentence, who) or bool(_NOVICE.search(who))


_NOVICE = re.compile(r"\b(?:junior|intern|trainee|beginner|novice|newbie|child|kid|toddler|grandmother|grandma|layperson|student)s?\b", re.IGNORECASE)


def _how_subject_is_person(sentence, match):
    """"How could they miss it?" asks about people; "how did the monitoring miss it?" about a tool."""
    who = match.group("who").lower()
    if who.split()[0] in ("we", "i", "us"):
        return False
    if who.split()[0] in ("they", "he", "she", "you", "anyone", "anybody", "nobody", "everyone"):
        return True
    return subjects.names_a_person(sentence, match.group("who"))


_CORE_ROLES = re.compile(r"(?:engineers?|developers?|person|admins?|sysadmins?|operators?|managers?|programmers?|dbas?|sres?|one|professionals?|leads?)$", re.IGNORECASE)
_COUNTERFACTUAL_AFTER = re.compile(r"^[^.;]{0,40}?\b(?:would|could|should)(?:n't|n’t|\s+not|\s+never)?(?:\s+\w+ly)?\s*(?:have|'ve|’ve|know|never|not)\b", re.IGNORECASE)


def _competent_person(sentence, match):
    """"Any competent engineer would..."; for other roles ("a good facilitator will redirect") only a counterfactual counts."""
    who = match.group("who")
    if _CORE_ROLES.match(who):
        return True
    return subjects.names_a_person(sentence, who) and bool(_COUNTERFACTUAL_AFTER.search(sentence.text[match.end():]))


def _not_about_blame(sentence, match):
    return not is_about_blame(sentence.text)


RULES = [
    compile_rule(
        "hindsight_phrase", "hindsight",
        "hindsight retrospect looking fact",
        r"\b(?P<t>in hindsight|in retrospect|with hindsight|looking back|after the fact)\b",
        all_of(_not_about_blame, _hindsight_judgement),
    ),
    compile_rule(
        "obviously", "hindsight",
        "obviously clearly evidently plainly",
        r"\b(?P<t>obviously|clearly|evidently|plainly)\b",
        all_of(_not_about_blame, not_negated, lambda sentence, match: not _manner_adverb(sentence, match), _judges_past_action),
        _drop,
    ),
    compile_rule(
        "was_obvious", "hindsight",
        "obvious clear evident apparent plain trivial predictable foreseeable glaring blatant unmissable unmistakable",
        r"\b(?P<aux>was|were|seemed|should have been|would have been|must have been|it's|it’s|is)\s+"
        r"(?:so\s+|very\s+|pretty\s+|quite\s+|perfectly\s+|blindingly\s+|painfully\s+|all\s+too\s+|entirely\s+|completely\s+)?"
        r"(?P<t>obvious|clear|evident|apparent|plain|trivial|predictable|foreseeable|glaring|blatant|unmissable|unmistakable)\b(?!-)",
        all_of(_not_about_blame, not_negated, _present_needs_that, _judges_knowability),
    ),
    compile_rule(
        "obvious_noun", "hindsight",
        "obvious clear glaring blatant",
        r"\b(?P<t>(?:obvious|clear|glaring|blatant)\s+(?:mistakes?|errors?|signs?|warnings?|warning signs?|signals?"
        r"|red flags?|oversights?|problems?|risks?|omissions?|bugs?|gaps?))\b",
        all_of(_not_about_blame, not_negated),
    ),
    compile_rule(
        "competent", "hindsight",
        "better smarter sharper wiser attentive diligent conscientious competent decent reasonable good experienced half halfway remotely minimally vaguely moderately sensible careful qualified real seasoned professional trained junior first self",
        r"\b(?P<t>(?:any|a|every)\s+(?:(?:halfway|half|remotely|minimally|vaguely|moderately|reasonably|even\s+slightly|properly|more|slightly\s+more|bit\s+more)\s+)?(?:competent|decent|reasonable|good|experienced|half-decent|sensible|careful"
        r"|qualified|real|seasoned|professional|trained|junior|first-year|self-respecting|better|smarter|sharper|wiser|attentive|diligent|conscientious)\s+(?:[\w-]+\s+)?"
        r"(?P<who>engineers?|developers?|person|admins?|sysadmins?|operators?|managers?|programmers?|dbas?|sres?|one|professionals?|leads?|[a-z][\w-]*))\b"
        r"(?=[^.;]{0,40}\b(?:would|could|should|knows?|can|will|understands?|sees?)\b)",
        all_of(_not_about_blame, _competent_person),
    ),
    compile_rule(
        "everyone_knows", "hindsight",
        "everyone everybody anyone anybody any fool child",
        r"\b(?P<t>(?P<who>every(?:one|body)|any(?:one|body)|any fool|any child|a child|a\s+(?:\w+-year-old|kid|toddler|monkey|chimp)"
        r"|any\s+(?:of\s+(?:the|our|us|them)\s+)?(?:[\w-]+\s+)?[\w-]+)\s+(?:[\w'’-]+\s+){0,4}?"
        r"(?:knows|knew|could have (?:seen|told|predicted|spotted|noticed)|can see|could see|should know"
        r"|could have (?:caught|found|fixed|done) (?:it|this|that)|(?:would have|would've) (?:seen|known|caught|spotted|noticed|told|flagged|realised|realized|recogni[sz]ed|questioned|predicted|stopped|guessed)))\b",
        all_of(_not_about_blame, not_negated, _someone_generic),
    ),
    compile_rule(
        "easy_to_see", "hindsight",
        "easy trivial simple obvious plain",
        r"\b(?P<t>(?:easy|trivial|simple|obvious|plain)\s+to\s+(?:see|spot|catch|predict|foresee|avoid|prevent|notice|tell|know|figure out|understand))\b",
        all_of(_not_about_blame, not_negated),
    ),
    compile_rule(
        "should_have_known", "hindsight",
        "should ought",
        r"\b(?P<t>(?:should|ought to)(?:\s+\w+ly)?\s+have\s+(?:known|seen|realised|realized|foreseen|anticipated|predicted"
        r"|spotted|recogni[sz]ed|understood|expected)(?:\s+better)?)\b",
        all_of(_not_about_blame, _about_a_person),
    ),
    compile_rule(
        "should_know", "hindsight",
        "should ought knew",
        r"\b(?P<t>(?:should|ought\s+to)\s+(?:already\s+|really\s+|surely\s+)?know\s+(?:better|by\s+now|this\s+by\s+now)"
        r"|knew better|(?:should|ought\s+to)\s+(?:have|'ve|’ve)\s+known\s+better|should've\s+known\s+better)\b",
        _not_about_blame,
    ),
    compile_rule(
        "doesnt_take", "hindsight",
        "take",
        r"\b(?P<t>(?:doesn't|does not|didn't|did not|doesn’t|didn’t)\s+take\s+(?:a|an)\s+(?:[\w-]+\s+){0,2}?"
        r"(?:degree|genius|scientist|expert|brain surgeon|phd|specialist|rocket scientist))\b",
    ),
    compile_rule(
        "saw_it_coming", "hindsight",
        "coming writing there",
        r"\b(?P<t>(?:should|could) have seen (?:it|this|that) coming|saw (?:it|this|that) coming"
        r"|writing (?:was )?on the wall|(?:signs|warning signs|red flags) were (?:all )?there)\b",
        _not_about_blame,
    ),
    compile_rule(
        "saw_it_coming", "hindsight",
        "bound destined going matter inevitable avoidable preventable waiting staring",
        r"\b(?P<t>(?:was|were) (?:always |just )?(?:bound|destined|going) to (?:happen|fail|break|end badly|go wrong|blow up|end in tears)"
        r"|(?:disaster|accident|outage|incident|failure|breach|mess)\s+waiting\s+to\s+happen"
        r"|staring\s+(?:us|them|him|her|everyone|everybody|you)\s+(?:right\s+)?in\s+the\s+face"
        r"|(?:was|were) (?:only|just) a matter of time|(?:was|were) (?:entirely |completely )?(?:inevitable|avoidable|preventable))\b",
        all_of(_not_about_blame, not_negated),
    ),
    compile_rule(
        "simple_check", "hindsight",
        "would could might",
        r"\b(?P<t>(?:a|one|any)\s+(?:simple|quick|single|basic|five-minute|one-line|cursory|quick)\s+(?:[\w'’-]+\s+){0,4}?"
        r"(?:would|could|might)\s+have\s+(?:caught|prevented|avoided|stopped|shown|revealed|saved|flagged|spotted|told|warned|alerted))\b",
        _not_about_blame,
    ),
    compile_rule(
        "doesnt_take", "hindsight",
        "need needed take takes took have be",
        # "you didn't need to be a psychologist to see", "you'd have to be blind to miss it"
        r"\b(?P<t>(?:(?:need|needed|have|had|take|takes|took|require|required)\s+(?:to\s+be\s+)?(?:a|an)\s+(?:[\w-]+\s+){0,2}?[\w-]+"
        r"|(?:have|had|need|needed)\s+to\s+be\s+(?:\w+\s+)?(?:blind|asleep|deaf|dense|oblivious|stupid|clueless))"
        r"\s+(?:not\s+)?to\s+(?:see|spot|tell|know|notice|miss|overlook|realise|realize|predict|foresee|figure|work out|understand|recogni[sz]e))\b",
        _not_about_blame,
    ),
    compile_rule(
        "competent", "hindsight",
        "even",
        # "even a first-week junior would have recognised it"
        r"\b(?P<t>even\s+(?:a|an|the|my|our|your)\s+(?P<who>(?:[\w'’-]+\s+){0,4}?[\w'’-]+))"
        r"\s+(?:would|could|should|can|will|knows?|would've|could've)\b",
        all_of(_not_about_blame, _someone_generic),
    ),
    compile_rule(
        "competent", "hindsight",
        "sense brain clue half ounce shred modicum eyes right",
        # "nobody with any sense", "anyone with half a brain"
        r"\b(?P<t>(?:nobody|no one|no-one|anyone|anybody|someone|somebody|everyone|any\s+\w+|nobody\s+\w+)\s+with\s+"
        r"(?:any|a shred of|half a|an ounce of|a modicum of|a grain of|even basic|basic|a bit of|some|a pair of|working)\s+(?:common\s+)?(?:sense|brain|clue|judge?ment|experience|eyes)"
        r"|(?:nobody|no one|no-one|anyone|anybody|no\s+[\w-]+)\s+in\s+(?:their|his|her|your)\s+right\s+mind)\b",
        _not_about_blame,
    ),
    compile_rule(
        "everyone_knows", "hindsight",
        "how",
        # "How nobody noticed this for a week is beyond me."
        r"(?:^|[,;:]\s*|\b(?:know|see|understand|explain|wonder)\s+)(?P<t>how\s+(?:nobody|no one|no-one|anyone|anybody|they|he|she|the\s+[\w-]+)\s+(?:could\s+have\s+|could\s+|managed\s+to\s+)?"
        r"(?:missed|noticed|saw|caught|spotted|overlooked|ignored|didn't|did not|failed))\b",
        _not_about_blame,
    ),
    compile_rule(
        "of_course", "hindsight",
        "course predictably unsurprisingly needless expected sure",
        # "of course the hand-off failed": the outcome presented as inevitable.
        r"\b(?P<t>of course|predictably|unsurprisingly|needless to say|as expected|sure enough)\b(?=[^.;]{0,60}\b(?:failed|broke|went wrong|went down|fell over|blew up|collapsed|crashed|missed|slipped|happened|stalled|leaked|didn't|did not|wasn't|never)\b)",
        all_of(_not_about_blame, not_negated),
    ),
    compile_rule("no_brainer", "hindsight", "brainer common", r"\b(?P<t>no-brainer|no brainer|common sense)\b", all_of(_not_about_blame, not_negated)),
    compile_rule(
        "trivial_then", "hindsight",
        "trivial easy simple straightforward",
        r"\b(?P<t>(?:was|would have been|were)\s+(?:really\s+|pretty\s+|quite\s+|so\s+)?(?:trivial|easy|simple|straightforward)\s+to\s+(?:avoid|prevent|fix|catch|stop|check|test|do))\b",
        all_of(_not_about_blame, not_negated),
    ),
    compile_rule(
        "everyone_knows", "hindsight",
        "paying attention looking watching awake eyes reading looked glanced checked opened watched",
        # "Anyone paying attention could tell...": the signal declared visible to every attentive person.
        r"\b(?P<t>(?:any(?:one|body)|every(?:one|body)|any\s+[\w-]+|someone|somebody)\s+(?:who\s+(?:was|had\s+been|were)\s+)?"
        r"(?:paying\s+(?:any\s+)?attention|looking|watching|awake|listening|with\s+(?:eyes|a\s+pulse)|reading\s+(?:the\s+)?[\w-]+"
        r"|who(?:'d|’d|\s+had)\s+(?:even\s+|actually\s+|bothered\s+to\s+)?(?:looked|glanced|checked|read|opened|watched|look|check))"
        r"(?:\s+(?:at|to)\s+(?:the\s+)?[\w-]+)?\s+(?:could|would|should|can|will|must)(?:\s+have)?\s+(?:\w+\s+)?"
        r"(?:tell|told|see|seen|know|known|spot|spotted|notice|noticed|guess|guessed|predict|predicted|realis|realiz|caught|catch)\w*)\b",
        all_of(_not_about_blame, not_negated),
    ),
    compile_rule(
        "saw_it_coming", "hindsight",
        "plain clear day there see clearer plainer louder obvious explicit visible",
        # "The risk was plain as day", "the signs were there for anyone to see".
        r"\b(?P<t>(?:as\s+)?(?:plain|clear)\s+as\s+(?:day|daylight)|there\s+for\s+(?:all|anyone|anybody|everyone|everybody)\s+to\s+see"
        r"|(?:right\s+)?(?:in\s+front\s+of|under)\s+(?:their|his|her|your|everyone's|everyone’s)\s+(?:noses?|eyes)"
        r"|(?:could|can)(?:n't|n’t|\s+not|\s+hardly)\s+(?:have\s+)?(?:been|be)\s+(?:any\s+)?(?:clearer|plainer|louder|more\s+(?:obvious|explicit|visible)))\b",
        all_of(_not_about_blame, not_negated),
    ),
    compile_rule(
        "simple_check", "hindsight",
        "moment minute second little bit ounce shred modicum basic minimal thought care attention effort",
        # "With even a moment's thought, the engineer would have seen it": the alternative made to look effortless.
        r"\b(?P<t>(?:with\s+|given\s+)?(?:even\s+)?(?:a|an|the)?\s*(?:moment's|moment’s|minute's|minute’s|second's|second’s|little|bit\s+of|ounce\s+of|shred\s+of"
        r"|modicum\s+of|basic|minimal|five\s+minutes'|five\s+minutes’)\s+(?:more\s+)?(?:thought|care|attention|effort|diligence|checking|common\s+sense|curiosity|reading|research))\b"
        r"(?=[^.;]{0,80}\b(?:would|could|might)(?:\s+\w+ly)?\s+have\b)",
        _not_about_blame,
    ),
    compile_rule(
        "everyone_knows", "hindsight",
        "think thought expect expected imagine",
        # "You'd think a senior engineer would know not to run that on production."
        r"\b(?P<t>(?:you|one|i|we|anyone)(?:'d|’d|\s+would|\s+might)\s+(?:have\s+)?(?:think|thought|expect|expected|imagine|imagined|assume|assumed))"
        r"\s+(?:that\s+)?(?P<who>(?:[\w'’-]+\s+){1,4}?)(?:would|should|could|might|knows?|'d|’d)\b",
        all_of(_not_about_blame, lambda sentence, match: subjects.names_a_person(sentence, match.group("who"))),
    ),
    compile_rule(
        "everyone_knows", "hindsight",
        "anyone anybody intern child junior trainee monkey kid could can",
        # "a trivial one-liner that anyone could have written", "simple enough that an intern could do it".
        r"\b(?P<t>(?:any(?:one|body)|an?\s+(?:intern|child|junior|trainee|monkey|kid|first-year|five-year-old|ten-year-old|new\s+hire|student))"
        # "could"/"would" only: "anyone can follow it" is a design goal, not a judgement.
        r"\s+(?:could|would)\s+(?:have\s+)?(?:written|write|done|do|fixed|fix|handled|handle|managed|manage|caught|catch|followed|follow"
        r"|(?:gotten|got|get)\s+(?:it\s+|this\s+|that\s+)?right)"
        r"(?:\s+(?:it|this|that|them))?)\b",
        all_of(_not_about_blame, not_negated, lambda sentence, match: not re.search(r"\b(?:if|whether|so\s+that|in\s+case)\s+$", sentence.text[:match.start()], re.IGNORECASE)
               and not re.search(r"\bso\s+$", sentence.text[:match.start()], re.IGNORECASE)),
    ),
    compile_rule(
        "everyone_knows", "hindsight",
        "how",
        # "How could they not see it coming?", "How did the reviewer miss this?"
        r"\b(?P<t>how\s+(?:on\s+earth\s+)?(?:could|did|can|do|does|would)\s+(?P<who>(?:the\s+)?[\w'’-]+(?:\s+[\w'’-]+)?)\s+(?:not\s+|possibly\s+|just\s+|simply\s+)?(?:have\s+)?"
        r"(?:miss|missed|overlook|overlooked|ignore|ignored|see|seen|notice|noticed|forget|forgot|forgotten|skip|skipped|let\s+(?:this|that|it)\s+(?:happen|through|slip)))\b(?=[^?]*\?)",
        all_of(_not_about_blame, lambda sentence, match: _how_subject_is_person(sentence, match)),
    ),
    compile_rule(
        "everyone_knows", "hindsight",
        "surely",
        # "Surely someone could see that...", "surely the reviewer would have noticed": a rhetorical appeal
        # that the signal was visible to any person at the time.
        r"\b(?P<t>surely\s+(?P<who>(?:[\w'’-]+\s+){1,3}?)(?:could|would|should|must|can)(?:n't|n’t)?(?:\s+have)?\s+(?:\w+ly\s+)?"
        r"(?:see|seen|saw|know|known|notice|noticed|spot|spotted|realis\w*|realiz\w*|tell|told|catch|caught|predict\w*|recogni[sz]\w*))\b",
        all_of(_not_about_blame, lambda sentence, match: _how_subject_is_person(sentence, match) or bool(
            re.match(r"(?:someone|somebody|everyone|everybody)\b", match.group("who"), re.IGNORECASE))),
    ),
    compile_rule(
        "of_course", "hindsight",
        "course predictably unsurprisingly needless",
        # "Needless to say, rolling out to everyone at once was a bad idea": the verdict presented as self-evident.
        r"\b(?P<t>needless to say|predictably|unsurprisingly|of course)\b(?=[^.;]{0,80}\b(?:was|were|is)\s+(?:a\s+)?(?:\w+ly\s+)?"
        r"(?:(?:bad|terrible|poor|dumb|stupid|foolish|awful)\s+(?:idea|call|decision|move|plan|choice)|mistake|reckless|unwise|ill-advised|asking\s+for\s+trouble)\b)",
        all_of(_not_about_blame, not_negated),
    ),
]
