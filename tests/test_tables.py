"""Huffman tree and alias table against gensim and against straightforward sequential references."""
import collections
import math
import pathlib
import time

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.word2vec import _assign_binary_codes
from scipy import stats

from w2vlib._tables import alias_draw, alias_table, huffman_tree


DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def corpus_counts():
    words = (DATA / "corpus_small.txt").read_text().split()
    counts = collections.Counter(words)
    return {w: c for w, c in counts.items() if c >= 5}


def gensim_hs_model(word_freq):
    """A gensim model whose vocabulary (in `word_freq`'s order, unsorted) has Huffman codes."""
    model = Word2Vec(vector_size=1, min_count=1, hs=1, negative=0, sample=0, sorted_vocab=False)
    model.build_vocab_from_freq(word_freq)
    return model


def paths(codes, points, offsets):
    return [(codes[offsets[w]:offsets[w + 1]].tolist(), points[offsets[w]:offsets[w + 1]].tolist())
            for w in range(len(offsets) - 1)]


def sequential_huffman(counts):
    """word2vec.c's CreateBinaryTree, one merge per step; counts sorted descending."""
    n = len(counts)
    weight = [int(c) for c in counts] + [math.inf] * (n - 1)
    parent = [0] * (2 * n - 1)
    branch = [0] * (2 * n - 1)
    leaf, inner = n - 1, n
    for k in range(n - 1):
        pair = []
        for _ in range(2):
            if leaf >= 0 and weight[leaf] < weight[inner]:
                pair.append(leaf)
                leaf -= 1
            else:
                pair.append(inner)
                inner += 1
        weight[n + k] = weight[pair[0]] + weight[pair[1]]
        parent[pair[0]] = parent[pair[1]] = n + k
        branch[pair[1]] = 1
    result = []
    for w in range(n):
        code, point, node = [], [], w
        while node != 2 * n - 2:
            code.append(branch[node])
            node = parent[node]
            point.append(node - n)
        result.append((code[::-1], point[::-1]))
    return result


def check_tree(codes, points, offsets):
    """Every path starts at the root and the paths spell one full binary tree with n leaves."""
    n = len(offsets) - 1
    assert offsets[0] == 0 and np.all(np.diff(offsets) >= 0)
    assert offsets[-1] == len(codes) == len(points)
    assert codes.dtype == np.uint8 and points.dtype == np.int32 and offsets.dtype == np.int64
    child = {}
    for w, (code, point) in enumerate(paths(codes, points, offsets)):
        assert point[0] == n - 2
        assert set(code) <= {0, 1}
        steps = list(zip(point, code))
        for (node, bit), below in zip(steps, [p for p, _ in steps[1:]] + [("leaf", w)]):
            # One child per branch: no code is a prefix of another.
            assert child.setdefault((node, bit), below) == below
    assert set(child) == {(node, bit) for node in range(n - 1) for bit in (0, 1)}
    leaves = sorted(v for v in child.values() if isinstance(v, tuple))
    assert leaves == [("leaf", w) for w in range(n)]
    lengths = np.diff(offsets)
    assert math.fsum(2.0 ** -lengths) == 1.0  # Kraft equality: a full tree


def weighted_length(counts, offsets):
    return int(np.dot(np.asarray(counts, dtype=np.int64), np.diff(offsets)))


def gensim_weighted_length(counts):
    """Weighted path length of gensim's own tree builder (used by Word2Vec(hs=1))."""
    wv = KeyedVectors(1, count=len(counts))
    wv.index_to_key = [f"w{i}" for i in range(len(counts))]
    wv.key_to_index = {key: i for i, key in enumerate(wv.index_to_key)}
    wv.allocate_vecattrs(["count"], [np.int64])
    wv.expandos["count"][:] = counts
    _assign_binary_codes(wv)
    return sum(int(c) * len(wv.get_vecattr(i, "code")) for i, c in enumerate(counts))


# ---------------------------------------------------------------------------------------------
# Huffman
# ---------------------------------------------------------------------------------------------

def test_huffman_matches_gensim_on_corpus_counts(corpus_counts):
    counts = sorted(corpus_counts.values(), reverse=True)
    codes, points, offsets = huffman_tree(counts)
    check_tree(codes, points, offsets)
    assert weighted_length(counts, offsets) == gensim_weighted_length(counts)


