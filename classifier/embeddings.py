"""Pretrained word vectors that load offline: WordLlama's 256-d token embeddings, per spaCy word.

WordLlama's wheel ships its embedding matrix (`wordllama/weights/`) and its tokenizer config
(`wordllama/tokenizers/`), but `WordLlama.load` looks for the tokenizer in a folder named
`tokenizer/` (singular) or in `<cache_dir>/tokenizers/`, and otherwise downloads it. We copy the
packaged config into our own cache folder and load with downloads disabled, so nothing is ever
fetched.

A section's vector is WordLlama's own mean pooling over its subword tokens, computed per spaCy
word: each distinct word is encoded once and remembered as (sum of its subword vectors, number of
subwords), so a section costs a table look-up per word instead of a tokenizer pass.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from spacy.attrs import IDX, IS_ALPHA, LOWER
from spacy.tokens import Doc

WORDLLAMA_CONFIG = "l2_supercat"
DIM = 256
CACHE_ENV = "BILLWATCH_WORDLLAMA_CACHE"
_TOKENIZER_FILE = f"{WORDLLAMA_CONFIG}_tokenizer_config.json"


class EmbeddingsMissing(RuntimeError):
    """The packaged WordLlama files cannot be found or loaded."""


def _packaged_tokenizer() -> Path:
    """The tokenizer config inside the installed wordllama package."""
    import wordllama

    path = Path(wordllama.__file__).parent / "tokenizers" / _TOKENIZER_FILE
    if not path.is_file():
        raise EmbeddingsMissing(f"{path}: the wordllama package lacks its tokenizer config")
    return path


def _cache_dir() -> Path:
    """A writable folder holding `tokenizers/<config>` (the environment may name it)."""
    candidates = [os.environ.get(CACHE_ENV), Path.home() / ".cache" / "billwatch" / "wordllama"]
    candidates.append(str(Path(tempfile.gettempdir()) / f"billwatch-wordllama-{os.getuid()}"))
    source = _packaged_tokenizer()
    for candidate in candidates:
        if not candidate:
            continue
        folder = Path(candidate)
        target = folder / "tokenizers" / _TOKENIZER_FILE
        try:
            if not target.is_file() or target.stat().st_size != source.stat().st_size:
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(f".{os.getpid()}.part")
                shutil.copyfile(source, partial)
                partial.replace(target)  # atomic: a concurrent loader never reads half a file
            return folder
        except OSError:
            continue  # read-only home (CI, containers): try the next place
    raise EmbeddingsMissing("no writable folder for the WordLlama tokenizer config")


@lru_cache(maxsize=1)
def load_wordllama() -> Any:
    """WordLlama's packaged model, loaded with downloads disabled (never touches the network)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the tokenizers fallback must not download
    try:
        from wordllama import WordLlama

        return WordLlama.load(
            WORDLLAMA_CONFIG, cache_dir=_cache_dir(), dim=DIM, disable_download=True
        )
    except (ImportError, OSError, ValueError) as exc:
        raise EmbeddingsMissing(f"cannot load the packaged WordLlama embeddings: {exc}") from exc


@dataclass
class DocVectors:
    """Per live word of a doc: its row in the word table and its token index."""

    rows: np.ndarray
    tokens: np.ndarray


# Words the table holds at most: each costs its vector (1 KiB) and its row of each projection
# (3 KiB through the 768 hidden units), about 400 MiB at most.
MAX_WORDS = 100_000


