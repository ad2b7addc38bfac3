"""gensim's steps of build_vocab called one by one (scan_vocab, prepare_vocab, estimate_memory,
prepare_weights, init_weights, update_weights), reset_from, and the lifecycle_events log:
checked against gensim's steps on the same corpus, against build_vocab, and estimate_memory
against what tracemalloc measures."""
import gc
import json
import logging
import os
import tracemalloc

import numpy as np
import pytest
from gensim.models import Word2Vec as GensimWord2Vec

from w2vlib import KeyedVectors, Word2Vec, _vectors_file
from w2vlib.vocab import sample_thresholds

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"],
             ["a", "cat", "and", "a", "dog"], ["the", "end"]] * 5
MORE = [["a", "bird", "sat", "on", "the", "bird", "bird"], ["new", "words", "new"]] * 3


def zipf_corpus(path, vocab_size, tokens, seed, exponent=1.1):
    """A file of `tokens` Zipf-distributed tokens over `vocab_size` words (every word at least
    once), some of them non-ASCII."""
    rng = np.random.default_rng(seed)
    words = np.array([f"wört{i}" if i % 7 == 0 else f"w{i}z" * (1 + i % 3) for i in range(vocab_size)])
    p = np.arange(1, vocab_size + 1, dtype=float) ** -exponent
    drawn = np.concatenate([words, rng.choice(words, size=tokens, p=p / p.sum())])
    rng.shuffle(drawn)
    with open(path, "w", encoding="utf8") as out:
        for start in range(0, len(drawn), 15):
            out.write(" ".join(drawn[start:start + 15]) + "\n")
    return path


def test_steps_build_the_vocabulary_gensim_builds():
    ours = Word2Vec(vector_size=8, min_count=2, sample=0.01, workers=1)
    theirs = GensimWord2Vec(vector_size=8, min_count=2, sample=0.01, workers=1)
    assert ours.scan_vocab(SENTENCES) == theirs.scan_vocab(SENTENCES)
    assert ours.prepare_vocab() == theirs.prepare_vocab()
    ours.prepare_weights()
    theirs.prepare_weights()
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    np.testing.assert_array_equal(ours.wv.expandos["count"], theirs.wv.expandos["count"])
    np.testing.assert_array_equal(ours.wv.expandos["sample_int"], theirs.wv.expandos["sample_int"])
    np.testing.assert_array_equal(ours.wv.vectors, theirs.wv.vectors)   # same seeded draw
    np.testing.assert_array_equal(ours.syn1neg, 0)


@pytest.mark.parametrize("source", ["iterable", "file"])
def test_steps_equal_build_vocab(tmp_path, source):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in SENTENCES) + "\n")
    corpus = {"corpus_iterable": SENTENCES} if source == "iterable" else {"corpus_file": str(path)}
    whole = Word2Vec(vector_size=8, min_count=2, hs=1, workers=1)
    report = whole.build_vocab(**corpus)
    steps = Word2Vec(vector_size=8, min_count=2, hs=1, workers=1)
    counted = steps.scan_vocab(**corpus)
    assert counted == (whole.corpus_total_words, whole.corpus_count)
    assert steps.prepare_vocab() == {k: v for k, v in report.items() if k != "memory"}
    steps.prepare_weights()
    assert report["memory"] == steps.estimate_memory()
    assert steps.wv.index_to_key == whole.wv.index_to_key
    np.testing.assert_array_equal(steps.wv.vectors, whole.wv.vectors)
    assert steps.syn1.shape == whole.syn1.shape


def test_scan_vocab_replaces_the_previous_counts(tmp_path):
    model = Word2Vec(min_count=1, workers=1)
    model.scan_vocab(SENTENCES)
    path = tmp_path / "other.txt"
    path.write_text("x y x\n")
    assert model.scan_vocab(corpus_file=str(path)) == (3, 1)
    assert dict(model.raw_vocab) == {"x": 2, "y": 1}
    assert model.scan_vocab([["z"]]) == (1, 1)
    assert dict(model.raw_vocab) == {"z": 1}


