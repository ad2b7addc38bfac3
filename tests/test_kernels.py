"""The compiled kernels against the pure-numpy reference, one SGD step at a time; every build
of the kernels this machine can run (baseline, AVX2, AVX-512) is checked."""
import importlib
import itertools
import os
import platform
import subprocess
import sys
import threading

import numpy as np
import pytest

from w2vlib import _cpu, _dispatch, _inner
from w2vlib._reference import MAX_EXP, SIGMOID_TABLE_SIZE, ReferenceKernel, ReferenceState

N_WORDS, DIM, SEED = 23, 12, 12345
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _huffman_like_paths(n, rng):
    """Arbitrary but valid CSR paths into n-1 inner nodes, each from the root down (decreasing
    node numbers, as in any Huffman tree; the kernel does not need optimality)."""
    lengths = rng.integers(1, 6, size=n)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    codes = rng.integers(0, 2, size=offsets[-1]).astype(np.uint8)
    points = np.concatenate([np.sort(rng.choice(n - 1, size=k, replace=False))[::-1]
                             for k in lengths]).astype(np.int32)
    return codes, points, offsets


def _alias_table(n, rng):
    accept = rng.integers(0, 2**32 + 1, size=n, dtype=np.uint64)
    alias = rng.integers(0, n, size=n).astype(np.int32)
    return accept, alias


def _setup(sg, hs, negative, cbow_mean, sample, shrink, compute_loss=True, dim=DIM, window=3):
    rng = np.random.default_rng(7)
    syn0 = ((rng.random((N_WORDS, dim)) - 0.5) / dim).astype(np.float32)
    syn1 = ((rng.random((N_WORDS, dim)) - 0.5) * 0.5).astype(np.float32)
    syn1neg = ((rng.random((N_WORDS, dim)) - 0.5) * 0.5).astype(np.float32)
    sample_int = rng.integers(2**30, 2**32, size=N_WORDS, dtype=np.uint64).astype(np.uint32) if sample else None
    accept, alias = _alias_table(N_WORDS, rng)
    codes, points, offsets = _huffman_like_paths(N_WORDS, rng)
    lengths = [7, 1, 0, 15, 4]
    ids = rng.integers(0, N_WORDS, size=sum(lengths)).astype(np.int32)
    sent_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    arrays = (syn0, syn1, syn1neg, sample_int, accept, alias, codes, points, offsets)
    kwargs = dict(sg=sg, hs=hs, negative=negative, window=window, cbow_mean=cbow_mean,
                  shrink_windows=shrink, compute_loss=compute_loss)
    return arrays, kwargs, ids, sent_offsets


COMBINATIONS = [
    (sg, hs, negative, cbow_mean)
    for sg, (hs, negative), cbow_mean in itertools.product(
        (1, 0), ((0, 5), (1, 0), (1, 3)), (1, 0))
    if not (sg and cbow_mean == 0)
]


@pytest.mark.parametrize("sg,hs,negative,cbow_mean", COMBINATIONS)
@pytest.mark.parametrize("sample,shrink", [(True, True), (False, False)])
@pytest.mark.parametrize("cbow_correction", [False, True])
def test_kernel_matches_numpy_reference(sg, hs, negative, cbow_mean, sample, shrink,
                                        cbow_correction, inner):
    """Also with kōan's corrected CBOW (``cbow_correction``: the mean's step divided by the
    context size)."""
    arrays, kwargs, ids, offsets = _setup(sg, hs, negative, cbow_mean, sample, shrink)
    kwargs["cbow_correction"] = cbow_correction
    ours = [a.copy() if a is not None else None for a in arrays]
    ref = [a.copy() if a is not None else None for a in arrays]
    state = inner.WorkerState(DIM, SEED)
    ref_state = ReferenceState(SEED)
    kernel = inner.Kernel(*ours, **kwargs)
    reference = ReferenceKernel(*ref, **kwargs)
    for alpha in (0.025, 0.4):  # a large step makes saturated sigmoids and clipping happen
        got = kernel.train_batch(state, ids, offsets, alpha)
        want = reference.train_batch(ref_state, ids, offsets, alpha)
        assert got == want
        assert state.rng_state == ref_state.rng
        for name, a, b in zip(("syn0", "syn1", "syn1neg"), ours[:3], ref[:3]):
            np.testing.assert_allclose(a, b, atol=1e-5, err_msg=name)
    assert state.examples == ref_state.examples
    assert state.loss == pytest.approx(ref_state.loss, rel=1e-5)
    assert not np.array_equal(ours[0], arrays[0]), "training changed nothing"


