"""The file of a :class:`w2vlib.KeyedVectors` (``save``/``load``): w2vlib's native,
pickle-free container (:mod:`w2vlib._native`) holding the vectors, each numeric per-key
attribute and, when the object has them, the lock factors (``vectors_lockf``) as arrays, and the
keys, ``vector_size``, ``next_index`` and lifecycle events as JSON metadata. :func:`state` and
:func:`restore` are the two halves, for the converters that read the container themselves.

Keys in a native file are str or int: :func:`w2vlib._checks.storable_keys` refuses any other key
before a file is written, and :func:`restore` checks the keys it reads. Everything read is
checked before an object is made of it: a damaged or forged file raises ValueError naming the
file.

>>> import os, tempfile
>>> from w2vlib import KeyedVectors
>>> kv = KeyedVectors(2)
>>> kv.add_vectors(["a", "b"], [[1.0, 2.0], [3.0, 4.0]], extras={"count": np.array([5, 3])})
>>> meta, arrays = state(kv)
>>> meta["keys"], sorted(arrays)
(['a', 'b'], ['expando:count', 'vectors'])
>>> path = os.path.join(tempfile.mkdtemp(), "vectors.w2v")
>>> save(kv, path)
>>> load(KeyedVectors, path, mmap="r")["b"].tolist()
[3.0, 4.0]
"""
import numpy as np

from w2vlib import _native
from w2vlib._checks import is_storable_key, lock_factors, storable_keys
from w2vlib._lifecycle import loaded_events, saved_events
from w2vlib.errors import WrongKindError

KIND = "KeyedVectors"
"""The ``kind`` tag of a KeyedVectors file written by :meth:`KeyedVectors.save`."""

EXPANDO_PREFIX = "expando:"
"""Prefix of the array names that hold per-key attributes in a native file."""


def save(kv, fname):
    """Write `kv` to `fname` (atomically; ValueError for a per-key attribute of objects)."""
    meta, arrays = state(kv)
    _native.save_native(fname, KIND, meta, arrays)


def load(kv_class, fname, mmap=None):
    """A `kv_class` instance made from the KeyedVectors file `fname` (`mmap` as in
    :func:`w2vlib._native.load_native`); ValueError for a file of another kind."""
    kind, meta, arrays = _native.load_native(fname, mmap=mmap)
    if kind != KIND:
        raise WrongKindError(f"{fname}: holds a {kind!r}, not {KIND!r}")
    return restore(kv_class, meta, arrays, fname)


def state(kv):
    """``(meta, arrays)`` describing `kv` for :func:`w2vlib._native.save_native`."""
    keys = storable_keys(kv.index_to_key, allow_none=True)
    meta = {"vector_size": int(kv.vector_size), "keys": keys, "next_index": int(kv.next_index),
            "lifecycle_events": saved_events(kv)}
    arrays = {"vectors": kv.vectors}
    for attr, values in kv.expandos.items():
        if values.dtype == object:
            raise ValueError(f"per-key attribute {attr!r} holds Python objects; only numeric "
                             "attributes can be saved")
        arrays[EXPANDO_PREFIX + attr] = values
    if getattr(kv, "vectors_lockf", None) is not None:   # set by intersect_word2vec_format
        arrays["vectors_lockf"] = lock_factors(kv.vectors_lockf, len(keys))
    return meta, arrays


def restore(kv_class, meta, arrays, fname):
    """A `kv_class` instance rebuilt from :func:`state`'s output read back from `fname`."""
    try:
        keys, vector_size, vectors = meta["keys"], meta["vector_size"], arrays["vectors"]
    except KeyError as err:
        raise ValueError(f"{fname}: KeyedVectors entry {err} is missing") from None
    if not isinstance(keys, list):
        raise ValueError(f"{fname}: keys are a {type(keys).__name__}, not a list")
    bad = next((key for key in keys if key is not None and not is_storable_key(key)), None)
    if bad is not None:
        raise ValueError(f"{fname}: a key is a {type(bad).__name__}, not a str or int")
    if not np.issubdtype(vectors.dtype, np.floating):
        raise ValueError(f"{fname}: vectors have dtype {vectors.dtype}, not a float type")
    next_index = meta.get("next_index", len(keys))
    if not isinstance(next_index, int) or isinstance(next_index, bool) or not 0 <= next_index <= len(keys):
        raise ValueError(f"{fname}: next_index {next_index!r} is not a row number")
    if vectors.ndim != 2 or vectors.shape != (len(keys), vector_size):
        raise ValueError(f"{fname}: vectors have shape {vectors.shape}, expected "
                         f"{(len(keys), vector_size)}")
    kv = kv_class(vector_size, dtype=vectors.dtype)
    kv.index_to_key = list(keys)
    kv.key_to_index = {key: i for i, key in enumerate(keys) if key is not None}
    if len(kv.key_to_index) != len(keys) - keys.count(None):
        raise ValueError(f"{fname}: repeated keys")
    kv.vectors = vectors
    kv.next_index = next_index
    kv.lifecycle_events = loaded_events(meta, fname)
    for name, values in arrays.items():
        if name.startswith(EXPANDO_PREFIX):
            if values.shape != (len(keys),):
                raise ValueError(f"{fname}: attribute array {name!r} has shape {values.shape}, "
                                 f"expected {(len(keys),)}")
            kv.expandos[name[len(EXPANDO_PREFIX):]] = values
    if "vectors_lockf" in arrays:
        try:
            kv.vectors_lockf = np.array(lock_factors(arrays["vectors_lockf"], len(keys)))
        except ValueError as err:
            raise ValueError(f"{fname}: {err}") from None
    return kv
