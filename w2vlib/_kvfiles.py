"""The file methods of :class:`w2vlib.KeyedVectors`: the word2vec C tool's text and binary
formats (read and written by :mod:`w2vlib._word2vec_format`; ``intersect_word2vec_format`` takes the
vectors of known keys from such a file) and w2vlib's native, pickle-free container
(:mod:`w2vlib._native`), which :meth:`FileMethods.load` can memory-map.

Keys in a native file are str or int: :func:`w2vlib._checks.storable_keys` refuses any other key
before a file is written, and the loaders check the keys they read.
"""
import logging

import numpy as np

from w2vlib._checks import check_writable, is_storable_key, lock_factors, storable_keys
from w2vlib._lifecycle import loaded_events, path_text, saved_events

logger = logging.getLogger("w2vlib.keyedvectors")

NATIVE_KIND = "KeyedVectors"
"""The ``kind`` tag of a KeyedVectors file written by :meth:`KeyedVectors.save`."""

EXPANDO_PREFIX = "expando:"
"""Prefix of the array names that hold per-key attributes in a native file."""


def _stable_descending(values):
    """Permutation that sorts `values` in descending order, ties kept in their original order."""
    ascending_of_reversed = np.argsort(values[::-1], kind="stable")
    return len(values) - 1 - ascending_of_reversed[::-1]


