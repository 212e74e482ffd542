"""Action-item quality check: flag items that are vague, rely on vigilance, bundle changes,
or have no owner or due date. Plain Python, no Django.

Rules name the problem and offer a rewrite pattern; a learned model (trained on the
labelled items in training/action_items/) decides whether the wording is weak, so a
short but concrete item ("Enable TLS on the staging ingress") is not flagged for
being short, and a vague one without a trigger word is.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import embeddings, lexical

ARTEFACT = Path(__file__).parent / "trained" / "action_item_model.json"
FORMAT = 2
WORDING_CATEGORIES = ("vague", "vigilance", "bundled")
CATEGORIES = (*WORDING_CATEGORIES, "no_owner", "no_due_date")

MESSAGES = {
    "vague": "This names an area to work on but no concrete change, so nobody can tell when it is done.",
    "vigilance": "This relies on people trying harder. Vigilance fades and new people never hear it; change the system instead.",
    "bundled": "This bundles several changes, so it can never be cleanly closed and its parts stall each other.",
    "no_owner": "No owner: an item that nobody owns is an item that nobody does.",
    "no_due_date": "No due date: without one the item never comes up in reminders or on the dashboard as due.",
}
SUGGESTIONS = {
    "vague": "Name the change and its outcome, e.g. “Alert when <signal> exceeds <threshold> for <duration>” "
             "or “Add <check> to <pipeline> so that <failure> is blocked before release”.",
    "vigilance": "Make the safe path the default, e.g. “Make <tool> ask for confirmation before <risky step>” "
                 "or “Add <step> to the <checklist/form> so it cannot be skipped”.",
    "bundled": "Split it into one item per change, each with its own owner and due date.",
    "no_owner": "Assign one person to drive it; they need not do all the work.",
    "no_due_date": "Pick a date, even a rough one; it can be moved with a reason later.",
}
LABELS = {
    "vague": "Vague", "vigilance": "Relies on vigilance", "bundled": "Several changes in one",
    "no_owner": "No owner", "no_due_date": "No due date",
}

_VAGUE_START = re.compile(
    r"^\s*(?:(?:we|team|everyone)\s+(?:should|must|need to|will)\s+)?(?:try to\s+)?"
    r"(?:improve|investigate|look\s+into|look\s+at|review|revisit|reconsider|consider|think\s+about|explore|discuss|"
    r"assess|evaluate|examine|analy[sz]e|understand|research|work\s+on|address|tackle|optimi[sz]e|enhance|"
    r"better|more|increase|reduce|strengthen|streamline|clarify|rethink|follow\s+up(?:\s+on)?|check\s+on|"
    r"make\s+\w+(?:\s+\w+)?\s+(?:better|safer|clearer|easier|more\s+\w+|less\s+\w+))\b",
    re.IGNORECASE,
)
_VIGILANCE = re.compile(
    r"\b(?:be\s+(?:more\s+)?(?:careful|mindful|vigilant|aware|attentive|diligent|thorough|cautious)|"
    r"more\s+(?:careful(?:ly)?|mindful|vigilant|attention|diligen\w+|thorough\w*|caution)|"
    r"pay\s+(?:closer|more)?\s*attention|double[- ]check|triple[- ]check|"
    r"remind\w*\s+(?:the\s+|all\s+|our\s+)?(?:team|everyone|engineers|people|staff|managers|him|her|them|devs|developers)|"
    r"re-?train\w*|(?:tell|ask|instruct|encourage|urge)\s+(?:the\s+|all\s+)?(?:team|everyone|engineers|people|staff|managers|devs|developers)\s+to|"
    r"make\s+sure\s+to|don'?t\s+forget|try\s+harder|communicate\s+better|take\s+more\s+care|"
    r"(?:should|must|need\s+to)\s+(?:always|remember|read|check|follow|be)\b)",
    re.IGNORECASE,
)
_CONCRETE = re.compile(r"\d|\bwhen\b|\bexceeds?\b|\bso that\b|\bbefore\b|\bwithin\b|\bafter\b|\bper\b|\bevery\b", re.IGNORECASE)
_SEGMENT_SPLIT = re.compile(r"\s*(?:;|,\s*(?:and\s+|then\s+)?|\band\s+(?:then\s+)?|\bthen\s+|\+|&)\s*", re.IGNORECASE)
_ACTION_VERBS = frozenset("""
add alert automate block build change configure create delete deploy disable document enable enforce fix implement
install introduce limit merge migrate move publish remove rename replace require restrict rewrite rotate run schedule
set split switch test track update upgrade write assign audit backfill cap extend hire pin roll schedule share train
""".split())

FEATURE_NAMES = ("vague_start", "vigilance", "segments", "concrete", "words", "question")


@dataclass(frozen=True)
class ActionFinding:
    """One reason an action item is weak: category, why, a rewrite pattern, and the item's wording."""

    category: str
    message: str
    suggestion: str
    text: str = ""

    @property
    def label(self):
        return LABELS[self.category]