@pytest.mark.parametrize("negative", [1, 5, 15])
@pytest.mark.parametrize("sample,shrink", [(True, True), (False, False)])
@pytest.mark.parametrize("dim,window", [(DIM, 3), (32, 5), (37, 6)])
@pytest.mark.parametrize("compute_loss", [True, False])
def test_shared_negatives_match_numpy_reference(negative, sample, shrink, dim, window,
                                                compute_loss, inner):
    """Skip-gram with shared negatives (one draw per window, one gradient step of the window's
    loss) against the reference; with 15 negatives of 23 words, draws repeat and hit the
    center, whose handling (a repeat trained twice, the center left out) must match too. The
    dimensions and windows reach every path of the AVX-512 window: rows shorter than one
    16-float chunk, whole chunks only, chunks and a rest; up to 6, 10 and 12 context rows, 2,
    6 and 16 output rows (groups of 8); the loss tallied or not (the AVX-512 steps are those
    without it)."""
    arrays, kwargs, ids, offsets = _setup(1, 0, negative, 1, sample, shrink, compute_loss,
                                          dim=dim, window=window)
    kwargs["shared_negatives"] = True
    ours = [a.copy() if a is not None else None for a in arrays]
    ref = [a.copy() if a is not None else None for a in arrays]
    state, ref_state = inner.WorkerState(dim, SEED), ReferenceState(SEED)
    kernel, reference = inner.Kernel(*ours, **kwargs), ReferenceKernel(*ref, **kwargs)
    # a large step saturates sigmoids; with 15 negatives it diverges instead (values past 1000,
    # where float32 rounding of the two orders of summation differs by more than the tolerance)
    for alpha in (0.025, 0.4 if negative <= 5 else 0.1):
        assert kernel.train_batch(state, ids, offsets, alpha) == reference.train_batch(
            ref_state, ids, offsets, alpha)
        assert state.rng_state == ref_state.rng
        for name, a, b in zip(("syn0", "syn1neg"), (ours[0], ours[2]), (ref[0], ref[2])):
            # longer rows and windows sum more float32 products in another order
            tolerance = 1e-5 if dim == DIM else 1e-4
            np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance, err_msg=name)
    assert state.examples == ref_state.examples and state.loss == pytest.approx(ref_state.loss, rel=1e-5)
    per_pair = [a.copy() if a is not None else None for a in arrays]
    inner.Kernel(*per_pair, **{**kwargs, "shared_negatives": False}).train_batch(
        inner.WorkerState(dim, SEED), ids, offsets, 0.025)
    assert not np.allclose(per_pair[0], ours[0]), "the same as one draw per pair"


@pytest.mark.parametrize("sg,hs,negative", [(0, 0, 5), (1, 1, 5), (1, 1, 0)])
def test_shared_negatives_are_refused_outside_skip_gram_ns(sg, hs, negative, inner):
    arrays, kwargs, _, _ = _setup(sg, hs, negative, 1, False, False)
    with pytest.raises(ValueError, match="shared_negatives is for skip-gram with negative"):
        inner.Kernel(*arrays, **kwargs, shared_negatives=True)