def test_prepare_vocab_overrides_dry_run_and_an_explicit_zero():
    model = Word2Vec(min_count=5, sample=1e-3, workers=1)
    model.scan_vocab(SENTENCES)
    dry = model.prepare_vocab(min_count=1, dry_run=True)
    assert dry["num_retained_words"] == 9 and len(model.vocabulary) == 0 and model.min_count == 5
    report = model.prepare_vocab(min_count=2, sample=0)   # gensim would read sample=0 as "unset"
    assert (model.min_count, model.sample) == (2, 0.0)
    assert report["downsample_unique"] == 0
    assert (model.vocabulary.sample_int == 2 ** 32 - 1).all()


def test_init_weights_gives_the_untrained_weights_back():
    model = Word2Vec(SENTENCES, vector_size=8, min_count=1, hs=1, workers=1, epochs=2)
    fresh = Word2Vec(vector_size=8, min_count=1, hs=1, workers=1)
    fresh.build_vocab(SENTENCES)
    model.wv.vectors_lockf = np.arange(len(model.wv), dtype=np.float32)
    assert not np.array_equal(model.wv.vectors, fresh.wv.vectors)
    model.init_weights()
    np.testing.assert_array_equal(model.wv.vectors, fresh.wv.vectors)
    np.testing.assert_array_equal(model.syn1, 0)
    np.testing.assert_array_equal(model.syn1neg, 0)
    np.testing.assert_array_equal(model.wv.vectors_lockf, np.arange(len(model.wv)))  # kept
    assert model.wv.get_vecattr("the", "count") == fresh.wv.get_vecattr("the", "count")
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)


def test_update_steps_keep_trained_rows_and_add_new_words():
    model = Word2Vec(SENTENCES, vector_size=8, min_count=1, workers=1, epochs=2)
    trained, trained_out = model.wv["cat"].copy(), model.syn1neg[model.wv.key_to_index["cat"]].copy()
    model.scan_vocab(MORE)
    model.prepare_vocab(update=True)
    model.prepare_weights(update=True)
    assert {"bird", "new", "words"} <= set(model.wv.index_to_key)
    np.testing.assert_array_equal(model.wv["cat"], trained)
    np.testing.assert_array_equal(model.syn1neg[model.wv.key_to_index["cat"]], trained_out)
    np.testing.assert_array_equal(model.syn1neg[model.wv.key_to_index["bird"]], 0)
    assert len(model.syn1neg) == len(model.wv) == len(model.wv.vectors)
    model.train(MORE, total_examples=len(MORE), epochs=1)


def test_update_weights_needs_a_vocabulary():
    with pytest.raises(RuntimeError, match="no vocabulary"):
        Word2Vec(workers=1).update_weights()


def test_reset_from_copies_the_vocabulary_with_fresh_weights():
    donor = Word2Vec(SENTENCES, vector_size=8, min_count=1, sample=0, workers=1, epochs=1)
    model = Word2Vec(vector_size=4, min_count=1, sample=0.01, hs=1, negative=0, workers=1)
    model.reset_from(donor)
    assert model.wv.index_to_key == donor.wv.index_to_key
    np.testing.assert_array_equal(model.wv.expandos["count"], donor.wv.expandos["count"])
    assert (model.corpus_count, model.corpus_total_words) == (donor.corpus_count, donor.corpus_total_words)
    assert model.wv.vectors.shape == (len(donor.wv), 4) and model.syn1.shape == (len(donor.wv), 4)
    counts = donor.vocabulary.counts
    np.testing.assert_array_equal(model.wv.expandos["sample_int"],
                                  sample_thresholds(counts, 0.01, int(counts.sum()))[0])
    model.build_vocab(MORE, update=True)        # growing one model leaves the other alone
    assert "bird" in model.wv and "bird" not in donor.wv
    assert len(donor.vocabulary.counts) == len(donor.wv)
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)


def test_reset_from_a_model_without_vocabulary_is_refused():
    with pytest.raises(RuntimeError, match="no vocabulary"):
        Word2Vec(workers=1).reset_from(Word2Vec(workers=1))


