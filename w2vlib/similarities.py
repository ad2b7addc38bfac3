"""Approximate nearest-neighbour indexes for ``most_similar(..., indexer=...)``.

An exact ``most_similar`` reads every vector (3.6 GB per query over GoogleNews' 3M x 300); an
index answers from a small part of them, at the price of sometimes missing a neighbour. The
indexers follow gensim's protocol (``gensim.similarities.annoy``): built from a model, saved
with ``save(fname)`` (the index in `fname`, its labels in ``fname + '.dict'``), loaded with
``load(fname)``, and queried by ``most_similar`` through ``indexer.most_similar(vector,
num_neighbors)``, which returns ``[(key, cosine similarity), ...]``, best first:

* :class:`AnnoyIndexer`: gensim's class, on Spotify's `annoy`_ (``pip install "w2vlib[annoy]"``);
* :class:`HnswIndexer`: an HNSW graph on `faiss`_ (``pip install "w2vlib[ann]"``): higher
  recall for the same speed and multi-threaded builds (docs/design.md says how it was chosen).

Neither saves a pickle: the labels file is w2vlib's native container, and loading checks that
the index is the one it describes; assigning ``indexer.model`` checks the model has the keys
the index was built on, in the same order.

>>> import os, tempfile
>>> import numpy as np
>>> from w2vlib import KeyedVectors
>>> kv = KeyedVectors(3)
>>> kv.add_vectors(["cat", "dog", "car", "bus"],
...                [[1.0, 0.1, 0.0], [0.9, 0.2, 0.1], [0.0, 1.0, 0.2], [0.1, 0.9, 0.3]])
>>> indexer = HnswIndexer(kv)
>>> [key for key, _ in kv.most_similar("cat", topn=2, indexer=indexer)]
['cat', 'dog']
>>> fname = os.path.join(tempfile.mkdtemp(), "vectors.hnsw")
>>> indexer.save(fname)
>>> loaded = HnswIndexer()
>>> loaded.load(fname)
>>> loaded.model = kv           # checked: the keys the index was built on, in the same order
>>> [key for key, _ in loaded.most_similar(kv["car"], 2)]
['car', 'bus']

As with gensim's indexer, the query's own keys are not left out (the first neighbour of "cat"
is "cat"), and ``restrict_vocab`` and the clip range do not apply.

.. _annoy: https://github.com/spotify/annoy
.. _faiss: https://github.com/facebookresearch/faiss
"""
import os

import numpy as np

from w2vlib import _extras, _index_file
from w2vlib._atomic import atomic_path
from w2vlib._similarity import checked_query_vector
from w2vlib.errors import IndexFileError

__all__ = ["AnnoyIndexer", "HnswIndexer", "KINDS", "load_index", "open_index"]


