"""A float64 finite-difference check of the compiled kernels' updates (kōan's practice).

The numpy reference (:mod:`w2vlib._reference`) repeats the kernels' steps, conventions included,
so it cannot tell a wrong convention (a flipped Huffman code, a missing division) from a right
one. Here word2vec's objective is written from first principles in float64 — negative sampling
``-log σ(u_o·h) - Σ_k log σ(-u_k·h)``, hierarchical softmax ``Σ_path -log σ((1 - 2·code)·u_node·h)``
(word2vec.c: code 0 means "the target is on the side whose probability is σ(u_node·h)"),
with ``h`` the context word's input row (skip-gram) or the mean or sum of the context rows (CBOW)
— and its gradient taken by central differences; one tiny SGD step of the compiled kernel must be
``-alpha`` times that gradient, to first order in ``alpha``.

One call trains one sentence, ``0 1 2`` with a window of 2 and no subsampling or window
shrinking, so each of its examples is known: skip-gram trains the six (context, center) pairs,
CBOW the three centers, each with the other two words as its context. The alias table draws
only word 3, which is not in the sentence, so every negative is known too. A step over several
examples is ``-alpha`` times the gradient of their summed loss, up to O(alpha²).

CBOW's input rows follow word2vec.c and gensim rather than the gradient (the issue kōan
documents): with the mean, every context row gets the whole gradient of ``h`` (the context size
times its own gradient); with the sum, ``1 / context size`` of it. The check scales the expected
input-row step by that factor, so that dropping either division still fails. With
``cbow_correction`` (kōan's corrected CBOW) the mean's rows get exactly their gradient (factor
1); the sum's factor is unchanged.
"""
import numpy as np
import pytest

from w2vlib._reference import MAX_EXP, SIGMOID_TABLE_SIZE
from w2vlib._tables import huffman_tree

SENTENCE = [0, 1, 2]
WINDOW = 2                         # every word of the sentence is in every other word's window
CONTEXT = len(SENTENCE) - 1        # so each CBOW example has this many context words
COUNTS = [4, 3, 2, 1]              # the vocabulary: words 0-3; its Huffman tree for hs
NEG_WORD = 3                       # the only word the alias table draws
NEGATIVE = 2                       # draws per example: the same word twice
DIM = 5
ALPHA = 1e-3
#: Relative allowance, of the largest gradient component, for the O(alpha) terms (later examples
#: see the earlier examples' updates) and float32 rounding; a sign or factor error is O(1).
RTOL = 1e-2
#: The sigmoid table's step: the kernels read σ at the table point just below f, at most this far
#: (test_kernels.test_sigmoid_table_matches_numpy checks the table's points).
STEP = 2.0 * MAX_EXP / SIGMOID_TABLE_SIZE
#: The largest slope of σ: the table's error is at most this times STEP.
MAX_SLOPE = 0.25

CODES, POINTS, OFFSETS = huffman_tree(np.array(COUNTS))


def _examples(sg):
    """(context words, target) of every example of the sentence, in training order."""
    for c, center in enumerate(SENTENCE):
        context = [w for j, w in enumerate(SENTENCE) if j != c and abs(j - c) <= WINDOW]
        if sg:
            yield from (([w], center) for w in context)
        else:
            yield context, center


def _terms(weights, sg, hs, negative, cbow_mean):
    """Every binary logistic term of the sentence's loss: its dot product ``f = u·h`` and sign
    ``s``, the term being ``-log σ(s·f)``."""
    syn0, syn1, syn1neg = weights
    for context, target in _examples(sg):
        h = syn0[context].sum(axis=0)
        if not sg and cbow_mean:
            h = h / len(context)
        if hs:
            for b in range(OFFSETS[target], OFFSETS[target + 1]):
                yield syn1[POINTS[b]] @ h, 1.0 - 2.0 * CODES[b]
        if negative:
            yield syn1neg[target] @ h, 1.0
            for _ in range(negative):
                yield syn1neg[NEG_WORD] @ h, -1.0


def _unpack(theta):
    return theta.reshape(3, len(COUNTS), DIM)


def _dots(theta, config):
    return np.array([f for f, _ in _terms(_unpack(theta), *config)])


def _loss(theta, config):
    """The sentence's loss: the sum of ``-log σ(s·f) = log(1 + exp(-s·f))`` over its terms."""
    f, s = map(np.array, zip(*_terms(_unpack(theta), *config)))
    return np.logaddexp(0.0, -s * f).sum()


def _central_differences(fun, theta, eps=1e-6):
    """d fun / d theta, one column per component of theta."""
    columns = []
    for i in range(theta.size):
        d = np.zeros_like(theta)
        d[i] = eps
        columns.append((fun(theta + d) - fun(theta - d)) / (2 * eps))
    return np.stack(columns, axis=-1)


