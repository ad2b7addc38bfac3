"""The file of a whole :class:`w2vlib.Word2Vec` (``save``/``load``): w2vlib's native,
pickle-free container (:mod:`w2vlib._native`) holding the vectors, output layers, vocabulary
counts and thresholds and lock factors as arrays, and the hyperparameters
(:mod:`w2vlib._params`), keys and training state as JSON metadata. Everything read is checked
before a model is made of it: a damaged or forged file raises ValueError naming the file.
"""
import numpy as np

from w2vlib import _checks, _native
from w2vlib.errors import WrongKindError
from w2vlib._checks import is_storable_key, lock_factors, storable_keys
from w2vlib._lifecycle import loaded_events, saved_events
from w2vlib._params import BY_NAME, EXTENSIONS, HYPERPARAMETERS, saved
from w2vlib._weights import set_huffman_paths
from w2vlib.keyedvectors import KeyedVectors

#: The ``kind`` tag of a Word2Vec file.
KIND = "Word2Vec"
#: Training state saved beside the hyperparameters.
STATE = ("keys", "corpus_count", "corpus_total_words", "running_training_loss")


def save(model, fname, lockf, left_out=()):
    """Write `model` (checked by the caller: prepared, finite) with lock factors `lockf`,
    without the output layers named in `left_out` (``save(ignore=...)``)."""
    arrays = {"vectors": model.wv.vectors,
              "counts": np.asarray(model.vocabulary.counts, np.int64),
              "sample_int": np.asarray(model.vocabulary.sample_int, np.uint32)}
    for name, layer in (("syn1", model._syn1), ("syn1neg", model._syn1neg)):
        if layer is not None and name not in left_out:
            arrays[name] = layer
    arrays["vectors_lockf"] = lockf
    meta = saved(model)
    meta.update(keys=storable_keys(model.wv.index_to_key), corpus_count=model.corpus_count,
                corpus_total_words=model.corpus_total_words,
                running_training_loss=model.running_training_loss,
                train_calls=model.train_calls, lifecycle_events=saved_events(model),
                min_alpha_yet_reached=float(model.min_alpha_yet_reached),
                total_train_time=float(model.total_train_time),
                left_out=sorted(set(left_out) & {"syn1", "syn1neg"}))
    _native.save_native(fname, KIND, meta, arrays)


def read(fname, mmap=None):
    """The metadata and arrays of a Word2Vec file, with every hyperparameter and state entry
    present (ValueError otherwise; a w2vlib extension that an older file lacks takes its
    default)."""
    kind, meta, arrays = _native.load_native(fname, mmap=mmap)
    if kind != KIND:
        raise WrongKindError(f"{fname}: holds a {kind}, not a {KIND}")
    for name in EXTENSIONS:
        meta.setdefault(name, BY_NAME[name].default)
    missing = [name for name in HYPERPARAMETERS + STATE if name not in meta]
    if missing:
        raise ValueError(f"{fname}: incomplete {KIND}: missing {', '.join(missing)}")
    return meta, arrays


def restore(model, fname, meta, arrays):
    """Give `model`, configured from ``meta``'s hyperparameters, the saved vocabulary, weights
    and training state, after checking that the arrays fit them."""
    keys = meta["keys"]
    lockf = _check_arrays(fname, model, keys, arrays, meta)
    model.vocabulary.restore(keys, arrays["counts"], arrays["sample_int"])
    wv = KeyedVectors(model.vector_size)
    wv.index_to_key = list(keys)
    wv.key_to_index = {key: i for i, key in enumerate(wv.index_to_key)}
    wv.vectors = arrays["vectors"]
    wv.allocate_vecattrs(["count", "sample_int"], [int, np.uint32])
    wv.expandos["count"][:] = arrays["counts"]
    wv.expandos["sample_int"][:] = arrays["sample_int"]
    wv.vectors_lockf = np.array(lockf)   # a copy (mmap'd arrays are not writable)
    if model.hs:
        set_huffman_paths(wv, arrays["counts"])
    model.wv = wv
    model._syn1, model._syn1neg = arrays.get("syn1"), arrays.get("syn1neg")
    model.corpus_count, model.corpus_total_words = meta["corpus_count"], meta["corpus_total_words"]
    model.running_training_loss = meta["running_training_loss"]
    try:   # absent from files of w2vlib <= 0.1
        model.train_calls = _checks.count("train_calls", meta.get("train_calls", 0))
        model.min_alpha_yet_reached = _checks.real(
            "min_alpha_yet_reached", meta.get("min_alpha_yet_reached", model.alpha))
        model.total_train_time = _checks.real("total_train_time", meta.get("total_train_time", 0.0))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{fname}: {err}") from None
    model.lifecycle_events = loaded_events(meta, fname)


def _check_arrays(fname, model, keys, arrays, meta):
    """Refuse a saved model whose arrays do not fit its parameters (a damaged or forged file);
    returns its lock factors (1 for every word in files of w2vlib <= 0.1, which have none)."""
    if not isinstance(keys, list) or not all(is_storable_key(key) for key in keys):
        raise ValueError(f"{fname}: keys must be a list of str or int")
    rows, size = len(keys), model.vector_size
    expected = {"vectors": (rows, size), "counts": (rows,), "sample_int": (rows,)}
    left_out = meta.get("left_out", [])   # save(ignore=...)
    if not (isinstance(left_out, list) and set(left_out) <= {"syn1", "syn1neg"}):
        raise ValueError(f"{fname}: left_out must list output layers, got {left_out!r}")
    if model.hs and "syn1" not in left_out:
        expected["syn1"] = (rows, size)
    if model.negative and "syn1neg" not in left_out:
        expected["syn1neg"] = (rows, size)
    for name, shape in expected.items():
        if name not in arrays:
            raise ValueError(f"{fname}: array {name!r} is missing")
        if arrays[name].shape != shape:
            raise ValueError(f"{fname}: array {name!r} has shape {arrays[name].shape}, expected {shape}")
    if np.any(np.asarray(arrays["counts"]) < 0):
        raise ValueError(f"{fname}: negative word counts")
    for name in ("vectors", "syn1", "syn1neg"):
        if name in arrays and not np.isfinite(arrays[name]).all():
            raise ValueError(f"{fname}: array {name!r} contains NaN or infinity")
    try:
        return lock_factors(arrays.get("vectors_lockf"), rows, "array 'vectors_lockf'")
    except ValueError as err:
        raise ValueError(f"{fname}: {err}") from None
