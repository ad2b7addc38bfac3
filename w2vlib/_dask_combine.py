"""How the rows the replicas changed in a round become one update (the sync policies of training
on a Dask cluster, :mod:`w2vlib._dask_train`), and how many updates a row gets per word trained.

For a row changed by ``k`` replicas with deltas ``d_1 .. d_k`` the policies move it by:

* ``"counts"`` (the default): ``sum(d_i) * max(f(n_1 + .. + n_k) / (f(n_1) + .. + f(n_k)),
  min(k, ROWS_CAP) / k)``, where ``n_i`` is the number of updates replica ``i`` is expected to
  have made to the row since it last reported it (:func:`update_rates` times its words, in
  steps of the starting learning rate) and ``f(n) = 1 - exp(-n / KNEE)`` the share of the way
  to its optimum that ``n`` SGD steps go on a quadratic. A row with few updates per replica
  (``n_i << KNEE``: the rare and middle words) gets the sum of the deltas, as one process would
  make all those updates; a row with many (the most frequent words, which every replica moves
  most of the way to where their updates push it, so that the sum of ``k`` overshoots
  ``k``-fold) would get their mean, and gets ``"rows"``' step, ``ROWS_CAP`` times the mean, if
  that is more (at two replicas: the sum);
* ``"rows"``: the sum while ``k <= ROWS_CAP``, else ``ROWS_CAP`` times the mean;
* ``"sum"``: the sum (Hogwild's arithmetic, one round stale);
* ``"mean"``: the sum over the replicas that trained the round (model averaging);
* ``"epoch"``: the mean of the replicas that changed it (Spark MLlib's rule; the trainer gives
  every replica one lease per epoch).
"""
import numpy as np

POLICIES = ("counts", "rows", "mean", "sum", "epoch")
DEFAULT_POLICY = "counts"
#: The "rows" policy moves a row by the sum of the replicas' deltas when at most ROWS_CAP
#: replicas changed it, else by ROWS_CAP times their mean; "counts" never by less.
ROWS_CAP = 2
#: The "counts" policy's updates of one row after which a replica's move on it saturates
#: (``f(KNEE) = 1 - 1/e``): docs/distributed.md has the values measured.
KNEE = 128.0


def saturation(n):
    """``f(n) = 1 - exp(-n / KNEE)``: the share of the way to its optimum ``n`` updates take a
    row (float64).

    >>> saturation(np.array([0.0, KNEE])).round(3).tolist()
    [0.0, 0.632]
    """
    return -np.expm1(-np.asarray(n, dtype=np.float64) / KNEE)


