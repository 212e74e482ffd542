"""Train the sentence model from the labelled corpus in training/ and write its artefact.

Plain functions, no Django: `python manage.py train_blame_model` calls train_and_write().
The test split (TEST_WRITERS: every sentence of one writer the others never saw) is never
used for fitting or for choosing thresholds; choices are made by cross-validation that
leaves one writer out at a time, so figures reflect prose from a writer the model has not read.
"""
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import lexical
from . import model as model_module
from .detector import rule_findings
from .features import FEATURE_NAMES
from .findings import CATEGORIES
from .markdown import prose_mask
from .detector import model_may_flag as detector_model_may_flag
from .sentences import plain_text, split_sentences, whole_sentence

TRAINING_DIR = Path(__file__).parent / "training"
SENTENCE_DIR = TRAINING_DIR / "sentences"
TEST_WRITERS = frozenset({"w7", "w11"})
C_GRID = (1.0,)
# Relative weight of the input blocks, chosen by leave-one-writer-out CV on the train split:
# the lexical block carries most of the signal, the dense one (embedding + features) refines it.
DENSE_WEIGHT = 0.3
LEXICAL_WEIGHT = 12.0
MIN_DF = 2
# How sure the model must be. A sentence no rule explains is flagged at 0.8, and only when it is
# about someone (detector.model_may_flag): such a finding has no span or rewrite and costs the
# author most. Chosen with leave-one-writer-out CV on the train split together with two sets
# that are not training data: our own realistic post-mortems (the demo organisation, where every
# model-only finding is a false alarm) and the evaluation sets of real published prose. With
# CV's own optimum (about 0.5, no person gate) the model fired on lessons, timeline lines and
# essays about blame culture. Rule findings stand unless the model is very sure the sentence is
# blameless (below 0.05): at 0.15 and above, the veto removed true findings on our evaluation
# sets and no false alarm there. With sixteen writers the model grew surer of itself: at 0.75 it
# flagged 11 sentences of the demo organisation's 524 texts (all false alarms, 8 before), at 0.8
# seven; 0.8 keeps realistic prose as quiet as before while catching more on every labelled set.
MODEL_ONLY_THRESHOLD = 0.8
RULE_VETO_BELOW = 0.05
SEED = 0


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    blame: bool
    category: str
    kind: str
    writer: str


def labelled_rows(paths, labels):
    """(path, row) for each line of the JSON Lines files, refusing a label not in labels."""
    for path in sorted(Path(p) for p in paths):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in labels:
                raise ValueError(f"{path}:{number}: label must be one of {', '.join(labels)}")
            yield path, number, row


def load_examples(paths):
    """Examples from JSON Lines files in the shared corpus format (writer defaults to the file's stem)."""
    examples = []
    for path, number, row in labelled_rows(paths, ("blame", "blameless")):
        category = row.get("category", "none")
        if row["label"] == "blame" and category not in CATEGORIES:
            raise ValueError(f"{path}:{number}: unknown category {category!r}")
        examples.append(Example(str(row["id"]), row["text"], row["label"] == "blame", category,
                                row.get("kind", "technical"), row.get("writer") or path.stem))
    return examples


def corpus_files():
    return sorted(SENTENCE_DIR.glob("*.jsonl"))


def split(examples):
    """(train, test): the test split is every example by a writer in TEST_WRITERS."""
    train = [e for e in examples if e.writer not in TEST_WRITERS]
    test = [e for e in examples if e.writer in TEST_WRITERS]
    return train, test


def example_vectors(examples):
    """Model input rows for training lines: the rules run sentence by sentence, the model reads the line."""
    sentences, rule_sets = [], []
    for example in examples:
        masked = prose_mask(example.text)
        found = set()
        for sentence in split_sentences(masked):
            found |= {finding.category for finding in rule_findings(example.text, sentence)}
        sentences.append(whole_sentence(masked))
        rule_sets.append(found)
    return model_module.vectors(sentences, rule_sets)


