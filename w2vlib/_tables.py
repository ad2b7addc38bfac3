"""Lookup tables the training kernels read: Huffman paths and the negative-sampling alias table.

Both tables are built from the vocabulary's word counts, once per ``build_vocab``, without a
Python loop per word (the Huffman tree in :mod:`w2vlib._huffman`, the alias table with numpy),
and are handed to the compiled kernels as flat arrays.

* :func:`huffman_tree` — the binary Huffman tree of hierarchical softmax, as CSR arrays: word
  ``w``'s path from the root is ``codes[offsets[w]:offsets[w + 1]]`` (the branch taken at each
  inner node) and ``points[offsets[w]:offsets[w + 1]]`` (the inner nodes, i.e. rows of ``syn1``).
* :func:`alias_table` — a Walker/Vose alias table for negative sampling: one 64-bit random number
  draws a word in O(1) with two array reads, from the exact distribution
  ``p[i] ∝ counts[i] ** ns_exponent`` up to the 32-bit resolution of the acceptance thresholds.
  :func:`alias_draw` is the numpy twin of the kernels' draw.

Examples
--------
>>> import numpy as np
>>> codes, points, offsets = huffman_tree([5, 3, 2])
>>> [codes[offsets[w]:offsets[w + 1]].tolist() for w in range(3)]
[[1], [0, 1], [0, 0]]
>>> accept, alias = alias_table([3, 1], ns_exponent=1.0)
>>> random = np.random.default_rng(0).integers(0, 2**64, 100000, np.uint64)
>>> draws = alias_draw(accept, alias, random)
>>> round(float(np.mean(draws == 0)), 2)
0.75
"""
import numpy as np

from w2vlib import _huffman

#: Acceptance thresholds are compared with the low 32 bits of the random number.
ACCEPT_SCALE = 1 << 32
#: Probability masses are exact integers in units of 2**-62 while the alias table is built.
_MASS_BITS = 62
#: Largest vocabulary the int32 alias array (and the 32-bit bucket pick) can address.
MAX_ALIAS_WORDS = 2**31 - 1
#: Huffman weights are summed in int64; the total must leave room for doubling.
_MAX_HUFFMAN_TOTAL = 2**62


def _as_counts(counts, what):
    """Return `counts` as a 1-D int64 array of non-negative integers, or raise ValueError."""
    array = np.asarray(counts)
    if array.ndim != 1:
        raise ValueError(f"{what}: counts must be a 1-D array, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{what}: counts must be integers, got dtype {array.dtype}")
    array = array.astype(np.int64, copy=False)
    if array.size and array.min() < 0:
        bad = int(np.argmin(array))
        raise ValueError(f"{what}: counts must be non-negative, counts[{bad}] = {array[bad]}")
    return array


# ---------------------------------------------------------------------------------------------
# Huffman tree
# ---------------------------------------------------------------------------------------------

def huffman_tree(counts):
    """Build the Huffman tree of hierarchical softmax from word counts.

    Parameters
    ----------
    counts : array_like of int, shape (n,)
        Non-negative word counts, in vocabulary order (any order; usually descending).

    Returns
    -------
    codes : ndarray of uint8
        Branch bits of all paths, concatenated (0 = first child taken, 1 = second).
    points : ndarray of int32
        Inner nodes of all paths, concatenated: rows of ``syn1`` in ``0 .. n - 2``; every path
        starts at the root, ``n - 2``.
    offsets : ndarray of int64, shape (n + 1,)
        Word ``w``'s path is ``codes[offsets[w]:offsets[w + 1]]`` and
        ``points[offsets[w]:offsets[w + 1]]``.

    Raises
    ------
    ValueError
        If `counts` is not 1-D, not integer, has a negative entry, or sums to 2**62 or more.

    Notes
    -----
    The tree is optimal (minimal ``sum(counts * path_length)``) and built in O(n log n) (the sort;
    then linear in the paths' total length, compiled) with
    word2vec.c's tie rules: among equal counts the word with the higher index is merged first,
    and an inner node goes before a leaf of equal weight. Inner node ``k`` is the ``k``-th one
    created, so the root is the last. A vocabulary of one word gets an empty path (no inner
    node: hierarchical softmax has nothing to train for it), as in gensim.

    Examples
    --------
    >>> codes, points, offsets = huffman_tree([4, 2, 1, 1])
    >>> offsets.tolist()
    [0, 1, 3, 6, 9]
    >>> [points[offsets[w]:offsets[w + 1]].tolist() for w in range(4)]
    [[2], [2, 1], [2, 1, 0], [2, 1, 0]]
    >>> huffman_tree([7])[2].tolist()
    [0, 0]
    """
    counts = _as_counts(counts, "huffman_tree")
    n = len(counts)
    # The max bound is a cheap test; only huge counts pay for the exact (Python int) sum.
    if n and int(counts.max()) >= _MAX_HUFFMAN_TOTAL // n:
        total = int(counts.sum(dtype=object))
        if total >= _MAX_HUFFMAN_TOTAL:
            raise ValueError(f"huffman_tree: the counts sum to {total}, over the limit 2**62")
    if n < 2:
        return np.empty(0, np.uint8), np.empty(0, np.int32), np.zeros(n + 1, np.int64)
    # Ascending count; among ties the higher word index first (word2vec.c's order).
    order = np.lexsort((-np.arange(n), counts))
    return _huffman.build(np.ascontiguousarray(counts[order]), order.astype(np.int64))