def combine(changes, policy, participants, loads=None):
    """The update of one layer from the replicas' ``(rows, deltas)``: ``(rows, deltas)``.

    Parameters
    ----------
    changes : list of (ndarray of int32, ndarray of float32)
        Per replica, the sorted rows it changed and their deltas (one row each).
    policy : str
        One of :data:`POLICIES`.
    participants : int
        The number of replicas that trained the round (``"mean"`` divides by it).
    loads : list of ndarray, optional
        Per replica, the updates it is expected to have made to each of its rows
        (``"counts"`` only; required there).

    Returns
    -------
    rows : ndarray of int32
        The union of the replicas' rows, sorted.
    deltas : ndarray of float32
        What each row moves by.

    Examples
    --------
    >>> rows = np.array([0, 1], dtype=np.int32)
    >>> changes = [(rows, np.ones((2, 1), np.float32))] * 3 + [(rows[1:], np.ones((1, 1), np.float32))]
    >>> [combine(changes, policy, 4)[1].ravel().tolist() for policy in POLICIES[1:]]
    [[2.0, 2.0], [0.75, 1.0], [3.0, 4.0], [1.0, 1.0]]

    ``"counts"``: a row with no expected update is summed, one with very many moves by
    ``ROWS_CAP`` times the mean:

    >>> loads = [np.array([0.0, 1e6])] * 3 + [np.array([1e6])]
    >>> combine(changes, "counts", 4, loads)[1].ravel().tolist()
    [3.0, 2.0]
    """
    if all(np.array_equal(rows, changes[0][0]) for rows, _ in changes[1:]):   # the hot block
        union = changes[0][0]
        total = changes[0][1].astype(np.float32, copy=True)
        for _, deltas in changes[1:]:   # in place: np.sum of the list would stack a copy first
            total += deltas
        touched = np.full(len(union), len(changes), dtype=np.float32)
        if policy == "counts":
            n = np.sum(loads, axis=0, dtype=np.float64)
            steps = np.sum([saturation(load) for load in loads], axis=0)
    else:
        union = np.unique(np.concatenate([rows for rows, _ in changes]))
        total = np.zeros((len(union), changes[0][1].shape[1]), dtype=np.float32)
        touched = np.zeros(len(union), dtype=np.float32)
        n, steps = np.zeros(len(union)), np.zeros(len(union))
        for k, (rows, deltas) in enumerate(changes):
            at = np.searchsorted(union, rows)
            total[at] += deltas
            touched[at] += 1
            if policy == "counts":
                n[at] += loads[k]
                steps[at] += saturation(loads[k])
    if policy == "counts":
        light = steps <= 0   # no expected update (a row the rates miss): the sum
        scale = np.where(light, 1.0, saturation(n) / np.where(light, 1.0, steps))
        floor = np.minimum(touched, ROWS_CAP) / np.maximum(touched, 1)   # the "rows" step
        total *= np.maximum(scale, floor).astype(np.float32)[:, None]
    elif policy in ("rows", "epoch"):
        cap = ROWS_CAP if policy == "rows" else 1
        total *= (np.minimum(touched, cap) / np.maximum(touched, 1))[:, None]
    elif policy == "mean":
        total /= participants
    return union, total


def zeros_are_neutral(policy, replicas):
    """Whether, with at most `replicas` replicas, `policy` moves every row as far when each
    replica reports all rows (a zero delta where it changed none) as when it reports only the
    rows it changed: then replicas may send whole layers.

    >>> zeros_are_neutral("counts", 2), zeros_are_neutral("counts", 3), zeros_are_neutral("epoch", 2)
    (True, False, False)
    """
    return policy in ("sum", "mean") or (policy in ("counts", "rows") and replicas <= ROWS_CAP)


def update_rates(model):
    """The updates each row of each layer gets per raw word trained, on average:
    ``{layer name: ndarray of float64}`` (``"vectors"``, ``"syn1"``, ``"syn1neg"`` as the model
    has them).

    A word is kept with its subsampling probability; each kept word has ``window + 1`` context
    words on average (``2 * window`` without shrinking windows). Skip-gram makes one (context,
    center) pair per context word: the context's input vector moves, and the center's output
    row (negative sampling) or the inner nodes of its Huffman path (hierarchical softmax), plus
    ``negative`` rows drawn from the unigram distribution to the ``ns_exponent``. CBOW makes
    one example per kept center: every context word's input vector moves, and the center's
    output rows. Sentence edges are ignored.
    """
    from w2vlib import _tables
    vocab = model.vocabulary
    counts = np.asarray(vocab.counts, dtype=np.float64)
    total = max(counts.sum(), 1.0)
    keep = (np.minimum(np.asarray(vocab.sample_int, dtype=np.float64) / (2**32 - 1), 1.0)
            if model.sample else np.ones_like(counts))
    kept = counts * keep / total   # kept occurrences per raw word
    contexts = model.window + 1 if model.shrink_windows else 2 * model.window
    examples = contexts if model.sg else 1   # examples per kept center word
    rates = {"vectors": contexts * kept}
    if model._syn1neg is not None:
        unigram = counts ** model.ns_exponent
        unigram /= max(unigram.sum(), 1e-300)
        rates["syn1neg"] = examples * (kept + kept.sum() * model.negative * unigram)
    if model._syn1 is not None:
        codes, points, offsets = _tables.huffman_tree(vocab.counts)
        nodes = np.zeros(len(model._syn1))
        np.add.at(nodes, points, np.repeat(examples * kept, np.diff(offsets)))
        rates["syn1"] = nodes
    return rates