def test_estimate_memory_has_gensims_keys_and_exact_matrices():
    for hs, negative in ((0, 5), (1, 0), (1, 3)):
        ours = Word2Vec(vector_size=30, hs=hs, negative=negative).estimate_memory(1234)
        theirs = GensimWord2Vec(vector_size=30, hs=hs, negative=negative).estimate_memory(1234)
        assert sorted(ours) == sorted(theirs)
        for name in ("vectors", "syn1", "syn1neg"):
            assert ours.get(name) == theirs.get(name)
        assert ours["total"] == sum(v for k, v in ours.items() if k != "total")
    report = {"extra": 10}
    assert Word2Vec(vector_size=2).estimate_memory(1, report=report) is report
    assert report["total"] == 10 + report["vocab"] + report["vectors"] + report["syn1neg"]


@pytest.mark.parametrize("vocab_size,hs,negative,vector_size", [
    (12000, 0, 5, 24), (25000, 1, 0, 8), (8000, 1, 2, 16)])
def test_estimate_memory_matches_what_the_model_allocates(tmp_path, vocab_size, hs, negative,
                                                          vector_size):
    """tracemalloc counts the vocabulary (keys made by the file counter), the weights and the
    training tables; the estimate must be within 10% for the vocabulary part, 3% in all."""
    path = zipf_corpus(tmp_path / "zipf.txt", vocab_size, 8 * vocab_size, seed=vocab_size)
    model = Word2Vec(vector_size=vector_size, hs=hs, negative=negative, min_count=1, workers=2)
    gc.collect()
    tracemalloc.start()
    try:
        model.build_vocab(corpus_file=str(path))
        kernel = model._kernel(False)   # noqa: F841 (the training tables, kept alive)
        gc.collect()
        measured = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    estimate = model.estimate_memory()
    weights = estimate["total"] - estimate["vocab"]
    assert weights == sum(a.nbytes for a in (model.wv.vectors, getattr(model, "syn1", None),
                                             getattr(model, "syn1neg", None)) if a is not None)
    assert estimate["vocab"] == pytest.approx(measured - weights, rel=0.1)
    assert estimate["total"] == pytest.approx(measured, rel=0.03)


def test_word2vec_records_its_lifecycle_and_keeps_it_in_its_file(tmp_path, caplog):
    model = Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, epochs=1)
    assert [e["event"] for e in model.lifecycle_events] == ["created", "build_vocab", "train"]
    assert "raw words" in model.lifecycle_events[-1]["msg"]
    model.add_lifecycle_event("tuned", log_level=False, note="by hand", score=0.5)
    model.save(str(tmp_path / "m.w2v"))
    with caplog.at_level(logging.INFO, logger="w2vlib"):
        loaded = Word2Vec.load(str(tmp_path / "m.w2v"))
    logged = [r.getMessage() for r in caplog.records if "lifecycle event" in r.getMessage()]
    assert len(logged) == 1 and "'event': 'loaded'" in logged[0]   # loading creates nothing
    events = [e["event"] for e in loaded.lifecycle_events]
    assert events == ["created", "build_vocab", "train", "tuned", "saved", "loaded"]
    assert loaded.lifecycle_events[3]["note"] == "by hand"
    assert loaded.lifecycle_events[:5] == model.lifecycle_events


def test_keyedvectors_lifecycle_through_both_formats(tmp_path):
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    kv.save_word2vec_format(str(tmp_path / "v.txt"))
    loaded = KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"))
    event = loaded.lifecycle_events[-1]
    assert event["event"] == "load_word2vec_format" and event["binary"] is False
    assert "(2, 2)" in event["msg"]
    loaded.intersect_word2vec_format(str(tmp_path / "v.txt"))
    loaded.save(str(tmp_path / "v.kv"))
    again = KeyedVectors.load(str(tmp_path / "v.kv"))
    assert [e["event"] for e in again.lifecycle_events] == [
        "load_word2vec_format", "intersect_word2vec_format", "saved", "loaded"]


def test_lifecycle_log_can_be_switched_off_and_that_is_saved(tmp_path):
    model = Word2Vec(workers=1)
    model.lifecycle_events = None
    model.add_lifecycle_event("ignored")
    model.build_vocab(SENTENCES)
    assert model.lifecycle_events is None
    model.save(str(tmp_path / "m.w2v"))
    assert Word2Vec.load(str(tmp_path / "m.w2v")).lifecycle_events is None


