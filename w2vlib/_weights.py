"""Word2Vec's weights: made for a new vocabulary, grown with it, and checked before they are
trained or saved.

The input vectors live in a :class:`~w2vlib.KeyedVectors` (random rows, the values gensim draws
for the seed); the output layers ``syn1`` (hierarchical softmax) and ``syn1neg`` (negative
sampling) start at zero, as in word2vec, and exist only when their loss is on.

>>> from w2vlib.vocab import Vocabulary
>>> vocabulary = Vocabulary(min_count=1, sample=0)
>>> _ = vocabulary.from_freq({"a": 3, "b": 2})
>>> lockf = grown_lock_factors(None, 0, len(vocabulary))
>>> wv, syn1, syn1neg = fresh(vocabulary, vector_size=4, seed=1, hs=False, negative=5, lockf=lockf)
>>> wv.index_to_key, syn1, syn1neg.shape, wv.vectors_lockf
(['a', 'b'], None, (2, 4), array([1.], dtype=float32))
"""
import logging

import numpy as np

from w2vlib import _tables
from w2vlib._checks import check_writable
from w2vlib.keyedvectors import KeyedVectors

logger = logging.getLogger("w2vlib.word2vec")


def fresh(vocabulary, vector_size, seed, hs, negative, lockf):
    """New weights for `vocabulary`: ``(wv, syn1, syn1neg)``, ``wv`` holding the keys, counts,
    subsampling thresholds, random vectors and the lock factors `lockf` (as
    :func:`grown_lock_factors` made them)."""
    logger.info("resetting layer weights")
    wv = KeyedVectors(vector_size)
    fill_keyed_vectors(wv, vocabulary, seed)
    wv.vectors_lockf = lockf
    rows = len(wv)
    return (wv, _grow(None, rows, vector_size) if hs else None,
            _grow(None, rows, vector_size) if negative else None)


def grown(wv, syn1, syn1neg, vocabulary, vector_size, seed):
    """Grow the weights to `vocabulary`, extended by ``prepare_vocab(update=True)``: trained
    rows are kept, new words get random input vectors, zero output rows and lock factor 1.
    `wv` changes in place; returns the grown ``(syn1, syn1neg)`` (None stays None)."""
    logger.info("updating layer weights")
    if not len(wv):
        raise RuntimeError("cannot update the weights of a model that has no vocabulary: "
                           "build the vocabulary first")
    old, lockf = len(wv), getattr(wv, "vectors_lockf", None)
    fill_keyed_vectors(wv, vocabulary, seed)
    added = len(wv) - old
    wv.vectors_lockf = grown_lock_factors(lockf, old, added)
    return tuple(None if layer is None else _grow(layer, added, vector_size)
                 for layer in (syn1, syn1neg))


def fill_keyed_vectors(wv, vocabulary, seed):
    """Give `wv` the vocabulary's keys, counts and thresholds; new rows random for `seed`."""
    wv.index_to_key = list(vocabulary.index_to_key)
    wv.key_to_index = {key: i for i, key in enumerate(wv.index_to_key)}
    wv.resize_vectors(seed=seed)
    wv.allocate_vecattrs(["count", "sample_int"], [int, np.uint32])
    wv.expandos["count"][:] = vocabulary.counts
    wv.expandos["sample_int"][:] = vocabulary.sample_int


def set_huffman_paths(wv, counts):
    """Give `wv` gensim's per-word ``'code'`` and ``'point'`` attributes of hierarchical
    softmax: each word's branch bits (uint8) and the inner nodes on its path (uint32 rows of
    ``syn1``), from the Huffman tree of `counts` that training builds. Each value is a view
    into one array of all paths.

    >>> wv = KeyedVectors(2)
    >>> wv.add_vectors(["a", "b", "c"], np.zeros((3, 2)))
    >>> set_huffman_paths(wv, np.array([5, 3, 2]))
    >>> wv.get_vecattr("a", "code"), wv.get_vecattr("c", "point")
    (array([1], dtype=uint8), array([1, 0], dtype=uint32))
    """
    codes, points, offsets = _tables.huffman_tree(np.asarray(counts, np.int64))
    points = points.astype(np.uint32)
    n = len(offsets) - 1
    code, point = np.empty(n, dtype=object), np.empty(n, dtype=object)
    for word in range(n):
        path = slice(offsets[word], offsets[word + 1])
        code[word], point[word] = codes[path], points[path]
    wv.expandos["code"], wv.expandos["point"] = code, point


def grown_lock_factors(lockf, old, grown):
    """Lock factors for a vocabulary of ``old`` words (0: built afresh) grown by ``grown``: one
    factor for every word is kept; per-word factors get 1 (trainable) for each new word, and do
    not carry over to a new vocabulary (gensim keeps them and wraps them around it).

    >>> grown_lock_factors(np.array([0.0, 1.0]), 2, 1)
    array([0., 1., 1.], dtype=float32)
    """
    if lockf is None:
        return np.ones(1, np.float32)
    lockf = np.asarray(lockf, np.float32)
    if lockf.ndim == 1 and len(lockf) == 1:
        return lockf.copy()
    if old and lockf.ndim == 1 and len(lockf) == old:
        return np.concatenate([lockf, np.ones(grown, np.float32)])
    logger.warning("wv.vectors_lockf (shape %s) does not fit the new vocabulary: reset to 1 for "
                   "every word", lockf.shape)
    return np.ones(1, np.float32)


def check_prepared(vocabulary, wv):
    """Refuse to train or save weights that do not belong to the vocabulary."""
    if vocabulary.index_to_key != wv.index_to_key:
        raise RuntimeError(
            "the model's vocabulary and wv's keys differ: after prepare_vocab(), call "
            "prepare_weights() (update=True after prepare_vocab(update=True)); keys added to "
            "or reordered in wv by hand cannot be trained or saved with the model (add words "
            "with build_vocab(update=True))")


def check_trainable(layers, vector_size):
    """Refuse to train or grow weights that cannot be: read-only (``load(mmap='r')``) or of
    another width than `vector_size` (the attribute changed after they were made). `layers`
    maps a name to an array or None."""
    for name, weights in layers.items():
        if weights is None:
            continue
        if weights.ndim != 2 or weights.shape[1] != vector_size:
            raise ValueError(f"{name} has {weights.shape[-1]} columns but vector_size is "
                             f"{vector_size}: vector_size cannot change after the "
                             "vocabulary is built")
        check_writable(weights, name)


def _grow(weights, rows, size):
    """Output weights start at zero, as in word2vec; new rows are appended for new words."""
    zeros = np.zeros((rows, size), dtype=np.float32)
    return zeros if weights is None else np.vstack([weights, zeros])
