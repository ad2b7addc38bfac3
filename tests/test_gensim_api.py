"""Behaviour a gensim user relies on, checked against gensim 4.4 on the same calls."""
import math

import numpy as np
import pytest
from gensim.models import Word2Vec as GensimWord2Vec

from w2vlib import Word2Vec
from w2vlib._train import Schedule

SENTENCES = [["a", "b", "c", "a", "a", "d"], ["b", "c", "e", "a"]] * 30
SMALL = dict(vector_size=8, min_count=1, workers=1)


@pytest.mark.parametrize("cls", [Word2Vec, GensimWord2Vec])
def test_train_keeps_its_epochs_and_learning_rates_on_the_model(cls):
    model = cls(SENTENCES, epochs=2, **SMALL)
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=3, start_alpha=0.05,
                end_alpha=0.001)
    assert (model.epochs, model.alpha, model.min_alpha) == (3, 0.05, 0.001)
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)   # no rates: kept
    assert (model.epochs, model.alpha, model.min_alpha) == (1, 0.05, 0.001)


def test_unknown_keyword_of_train_is_refused_as_by_gensim():
    for cls in (Word2Vec, GensimWord2Vec):
        model = cls(SENTENCES, epochs=1, **SMALL)
        with pytest.raises(TypeError, match="compute_los"):
            model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1, compute_los=True)


def test_iterable_training_follows_total_examples_when_both_totals_are_given():
    """gensim's iterable mode decays alpha by sentences done; a stale total_words beside
    total_examples changes nothing (in corpus_file mode words are followed)."""
    def trained(**totals):
        model = Word2Vec(epochs=1, batch_words=50, seed=3, **SMALL)
        model.build_vocab(SENTENCES)
        model.train(SENTENCES, epochs=1, **totals)
        return model.wv.vectors
    np.testing.assert_array_equal(trained(total_examples=len(SENTENCES)),
                                  trained(total_examples=len(SENTENCES), total_words=10**9))
    both = dict(epochs=1, start_alpha=0.1, end_alpha=0.0, total_words=100, total_examples=10)
    assert Schedule(**both).alpha(0, 50, 1) == pytest.approx(0.1 * 0.9)   # examples
    assert Schedule(by_words=True, **both).alpha(0, 50, 1) == pytest.approx(0.05)   # words


def test_cbow_score_of_a_word_without_context_is_that_of_a_zero_hidden_layer():
    """gensim scores such a word too: log sigmoid(0) = -log 2 at every node of its path."""
    freq = {f"u{i}": 3 ** i + 1 for i in range(12)}   # no ties: one Huffman tree
    scores = {}
    for cls in (Word2Vec, GensimWord2Vec):
        model = cls(hs=1, negative=0, sample=0, sg=0, vector_size=8, min_count=1, workers=1)
        model.build_vocab_from_freq(freq)
        scores[cls] = model.score([["u5"], ["u5", "unknown"]])
        path = len(model.wv.get_vecattr("u5", "code")) if cls is GensimWord2Vec else None
    expected = -path * math.log(2)
    np.testing.assert_allclose(scores[Word2Vec], [expected, expected], rtol=1e-6)
    np.testing.assert_allclose(scores[GensimWord2Vec], [expected, expected], rtol=0.03)  # its table


@pytest.mark.parametrize("name, value", [("vector_size", 8.9), ("epochs", 2.5), ("window", 2.0),
                                         ("min_count", 2.5), ("seed", 1.5), ("workers", "2")])
def test_integer_parameters_are_not_truncated(name, value):
    with pytest.raises(TypeError, match=name):
        Word2Vec(**{name: value})


def test_alpha_must_be_a_number():
    with pytest.raises(TypeError, match="alpha"):
        Word2Vec(alpha="0.025")


def test_seed_none_seeds_at_random_and_keeps_the_seed_drawn():
    first, second = Word2Vec(seed=None), Word2Vec(seed=None)
    assert isinstance(first.seed, int) and first.seed != second.seed
    again = Word2Vec(SENTENCES, seed=first.seed, epochs=1, **SMALL)
    np.testing.assert_array_equal(again.wv.vectors,
                                  Word2Vec(SENTENCES, seed=first.seed, epochs=1, **SMALL).wv.vectors)


def test_sample_none_turns_subsampling_off_as_in_gensim():
    ours = Word2Vec(SENTENCES, sample=None, epochs=1, **SMALL)
    theirs = GensimWord2Vec(SENTENCES, sample=None, epochs=1, **SMALL)
    assert ours.sample == 0
    np.testing.assert_array_equal(ours.wv.expandos["sample_int"], theirs.wv.expandos["sample_int"])


@pytest.mark.parametrize("hs, negative", [(0, 5), (1, 0), (1, 5)])
def test_output_layers_exist_only_when_their_loss_is_on(hs, negative):
    for cls in (Word2Vec, GensimWord2Vec):
        model = cls(SENTENCES, hs=hs, negative=negative, epochs=1, **SMALL)
        assert (hasattr(model, "syn1"), hasattr(model, "syn1neg")) == (bool(hs), bool(negative))


def test_a_missing_output_layer_says_which_setting_makes_it():
    model = Word2Vec(SENTENCES, hs=1, negative=0, epochs=1, **SMALL)
    with pytest.raises(AttributeError, match=r"no attribute 'syn1neg' .*negative > 0"):
        model.syn1neg


