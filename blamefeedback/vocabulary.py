"""The organisation's vocabulary for the blame check: terms never flagged and extra terms flagged."""
from postmortems.blame import FlaggedTerm, Vocabulary

from .models import VocabularyTerm


def current_vocabulary():
    """The vocabulary as stored now (one query), so a change applies to the very next check."""
    allowed, flagged = [], []
    for term, action, category, note in VocabularyTerm.objects.values_list("term", "action", "category", "note"):
        if action == VocabularyTerm.Action.ALLOW:
            allowed.append(term)
        else:
            flagged.append(FlaggedTerm(term, category=category, note=note))
    return Vocabulary(allowed=tuple(allowed), flagged=tuple(flagged))


def add_term(*, term, action, category, note, user):
    """Store a term; IntegrityError when the same term (in any case) is already there."""
    return VocabularyTerm.objects.create(
        term=term, action=action, category=category if action == VocabularyTerm.Action.FLAG else "",
        note=note, created_by=user,
    )
