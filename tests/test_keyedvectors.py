"""KeyedVectors compared call by call with gensim 4.4's KeyedVectors on the same keys and vectors.

Two sets: deterministic random vectors (2,000 keys x 50 dims) and a real model written by the
word2vec C tool (Penn Treebank, 9,859 x 50; skipped when tests/data lacks it).
"""
import pathlib
import warnings

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors
from parity import build_pair

from w2vlib import _native
from w2vlib.keyedvectors import KeyedVectors

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

DATA = pathlib.Path(__file__).parent / "data" / "vectors" / "c_tool"
PTB_BIN, PTB_VOCAB = DATA / "ptb_sgns_d50.bin", DATA / "ptb_vocab.txt"
PTB_TEXT = DATA / "ptb_sgns_d50_head500.txt"
RANDOM_KEYS, RANDOM_DIM = 2000, 50
ATOL = 1e-5
ABSENT = "no such key"


def random_set():
    rng = np.random.default_rng(2024)
    return [f"w{i}" for i in range(RANDOM_KEYS)], rng.normal(size=(RANDOM_KEYS, RANDOM_DIM)).astype(np.float32)


@pytest.fixture(scope="module", params=["random", "ptb"])
def pair(request):
    if request.param == "random":
        return build_pair(*random_set())
    if not PTB_BIN.exists():
        pytest.skip(f"{PTB_BIN} not present")
    theirs = GensimKeyedVectors.load_word2vec_format(str(PTB_BIN), binary=True)
    return build_pair(theirs.index_to_key, theirs.vectors)


def assert_same(ours, theirs):
    """Same structure, types, keys and order; numbers within ATOL."""
    if isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, atol=ATOL, rtol=0)
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for mine, reference in zip(ours, theirs):
            assert_same(mine, reference)
    elif isinstance(theirs, (float, np.floating)):
        assert type(ours) is type(theirs)
        assert abs(ours - theirs) <= ATOL
    else:
        assert type(ours) is type(theirs) and ours == theirs


def key(kv, i):
    return kv.index_to_key[i]


VECTOR = np.random.default_rng(7).normal(size=50).astype(np.float32)