def lexical_matrix(texts, idf):
    """Sparse TF-IDF rows over the vocabulary idf (term → column in sorted order)."""
    from scipy import sparse

    columns = {term: index for index, term in enumerate(sorted(idf))}
    rows, cols, values = [], [], []
    for row, text in enumerate(texts):
        for term, weight in lexical.weights(text, idf).items():
            rows.append(row)
            cols.append(columns[term])
            values.append(weight)
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(texts), len(columns)))


def fit(train, *, c_grid=C_GRID):
    """The artefact dict for a model fitted on train, thresholds chosen by leave-one-writer-out CV."""
    from scipy import sparse

    matrix = example_vectors(train)
    labels = np.array([e.blame for e in train])
    groups = np.array([e.writer for e in train])
    mean, scale = matrix.mean(axis=0), matrix.std(axis=0)
    scale[scale < 1e-6] = 1.0
    dense = (matrix - mean) / scale * DENSE_WEIGHT
    plain = [plain_text(whole_sentence(prose_mask(e.text))) for e in train]
    idf = lexical.idf_table(plain, min_df=MIN_DF)
    combined = sparse.hstack([sparse.csr_matrix(dense), lexical_matrix(plain, idf) * LEXICAL_WEIGHT]).tocsr()
    rules_fired = matrix[:, matrix.shape[1] - len(FEATURE_NAMES) + FEATURE_NAMES.index("rule_any")] > 0
    eligible = np.array([model_may_flag(e.text) for e in train])

    threshold, veto = MODEL_ONLY_THRESHOLD, RULE_VETO_BELOW
    best = None
    for c in c_grid:
        out_of_fold = _out_of_fold(combined, labels, groups, c)
        precision, recall = _precision_recall(_decisions(out_of_fold, rules_fired, threshold, veto, eligible), labels)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if best is None or f1 > best[1] + 1e-9:
            best = (c, f1, out_of_fold)
    c, cv_f1, out_of_fold = best

    classifier = _logistic(c).fit(combined, labels)
    coef = classifier.coef_[0]
    blame_rows = labels.astype(bool)
    category_labels = np.array([e.category for e in train])[blame_rows]
    categories = _logistic(1.0, multiclass=True).fit(dense[blame_rows], category_labels)
    precision, recall = _precision_recall(_decisions(out_of_fold, rules_fired, threshold, veto, eligible), labels)
    dense_coef = coef[:dense.shape[1]]
    lexical_coef = coef[dense.shape[1]:] * LEXICAL_WEIGHT
    return {
        "format": model_module.FORMAT,
        "embedding": "wordllama " + Path(model_module.embeddings.WEIGHTS).stem,
        "features": list(FEATURE_NAMES),
        "dense_weight": DENSE_WEIGHT,
        "mean": _rounded(mean), "scale": _rounded(scale),
        "blame": {"coef": _rounded(dense_coef), "intercept": round(float(classifier.intercept_[0]), 6)},
        "lexical": {term: [round(idf[term], 6), float(f"{value:.6g}")]
                    for term, value in zip(sorted(idf), lexical_coef)},
        "threshold": round(threshold, 4), "veto_below": round(veto, 4),
        "categories": {"labels": [str(label) for label in categories.classes_],
                       "coef": [_rounded(row) for row in categories.coef_],
                       "intercept": _rounded(categories.intercept_)},
        "training": {"examples": len(train), "blame": int(labels.sum()), "writers": sorted(set(groups.tolist())),
                     "sha256": _digest(train), "C": c,
                     "cross_validation": {"precision": round(precision, 4), "recall": round(recall, 4),
                                          "f1": round(cv_f1, 4)}},
    }


def model_may_flag(text):
    """Whether the detector lets the model alone flag this line (detector.model_may_flag)."""
    return detector_model_may_flag(whole_sentence(prose_mask(text)))


def _logistic(c, multiclass=False):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced" if multiclass else None,
                              random_state=SEED)