def test_a_lifecycle_value_that_is_not_json_is_refused_where_it_is_given():
    kv = KeyedVectors(2)
    with pytest.raises(ValueError, match="'array'"):
        kv.add_lifecycle_event("bad", array=np.zeros(2))
    with pytest.raises(ValueError, match="'ratio'"):
        kv.add_lifecycle_event("bad", ratio=float("nan"))
    assert kv.lifecycle_events == []


def test_lifecycle_events_are_logged(caplog):
    with caplog.at_level(logging.INFO, logger="w2vlib"):
        KeyedVectors(2).add_lifecycle_event("noted", detail="x")
    assert "KeyedVectors lifecycle event" in caplog.text and "'detail': 'x'" in caplog.text


def test_a_file_with_malformed_lifecycle_events_is_refused(tmp_path):
    from w2vlib import _native

    kv = KeyedVectors(2)
    kv.add_vectors(["a"], [[1.0, 2.0]])
    meta, arrays = _vectors_file.state(kv)
    meta["lifecycle_events"] = ["not an object"]
    _native.save_native(str(tmp_path / "bad.kv"), "KeyedVectors", meta, arrays)
    with pytest.raises(ValueError, match="bad.kv: lifecycle_events"):
        KeyedVectors.load(str(tmp_path / "bad.kv"))
    del meta["lifecycle_events"]     # files of w2vlib <= 0.1
    _native.save_native(str(tmp_path / "old.kv"), "KeyedVectors", meta, arrays)
    assert [e["event"] for e in KeyedVectors.load(str(tmp_path / "old.kv")).lifecycle_events] == ["loaded"]
    json.dumps(kv.lifecycle_events)


def test_a_file_name_that_is_not_utf8_is_recorded_escaped_and_saves_go_on(tmp_path):
    """os.fsdecode gives such a name lone surrogates, which UTF-8 JSON cannot hold."""
    model = Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, epochs=1)
    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/caf\xe9.w2v")
    model.save(odd)
    assert Word2Vec.load(odd).lifecycle_events[-2]["fname"].endswith("caf\\udce9.w2v")
    model.save(str(tmp_path / "plain.w2v"))
    kv = KeyedVectors.load_word2vec_format(_write_vectors(odd + ".txt"))
    kv.save(str(tmp_path / "plain.kv"))
    with pytest.raises(ValueError, match="'name'"):
        kv.add_lifecycle_event("bad", name=odd)
    kv.add_lifecycle_event("numbers", log_level=False, count=np.int64(3), share=np.float32(0.5))


def _write_vectors(path):
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    kv.save_word2vec_format(path)
    return path


def test_estimate_memory_after_prepare_vocab_counts_the_prepared_vocabulary():
    model = Word2Vec(vector_size=10, min_count=1, workers=1)
    model.scan_vocab(SENTENCES)
    model.prepare_vocab()
    assert model.estimate_memory()["vectors"] == 9 * 10 * 4


def test_weights_not_prepared_for_the_vocabulary_are_refused(tmp_path):
    model = Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, epochs=1)
    model.scan_vocab([["x", "y"]])
    model.prepare_vocab()
    for action in (lambda: model.save(str(tmp_path / "m.w2v")),
                   lambda: model.train([["x"]], total_examples=1, epochs=1)):
        with pytest.raises(RuntimeError, match="call prepare_weights"):
            action()
    model.prepare_weights()
    model.train([["x", "y"]], total_examples=1, epochs=1)
    model.save(str(tmp_path / "m.w2v"))


def test_scan_vocab_uses_the_models_current_settings_for_iterables_and_files(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a a\nb\nc\na d\n")
    counted = []
    for corpus in ({"corpus_iterable": [["a", "a"], ["b"], ["c"], ["a", "d"]]},
                   {"corpus_file": str(path)}):
        model = Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, epochs=1)
        model.max_vocab_size = 2
        model.scan_vocab(**corpus)
        counted.append(dict(model.raw_vocab))
    assert counted[0] == counted[1] == {"a": 3}
    model = Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, epochs=1)
    model.max_final_vocab = 1
    model.scan_vocab(SENTENCES)
    model.prepare_vocab()
    assert len(model.vocabulary) == 1 and model.effective_min_count == 11   # 2nd: 10 times