class FileMethods:
    """Mixin of :class:`w2vlib.KeyedVectors`: loading and saving (see the module docstring)."""

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary=False, encoding="utf8",
                             unicode_errors="strict", limit=None, datatype=np.float32,
                             no_header=False, progress=False, allow_nonfinite=False):
        """Read vectors in the word2vec C tool's text or binary format.

        Parameters are those of gensim. Without `fvocab`, each key gets a made-up ``'count'``
        attribute that decreases with its position (``len - index``), as in gensim. A key
        repeated in the file keeps its first vector. ``progress=True`` draws a bar on stderr
        for a load longer than a second; None draws it only when stderr is a terminal, writing
        periodic ``w2vlib.progress`` log lines otherwise. A NaN or infinite value (or one that
        overflows `datatype`) raises ValueError naming the file and place, unless
        ``allow_nonfinite=True`` (gensim accepts them silently).
        """
        from w2vlib._word2vec_format import read_word2vec

        keys, vectors, counts = read_word2vec(
            fname, fvocab=fvocab, binary=binary, encoding=encoding, unicode_errors=unicode_errors,
            limit=limit, datatype=datatype, no_header=no_header, progress=progress,
            allow_nonfinite=allow_nonfinite)
        kv = cls(vectors.shape[1], dtype=datatype)
        kv.index_to_key = keys
        kv.key_to_index = {key: i for i, key in enumerate(keys)}
        kv.vectors = vectors
        kv.next_index = len(keys)
        kv.expandos["count"] = counts
        kv.add_lifecycle_event(
            "load_word2vec_format", msg=f"loaded {vectors.shape} matrix of type {vectors.dtype} "
            f"from {path_text(fname)}", binary=bool(binary), encoding=encoding)
        return kv

    def intersect_word2vec_format(self, fname, lockf=0.0, binary=False, encoding="utf8",
                                  unicode_errors="strict"):
        """Take the vectors of the keys present here from a word2vec file, and set their lock
        factor (``vectors_lockf``) to `lockf`: 0 (the default) keeps them as loaded through
        later training, 1 trains them like the others.

        Keys of the file that are not here are ignored. ``vectors_lockf`` becomes one factor per
        key (gensim requires the caller to have made it so); the other keys keep the factor they
        had (1 if there was none). The file is read a block of rows at a time: memory holds the
        shared keys' vectors, not the file's.

        Raises
        ------
        ValueError
            If the file's vectors are not ``vector_size`` long (or the file is malformed), or
            `lockf` is not a finite number.

        Examples
        --------
        >>> import os, tempfile
        >>> from w2vlib import KeyedVectors
        >>> pretrained = KeyedVectors(2)
        >>> pretrained.add_vectors(["king", "queen"], [[1.0, 2.0], [3.0, 4.0]])
        >>> path = os.path.join(tempfile.mkdtemp(), "pretrained.txt")
        >>> pretrained.save_word2vec_format(path)
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["queen", "castle"], [[0.0, 0.0], [5.0, 5.0]])
        >>> kv.intersect_word2vec_format(path, lockf=0.0)
        >>> kv["queen"].tolist(), kv.vectors_lockf.tolist()
        ([3.0, 4.0], [0.0, 1.0])
        """
        from w2vlib._word2vec_format import select_word2vec

        if isinstance(lockf, bool) or not isinstance(lockf, (int, float, np.integer, np.floating)) \
                or not np.isfinite(lockf):
            raise ValueError(f"lockf must be a finite number, got {lockf!r}")
        check_writable(self.vectors)
        factors = lock_factors(getattr(self, "vectors_lockf", None), len(self.index_to_key))
        factors = np.broadcast_to(factors, (len(self.index_to_key),)).copy()
        logger.info("loading projection weights from %s", fname)
        keys, vectors = select_word2vec(fname, self.key_to_index, binary=binary, encoding=encoding,
                                        unicode_errors=unicode_errors, dims=self.vector_size)
        if keys:
            rows = np.array([self.key_to_index[key] for key in keys])
            self.vectors[rows] = vectors
            factors[rows] = lockf
        self.vectors_lockf = factors
        self.norms = None
        self.add_lifecycle_event("intersect_word2vec_format", msg=f"merged {len(keys)} vectors "
                                 f"into {self.vectors.shape} matrix from {path_text(fname)}")

    def save_word2vec_format(self, fname, fvocab=None, binary=False, total_vec=None,
                             write_header=True, prefix="", append=False, sort_attr="count",
                             progress=False):
        """Write the vectors in the word2vec C tool's text or binary format.

        Keys are written in descending order of the per-key attribute `sort_attr` (ties in
        storage order), or in storage order when there is no such attribute. `fvocab` receives
        ``key value`` lines of that attribute. `progress` is as in :meth:`load_word2vec_format`.
        Other parameters are those of gensim.

        Raises
        ------
        ValueError
            If `fvocab` is given but the keys have no `sort_attr` attribute.
        """
        from w2vlib._word2vec_format import write_word2vec

        keys, vectors, counts = self.index_to_key, self.vectors, None
        if sort_attr in self.expandos:
            self.allocate_vecattrs()
            values = self.expandos[sort_attr]
            order = _stable_descending(values)
            if np.any(order != np.arange(len(order))):
                keys, vectors, values = [keys[i] for i in order], vectors[order], values[order]
            if fvocab is not None:
                counts = values
        elif fvocab is not None:
            raise ValueError(f"cannot write {fvocab}: the keys have no {sort_attr!r} attribute")
        else:
            logger.warning("no %r attribute in %s; writing keys in storage order", sort_attr, self)
        write_word2vec(fname, [str(key) for key in keys], vectors, counts=counts, fvocab=fvocab,
                       binary=binary, total_vec=len(keys) if total_vec is None else total_vec,
                       write_header=write_header, prefix=prefix, append=append,
                       progress=progress)

    def save(self, fname):
        """Save to w2vlib's native, pickle-free file (see :meth:`load`).

        Per-key attributes must be numeric arrays (object arrays cannot be stored).
        """
        self.add_lifecycle_event("saved", fname=path_text(fname))
        meta, arrays = self._native_state()
        from w2vlib._native import save_native

        save_native(fname, NATIVE_KIND, meta, arrays)

    @classmethod
    def load(cls, fname, mmap=None):
        """Load a file written by :meth:`save`; ``mmap='r'`` maps the arrays read-only.

        Raises
        ------
        ValueError
            If the file holds another kind of object or is inconsistent.
        """
        from w2vlib._native import load_native

        kind, meta, arrays = load_native(fname, mmap=mmap)
        if kind != NATIVE_KIND:
            raise ValueError(f"{fname}: holds a {kind!r}, not {NATIVE_KIND!r}")
        kv = cls._from_native_state(meta, arrays, fname)
        kv.add_lifecycle_event("loaded", fname=path_text(fname))
        return kv

    def _native_state(self):
        """``(meta, arrays)`` describing this object for :func:`w2vlib._native.save_native`."""
        keys = storable_keys(self.index_to_key, allow_none=True)
        meta = {"vector_size": int(self.vector_size), "keys": keys, "next_index": int(self.next_index),
                "lifecycle_events": saved_events(self)}
        arrays = {"vectors": self.vectors}
        for attr, values in self.expandos.items():
            if values.dtype == object:
                raise ValueError(f"per-key attribute {attr!r} holds Python objects; only numeric "
                                 "attributes can be saved")
            arrays[EXPANDO_PREFIX + attr] = values
        if getattr(self, "vectors_lockf", None) is not None:   # set by intersect_word2vec_format
            arrays["vectors_lockf"] = lock_factors(self.vectors_lockf, len(keys))
        return meta, arrays

    @classmethod
    def _from_native_state(cls, meta, arrays, fname):
        """Rebuild an instance from :meth:`_native_state` output read back from `fname`."""
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
        kv = cls(vector_size, dtype=vectors.dtype)
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
