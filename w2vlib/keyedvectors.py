"""Keyed vectors: a set of vectors looked up by key, and similarity queries over them.

:class:`KeyedVectors` follows the API of gensim 4's ``gensim.models.KeyedVectors``: the same
method names, arguments, defaults and return types. It holds no training state, so it can be
loaded, queried and saved on its own.

Build a small set by hand and query it:

>>> import numpy as np
>>> from w2vlib.keyedvectors import KeyedVectors
>>> kv = KeyedVectors(vector_size=2)
>>> kv.add_vectors(["cat", "dog", "car"], np.array([[1.0, 0.1], [0.9, 0.2], [-0.2, 1.0]]))
>>> len(kv), kv.key_to_index["dog"]
(3, 1)
>>> [key for key, _ in kv.most_similar("cat", topn=2)]
['dog', 'car']
>>> round(float(kv.similarity("cat", "dog")), 4)
0.9929

Vectors in the word2vec text or binary format are read with
:meth:`KeyedVectors.load_word2vec_format`; :meth:`KeyedVectors.save` writes w2vlib's own
pickle-free container, which :meth:`KeyedVectors.load` can memory-map. The class holds the
storage and lookups; its other methods are thin, each calling a function that takes plain
arrays: the similarity arithmetic in :mod:`w2vlib._similarity`, the analogy and word-pair
evaluations in :mod:`w2vlib._evaluation` (:func:`w2vlib.datapath` locates the evaluation sets
shipped with the package), the word2vec formats in :mod:`w2vlib._word2vec_format`, the native
file in :mod:`w2vlib._vectors_file` and Word Mover's Distance in :mod:`w2vlib._wmd`.

Where gensim leaves the object inconsistent, w2vlib keeps it consistent: every change to the
vectors drops the cached norms, per-key attribute arrays grow with the keys, and a key repeated
inside one ``add_vectors`` call is added once.
"""
import logging
import warnings
from numbers import Integral

import numpy as np

from w2vlib import _checks, _evaluation, _similarity, _vectors_file
from w2vlib._checks import check_writable, lock_factors
from w2vlib._lifecycle import Lifecycle, path_text
from w2vlib._similarity import KEY_TYPES

logger = logging.getLogger(__name__)


INIT_SIMS_ADVICE = "fill_norms() (or unit_normalize_all() for replace=True)"
_MIGRATION_NOTE = "See https://github.com/RaRe-Technologies/gensim/wiki/Migrating-from-Gensim-3.x-to-4"
#: What ``save(ignore=...)`` can leave out of a KeyedVectors file, and what that means.
LEAVABLE = {"norms": "never stored: computed again when needed"}


def _removed(name, advice):
    """A property for an attribute removed in gensim 4.0.0: reading it raises AttributeError."""
    def fail(self):
        raise AttributeError(f"{name} was removed in gensim 4.0.0: {advice}. {_MIGRATION_NOTE}")
    return property(fail, doc=f"Removed in gensim 4.0.0: {advice}.")


def deprecated(name, replacement):
    """Warn that the caller's caller used a name gensim 4 deprecated (the warning points at
    that line, so Python's default filters show it when it is in ``__main__``)."""
    warnings.warn(f"{name}() is deprecated (as in gensim 4): use {replacement} instead. "
                  f"{_MIGRATION_NOTE}", DeprecationWarning, stacklevel=3)


