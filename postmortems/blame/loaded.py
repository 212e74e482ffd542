"""Loaded judgement: words that grade a person's character or ability, and "human error" as a cause."""
import re

from . import subjects
from .context import clause_around, is_about_blame, is_generic_claim, is_negated, is_perceived_judgement
from .rewrites import without_trigger
from .rules import compile_rule, subject_of, trigger_span

_LOADED_WORDS = (
    r"careless(?:ly|ness)?|sloppy|sloppily|sloppiness|negligent(?:ly)?|negligence|lazy|lazily|laziness"
    r"|incompeten(?:t|ce|tly)|reckless(?:ly|ness)?|hast(?:y|ily)|stupid(?:ity|ly)?|dumb|idiot(?:s|ic)?|moron(?:s|ic)?"
    r"|foolish(?:ly|ness)?|clueless|inept(?:itude)?|irresponsibl[ey]|fat-finger(?:ed|ing)?|fat finger(?:ed)?"
    r"|blunder(?:s|ed)?|cock(?:ed)?[- ]up|cocked up|screw(?:ed)?-up|botched|flagrant(?:ly)?|bone-?headed|amateurish"
    r"|unprofessional|inattentive|half-assed|rookie (?:mistake|error)|schoolboy (?:mistake|error)|bad apples?"
    r"|unreliable (?:people|person|staff|engineers?|colleagues?)|rogue (?:engineer|employee|admin|developer|worker|sysadmin)"
    r"|asleep at the wheel|not paying attention|inexperienced|dereliction|thoughtless(?:ly)?|slacking|slacker"
    r"|cut(?:ting)? corners|corner-cutting|took shortcuts|taking shortcuts|shoddy|slapdash|cavalier|complacen(?:t|cy)"
    r"|overconfiden(?:t|ce)|cowboy|clumsy|clumsily|lackadaisical|inexcusable|unforgivable|ignorant|ignorance"
    r"|basic (?:mistake|error)|elementary (?:mistake|error)|textbook (?:mistake|error)|foolhardy|idiocy"
    r"|arrogance|stubbornness|hubris|big\s+ego|hero[- ](?:deploy(?:s|ments?)?|fix(?:es)?|push(?:es)?|commits?|merges?|changes?)|shambolic|shambles|amateur[- ]hour|half-hearted(?:ly)?|half-baked\s+(?:attempt|effort|job|testing)|lacklust(?:re|er)|ham-fisted|cack-handed"
    r"|dim-witted|brainless|mindless(?:ly)?|feckless|slipshod|asleep\s+at\s+the\s+(?:switch|wheel)|sheer\s+(?:carelessness|laziness|incompetence|stupidity)"
    r"|bungl(?:ed|ing)|haphazard(?:ly)?|heedless(?:ly)?|lax(?:ity)?|incapable|unfit|pathetic|disgraceful|shameful|embarrassing"
    r"|(?:poor|bad|questionable|terrible|lapse\s+(?:in|of)|error\s+of|errors\s+of)\s+judge?ment"
    r"|lack\s+of\s+(?:care|diligence|attention|professionalism|discipline|effort|rigou?r|competence|common\s+sense|accountability)"
)
# A loaded word inside a compound naming a story about people, not judging one: "the careless-mistake
# theory", "the lazy-engineer stereotype". Other hyphens ("a lazy-ass fix") still count.
_FRAMING_COMPOUND = (
    r"[-‐][a-z]+(?:[-‐][a-z]+)?\s+(?:story|stories|theory|theories|narrative|framing|frame|label|myth|stereotype|trope"
    r"|explanation|headline|version|account|excuse|culture|view|reading|line|idea|thinking|narratives|labels|myths)\b"
)
_HUMAN_ERROR_CAUSE = (
    r"(?:root cause|primary cause|main cause|cause|caused by|due to|result of|because of|attributed to|blamed on"
    r"|down to|chalked up to|boils down to|comes down to|was|were)\s*[:\-–—]?\s*(?:a\s+|an\s+|simple\s+|plain\s+|pure\s+|just\s+)*"
    r"(?P<t>(?:human|operator|user|pilot|engineer|manual|personnel|staff|employee)\s+(?:error|mistake|failure))"
)
_HUMAN_ERROR_SUBJECT = (
    r"(?P<t>(?:human|operator|user)\s+error)\s+(?:was|is)\s+(?:the\s+)?(?:root\s+|main\s+|primary\s+|sole\s+)?(?:cause|to blame|responsible)"
)
_CLAUSE_NEGATION = re.compile(r"\b(?:not|never|rarely|seldom|no|isn't|wasn't|aren't|n't)\b", re.IGNORECASE)


