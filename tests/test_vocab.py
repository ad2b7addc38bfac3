"""Vocabulary against gensim 4.4's Word2Vec vocabulary on the same corpus."""
import logging
import pathlib

import numpy as np
import pytest
from gensim import utils as gensim_utils
from gensim.models import Word2Vec

from w2vlib import _reader
from w2vlib import vocab as vocab_module
from w2vlib.vocab import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP, Vocabulary

DATA = pathlib.Path(__file__).parent / "data"
SETTINGS = ("min_count", "max_vocab_size", "sample", "max_final_vocab", "sorted_vocab", "null_word")


@pytest.fixture(scope="module")
def sentences():
    with open(DATA / "corpus_small.txt", encoding="utf-8") as lines:
        return [line.split() for line in lines]


def gensim_model(**settings):
    """A gensim model that only builds vocabularies (no tables, tiny vectors)."""
    return Word2Vec(vector_size=2, hs=0, negative=0, **settings)


def gensim_state(model):
    # Unsorted, gensim leaves the null word's sample_int unallocated; this pads it with 0.
    model.wv.allocate_vecattrs()
    return (list(model.wv.index_to_key), model.wv.expandos["count"].tolist(),
            model.wv.expandos["sample_int"].tolist())


def our_state(vocab):
    assert vocab.counts.dtype == np.int64 and vocab.sample_int.dtype == np.uint32
    assert vocab.key_to_index == {word: i for i, word in enumerate(vocab.index_to_key)}
    return list(vocab.index_to_key), vocab.counts.tolist(), vocab.sample_int.tolist()


def both(sentences, trim_rule=None, **settings):
    """Scan and prepare the same corpus with gensim and with w2vlib; return both sides."""
    model = gensim_model(**settings)
    gensim_totals = model.scan_vocab(corpus_iterable=sentences, trim_rule=trim_rule)
    gensim_raw = dict(model.raw_vocab)
    gensim_report = model.prepare_vocab(keep_raw_vocab=True, trim_rule=trim_rule)
    ours = Vocabulary(**{k: v for k, v in settings.items() if k in SETTINGS})
    assert ours.scan(sentences, trim_rule=trim_rule) == gensim_totals
    assert (ours.total_words, ours.corpus_count) == gensim_totals
    assert list(ours.raw_vocab.items()) == list(gensim_raw.items())
    report = ours.prepare(trim_rule=trim_rule)
    assert abs(report.pop("downsample_total") - gensim_report.pop("downsample_total")) <= 1
    assert report == gensim_report
    assert ours.effective_min_count == model.effective_min_count
    return model, ours


@pytest.mark.parametrize("sample", [1e-3, 1e-5, 0, 50])
@pytest.mark.parametrize("min_count", [1, 5])
def test_vocabulary_matches_gensim(sentences, sample, min_count):
    model, ours = both(sentences, min_count=min_count, sample=sample)
    assert our_state(ours) == gensim_state(model)
    assert len(ours.raw_vocab) == 0


def test_ties_are_ordered_like_gensim():
    corpus = [["b", "a", "c", "a", "b", "d"], ["e", "c", "f"]]
    model, ours = both(corpus, min_count=1, sample=0)
    assert ours.index_to_key == ["c", "a", "b", "f", "e", "d"] == model.wv.index_to_key


@pytest.mark.parametrize("max_final_vocab", [1, 50, 1000, 10**6])
@pytest.mark.parametrize("min_count", [0, 1, 5])
def test_max_final_vocab(sentences, max_final_vocab, min_count):
    model, ours = both(sentences, min_count=min_count, max_final_vocab=max_final_vocab)
    assert our_state(ours) == gensim_state(model)


def test_max_final_vocab_zero_retains_nothing(sentences):
    ours = Vocabulary(max_final_vocab=0)
    ours.scan(sentences)
    with pytest.raises(ValueError, match="no word survives effective_min_count=7342"):
        ours.prepare()


@pytest.mark.parametrize("max_vocab_size", [300, 2000, 6000])
def test_max_vocab_size_pruning(sentences, max_vocab_size):
    model, ours = both(sentences, min_count=1, max_vocab_size=max_vocab_size)
    assert our_state(ours) == gensim_state(model)


def trim_rule(word, count, min_count):
    if word.startswith("z"):
        return gensim_utils.RULE_KEEP
    if len(word) <= 2:
        return gensim_utils.RULE_DISCARD
    return gensim_utils.RULE_DEFAULT


