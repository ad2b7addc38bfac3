"""gensim's lock factors (``wv.vectors_lockf``) and ``intersect_word2vec_format``: seeding a model
with pretrained vectors and freezing them, checked against gensim 4.4 on the same files."""
import numpy as np
import pytest
from gensim.models import Word2Vec as GensimWord2Vec

from w2vlib import KeyedVectors, Word2Vec

SENTENCES = [["the", "king", "rules", "the", "land"], ["the", "queen", "rules", "the", "sea"],
             ["a", "ship", "sails", "the", "sea"], ["a", "boat", "sails", "the", "land"]] * 20
PARAMS = dict(vector_size=6, min_count=1, workers=1, seed=3)


def pretrained_file(tmp_path, binary):
    """Vectors for some of the corpus's words and for words it lacks."""
    kv = KeyedVectors(6)
    keys = ["king", "queen", "castle", "sea", "dragon"]
    kv.add_vectors(keys, np.random.default_rng(1).normal(size=(len(keys), 6)).astype(np.float32))
    path = tmp_path / ("pretrained.bin" if binary else "pretrained.txt")
    kv.save_word2vec_format(str(path), binary=binary)
    return path, kv


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("lockf", [0.0, 1.0, 0.5])
def test_intersect_matches_gensim(tmp_path, binary, lockf):
    """gensim reads the text file (its binary reading calls np.fromstring, which numpy 2
    removed); the text holds float32's round-trip digits, so both files carry the same values."""
    path, pretrained = pretrained_file(tmp_path, binary)
    text, _ = pretrained_file(tmp_path, False)
    ours, theirs = Word2Vec(**PARAMS), GensimWord2Vec(**PARAMS)
    ours.build_vocab(SENTENCES)
    theirs.build_vocab(SENTENCES)
    theirs.wv.vectors_lockf = np.ones(len(theirs.wv), dtype=np.float32)   # gensim needs this first
    ours.wv.intersect_word2vec_format(str(path), lockf=lockf, binary=binary)
    theirs.wv.intersect_word2vec_format(str(text), lockf=lockf)
    for key in ["king", "queen", "sea"]:
        np.testing.assert_array_equal(ours.wv[key], pretrained[key])
        np.testing.assert_array_equal(theirs.wv[key], pretrained[key])
    order = [theirs.wv.get_index(key) for key in ours.wv.index_to_key]
    np.testing.assert_array_equal(ours.wv.vectors_lockf, theirs.wv.vectors_lockf[order])
    assert ours.wv.vectors_lockf[ours.wv.get_index("king")] == lockf
    assert ours.wv.vectors_lockf[ours.wv.get_index("ship")] == 1.0


def test_frozen_vectors_stay_as_loaded_through_training(tmp_path):
    path, pretrained = pretrained_file(tmp_path, False)
    for cls in (Word2Vec, GensimWord2Vec):
        model = cls(**PARAMS)
        model.build_vocab(SENTENCES)
        if cls is GensimWord2Vec:
            model.wv.vectors_lockf = np.ones(len(model.wv), dtype=np.float32)
        model.wv.intersect_word2vec_format(str(path), lockf=0.0)
        before = model.wv.vectors.copy()
        model.train(SENTENCES, total_examples=len(SENTENCES), epochs=3)
        for key in ["king", "queen", "sea"]:
            np.testing.assert_array_equal(model.wv[key], pretrained[key], err_msg=cls.__name__)
        assert not np.array_equal(model.wv["ship"], before[model.wv.get_index("ship")])


@pytest.mark.parametrize("sg,hs,negative", [(1, 0, 5), (0, 0, 5), (1, 1, 0), (0, 1, 0)])
def test_one_lock_factor_of_zero_freezes_every_input_vector(sg, hs, negative):
    model = Word2Vec(sg=sg, hs=hs, negative=negative, **PARAMS)
    model.build_vocab(SENTENCES)
    model.wv.vectors_lockf = np.zeros(1, dtype=np.float32)
    before = model.wv.vectors.copy()
    output = (model.syn1 if hs else model.syn1neg).copy()
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=2)
    np.testing.assert_array_equal(model.wv.vectors, before)
    assert not np.array_equal(model.syn1 if hs else model.syn1neg, output)   # still learns


def test_lock_factors_of_a_grown_vocabulary_train_the_new_words():
    model = Word2Vec(**PARAMS)
    model.build_vocab(SENTENCES)
    model.wv.vectors_lockf = np.zeros(len(model.wv), dtype=np.float32)
    model.build_vocab([["new", "words", "here"]] * 5, update=True)
    assert len(model.wv.vectors_lockf) == len(model.wv)
    assert model.wv.vectors_lockf.tolist() == [0.0] * (len(model.wv) - 3) + [1.0] * 3
    old = model.wv.vectors[: len(model.wv) - 3].copy()
    model.train([["new", "words", "here", "the", "king"]] * 5, total_examples=5, epochs=2)
    np.testing.assert_array_equal(model.wv.vectors[: len(model.wv) - 3], old)


