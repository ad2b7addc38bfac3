"""The sync policies of training on Dask (w2vlib._dask_combine) against a per-row reference written
here, and the expected updates per row against hand-computed counts."""
import math

import numpy as np
import pytest

from w2vlib import Word2Vec, _dask_combine
from w2vlib._dask_combine import POLICIES, combine, update_rates


def reference(changes, policy, participants, loads=None, knee=_dask_combine.KNEE, cap=2):
    """Row by row, from the policy's definition."""
    union = sorted({int(row) for rows, _ in changes for row in rows})
    out = []
    for row in union:
        deltas, ns = [], []
        for k, (rows, d) in enumerate(changes):
            where = [i for i, r in enumerate(rows) if r == row]
            if where:
                deltas.append(d[where[0]].astype(np.float64))
                ns.append(float(loads[k][where[0]]) if loads is not None else 0.0)
        total, touched = sum(deltas), len(deltas)
        if policy == "sum":
            out.append(total)
        elif policy == "mean":
            out.append(total / participants)
        elif policy == "epoch":
            out.append(total / touched)
        elif policy == "rows":
            out.append(total if touched <= cap else cap * total / touched)
        else:   # counts: f(sum n) / sum f(n), f(n) = 1 - exp(-n / knee)
            f = [1 - math.exp(-n / knee) for n in ns]
            scale = 1.0 if sum(f) == 0 else (1 - math.exp(-sum(ns) / knee)) / sum(f)
            out.append(total * max(scale, min(touched, cap) / touched))
    return np.array(union), np.array(out)


def random_changes(rng, replicas, rows, dims, same=False):
    changes, loads = [], []
    for _ in range(replicas):
        mine = (np.arange(rows) if same
                else np.sort(rng.choice(rows, size=rng.integers(1, rows), replace=False)))
        changes.append((mine.astype(np.int32),
                        rng.normal(size=(len(mine), dims)).astype(np.float32)))
        loads.append(rng.choice([0.0, 0.5, 3.0, 40.0, 5000.0], size=len(mine)))
    return changes, loads


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("same", [False, True], ids=["scattered rows", "hot block"])
def test_combine_matches_the_per_row_reference(policy, same):
    rng = np.random.default_rng(7)
    for replicas in (1, 2, 3, 8):
        changes, loads = random_changes(rng, replicas, rows=30, dims=4, same=same)
        rows, deltas = combine(changes, policy, replicas, loads)
        want_rows, want = reference(changes, policy, replicas, loads)
        np.testing.assert_array_equal(rows, want_rows)
        assert deltas.dtype == np.float32
        np.testing.assert_allclose(deltas, want, rtol=1e-5, atol=1e-6)


def test_counts_sums_light_rows_and_caps_heavy_ones():
    rows = np.array([0, 1, 2], dtype=np.int32)
    deltas = np.array([[1.0], [1.0], [1.0]], dtype=np.float32)
    light, heavy = 1e-4 * _dask_combine.KNEE, 1e4 * _dask_combine.KNEE
    loads = [np.array([light, heavy, 0.1 * _dask_combine.KNEE])] * 8
    _, moved = combine([(rows, deltas)] * 8, "counts", 8, loads)
    assert moved[0, 0] == pytest.approx(8.0, rel=1e-3)   # the sum
    assert moved[1, 0] == pytest.approx(2.0, rel=1e-6)   # ROWS_CAP times the mean
    middle = (1 - math.exp(-0.8)) / (1 - math.exp(-0.1))  # between the two
    assert moved[2, 0] == pytest.approx(middle, rel=1e-6)
    _, moved = combine([(rows, deltas)] * 2, "counts", 2, loads[:2])   # up to ROWS_CAP: the sum
    np.testing.assert_allclose(moved, 2.0)


def test_update_rates_count_the_updates_of_each_row():
    """sg, negative sampling, no subsampling, fixed windows of 2: per raw word, a word of share
    p moves its input vector 4 p times (as the context of 4 centers) and its syn1neg row
    4 p times as the target plus 4 * negative * u times as a negative, u its share of
    counts ** ns_exponent; CBOW makes one example per center."""
    corpus = [["a"] * 6 + ["b"] * 3 + ["c"]] * 2
    common = dict(vector_size=4, window=2, min_count=1, sample=0, negative=3, ns_exponent=0.5,
                  shrink_windows=False, workers=1, seed=1)
    p = np.array([6, 3, 1]) / 10
    u = np.sqrt([6, 3, 1]) / np.sqrt([6, 3, 1]).sum()
    sg = update_rates(Word2Vec(corpus, sg=1, epochs=1, **common))
    np.testing.assert_allclose(sg["vectors"], 4 * p)
    np.testing.assert_allclose(sg["syn1neg"], 4 * p + 4 * 3 * u)
    cbow = update_rates(Word2Vec(corpus, sg=0, epochs=1, **common))
    np.testing.assert_allclose(cbow["vectors"], 4 * p)
    np.testing.assert_allclose(cbow["syn1neg"], p + 3 * u)
    hs = update_rates(Word2Vec(corpus, sg=1, hs=1, epochs=1, **{**common, "negative": 0}))
    assert set(hs) == {"vectors", "syn1"}
    # the Huffman tree of (6, 3, 1): the root (row 1) is on every path, the other inner node
    # (row 0) on the paths of b and c; syn1's last row is no node
    np.testing.assert_allclose(hs["syn1"], [4 * (p[1] + p[2]), 4 * p.sum(), 0.0])


def as_whole_layer(changes, rows):
    """Each replica's ``(rows, deltas)`` as a whole layer of `rows` rows, zeros where it changed
    nothing (what a dense full report sends)."""
    whole = []
    for mine, deltas in changes:
        block = np.zeros((rows, deltas.shape[1]), dtype=np.float32)
        block[mine] = deltas
        whole.append((np.arange(rows, dtype=np.int32), block))
    return whole


@pytest.mark.parametrize("policy", POLICIES)
def test_whole_layers_move_rows_as_their_changed_rows_do_where_zeros_are_neutral(policy):
    """Where zeros_are_neutral says so, reporting whole layers (zeros where a replica changed
    nothing, with its expected load there as the trainer computes it) moves every row as
    reporting only the changed rows does; with eight replicas, the other policies differ."""
    rng = np.random.default_rng(11)
    for replicas in (1, 2, 3, 8):
        changes, loads = random_changes(rng, replicas, rows=40, dims=3)
        rows, deltas = combine(changes, policy, replicas, loads)
        moved = np.zeros((40, 3), dtype=np.float32)
        moved[rows] = deltas
        whole_loads = []
        for (mine, _), load in zip(changes, loads):
            whole_loads.append(np.full(40, 7.0))
            whole_loads[-1][mine] = load
        whole_rows, whole = combine(as_whole_layer(changes, 40), policy, replicas, whole_loads)
        np.testing.assert_array_equal(whole_rows, np.arange(40))
        if _dask_combine.zeros_are_neutral(policy, replicas):
            np.testing.assert_allclose(whole, moved, rtol=1e-5, atol=1e-6)
        elif replicas == 8:
            assert not np.allclose(whole, moved, rtol=1e-5, atol=1e-6)
