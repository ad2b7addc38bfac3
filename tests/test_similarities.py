"""Nearest-neighbour indexes (w2vlib.similarities) and ``most_similar(indexer=...)``.

References: gensim 4.4's own AnnoyIndexer and most_similar(indexer=...) on the same vectors;
exact search (numpy) for the recall of the HNSW index on clustered vectors; the files written by
``save`` read back by ``load``, and damaged or swapped ones refused. The tests of annoy's indexers
run where annoy imports (``pip install "w2vlib[annoy]"``, a C++ compiler) and skip elsewhere.
"""
import os
import sys

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors
from extras import needs_annoy
from gensim.similarities.annoy import AnnoyIndexer as GensimAnnoyIndexer  # imports annoy only when used

from w2vlib import KeyedVectors, Word2Vec, _index_file, _native
from w2vlib.errors import IndexFileError, MissingExtraError
from w2vlib.similarities import AnnoyIndexer, HnswIndexer

INDEXERS = {"annoy": lambda kv: AnnoyIndexer(kv, 10), "hnsw": lambda kv: HnswIndexer(kv)}
#: Every kind, as parameters: annoy's skip without the annoy package.
KINDS = [pytest.param("annoy", marks=needs_annoy), "hnsw"]
CLUSTERS, PER_CLUSTER, DIMS, SPREAD = 60, 50, 32, 0.5
RECALL_QUERIES, RECALL_TARGET = 200, 0.95


def clustered(seed=3):
    """A Gaussian mixture: cluster centres, points spread around them (benchmark's generator)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(CLUSTERS, DIMS))
    points = np.repeat(centres, PER_CLUSTER, axis=0) + SPREAD * rng.normal(size=(CLUSTERS * PER_CLUSTER, DIMS))
    kv = KeyedVectors(DIMS)
    kv.add_vectors([f"w{i}" for i in range(len(points))], points.astype(np.float32))
    return kv


@pytest.fixture(scope="module")
def kv():
    return clustered()


@pytest.fixture(scope="module")
def gensim_pair(kv, tmp_path_factory):
    """gensim's KeyedVectors holding the same vectors, read from the file w2vlib writes."""
    path = tmp_path_factory.mktemp("pair") / "vectors.bin"
    kv.save_word2vec_format(str(path), binary=True, write_header=True)
    return GensimKeyedVectors.load_word2vec_format(str(path), binary=True)


def assert_same(mine, reference):
    """Same keys in the same order, types as gensim's, similarities equal to float32 rounding
    (the mean vector handed to the indexer is computed in float32 by both libraries)."""
    assert [key for key, _ in mine] == [key for key, _ in reference]
    assert all(type(key) is str and type(score) is float for key, score in mine)
    np.testing.assert_allclose([s for _, s in mine], [s for _, s in reference], atol=1e-6)


@needs_annoy
def test_gensims_annoy_indexer_through_our_most_similar(kv, gensim_pair):
    """gensim's own indexer answers w2vlib's most_similar as it answers gensim's."""
    indexer = GensimAnnoyIndexer(gensim_pair, 10)
    query = dict(positive=["w1", ("w2", 0.5)], negative=["w3"], topn=6)
    assert_same(kv.most_similar(**query, indexer=indexer), gensim_pair.most_similar(**query, indexer=indexer))
    got = kv.similar_by_key("w10", topn=5, indexer=indexer)
    assert_same(got, gensim_pair.most_similar("w10", topn=5, indexer=indexer))
    assert got[0][0] == "w10"              # gensim's rule: the query's own key is not left out
    vector = kv["w20"] + 0.1
    assert_same(kv.similar_by_vector(vector, topn=3, indexer=indexer),
                gensim_pair.most_similar(positive=[vector], topn=3, indexer=indexer))


