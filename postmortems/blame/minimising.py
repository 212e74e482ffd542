"""Minimising: "just", "simply", "all they had to do" shrinking the difficulty of someone's work."""
import re

from . import subjects
from .context import is_about_blame, is_negated
from .rewrites import without_trigger
from .rules import compile_rule, subject_of, trigger_span

# "Just" as time ("just before", "had just joined") or precision ("just in time") is not minimising.
_NOT_MINIMISING_AFTER_JUST = frozenset("""
as like in now then before after because when to about over under the a an put said joined
started arrived finished left returned been become one enough
""".split())


def _about_someone_else(sentence, match):
    kind = subject_of(sentence, match)
    return kind not in (subjects.SYSTEM, subjects.SELF) and not is_about_blame(sentence.text)


def _someones_task(sentence, match):
    """Not the writer's own work and not a system's property ("the schema is not that complex")."""
    if is_about_blame(sentence.text):
        return False
    if re.match(r"[A-Z][a-z]+ing\b", sentence.text):
        # "Writing the runbook is not that difficult": a gerund subject names someone's task.
        return True
    kind = subject_of(sentence, match)
    if kind == subjects.SYSTEM:
        # A dummy "it" ("it's not that hard to check") points at someone's task.
        before = [t for t in sentence.tokens_before(trigger_span(match)[0]) if not t.lower.endswith("ly")]
        return bool(before) and before[-1].lower in ("it's", "it", "that's", "it’s")
    return kind == subjects.PERSON


def _not_negated(sentence, match):
    return not is_negated(sentence, trigger_span(match)[0], window=2) and not is_about_blame(sentence.text)


def _imperative_just(sentence, match):
    following = match.group("next").lower()
    if following in _NOT_MINIMISING_AFTER_JUST or following.endswith("ing"):
        return False
    return not is_about_blame(sentence.text)


def _not_about_blame_rule(sentence, match):
    return not is_about_blame(sentence.text)


def _drop(sentence, match):
    start, end = trigger_span(match)
    return f"“{without_trigger(sentence, start, end)}” — and say what the step actually involved."


