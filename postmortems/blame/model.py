"""The learned sentence model: a logistic regression over words, embeddings and hand-made features.

Three blocks of input, each weighted as training chose: TF-IDF of words and word pairs
(lexical.py; the strongest signal across writers), the sentence's mean static embedding
(embeddings.py; carries meaning to words the training data never used) and the hand-made
features (features.py: who the sentence is about, modal + perfect, negativity near a person,
and which rule categories fired).

It reads a small JSON artefact of coefficients (trained/sentence_model.json, rebuilt by
`python manage.py train_blame_model`), so running it needs only numpy. The rules still
give spans, reasons and rewrites; the model decides whether a sentence reads as blame.
"""
import json
from pathlib import Path

import numpy as np

from . import embeddings, features, lexical
from .sentences import plain_text
from .findings import CATEGORIES

ARTEFACT = Path(__file__).parent / "trained" / "sentence_model.json"
FORMAT = 2


class ArtefactMismatch(ValueError):
    """The artefact was trained on other features than this code computes."""


class SentenceModel:
    """Blame probability and most likely category for each sentence."""

    def __init__(self, artefact):
        if artefact.get("format") != FORMAT or tuple(artefact["features"]) != features.FEATURE_NAMES:
            raise ArtefactMismatch("The blame model artefact does not match this code: run train_blame_model.")
        self.artefact = artefact
        # The dense block's weight is folded into scale, the lexical block's into its coefficients.
        self.mean = np.array(artefact["mean"], dtype=np.float64)
        self.scale = np.array(artefact["scale"], dtype=np.float64) / float(artefact["dense_weight"])
        self.coef = np.array(artefact["blame"]["coef"], dtype=np.float64)
        self.intercept = float(artefact["blame"]["intercept"])
        self.threshold = float(artefact["threshold"])
        self.veto_below = float(artefact["veto_below"])
        self.category_labels = list(artefact["categories"]["labels"])
        self.category_coef = np.array(artefact["categories"]["coef"], dtype=np.float64)
        self.category_intercept = np.array(artefact["categories"]["intercept"], dtype=np.float64)
        self.lexical_table = {term: (pair[0], pair[1]) for term, pair in artefact["lexical"].items()}
        # sentence wording → (probability, category): a sentence's score depends only on its wording
        # (the rule categories that fired are themselves a function of it).
        self.memo = {}

    def score(self, sentences, rule_categories):
        """(probabilities, categories): P(blame) and the likeliest blame category per sentence."""
        if not sentences:
            return np.zeros(0), []
        matrix = (vectors(sentences, rule_categories) - self.mean) / self.scale
        lexical_scores = np.array([self.lexical_score(plain_text(sentence)) for sentence in sentences])
        probabilities = 1.0 / (1.0 + np.exp(-(matrix @ self.coef + lexical_scores + self.intercept)))
        category_scores = matrix @ self.category_coef.T + self.category_intercept
        categories = [self.category_labels[index] for index in category_scores.argmax(axis=1)]
        return probabilities, categories

    def score_remembered(self, sentences, rule_categories):
        """score(), reading sentences already scored from the memo and scoring the rest in one batch."""
        from .detector import remember

        results = [self.memo.get(sentence.text) for sentence in sentences]
        missing = [index for index, result in enumerate(results) if result is None]
        if missing:
            probabilities, categories = self.score([sentences[i] for i in missing],
                                                   [rule_categories[i] for i in missing])
            for index, probability, category in zip(missing, probabilities, categories):
                results[index] = (float(probability), category)
                remember(self.memo, sentences[index].text, results[index])
        return [result[0] for result in results], [result[1] for result in results]

    def lexical_score(self, text):
        """The lexical block's contribution: TF-IDF weights (lexical.weights) · coefficients, in one pass."""
        return lexical.dot(text, self.lexical_table)


def vectors(sentences, rule_categories):
    """The model's input matrix: embedding columns then FEATURE_NAMES columns, one row per sentence."""
    embedded = embeddings.embeddings().embed([plain_text(sentence) for sentence in sentences])
    handmade = np.array(
        [features.sentence_features(sentence, found) for sentence, found in zip(sentences, rule_categories)],
        dtype=np.float64,
    )
    return np.hstack([embedded.astype(np.float64), handmade])


def load(path=ARTEFACT):
    """The model in the artefact at path, or None when there is none (the rules then work alone)."""
    path = Path(path)
    if not path.exists():
        return None
    return SentenceModel(json.loads(path.read_text(encoding="utf-8")))


_shipped = embeddings.OncePerProcess(lambda: load())


def default_model():
    """The shipped model, loaded once per process; None when the artefact or wordllama is missing."""
    return _shipped.get()


def reset_default_model():
    """Forget the cached model, so the next analysis reads the artefact again (after retraining)."""
    _shipped.reset()


__all__ = ["ARTEFACT", "CATEGORIES", "SentenceModel", "default_model", "load", "reset_default_model", "vectors"]