def test_per_word_attributes_and_counters_match_gensim(tmp_path):
    ours = Word2Vec(SENTENCES, min_count=2, vector_size=8, workers=1, epochs=1)
    theirs = GensimWord2Vec(SENTENCES, min_count=2, vector_size=8, workers=1, epochs=1)
    for key in theirs.wv.index_to_key:
        for attr in ("count", "sample_int"):
            assert ours.wv.get_vecattr(key, attr) == theirs.wv.get_vecattr(key, attr)
    assert (ours.effective_min_count, ours.train_count) == (theirs.effective_min_count,
                                                            theirs.train_count)
    ours.save(str(tmp_path / "model"))
    loaded = Word2Vec.load(str(tmp_path / "model"))
    np.testing.assert_array_equal(loaded.wv.expandos["sample_int"], ours.wv.expandos["sample_int"])


@pytest.mark.parametrize("corpus, match", [(5, "corpus_iterable"),
                                           ([["a"], None], "sentence 1 is a NoneType"),
                                           ([["a"], ["b"], 7], "sentence 2 is a int")])
def test_bad_corpora_of_train_name_what_is_wrong(corpus, match):
    model = Word2Vec(SENTENCES, epochs=1, **SMALL)
    with pytest.raises(TypeError, match=match):
        model.train(corpus, total_examples=3, epochs=1)


def test_invalid_utf8_in_a_corpus_file_is_a_unicode_decode_error(tmp_path):
    """The same exception class as iterating LineSentence over the file (and gensim)."""
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ab c\n\xff\xfe d\n")
    with pytest.raises(UnicodeDecodeError, match=r"bad\.txt: the token at byte offset 5"):
        Word2Vec(corpus_file=str(path), min_count=1)


def test_a_missing_corpus_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        Word2Vec(corpus_file=str(tmp_path / "missing.txt"))
    with pytest.raises(IsADirectoryError):
        Word2Vec(corpus_file=str(tmp_path))


@pytest.mark.parametrize("update", [False, True])
def test_hs_paths_are_on_wv_as_in_gensim(update, tmp_path):
    """gensim keeps each word's Huffman 'code' and 'point' on wv; same tree, same values, also
    after a vocabulary update and a save/load round trip."""
    freq = {f"u{i}": 3 ** i + 1 for i in range(12)}   # no ties: one Huffman tree
    more = {f"v{i}": 2 ** i + 7 for i in range(5)}
    models = []
    for cls in (Word2Vec, GensimWord2Vec):
        model = cls(hs=1, negative=0, sample=0, vector_size=8, min_count=1, workers=1)
        model.build_vocab_from_freq(freq)
        if update:
            model.build_vocab_from_freq(more, update=True)
        models.append(model)
    ours, theirs = models
    ours.save(str(tmp_path / "m.w2v"))
    loaded = Word2Vec.load(str(tmp_path / "m.w2v"))
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    for key in theirs.wv.index_to_key:
        for attr, dtype in (("code", np.uint8), ("point", np.uint32)):
            expected = theirs.wv.get_vecattr(key, attr)
            for model in (ours, loaded):
                got = model.wv.get_vecattr(key, attr)
                assert got.dtype == dtype and got.tolist() == expected.tolist(), (key, attr)


def test_the_warnings_gensim_logs_when_training(caplog):
    model = Word2Vec(hs=1, negative=5, **SMALL)
    model.build_vocab(SENTENCES)
    with caplog.at_level("WARNING", logger="w2vlib"):
        model.train(SENTENCES, total_examples=len(SENTENCES) + 5, epochs=2)
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("Both hierarchical softmax and negative sampling are activated.")
               for m in messages)
    for epoch in (0, 1):
        assert (f"EPOCH {epoch}: supplied example count ({len(SENTENCES)}) did not equal "
                f"expected count ({len(SENTENCES) + 5})") in messages
    # as gensim's: the rate of the latest batch (one per epoch here: the second epoch's start)
    assert model.min_alpha_yet_reached == pytest.approx((model.alpha + model.min_alpha) / 2)
    caplog.clear()
    with caplog.at_level("WARNING", logger="w2vlib"):
        model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    assert "Effective 'alpha' higher than previous training cycles" in caplog.messages
    assert not any("did not equal" in m for m in caplog.messages)


def test_empty_vocabulary_and_load_on_an_instance_raise_gensims_types(tmp_path):
    for cls in (Word2Vec, GensimWord2Vec):
        with pytest.raises(RuntimeError):
            cls([], **SMALL)
        with pytest.raises(RuntimeError):
            cls(SENTENCES, min_count=1000, vector_size=8, workers=1)
        model = cls(SENTENCES, **SMALL)
        model.save(str(tmp_path / f"{cls.__module__}.m"))
        with pytest.raises(AttributeError):
            model.load(str(tmp_path / f"{cls.__module__}.m"))
        model.wv.save(str(tmp_path / f"{cls.__module__}.kv"))
        with pytest.raises(AttributeError):
            cls.load(str(tmp_path / f"{cls.__module__}.kv"))
    with pytest.raises(ValueError, match=r"w2vlib.word2vec.kv: holds a KeyedVectors"):
        Word2Vec.load(str(tmp_path / "w2vlib.word2vec.kv"))