class KeyedVectors(Lifecycle):
    """Vectors, one per key, with similarity queries.

    Parameters
    ----------
    vector_size : int
        Number of dimensions of every vector.
    count : int, optional
        Number of empty slots to preallocate; :meth:`add_vector` fills them in order.
    dtype : numpy dtype, optional
        Element type of :attr:`vectors`.

    Attributes
    ----------
    vectors : numpy.ndarray
        ``(len(self), vector_size)`` array; row ``i`` is the vector of ``index_to_key[i]``.
    index_to_key : list
        Keys in storage order.
    key_to_index : dict
        Key to row number.
    norms : numpy.ndarray or None
        Cached L2 norms of the rows, filled on demand by :meth:`fill_norms`.
    expandos : dict of str to numpy.ndarray
        Per-key attributes (for example ``'count'``), one array entry per key; use
        :meth:`get_vecattr` / :meth:`set_vecattr`.

    Examples
    --------
    >>> kv = KeyedVectors(3)
    >>> kv.add_vectors(["a", "b"], [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    >>> kv["b"]
    array([0., 2., 0.], dtype=float32)
    >>> kv[["a", "b"]].shape
    (2, 3)
    >>> "a" in kv, "z" in kv
    (True, False)
    """

    index2word = _removed("index2word", "use index_to_key")
    index2entity = _removed("index2entity", "use index_to_key")
    vocab = _removed("vocab", "use key_to_index, index_to_key, get_vecattr() and set_vecattr()")
    vectors_norm = _removed("vectors_norm", "use get_normed_vectors()")

    def __init__(self, vector_size, count=0, dtype=np.float32):
        self.vector_size = vector_size
        self.index_to_key = [None] * count
        self.next_index = 0
        self.key_to_index = {}
        self.vectors = np.zeros((count, vector_size), dtype=dtype)
        self.norms = None
        self.expandos = {}
        self.lifecycle_events = []

    def __str__(self):
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    def __len__(self):
        return len(self.index_to_key)

    # --- per-key attributes ------------------------------------------------------------------

    def allocate_vecattrs(self, attrs=None, types=None):
        """Make sure per-key attribute arrays exist and have one entry per key.

        Parameters
        ----------
        attrs : list of str, optional
            Attribute names; by default every existing attribute is resized.
        types : list of type, optional
            Element type of each new attribute (``int`` means int64, ``str`` means object).

        Raises
        ------
        TypeError
            If an existing attribute has a type that `types` does not fit.
        """
        if attrs is None:
            attrs = list(self.expandos)
            types = [self.expandos[attr].dtype for attr in attrs]
        size = len(self.index_to_key)
        for attr, kind in zip(attrs, types):
            if kind is int:
                kind = np.int64
            elif kind is str:
                kind = object
            old = self.expandos.get(attr)
            if old is None:
                self.expandos[attr] = np.zeros(size, dtype=kind)
                continue
            if not np.issubdtype(kind, old.dtype):
                raise TypeError(f"cannot store {kind} in attribute {attr!r} of type {old.dtype}")
            if len(old) != size:
                grown = np.zeros(size, dtype=old.dtype)
                kept = min(size, len(old))
                grown[:kept] = old[:kept]
                self.expandos[attr] = grown

    def set_vecattr(self, key, attr, val):
        """Set the per-key attribute `attr` of `key` to `val`.

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
        >>> kv.set_vecattr("b", "count", 7)
        >>> int(kv.get_vecattr("b", "count")), int(kv.get_vecattr("a", "count"))
        (7, 0)
        """
        self.allocate_vecattrs(attrs=[attr], types=[type(val)])
        self.expandos[attr][self.get_index(key)] = val

    def get_vecattr(self, key, attr):
        """Value of the per-key attribute `attr` of `key` (a numpy scalar)."""
        return self.expandos[attr][self.get_index(key)]

    def resize_vectors(self, seed=0):
        """Give :attr:`vectors` one row per key, random-initialising any new rows.

        Existing rows are kept; new ones are drawn uniformly from ``[-1, 1) / vector_size``
        with ``numpy.random.default_rng(seed)`` (the same values gensim draws).
        """
        shape = (len(self.index_to_key), self.vector_size)
        if self.vectors.shape != shape:
            rng = np.random.default_rng(seed=seed)
            fresh = rng.random(shape, dtype=np.float32)
            fresh *= 2.0
            fresh -= 1.0
            fresh /= self.vector_size
            rows, cols = self.vectors.shape
            fresh[:rows, :cols] = self.vectors
            self.vectors = fresh
        self.allocate_vecattrs()
        self.norms = None

    def sort_by_descending_frequency(self):
        """Reorder the keys by descending ``'count'`` attribute (gensim's order: ties put the
        later key first).

        >>> kv = KeyedVectors(1)
        >>> kv.add_vectors(["rare", "common"], [[1.0], [2.0]])
        >>> kv.set_vecattr("common", "count", 10)
        >>> kv.sort_by_descending_frequency()
        >>> kv.index_to_key, kv["common"]
        (['common', 'rare'], array([2.], dtype=float32))
        """
        if not len(self):
            return
        counts = np.asarray(self.expandos["count"], dtype=np.int64)
        order = np.lexsort((-np.arange(len(counts)), -counts))
        self.index_to_key = [self.index_to_key[i] for i in order]
        self.allocate_vecattrs()
        for attr in self.expandos:
            self.expandos[attr] = self.expandos[attr][order]
        if len(self.vectors):
            self.vectors = self.vectors[order]
        self.key_to_index = {key: i for i, key in enumerate(self.index_to_key)}
        self.norms = None

    # --- lookup ------------------------------------------------------------------------------

    def get_index(self, key, default=None):
        """Row number of `key`.

        An integer that is not a key but is a valid row number is returned as is.

        Raises
        ------
        KeyError
            If `key` is absent and no `default` is given.
        """
        index = self.key_to_index.get(key, -1)
        if index >= 0:
            return index
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self.index_to_key):
            return key
        if default is not None:
            return default
        raise KeyError(f"Key '{key}' not present")

    def has_index_for(self, key):
        """Whether `key` maps to a row."""
        return self.get_index(key, -1) >= 0

    def __contains__(self, key):
        return self.has_index_for(key)

    def get_vector(self, key, norm=False):
        """Read-only vector of `key`, scaled to unit length when `norm` is true.

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a"], [[3.0, 4.0]])
        >>> kv.get_vector("a", norm=True)
        array([0.6, 0.8], dtype=float32)
        """
        index = self.get_index(key)
        if norm:
            self.fill_norms()
            result = self.vectors[index] / self.norms[index]
        else:
            result = self.vectors[index]
        result.setflags(write=False)
        return result

    def word_vec(self, *args, **kwargs):
        """Deprecated in gensim 4: :meth:`get_vector`."""
        deprecated("word_vec", "get_vector()")
        return self.get_vector(*args, **kwargs)

    def words_closer_than(self, word1, word2):
        """Deprecated in gensim 4: :meth:`closer_than`."""
        deprecated("words_closer_than", "closer_than()")
        return self.closer_than(word1, word2)

    def __getitem__(self, key_or_keys):
        """Vector of one key (1-D) or of a list of keys (2-D)."""
        if isinstance(key_or_keys, KEY_TYPES):
            return self.get_vector(key_or_keys)
        rows = [self.get_index(key) for key in key_or_keys]
        return self.vectors[rows]

    def fill_norms(self, force=False):
        """Compute the row norms into :attr:`norms` unless they are cached (or `force`)."""
        if self.norms is None or force:
            self.norms = np.linalg.norm(self.vectors, axis=1)

    def get_normed_vectors(self):
        """All vectors scaled to unit length, as a new 2-D array."""
        self.fill_norms()
        return self.vectors / self.norms[..., np.newaxis]

    def unit_normalize_all(self):
        """Scale every vector to unit length in place; their lengths are lost.

        A zero vector stays zero (gensim turns it into NaN); :attr:`norms` becomes 1 for every
        other row and 0 for it.

        Raises
        ------
        ValueError
            If the vectors are read-only (loaded with ``mmap='r'``; use ``mmap='c'``).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], [[3.0, 4.0], [0.0, 0.0]])
        >>> kv.unit_normalize_all()
        >>> kv.vectors.tolist(), kv.norms.tolist()
        ([[0.6000000238418579, 0.800000011920929], [0.0, 0.0]], [1.0, 0.0])
        """
        check_writable(self.vectors)
        self.fill_norms(force=True)
        nonzero = self.norms > 0
        self.vectors[nonzero] /= self.norms[nonzero, np.newaxis]
        self.norms = nonzero.astype(np.float64)

    def init_sims(self, replace=False):
        """Deprecated in gensim 4: compute the norms (:meth:`fill_norms`), and with `replace`
        scale the vectors to unit length (:meth:`unit_normalize_all`)."""
        deprecated("init_sims", INIT_SIMS_ADVICE)
        self._init_sims(replace)

    def _init_sims(self, replace):
        self.fill_norms()
        if replace:
            logger.warning("destructive init_sims(replace=True) deprecated & no longer required "
                           "for space-efficiency")
            self.unit_normalize_all()

    # --- adding vectors ----------------------------------------------------------------------

    def add_vector(self, key, vector):
        """Add one vector, into the next preallocated slot when there is one.

        Returns the row number of `key`. A key already present gets its vector replaced.
        Growing one row at a time copies the whole array each time (a UserWarning says so):
        prefer :meth:`add_vectors` or preallocate with ``KeyedVectors(size, count=n)``.

        >>> kv = KeyedVectors(2, count=2)
        >>> kv.add_vector("a", [1.0, 2.0]), kv.add_vector("b", [3.0, 4.0])
        (0, 1)
        """
        vector = self._rows_of([vector], 1)[0]    # checked before anything changes
        existing = self.key_to_index.get(key)
        if existing is not None:
            self.add_vectors([key], [vector], replace=True)
            return existing
        target = self.next_index
        if target < len(self) and self.index_to_key[target] is None:
            self.index_to_key[target] = key
            self.key_to_index[key] = target
            self.vectors[target] = vector
            self.norms = None
        else:
            target = len(self)
            warnings.warn("adding vectors one at a time to a full KeyedVectors copies the whole array "
                          "each time; add them in batches or preallocate with count=", UserWarning)
            self.add_vectors([key], [vector])
        self.next_index = target + 1
        return target

    def add_vectors(self, keys, weights, extras=None, replace=False):
        """Append keys and their vectors; existing keys keep their vector unless `replace`.

        Parameters
        ----------
        keys : key or list of keys
        weights : array-like
            One row per key (a single vector when `keys` is a single key).
        extras : dict of str to array-like, optional
            Per-key attribute values, one entry per key, stored like :meth:`set_vecattr`.
        replace : bool, optional
            Overwrite the vectors (and extras) of keys that are already present.

        >>> kv = KeyedVectors(1)
        >>> kv.add_vectors(["a", "b"], [[1.0], [2.0]], extras={"count": np.array([5, 3])})
        >>> kv.add_vectors(["b", "c"], [[9.0], [4.0]])
        >>> kv.vectors.ravel().tolist(), int(kv.get_vecattr("a", "count"))
        ([1.0, 2.0, 4.0], 5)
        """
        if isinstance(keys, KEY_TYPES):
            keys, weights = [keys], [weights]
        else:
            keys = list(keys)
        if not keys:
            return
        weights = self._rows_of(weights, len(keys))   # checked before anything changes
        extras = {attr: np.asarray(values) for attr, values in (extras or {}).items()}
        for attr, values in extras.items():
            if len(values) != len(keys):
                raise ValueError(f"extras[{attr!r}] has {len(values)} values for {len(keys)} keys")
        self.allocate_vecattrs(list(extras), [values.dtype for values in extras.values()])

        new_positions, old_positions, old_rows = [], [], []
        for position, key in enumerate(keys):
            row = self.key_to_index.get(key)
            if row is None:
                self.key_to_index[key] = len(self.index_to_key)
                self.index_to_key.append(key)
                new_positions.append(position)
            else:
                old_positions.append(position)
                old_rows.append(row)
        first_new_row = len(self.vectors)
        self.vectors = np.vstack((self.vectors, weights[new_positions].astype(self.vectors.dtype)))
        self.allocate_vecattrs()
        for attr, values in extras.items():
            self.expandos[attr][first_new_row:] = values[new_positions]
        if replace and old_rows:
            self.vectors[old_rows] = weights[old_positions]
            for attr, values in extras.items():
                self.expandos[attr][old_rows] = values[old_positions]
        self.norms = None

    def _rows_of(self, weights, n):
        """`weights` as an ``(n, vector_size)`` array of the vectors' dtype, or ValueError."""
        try:
            rows = np.asarray(weights, dtype=self.vectors.dtype)
        except (TypeError, ValueError) as err:
            raise ValueError(f"weights must be numbers: {err}") from None
        if rows.shape != (n, self.vector_size):
            raise ValueError(f"expected weights of shape {(n, self.vector_size)}, got "
                             f"{rows.shape} (one vector of {self.vector_size} numbers per key)")
        return rows

    def vectors_for_all(self, keys, allow_inference=True, copy_vecattrs=False):
        """A new KeyedVectors holding the vectors of those of `keys` that are here.

        Keys keep their order in `keys`; repeats and unknown keys are left out (word2vec
        vectors cannot be inferred for an unknown key, so `allow_inference` changes nothing).
        Each key's ``count`` is made up as in :meth:`load_word2vec_format` (the number of kept
        keys minus its position) unless `copy_vecattrs`, which copies every per-key attribute.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> subset = kv.vectors_for_all(["c", "zzz", "a", "c"])
        >>> subset.index_to_key, subset["c"].tolist()
        (['c', 'a'], [1.0, 1.0])
        """
        wanted = [key for key in dict.fromkeys(keys) if key in self]
        rows = [self.get_index(key) for key in wanted]
        kv = KeyedVectors(self.vector_size, dtype=self.vectors.dtype)
        kv.add_vectors(wanted, self.vectors[rows])
        kv.allocate_vecattrs(["count"], [np.int64])
        kv.expandos["count"][:] = np.arange(len(wanted), 0, -1)
        if copy_vecattrs:
            for attr, values in self.expandos.items():
                kv.expandos[attr] = values[rows].copy()
        return kv

    def __setitem__(self, keys, weights):
        """Add or replace vectors: ``add_vectors(keys, weights, replace=True)``.

        A `keys` that is not a list is taken as a single key.
        """
        if not isinstance(keys, list):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    # --- nearest neighbours ------------------------------------------------------------------

    def most_similar(self, positive=None, negative=None, topn=10, clip_start=0, clip_end=None,
                     restrict_vocab=None, indexer=None):
        """Keys nearest (by cosine) to the weighted mean of positive and negative examples.

        Parameters
        ----------
        positive, negative : key, vector, or list of (key or vector or (key or vector, weight))
            Examples; plain entries weigh +1 (positive) or -1 (negative), a tuple's weight is
            used as given. Each key's vector is unit-normalised before averaging.
        topn : int or None, optional
            Number of results; None returns the similarity to every row of the searched range.
        clip_start, clip_end : int, optional
            Search only rows ``clip_start:clip_end``.
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` rows (overrides the clip range).
        indexer : object, optional
            Approximate-nearest-neighbour index with a ``most_similar(vector, topn)`` method.

        Returns
        -------
        list of (key, float) or numpy.ndarray
            Best first; keys given as examples are left out.

        Raises
        ------
        KeyError
            If an example key is absent.
        ValueError
            If there are no examples.

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["king", "man", "woman", "queen"],
        ...                [[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.1, 2.0]])
        >>> kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0]
        'queen'
        >>> kv.most_similar("man", topn=None).shape
        (4,)
        """
        _similarity.check_query_limits(topn, restrict_vocab)
        if isinstance(topn, Integral) and topn < 1:
            return []
        keys, weights = _similarity.weighted_examples(positive, negative)
        self.fill_norms()
        clip_end = clip_end or len(self.vectors)
        if restrict_vocab:
            clip_start, clip_end = 0, restrict_vocab
        mean = self.get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True,
                                    ignore_missing=False)
        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        exclude = {self.get_index(key) for key in keys if isinstance(key, KEY_TYPES) and key in self}
        scores = self.vectors[clip_start:clip_end] @ mean / self.norms[clip_start:clip_end]
        if not topn:
            return scores
        return _similarity.ranked(scores, self.index_to_key, topn, exclude, start=clip_start)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Nearest keys by the multiplicative objective 3CosMul (Levy and Goldberg, 2014).

        Each row scores ``prod((1 + cos(row, p)) / 2) / (prod((1 + cos(row, n)) / 2) + 1e-6)``
        over positive examples ``p`` and negative ``n``. Keys are unit-normalised, raw vectors
        used as given. Unlike gensim 4.4, `restrict_vocab` limits the search to the first rows.

        Returns
        -------
        list of (key, float) or numpy.ndarray
            As :meth:`most_similar`.

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["king", "man", "woman", "queen"],
        ...                [[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.1, 2.0]])
        >>> kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=1)[0][0]
        'queen'
        """
        _similarity.check_query_limits(topn, restrict_vocab)
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = _similarity.query_list(positive), _similarity.query_list(negative)
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        self.fill_norms()
        exclude = {self.get_index(item) for item in positive + negative
                   if not isinstance(item, np.ndarray) and item in self}
        end = restrict_vocab or len(self.vectors)
        rows, norms = self.vectors[:end], self.norms[:end]
        positive, negative = ([item if isinstance(item, np.ndarray) else self.get_vector(item, norm=True)
                               for item in items] for items in (positive, negative))
        scores = _similarity.cosmul_scores(_similarity.cosines(rows, norms, positive),
                                           _similarity.cosines(rows, norms, negative))
        if not topn:
            return scores
        return _similarity.ranked(scores, self.index_to_key, topn, exclude)

    def similar_by_key(self, key, topn=10, restrict_vocab=None, indexer=None):
        """:meth:`most_similar` of a single key (`indexer`: w2vlib's extension, as there)."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab,
                                 indexer=indexer)

    def similar_by_word(self, word, topn=10, restrict_vocab=None, indexer=None):
        """Alias of :meth:`similar_by_key`."""
        return self.similar_by_key(word, topn, restrict_vocab, indexer)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None, indexer=None):
        """:meth:`most_similar` of a raw vector (`indexer`: w2vlib's extension, as there).

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["east", "north", "west"], [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
        >>> [(key, round(score, 4)) for key, score in kv.similar_by_vector(np.array([1.0, 0.2]), topn=2)]
        [('east', 0.9806), ('north', 0.1961)]
        """
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab,
                                 indexer=indexer)

    def most_similar_batch(self, keys_or_vectors, topn=10, restrict_vocab=None):
        """Nearest keys of many queries at once: for each key or vector, what
        :meth:`similar_by_key` / :meth:`similar_by_vector` return (w2vlib's extension; exact).

        The queries are scored in passes of ``BATCH_QUERIES`` (1024): one matrix product per
        block of rows, so each pass reads the vectors once and holds at most 64 MiB of scores
        (the vectors are never copied; a memory-mapped set is read block by block). Equal
        scores rank by row number. A zero row's score is NaN and ranks last.

        Parameters
        ----------
        keys_or_vectors : key, 1-D numpy.ndarray, list of (key or 1-D numpy.ndarray), or 2-D numpy.ndarray
            The queries; a 2-D array is one query per row. A key is left out of its own
            neighbours (as in ``most_similar``); a vector is scaled to unit length.
        topn : int, optional
            Neighbours per query.
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` rows.

        Returns
        -------
        list of list of (key, float)
            One list per query, in order, best first.

        Raises
        ------
        KeyError
            If a key is absent (before any scoring).
        ValueError
            If a vector is not of ``(vector_size,)`` finite numbers.

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["cat", "dog", "car", "bus"],
        ...                [[1.0, 0.1], [0.9, 0.2], [-0.2, 1.0], [-0.1, 0.9]])
        >>> for neighbours in kv.most_similar_batch(["cat", "car", np.array([1.0, 0.0])], topn=2):
        ...     print([(key, round(score, 3)) for key, score in neighbours])
        [('dog', 0.993), ('bus', -0.011)]
        [('bus', 0.996), ('dog', 0.021)]
        [('cat', 0.995), ('dog', 0.976)]
        """
        _similarity.check_query_limits(topn, restrict_vocab)
        if topn is None:
            raise TypeError("most_similar_batch needs an integer topn")
        queries = _similarity.query_list(keys_or_vectors)
        own = [self.get_index(item) if isinstance(item, KEY_TYPES) else -1 for item in queries]
        for item in queries:
            if not isinstance(item, KEY_TYPES):
                _similarity.checked_query_vector(np.asarray(item), self.vector_size)
        if topn < 1:
            return [[] for _ in queries]
        self.fill_norms()
        end = restrict_vocab or len(self.vectors)
        results = []
        for start in range(0, len(queries), _similarity.BATCH_QUERIES):
            chunk = slice(start, start + _similarity.BATCH_QUERIES)
            rows = [self.vectors[index] if index >= 0 else np.asarray(item)
                    for item, index in zip(queries[chunk], own[chunk])]
            block = _similarity.unit_vector(np.vstack(rows)).astype(self.vectors.dtype)
            wanted = topn + any(0 <= index < end for index in own[chunk])
            found, scores = _similarity.top_rows(self.vectors[:end], self.norms[:end], block, wanted)
            results += _similarity.ranked_rows(found, scores, own[chunk], self.index_to_key, topn)
        return results

    def closer_than(self, key1, key2):
        """Keys (in storage order) closer to `key1` than `key2` is."""
        return _similarity.closer_than(self.distances(key1), self.index_to_key,
                                       self.get_index(key1), self.get_index(key2))

    def rank(self, key1, key2):
        """Rank of `key2` among all keys by distance from `key1` (1 = nearest)."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1, keys_list):
        """The key of `keys_list` most similar to `key1`."""
        return keys_list[np.argmax([self.similarity(key1, key) for key in keys_list])]

    def rank_by_centrality(self, words, use_norm=True):
        """The present `words` as ``(similarity to their centroid, word)``, most central first.

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
        >>> [word for _, word in kv.rank_by_centrality(["a", "b", "c"])]
        ['b', 'a', 'c']
        """
        self.fill_norms()
        used = [word for word in words if word in self]
        if len(used) != len(words):
            logger.warning("ignoring words without a vector: %s", set(words) - set(used))
        if not used:
            raise ValueError("cannot select a word from an empty list")
        vectors = np.vstack([self.get_vector(word, norm=use_norm) for word in used]).astype(np.float32)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        return sorted(zip(vectors @ mean, used), reverse=True)

    def doesnt_match(self, words):
        """The word of `words` farthest from their centroid.

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
        >>> kv.doesnt_match(["a", "b", "c"])
        'c'
        """
        return self.rank_by_centrality(words)[-1][1]

    def wmdistance(self, document1, document2, norm=True):
        """Word Mover's Distance between two documents (lists of tokens).

        Each document weighs its distinct in-vocabulary words by their share of its tokens; the
        distance is the least cost of moving one document's weights onto the other's, where
        moving weight between two words costs the euclidean distance of their vectors (unit
        vectors when `norm`). Solved exactly: by POT's network simplex when the POT package is
        installed (gensim's solver, which gensim requires), else by scipy's much slower HiGHS.
        Out-of-vocabulary tokens are dropped; if a document has none left the distance is
        ``inf``, as in gensim.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["cat", "dog", "car"], [[1.0, 0.0], [1.0, 0.2], [0.0, 1.0]])
        >>> kv.wmdistance(["cat", "cat"], ["cat"])
        0.0
        >>> kv.wmdistance(["cat"], ["dog"]) < kv.wmdistance(["cat"], ["car"])
        True
        """
        from w2vlib._wmd import word_movers_distance

        return word_movers_distance(self, document1, document2, norm=norm)

    def similarity_unseen_docs(self, *args, **kwargs):
        """Not for word vectors, as in gensim: a document model (Doc2Vec) answers it."""
        raise NotImplementedError("Call similarity_unseen_docs on a Doc2Vec model instead.")

    # --- similarity measures -----------------------------------------------------------------

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False,
                        ignore_missing=True):
        """Weighted mean of the vectors of `keys`.

        Parameters
        ----------
        keys : list of (str or int or numpy.ndarray)
            Keys, or raw vectors used as given.
        weights : list of float or numpy.ndarray, optional
            One weight per key (default 1); the mean divides by the sum of their absolute values.
        pre_normalize : bool, optional
            Scale each key's vector to unit length first (raw vectors are never scaled).
        post_normalize : bool, optional
            Scale the mean to unit length.
        ignore_missing : bool, optional
            Skip keys that are absent instead of raising KeyError.

        Returns
        -------
        numpy.ndarray

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], [[2.0, 0.0], [0.0, 1.0]])
        >>> kv.get_mean_vector(["a", "b", "missing"])
        array([0.5, 0.5], dtype=float32)
        """
        weights = _similarity.mean_weights(keys, weights, self.vectors.dtype)
        rows, used = [], []
        for position, key in enumerate(keys):
            if isinstance(key, np.ndarray):
                rows.append(_similarity.checked_query_vector(key, self.vector_size))
            elif key in self:
                rows.append(self.get_vector(key, norm=pre_normalize))
            elif not ignore_missing:
                raise KeyError(f"Key '{key}' not present in vocabulary")
            else:
                continue
            used.append(position)
        return _similarity.weighted_mean(rows, weights[used], self.vector_size, self.vectors.dtype,
                                         post_normalize)

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        """Cosine similarity of `vector_1` with each row of `vectors_all`.

        >>> KeyedVectors.cosine_similarities(np.array([1.0, 0.0]), np.array([[2.0, 0.0], [0, 3]]))
        array([1., 0.])
        """
        return _similarity.cosine_similarities(vector_1, vectors_all)

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances (1 - similarity) from a key or vector to `other_words`, or to every
        row when `other_words` is empty.

        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], [[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
        >>> round(float(kv.distance("a", "c")), 3), kv.rank("a", "c")
        (1.0, 2)
        """
        if isinstance(word_or_vector, KEY_TYPES):
            word_or_vector = self.get_vector(word_or_vector)
        if not other_words:
            others = self.vectors
        else:
            others = self.vectors[[self.get_index(word) for word in other_words]]
        return 1 - _similarity.cosine_similarities(word_or_vector, others)

    def similarity(self, w1, w2):
        """Cosine similarity of two keys (a numpy float)."""
        return _similarity.cosine(self[w1], self[w2])

    def distance(self, w1, w2):
        """Cosine distance ``1 - similarity(w1, w2)``."""
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """Cosine similarity of the (unnormalised) mean vectors of two key lists; absent keys are
        skipped. Raises ZeroDivisionError if a list is empty, as gensim does."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        return _similarity.cosine(self.get_mean_vector(ws1, pre_normalize=False),
                                  self.get_mean_vector(ws2, pre_normalize=False))

    def relative_cosine_similarity(self, wa, wb, topn=10):
        """``similarity(wa, wb)`` over the sum of the similarities of `wa`'s `topn` neighbours
        (Leeuwenberg et al., 2016)."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / sum(sim for _, sim in sims)

    # --- evaluation --------------------------------------------------------------------------

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False, similarity_function="most_similar"):
        """Accuracy on analogy questions ``a b c d`` ("a is to b as c is to d").

        Each question is answered with the key nearest to ``b - a + c`` (``most_similar``) or by
        3CosMul (``most_similar_cosmul``) among the first `restrict_vocab` keys, leaving out the
        question's own words; like gensim, the first of the 5 nearest keys that is not one of
        ``a, b, c`` is the answer.

        Parameters
        ----------
        analogies : str
            Path of a file of ``: section`` lines, each followed by 4-word question lines (lines
            of another length are skipped); for example ``datapath('questions-words.txt')``.
        restrict_vocab : int or None, optional
            Use only the first keys (the most frequent when the keys are sorted by frequency);
            questions with another word are out of vocabulary.
        case_insensitive : bool, optional
            Compare words upper-cased; of keys differing only in case, the first is used.
        dummy4unknown : bool, optional
            Count out-of-vocabulary questions as incorrect instead of skipping them.
        similarity_function : {'most_similar', 'most_similar_cosmul'}, optional

        Returns
        -------
        score : float
            Overall accuracy (0.0 if nothing was evaluated).
        sections : list of dict
            ``{'section': name, 'correct': [(a, b, c, d), ...], 'incorrect': [...]}`` in file
            order, then ``'Total accuracy'`` with all questions.

        Raises
        ------
        ValueError
            On an unknown `similarity_function`, a question before any section line, or bytes
            that are not UTF-8 (the message names the file and line).

        >>> from w2vlib import datapath
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["man", "woman", "king", "queen"], [[1, 0], [0, 1], [1, 0.2], [0.2, 1]])
        >>> score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"))
        >>> score, sections[4]["section"], sections[4]["correct"][0], sections[-1]["section"]
        (1.0, 'family', ('KING', 'QUEEN', 'MAN', 'WOMAN'), 'Total accuracy')
        """
        self.fill_norms()
        return _evaluation.evaluate_word_analogies(
            self.index_to_key, self.vectors, self.norms, analogies, restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive, dummy4unknown=dummy4unknown,
            similarity_function=similarity_function)

    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """Correlation between the cosine similarities and human similarity scores.

        Parameters
        ----------
        pairs : str
            Path of a file of ``word1 <delimiter> word2 <delimiter> score`` lines; lines
            starting with ``#`` and malformed lines are skipped (for example
            ``datapath('wordsim353.tsv')``).
        delimiter : str, optional
        encoding : str, optional
        restrict_vocab : int or None, optional
            Use only the first keys; pairs with another word are out of vocabulary.
        case_insensitive : bool, optional
            Compare words upper-cased; of keys differing only in case, the first is used.
        dummy4unknown : bool, optional
            Give out-of-vocabulary pairs a model similarity of 0.0 instead of skipping them.

        Returns
        -------
        pearson : scipy.stats._result_classes.PearsonRResult
            ``(statistic, pvalue)`` of :func:`scipy.stats.pearsonr`.
        spearman : scipy.stats._stats_py.SignificanceResult
            ``(statistic, pvalue)`` of :func:`scipy.stats.spearmanr`.
        oov_ratio : float
            Percentage of out-of-vocabulary pairs; with `dummy4unknown` gensim divides by the
            number of pairs used (all of them), otherwise by that number plus the skipped ones.

        Raises
        ------
        ValueError
            If no pair can be used, or the file cannot be decoded (naming the file and line).
        """
        return _evaluation.evaluate_word_pairs(
            self.index_to_key, self.vectors, pairs, delimiter=delimiter, encoding=encoding,
            restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
            dummy4unknown=dummy4unknown, owner=str(self))

    @staticmethod
    def log_evaluate_word_pairs(pearson, spearman, oov, pairs):
        """Log the result of :meth:`evaluate_word_pairs` as gensim does (three INFO lines)."""
        _evaluation.log_word_pairs(pearson, spearman, oov, pairs)

    @staticmethod
    def log_accuracy(section):
        """Log one section of :meth:`evaluate_word_analogies`' result as gensim does
        (``name: x% (correct/total)``; nothing for a section without questions)."""
        _evaluation.section_accuracy(section)

    # --- files -------------------------------------------------------------------------------

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

    def save(self, fname, **options):
        """Save to w2vlib's native, pickle-free file (see :meth:`load`).

        Per-key attributes must be numeric arrays (object arrays cannot be stored). gensim's
        options are accepted: ``separately``, ``sep_limit`` and ``pickle_protocol`` have
        nothing to choose in the native file (every array is stored on its own and can be
        memory-mapped; nothing is pickled); ``ignore`` can name ``'norms'``, which is never
        stored.

        >>> import os, tempfile
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], [[1.0, 2.0], [3.0, 4.0]])
        >>> path = os.path.join(tempfile.mkdtemp(), "vectors.kv")
        >>> kv.save(path, sep_limit=0, ignore=["norms"])
        >>> KeyedVectors.load(path, mmap="r")["b"].tolist()
        [3.0, 4.0]
        """
        _checks.left_out(options, LEAVABLE)
        self.add_lifecycle_event("saved", fname=path_text(fname))
        _vectors_file.save(self, fname)

    @classmethod
    def load(cls, fname, mmap=None):
        """Load a file written by :meth:`save`; ``mmap='r'`` maps the arrays read-only.

        Raises
        ------
        ValueError
            If the file is inconsistent, or holds another kind of object
            (:class:`~w2vlib.errors.WrongKindError`, also an AttributeError as in gensim).
        """
        kv = _vectors_file.load(cls, fname, mmap=mmap)
        kv.add_lifecycle_event("loaded", fname=path_text(fname))
        return kv


def _stable_descending(values):
    """Permutation that sorts `values` in descending order, ties kept in their original order.

    >>> _stable_descending(np.array([1, 3, 3, 2])).tolist()
    [1, 2, 3, 0]
    """
    ascending_of_reversed = np.argsort(values[::-1], kind="stable")
    return len(values) - 1 - ascending_of_reversed[::-1]

#: gensim 4 keeps this name of gensim 3's word-vector class as an alias; so does w2vlib.
Word2VecKeyedVectors = KeyedVectors