@pytest.mark.parametrize("sg,hs,negative,cbow_mean", COMBINATIONS)
def test_cbow_correction_changes_only_the_cbow_mean(sg, hs, negative, cbow_mean, inner):
    """The flag divides the mean's step; the sum's (gensim's 1/context size of the gradient)
    and skip-gram's are bit-identical with and without it."""
    arrays, kwargs, ids, offsets = _setup(sg, hs, negative, cbow_mean, True, True)
    trained = {}
    for flag in (False, True):
        weights = [a.copy() if a is not None else None for a in arrays]
        inner.Kernel(*weights, **kwargs, cbow_correction=flag).train_batch(
            inner.WorkerState(DIM, SEED), ids, offsets, 0.1)
        trained[flag] = weights[:3]
    same = all(np.array_equal(a, b) for a, b in zip(trained[False], trained[True])
               if a is not None)
    assert same == (sg or not cbow_mean)


@pytest.mark.parametrize("sg,hs,negative,cbow_mean", COMBINATIONS)
@pytest.mark.parametrize("per_word", [True, False])
def test_lock_factors_scale_input_updates_as_in_the_reference(sg, hs, negative, cbow_mean, per_word,
                                                             inner):
    """gensim's vectors_lockf: each input row's update times its word's factor (0 freezes it);
    one factor applies to every word."""
    arrays, kwargs, ids, offsets = _setup(sg, hs, negative, cbow_mean, True, True)
    lockf = (np.resize(np.array([0.0, 0.5, 1.0, 2.0], np.float32), N_WORDS) if per_word
             else np.array([0.25], np.float32))
    ours = [a.copy() if a is not None else None for a in arrays]
    ref = [a.copy() if a is not None else None for a in arrays]
    inner.Kernel(*ours, **kwargs, lockf=lockf).train_batch(inner.WorkerState(DIM, SEED), ids, offsets, 0.3)
    ReferenceKernel(*ref, **kwargs, lockf=lockf).train_batch(ReferenceState(SEED), ids, offsets, 0.3)
    for name, a, b in zip(("syn0", "syn1", "syn1neg"), ours[:3], ref[:3]):
        np.testing.assert_allclose(a, b, atol=1e-5, err_msg=name)
    frozen = lockf == 0 if per_word else np.zeros(N_WORDS, bool)
    np.testing.assert_array_equal(ours[0][frozen], arrays[0][frozen])
    moved = ~np.all(ours[0] == arrays[0], axis=1)
    assert moved[~frozen].any()


def test_lock_factors_are_checked(inner):
    arrays, kwargs, _, _ = _setup(1, 0, 5, 1, False, False)
    with pytest.raises(ValueError, match="one per word"):
        inner.Kernel(*arrays, **kwargs, lockf=np.ones(N_WORDS - 1, np.float32))
    with pytest.raises(ValueError, match="NaN or infinity"):
        inner.Kernel(*arrays, **kwargs, lockf=np.array([np.nan], np.float32))


@pytest.mark.parametrize("sg", [1, 0])
@pytest.mark.parametrize("negative", [1, 2, 4, 7, 70])
def test_any_number_of_negatives_matches_the_reference(sg, negative, inner):
    """Output rows are trained in groups (4, 2, 1 rows per pass; at most 64 at a time), and a
    word drawn twice for one example splits the group: with 23 words, repeats are certain."""
    arrays, kwargs, ids, offsets = _setup(sg, 0, negative, 1, False, True)
    ours = [a.copy() if a is not None else None for a in arrays]
    ref = [a.copy() if a is not None else None for a in arrays]
    state, ref_state = inner.WorkerState(DIM, SEED), ReferenceState(SEED)
    kernel, reference = inner.Kernel(*ours, **kwargs), ReferenceKernel(*ref, **kwargs)
    # a large step saturates sigmoids; with 15 negatives it diverges instead (values past 1000,
    # where float32 rounding of the two orders of summation differs by more than the tolerance)
    for alpha in (0.025, 0.4 if negative <= 5 else 0.1):
        assert kernel.train_batch(state, ids, offsets, alpha) == reference.train_batch(ref_state, ids, offsets, alpha)
        for name, a, b in zip(("syn0", "syn1neg"), (ours[0], ours[2]), (ref[0], ref[2])):
            np.testing.assert_allclose(a, b, atol=1e-5, err_msg=name)
    assert state.loss == pytest.approx(ref_state.loss, rel=1e-5)