@needs_annoy
def test_our_annoy_indexer_matches_gensims(kv, gensim_pair):
    """Same constructor, same annoy index over the same unit vectors: the same answers."""
    ours, theirs = AnnoyIndexer(kv, 5), GensimAnnoyIndexer(gensim_pair, 5)
    assert ours.num_trees == theirs.num_trees == 5 and ours.labels == theirs.labels
    for key in ("w0", "w777", "w2999"):
        assert_same(kv.most_similar(key, topn=8, indexer=ours),
                    gensim_pair.most_similar(key, topn=8, indexer=theirs))


@pytest.mark.parametrize("kind", KINDS)
def test_indexer_on_a_trained_model_as_gensims_example(kind):
    sentences = [["cute", "cat", "say", "meow"], ["cute", "dog", "say", "woof"]]
    model = Word2Vec(sentences, min_count=1, seed=1, workers=1)
    indexer = AnnoyIndexer(model, 2) if kind == "annoy" else HnswIndexer(model)
    got = model.wv.most_similar("cat", topn=2, indexer=indexer)
    assert got[0][0] == "cat" and abs(got[0][1] - 1.0) < 1e-5 and len(got) == 2


def test_hnsw_recall_on_clustered_vectors(kv):
    indexer = HnswIndexer(kv)
    rng = np.random.default_rng(4)
    queries = kv.vectors[rng.choice(len(kv), RECALL_QUERIES, replace=False)] + \
        0.1 * rng.normal(size=(RECALL_QUERIES, DIMS)).astype(np.float32)
    exact = kv.most_similar_batch(queries, topn=10)
    hits = [len({k for k, _ in indexer.most_similar(q, 10)} & {k for k, _ in want})
            for q, want in zip(queries, exact)]
    assert np.mean(hits) / 10 >= RECALL_TARGET
    got, want = indexer.most_similar(queries[0], 3), exact[0][:3]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-4)


@pytest.mark.parametrize("kind", KINDS)
def test_save_load_round_trip(kv, tmp_path, kind):
    indexer = INDEXERS[kind](kv)
    fname = tmp_path / "vectors.index"
    indexer.save(fname)
    assert _native.load_native(str(fname) + ".dict")[0] == type(indexer).__name__   # no pickle
    loaded = type(indexer)()
    loaded.load(str(fname))
    loaded.model = kv
    for key in ("w1", "w2345"):
        assert kv.most_similar(key, topn=5, indexer=loaded) == kv.most_similar(key, topn=5, indexer=indexer)
    assert loaded.labels == kv.index_to_key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vectors.index", "vectors.index.dict"]


@needs_annoy
def test_loaded_settings_annoy(kv, tmp_path):
    AnnoyIndexer(kv, 3).save(tmp_path / "a")
    annoy = AnnoyIndexer()
    annoy.load(tmp_path / "a")
    assert annoy.num_trees == 3