def test_rule_constants_are_gensims():
    assert (RULE_DEFAULT, RULE_DISCARD, RULE_KEEP) == (
        gensim_utils.RULE_DEFAULT, gensim_utils.RULE_DISCARD, gensim_utils.RULE_KEEP)


@pytest.mark.parametrize("max_vocab_size", [None, 800])
def test_trim_rule(sentences, max_vocab_size):
    model, ours = both(sentences, trim_rule=trim_rule, min_count=4, max_vocab_size=max_vocab_size)
    assert our_state(ours) == gensim_state(model)
    assert any(w.startswith("z") for w in ours.index_to_key)
    assert not any(len(w) <= 2 for w in ours.index_to_key)


@pytest.mark.parametrize("sorted_vocab, null_word", [(False, 0), (True, 1), (False, 1)])
def test_unsorted_and_null_word(sentences, sorted_vocab, null_word):
    model, ours = both(sentences, min_count=3, sorted_vocab=sorted_vocab, null_word=null_word)
    assert our_state(ours) == gensim_state(model)
    assert (vocab_module.NULL_WORD in ours.key_to_index) == bool(null_word)


def test_prepare_overrides_match_gensim(sentences):
    model = gensim_model(min_count=5)
    model.scan_vocab(corpus_iterable=sentences)
    gensim_report = model.prepare_vocab(min_count=2, sample=1e-4)
    ours = Vocabulary(min_count=5)
    ours.scan(sentences)
    report = ours.prepare(min_count=2, sample=1e-4)
    assert abs(report.pop("downsample_total") - gensim_report.pop("downsample_total")) <= 1
    assert report == gensim_report
    assert our_state(ours) == gensim_state(model)
    assert (ours.min_count, ours.sample) == (model.min_count, model.sample) == (2, 1e-4)


def test_update_matches_gensim(sentences):
    first, second = sentences[:1200], sentences[1000:] + [["brandnewword"] * 7]
    model = gensim_model(min_count=3, sample=1e-3)
    model.build_vocab(first)
    model.build_vocab(second, update=True)
    ours = Vocabulary(min_count=3, sample=1e-3)
    ours.scan(first)
    ours.prepare()
    old = list(ours.index_to_key)
    ours.scan(second)
    ours.prepare(update=True)
    assert our_state(ours) == gensim_state(model)
    assert ours.index_to_key[:len(old)] == old and "brandnewword" in ours.index_to_key[len(old):]
    assert (ours.corpus_count, ours.total_words) == (model.corpus_count, model.corpus_total_words)


def test_build_vocab_from_freq_matches_gensim(sentences):
    freq = {}
    for sentence in sentences:
        for word in sentence:
            freq[word] = freq.get(word, 0) + 1
    model = gensim_model(min_count=2, sample=1e-4, max_final_vocab=3000)
    model.build_vocab_from_freq(freq, corpus_count=77)
    ours = Vocabulary(min_count=2, sample=1e-4, max_final_vocab=3000)
    ours.from_freq(freq, corpus_count=77)
    assert our_state(ours) == gensim_state(model)
    assert ours.corpus_count == model.corpus_count == 77
    assert ours.total_words == sum(freq.values())  # gensim leaves corpus_total_words at 0
    more = {"zzz": 9, "the": 4, "qqq": 1}
    model.build_vocab_from_freq(more, update=True)
    ours.from_freq(more, update=True)
    assert our_state(ours) == gensim_state(model)


def test_merge_counts_in_chunks_equals_a_scan(sentences):
    model = gensim_model(min_count=5)
    model.build_vocab(sentences)
    ours = Vocabulary(min_count=5)
    for chunk in (sentences[:700], sentences[700:]):
        counts = {}
        for sentence in chunk:
            for word in sentence:
                counts[word] = counts.get(word, 0) + 1
        ours.merge_counts(counts, sum(map(len, chunk)), len(chunk))
    assert (ours.total_words, ours.corpus_count) == (model.corpus_total_words, model.corpus_count)
    ours.prepare()
    assert our_state(ours) == gensim_state(model)
    ours.merge_counts({"fresh": 1}, 1, 1)  # after prepare, a new count starts
    assert dict(ours.raw_vocab) == {"fresh": 1} and ours.corpus_count == 1