def _judges_someone(sentence, match):
    start, end = trigger_span(match)
    if is_negated(sentence, start, window=5) or is_about_blame(sentence.text):
        return False
    if is_perceived_judgement(sentence, start):
        return False
    return not is_generic_claim(clause_around(sentence, start, end))


def _human_error_as_cause(sentence, match):
    start, end = trigger_span(match)
    clause = clause_around(sentence, start, end)
    return not _CLAUSE_NEGATION.search(clause) and not is_about_blame(sentence.text)


# What follows a sarcastic label when it is used to mock an act: a past-tense verb or a decision.
_MOCKED_ACTS = frozenset("decided thought figured reckoned chose opted insisted wanted tried went made put set left ran wrote took let gave".split())


def _sarcastic_label(sentence, match):
    """"Some genius decided to...": a label of brilliance used sarcastically for the person who acted.

    "Hero" is praise as often as mockery, so it needs "some"/"our" and a verb of deciding.
    """
    if is_about_blame(sentence.text) or is_negated(sentence, match.start()):
        return False
    verb = match.group("verb").lower()
    label = match.group("t").lower()
    if verb in ("of", "at", "for", "and", "is", "was", "who", "idea", "move", "ideas"):
        return False
    if label.split()[-1].startswith("hero"):
        return label.startswith(("some ", "our ")) and verb in ("decided", "thought", "figured", "reckoned", "chose", "opted")
    return verb in _MOCKED_ACTS or (verb.endswith("ed") and len(verb) > 4)


def _person_subject(sentence, match):
    return subject_of(sentence, match) == subjects.PERSON and not is_about_blame(sentence.text)


def _person_subject_not_negated(sentence, match):
    return _person_subject(sentence, match) and not is_negated(sentence, trigger_span(match)[0])


def _not_system_subject(sentence, match):
    kind = subject_of(sentence, match)
    return kind not in (subjects.SYSTEM, subjects.SELF) and not is_about_blame(sentence.text)


def _drop_word(sentence, match):
    start, end = trigger_span(match)
    trigger = sentence.text[start:end]
    if trigger.lower().endswith("ly"):
        # An adverb can simply go: "carelessly restarted" -> "restarted".
        return f"Describe the action instead of judging it: “{without_trigger(sentence, start, end)}”, then add the conditions around it."
    return f"Replace “{trigger}” with what the person actually did and the conditions around it (time pressure, tooling, workload)."


def _human_error_suggestion(sentence, match):
    return "Name the action and what made it likely, e.g. “a command ran against production because the tool did not confirm the target”."


_PERSONALITY = r"(?<![\w-])(?:insensitive|inappropriate|offensive|tone-deaf|hurtful|demeaning|patroni[sz]ing|belittling|obstructive|unresponsive|incompetent)(?![\w-])|rude|abrasive|condescending|dismissive|unhelpful|uncooperative|hostile|toxic|passive-aggressive|arrogant|useless|hopeless|unreliable|micromanag\w+|disorganised|disorganized"

