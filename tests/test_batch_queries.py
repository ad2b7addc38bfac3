"""KeyedVectors.most_similar_batch (w2vlib's extension) against a numpy brute force: every
score in float64, ranked by score then row number, the query's own key left out; and against
gensim's most_similar / similar_by_vector, one query at a time, on the same vectors."""
import tracemalloc

import numpy as np
import pytest
from parity import build_pair

from w2vlib import KeyedVectors, _similarity

TOPN = 7


def brute_force(vectors, queries, own, topn, end=None):
    """The reference: float64 cosines, best first, equal scores by row number."""
    vectors = vectors[:end].astype(np.float64)
    queries = queries.astype(np.float64)
    queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        scores = queries @ vectors.T / np.linalg.norm(vectors, axis=1)
    results = []
    for query_scores, skip in zip(scores, own):
        ranking = np.where(np.isnan(query_scores), -np.inf, query_scores)
        order = [row for row in np.lexsort((np.arange(len(vectors)), -ranking)) if row != skip]
        results.append([(row, query_scores[row]) for row in order[:topn]])
    return results


def assert_matches(kv, got, expected):
    assert len(got) == len(expected)
    for mine, reference in zip(got, expected):
        assert [key for key, _ in mine] == [kv.index_to_key[row] for row, _ in reference]
        np.testing.assert_allclose([score for _, score in mine], [score for _, score in reference],
                                   atol=1e-5)


@pytest.fixture(scope="module")
def random_kv():
    rng = np.random.default_rng(5)
    kv = KeyedVectors(16)
    kv.add_vectors([f"w{i}" for i in range(3000)], rng.normal(size=(3000, 16)).astype(np.float32))
    return kv


@pytest.mark.parametrize("block_bytes", [_similarity.BATCH_BLOCK_BYTES, 4 * 64 * 100])
def test_keys_and_vectors_match_the_brute_force(random_kv, monkeypatch, block_bytes):
    monkeypatch.setattr(_similarity, "BATCH_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(6)
    keys = [f"w{i}" for i in rng.choice(3000, 40, replace=False)]
    vectors = rng.normal(size=(24, 16)).astype(np.float32)
    got = random_kv.most_similar_batch(keys + list(vectors), topn=TOPN)
    queries = np.vstack([random_kv[keys], vectors])
    own = [random_kv.get_index(key) for key in keys] + [-1] * len(vectors)
    assert_matches(random_kv, got, brute_force(random_kv.vectors, queries, own, TOPN))


def test_more_queries_than_one_pass(random_kv, monkeypatch):
    monkeypatch.setattr(_similarity, "BATCH_QUERIES", 16)
    queries = np.random.default_rng(7).normal(size=(50, 16)).astype(np.float32)
    got = random_kv.most_similar_batch(queries, topn=3)
    assert_matches(random_kv, got, brute_force(random_kv.vectors, queries, [-1] * 50, 3))


def test_ties_rank_by_row_number():
    """Integer vectors with repeated rows: exact ties, broken by row number in every block."""
    rng = np.random.default_rng(8)
    base = rng.integers(-2, 3, size=(40, 6)).astype(np.float32)
    vectors = np.vstack([base] * 10)
    kv = KeyedVectors(6)
    kv.add_vectors([f"k{i}" for i in range(len(vectors))], vectors)
    queries = rng.integers(-2, 3, size=(9, 6)).astype(np.float32)
    for block_bytes in (_similarity.BATCH_BLOCK_BYTES, 9 * 4 * 13):
        rows, scores = _similarity.top_rows(kv.vectors, np.linalg.norm(kv.vectors, axis=1),
                                            _similarity.unit_vector(queries), 25, block_bytes)
        for found, reference in zip(rows, brute_force(vectors, queries, [-1] * 9, 25)):
            assert found.tolist() == [row for row, _ in reference]


def test_zero_rows_rank_last_with_nan():
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "zero", "b"], [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    with np.errstate(invalid="ignore"):
        (got,) = kv.most_similar_batch([np.array([1.0, 1.0])], topn=3)
    assert [key for key, _ in got] == ["a", "b", "zero"] and np.isnan(got[2][1])


def test_restrict_vocab_searches_the_first_rows(random_kv):
    keys = ["w5", "w2500"]
    got = random_kv.most_similar_batch(keys, topn=TOPN, restrict_vocab=1000)
    own = [5, -1]    # w2500 is outside the searched rows: nothing to leave out
    assert_matches(random_kv, got, brute_force(random_kv.vectors, random_kv[keys], own, TOPN, end=1000))


def test_same_answers_as_gensim_one_query_at_a_time():
    rng = np.random.default_rng(9)
    ours, theirs = build_pair([f"w{i}" for i in range(500)], rng.normal(size=(500, 20)).astype(np.float32))
    vector = rng.normal(size=20).astype(np.float32)
    got = ours.most_similar_batch(["w1", "w77", vector], topn=5)
    expected = [theirs.most_similar("w1", topn=5), theirs.most_similar("w77", topn=5),
                theirs.similar_by_vector(vector, topn=5)]
    for mine, reference in zip(got, expected):
        assert [key for key, _ in mine] == [key for key, _ in reference]
        np.testing.assert_allclose([s for _, s in mine], [s for _, s in reference], atol=1e-5)


def test_a_single_query_and_small_limits(random_kv):
    assert random_kv.most_similar_batch("w3", topn=2) == [random_kv.most_similar_batch(["w3"], topn=2)[0]]
    assert random_kv.most_similar_batch(["w3", "w4"], topn=0) == [[], []]
    small = KeyedVectors(2)
    small.add_vectors(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    assert [key for key, _ in small.most_similar_batch(["a"], topn=10)[0]] == ["b"]


def test_bad_queries_fail_before_any_work(random_kv):
    with pytest.raises(KeyError, match="absent"):
        random_kv.most_similar_batch(["w1", "absent"])
    with pytest.raises(ValueError, match=r"shape \(16,\)"):
        random_kv.most_similar_batch([np.zeros(15)])
    with pytest.raises(ValueError, match="NaN"):
        random_kv.most_similar_batch(np.full((1, 16), np.nan))
    with pytest.raises(TypeError, match="integer topn"):
        random_kv.most_similar_batch(["w1"], topn=None)


def test_memory_is_bounded_by_the_block_not_the_matrix():
    """Peak allocation (numpy reports to tracemalloc) stays far below the matrix: no copy of
    it, only a block of scores at a time."""
    rng = np.random.default_rng(10)
    vectors = rng.normal(size=(40000, 50)).astype(np.float32)       # 8 MB
    norms = np.linalg.norm(vectors, axis=1)
    queries = _similarity.unit_vector(rng.normal(size=(20, 50)).astype(np.float32))
    tracemalloc.start()
    try:
        rows, _ = _similarity.top_rows(vectors, norms, queries, 10, block_bytes=20 * 4 * 2000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < vectors.nbytes / 8
    assert rows.tolist() == [[row for row, _ in found] for found in
                             brute_force(vectors, queries, [-1] * 20, 10)]