def test_loaded_settings_hnsw(kv, tmp_path):
    HnswIndexer(kv, connectivity=8, expansion_search=40).save(tmp_path / "h")
    hnsw = HnswIndexer()
    hnsw.load(tmp_path / "h")
    assert (hnsw.connectivity, hnsw.expansion_search, hnsw.index.hnsw.efSearch) == (8, 40, 40)


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_or_swapped_files_are_named(kv, tmp_path, kind):
    cls = type(INDEXERS[kind](clustered(seed=9)))
    INDEXERS[kind](kv).save(tmp_path / "one")
    INDEXERS[kind](clustered(seed=9)).save(tmp_path / "two")
    (tmp_path / "one").write_bytes((tmp_path / "two").read_bytes())          # another save's index
    with pytest.raises(IndexFileError, match="one: is not the index .*one.dict describes"):
        cls().load(tmp_path / "one")
    damaged = bytearray((tmp_path / "two").read_bytes())
    damaged[len(damaged) // 2:] = bytes(len(damaged) - len(damaged) // 2)
    (tmp_path / "two").write_bytes(bytes(damaged))
    with pytest.raises(IndexFileError, match="two"):
        cls().load(tmp_path / "two")
    (tmp_path / "three.dict").write_bytes(b"\x80\x04 a pickle")
    (tmp_path / "three").write_bytes(b"index")
    with pytest.raises(IndexFileError, match=r"three.dict: not an index labels file"):
        cls().load(tmp_path / "three")
    with pytest.raises(FileNotFoundError, match="four"):
        cls().load(tmp_path / "four")


@needs_annoy
def test_labels_of_another_kind_are_refused(kv, tmp_path):
    AnnoyIndexer(kv, 2).save(tmp_path / "index")
    with pytest.raises(IndexFileError, match="labels of a AnnoyIndexer, not of a HnswIndexer"):
        HnswIndexer().load(tmp_path / "index")


def test_a_model_with_other_keys_is_refused(kv, tmp_path):
    HnswIndexer(kv).save(tmp_path / "index")
    loaded = HnswIndexer()
    loaded.load(tmp_path / "index")
    other = KeyedVectors(DIMS)
    other.add_vectors(kv.index_to_key[::-1], kv.vectors[::-1])
    with pytest.raises(IndexFileError, match=r"index: built on other keys than the model: row 0 is 'w0'"):
        loaded.model = other
    narrower = KeyedVectors(DIMS - 1)
    narrower.add_vectors(kv.index_to_key, kv.vectors[:, 1:])
    with pytest.raises(IndexFileError, match="built on 32 dimensions, the model has 31"):
        loaded.model = narrower


@pytest.mark.parametrize("kind", KINDS)
def test_bad_queries(kv, kind):
    indexer = INDEXERS[kind](kv)
    with pytest.raises(KeyError, match="absent"):
        kv.most_similar("absent", indexer=indexer)
    with pytest.raises(ValueError, match=r"shape \(32,\)"):
        indexer.most_similar(np.zeros(31), 5)
    with pytest.raises(ValueError, match=r"shape \(32,\)"):
        kv.similar_by_vector(np.zeros(31), indexer=indexer)
    with pytest.raises(ValueError, match="num_neighbors"):
        indexer.most_similar(kv["w1"], 0)
    with pytest.raises(ValueError, match="holds no index"):
        type(indexer)().most_similar(kv["w1"], 3)
    with pytest.raises(ValueError, match="Only a Word2Vec or KeyedVectors"):
        type(indexer)(object(), 2) if kind == "annoy" else HnswIndexer(object())


@pytest.mark.parametrize("kind, package, extra", [("annoy", "annoy", "annoy"),
                                                  ("hnsw", "faiss", "ann")])
def test_missing_extra_is_named(kv, monkeypatch, kind, package, extra):
    monkeypatch.setitem(sys.modules, package, None)          # import raises ImportError
    with pytest.raises(MissingExtraError, match=rf'pip install "w2vlib\[{extra}\]"') as caught:
        INDEXERS[kind](kv)
    assert isinstance(caught.value, ImportError) and caught.value.extra == extra


@pytest.mark.parametrize("kind", KINDS)
def test_an_index_its_library_cannot_read_is_named(kv, tmp_path, kind):
    """Labels that describe the damaged file (fingerprint taken after the damage): the library's
    own reading, or the count of vectors it finds, refuses it."""
    fname = str(tmp_path / "index")
    indexer = INDEXERS[kind](kv)
    indexer.save(fname)
    meta = _index_file.load_labels(fname, indexer.KIND)
    with open(fname, "r+b") as fout:
        fout.truncate(os.path.getsize(fname) // 3)
    _index_file.save_labels(fname, indexer.KIND, {k: v for k, v in meta.items() if k != "keys"}, meta["keys"])
    with pytest.raises(IndexFileError, match=rf"{fname}: (cannot be read as a|holds \d+ vectors, its labels 3000 keys)"):
        type(indexer)().load(fname)
