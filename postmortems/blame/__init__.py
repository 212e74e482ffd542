"""Blame-language detector for post-mortems: plain Python, no Django.

    from postmortems.blame import analyze
    for finding in analyze(text): print(finding.category, finding.text)
"""
from .detector import analyze
from .findings import CATEGORIES, Finding

__all__ = ["CATEGORIES", "Finding", "analyze"]