def action_segments(text):
    """How many independent changes the text lists: segments that start with an action verb."""
    parts = [part.strip().lower() for part in _SEGMENT_SPLIT.split(text) if part and part.strip()]
    return sum(1 for part in parts if part.split()[0].strip(".,:") in _ACTION_VERBS)


def rule_categories(text):
    """The wording categories the rules see in an item's text."""
    found = []
    if _VIGILANCE.search(text):
        found.append("vigilance")
    if _VAGUE_START.search(text) and not _CONCRETE.search(text):
        found.append("vague")
    if action_segments(text) >= 3 or (action_segments(text) >= 2 and len(text.split()) > 10):
        found.append("bundled")
    return found


def item_features(text, found):
    words = text.split()
    return [
        float("vague" in found or bool(_VAGUE_START.search(text))),
        float("vigilance" in found),
        min(action_segments(text), 3) / 3,
        float(bool(_CONCRETE.search(text))),
        min(len(words), 30) / 30,
        float("?" in text),
    ]


def vectors(texts):
    found = [rule_categories(text) for text in texts]
    embedded = embeddings.embeddings().embed(list(texts)).astype(np.float64)
    handmade = np.array([item_features(text, f) for text, f in zip(texts, found)], dtype=np.float64).reshape(len(texts), -1)
    return np.hstack([embedded, handmade]), found


class ActionItemModel:
    """P(weak) and the likeliest weakness for an action item's wording."""

    def __init__(self, artefact):
        if artefact.get("format") != FORMAT or tuple(artefact["features"]) != FEATURE_NAMES:
            raise ValueError("The action-item model artefact does not match this code: run train_blame_model.")
        self.mean = np.array(artefact["mean"])
        self.scale = np.array(artefact["scale"]) / float(artefact["dense_weight"])
        self.lexical_table = {term: (pair[0], pair[1]) for term, pair in artefact["lexical"].items()}
        self.coef = np.array(artefact["weak"]["coef"])
        self.intercept = float(artefact["weak"]["intercept"])
        self.threshold = float(artefact["threshold"])
        self.veto_below = float(artefact["veto_below"])
        self.labels = list(artefact["categories"]["labels"])
        self.category_coef = np.array(artefact["categories"]["coef"])
        self.category_intercept = np.array(artefact["categories"]["intercept"])

    def score(self, matrix, texts):
        scaled = (matrix - self.mean) / self.scale
        lexical_scores = np.array([
            lexical.dot(text, self.lexical_table)
            for text in texts
        ])
        probabilities = 1.0 / (1.0 + np.exp(-(scaled @ self.coef + lexical_scores + self.intercept)))
        categories = [self.labels[i] for i in (scaled @ self.category_coef.T + self.category_intercept).argmax(axis=1)]
        return probabilities, categories


def wording_findings(texts, model=None):
    """For each text, the list of wording categories judged weak (model decides, rules explain)."""
    if not texts:
        return []
    matrix, found = vectors(texts)
    model = model or default_model()
    if model is None:
        return found
    probabilities, categories = model.score(matrix, texts)
    results = []
    for text, rule_found, probability, category in zip(texts, found, probabilities, categories):
        if rule_found:
            results.append(rule_found if probability >= model.veto_below else [])
        elif probability >= model.threshold:
            # "Several changes in one" needs several changes; otherwise the item is vague.
            results.append(["vague" if category == "bundled" and action_segments(text) < 2 else category])
        else:
            results.append([])
    return results


def check_items(items, model=None):
    """Findings for each item, a dict with title, description, has_owner, has_due_date.

    Returns one list of ActionFinding per item, in the order given.
    """
    texts = [_item_text(item) for item in items]
    wording = wording_findings([t for t in texts if t], model=model)
    wording_iter = iter(wording)
    results = []
    for item, text in zip(items, texts):
        categories = list(next(wording_iter)) if text else []
        if text and not item.get("has_owner", True):
            categories.append("no_owner")
        if text and not item.get("has_due_date", True):
            categories.append("no_due_date")
        title = (item.get("title") or "").strip()
        results.append([ActionFinding(c, MESSAGES[c], SUGGESTIONS[c], title) for c in categories])
    return results


def _item_text(item):
    title = (item.get("title") or "").strip()
    description = (item.get("description") or "").strip()
    return f"{title}. {description}" if title and description else title


def load(path=ARTEFACT):
    path = Path(path)
    if not path.exists():
        return None
    return ActionItemModel(json.loads(path.read_text(encoding="utf-8")))


_shipped = embeddings.OncePerProcess(lambda: load())


def default_model():
    """The shipped action-item model, loaded once per process; None when it cannot be."""
    return _shipped.get()


def reset_default_model():
    _shipped.reset()