QUERIES = {
    "most_similar key": lambda kv: kv.most_similar(key(kv, 5)),
    "most_similar list": lambda kv: kv.most_similar([key(kv, 5), key(kv, 17)], topn=20),
    "most_similar analogy": lambda kv: kv.most_similar([key(kv, 1), key(kv, 2)], [key(kv, 3)], topn=15),
    "most_similar weights": lambda kv: kv.most_similar(
        positive=[(key(kv, 1), 2.0), key(kv, 2)], negative=[(key(kv, 3), 0.5)]),
    "most_similar vectors": lambda kv: kv.most_similar(positive=[VECTOR, key(kv, 9)], negative=[key(kv, 4)]),
    "most_similar one vector": lambda kv: kv.most_similar(VECTOR, topn=5),
    "most_similar weighted vector": lambda kv: kv.most_similar([(VECTOR, 0.5), key(kv, 2)]),
    "most_similar 2-D array": lambda kv: kv.most_similar(kv[[key(kv, 1), key(kv, 2)]]),
    "most_similar negative only": lambda kv: kv.most_similar(negative=[key(kv, 7)]),
    "most_similar int key": lambda kv: kv.most_similar(positive=[3, key(kv, 8)]),
    "most_similar topn None": lambda kv: kv.most_similar(key(kv, 5), topn=None),
    "most_similar topn 0": lambda kv: kv.most_similar(key(kv, 5), topn=0),
    "most_similar topn all": lambda kv: kv.most_similar(key(kv, 5), topn=len(kv) + 10),
    "most_similar restrict": lambda kv: kv.most_similar(key(kv, 5), restrict_vocab=100),
    "most_similar restrict None": lambda kv: kv.most_similar(key(kv, 500), restrict_vocab=100, topn=None),
    "most_similar clip": lambda kv: kv.most_similar(key(kv, 20), clip_start=10, clip_end=500),
    "most_similar clip None": lambda kv: kv.most_similar(key(kv, 20), clip_start=10, clip_end=30, topn=None),
    "cosmul key": lambda kv: kv.most_similar_cosmul(key(kv, 5)),
    "cosmul analogy": lambda kv: kv.most_similar_cosmul([key(kv, 1), key(kv, 2)], [key(kv, 3)], topn=12),
    "cosmul strings": lambda kv: kv.most_similar_cosmul(key(kv, 1), key(kv, 3)),
    "cosmul vector": lambda kv: kv.most_similar_cosmul([VECTOR / np.linalg.norm(VECTOR), key(kv, 4)]),
    "cosmul topn None": lambda kv: kv.most_similar_cosmul(key(kv, 5), topn=None),
    "cosmul topn None negative": lambda kv: kv.most_similar_cosmul(key(kv, 5), key(kv, 6), topn=None),
    "cosmul topn 0": lambda kv: kv.most_similar_cosmul(key(kv, 5), topn=0),
    "similar_by_word": lambda kv: kv.similar_by_word(key(kv, 11), topn=7),
    "similar_by_key restrict": lambda kv: kv.similar_by_key(key(kv, 11), restrict_vocab=300),
    "similar_by_vector": lambda kv: kv.similar_by_vector(VECTOR, topn=4, restrict_vocab=300),
    "similarity": lambda kv: kv.similarity(key(kv, 1), key(kv, 2)),
    "similarity self": lambda kv: kv.similarity(key(kv, 1), key(kv, 1)),
    "distance": lambda kv: kv.distance(key(kv, 1), key(kv, 30)),
    "n_similarity": lambda kv: kv.n_similarity([key(kv, 1), key(kv, 2)], [key(kv, 3), ABSENT]),
    "distances all": lambda kv: kv.distances(key(kv, 4)),
    "distances some": lambda kv: kv.distances(key(kv, 4), [key(kv, 5), key(kv, 60)]),
    "distances vector": lambda kv: kv.distances(VECTOR, [key(kv, 5)]),
    "cosine_similarities": lambda kv: type(kv).cosine_similarities(VECTOR, kv.vectors[:40]),
    "doesnt_match": lambda kv: kv.doesnt_match([key(kv, i) for i in (1, 2, 3, 50, 400)] + [ABSENT]),
    "rank_by_centrality": lambda kv: kv.rank_by_centrality([key(kv, i) for i in (1, 2, 3, 50, 400)]),
    "rank_by_centrality raw": lambda kv: kv.rank_by_centrality([key(kv, i) for i in (1, 2, 3)], use_norm=False),
    "closer_than": lambda kv: kv.closer_than(key(kv, 0), key(kv, 50)),
    "rank": lambda kv: kv.rank(key(kv, 0), key(kv, 50)),
    "most_similar_to_given": lambda kv: kv.most_similar_to_given(key(kv, 0), [key(kv, i) for i in range(1, 40)]),
    "relative_cosine_similarity": lambda kv: kv.relative_cosine_similarity(key(kv, 0), key(kv, 1), topn=10),
    "mean": lambda kv: kv.get_mean_vector([key(kv, 1), key(kv, 2), ABSENT]),
    "mean weights list": lambda kv: kv.get_mean_vector([key(kv, 1), key(kv, 2)], weights=[1.0, -3.0]),
    "mean weights float64": lambda kv: kv.get_mean_vector([key(kv, 1), VECTOR], weights=np.array([0.5, 2.0])),
    "mean raw": lambda kv: kv.get_mean_vector([key(kv, 1), key(kv, 2)], pre_normalize=False),
    "mean post": lambda kv: kv.get_mean_vector([key(kv, 1), key(kv, 2)], post_normalize=True),
    "mean all missing": lambda kv: kv.get_mean_vector([ABSENT]),
    "get_vector": lambda kv: kv.get_vector(key(kv, 3)),
    "get_vector norm": lambda kv: kv.get_vector(key(kv, 3), norm=True),
    "getitem list": lambda kv: kv[[key(kv, 3), key(kv, 1), 2]],
    "getitem int": lambda kv: kv[7],
    "normed vectors": lambda kv: kv.get_normed_vectors(),
    "get_index": lambda kv: (kv.get_index(key(kv, 10)), kv.get_index(5), kv.get_index(ABSENT, -7)),
    "contains": lambda kv: (key(kv, 10) in kv, ABSENT in kv, 5 in kv, kv.has_index_for(len(kv))),
    "len and str": lambda kv: (len(kv), str(kv)),
}


