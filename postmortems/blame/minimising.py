"""Minimising: "just", "simply", "all they had to do" shrinking the difficulty of someone's work."""
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


def _not_negated(sentence, match):
    return not is_negated(sentence, trigger_span(match)[0], window=2) and not is_about_blame(sentence.text)


def _imperative_just(sentence, match):
    following = match.group("next").lower()
    if following in _NOT_MINIMISING_AFTER_JUST or following.endswith("ing"):
        return False
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
        r"\b(?P<t>(?:would have|would've|only|just)\s+(?:taken|takes|took|take)\s+(?:only\s+|just\s+)?(?:a few|a couple of|five|two|ten|one|a|\d+)\s+(?:seconds|minutes|minute|second|clicks?|lines?))\b",
        _not_negated,
    ),
    compile_rule(
        "how_hard", "minimising",
        "hard rocket",
        r"\b(?P<t>how hard (?:is|was|can|could) it(?: be)?|(?:isn't|is not|wasn't|was not|not|isn’t|wasn’t)\s+(?:exactly\s+)?rocket science)",
    ),
]