def test_compiled_counter_feeds_merge_counts():
    path = DATA / "corpus_small.txt"
    model = gensim_model(min_count=5)
    model.build_vocab(corpus_file=str(path))
    with open(path, "rb") as stream:
        counts, total_words, corpus_count = _reader.count_words(stream)[:3]
    ours = Vocabulary(min_count=5)
    ours.merge_counts(counts, total_words, corpus_count)
    ours.prepare()
    assert our_state(ours) == gensim_state(model)


def test_dry_run_changes_nothing(sentences):
    ours = Vocabulary(min_count=5)
    ours.scan(sentences)
    dry = ours.prepare(dry_run=True, min_count=2, sample=0)
    assert (ours.index_to_key, ours.min_count, ours.sample) == ([], 5, 1e-3)
    assert len(ours.raw_vocab) > 0
    assert ours.prepare(min_count=2, sample=0) == dry


def test_keep_raw_vocab(sentences):
    ours = Vocabulary()
    ours.scan(sentences)
    raw = dict(ours.raw_vocab)
    ours.prepare(keep_raw_vocab=True)
    assert dict(ours.raw_vocab) == raw


def test_scan_accepts_generators_and_tuples():
    ours = Vocabulary(min_count=1)
    assert ours.scan(tuple(w) for w in ["ab", "ba", "c"]) == (5, 3)
    assert ours.scan([iter(["x", "y"]), ("x",)]) == (3, 2)
    assert dict(ours.raw_vocab) == {"x": 2, "y": 1}


@pytest.mark.parametrize("bad, index, kind", [
    (["a b c"], 0, "str"),
    ([["a"], "b c"], 1, "str"),
    ([["a"], ["b"], b"c"], 2, "bytes"),
    ([["a"], 5], 1, "int"),
])
def test_scan_rejects_sentences_that_are_not_token_lists(bad, index, kind):
    message = f"^sentence {index} is a {kind}; expected a list of str tokens"
    with pytest.raises(TypeError, match=message):
        Vocabulary().scan(bad)


def test_empty_corpus_and_nothing_retained():
    ours = Vocabulary()
    assert ours.scan([]) == (0, 0)
    with pytest.raises(ValueError, match="the corpus has no words"):
        ours.prepare()
    ours.scan([["a", "b", "a"]])
    with pytest.raises(ValueError, match="survives effective_min_count=5.*'a', occurs 2 times"):
        ours.prepare()
    assert ours.prepare(dry_run=True)["num_retained_words"] == 0


def test_update_needs_a_vocabulary():
    ours = Vocabulary(min_count=1)
    ours.scan([["a"]])
    with pytest.raises(RuntimeError, match="never built"):
        ours.prepare(update=True)


def test_update_adds_the_null_word_once():
    ours = Vocabulary(min_count=1, null_word=1)
    ours.from_freq({"a": 3})
    ours.from_freq({"b": 2}, update=True)
    assert ours.index_to_key == ["a", "\0", "b"] and ours.counts.tolist() == [3, 1, 2]


@pytest.mark.parametrize("settings, message", [
    ({"min_count": -1}, "min_count"),
    ({"min_count": 2.5}, "min_count"),
    ({"sample": -0.1}, "sample"),
    ({"sample": float("nan")}, "sample"),
    ({"max_vocab_size": -5}, "max_vocab_size"),
    ({"max_final_vocab": "10"}, "max_final_vocab"),
])
def test_bad_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        Vocabulary(**settings)


def test_bad_progress_per():
    with pytest.raises(ValueError, match="progress_per must be an integer >= 1"):
        Vocabulary().scan([["a"]], progress_per=0)


def test_bad_counts():
    with pytest.raises(ValueError, match="the count of 'a'"):
        Vocabulary().merge_counts({"a": -1}, 0, 0)
    with pytest.raises(ValueError, match="the count of 'a'"):
        Vocabulary().from_freq({"a": 1.5})
    with pytest.raises(TypeError, match="str keys"):
        Vocabulary().merge_counts({b"a": 1}, 1, 1)


def test_logs_like_gensim(caplog):
    caplog.set_level(logging.INFO, logger="w2vlib.vocab")
    ours = Vocabulary(min_count=1, max_final_vocab=1)
    ours.scan([["a", "b"], ["a"]])
    ours.prepare()
    text = caplog.text
    assert "collected 2 word types from a corpus of 3 raw words and 2 sentences" in text
    assert "PROGRESS: at sentence #0, processed 0 words, keeping 0 word types" in text
    assert "effective_min_count=2" in text
    assert all(record.name == "w2vlib.vocab" for record in caplog.records)