def _kernel_step(inner, weights, sg, hs, negative, cbow_mean, cbow_correction,
                 shared_negatives=False):
    """The weights' change, per unit of -alpha, after the kernel trains the sentence once."""
    trained = [w.copy() for w in weights]
    n = len(COUNTS)
    accept = np.zeros(n, np.uint64)                      # never keep the slot's word: its alias
    alias = np.full(n, NEG_WORD, np.int32)
    kernel = inner.Kernel(*trained, None, accept, alias, CODES, POINTS, OFFSETS, sg=sg, hs=hs,
                          negative=negative, window=WINDOW, cbow_mean=cbow_mean,
                          shrink_windows=False, compute_loss=False,
                          cbow_correction=cbow_correction, shared_negatives=shared_negatives)
    kernel.train_batch(inner.WorkerState(DIM, 1), np.array(SENTENCE, np.int32),
                       np.array([0, len(SENTENCE)], np.int32), ALPHA)
    before = np.concatenate([w.ravel() for w in weights]).astype(np.float64)
    after = np.concatenate([w.ravel() for w in trained]).astype(np.float64)
    return -(after - before) / ALPHA


def _input_row_factor(sg, cbow_mean, cbow_correction):
    """What the kernel's step of an input row is, in units of ``-alpha`` times its gradient."""
    if sg or (cbow_mean and cbow_correction):
        return 1
    return CONTEXT if cbow_mean else 1 / CONTEXT


@pytest.mark.parametrize("sg,hs,negative,cbow_mean,cbow_correction", [
    (1, 0, NEGATIVE, 1, 0), (1, 1, 0, 1, 0), (1, 1, NEGATIVE, 1, 0),
    (0, 0, NEGATIVE, 1, 0), (0, 1, 0, 1, 0), (0, 1, NEGATIVE, 1, 0),
    (0, 0, NEGATIVE, 0, 0), (0, 1, 0, 0, 0), (0, 1, NEGATIVE, 0, 0),
    (0, 0, NEGATIVE, 1, 1), (0, 1, 0, 1, 1), (0, 1, NEGATIVE, 1, 1),
    (0, 0, NEGATIVE, 0, 1), (0, 1, 0, 0, 1), (0, 1, NEGATIVE, 0, 1),
    (1, 0, NEGATIVE, 1, 1),
])
def test_one_step_is_minus_alpha_times_the_gradient(sg, hs, negative, cbow_mean, cbow_correction,
                                                    inner):
    config = (sg, hs, negative, cbow_mean)
    rng = np.random.default_rng(3)
    weights = [rng.uniform(-0.3, 0.3, (len(COUNTS), DIM)).astype(np.float32) for _ in range(3)]
    theta = np.concatenate([w.ravel() for w in weights]).astype(np.float64)
    assert np.abs(_dots(theta, config)).max() < 1, "keep every f well inside the sigmoid table"
    gradient = _central_differences(lambda t: _loss(t, config), theta)
    # The table reads σ(x) for the table point x in (f - STEP, f]: each term's coefficient
    # (label - σ) is off by at most MAX_SLOPE * STEP, times that term's d f / d theta.
    quantisation = MAX_SLOPE * STEP * np.abs(_central_differences(lambda t: _dots(t, config), theta)).sum(axis=0)
    scale = np.ones_like(theta)
    scale[:len(COUNTS) * DIM] = _input_row_factor(sg, cbow_mean, cbow_correction)
    want = scale * gradient
    tolerance = scale * (quantisation + RTOL * np.abs(gradient).max())
    assert np.abs(want).max() > 10 * tolerance.max(), "the tolerance would hide a factor error"
    got = _kernel_step(inner, weights, *config, cbow_correction)
    bad = np.abs(got - want) > tolerance
    assert not bad.any(), (f"components {np.flatnonzero(bad)} (rows of syn0, syn1, syn1neg, "
                           f"{DIM} each): kernel {got[bad]}, gradient {want[bad]}")


def test_shared_negatives_step_is_minus_alpha_times_the_gradient(inner):
    """Skip-gram with shared negatives: one draw per window (here word 3 twice, as for every
    pair), one step of the window's summed loss. Its loss is the pairs' loss, so the check is
    the same: the step must be -alpha times its gradient (all of it taken at the weights before
    the window; the per-pair kernel differs from that only at O(alpha²))."""
    config = (1, 0, NEGATIVE, 1)
    rng = np.random.default_rng(4)
    weights = [rng.uniform(-0.3, 0.3, (len(COUNTS), DIM)).astype(np.float32) for _ in range(3)]
    theta = np.concatenate([w.ravel() for w in weights]).astype(np.float64)
    gradient = _central_differences(lambda t: _loss(t, config), theta)
    quantisation = MAX_SLOPE * STEP * np.abs(_central_differences(lambda t: _dots(t, config), theta)).sum(axis=0)
    tolerance = quantisation + RTOL * np.abs(gradient).max()
    assert np.abs(gradient).max() > 10 * tolerance.max()
    got = _kernel_step(inner, weights, *config, False, shared_negatives=True)
    bad = np.abs(got - gradient) > tolerance
    assert not bad.any(), f"components {np.flatnonzero(bad)}: kernel {got[bad]}, gradient {gradient[bad]}"
