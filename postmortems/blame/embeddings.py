"""Static word embeddings that ship inside the wordllama wheel, read by explicit path.

wordllama's own loader looks for its tokenizer under `tokenizer/` and may reach for a
model hub; the wheel ships the files under `tokenizers/` and `weights/`, so we open
those two files ourselves. Nothing is downloaded, at install or at run time.
"""
import importlib.util
import threading
from pathlib import Path

import numpy as np

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
DIMENSIONS = 256


class EmbeddingsMissing(RuntimeError):
    """The wordllama package (and so the embedding files) is not installed."""


class StaticEmbeddings:
    """Sentence vectors as the normalised mean of their tokens' static embeddings."""

    def __init__(self, root):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        table = load_file(str(root / WEIGHTS))["embedding.weight"]
        self.table = np.ascontiguousarray(table.astype(np.float32))
        self.tokenizer = Tokenizer.from_file(str(root / TOKENIZER))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    def embed(self, texts):
        """An (n, 256) float32 array, one unit-length row per text (zeros for a text without tokens)."""
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.array([len(encoding.ids) for encoding in encodings])
        present = lengths > 0
        if not present.any():
            return vectors
        ids = np.clip(np.concatenate([encoding.ids for encoding in encodings if encoding.ids]), 0, len(self.table) - 1)
        # One gather and one segmented sum for the whole batch instead of a loop per sentence.
        starts = np.concatenate([[0], np.cumsum(lengths[present])[:-1]])
        sums = np.add.reduceat(self.table[ids], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        vectors[present] = sums / np.where(norms > 0, norms, 1.0)
        return vectors


_loaded = None
_lock = threading.Lock()


def package_root():
    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise EmbeddingsMissing("The wordllama package is not installed: pip install -r requirements.txt")
    return Path(spec.origin).parent


def embeddings():
    """The process-wide embeddings, loaded once (about 0.1 s) on first use."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = StaticEmbeddings(package_root())
    return _loaded
