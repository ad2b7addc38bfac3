"""The arithmetic of :class:`w2vlib.KeyedVectors`' similarity queries, on plain arrays.

The methods (``most_similar``, ``most_similar_cosmul``, ``get_mean_vector``, ``similarity``,
``closer_than``...) look keys up and check their arguments; the functions here score: cosines
against every row, the 3CosMul objective, weighted means, the best rows. They take the vectors,
norms and keys they need and never the object. The names and results are gensim 4.4's.

>>> vectors = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
>>> norms = np.linalg.norm(vectors, axis=1)
>>> scores = vectors @ unit_vector(np.array([1.0, 0.2])) / norms
>>> [(key, round(score, 4)) for key, score in ranked(scores, ["a", "b", "c"], topn=2, exclude={0})]
[('b', 0.7452), ('c', 0.1961)]
"""
from numbers import Integral

import numpy as np

KEY_TYPES = (str, int, np.integer)
"""Types taken as a single key (anything else is a sequence of keys)."""

COSMUL_EPSILON = 1e-6
"""Added to the 3CosMul denominator so it cannot be zero (Levy and Goldberg's value)."""


def query_list(value):
    """Query examples as a list: a single key or 1-D vector is wrapped, a 2-D array split
    into rows, None is empty.

    >>> query_list("cat"), query_list(None), len(query_list(np.zeros((3, 2))))
    (['cat'], [], 3)
    """
    if value is None:
        return []
    if isinstance(value, KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    return list(value)


def weighted_examples(positive, negative):
    """``most_similar``'s examples as ``(keys or vectors, weights)``: a plain entry weighs +1
    (positive) or -1 (negative), a ``(key or vector, weight)`` pair its weight.

    >>> weighted_examples(["king", ("woman", 2.0)], "man")
    (['king', 'woman', 'man'], array([ 1.,  2., -1.]))
    """
    examples = [(item, 1.0) for item in query_list(positive)]
    examples += [(item, -1.0) for item in query_list(negative)]
    items, weights = [], []
    for item, default_weight in examples:
        if isinstance(item, KEY_TYPES + (np.ndarray,)):
            items.append(item)
            weights.append(default_weight)
        else:
            items.append(item[0])
            weights.append(item[1])
    return items, np.array(weights, dtype=np.float64)


def checked_query_vector(vector, size):
    """A query vector of `size` finite numbers, or ValueError saying what is wrong with it."""
    if vector.shape != (size,):
        raise ValueError(f"a query vector must have shape ({size},), got {vector.shape}")
    if not np.issubdtype(vector.dtype, np.number):
        raise ValueError(f"a query vector must hold numbers, got dtype {vector.dtype}")
    if not np.isfinite(vector).all():
        raise ValueError("a query vector holds NaN or infinity")
    return vector


def check_query_limits(topn, restrict_vocab):
    """`topn` is an int or None; `restrict_vocab` an int >= 0 or None, else an error."""
    if topn is not None and (isinstance(topn, bool) or not isinstance(topn, Integral)):
        raise TypeError(f"topn must be an integer or None, got {topn!r}")
    if restrict_vocab is not None and (isinstance(restrict_vocab, bool)
                                       or not isinstance(restrict_vocab, Integral)
                                       or restrict_vocab < 0):
        raise ValueError(f"restrict_vocab must be an integer >= 0 or None, got {restrict_vocab!r}")


def unit_vector(vec):
    """`vec` (or each row of a 2-D `vec`) scaled to unit L2 length.

    Computed in float64 and returned in the input's float dtype (float64 for integers), as
    gensim's ``matutils.unitvec`` does; a zero vector stays zero.

    >>> unit_vector(np.array([3.0, 4.0], dtype=np.float32))
    array([0.6, 0.8], dtype=float32)
    """
    vec = np.asarray(vec)
    dtype = vec.dtype if np.issubdtype(vec.dtype, np.floating) else np.float64
    wide = vec.astype(np.float64)
    lengths = np.linalg.norm(wide, axis=-1, keepdims=True)
    return (wide * (1.0 / np.where(lengths > 0, lengths, 1.0))).astype(dtype)


def cosine(vector_1, vector_2):
    """Cosine similarity of two vectors, each scaled to unit length by :func:`unit_vector`
    first (``KeyedVectors.similarity``'s arithmetic; a numpy float).

    >>> float(cosine(np.array([1.0, 0.0]), np.array([1.0, 1.0])).round(4))
    0.7071
    """
    return np.dot(unit_vector(vector_1), unit_vector(vector_2))


def cosine_similarities(vector_1, vectors_all):
    """Cosine similarity of `vector_1` with each row of `vectors_all`.

    >>> cosine_similarities(np.array([1.0, 0.0]), np.array([[2.0, 0.0], [0, 3]]))
    array([1., 0.])
    """
    norm = np.linalg.norm(vector_1)
    all_norms = np.linalg.norm(vectors_all, axis=1)
    return (vectors_all @ vector_1) / (norm * all_norms)


def top_indices(scores, topn):
    """Indices of the `topn` largest `scores`, largest first (NaN last).

    >>> top_indices(np.array([0.1, 0.9, 0.5, 0.7]), 2)
    array([1, 3])
    """
    if topn >= scores.size:
        return np.argsort(-scores)
    best = np.argpartition(-scores, topn)[:topn]
    return best[np.argsort(-scores[best])]


def ranked(scores, index_to_key, topn, exclude, start=0):
    """The `topn` best ``(key, score)`` pairs, best first, leaving out the rows in `exclude`;
    ``scores[i]`` is the score of row ``start + i``.

    >>> ranked(np.array([0.1, 0.9, 0.5]), ["x", "y", "z"], topn=5, exclude={1})
    [('z', 0.5), ('x', 0.1)]
    """
    best = top_indices(scores, topn + len(exclude))
    result = [(index_to_key[i + start], float(scores[i])) for i in best if i + start not in exclude]
    return result[:topn]


def cosines(vectors, norms, terms):
    """For each vector of `terms`, its dot product with every row of `vectors` divided by the
    row's norm (the cosine, for a unit-length term)."""
    return [vectors @ term / norms for term in terms]


def cosmul_scores(positive_cosines, negative_cosines):
    """3CosMul score of each row from its cosines with the positive and negative examples.

    ``prod((1 + cos_p) / 2) / (prod((1 + cos_n) / 2) + COSMUL_EPSILON)``: cosines are shifted
    to [0, 1] so that the product and the ratio are meaningful (Levy and Goldberg, 2014).

    Parameters
    ----------
    positive_cosines, negative_cosines : list of numpy.ndarray
        One array of cosines per example, all of the same shape; `positive_cosines` non-empty.

    Returns
    -------
    numpy.ndarray

    >>> cosmul_scores([np.array([1.0, 0.0])], [np.array([-1.0, 1.0])]).round(3)
    array([1.e+06, 5.e-01])
    """
    numerator = np.prod([(1 + cos) / 2 for cos in positive_cosines], axis=0)
    denominator = np.prod([(1 + cos) / 2 for cos in negative_cosines], axis=0)
    return numerator / (denominator + COSMUL_EPSILON)


def mean_weights(keys, weights, dtype):
    """``get_mean_vector``'s `weights` as an array of `dtype` (1 for every key by default),
    checked against `keys`."""
    if len(keys) == 0:
        raise ValueError("cannot compute mean with no input")
    if isinstance(weights, list):
        weights = np.array(weights, dtype=dtype)
    if weights is None:
        weights = np.ones(len(keys), dtype=dtype)
    if len(keys) != weights.shape[0]:
        raise ValueError("keys and weights array must have same number of elements")
    return weights


def weighted_mean(rows, weights, size, dtype, post_normalize):
    """``sum(weights[i] * rows[i]) / sum(|weights|)`` as a `size`-long vector of `dtype` (zero
    without rows or weights), scaled to unit length (as float32) when `post_normalize`.

    >>> weighted_mean([np.array([2.0, 0.0]), np.array([0.0, 1.0])], np.array([1.0, -1.0]), 2,
    ...               np.float32, post_normalize=False)
    array([ 1. , -0.5])
    """
    mean = np.zeros(size, dtype)
    if rows:
        mean += weights @ np.vstack(rows)
        total_weight = np.abs(weights).sum()
        if total_weight > 0:
            mean = mean / total_weight
    if post_normalize:
        mean = unit_vector(mean).astype(np.float32)
    return mean


def closer_than(distances, index_to_key, index1, index2):
    """Keys, in storage order, of the rows nearer than row `index2` by `distances` (the
    distances from row `index1`, which is left out)."""
    threshold = distances[index2]
    return [index_to_key[i] for i in np.nonzero(distances < threshold)[0] if i != index1]


BATCH_BLOCK_BYTES = 64 * 2 ** 20
"""Scores :func:`top_rows` holds at once: a block of rows times the queries of one pass."""

BATCH_QUERIES = 1024
"""Queries scored in one pass over the matrix by ``KeyedVectors.most_similar_batch``: enough
for a matrix product to pay, few enough to keep a block of rows large."""


def top_rows(vectors, norms, queries, k, block_bytes=None):
    """For each query, the `k` rows with the highest ``vectors @ query / norms``, best first,
    equal scores by row number; one matrix product per block of rows, never a copy of
    `vectors`.

    Parameters
    ----------
    vectors : numpy.ndarray
        The searched rows, ``(n, d)`` (a memory map is read block by block).
    norms : numpy.ndarray
        Their L2 norms, ``(n,)``.
    queries : numpy.ndarray
        ``(m, d)``, of `vectors`' dtype.
    k : int
        Rows wanted per query (at most `n` are returned).
    block_bytes : int, optional
        Bound on the scores held at once (a block of rows times `m`), besides the results;
        ``BATCH_BLOCK_BYTES`` by default.

    Returns
    -------
    rows : numpy.ndarray of int64, ``(m, min(k, n))``
    scores : numpy.ndarray, ``(m, min(k, n))``
        A zero row's score is NaN (0/0) and ranks last, as in ``most_similar``.

    >>> vectors = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    >>> rows, scores = top_rows(vectors, np.linalg.norm(vectors, axis=1),
    ...                         np.array([[1.0, 0.0]], dtype=np.float32), k=3, block_bytes=8)
    >>> rows.tolist(), [round(score, 4) for score in scores[0].tolist()]
    ([[0, 3, 2]], [1.0, 1.0, 0.7071])
    """
    n, m = len(vectors), len(queries)
    k = min(k, n)
    block_bytes = block_bytes or BATCH_BLOCK_BYTES
    block = max(k, 1, block_bytes // (max(m, 1) * vectors.itemsize))
    zero = norms == 0
    inverse = (1 / np.where(zero, 1, norms)).astype(norms.dtype, copy=False)   # n floats, not a matrix
    rows = np.zeros((m, 0), dtype=np.int64)
    scores = np.zeros((m, 0), dtype=np.result_type(vectors.dtype, norms.dtype))
    for start in range(0, n, block):
        end = min(n, start + block)
        products = queries @ vectors[start:end].T
        products *= inverse[start:end]
        products[:, zero[start:end]] = -np.inf            # 0/0: ranks last, reported as NaN
        if scores.shape[1] < k:                            # the first block: the k best of all
            rows, scores = _best(products, np.arange(start, end), k)
            continue
        # later blocks: only a score above the k-th best so far can enter (an equal one has a
        # higher row number, so it ranks after it)
        entering = np.flatnonzero(products > scores[:, -1:])
        if len(entering):
            query, column = np.divmod(entering, end - start)
            rows, scores = _merge(rows, scores, query, column + start, products.ravel()[entering], k)
    scores[scores == -np.inf] = np.nan
    return rows, scores


def _best(scores, rows, k):
    """The `k` best columns of each row of `scores` (``(m, c)``, c >= k), by score then row
    number; `rows` (``(c,)``) names the columns."""
    m, c = scores.shape
    if c > k:
        kth = np.partition(scores, c - k, axis=1)[:, c - k]
        query, column = np.nonzero(scores >= kth[:, np.newaxis])   # ties at the k-th score too
    else:
        query, column = np.divmod(np.arange(m * c), c)
    return _select(query, rows[column], scores[query, column], m, k)


def _merge(rows, scores, query, row, score, k):
    """The best ``(m, k)`` of the current ``rows``/``scores`` and new candidates, given as
    parallel arrays (query, row, score)."""
    m = len(rows)
    every = np.repeat(np.arange(m), k)
    return _select(np.concatenate([every, query]), np.concatenate([rows.ravel(), row]),
                   np.concatenate([scores.ravel(), score]), m, k)


def _select(query, row, score, m, k):
    """From candidates (query, row, score), at least `k` for each of the `m` queries, the `k`
    best of each query by score then row number, as ``(rows, scores)`` of shape ``(m, k)``."""
    order = np.lexsort((row, -score, query))
    query, row, score = query[order], row[order], score[order]
    keep = np.arange(len(query)) - np.searchsorted(query, query) < k
    return row[keep].reshape(m, k), score[keep].reshape(m, k)


def ranked_rows(rows, scores, exclude, index_to_key, topn):
    """:func:`top_rows`' results as ``most_similar``'s lists: ``(key, score)`` pairs, at most
    `topn`, leaving out row ``exclude[i]`` from query ``i``'s (-1: none).

    >>> ranked_rows(np.array([[2, 0, 1]]), np.array([[0.9, 0.5, 0.1]]), [2], ["x", "y", "z"], 1)
    [[('x', 0.5)]]
    """
    return [[(index_to_key[row], float(score)) for row, score in zip(found, values) if row != own][:topn]
            for found, values, own in zip(rows.tolist(), scores.tolist(), exclude)]