@pytest.mark.parametrize("sg,hs,negative,cbow_mean", COMBINATIONS)
@pytest.mark.parametrize("hot_nodes,hot_words,merge_every", [(1, 1, 1), (5, 3, 3), (100, 100, 10**6)])
def test_private_hot_rows_compute_what_in_place_updates_compute(sg, hs, negative, cbow_mean, hot_nodes,
                                                                 hot_words, merge_every, inner):
    """Workers taking turns with private hot rows (merged every few examples, or only at the end
    of each batch; more hot rows than inner nodes or words) end with the weights that in-place
    updates give, which the reference test above checks: without a concurrent writer a merge
    copies."""
    arrays, kwargs, ids, offsets = _setup(sg, hs, negative, cbow_mean, True, True)
    in_place = [a.copy() if a is not None else None for a in arrays]
    private = [a.copy() if a is not None else None for a in arrays]
    kernels = (inner.Kernel(*in_place, **kwargs),
               inner.Kernel(*private, **kwargs, hot_nodes=hot_nodes, hot_words=hot_words,
                            merge_every=merge_every))
    states = [[inner.WorkerState(DIM, seed) for seed in (SEED, SEED + 1)] for _ in kernels]
    for alpha in (0.025, 0.4):
        for turn in range(2):
            got = [kernel.train_batch(st[turn], ids, offsets, alpha) for kernel, st in zip(kernels, states)]
            assert got[0] == got[1]
    for name, a, b in zip(("syn0", "syn1", "syn1neg"), in_place[:3], private[:3]):
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=name)
    assert [s.loss for s in states[0]] == [s.loss for s in states[1]]
    trained = 1 if hs else 2
    assert not np.array_equal(private[trained], arrays[trained]), "training changed no output row"


@pytest.mark.parametrize("loss", ["hs", "ns"])
@pytest.mark.parametrize("merge_every", [7, 10**9])
def test_concurrent_workers_with_private_hot_rows_apply_every_update(loss, merge_every, inner):
    """Two threads at once, with every output row private (inner nodes for hs, words for ns) and
    merged (and reloaded) every 7 examples or only at the end of each batch: with a small step the
    updates nearly commute, so the weights must move as much as when the same batches run one
    after another in place. A merge that dropped the other worker's changes would lose about half
    of the hot rows' movement."""
    from w2vlib._tables import alias_table, huffman_tree
    n, dim = 60, 16
    rng = np.random.default_rng(5)
    counts = np.sort(rng.integers(1, 1000, size=n))[::-1]
    codes, points, offsets = huffman_tree(counts)
    accept, alias = alias_table(counts, 0.75)
    syn0 = ((rng.random((n, dim)) - 0.5) / dim).astype(np.float32)
    out = ((rng.random((n, dim)) - 0.5) * 0.5).astype(np.float32)
    size = 20_000   # long batches, so that the two threads run their compiled loops side by side
    batches = [[(rng.integers(0, n, size=size).astype(np.int32), np.array([0, size], np.int32))
                for _ in range(8)] for _ in range(2)]
    hs = loss == "hs"
    kwargs = dict(sg=1, hs=hs, negative=0 if hs else 5, window=3, cbow_mean=1, shrink_windows=1,
                  compute_loss=0)
    hot = {"hot_nodes" if hs else "hot_words": n, "merge_every": merge_every}

    def run(private, concurrent):
        weights = (syn0.copy(), out.copy())
        syn1, syn1neg = (weights[1], None) if hs else (None, weights[1])
        kernel = inner.Kernel(weights[0], syn1, syn1neg, None, accept, alias, codes, points, offsets,
                              **kwargs, **(hot if private else {}))

        def work(k):
            state = inner.WorkerState(dim, k)
            for ids, offs in batches[k]:
                kernel.train_batch(state, ids, offs, 5e-6)
        if concurrent:
            threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        else:
            work(0)
            work(1)
        return weights[1] - out

    want, got = run(False, False), run(True, True)
    assert np.abs(want).max() > 1e-4, "the step is too small to tell anything"
    np.testing.assert_allclose(got, want, atol=0.1 * np.abs(want).max())