class _Indexer:
    """What both indexers share: the model and its key check, save/load around the library's
    own index file, the query checks and gensim's result shape. A subclass names its `KIND`,
    `PACKAGE` and `EXTRA` and implements ``_build``, ``_settings``, ``_write``, ``_read``,
    ``_count`` and ``_search``."""

    def __init__(self):
        self.index = self.labels = self._model = self._dims = None
        self._fname = "index"      # the file loaded from, for the messages

    @property
    def model(self):
        """The model the index answers for; assigning one checks its keys are the labels."""
        return self._model

    @model.setter
    def model(self, model):
        if model is not None and self.labels is not None:
            kv = _index_file.model_vectors(model)
            _index_file.check_keys(self._fname, self.labels, kv)
            if kv.vector_size != self._dims:
                raise IndexFileError(self._fname,
                                     f"built on {self._dims} dimensions, the model has {kv.vector_size}")
        self._model = model

    def _build_from(self, model):
        kv = _index_file.model_vectors(model)
        if len(kv.index_to_key) == 0:
            raise ValueError(f"cannot build a {type(self).__name__} on a model without vectors")
        self._library()
        self._dims = kv.vector_size
        self.index = self._build(len(kv.index_to_key), _index_file.unit_blocks(kv))
        self.labels = list(kv.index_to_key)

    def _library(self):
        return _extras.require(self.PACKAGE, self.EXTRA, type(self).__name__)

    def save(self, fname, protocol=None):
        """Save the index to `fname` and its labels to ``fname + '.dict'``.

        Parameters
        ----------
        fname : str or os.PathLike
            A local path; each file is written atomically, the index first.
        protocol : optional
            gensim's pickle protocol: accepted and ignored (nothing is pickled).

        Notes
        -----
        As in gensim, only the index is saved, not the model.
        """
        if self.index is None:
            raise ValueError(f"this {type(self).__name__} holds no index: build or load one first")
        fname = os.fspath(fname)
        with atomic_path(fname) as temp:
            self._write(temp)
        settings = dict(self._settings(), dims=self._dims)
        _index_file.save_labels(fname, self.KIND, settings, self.labels)

    def load(self, fname):
        """Load an index saved by :meth:`save` (its labels from ``fname + '.dict'``).

        Raises
        ------
        FileNotFoundError
            If `fname` or ``fname + '.dict'`` is missing (an IOError, as gensim's).
        w2vlib.errors.IndexFileError
            If the labels are damaged or of another index kind, or the index file is not the
            one they describe (it changed, or comes from another save).
        w2vlib.errors.MissingExtraError
            If the package behind the index is not installed.
        """
        fname = os.fspath(fname)
        meta = _index_file.load_labels(fname, self.KIND)
        self._library()
        try:
            index = self._read(fname, meta)
        except (OSError, RuntimeError, ValueError) as err:
            raise IndexFileError(fname, f"cannot be read as a {self.KIND} index: {err}") from None
        if self._count(index) != len(meta["keys"]):
            raise IndexFileError(fname, f"holds {self._count(index)} vectors, its labels "
                                        f"{len(meta['keys'])} keys")
        self.index, self._fname, self._dims, self.labels = index, fname, meta["dims"], meta["keys"]
        self._restore(meta)
        self.model = self._model

    def most_similar(self, vector, num_neighbors):
        """The `num_neighbors` keys nearest to `vector`, as ``[(key, cosine similarity), ...]``,
        best first (the protocol ``KeyedVectors.most_similar(indexer=...)`` calls).

        Raises
        ------
        ValueError
            If `vector` is not ``(dims,)`` finite numbers, or `num_neighbors` is not a
            positive integer.
        """
        if self.index is None:
            raise ValueError(f"this {type(self).__name__} holds no index: build or load one first")
        vector = checked_query_vector(np.asarray(vector), self._dims)
        if isinstance(num_neighbors, bool) or not isinstance(num_neighbors, (int, np.integer)) \
                or num_neighbors < 1:
            raise ValueError(f"num_neighbors must be a positive integer, got {num_neighbors!r}")
        ids, similarities = self._search(vector.astype(np.float32),
                                         min(int(num_neighbors), self._count(self.index)))
        return [(self.labels[i], float(s)) for i, s in zip(ids, similarities)]

    def _restore(self, meta):
        """Settings a subclass keeps from the labels file (none by default)."""


class AnnoyIndexer(_Indexer):
    """gensim's ``AnnoyIndexer``: an `annoy <https://github.com/spotify/annoy>`_ forest of
    random-projection trees over the unit-length vectors (angular distance).

    Parameters
    ----------
    model : Word2Vec or KeyedVectors, optional
        The vectors to index (w2vlib's or gensim's); with `num_trees`, the index is built now.
    num_trees : int, optional
        Trees in the forest: more trees, higher recall, a larger index and a slower build.

    Raises
    ------
    w2vlib.errors.MissingExtraError
        If annoy is not installed (``pip install "w2vlib[annoy]"``).

    Examples
    --------
    >>> from w2vlib import Word2Vec
    >>> sentences = [['cute', 'cat', 'say', 'meow'], ['cute', 'dog', 'say', 'woof']]
    >>> model = Word2Vec(sentences, min_count=1, seed=1, workers=1)
    >>> indexer = AnnoyIndexer(model, 2)
    >>> model.wv.most_similar("cat", topn=2, indexer=indexer)[0][0]
    'cat'
    """

    KIND, PACKAGE, EXTRA = "AnnoyIndexer", "annoy", "annoy"

    def __init__(self, model=None, num_trees=None):
        self.num_trees = num_trees
        super().__init__()
        if model is not None and num_trees:
            self._build_from(model)
        self._model = model

    def _build(self, count, blocks):
        index = self._library().AnnoyIndex(self._dims, "angular")
        for start, block in blocks:
            for row, vector in enumerate(block, start):
                index.add_item(row, vector)
        index.build(self.num_trees)
        return index

    def _settings(self):
        return {"f": self._dims, "num_trees": self.num_trees, "metric": "angular"}

    def _write(self, path):
        self.index.save(path)

    def _read(self, fname, meta):
        index = self._library().AnnoyIndex(meta["f"], "angular")
        index.load(fname)
        return index

    def _restore(self, meta):
        self.num_trees = meta["num_trees"]

    @staticmethod
    def _count(index):
        return index.get_n_items()

    def _search(self, vector, count):
        ids, distances = self.index.get_nns_by_vector(vector, count, include_distances=True)
        return ids, [1 - distance ** 2 / 2 for distance in distances]