def test_lock_factors_survive_save_and_load(tmp_path):
    model = Word2Vec(SENTENCES, **PARAMS)
    model.wv.vectors_lockf = np.linspace(0, 1, len(model.wv)).astype(np.float32)
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    np.testing.assert_array_equal(loaded.wv.vectors_lockf, model.wv.vectors_lockf)
    assert Word2Vec(**PARAMS).wv.vectors_lockf.tolist() == [1.0]


def test_bad_lock_factors_are_refused_by_name(tmp_path):
    model = Word2Vec(**PARAMS)
    model.build_vocab(SENTENCES)
    model.wv.vectors_lockf = np.ones(len(model.wv) - 1, dtype=np.float32)   # gensim wraps it around
    with pytest.raises(ValueError, match="vectors_lockf has shape"):
        model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    model.wv.vectors_lockf = np.array([np.nan], dtype=np.float32)
    with pytest.raises(ValueError, match="NaN or infinity"):
        model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)


def test_intersect_refuses_bad_input(tmp_path):
    path, _ = pretrained_file(tmp_path, False)
    kv = KeyedVectors(4)
    kv.add_vectors(["king"], [[1.0, 2.0, 3.0, 4.0]])
    with pytest.raises(ValueError, match="incompatible vector size 6"):
        kv.intersect_word2vec_format(str(path))
    model = Word2Vec(SENTENCES, **PARAMS)
    with pytest.raises(ValueError, match="lockf must be a finite number"):
        model.wv.intersect_word2vec_format(str(path), lockf=float("nan"))
    model.wv.save(tmp_path / "kv.w2v")
    mapped = KeyedVectors.load(tmp_path / "kv.w2v", mmap="r")
    with pytest.raises(ValueError, match="mmap='c'"):
        mapped.intersect_word2vec_format(str(path))


def test_keyed_vectors_keep_their_lock_factors_through_save_and_load(tmp_path):
    """gensim pickles vectors_lockf with the KeyedVectors; w2vlib's native file stores it."""
    path, _ = pretrained_file(tmp_path, False)
    kv = KeyedVectors(6)
    kv.add_vectors(["king", "ship"], np.zeros((2, 6), np.float32))
    kv.intersect_word2vec_format(str(path), lockf=0.0)
    kv.save(tmp_path / "kv.w2v")
    for mmap in (None, "r"):
        loaded = KeyedVectors.load(tmp_path / "kv.w2v", mmap=mmap)
        assert loaded.vectors_lockf.tolist() == [0.0, 1.0]
    plain = KeyedVectors(6)
    plain.add_vectors(["king"], np.zeros((1, 6), np.float32))
    plain.save(tmp_path / "plain.w2v")
    assert not hasattr(KeyedVectors.load(tmp_path / "plain.w2v"), "vectors_lockf")


@pytest.mark.parametrize("binary", [False, True])
def test_intersect_reads_a_block_at_a_time(tmp_path, binary):
    """Memory holds the shared keys' vectors, not the file's: 60,000 x 50 float32 (12 MB) is read
    for 3 keys with a peak far below the file's matrix; the rows kept equal a full load's."""
    import tracemalloc
    rng = np.random.default_rng(3)
    big = KeyedVectors(50)
    big.add_vectors([f"k{i}" for i in range(60_000)], rng.normal(size=(60_000, 50)).astype(np.float32))
    path = tmp_path / "big.bin"
    big.save_word2vec_format(str(path), binary=binary)
    kv = KeyedVectors(50)
    kv.add_vectors(["k5", "absent", "k59999", "k31000"], np.zeros((4, 50), np.float32))
    tracemalloc.start()
    kv.intersect_word2vec_format(str(path), binary=binary)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4_000_000
    full = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    for key in ["k5", "k59999", "k31000"]:
        np.testing.assert_array_equal(kv[key], full[key])
    np.testing.assert_array_equal(kv["absent"], np.zeros(50, np.float32))


def test_intersect_refuses_a_truncated_file(tmp_path):
    path, _ = pretrained_file(tmp_path, True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 10])
    model = Word2Vec(SENTENCES, **PARAMS)
    with pytest.raises(ValueError, match="pretrained.bin"):
        model.wv.intersect_word2vec_format(str(path), binary=True)
