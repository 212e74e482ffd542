"""Word and word-pair features (TF-IDF) for the learned model, computed without scikit-learn.

The same code builds the vocabulary at training time and reads it at run time, so the
artefact's numbers mean exactly what they meant when it was trained.
"""
import math
import re
from collections import Counter

_WORD = re.compile(r"(?u)\b\w\w+\b")


def terms(text):
    """Lower-cased words of two or more characters, and each adjacent pair of them."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def document_frequencies(texts):
    counts = Counter()
    for text in texts:
        counts.update(set(terms(text)))
    return counts


def idf_table(texts, min_df=2):
    """{term: inverse document frequency} for terms in at least min_df texts (smoothed, as usual)."""
    n = len(texts)
    return {term: math.log((1 + n) / (1 + df)) + 1 for term, df in document_frequencies(texts).items() if df >= min_df}


def weights(text, idf):
    """{term: weight}: sublinear term frequency × idf, scaled to unit length, for known terms only."""
    counts = Counter(term for term in terms(text) if term in idf)
    raw = {term: (1 + math.log(count)) * idf[term] for term, count in counts.items()}
    norm = math.sqrt(sum(value * value for value in raw.values()))
    return {term: value / norm for term, value in raw.items()} if norm else {}


def dot(text, table):
    """weights(text, idf) · coefficients without building the weights: table is {term: (idf, coef)}.

    Equal to sum(weight * coef) over weights(...), computed in one pass because it runs on
    every sentence of every document checked.
    """
    counts = Counter(term for term in terms(text) if term in table)
    total = norm = 0.0
    for term, count in counts.items():
        idf, coef = table[term]
        value = idf if count == 1 else (1 + math.log(count)) * idf
        total += value * coef
        norm += value * value
    return total / math.sqrt(norm) if norm else 0.0
