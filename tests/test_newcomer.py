"""What a gensim user trying w2vlib for the first time does, and used to trip on: copying a
model in a callback, gensim's attributes and save options, tokens of the wrong type, logging."""
import copy
import logging
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
from gensim.models import Word2Vec as GensimWord2Vec

import w2vlib
from w2vlib import CallbackAny2Vec, Word2Vec

SENTENCES = [["a", "b", "c", "a", "d"], ["b", "c", "e", "a"], ["d", "e", "a", "b"]] * 40
SMALL = dict(vector_size=8, min_count=1, workers=1, sample=0, seed=2)


class KeepBest(CallbackAny2Vec):
    """The common callback: keep a copy of the model after each epoch."""

    def __init__(self):
        self.copies = []

    def on_epoch_end(self, model):
        self.copies.append(copy.deepcopy(model))


def test_a_callback_can_deepcopy_the_model_each_epoch_and_the_copy_trains_on():
    keep = KeepBest()
    model = Word2Vec(SENTENCES, epochs=3, callbacks=[keep], compute_loss=True, **SMALL)
    assert len(keep.copies) == 3
    last = keep.copies[-1]
    np.testing.assert_array_equal(last.wv.vectors, model.wv.vectors)
    assert last.get_latest_training_loss() == model.get_latest_training_loss() > 0
    assert not np.shares_memory(last.wv.vectors, model.wv.vectors)
    # the copy trains exactly as the original does from the same state
    for m in (model, last):
        m.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    np.testing.assert_array_equal(last.wv.vectors, model.wv.vectors)


def test_a_trained_model_pickles():
    model = Word2Vec(SENTENCES, epochs=1, **SMALL)
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)
    assert back.wv.most_similar("a", topn=2) == model.wv.most_similar("a", topn=2)


def test_gensims_instance_attributes_are_there():
    ours = Word2Vec(SENTENCES, epochs=2, **SMALL)
    theirs = GensimWord2Vec(SENTENCES, epochs=2, **SMALL)
    for name in ("total_train_time", "layer1_size", "random", "min_alpha_yet_reached"):
        assert hasattr(theirs, name) and hasattr(ours, name), name
    assert ours.layer1_size == theirs.layer1_size == 8
    assert type(ours.random) is type(theirs.random)
    assert 0 < ours.total_train_time
    # the rate of the last batch: one batch per epoch here, so that of the second epoch's start
    assert ours.min_alpha_yet_reached == pytest.approx(theirs.min_alpha_yet_reached) == 0.01255


@pytest.mark.parametrize("token", [None, b"a", 1.5, ("a", "b")])
def test_tokens_that_are_not_str_are_refused_before_training(token):
    with pytest.raises(TypeError, match=r"a token of the corpus is .*, not a str or int"):
        Word2Vec([["a", token]] * 5, **SMALL)


@pytest.mark.parametrize("options", [dict(sep_limit=0), dict(separately=["syn1neg"]),
                                     dict(pickle_protocol=2), dict(ignore=frozenset())])
def test_gensims_save_options_are_accepted_and_the_model_round_trips(tmp_path, options):
    model = Word2Vec(SENTENCES, epochs=1, **SMALL)
    model.save(str(tmp_path / "m"), **options)
    back = Word2Vec.load(str(tmp_path / "m"), mmap="r")
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(back.syn1neg, model.syn1neg)


def test_save_ignore_leaves_out_an_output_layer_and_refuses_what_it_cannot(tmp_path):
    model = Word2Vec(SENTENCES, epochs=1, **SMALL)
    small, whole = tmp_path / "small", tmp_path / "whole"
    model.save(str(small), ignore=["syn1neg", "cum_table"])
    model.save(str(whole))
    assert small.stat().st_size < whole.stat().st_size - model.syn1neg.nbytes + 4096
    back = Word2Vec.load(str(small))
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)
    with pytest.raises(RuntimeError, match="syn1neg was left out"):
        back.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    with pytest.raises(ValueError, match="cannot leave out 'vectors'"):
        model.save(str(tmp_path / "x"), ignore=["vectors"])
    with pytest.raises(TypeError, match="unexpected keyword argument 'compress'"):
        model.save(str(tmp_path / "x"), compress=True)


