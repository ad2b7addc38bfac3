"""Bad input found by a review: each gets a clear error and leaves the objects as they were."""
import os

import numpy as np
import pytest

from w2vlib import KeyedVectors, Word2Vec
from w2vlib._word2vec_format import Word2VecFormatError

SENTENCES = [["a", "b", "c", "d", "e"]] * 10
SMALL = dict(vector_size=8, min_count=1, workers=1, epochs=1)


@pytest.mark.parametrize("weights", [[["x", "y", "z"]], np.ones((1, 4)), 5.0])
def test_a_failed_add_changes_nothing(weights):
    kv = KeyedVectors(3)
    kv.add_vectors(["a"], np.ones((1, 3)))
    with pytest.raises(ValueError, match="weights"):
        kv.add_vectors(["b"], weights)
    assert ("b" not in kv, len(kv), kv.vectors.shape) == (True, 1, (1, 3))
    preallocated = KeyedVectors(3, count=2)
    with pytest.raises(ValueError, match="weights"):
        preallocated.add_vector("z", weights[0] if isinstance(weights, list) else weights)
    assert "z" not in preallocated and preallocated.add_vector("z", [1, 2, 3]) == 0


def test_keys_the_native_format_cannot_store_are_refused_at_save(tmp_path):
    ints = Word2Vec([["a", 7, "c"]] * 20, **SMALL)
    ints.save(str(tmp_path / "ints"))
    assert Word2Vec.load(str(tmp_path / "ints")).wv.index_to_key == ints.wv.index_to_key
    with pytest.raises(TypeError, match=r"a token of the corpus is \('b', 'c'\) \(tuple\)"):
        Word2Vec([["a", ("b", "c")]] * 20, **SMALL)   # refused before training, not at save
    tuples = KeyedVectors(2)
    tuples.add_vectors(["a", ("b", "c")], np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"key \d is a tuple"):
        tuples.save(str(tmp_path / "tuples.kv"))
    assert os.listdir(tmp_path) == ["ints"]   # nothing written for the refused saves


def test_weights_of_another_width_or_read_only_are_refused_before_any_change(tmp_path):
    model = Word2Vec(SENTENCES, **SMALL)
    model.vector_size = 16
    with pytest.raises(ValueError, match="vector_size cannot change"):
        model.build_vocab([["new", "words"]] * 10, update=True)
    assert (len(model.wv), model.syn1neg.shape) == (5, (5, 8))
    model.vector_size = 8
    model.save(str(tmp_path / "model"))
    with pytest.raises(ValueError, match="read-only .*mmap='c'"):
        Word2Vec.load(str(tmp_path / "model"), mmap="r").train(SENTENCES, total_examples=10, epochs=1)
    Word2Vec.load(str(tmp_path / "model"), mmap="c").train(SENTENCES, total_examples=10, epochs=1)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(total_examples=-1), ValueError, "total_examples must be >= 0"),
    (dict(total_words=-5), ValueError, "total_words must be >= 0"),
    (dict(total_examples=10, epochs="1"), TypeError, "epochs must be an integer"),
])
def test_bad_totals_and_epochs_of_train(kwargs, error, match):
    model = Word2Vec(SENTENCES, **SMALL)
    with pytest.raises(error, match=match):
        model.train(SENTENCES, **{"epochs": 1, **kwargs})


@pytest.mark.parametrize("kwargs, match", [(dict(min_alpha=float("nan")), "min_alpha"),
                                           (dict(seed=-1), "seed")])
