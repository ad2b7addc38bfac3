"""Word Mover's Distance (Kusner et al., 2015) between two documents, on word vectors.

Each document is a distribution over its distinct words (a word's weight is its share of the
document's tokens); the distance is the least total cost of moving one distribution onto the
other when moving a unit of weight from word ``a`` to word ``b`` costs the euclidean distance of
their vectors. That least cost is a transportation problem, a linear program. gensim solves it
with the network simplex of the optional POT package, and so does w2vlib when POT is installed
(:func:`_pot_cost`); without POT, or if POT stops short of the optimum, :func:`transport_cost`
solves it exactly with scipy's HiGHS, which is much slower on long documents.
"""
import logging

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix
from scipy.spatial.distance import cdist

from w2vlib._similarity import unit_vector

logger = logging.getLogger("w2vlib.keyedvectors")


def transport_cost(supply, demand, cost):
    """Least total cost of moving the weights `supply` onto the weights `demand`.

    Parameters
    ----------
    supply : array of shape (n,)
        Non-negative weights summing to 1.
    demand : array of shape (m,)
        Non-negative weights summing to 1.
    cost : array of shape (n, m)
        ``cost[i, j] >= 0`` is the cost of moving one unit of weight from ``i`` to ``j``.

    Returns
    -------
    float

    Examples
    --------
    One point's weight goes half to a point at cost 4, half to one at cost 2:

    >>> transport_cost([1.0], [0.5, 0.5], [[4.0, 2.0]])
    3.0
    >>> round(transport_cost([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]]), 12)
    0.0
    """
    supply, demand = np.asarray(supply, np.float64), np.asarray(demand, np.float64)
    cost = np.asarray(cost, np.float64)
    n, m = cost.shape
    # HiGHS's tolerances are absolute: solve for costs scaled to at most 1, then scale back.
    scale = float(np.abs(cost).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    # Variable i * m + j is the weight moved from i to j. Its row i sums to supply[i] and its
    # column j to demand[j]; the last column's constraint follows from the others (both sides
    # sum to 1) and is left out, so rounding in the weights cannot make the problem infeasible.
    variables = np.arange(n * m)
    rows = np.concatenate([variables // m, n + variables % m])
    keep = rows < n + m - 1
    constraints = csr_matrix((np.ones(int(keep.sum())), (rows[keep], np.tile(variables, 2)[keep])),
                             shape=(n + m - 1, n * m))
    result = linprog(cost.ravel() / scale, A_eq=constraints, b_eq=np.concatenate([supply, demand[:-1]]),
                     bounds=(0, None), method="highs")
    if result.status != 0:
        raise RuntimeError(f"the transport problem was not solved: {result.message}")
    return max(0.0, float(result.fun)) * scale


def _pot_cost(supply, demand, cost):
    """The least cost by POT's network simplex (gensim's solver), or None if POT is not
    installed or did not reach the optimum within its iteration budget."""
    try:
        from ot import emd2
    except ImportError:
        return None
    value, log = emd2(supply, demand, cost, log=True, numItermax=max(100_000, 100 * cost.size))
    return float(value) if log.get("result_code") == 1 else None


def _distribution(tokens):
    """Distinct words in first-seen order and each one's share of the tokens."""
    counts = {}
    for token in tokens:
        counts[token] = counts.get(token, 0) + 1
    return list(counts), np.array(list(counts.values()), np.float64) / len(tokens)


def _document(tokens, name):
    if isinstance(tokens, (str, bytes)):
        raise TypeError(f"{name} is a {type(tokens).__name__}; expected a list of str tokens "
                        "(split it first, e.g. text.split())")
    return list(tokens)


def word_movers_distance(kv, document1, document2, norm=True):
    """Word Mover's Distance between two token lists; see :meth:`KeyedVectors.wmdistance`."""
    documents = [_document(document1, "document1"), _document(document2, "document2")]
    known = [[token for token in document if token in kv] for document in documents]
    removed = [len(document) - len(kept) for document, kept in zip(documents, known)]
    if any(removed):
        logger.info("Removed %d and %d OOV words from document 1 and 2 (respectively).", *removed)
    if not known[0] or not known[1]:
        logger.warning("At least one of the documents had no words that were in the vocabulary.")
        return float("inf")
    (words1, weights1), (words2, weights2) = (_distribution(kept) for kept in known)
    vectors1, vectors2 = (kv.vectors[[kv.get_index(word) for word in words]].astype(np.float64)
                          for words in (words1, words2))
    if norm:   # a zero vector stays zero
        vectors1, vectors2 = unit_vector(vectors1), unit_vector(vectors2)
    for words, vectors in ((words1, vectors1), (words2, vectors2)):
        bad = ~np.isfinite(vectors).all(axis=1)
        if bad.any():
            raise ValueError(f"the vector of {words[int(np.argmax(bad))]!r} holds NaN or infinity")
    costs = cdist(vectors1, vectors2)
    if not np.isfinite(costs).all():
        raise ValueError("distances between these vectors overflow float64")
    fast = _pot_cost(weights1, weights2, costs)
    return transport_cost(weights1, weights2, costs) if fast is None else fast