def test_paths_longer_than_one_chunk_match_the_reference(inner):
    """Huffman paths are trained in chunks of 64 nodes (dot products first): a path of 150 nodes
    spans three chunks and must still match the node-by-node reference."""
    n, dim = 160, 8
    rng = np.random.default_rng(11)
    lengths = np.ones(n, dtype=np.int64)
    lengths[3] = 150
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    points = np.concatenate([np.sort(rng.choice(n - 1, size=k, replace=False))[::-1]
                             for k in lengths]).astype(np.int32)
    codes = rng.integers(0, 2, size=offsets[-1]).astype(np.uint8)
    syn0 = ((rng.random((n, dim)) - 0.5) / dim).astype(np.float32)
    syn1 = ((rng.random((n, dim)) - 0.5) * 0.5).astype(np.float32)
    ids, sent = np.array([3, 5, 3, 7, 3], np.int32), np.array([0, 5], np.int32)
    kwargs = dict(sg=0, hs=1, negative=0, window=2, cbow_mean=1, shrink_windows=0, compute_loss=1)
    ours, ref = (syn0.copy(), syn1.copy()), (syn0.copy(), syn1.copy())
    state, ref_state = inner.WorkerState(dim, SEED), ReferenceState(SEED)
    inner.Kernel(ours[0], ours[1], None, None, None, None, codes, points, offsets,
                 **kwargs).train_batch(state, ids, sent, 0.3)
    ReferenceKernel(ref[0], ref[1], None, None, None, None, codes, points, offsets,
                    **kwargs).train_batch(ref_state, ids, sent, 0.3)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert state.loss == pytest.approx(ref_state.loss, rel=1e-5)
    assert not np.array_equal(ours[1], syn1)


def test_hot_row_merge_adds_changes_or_copies():
    shared = np.array([1.0, 1.0, 5.0], np.float32)
    was = np.array([1.0, 1.0, 4.0], np.float32)     # the third value was changed by another worker
    mine = np.array([1e-8, 3.0, 4.5], np.float32)
    _inner.merge_row(shared, mine, was)
    # unchanged by others: copied exactly (1 + (1e-8 - 1) would round to 0); changed: 5 + 0.5
    assert shared.tolist() == [np.float32(1e-8), 3.0, 5.5]
    with pytest.raises(ValueError, match="same length"):
        _inner.merge_row(shared, mine[:2], was)


def test_ns_gradient_direction_lowers_the_loss(inner):
    """An independent check of the sign conventions: repeating one (center, context) pair
    must make the positive pair more likely."""
    arrays, kwargs, _, _ = _setup(1, 0, 5, 1, False, False)
    syn0, syn1neg = arrays[0], arrays[2]
    kernel = inner.Kernel(*arrays, **kwargs)
    state = inner.WorkerState(DIM, 3)
    ids, offsets = np.array([4, 9], np.int32), np.array([0, 2], np.int32)
    before = float(syn0[9] @ syn1neg[4])
    for _ in range(50):
        kernel.train_batch(state, ids, offsets, 0.05)
    assert float(syn0[9] @ syn1neg[4]) > before + 1.0


def test_effective_words_and_empty_sentences(inner):
    arrays, kwargs, _, _ = _setup(0, 0, 5, 1, False, True)
    kernel = inner.Kernel(*arrays, **kwargs)
    state = inner.WorkerState(DIM, 1)
    ids = np.array([1, 2, 3], np.int32)
    assert kernel.train_batch(state, ids, np.array([0, 0, 3, 3], np.int32), 0.025) == 3
    assert kernel.train_batch(state, ids[:0], np.array([0], np.int32), 0.025) == 0