@pytest.mark.parametrize("seed", range(4))
def test_huffman_random_counts_with_ties(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 12, size=int(rng.integers(3, 400)))  # many ties, unsorted
    codes, points, offsets = huffman_tree(counts)
    check_tree(codes, points, offsets)
    assert weighted_length(counts, offsets) == gensim_weighted_length(counts)


@pytest.mark.parametrize("counts", [
    [1000, 500, 200, 200, 50, 9, 9, 9, 1],
    [5] * 17,
    [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233][::-1],  # Fibonacci: the deepest tree
    [3, 0, 0, 7, 0, 1],
    [0, 0, 0],
])
def test_huffman_equals_sequential_word2vec_tree(counts):
    order = np.argsort(-np.asarray(counts), kind="stable")
    expected = sequential_huffman([counts[i] for i in order])
    codes, points, offsets = huffman_tree(counts)
    check_tree(codes, points, offsets)
    got = paths(codes, points, offsets)
    assert [got[i] for i in order] == expected
    assert weighted_length(counts, offsets) == gensim_weighted_length(counts)


def test_huffman_large_random_equals_sequential():
    rng = np.random.default_rng(7)
    counts = np.sort((rng.pareto(1.0, 3000) * 10).astype(np.int64) + 1)[::-1]
    codes, points, offsets = huffman_tree(counts)
    assert paths(codes, points, offsets) == sequential_huffman(counts)


def test_huffman_one_and_two_words():
    assert paths(*huffman_tree([])) == []
    one = huffman_tree([7])
    assert paths(*one) == [([], [])]
    model = gensim_hs_model({"x": 7})
    assert len(model.wv.get_vecattr("x", "code")) == len(model.wv.get_vecattr("x", "point")) == 0
    assert paths(*huffman_tree([5, 3])) == [([1], [0]), ([0], [0])]
    model = gensim_hs_model({"a": 5, "b": 3})
    assert [model.wv.get_vecattr(w, "code").tolist() for w in "ab"] == [[1], [0]]


@pytest.mark.parametrize("bad, message", [
    ([3, -1], "non-negative"),
    ([1.5, 2.0], "integers"),
    ([[1, 2]], "1-D"),
    ([2**61, 2**61, 1], "2\\*\\*62"),
])
def test_huffman_rejects_bad_counts(bad, message):
    with pytest.raises(ValueError, match=message):
        huffman_tree(bad)


# ---------------------------------------------------------------------------------------------
# Alias table
# ---------------------------------------------------------------------------------------------