@pytest.mark.parametrize("name", QUERIES)
def test_query_matches_gensim(pair, name):
    ours, theirs = pair
    assert_same(QUERIES[name](ours), QUERIES[name](theirs))


def test_most_similar_hands_the_mean_to_an_indexer(pair):
    class Indexer:
        def most_similar(self, vector, topn):
            return vector, topn

    ours, theirs = pair
    query = dict(positive=[key(ours, 1), (key(ours, 2), 0.5)], negative=[key(ours, 3)], topn=4)
    assert_same(ours.most_similar(**query, indexer=Indexer()), theirs.most_similar(**query, indexer=Indexer()))


def test_cosmul_restrict_vocab_searches_the_first_keys(pair):
    """gensim 4.4 ignores restrict_vocab here; the reference is gensim on the first keys only."""
    ours, theirs = pair
    first = build_pair(theirs.index_to_key[:100], theirs.vectors[:100])[1]
    query = dict(positive=[key(ours, 5), key(ours, 50)], negative=[key(ours, 6)])
    assert_same(ours.most_similar_cosmul(**query, restrict_vocab=100), first.most_similar_cosmul(**query))
    assert_same(ours.most_similar_cosmul(**query, restrict_vocab=100, topn=None),
                first.most_similar_cosmul(**query, topn=None))


def test_query_results_exclude_inputs(pair):
    ours, _ = pair
    inputs = [key(ours, 1), key(ours, 2), key(ours, 3)]
    assert not set(inputs) & {k for k, _ in ours.most_similar(inputs[:2], inputs[2:], topn=50)}


def test_fill_norms(pair):
    ours, theirs = pair
    ours.fill_norms(force=True)
    theirs.fill_norms(force=True)
    assert_same(ours.norms, theirs.norms)


def test_get_vector_is_read_only(pair):
    with pytest.raises(ValueError):
        pair[0].get_vector(key(pair[0], 1))[0] = 1.0