@pytest.mark.parametrize("ids,offsets,message", [
    ([1, 2, 99], [0, 3], "outside the vocabulary"),
    ([1, -1], [0, 2], "outside the vocabulary"),
    ([1, 2], [0, 3], "end at len"),
    ([1, 2], [1, 2], "start at 0"),
    ([1, 2, 3], [0, 2, 1, 3], "decrease"),
])
def test_malformed_batches_are_rejected(ids, offsets, message, inner):
    arrays, kwargs, _, _ = _setup(1, 1, 5, 1, True, True)
    kernel = inner.Kernel(*arrays, **kwargs)
    with pytest.raises(ValueError, match=message):
        kernel.train_batch(inner.WorkerState(DIM, 1), np.array(ids, np.int32),
                           np.array(offsets, np.int32), 0.025)


def test_bad_configurations_are_rejected(inner):
    arrays, kwargs, _, _ = _setup(1, 0, 0, 1, False, False)
    with pytest.raises(ValueError, match="nothing to train"):
        inner.Kernel(*arrays, **kwargs)
    arrays, kwargs, _, _ = _setup(1, 0, 5, 1, False, False)
    with pytest.raises(ValueError, match="window"):
        inner.Kernel(*arrays, **{**kwargs, "window": 0})
    bad_alias = arrays[5].copy()
    bad_alias[0] = N_WORDS
    with pytest.raises(ValueError, match="alias"):
        inner.Kernel(*arrays[:5], bad_alias, *arrays[6:], **kwargs)
    arrays, kwargs, _, _ = _setup(1, 1, 0, 1, False, False)
    one_path = np.array([0] + [2] * N_WORDS, np.int64)   # word 0 has a path of two nodes
    for bad in ([3, 7], [5, 5]):   # going up; a node twice
        with pytest.raises(ValueError, match="from the root down"):
            inner.Kernel(*arrays[:6], arrays[6][:2], np.array(bad, np.int32), one_path, **kwargs)
    for bad in ({"hot_nodes": 4}, {"hot_words": 4}, {"merge_every": 4},
                {"hot_nodes": -1, "merge_every": 4}, {"hot_words": -1, "merge_every": 4}):
        with pytest.raises(ValueError, match="hot_nodes/hot_words and merge_every"):
            inner.Kernel(*arrays, **kwargs, **bad)
    with pytest.raises(ValueError, match="worker state"):
        inner.Kernel(*arrays, **kwargs).train_batch(
            inner.WorkerState(DIM + 1, 1), np.array([1], np.int32), np.array([0, 1], np.int32), 0.1)


def test_rng_twin_matches_reference():
    state, ref = 99, ReferenceState(99)
    for _ in range(5):
        draw, state = _inner.next_random(state)
        assert draw == ref.next_random()


def test_sigmoid_table_matches_numpy():
    table = _inner.sigmoid_table()
    x = -MAX_EXP + 2 * MAX_EXP / SIGMOID_TABLE_SIZE * np.arange(SIGMOID_TABLE_SIZE)
    np.testing.assert_allclose(table, 1 / (1 + np.exp(-x)), rtol=1e-6)


EDGE = np.nextafter(np.float32(6), np.float32(0))   # the largest float32 below MAX_EXP


def test_sigmoid_of_the_largest_float_below_max_exp_stays_in_the_table(inner):
    """In float32, 5.9999995 + 6 rounds to 12.0, one slot past the 1000-entry table: the kernels
    once read whatever followed it, and a garbage step made a vector explode."""
    table = inner.sigmoid_table()
    assert inner.sigmoid(EDGE) == table[-1]
    assert inner.sigmoid(-EDGE) == table[0]
    assert inner.sigmoid(np.float32(0)) == table[500]