class WordVectors:
    """Sum of subword vectors and subword count of every word seen, keyed by spaCy's LOWER."""

    def __init__(self, model: Any | None = None, max_words: int = MAX_WORDS) -> None:
        model = model if model is not None else load_wordllama()
        self.embedding: np.ndarray = model.embedding
        self.tokenizer = model.tokenizer.__class__.from_str(model.tokenizer.to_str())
        self.tokenizer.no_padding()
        self.index: dict[int, int] = {}
        self.sums = np.zeros((1024, self.embedding.shape[1]), dtype=np.float32)
        self.counts = np.zeros(1024, dtype=np.float32)
        self._projections: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}
        self.max_words = max(max_words, 1)

    def _add(self, keys: list[int], words: list[str]) -> None:
        encoded = self.tokenizer.encode_batch(words, add_special_tokens=False)
        n = len(self.index)
        if n + len(keys) > len(self.counts):
            size = max(2 * len(self.counts), n + len(keys))
            self.sums = np.resize(self.sums, (size, self.sums.shape[1]))
            self.counts = np.resize(self.counts, size)
        for i, (key, enc) in enumerate(zip(keys, encoded, strict=True)):
            ids = np.clip(np.asarray(enc.ids, dtype=np.int64), 0, len(self.embedding) - 1)
            self.sums[n + i] = self.embedding[ids].sum(axis=0)
            self.counts[n + i] = len(ids)
            self.index[key] = n + i

    def doc_rows(self, doc: Doc, mask: np.ndarray) -> DocVectors:
        """Rows of the live alphabetic words of `doc` (mask: live tokens)."""
        arr = doc.to_array([LOWER, IS_ALPHA])
        keep = np.flatnonzero((arr[:, 1] > 0) & mask)
        keys = arr[keep, 0]
        uniq, inverse = np.unique(keys, return_inverse=True)
        missing = [int(k) for k in uniq.tolist() if int(k) not in self.index]
        if missing and len(self.index) + len(missing) > self.max_words:
            # A long run meets ever more words (names, misspellings): the table starts afresh
            # rather than grow without bound, and this doc's words are read into it again.
            self.index.clear()
            self._projections.clear()
            missing = [int(k) for k in uniq.tolist()]
        if missing:
            self._add(missing, [doc.vocab.strings[k] for k in missing])
        index = self.index
        uniq_rows = np.fromiter((index[int(k)] for k in uniq.tolist()), np.int64, len(uniq))
        return DocVectors(uniq_rows[inverse.reshape(-1)], keep)

    def mean(self, rows: np.ndarray) -> np.ndarray:
        """WordLlama's mean pooling over the subwords of these words (zeros for none)."""
        n = float(self.counts[rows].sum())
        if not n:
            return np.zeros(self.sums.shape[1], dtype=np.float32)
        return np.asarray(self.sums[rows].sum(axis=0) / n, dtype=np.float32)

    def segment_means(self, rows: np.ndarray, segments: np.ndarray, n_segments: int) -> np.ndarray:
        """Mean vectors of the words of each segment (segments: segment id per word)."""
        sums = np.zeros((n_segments, self.sums.shape[1]), dtype=np.float32)
        counts = np.zeros(n_segments, dtype=np.float32)
        np.add.at(sums, segments, self.sums[rows])
        np.add.at(counts, segments, self.counts[rows])
        return sums / np.maximum(counts, 1.0)[:, None]

    def projected(self, weights: np.ndarray) -> np.ndarray:
        """Every word's subword-vector sum times `weights` (rows as in the table), kept current:
        a section's linear score is then a sum of small rows, not of 256-d vectors."""
        n = len(self.index)
        cache = self._projections.get(id(weights))
        if cache is None or cache[0] is not weights:
            cache = (weights, np.zeros((1024, weights.shape[1]), dtype=np.float32), 0)
        _, table, done = cache
        if done < n:
            if n > len(table):  # grown by doubling, so rows are copied a bounded number of times
                table = np.resize(table, (max(2 * len(table), n), table.shape[1]))
            table[done:n] = self.sums[done:n] @ weights
            self._projections[id(weights)] = (weights, table, n)
        return table[:n]


@lru_cache(maxsize=1)
def shared_vectors() -> WordVectors:
    """The process's word table (grows with every new word; shared by every pipeline)."""
    return WordVectors()


def sentence_ids(doc: Doc, tokens: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """For each token index in `tokens`, the index of the sentence span holding it, or -1."""
    if not spans or len(tokens) == 0:
        return np.full(len(tokens), -1, dtype=np.int64)
    starts_char = doc.user_data.get("bw_idx")
    if starts_char is None:
        starts_char = doc.user_data["bw_idx"] = doc.to_array([IDX]).reshape(-1)
    chars = starts_char[tokens]
    bounds = np.array(spans, dtype=np.int64)
    pos = np.searchsorted(bounds[:, 0], chars, side="right") - 1
    inside = (pos >= 0) & (chars < bounds[np.maximum(pos, 0), 1])
    return np.where(inside, pos, -1)
