"""Blame-language detector for post-mortems: plain Python, no Django.

    from postmortems.blame import analyze
    for finding in analyze(text): print(finding.category, finding.text)

Rules (one module per category) find the wording and explain it; a learned sentence
model (model.py, trained by training.py) decides whether each sentence reads as blame.
"""
from .detector import analyze, sentence_at
from .findings import CATEGORIES, Finding
from .vocabulary import FlaggedTerm, Vocabulary

__all__ = ["CATEGORIES", "Finding", "FlaggedTerm", "Vocabulary", "analyze", "sentence_at"]
