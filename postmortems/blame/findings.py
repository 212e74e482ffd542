"""The Finding record the detector returns for each flagged span."""
from dataclasses import asdict, dataclass

CATEGORIES = (
    "individual_blame",
    "counterfactual",
    "hindsight",
    "loaded_judgement",
    "minimising",
)


@dataclass(frozen=True, order=True)
class Finding:
    """One stretch of blaming language: where it is, what kind, why it hurts, what to write instead."""

    start: int
    end: int
    category: str
    text: str
    message: str
    suggestion: str = ""

    def as_dict(self):
        """Plain dict in the key order the command prints."""
        return asdict(self)