@pytest.mark.parametrize("hs,negative", [(1, 0), (0, 1)])
def test_a_dot_product_at_the_edge_of_the_table_matches_the_reference(hs, negative, inner):
    """One training pair whose dot product is exactly the largest float32 below MAX_EXP."""
    syn0 = np.ones((2, 1), np.float32)
    syn1 = np.array([[EDGE], [0]], np.float32)           # node 0: the root of both paths
    syn1neg = np.array([[EDGE], [0]], np.float32)        # word 0's output row
    codes, points = np.array([1, 0], np.uint8), np.array([0, 0], np.int32)
    offsets = np.array([0, 1, 2], np.int64)
    accept, alias = np.full(2, 2**32, np.uint64), np.arange(2, dtype=np.int32)
    arrays = (syn0, syn1, syn1neg, None, accept, alias, codes, points, offsets)
    kwargs = dict(sg=1, hs=hs, negative=negative, window=1, cbow_mean=1, shrink_windows=0,
                  compute_loss=0)
    ours = [a.copy() if a is not None else None for a in arrays]
    ref = [a.copy() if a is not None else None for a in arrays]
    ids, sent = np.array([0, 1], np.int32), np.array([0, 2], np.int32)
    inner.Kernel(*ours, **kwargs).train_batch(inner.WorkerState(1, SEED), ids, sent, 0.5)
    ReferenceKernel(*ref, **kwargs).train_batch(ReferenceState(SEED), ids, sent, 0.5)
    for name, a, b in zip(("syn0", "syn1", "syn1neg"), ours[:3], ref[:3]):
        np.testing.assert_allclose(a, b, atol=1e-6, err_msg=name)
    # a step is at most alpha * |row| = 3 here (the out-of-table read once made it 1e32)
    assert np.abs(ours[0]).max() < 10


def _cpuinfo_flags():
    """The feature flags Linux lists for the first CPU in /proc/cpuinfo."""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    raise AssertionError("/proc/cpuinfo lists no flags")


X86_64_LINUX = sys.platform.startswith("linux") and platform.machine().lower() in ("x86_64", "amd64")


@pytest.mark.skipif(not X86_64_LINUX, reason="reads the x86 feature flags of Linux's /proc/cpuinfo")
def test_dispatch_picks_the_build_the_cpu_flags_allow():
    """The kernel build _dispatch picks is the one the CPU's flags (as Linux lists them) allow;
    setup.py builds every variant on x86-64."""
    flags = _cpuinfo_flags()
    avx2 = {"avx2", "fma"} <= flags
    avx512 = avx2 and {"avx512f", "avx512vl", "avx512bw", "avx512dq"} <= flags
    assert (_cpu.has_avx2_fma(), _cpu.has_avx512()) == (avx2, avx512)
    runs = {"baseline": True, "avx2": avx2, "avx512": avx512}
    assert _dispatch.available() == [_dispatch.VARIANTS[v] for v in _dispatch.VARIANTS if runs[v]]
    best = "avx512" if avx512 else "avx2" if avx2 else "baseline"
    assert _dispatch.select().__name__ == f"w2vlib.{_dispatch.VARIANTS[best]}"
    for variant, module in _dispatch.VARIANTS.items():
        if runs[variant]:
            assert _dispatch.select(variant) is importlib.import_module(f"w2vlib.{module}")
        else:
            with pytest.raises(ValueError, match="not available"):
                _dispatch.select(variant)


def _kernel_in_use(**env):
    """The module name of ``_dispatch.inner`` in a fresh interpreter run from the checkout."""
    return subprocess.run([sys.executable, "-c", "from w2vlib import _dispatch; print(_dispatch.inner.__name__)"],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)


def test_w2vlib_kernel_overrides_the_choice():
    assert _dispatch.select("baseline") is _inner
    result = _kernel_in_use(W2VLIB_KERNEL="baseline")
    assert result.stdout.strip() == "w2vlib._inner", result.stderr
    result = _kernel_in_use(W2VLIB_KERNEL="sse9")
    assert result.returncode != 0 and "W2VLIB_KERNEL must be one of" in result.stderr