def test_prepare_vocab_without_counts_says_to_scan_first():
    model = Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, epochs=1)
    with pytest.raises(RuntimeError, match="call scan_vocab"):
        model.prepare_vocab()
    kept = Word2Vec(vector_size=4, min_count=1, workers=1)
    kept.build_vocab(SENTENCES, keep_raw_vocab=True)
    assert kept.prepare_vocab(min_count=8, dry_run=True)["num_retained_words"] == 5


def test_a_dry_run_of_build_vocab_leaves_the_model_as_it_was():
    model = Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, epochs=1)
    before = model.wv.vectors.copy(), list(model.wv.index_to_key), model.corpus_count
    report = model.build_vocab(MORE, dry_run=True)
    assert report["num_retained_words"] == 7 and report["memory"]["total"] > 0
    assert (model.wv.vectors == before[0]).all() and model.wv.index_to_key == before[1]
    assert model.corpus_count == before[2] and model.vocabulary.index_to_key == before[1]
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)


def test_reset_from_keeps_the_null_words_threshold_when_sample_differs():
    donor = Word2Vec(SENTENCES, vector_size=4, min_count=1, sample=0, null_word=1, workers=1,
                     epochs=1)
    model = Word2Vec(vector_size=4, sample=0.01, workers=1)
    model.reset_from(donor)
    null = model.wv.key_to_index["\0"]
    assert model.wv.expandos["sample_int"][null] == 0
    words = [i for i, key in enumerate(donor.wv.index_to_key) if key != "\0"]
    counts = donor.vocabulary.counts[words]
    np.testing.assert_array_equal(model.wv.expandos["sample_int"][words],
                                  sample_thresholds(counts, 0.01, int(counts.sum()))[0])


def test_a_failed_build_vocab_leaves_a_trained_model_usable(tmp_path):
    model = Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, epochs=1)
    keys = list(model.wv.index_to_key)
    with pytest.raises(TypeError, match="sentence 1 is a str"):
        model.build_vocab([["fine"], "not tokens"])
    with pytest.raises(ValueError):
        model.build_vocab([["once"]], min_count=5)      # nothing survives min_count
    assert model.vocabulary.index_to_key == keys and model.corpus_count == len(SENTENCES)
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    model.save(str(tmp_path / "m.w2v"))


def test_a_failed_or_dry_run_update_leaves_the_counts_of_the_last_scan():
    model = Word2Vec(vector_size=4, min_count=1, workers=1, epochs=1)
    model.build_vocab(SENTENCES, keep_raw_vocab=True)
    raw = dict(model.raw_vocab)
    model.build_vocab(MORE, update=True, dry_run=True)
    with pytest.raises(TypeError):
        model.build_vocab([["x"], "y"], update=True)
    assert dict(model.raw_vocab) == raw and model.vocabulary.has_counts
    model.prepare_vocab(update=True)          # prepares the kept counts, not the dry run's
    assert model.wv.index_to_key == model.vocabulary.index_to_key[:len(model.wv)]
    assert "bird" not in model.vocabulary.key_to_index


def test_keys_added_to_wv_by_hand_are_refused_with_the_way_out(tmp_path):
    model = Word2Vec(SENTENCES, vector_size=4, min_count=1, workers=1, epochs=1)
    model.wv.add_vectors(["extra"], np.ones((1, 4), np.float32))
    with pytest.raises(RuntimeError, match=r"by hand .* build_vocab\(update=True\)"):
        model.save(str(tmp_path / "m.w2v"))


def test_a_lifecycle_key_that_is_not_valid_unicode_is_refused():
    kv = KeyedVectors(2)
    with pytest.raises(ValueError, match="cannot be stored as JSON"):
        kv.add_lifecycle_event("odd", **{"k\udce9": 1})
    assert kv.lifecycle_events == []