def bucket_odds(n):
    """Probability that ((r >> 32) * n) >> 32 picks each bucket, from exact integer arithmetic."""
    starts = [-((-i * 2**32) // n) for i in range(n + 1)]
    return np.diff(np.array(starts, dtype=np.float64)) / 2**32


def implied(accept, alias, odds):
    """The distribution a draw follows: bucket i keeps i with accept/2**32, else gives alias[i]."""
    kept = accept / 2**32
    p = np.zeros(len(accept))
    np.add.at(p, np.arange(len(accept)), odds * kept)
    np.add.at(p, alias, odds * (1 - kept))
    return p


def target(counts, ns_exponent):
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    return weights / weights.sum()


@pytest.mark.parametrize("ns_exponent", [0.75, 1.0, 0.0, -0.5])
def test_alias_exact_distribution(corpus_counts, ns_exponent):
    counts = np.array(sorted(corpus_counts.values(), reverse=True))
    n = len(counts)
    accept, alias = alias_table(counts, ns_exponent)
    assert accept.dtype == np.uint64 and alias.dtype == np.int32
    assert accept.shape == alias.shape == (n,)
    assert accept.max() <= 2**32 and alias.min() >= 0 and alias.max() < n
    p = target(counts, ns_exponent)
    got = implied(accept, alias, bucket_odds(n))
    # The only error left is rounding each threshold: half of (bucket odds / 2**32) per bucket
    # that holds the word (its own, and each bucket where it is the alias).
    slots = 1 + np.bincount(alias[accept < 2**32], minlength=n)
    assert np.all(np.abs(got - p) <= slots * 0.5 * bucket_odds(n).max() / 2**32 * (1 + 1e-9))
    # Relative 1e-9 for every word whose thresholds resolve it that finely. (The alias of many
    # buckets collects one rounding per bucket; with ns_exponent < 0 such a word is not a
    # frequent one, so it can exceed 1e-9 relative while staying inside the bound above.)
    if ns_exponent >= 0:
        resolved = p * n * 2**32 >= 1e9
        assert resolved.sum() > n / 2
        assert np.max(np.abs(got - p)[resolved] / p[resolved]) <= 1e-9
    # Reading the buckets as exactly 1/n each (ignoring the bucket pick's rounding) is off by
    # at most n / 2**32 relative.
    assert np.max(np.abs(implied(accept, alias, np.full(n, 1 / n)) - p) / p) <= n / 2**32 + 1e-9


@pytest.mark.parametrize("ns_exponent", [0.75, 1.0, 0.0, -0.5])
def test_alias_matches_gensim_cum_table(corpus_counts, ns_exponent):
    model = Word2Vec(vector_size=1, min_count=5, negative=5, ns_exponent=ns_exponent)
    model.build_vocab_from_freq(corpus_counts)
    counts = model.wv.expandos["count"]
    gensim_p = np.diff(model.cum_table, prepend=0) / model.cum_table[-1]
    accept, alias = alias_table(counts, ns_exponent)
    got = implied(accept, alias, bucket_odds(len(counts)))
    # gensim rounds its cumulative table to multiples of 2**-31 (up to 1 unit per word).
    assert np.max(np.abs(got - gensim_p)) <= 2 / 2**31


def test_alias_draws_chi_square(corpus_counts):
    counts = np.array(sorted(corpus_counts.values(), reverse=True))
    accept, alias = alias_table(counts, 0.75)
    draws = alias_draw(accept, alias, np.random.default_rng(42).integers(0, 2**64, 10**6, np.uint64,
                                                                         endpoint=False))
    observed = np.bincount(draws, minlength=len(counts))
    expected = target(counts, 0.75) * 10**6
    # Pool the words expected fewer than 5 times so the chi-square approximation holds.
    rare = expected < 5
    if rare.any():
        observed = np.append(observed[~rare], observed[rare].sum())
        expected = np.append(expected[~rare], expected[rare].sum())
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_alias_zero_counts_and_uniform():
    accept, alias = alias_table([4, 0, 2, 0], 1.0)
    draws = alias_draw(accept, alias, np.random.default_rng(1).integers(0, 2**64, 10**5, np.uint64))
    assert set(np.unique(draws).tolist()) == {0, 2}
    got = implied(accept, alias, bucket_odds(4))
    np.testing.assert_allclose(got, [2 / 3, 0, 1 / 3, 0], atol=1e-15)
    accept, alias = alias_table([4, 0, 2, 9], 0.0)  # like gensim: 0 ** 0 == 1, all equal
    assert accept.tolist() == [2**32] * 4
    assert alias_table([9], 0.75)[0].tolist() == [2**32]


def test_alias_unequal_buckets_fallback():
    # Bucket 0 of 3 is picked by one more value of r >> 32 than the others; word 0 never occurs,
    # and word 1 weighs just between the two bucket sizes, so a table for the exact bucket
    # odds would need word 1 to give more than it has. The equal-odds table is used instead.
    counts = [0, 2863311531, 2**33 - 2863311531]
    accept, alias = alias_table(counts, 1.0)
    p = target(counts, 1.0)
    np.testing.assert_allclose(implied(accept, alias, np.full(3, 1 / 3)), p, rtol=1e-9, atol=1e-15)
    assert np.max(np.abs(implied(accept, alias, bucket_odds(3)) - p)) <= 3 / 2**32


@pytest.mark.parametrize("counts, exponent, message", [
    ([], 0.75, "between 1 and"),
    ([0, 0], 0.75, "zero weight"),
    ([0, 3], -0.5, "not finite"),
    ([1, -2], 0.75, "non-negative"),
    ([1.0, 2.0], 0.75, "integers"),
])
def test_alias_rejects_bad_input(counts, exponent, message):
    with pytest.raises(ValueError, match=message):
        alias_table(counts, exponent)


def test_tables_build_fast_for_a_million_words():
    n = 10**6
    counts = (1e9 / np.arange(1, n + 1) ** 1.05).astype(np.int64) + 5
    start = time.perf_counter()
    accept, alias = alias_table(counts, 0.75)
    assert time.perf_counter() - start < 1.0
    p = target(counts, 0.75)
    got = implied(accept, alias, bucket_odds(n))
    assert np.max(np.abs(got - p)) <= 1e3 / (n * 2**32)
    start = time.perf_counter()
    codes, points, offsets = huffman_tree(counts)
    assert time.perf_counter() - start < 5.0
    assert points[offsets[:-1]].tolist() == [n - 2] * n