def _out_of_fold(scaled, labels, groups, c):
    probabilities = np.zeros(len(labels))
    for writer in sorted(set(groups.tolist())):
        held = groups == writer
        if held.all():
            return _logistic(c).fit(scaled, labels).predict_proba(scaled)[:, 1]
        fitted = _logistic(c).fit(scaled[~held], labels[~held])
        probabilities[held] = fitted.predict_proba(scaled[held])[:, 1]
    return probabilities


def _decisions(probabilities, rules_fired, threshold, veto, eligible):
    """As detector._decide: rule findings stand above veto; the model alone flags eligible lines."""
    return np.where(rules_fired, probabilities >= veto, eligible & (probabilities >= threshold))


def _precision_recall(decisions, labels):
    tp = float(np.sum(decisions & labels))
    precision = tp / max(float(decisions.sum()), 1.0)
    recall = tp / max(float(labels.sum()), 1.0)
    return precision, recall


def _rounded(values):
    return [float(f"{float(value):.6g}") for value in values]


def _digest(examples):
    raw = "\n".join(f"{e.id}\t{e.blame}\t{e.category}\t{e.text}" for e in examples)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def evaluate(model, examples):
    """Sentence-level figures of analyze() with model on examples: precision, recall, F1, by kind."""
    from .detector import analyze

    flagged = [bool(analyze(e.text, model=model)) for e in examples]
    return _figures(examples, flagged)


def _figures(examples, flagged):
    def prf(rows):
        tp = sum(1 for e, f in rows if e.blame and f)
        fp = sum(1 for e, f in rows if not e.blame and f)
        fn = sum(1 for e, f in rows if e.blame and not f)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
                "n": len(rows)}

    pairs = list(zip(examples, flagged))
    return {"all": prf(pairs), **{kind: prf([(e, f) for e, f in pairs if e.kind == kind]) for kind in ("technical", "people")}}