RULES = [
    compile_rule(
        "only_had_to", "minimising",
        "just simply merely only",
        r"\b(?P<t>(?:just|simply|merely|only)\s+(?:had|needed|has|needs|have|need|got)\s+to)\b",
        _about_someone_else,
    ),
    compile_rule(
        "all_had_to", "minimising",
        "all",
        r"\b(?P<t>all\s+(?:[\w'’-]+\s+){1,2}?(?:had|needed|has|needs|have|need)\s+to\s+do)\b",
        _about_someone_else,
    ),
    compile_rule(
        "could_just", "minimising",
        "just simply merely",
        r"\b(?:could|should|can|would|might)(?:\s+have)?\s+(?P<t>just|simply|merely)(?:\s+have)?\s+[a-z]+",
        _about_someone_else, _drop,
    ),
    compile_rule(
        "just_a", "minimising",
        "just simply merely only",
        r"\b(?P<t>(?:just|simply|merely|only)\s+(?:a|an)\s+(?:quick|simple|small|tiny|one-line|one-liner|trivial|easy|minor|little)\s+[\w-]+)",
        _not_negated,
    ),
    compile_rule(
        "just_do", "minimising",
        "just simply",
        r"^(?:[-*+]\s+)?(?P<t>just|simply)\s+(?P<next>[a-z]+)",
        _imperative_just, _drop,
    ),
    compile_rule(
        "took_minutes", "minimising",
        "taken takes took take",
        r"\b(?P<t>(?:would\s+(?:only\s+|just\s+|have\s+only\s+)?have|would've|would|only|just|it'd have|it’d have|it'd only have|it’d only have)\s+(?:taken|takes|took|take)\s+"
        r"(?:(?:him|her|them|you|me|anyone|anybody|someone|the\s+[\w-]+|[A-Z][a-z]+)\s+)?(?:only\s+|just\s+|all of\s+|maybe\s+)?"
        r"(?:a few|a couple of|a|one|two|three|four|five|six|ten|fifteen|twenty|thirty|forty|sixty|ninety|\d+)\s+"
        r"(?:seconds|minutes|minute|second|clicks?|lines?|keystrokes?|commands?))\b",
        _not_negated,
    ),
    compile_rule(
        "merely_doing", "minimising",
        "merely simply just only",
        # "Merely switching the flag off would have stopped it": the alternative made to sound effortless.
        r"\b(?P<t>(?:merely|simply|just|only)\s+[a-z]+ing)\b(?=[^.;]{0,80}\b(?:would|could|might)(?:\s+\w+ly)?\s+have\b)",
        _not_negated,
    ),
    compile_rule(
        "trivial_task", "minimising",
        "trivial easy simple",
        # "Updating one record is trivial": the difficulty of someone's task waved away.
        r"^(?:[-*+]\s+)?[A-Z][a-z]+ing\b[^,;.]{0,60}?\b(?:is|was|are|were)\s+(?:so\s+|really\s+|pretty\s+|completely\s+)?(?P<t>trivial|a trivial\s+[\w-]+)\b",
        _not_negated,
    ),
    compile_rule(
        "how_hard", "minimising",
        "not difficult hard complicated complex",
        # "It's not that difficult to check", "the form isn't exactly hard".
        r"\b(?P<t>(?:isn't|wasn't|isn’t|wasn’t|is not|was not|not)\s+(?:that|all that|exactly|particularly|very|so|terribly)\s+"
        r"(?:difficult|hard|complicated|complex|demanding|tricky))\b(?!\s+(?:a|an|the)\b)",
        _someones_task,
    ),
    compile_rule(
        "just_task", "minimising",
        "just merely only simply",
        # "It's just onboarding", "that was merely paperwork": someone's work dismissed as nothing.
        r"\b(?:it's|it’s|it is|it was|that's|that’s|that is|that was|this is|this was)\s+(?P<t>(?:just|merely|only|simply)\s+(?:a\s+|an\s+)?(?:few\s+)?"
        r"(?:(?!(?:start|begin|gett|go|be|happen|com|say|try|wonder|think|ask|learn|understand)ing\b)[a-z]+ing|onboarding|paperwork|admin|form|forms"
        r"|email|emails|config|config change|checkbox|checkboxes|button|click|clicks|copy-paste|formality|line|command|one-liner|phone call|call"
        r"|spreadsheet|data entry|ticket|restart|reboot|rename|typo|toggle|switch))\b",
        _not_negated,
    ),
    compile_rule(
        "just_task", "minimising",
        "all literally single one ask asking",
        # "Clicking one button is all it takes", "it's literally one command".
        r"\b(?P<t>(?:is|was)\s+all\s+it\s+(?:takes|took|needed|needs|would\s+have\s+taken|would've\s+taken|would\s+take)"
        r"|all\s+it\s+(?:takes|took|needed|needs|would\s+have\s+taken|would've\s+taken|would\s+take|'d\s+have\s+taken)\s+(?:is|was|would\s+have\s+been)"
        r"|it\s+(?:only\s+|just\s+)?(?:takes|took)\s+(?:only\s+|just\s+)?(?:a\s+few|a\s+couple\s+of|two|five|ten|thirty|a|one|\d+)\s+(?:seconds?|minutes?|clicks?)"
        r"\s+to\s+(?:check|look|read|ask|verify|confirm|glance|scroll|search|test|double-check|ping|message|reply|answer)"
        r"|(?:hardly|not|isn't|wasn't|isn’t|wasn’t|is not|was not)\s+(?:a\s+)?(?:big|huge|lot|much|great)\s+(?:to\s+)?ask"
        r"|not\s+asking\s+(?:a\s+lot|much|too\s+much)"
        r"|literally\s+(?:just\s+)?(?:one|a\s+single|a|two)\s+(?:command|click|clicks|line|lines|button|checkbox|flag|step|field|setting)"
        r"|literally\s+(?:just\s+)?(?:a|an|one)\s+(?:one|two|single|five|ten|thirty|\d+)-(?:line|click|minute|second|word|character|step)\s+[\w-]+)\b",
        _not_negated,
    ),
    compile_rule(
        "trivial_task", "minimising",
        "minute second",
        # "Rotating a key is a five-minute job."
        r"\b(?:is|was|are|were)\s+(?P<t>(?:a|an|just\s+a|only\s+a)\s+(?:one|two|five|ten|thirty|\d+)-(?:second|minute)\s+(?:job|task|fix|change|thing|check))\b",
        _not_negated,
    ),
    compile_rule(
        "how_hard", "minimising",
        "hard rocket",
        r"\b(?P<t>how hard (?:is|was|can|could) it(?: be)?|(?:isn't|is not|wasn't|was not|not|isn’t|wasn’t)\s+(?:exactly\s+)?rocket science)",
    ),
    compile_rule(
        "how_hard", "minimising",
        "hard difficult complicated rocket science",
        # "It isn't hard: you simply read the error message", "It's not rocket science: you just check the calendar".
        r"\b(?P<t>(?:it|this|that)(?:'s|’s|\s+is|\s+was)?\s*(?:n't|n’t|not|isn't|isn’t|wasn't|wasn’t)\s+(?:exactly\s+)?(?:hard|difficult|complicated|complex|rocket\s+science|brain\s+surgery))"
        r"\s*[:;,—–-]+\s*(?:you|they|he|she|all\s+you|just|simply|one)\b",
        _not_about_blame_rule,
    ),
    compile_rule(
        "merely_doing", "minimising",
        "merely simply just only",
        # "Escalating merely meant clicking one button": a gerund subject (someone's task) shrunk to nothing.
        r"^(?:[-*+]\s+)?[A-Z][a-z]+ing\b[^,;.]{0,40}?\s+(?P<t>(?:merely|simply|just)\s+(?:meant|required|involved|took|needed))\b",
        _not_negated,
    ),
]