RULES = [
    compile_rule("person_judgement", "loaded_judgement", "insensitive inappropriate offensive tone hurtful demeaning patronising patronizing belittling obstructive unresponsive incompetent rude abrasive condescending dismissive unhelpful uncooperative hostile toxic passive arrogant useless hopeless unreliable micromanag disorganised disorganized", rf"\b(?P<t>{_PERSONALITY})\b", _person_subject_not_negated),
    compile_rule("loaded_word", "loaded_judgement", "arrogance stubbornness hubris big hero shambolic shambles amateur half ham cack dim brainless mindless feckless slipshod sheer lacklustre lackluster bungled bungling haphazard heedless lax laxity incapable unfit pathetic disgraceful shameful embarrassing poor questionable terrible lapse lack errors careless sloppy sloppily sloppiness negligent negligence lazy lazily laziness incompeten reckless hasty hastily stupid dumb idiot moron foolish clueless inept irresponsib fat blunder cock cocked screw botched flagrant bone amateurish unprofessional inattentive half rookie schoolboy bad unreliable rogue asleep paying inexperienced dereliction thoughtless slacking slacker cut cutting corner shortcuts shoddy slapdash cavalier complacen overconfiden cowboy clumsy clumsily lackadaisical inexcusable unforgivable ignorant ignorance basic elementary textbook foolhardy idiocy", rf"\b(?P<t>{_LOADED_WORDS})\b(?!{_FRAMING_COMPOUND})", _judges_someone, _drop_word),
    compile_rule("human_error", "loaded_judgement", "human operator user pilot engineer manual personnel staff employee", rf"\b{_HUMAN_ERROR_CAUSE}\b", _human_error_as_cause, _human_error_suggestion),
    compile_rule("human_error", "loaded_judgement", "human operator user", rf"\b{_HUMAN_ERROR_SUBJECT}\b", _human_error_as_cause, _human_error_suggestion),
    compile_rule(
        "no_excuse", "loaded_judgement",
        "excuse excuses inexcusable",
        r"\b(?P<t>(?:there's|there’s|there is|there was|there were|there are|there can be|there could be|had|has|have|with)\s+no\s+(?:possible\s+|good\s+|real\s+)?excuses?"
        r"|(?:is|was)\s+no\s+excuse)\b",
        lambda sentence, match: not is_about_blame(sentence.text),
    ),
    compile_rule(
        "mistakenly", "loaded_judgement",
        "mistakenly wrongly stupidly foolishly blindly arrogantly naively miserably spectacularly woefully abysmally dismally hopelessly pathetically",
        r"\b(?P<t>mistakenly|wrongly|stupidly|foolishly|blindly|arrogantly|naively"
        r"|(?<=failed\s)(?:miserably|spectacularly|woefully|abysmally|dismally|hopelessly|pathetically)"
        r"|(?:miserably|spectacularly|woefully|abysmally|dismally|hopelessly|pathetically)\s+(?:failed|bad|inadequate|unprepared|out\s+of))\b",
        _person_subject, _drop_word,
    ),
    compile_rule(
        "too_much", "loaded_judgement",
        "too",
        r"\b(?P<t>(?:way|far|much|simply|just)\s+too\s+[\w-]+"
        r"|too\s+(?:busy|lazy|proud|distracted|arrogant|stubborn|scared|careless|impatient|slow)(?:\s+[a-z]+ing)?\s+to)",
        _person_subject,
    ),
    compile_rule(
        "person_judgement", "loaded_judgement",
        "difficult hard impossible nightmare pain competent capable reliable careful bright smart diligent follow remember trusted anything listen care really even",
        r"\b(?P<t>(?:difficult|hard|impossible|a nightmare|a pain) to work with"
        r"|not (?:the most |very |particularly |terribly )?(?:competent|capable|reliable|careful|bright|smart|diligent)"
        r"|(?:can't|can’t|cannot|can not|couldn't|couldn’t) (?:even |seem to )?(?:follow (?:simple |basic )?instructions|remember anything|be trusted|do anything right"
        r"|follow (?:(?:a|even a|the most|the|one) )?(?:simple|basic|clear|straightforward|obvious) [\w-]+)"
        r"|(?:doesn't|doesn’t|never) (?:listen|listens|care|cares)"
        r"|(?:didn't|didn’t|doesn't|doesn’t|did not|does not) (?:really |even )(?:understand|know|get|care)(?= (?:that|what|how|why|about|the)\b))\b",
        _not_system_subject,
    ),
    compile_rule(
        "sarcastic_label", "loaded_judgement",
        "genius geniuses bright spark rocket einstein mastermind brainiac wise smart clever whizz wizard hero",
        # "Some genius decided to store the keys in the bundle", "our resident rocket scientist pushed...".
        r"\b(?P<t>(?:some|our|the|this|that|a|another|one)\s+(?:(?:resident|local|real|absolute|certain)\s+)?"
        r"(?:genius(?:es)?|bright\s+sparks?|rocket\s+scientists?|einsteins?|masterminds?|brainiacs?|wise\s+guys?|smart\s+alecks?"
        r"|clever\s+clogs|whizz?-?kids?|wizards?|heroe?s?))"
        r"(?:\s+(?:here|in\s+\w+|on\s+the\s+[\w-]+\s+team|from\s+\w+))?\s+(?P<verb>[a-z][a-z-]*)\b",
        _sarcastic_label,
    ),
    compile_rule(
        "person_judgement", "loaded_judgement",
        "attention sense urgency ownership initiative follow care",
        # "The new hire has zero attention to detail", "shows no sense of urgency".
        r"\b(?:has|have|had|shows?|showed|showing|with|displays?|displayed)\s+(?P<t>(?:zero|no|little|poor|absolutely\s+no|no\s+real|not\s+an\s+ounce\s+of)\s+"
        r"(?:attention\s+to\s+detail|sense\s+of\s+(?:urgency|ownership|responsibility)|ownership|initiative|follow-through|care\s+for\s+(?:quality|detail)))\b",
        _person_subject,
    ),
    compile_rule(
        "person_judgement", "loaded_judgement",
        "manage even",
        # "HR couldn't manage even that": a person measured against the smallest possible task.
        r"\b(?P<t>(?:couldn't|couldn’t|could\s+not|can't|can’t|cannot|failed\s+to|didn't|didn’t|did\s+not)\s+(?:even\s+)?(?:manage|do|handle|get)\s+"
        r"(?:even\s+(?:that|this|the\s+basics|a\s+\w+)|that\s+much|so\s+much\s+as)|(?:couldn't|couldn’t|could\s+not|can't|can’t|cannot)\s+even\s+manage\s+(?:that|this|it))",
        _not_system_subject,
    ),
    compile_rule(
        "person_judgement", "loaded_judgement",
        "cut depth over head liability dead weak loose waste joke disaster menace one",
        # "Tom is simply not cut out for on-call", "our DBA is a liability", "the lead had one job".
        r"\b(?:is|was|are|were|'s|’s|seems|seemed|proved|proved\s+to\s+be|has\s+been|had\s+been)\s+(?:\w+ly\s+|just\s+|frankly\s+|clearly\s+)?"
        r"(?P<t>not\s+cut\s+out\s+for|(?:way\s+|completely\s+)?out\s+of\s+(?:his|her|their|your)\s+depth|in\s+over\s+(?:his|her|their|your)\s+heads?"
        r"|not\s+up\s+to\s+(?:the\s+(?:job|task|role)|it|this)|(?:a|the)\s+(?:real\s+|total\s+|complete\s+|massive\s+)?(?:liability|weak\s+link|loose\s+cannon|menace|joke|waste\s+of\s+space|dead\s+weight)"
        r"|dead\s+weight)\b"
        r"|\b(?:had|has|have)\s+(?P<t2>(?:one|a\s+single|only\s+one)\s+job)\b",
        _not_system_subject,
    ),
]