class HnswIndexer(_Indexer):
    """A hierarchical navigable small-world graph (HNSW) on `faiss
    <https://github.com/facebookresearch/faiss>`_ (``IndexHNSWFlat``, inner product of
    unit-length float32 vectors: the cosine), built with several threads.

    Parameters
    ----------
    model : Word2Vec or KeyedVectors, optional
        The vectors to index (w2vlib's or gensim's); the index is built now.
    connectivity : int, optional
        Graph edges per node (HNSW's M): more, higher recall and a larger index.
    expansion_add : int, optional
        Candidates examined while inserting (``efConstruction``): more, a better graph and a
        slower build.
    expansion_search : int, optional
        Candidates examined per query (``efSearch``): more, higher recall and slower queries;
        may be changed after building or loading through the attribute of the same name.
    threads : int, optional
        Threads building the index (0: faiss' default, all CPUs).

    Raises
    ------
    w2vlib.errors.MissingExtraError
        If faiss is not installed (``pip install "w2vlib[ann]"``).
    """

    KIND, PACKAGE, EXTRA = "HnswIndexer", "faiss", "ann"
    CONNECTIVITY, EXPANSION_ADD, EXPANSION_SEARCH = 16, 200, 128
    """Defaults (benchmarks/bench_neighbours.py measures them: recall@10 on the clustered set)."""

    def __init__(self, model=None, connectivity=CONNECTIVITY, expansion_add=EXPANSION_ADD,
                 expansion_search=EXPANSION_SEARCH, threads=0):
        self.connectivity, self.expansion_add = connectivity, expansion_add
        self._expansion_search, self.threads = expansion_search, threads
        super().__init__()
        if model is not None:
            self._build_from(model)
        self._model = model

    @property
    def expansion_search(self):
        """Candidates examined per query (HNSW's ``efSearch``)."""
        return self._expansion_search

    @expansion_search.setter
    def expansion_search(self, value):
        self._expansion_search = value
        if self.index is not None:
            self.index.hnsw.efSearch = value

    def _build(self, count, blocks):
        faiss = self._library()
        index = faiss.IndexHNSWFlat(self._dims, self.connectivity, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.expansion_add
        index.hnsw.efSearch = self._expansion_search
        threads = faiss.omp_get_max_threads()
        if self.threads:
            faiss.omp_set_num_threads(self.threads)
        try:
            for _, block in blocks:
                index.add(block)
        finally:
            faiss.omp_set_num_threads(threads)
        return index

    def _settings(self):
        return {"connectivity": self.connectivity, "expansion_add": self.expansion_add,
                "expansion_search": self._expansion_search, "metric": "inner product of unit vectors"}

    def _write(self, path):
        self._library().write_index(self.index, path)

    def _read(self, fname, meta):
        faiss = self._library()
        index = faiss.read_index(fname)
        if not isinstance(index, faiss.IndexHNSWFlat) or index.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError(f"a {type(index).__name__}, not an inner-product IndexHNSWFlat")
        if index.d != meta["dims"]:
            raise ValueError(f"{index.d} dimensions, its labels say {meta['dims']}")
        return index

    def _restore(self, meta):
        self.connectivity, self.expansion_add = meta["connectivity"], meta["expansion_add"]
        self.expansion_search = meta["expansion_search"]

    @staticmethod
    def _count(index):
        return index.ntotal

    def _search(self, vector, count):
        length = np.linalg.norm(vector)
        query = (vector / length if length > 0 else vector).reshape(1, -1).astype(np.float32)
        similarities, ids = self.index.search(query, count)
        found = ids[0] >= 0
        return ids[0][found].tolist(), similarities[0][found].tolist()


KINDS = {"annoy": AnnoyIndexer, "hnsw": HnswIndexer}
"""The indexers by short name (the command line's ``--index-kind``)."""

ANNOY_TREES = 100
"""Trees of an :class:`AnnoyIndexer` that :func:`open_index` builds."""


def load_index(fname, model=None):
    """Load a saved index of either kind (named in ``fname + '.dict'``), checked against
    `model`'s keys when given.

    Returns
    -------
    AnnoyIndexer or HnswIndexer
    """
    kind = _index_file.stored_kind(fname)
    classes = {cls.KIND: cls for cls in KINDS.values()}
    if kind not in classes:
        raise IndexFileError(os.fspath(fname) + _index_file.LABELS_SUFFIX, f"labels of a {kind}, "
                             f"not of an index w2vlib knows ({', '.join(classes)})")
    indexer = classes[kind]()
    indexer.load(fname)
    indexer.model = model
    return indexer


def open_index(fname, model, kind="hnsw"):
    """The index saved at `fname` (loaded and checked against `model`, whatever its kind), or,
    when there is none, a new index of `kind` built on `model` and saved there.

    Returns
    -------
    (indexer, built) : (AnnoyIndexer or HnswIndexer, bool)
    """
    if os.path.exists(fname) or os.path.exists(os.fspath(fname) + _index_file.LABELS_SUFFIX):
        return load_index(fname, model), False
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}: {', '.join(KINDS)}")
    indexer = AnnoyIndexer(model, ANNOY_TREES) if kind == "annoy" else HnswIndexer(model)
    indexer.save(fname)
    return indexer, True