def write_artefact(artefact, path=model_module.ARTEFACT):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(artefact, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    model_module.reset_default_model()


def train_and_write(*, extra_examples=(), path=model_module.ARTEFACT):
    """Fit on the committed corpus's train split (plus extra_examples), write the artefact, return figures."""
    train, test = split(load_examples(corpus_files()))
    artefact = fit(train + list(extra_examples))
    write_artefact(artefact, path)
    fitted = model_module.SentenceModel(artefact)
    return {"artefact": artefact, "test": evaluate(fitted, test) if test else None,
            "test_rules_only": evaluate(None, test) if test else None}


# --- Action-item quality check -------------------------------------------------------------

ACTION_ITEM_DIR = TRAINING_DIR / "action_items"


@dataclass(frozen=True)
class ActionExample:
    id: str
    text: str
    weak: bool
    category: str
    kind: str


def load_action_examples(paths=None):
    return [
        ActionExample(str(row["id"]), row["text"], row["label"] == "weak", row.get("category", "none"),
                      row.get("kind", "technical"))
        for _path, _number, row in labelled_rows(paths or ACTION_ITEM_DIR.glob("*.jsonl"), ("good", "weak"))
    ]


def split_action_examples(examples):
    """(train, test): a fixed quarter of the items, chosen by a hash of their id, is the test split."""
    def in_test(example):
        return int(hashlib.sha256(example.id.encode()).hexdigest(), 16) % 4 == 0

    return [e for e in examples if not in_test(e)], [e for e in examples if in_test(e)]


# The action-item check decides like the sentence check: rule findings stand unless the model is
# very sure the item is fine; the model alone flags an item no rule explains only at 0.9. Short
# concrete items ("Alert on pool saturation") scored 0.7–0.85 on a model trained on a few hundred
# items, and a false "weak" verdict on a good item teaches authors to ignore the check.
ACTION_MODEL_ONLY_THRESHOLD = 0.9
ACTION_RULE_VETO_BELOW = 0.05


def fit_action_items(train, *, c=1.0):
    """The action-item artefact, with figures from 5-fold CV (folds by a hash of the id)."""
    from scipy import sparse

    from . import action_items

    matrix, found = action_items.vectors([e.text for e in train])
    labels = np.array([e.weak for e in train])
    mean, scale = matrix.mean(axis=0), matrix.std(axis=0)
    scale[scale < 1e-6] = 1.0
    dense = (matrix - mean) / scale * DENSE_WEIGHT
    texts = [e.text for e in train]
    idf = lexical.idf_table(texts, min_df=MIN_DF)
    combined = sparse.hstack([sparse.csr_matrix(dense), lexical_matrix(texts, idf) * LEXICAL_WEIGHT]).tocsr()
    folds = np.array([int(hashlib.sha256(e.id.encode()).hexdigest(), 16) % 5 for e in train])
    out_of_fold = _out_of_fold(combined, labels, folds, c)
    rules_fired = np.array([bool(f) for f in found])
    decisions = np.where(rules_fired, out_of_fold >= ACTION_RULE_VETO_BELOW, out_of_fold >= ACTION_MODEL_ONLY_THRESHOLD)
    precision, recall = _precision_recall(decisions, labels)
    classifier = _logistic(c).fit(combined, labels)
    coef = classifier.coef_[0]
    weak = labels.astype(bool)
    categories = _logistic(1.0, multiclass=True).fit(dense[weak], np.array([e.category for e in train])[weak])
    return {
        "format": action_items.FORMAT, "features": list(action_items.FEATURE_NAMES),
        "dense_weight": DENSE_WEIGHT, "mean": _rounded(mean), "scale": _rounded(scale),
        "weak": {"coef": _rounded(coef[:dense.shape[1]]), "intercept": round(float(classifier.intercept_[0]), 6)},
        "lexical": {term: [round(idf[term], 6), float(f"{value:.6g}")]
                    for term, value in zip(sorted(idf), coef[dense.shape[1]:] * LEXICAL_WEIGHT)},
        "threshold": ACTION_MODEL_ONLY_THRESHOLD, "veto_below": ACTION_RULE_VETO_BELOW,
        "categories": {"labels": [str(label) for label in categories.classes_],
                       "coef": [_rounded(row) for row in categories.coef_], "intercept": _rounded(categories.intercept_)},
        "training": {"examples": len(train), "weak": int(labels.sum()), "C": c,
                     "sha256": hashlib.sha256("\n".join(f"{e.id}\t{e.weak}\t{e.text}" for e in train).encode()).hexdigest(),
                     "cross_validation": {"precision": round(precision, 4), "recall": round(recall, 4)}},
    }


def evaluate_action_items(model, examples):
    from . import action_items

    flagged = [bool(found) for found in action_items.wording_findings([e.text for e in examples], model=model)]
    tp = sum(1 for e, f in zip(examples, flagged) if e.weak and f)
    fp = sum(1 for e, f in zip(examples, flagged) if not e.weak and f)
    fn = sum(1 for e, f in zip(examples, flagged) if e.weak and not f)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "n": len(examples)}


def train_action_items_and_write(path=None):
    from . import action_items

    path = Path(path or action_items.ARTEFACT)
    train, test = split_action_examples(load_action_examples())
    artefact = fit_action_items(train)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(artefact, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    action_items.reset_default_model()
    return {"artefact": artefact, "test": evaluate_action_items(action_items.ActionItemModel(artefact), test),
            "test_rules_only": _rules_only_action_figures(test)}


def _rules_only_action_figures(examples):
    from . import action_items

    flagged = [bool(action_items.rule_categories(e.text)) for e in examples]
    tp = sum(1 for e, f in zip(examples, flagged) if e.weak and f)
    fp = sum(1 for e, f in zip(examples, flagged) if not e.weak and f)
    fn = sum(1 for e, f in zip(examples, flagged) if e.weak and not f)
    return {"precision": round(tp / (tp + fp), 3) if tp + fp else 0.0, "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0}