# ---------------------------------------------------------------------------------------------
# Alias table
# ---------------------------------------------------------------------------------------------

def _integer_masses(weights, total):
    """Split `total` integer units among items in proportion to `weights` (largest remainder)."""
    scaled = weights * (total / weights.sum())
    units = np.floor(scaled).astype(np.int64)
    short = total - int(units.sum())
    if short < 0:
        # Only float rounding (a few units) can overshoot; the heaviest item absorbs it.
        units[np.argmax(units)] += short
        return units
    positive = np.flatnonzero(weights > 0)
    rounds, remainder = divmod(short, len(positive))
    units[positive] += rounds
    if remainder:
        fraction = scaled[positive] - np.floor(scaled[positive])
        units[positive[np.argpartition(-fraction, remainder - 1)[:remainder]]] += 1
    return units


def _sweep(mass, capacity):
    """Vose's alias construction, vectorised as one sweep over cumulative sums.

    Bucket ``i`` (capacity ``capacity[i]``) keeps item ``i`` up to its mass; the over-full items
    ("large", in index order) hand their excess, in turn, to the under-full ones ("small", in
    index order). A large item keeps giving whole deficits until its own remainder drops below its
    capacity; the next large item then tops up its bucket and carries on. With cumulative sums of
    deficits ``D`` and excesses ``X``, small ``j`` is topped up by the first large ``k`` with
    ``X[k] > D[j-1]``, and large ``k`` ends short by ``min{D >= X[k]} - X[k]``.

    Returns
    -------
    own : ndarray of int64
        Mass of item ``i`` kept in bucket ``i``; -1 somewhere if the capacities made a large item
        give away more than it had (possible only with unequal capacities).
    alias : ndarray of int32
        The item filling the rest of each bucket (the bucket's own item when it is full).
    """
    n = len(mass)
    excess = mass - capacity
    large = np.flatnonzero(excess > 0)
    small = np.flatnonzero(excess < 0)
    own = mass.copy()
    alias = np.arange(n, dtype=np.int32)
    if not len(small):
        return own, alias
    deficit_before = np.zeros(len(small) + 1, dtype=np.int64)
    np.cumsum(-excess[small], out=deficit_before[1:])
    excess_through = np.cumsum(excess[large])
    alias[small] = large[np.searchsorted(excess_through, deficit_before[:-1], side="right")]
    covered = deficit_before[np.searchsorted(deficit_before, excess_through, side="left")]
    short = covered - excess_through
    own[large] = np.where(short <= capacity[large], capacity[large] - short, -1)
    alias[large[:-1]] = np.where(short[:-1] > 0, large[1:], large[:-1])
    return own, alias


def _bucket_sizes(n):
    """How many of the 2**32 values of ``r >> 32`` pick each bucket ``((r >> 32) * n) >> 32``."""
    # Bucket i gets the h with i * 2**32 <= h * n < (i + 1) * 2**32: from ceil(i * 2**32 / n) on.
    scaled = np.arange(n + 1, dtype=np.uint64) << np.uint64(32)
    starts = (scaled + np.uint64(n - 1)) // np.uint64(n)
    return np.diff(starts).astype(np.int64)