def test_warnings_stay_silent_until_the_application_configures_logging():
    """As in gensim: a library adds only a NullHandler (Python's last-resort handler would
    print its warnings on stderr otherwise)."""
    code = ("import w2vlib\n"
            "w2vlib.Word2Vec([['a', 'b']] * 5, vector_size=4, min_count=1, hs=1, workers=1)\n")
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert quiet.stderr == ""
    loud = subprocess.run([sys.executable, "-c", "import logging; logging.basicConfig()\n" + code],
                          capture_output=True, text=True, check=True)
    assert "Both hierarchical softmax and negative sampling are activated" in loud.stderr
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("w2vlib").handlers)


def test_datapath_is_public_and_finds_the_shipped_sets():
    from w2vlib import datapath
    kv = Word2Vec(SENTENCES, epochs=1, **SMALL).wv
    with open(datapath("wordsim353.tsv"), encoding="utf8") as fin:
        assert len(fin.read().splitlines()) > 300
    assert "datapath" in w2vlib.__all__
    assert kv.evaluate_word_analogies(datapath("questions-words.txt"))[0] == 0.0


@pytest.fixture
def files_of_every_kind(tmp_path):
    """The same vectors as word2vec text and binary, a native file, a gensim pickle and a
    GloVe file without header."""
    kv = Word2Vec(SENTENCES, epochs=1, **SMALL).wv
    paths = {kind: tmp_path / name for kind, name in
             [("text", "v.txt"), ("binary", "v.bin"), ("native", "v.kv"),
              ("pickle", "g.model"), ("glove", "glove.txt")]}
    kv.save_word2vec_format(str(paths["text"]))
    kv.save_word2vec_format(str(paths["binary"]), binary=True)
    kv.save(str(paths["native"]))
    GensimWord2Vec(SENTENCES, **SMALL).save(str(paths["pickle"]))
    lines = paths["text"].read_text(encoding="utf8").splitlines(keepends=True)[1:]
    paths["glove"].write_text("".join(lines), encoding="utf8")
    return paths


@pytest.mark.parametrize("kind, binary, says", [
    ("text", True, r"byte offset \d+: .*; this looks like a word2vec text file: load it with binary=False"),
    ("binary", False, r"line 2: .*; this looks like a word2vec binary file: load it with binary=True"),
    ("native", False, r"line 1: this is a w2vlib native file: load it with KeyedVectors.load\(path\)"),
    ("pickle", True, r"byte offset 0: not a word2vec file: this is a gensim model saved by gensim's save\(\)"),
    ("glove", False, r"line 1: expected a .rows dims. header, .*; not a word2vec file: this looks like a GloVe-style text file .* no_header=True"),
])
def test_a_file_of_another_kind_is_named_by_load_word2vec_format(files_of_every_kind, kind,
                                                                 binary, says):
    from w2vlib import KeyedVectors
    path = files_of_every_kind[kind]
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}: {says}"):
        KeyedVectors.load_word2vec_format(str(path), binary=binary)


def test_errors_gensim_raised_as_other_types_are_both(tmp_path):
    """A short file is an EOFError and an undecodable key a UnicodeDecodeError, as in gensim,
    while the message keeps the file and place (and pickles, for errors crossing processes)."""
    from w2vlib import KeyedVectors
    from w2vlib.errors import TruncatedFileError, UndecodableKeyError
    kv = Word2Vec(SENTENCES, epochs=1, **SMALL).wv
    for binary in (False, True):
        path = tmp_path / f"short{binary}"
        kv.save_word2vec_format(str(path), binary=binary)
        path.write_bytes(path.read_bytes().replace(b"5 8", b"6 8", 1))
        with pytest.raises(EOFError, match=rf"{path.name}: (line|byte offset) \d+: the header declares 6 rows") as caught:
            KeyedVectors.load_word2vec_format(str(path), binary=binary)
        assert isinstance(caught.value, TruncatedFileError)
        assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"1 2\n\xff\xfe 0.5 0.25\n")
    with pytest.raises(UnicodeDecodeError, match=r"bad.txt: line 2: cannot decode key") as caught:
        KeyedVectors.load_word2vec_format(str(bad))
    assert isinstance(caught.value, UndecodableKeyError) and caught.value.reason == "invalid start byte"
    again = pickle.loads(pickle.dumps(caught.value))
    assert (str(again), again.reason, again.start) == (str(caught.value), "invalid start byte", 0)
