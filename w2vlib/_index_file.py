"""What the nearest-neighbour indexers of :mod:`w2vlib.similarities` share: the vectors of a
model, scaled to unit length a block at a time, and the labels file saved beside an index.

gensim's ``AnnoyIndexer.save(fname)`` writes the index to ``fname`` and a pickled dict (its
dimensions, trees and every key) to ``fname + '.dict'``. Here ``fname + '.dict'`` is a native
container (:mod:`w2vlib._native`: JSON and arrays, never a pickle) holding the keys in row order,
the index's settings and a fingerprint of the index file (its size and a digest of samples of
its bytes), so an index that is not the one the labels describe, or that was built on other
keys than the model it is used with, is refused with an :class:`~w2vlib.errors.IndexFileError`
naming the file instead of answering with the wrong keys.

>>> import os, tempfile
>>> fname = os.path.join(tempfile.mkdtemp(), "index")
>>> with open(fname, "wb") as fout:
...     _ = fout.write(b"an index a library wrote")
>>> save_labels(fname, "Demo", {"dims": 2}, ["cat", "dog"])
>>> meta = load_labels(fname, "Demo")
>>> meta["keys"], meta["dims"]
(['cat', 'dog'], 2)
"""
import hashlib
import os

import numpy as np

from w2vlib._checks import storable_keys
from w2vlib._native import load_native, save_native
from w2vlib.errors import IndexFileError

LABELS_SUFFIX = ".dict"
"""gensim's name for the file beside the index: ``fname + '.dict'``."""

SAMPLE_BYTES = 1 << 20
"""Bytes read at the start, middle and end of an index file for its digest: a different index
(other vectors, settings or library) differs there, and a multi-gigabyte index is not read
whole each time it is loaded."""


def model_vectors(model):
    """The KeyedVectors of `model`: a Word2Vec-like object's ``wv``, or `model` itself if it
    has keys and vectors (w2vlib's or gensim's classes); ValueError otherwise, as gensim."""
    kv = getattr(model, "wv", model)
    if not (hasattr(kv, "index_to_key") and hasattr(kv, "get_normed_vectors")):
        raise ValueError("Only a Word2Vec or KeyedVectors instance (w2vlib's or gensim's) can be "
                         f"used, got {type(model).__name__}")
    return kv


BUILD_BLOCK_ROWS = 65536
"""Rows scaled to unit length at a time while an index is built: a block, never a second copy
of the whole matrix."""


def unit_blocks(kv, rows=BUILD_BLOCK_ROWS):
    """``(start, block)`` pairs covering `kv`'s vectors: each block of `rows` rows scaled to
    unit length as float32 (a zero row stays zero), contiguous."""
    vectors = kv.vectors
    for start in range(0, len(vectors), rows):
        block = np.asarray(vectors[start:start + rows], dtype=np.float64)
        lengths = np.linalg.norm(block, axis=1, keepdims=True)
        yield start, np.ascontiguousarray(block / np.where(lengths > 0, lengths, 1.0), dtype=np.float32)


def fingerprint(path):
    """``(size, hex digest)`` of the file at `path`, from its size and sampled bytes."""
    size = os.path.getsize(path)
    digest = hashlib.blake2b(str(size).encode(), digest_size=16)
    with open(path, "rb") as fin:
        for start in sorted({0, max(0, size // 2 - SAMPLE_BYTES // 2), max(0, size - SAMPLE_BYTES)}):
            fin.seek(start)
            digest.update(fin.read(SAMPLE_BYTES))
    return size, digest.hexdigest()


def save_labels(fname, kind, meta, keys):
    """Write ``fname + '.dict'``: `kind`, `meta`, the `keys` in row order and the fingerprint
    of the index file `fname`, which must be written already."""
    size, digest = fingerprint(fname)
    meta = dict(meta, keys=storable_keys(keys), index_bytes=size, index_digest=digest)
    save_native(os.fspath(fname) + LABELS_SUFFIX, kind, meta, {})


def _read_labels(fname):
    """``(kind, meta)`` of ``fname + '.dict'``, checked to be present and readable."""
    fname = os.fspath(fname)
    labels = fname + LABELS_SUFFIX
    missing = [path for path in (fname, labels) if not os.path.isfile(path)]
    if missing:
        raise FileNotFoundError(f"Can't find index files '{fname}' and '{labels}' "
                                f"({', '.join(missing)} missing): unable to restore the index")
    try:
        kind, meta, _ = load_native(labels)
    except ValueError as err:
        raise IndexFileError(labels, f"not an index labels file: {err}") from None
    return kind, meta


def stored_kind(fname):
    """The kind of index (``'AnnoyIndexer'`` ...) whose labels are ``fname + '.dict'``."""
    return _read_labels(fname)[0]


def load_labels(fname, kind):
    """The metadata (with ``keys``) of the index `fname` of `kind`, checked: both files
    present (else FileNotFoundError, an IOError as gensim's), the labels of `kind`, the index
    file the one they describe (else :class:`~w2vlib.errors.IndexFileError`)."""
    fname = os.fspath(fname)
    labels = fname + LABELS_SUFFIX
    stored, meta = _read_labels(fname)
    if stored != kind:
        raise IndexFileError(labels, f"labels of a {stored}, not of a {kind}")
    if not isinstance(meta.get("keys"), list):
        raise IndexFileError(labels, "holds no list of keys")
    if fingerprint(fname) != (meta.get("index_bytes"), meta.get("index_digest")):
        raise IndexFileError(fname, f"is not the index {labels} describes (the file changed "
                                    "after it was saved, or the two files come from different saves)")
    return meta


def check_keys(fname, labels, kv):
    """IndexFileError unless the index `fname` was built on `kv`'s keys, in its row order."""
    keys = list(kv.index_to_key)
    if keys == labels:
        return
    if len(keys) != len(labels):
        detail = f"{len(labels)} keys, the model has {len(keys)}"
    else:
        row = next(i for i, (mine, theirs) in enumerate(zip(labels, keys)) if mine != theirs)
        detail = f"row {row} is {labels[row]!r}, the model's is {keys[row]!r}"
    raise IndexFileError(fname, f"built on other keys than the model: {detail}")