def alias_table(counts, ns_exponent=0.75):
    """Build the alias table drawing word ``i`` with probability ∝ ``counts[i] ** ns_exponent``.

    Parameters
    ----------
    counts : array_like of int, shape (n,)
        Non-negative word counts in vocabulary order.
    ns_exponent : float, optional
        Exponent shaping the distribution, as gensim's ``ns_exponent``: 1 follows the counts, 0 is
        uniform, a negative value favours rare words (then every count must be positive).

    Returns
    -------
    accept : ndarray of uint64, shape (n,)
        Acceptance thresholds scaled by 2**32 (2**32 means always accept).
    alias : ndarray of int32, shape (n,)
        The word drawn when bucket ``i`` does not accept.

    Raises
    ------
    ValueError
        If there are no words, more than 2**31 - 1, a negative count, or if the weights are not
        finite or all zero.

    Notes
    -----
    A draw takes one 64-bit random ``r``: bucket ``i = ((r >> 32) * n) >> 32``, then ``i`` if
    ``(r & 0xffffffff) < accept[i]`` else ``alias[i]``. When ``n`` does not divide 2**32 the
    buckets are picked with slightly unequal odds (``floor`` or ``ceil`` of ``2**32 / n`` values
    each); the table is built for those exact odds, so each word's probability is exact up to
    the rounding of its thresholds (half of ``2**-32 / n`` per bucket it appears in). In the rare
    case where no alias table exists for those unequal odds, it is built for equal odds instead,
    which costs at most a relative ``n / 2**32`` per bucket.

    Examples
    --------
    >>> accept, alias = alias_table([1, 1, 2, 4], ns_exponent=1.0)
    >>> (accept / 2**32).tolist(), alias.tolist()
    ([0.5, 0.5, 1.0, 1.0], [3, 3, 2, 3])
    >>> alias_table([5, 0, 9, 2], ns_exponent=0.0)[0].tolist() == [2**32] * 4
    True
    """
    counts = _as_counts(counts, "alias_table")
    n = len(counts)
    if not 0 < n <= MAX_ALIAS_WORDS:
        raise ValueError(f"alias_table: need between 1 and {MAX_ALIAS_WORDS} words, got {n}")
    with np.errstate(divide="ignore", over="ignore"):
        weights = np.power(counts.astype(np.float64), float(ns_exponent))
    if not np.all(np.isfinite(weights)):
        bad = int(np.flatnonzero(~np.isfinite(weights))[0])
        raise ValueError(f"alias_table: counts[{bad}] ** {ns_exponent} = {weights[bad]} "
                         "is not finite")
    if not weights.sum() > 0:
        raise ValueError("alias_table: every word has zero weight; nothing can be drawn")
    sizes = _bucket_sizes(n)
    total = 1 << _MASS_BITS
    unit_bits = _MASS_BITS - 32
    own, alias = _sweep(_integer_masses(weights, total), sizes << unit_bits)
    if own.min() < 0:
        # Equal bucket capacities always admit a table.
        capacity_bits = _MASS_BITS - int(np.ceil(np.log2(n)))
        own, alias = _sweep(_integer_masses(weights, n << capacity_bits),
                            np.full(n, 1 << capacity_bits, dtype=np.int64))
        ratio = own * (ACCEPT_SCALE / 2.0**capacity_bits)
    else:
        ratio = own * (ACCEPT_SCALE / 2.0**unit_bits) / sizes
    accept = np.minimum(np.rint(ratio), ACCEPT_SCALE).astype(np.uint64)
    return accept, alias


def alias_draw(accept, alias, random):
    """Draw words from an alias table exactly as the compiled kernels do (numpy twin).

    Parameters
    ----------
    accept, alias : ndarray
        The table from :func:`alias_table`.
    random : ndarray of uint64
        One uniform 64-bit random number per draw.

    Returns
    -------
    ndarray of int64
        The drawn word indexes.

    Examples
    --------
    >>> import numpy as np
    >>> accept, alias = alias_table([1, 3], ns_exponent=1.0)
    >>> alias_draw(accept, alias, np.array([0, 2**64 - 1], dtype=np.uint64)).tolist()
    [0, 1]
    """
    random = np.asarray(random, dtype=np.uint64)
    n = np.uint64(len(accept))
    bucket = (((random >> np.uint64(32)) * n) >> np.uint64(32)).astype(np.int64)
    low = random & np.uint64(ACCEPT_SCALE - 1)
    return np.where(low < accept[bucket], bucket, alias[bucket].astype(np.int64))