ERRORS = {
    "getitem": lambda kv: kv[ABSENT],
    "get_index": lambda kv: kv.get_index(ABSENT),
    "get_index int": lambda kv: kv.get_index(len(kv)),
    "get_vector": lambda kv: kv.get_vector(ABSENT, norm=True),
    "most_similar missing": lambda kv: kv.most_similar([key(kv, 1), ABSENT]),
    "most_similar empty": lambda kv: kv.most_similar([]),
    "most_similar none": lambda kv: kv.most_similar(),
    "cosmul missing": lambda kv: kv.most_similar_cosmul(ABSENT),
    "cosmul empty": lambda kv: kv.most_similar_cosmul(negative=[key(kv, 1)]),
    "mean empty": lambda kv: kv.get_mean_vector([]),
    "mean missing": lambda kv: kv.get_mean_vector([key(kv, 1), ABSENT], ignore_missing=False),
    "mean weights": lambda kv: kv.get_mean_vector([key(kv, 1)], weights=[1.0, 2.0]),
    "similarity": lambda kv: kv.similarity(key(kv, 1), ABSENT),
    "n_similarity empty": lambda kv: kv.n_similarity([], [key(kv, 1)]),
    "distances": lambda kv: kv.distances(key(kv, 1), [ABSENT]),
    "doesnt_match": lambda kv: kv.doesnt_match([ABSENT]),
    "relative_cosine_similarity": lambda kv: kv.relative_cosine_similarity(key(kv, 0), key(kv, 1), topn=0),
    "vecattr": lambda kv: kv.get_vecattr(key(kv, 1), "nothing"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_error_matches_gensim(pair, name):
    ours, theirs = pair
    with pytest.raises(Exception) as reference:
        ERRORS[name](theirs)
    with pytest.raises(reference.type) as mine:
        ERRORS[name](ours)
    assert str(mine.value) == str(reference.value)


@pytest.mark.parametrize("attr", ["index2word", "index2entity", "vocab", "vectors_norm"])
def test_gensim3_attributes_raise_attribute_error(attr):
    for kv in (KeyedVectors(2), GensimKeyedVectors(2)):
        with pytest.raises(AttributeError, match="4.0.0"):
            getattr(kv, attr)


# --- building and changing --------------------------------------------------------------------

def assert_same_state(ours, theirs):
    assert ours.index_to_key == theirs.index_to_key
    assert ours.key_to_index == theirs.key_to_index
    assert_same(ours.vectors, theirs.vectors)
    theirs.fill_norms(force=True)  # gensim keeps stale norms after changes
    assert_same(ours.most_similar(ours.index_to_key[0], topn=None),
                theirs.most_similar(theirs.index_to_key[0], topn=None))


@pytest.mark.parametrize("replace", [False, True])
def test_add_vectors_matches_gensim(replace):
    keys, vectors = random_set()
    ours, theirs = build_pair(keys[:100], vectors[:100])
    batch = keys[50:150]
    new = np.random.default_rng(3).normal(size=(100, RANDOM_DIM)).astype(np.float32)
    ours.add_vectors(batch, new, replace=replace)
    theirs.add_vectors(batch, new, replace=replace)
    assert_same_state(ours, theirs)
    assert np.array_equal(ours["w60"], new[10] if replace else vectors[60])


def test_add_single_key_and_setitem_match_gensim():
    keys, vectors = random_set()
    ours, theirs = build_pair(keys[:10], vectors[:10])
    for kv in (ours, theirs):
        kv.add_vectors("extra", vectors[20])
        kv["w3"] = vectors[30]
        kv["w4"] = vectors[31]
        kv[["w5", "new"]] = vectors[32:34]
    assert_same_state(ours, theirs)


def test_add_vector_fills_preallocated_slots_like_gensim():
    keys, vectors = random_set()
    ours, theirs = KeyedVectors(RANDOM_DIM, count=3), GensimKeyedVectors(RANDOM_DIM, count=3)
    for kv in (ours, theirs):
        assert [kv.add_vector(keys[i], vectors[i]) for i in range(3)] == [0, 1, 2]
        with pytest.warns(UserWarning):
            assert kv.add_vector(keys[3], vectors[3]) == 3
        with pytest.warns(UserWarning):
            assert kv.add_vector(keys[4], vectors[4]) == 4
    assert_same_state(ours, theirs)


def test_add_vector_of_present_key_replaces_it():
    """gensim 4.4 would record the key twice; w2vlib replaces the vector."""
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kv.add_vector("a", [2.0, 2.0]) == 0
    assert kv.index_to_key == ["a", "b"] and kv["a"].tolist() == [2.0, 2.0]


@pytest.mark.parametrize("replace, expected", [(False, [1.0]), (True, [3.0])])
def test_key_repeated_in_one_batch_is_added_once(replace, expected):
    """gensim 4.4 would append it twice; w2vlib adds it once, then treats the repeat as present."""
    kv = KeyedVectors(1)
    kv.add_vectors(["a", "b", "a"], [[1.0], [2.0], [3.0]], replace=replace)
    assert kv.index_to_key == ["a", "b"] and kv.key_to_index == {"a": 0, "b": 1}
    assert kv["a"].tolist() == expected and kv.vectors.shape == (2, 1)


def test_add_vectors_with_extras_and_growing_attributes():
    kv = KeyedVectors(1)
    kv.add_vectors(["a", "b"], [[1.0], [2.0]], extras={"count": np.array([5, 3])})
    kv.add_vectors(["b", "c"], [[9.0], [4.0]], extras={"count": np.array([8, 2])})
    assert kv.expandos["count"].tolist() == [5, 3, 2]
    kv.add_vectors(["b", "d"], [[7.0], [6.0]], extras={"count": np.array([1, 4])}, replace=True)
    assert kv.expandos["count"].tolist() == [5, 1, 2, 4]
    assert kv.vectors.ravel().tolist() == [1.0, 7.0, 4.0, 6.0]
    kv.add_vectors(["e"], [[0.0]])
    assert kv.get_vecattr("e", "count") == 0


def test_add_vectors_rejects_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        KeyedVectors(3).add_vectors(["a", "b"], np.zeros((2, 4)))


def test_changes_drop_cached_norms():
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    kv.fill_norms()
    kv.add_vectors(["c"], [[3.0, 4.0]])
    assert kv.most_similar("a", topn=None).tolist() == pytest.approx([1.0, 0.0, 0.6])
    kv["a"] = np.array([0.0, 2.0])
    assert kv.get_vector("a", norm=True).tolist() == [0.0, 1.0]


def test_vecattrs_match_gensim():
    keys, vectors = random_set()
    ours, theirs = build_pair(keys[:20], vectors[:20])
    for kv in (ours, theirs):
        kv.set_vecattr("w3", "count", 17)
        kv.set_vecattr(4, "count", 9)
        kv.set_vecattr("w5", "weight", 0.25)
    for attr in ("count", "weight"):
        assert_same(ours.expandos[attr], theirs.expandos[attr])
    assert_same(ours.get_vecattr("w3", "count"), theirs.get_vecattr("w3", "count"))
    for kv in (ours, theirs):
        with pytest.raises(TypeError):
            kv.set_vecattr("w3", "count", 1.5)


def test_sort_by_descending_frequency_matches_gensim():
    keys, vectors = random_set()
    ours, theirs = build_pair(keys[:300], vectors[:300])
    counts = np.random.default_rng(5).integers(0, 20, size=300)  # many ties
    for kv in (ours, theirs):
        kv.allocate_vecattrs(["count"], [int])
        kv.expandos["count"][:] = counts
        kv.set_vecattr("w7", "extra", 2.5)
        kv.sort_by_descending_frequency()
    assert_same_state(ours, theirs)
    for attr in ("count", "extra"):
        assert_same(ours.expandos[attr], theirs.expandos[attr])


def test_resize_vectors_matches_gensim():
    keys, vectors = random_set()
    ours, theirs = build_pair(keys[:5], vectors[:5])
    for kv in (ours, theirs):
        kv.index_to_key += ["x", "y"]
        kv.key_to_index.update(x=5, y=6)
        kv.resize_vectors(seed=3)
    assert_same_state(ours, theirs)


# --- files ------------------------------------------------------------------------------------

def counted_pair():
    keys, vectors = random_set()
    ours, theirs = build_pair(keys[:200], vectors[:200])
    counts = np.random.default_rng(9).integers(1, 50, size=200)  # ties keep storage order
    for kv in (ours, theirs):
        kv.allocate_vecattrs(["count"], [int])
        kv.expandos["count"][:] = counts
    return ours, theirs


@pytest.mark.parametrize("binary", [False, True])
def test_save_word2vec_format_matches_gensim(tmp_path, binary):
    ours, theirs = counted_pair()
    ours.save_word2vec_format(str(tmp_path / "ours"), fvocab=str(tmp_path / "ours.vocab"), binary=binary)
    theirs.save_word2vec_format(str(tmp_path / "theirs"), fvocab=str(tmp_path / "theirs.vocab"), binary=binary)
    assert (tmp_path / "ours.vocab").read_text() == (tmp_path / "theirs.vocab").read_text()
    mine, reference = (GensimKeyedVectors.load_word2vec_format(str(tmp_path / name), binary=binary)
                       for name in ("ours", "theirs"))
    assert mine.index_to_key == reference.index_to_key
    np.testing.assert_allclose(mine.vectors, reference.vectors, atol=1e-6)


def test_save_word2vec_format_options_match_gensim(tmp_path):
    ours, theirs = counted_pair()
    for name, kv in (("ours", ours), ("theirs", theirs)):
        kv.save_word2vec_format(str(tmp_path / name), write_header=False, prefix="p_", sort_attr="none")
        kv.save_word2vec_format(str(tmp_path / name), write_header=False, append=True)
    mine, reference = (GensimKeyedVectors.load_word2vec_format(str(tmp_path / name), no_header=True)
                       for name in ("ours", "theirs"))
    assert mine.index_to_key == reference.index_to_key and len(mine) == 400
    np.testing.assert_allclose(mine.vectors, reference.vectors, atol=1e-6)
    for kv in (ours, theirs):
        with pytest.raises(ValueError):
            kv.save_word2vec_format(str(tmp_path / "x"), fvocab=str(tmp_path / "x.vocab"), sort_attr="none")


@pytest.mark.parametrize("path, options", [
    (PTB_BIN, {"binary": True}),
    (PTB_BIN, {"binary": True, "limit": 100}),
    (PTB_BIN, {"binary": True, "fvocab": str(PTB_VOCAB)}),
    (PTB_TEXT, {}),
    (PTB_TEXT, {"limit": 7}),
])
def test_load_word2vec_format_matches_gensim(path, options):
    if not path.exists():
        pytest.skip(f"{path} not present")
    ours = KeyedVectors.load_word2vec_format(str(path), **options)
    theirs = GensimKeyedVectors.load_word2vec_format(str(path), **options)
    assert ours.index_to_key == theirs.index_to_key and ours.key_to_index == theirs.key_to_index
    assert_same(ours.vectors, theirs.vectors)
    assert_same(ours.expandos["count"], theirs.expandos["count"])
    assert_same(ours.most_similar(key(ours, 5)), theirs.most_similar(key(theirs, 5)))


def test_native_round_trip(tmp_path):
    ours, _ = counted_pair()
    ours.set_vecattr("w1", "weight", 0.5)
    ours.save(str(tmp_path / "kv.w2v"))
    for mmap in (None, "r"):
        loaded = KeyedVectors.load(str(tmp_path / "kv.w2v"), mmap=mmap)
        assert loaded.index_to_key == ours.index_to_key and loaded.key_to_index == ours.key_to_index
        assert loaded.vector_size == ours.vector_size and loaded.next_index == ours.next_index
        assert np.array_equal(loaded.vectors, ours.vectors) and loaded.vectors.dtype == np.float32
        assert sorted(loaded.expandos) == ["count", "weight"]
        assert all(np.array_equal(loaded.expandos[a], ours.expandos[a]) for a in ours.expandos)
        assert loaded.most_similar("w3") == ours.most_similar("w3")
    assert not KeyedVectors.load(str(tmp_path / "kv.w2v"), mmap="r").vectors.flags.writeable


def test_native_load_refuses_another_kind(tmp_path):
    _native.save_native(str(tmp_path / "model"), "Word2Vec", {"vector_size": 2}, {"vectors": np.zeros((1, 2))})
    with pytest.raises(ValueError, match="Word2Vec"):
        KeyedVectors.load(str(tmp_path / "model"))


@pytest.mark.parametrize("meta, arrays, message", [
    ({"vector_size": 2, "keys": ["a", "b"]}, {"vectors": np.zeros((3, 2))}, "shape"),
    ({"vector_size": 2, "keys": ["a", "a"]}, {"vectors": np.zeros((2, 2))}, "repeated"),
    ({"vector_size": 2, "keys": "ab"}, {"vectors": np.zeros((2, 2))}, "not a list"),
    ({"keys": ["a"]}, {"vectors": np.zeros((1, 2))}, "vector_size"),
    ({"vector_size": 2, "keys": ["a"]}, {"vectors": np.zeros((1, 2)), "expando:count": np.zeros(3)}, "count"),
])
def test_native_load_refuses_inconsistent_files(tmp_path, meta, arrays, message):
    _native.save_native(str(tmp_path / "kv"), "KeyedVectors", meta, arrays)
    with pytest.raises(ValueError, match=message):
        KeyedVectors.load(str(tmp_path / "kv"))


def test_native_save_refuses_object_attributes(tmp_path):
    kv = KeyedVectors(1)
    kv.add_vectors(["a"], [[1.0]])
    kv.set_vecattr("a", "label", "text")
    with pytest.raises(ValueError, match="label"):
        kv.save(str(tmp_path / "kv"))