def test_bad_learning_rate_floor_and_seed(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Word2Vec(**kwargs)


@pytest.mark.parametrize("keys", [["a", "b c"], ["a", "b\nc"], ["a", ""]])
@pytest.mark.parametrize("binary", [False, True])
def test_keys_word2vec_files_cannot_hold_are_refused_and_nothing_is_written(tmp_path, keys, binary):
    kv = KeyedVectors(3)
    kv.add_vectors(keys, np.ones((2, 3)))
    target = tmp_path / "out.bin"
    with pytest.raises(ValueError, match="key 1 .* cannot be written"):
        kv.save_word2vec_format(str(target), binary=binary)
    assert os.listdir(tmp_path) == []


def test_total_vec_must_be_a_row_count(tmp_path):
    kv = KeyedVectors(3)
    kv.add_vectors(["a"], np.ones((1, 3)))
    with pytest.raises(ValueError, match="total_vec"):
        kv.save_word2vec_format(str(tmp_path / "out.txt"), total_vec="x")


@pytest.mark.parametrize("suffix", [".gz", ".bz2"])
def test_a_damaged_compressed_file_names_itself(tmp_path, suffix):
    kv = KeyedVectors(3)
    kv.add_vectors(["a", "b"], np.ones((2, 3)))
    whole = tmp_path / f"whole.txt{suffix}"
    kv.save_word2vec_format(str(whole))
    cut = tmp_path / f"cut.txt{suffix}"
    cut.write_bytes(whole.read_bytes()[:-10])
    with pytest.raises(Word2VecFormatError, match=rf"cut\.txt\{suffix}: damaged compressed data"):
        KeyedVectors.load_word2vec_format(str(cut))


def test_a_vocabulary_count_beyond_64_bits_names_file_and_line(tmp_path):
    vectors, vocab = tmp_path / "v.txt", tmp_path / "vocab.txt"
    vectors.write_bytes(b"1 2\na 1 2\n")
    vocab.write_bytes(b"a 9223372036854775808\n")
    with pytest.raises(Word2VecFormatError, match=r"vocab\.txt: line 1: count .* 64 bits"):
        KeyedVectors.load_word2vec_format(str(vectors), fvocab=str(vocab))


@pytest.fixture
def four_d():
    kv = KeyedVectors(4)
    kv.add_vectors(["a", "b", "c"], np.random.default_rng(0).random((3, 4)))
    return kv


@pytest.mark.parametrize("query, match", [
    (np.zeros(3), r"shape \(4,\), got \(3,\)"),
    (np.array([np.nan, 0, 0, 0]), "NaN or infinity"),
    (np.array(["w", "x", "y", "z"]), "must hold numbers"),
])
def test_a_bad_query_vector_is_refused_by_name(four_d, query, match):
    for method in (four_d.most_similar, four_d.similar_by_vector):
        with pytest.raises(ValueError, match=match):
            method(query)


@pytest.mark.parametrize("kwargs, error", [(dict(topn=2.5), TypeError), (dict(topn="3"), TypeError),
                                           (dict(restrict_vocab=-1), ValueError),
                                           (dict(restrict_vocab=1.5), ValueError)])
def test_bad_topn_and_restrict_vocab_are_refused(four_d, kwargs, error):
    for method in (four_d.most_similar, four_d.most_similar_cosmul):
        with pytest.raises(error, match=next(iter(kwargs))):
            method("a", **kwargs)
    if "restrict_vocab" in kwargs:
        with pytest.raises(error, match="restrict_vocab"):
            four_d.evaluate_word_analogies([], **kwargs)


@pytest.fixture(params=[".gz", ".bz2"])
def damaged_corpus(tmp_path, request):
    """An intact compressed corpus and a copy cut short."""
    import bz2
    import gzip
    compress = gzip.compress if request.param == ".gz" else bz2.compress
    data = compress(b"a b c\nd e f\n" * 200)
    whole, cut = tmp_path / f"whole.txt{request.param}", tmp_path / f"cut.txt{request.param}"
    whole.write_bytes(data)
    cut.write_bytes(data[:-12])
    return str(whole), str(cut)


def test_a_damaged_compressed_corpus_names_itself(damaged_corpus):
    from w2vlib import LineSentence, PathLineSentences, Text8Corpus
    whole, cut = damaged_corpus
    match = r"cut\.txt\.(gz|bz2): damaged compressed data"
    for read in (lambda: list(LineSentence(cut)), lambda: list(Text8Corpus(cut)),
                 lambda: list(PathLineSentences(os.path.dirname(cut))),
                 lambda: Word2Vec(corpus_file=cut, **SMALL),
                 lambda: Word2Vec(LineSentence(cut), **SMALL)):
        with pytest.raises(ValueError, match=match):
            read()
    model = Word2Vec(corpus_file=whole, **SMALL)   # the vocabulary from the intact copy
    with pytest.raises(ValueError, match=match):
        model.train(corpus_file=cut, total_words=model.corpus_total_words, epochs=1)
