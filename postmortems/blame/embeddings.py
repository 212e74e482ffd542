"""Static word embeddings that ship inside the wordllama wheel, read by explicit path.

wordllama's own loader looks for its tokenizer under `tokenizer/` and may reach for a
model hub; the wheel ships the files under `tokenizers/` and `weights/`, so we open
those two files ourselves. Nothing is downloaded, at install or at run time.
"""
import importlib.util
import os
import threading
from pathlib import Path

import numpy as np

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
DIMENSIONS = 256

# One thread: a sentence batch is milliseconds of work, and tokenizers' thread pool burns more CPU
# spinning up and waiting than it saves (twice the CPU time on this 2-core machine). Web workers
# and Celery workers are processes anyway.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


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
        from scipy import sparse

        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # encode_batch_fast skips the character offsets we do not need (about 2.5x faster), and one
        # sparse (sentences x vocabulary) count matrix times the table sums every sentence's token
        # vectors in a single call.
        ids = [encoding.ids for encoding in self.tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)]
        lengths = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
        columns = np.clip(np.fromiter((i for row in ids for i in row), dtype=np.int64, count=int(lengths.sum())),
                          0, len(self.table) - 1)
        counts = sparse.csr_matrix(
            (np.ones(len(columns), dtype=np.float32), columns, np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(ids), len(self.table)),
        )
        sums = np.asarray(counts @ self.table, dtype=np.float32)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return sums / np.where(norms > 0, norms, 1.0)


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


class OncePerProcess:
    """A model built from a shipped artefact on first use, then kept; None when the artefact or the
    embeddings package is missing (the rules then work alone)."""

    def __init__(self, loader):
        self.loader = loader
        self.value = None
        self.loaded = False
        self.lock = threading.Lock()

    def get(self):
        if not self.loaded:
            with self.lock:
                if not self.loaded:
                    try:
                        embeddings()
                        self.value = self.loader()
                    except EmbeddingsMissing:
                        self.value = None
                    self.loaded = True
        return self.value

    def reset(self):
        """Forget the model, so the next use reads the artefact again (after retraining)."""
        with self.lock:
            self.value, self.loaded = None, False
