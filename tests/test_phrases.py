"""w2vlib.phrases against gensim 4.4's phrases on the same input, and its own contracts.

References: gensim's Phrases / FrozenPhrases run on the same sentences (counts and their order,
min_reduce, phrases, exact scores, applied sentences), gensim's LineSentence / PathLineSentences
reading the same files, and the Python loop of the base class (gensim's analyze_sentence, run
by a subclass that defines score_candidate) against the compiled path.
"""
import bz2
import gzip
import os
import pathlib
import pickle
import threading

import numpy as np
import pytest
from gensim.models import phrases as gensim_phrases
from gensim.models.word2vec import LineSentence as GensimLineSentence
from gensim.models.word2vec import PathLineSentences as GensimPathLineSentences

from w2vlib import _native
from w2vlib.corpora import LineSentence, PathLineSentences
from w2vlib.phrases import (ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phraser, Phrases,
                            ScorerNotImportable)

DATA = pathlib.Path(__file__).parent / "data"
CONNECTORS = frozenset({"of", "the", "and", "in"})
PLANTED = [["new", "york"], ["bank", "of", "america"], ["united", "states"], ["new", "york", "city"],
           ["café", "crème"], ["the", "end"]]


def jaccard_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    """A custom scorer (module level: importable by name, picklable for gensim)."""
    return bigram_count / (worda_count + wordb_count - bigram_count)


def failing_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    raise ArithmeticError("this scorer always fails")


#: The model mutating_scorer changes while it is being applied.
BEING_READ = []


def mutating_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    for model in BEING_READ:
        model.vocab["changed"] = 1
    return 1.0


def make_corpus(seed, sentences=400):
    """Zipf-distributed words, connector words, planted phrases, non-ASCII words, a token that
    holds the delimiter, and a few empty sentences (they matter to pruning)."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(80)] + ["naïve", "日本", "new_york", "x_y_z"]
    weights = 1 / np.arange(1, len(words) + 1)
    corpus = []
    for number in range(sentences):
        sentence = []
        for _ in range(rng.integers(0, 14)):
            pick = rng.random()
            if pick < 0.2:
                sentence += PLANTED[rng.integers(len(PLANTED))]
            elif pick < 0.35:
                sentence.append(sorted(CONNECTORS)[rng.integers(len(CONNECTORS))])
            else:
                sentence.append(words[rng.choice(len(words), p=weights / weights.sum())])
        corpus.append(sentence if number % 37 else [])
    return corpus


@pytest.fixture(scope="module")
def corpus():
    return make_corpus(1)


@pytest.fixture(scope="module")
def text():
    """Real English text: the test corpus' lines as token lists."""
    return [line.split() for line in (DATA / "corpus_small.txt").read_text().splitlines()]


def write_lines(path, sentences):
    path.write_text("".join(" ".join(s) + "\n" for s in sentences), encoding="utf8")
    return path


SETTINGS = {
    "default": dict(min_count=1, threshold=1.0),
    "connectors": dict(min_count=3, threshold=5.0, connector_words=CONNECTORS),
    "npmi": dict(min_count=2, threshold=0.3, scoring="npmi", connector_words=CONNECTORS),
    "custom": dict(min_count=2, threshold=0.2, scoring=jaccard_scorer, connector_words=CONNECTORS),
    "space": dict(min_count=1, threshold=1.0, delimiter=" ", connector_words=CONNECTORS),
    "long-delimiter": dict(min_count=1, threshold=1.0, delimiter="__"),
    "pruned": dict(min_count=1, threshold=1.0, max_vocab_size=300, connector_words=CONNECTORS),
}


def assert_same_model(ours, theirs):
    assert list(ours.vocab.items()) == list(theirs.vocab.items())   # keys, counts and order
    assert (ours.corpus_word_count, ours.min_reduce) == (theirs.corpus_word_count, theirs.min_reduce)


def assert_same_results(model, reference, sentences):
    assert [model[s] for s in sentences] == [reference[s] for s in sentences]
    assert list(model[sentences]) == list(reference[sentences])
    found = model.find_phrases(sentences)
    assert found == reference.find_phrases(sentences) and list(found) == list(reference.find_phrases(sentences))
    assert ([list(model.analyze_sentence(s)) for s in sentences[:60]]
            == [list(reference.analyze_sentence(s)) for s in sentences[:60]])


@pytest.mark.parametrize("name", SETTINGS)
def test_counts_phrases_and_scores_are_gensims(name, corpus):
    ours, theirs = Phrases(corpus, **SETTINGS[name]), gensim_phrases.Phrases(corpus, **SETTINGS[name])
    assert_same_model(ours, theirs)
    exported = ours.export_phrases()
    assert exported and list(exported.items()) == list(theirs.export_phrases().items())  # exact
    frozen, gensim_frozen = ours.freeze(), theirs.freeze()
    assert list(frozen.phrasegrams.items()) == list(gensim_frozen.phrasegrams.items())
    assert_same_results(ours, theirs, corpus)
    assert_same_results(frozen, gensim_frozen, corpus)


@pytest.mark.parametrize("name", ["connectors", "npmi", "pruned"])
def test_real_text_gives_gensims_phrases(name, text):
    settings = dict(SETTINGS[name], connector_words=ENGLISH_CONNECTOR_WORDS)
    ours, theirs = Phrases(text, **settings), gensim_phrases.Phrases(text, **settings)
    assert_same_model(ours, theirs)
    assert list(ours.export_phrases().items()) == list(theirs.export_phrases().items())
    assert list(ours.freeze()[text]) == list(theirs.freeze()[text])
    assert list(ours[text]) == list(theirs[text])


def test_add_vocab_merges_and_prunes_as_gensim(corpus):
    for settings in (dict(min_count=1), dict(min_count=1, max_vocab_size=80), dict(max_vocab_size=5)):
        ours, theirs = Phrases(corpus[:150], **settings), gensim_phrases.Phrases(corpus[:150], **settings)
        for part in (corpus[150:300], corpus[300:]):
            ours.add_vocab(part)
            theirs.add_vocab(part)
            assert_same_model(ours, theirs)


def test_trigrams_from_a_second_pass_are_gensims(corpus):
    ours, theirs = Phrases(corpus, min_count=1, threshold=1), gensim_phrases.Phrases(corpus, min_count=1, threshold=1)
    second = list(ours[corpus])
    assert second == list(theirs[corpus]) and any("new_york_city" in s or "new_york" in s for s in second)
    ours_2 = Phrases(second, min_count=1, threshold=1, connector_words=CONNECTORS)
    theirs_2 = gensim_phrases.Phrases(second, min_count=1, threshold=1, connector_words=CONNECTORS)
    assert_same_model(ours_2, theirs_2)
    assert_same_results(ours_2, theirs_2, second)     # keys holding the delimiter, split by gensim's rule
    assert_same_results(ours_2.freeze(), theirs_2.freeze(), second)


class PythonPhrases(Phrases):
    """The reference path: a score_candidate of its own sends applying through the Python loop."""

    def score_candidate(self, word_a, word_b, in_between):
        return super().score_candidate(word_a, word_b, in_between)


class PythonFrozen(FrozenPhrases):
    def score_candidate(self, word_a, word_b, in_between):
        return super().score_candidate(word_a, word_b, in_between)


@pytest.mark.parametrize("name", ["connectors", "npmi", "custom"])
def test_compiled_path_computes_what_the_python_loop_computes(name, corpus):
    compiled = Phrases(corpus, **SETTINGS[name])
    reference = PythonPhrases(corpus, **SETTINGS[name])
    assert reference._detector() is None and compiled._detector() is not None
    assert_same_model(compiled, reference)
    assert list(compiled.export_phrases().items()) == list(reference.export_phrases().items())
    assert_same_results(compiled, reference, corpus)
    assert_same_results(compiled.freeze(), PythonFrozen(reference), corpus)


def test_empty_string_tokens_are_kept(corpus):
    """gensim drops an empty-string token when applying phrases (it tests the open candidate for
    truth, not for None); w2vlib keeps every token (docs/differences.md)."""
    model = Phrases([["", "a"], ["", "a"]], min_count=1, threshold=0.1)
    assert model.vocab["_a"] == 2
    assert model[["b", "", "c"]] == ["b", "", "c"]
    assert gensim_phrases.Phrases([["", "a"]], min_count=1)[["b", "", "c"]] == ["b", "c"]
    assert model[["", "a", "z"]] == ["_a", "z"]


# --- files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("max_vocab_size", [40000000, 50])
def test_a_file_gives_the_model_its_token_lists_give(tmp_path, corpus, max_vocab_size):
    path = write_lines(tmp_path / "corpus.txt", corpus + [[f"t{i}" for i in range(25000)]])
    settings = dict(min_count=1, threshold=1, max_vocab_size=max_vocab_size, connector_words=CONNECTORS)
    from_file = Phrases(path, **settings)                     # the compiled reader
    from_lists = Phrases(list(LineSentence(path)), **settings)
    assert_same_model(from_file, gensim_phrases.Phrases(GensimLineSentence(str(path)), **settings))
    assert_same_model(from_lists, from_file)
    assert_same_model(Phrases(LineSentence(path), **settings), from_file)
    for suffix, opener in ((".gz", gzip.open), (".bz2", bz2.open)):
        packed = tmp_path / f"corpus.txt{suffix}"
        with opener(packed, "wb") as fout:
            fout.write(path.read_bytes())
        assert_same_model(Phrases(str(packed), **settings), from_file)


def test_a_folder_of_files_counts_as_one_stream(tmp_path, corpus):
    folder = tmp_path / "parts"
    folder.mkdir()
    write_lines(folder / "a.txt", corpus[:200])
    write_lines(folder / "b.txt", corpus[200:])
    settings = dict(min_count=1, max_vocab_size=70, connector_words=CONNECTORS)
    assert_same_model(Phrases(PathLineSentences(folder), **settings),
                      gensim_phrases.Phrases(GensimPathLineSentences(str(folder)), **settings))


@pytest.mark.parametrize("frozen", [False, True])
@pytest.mark.parametrize("delimiter", ["_", "::"])
def test_phrase_file_writes_the_phrased_sentences(tmp_path, corpus, frozen, delimiter):
    source = write_lines(tmp_path / "corpus.txt", corpus)
    with open(source, "ab") as fout:
        fout.write(b"caf\xe9 au lait\n")            # not UTF-8: copied unchanged
    settings = dict(min_count=2, threshold=2, connector_words=CONNECTORS, delimiter=delimiter)
    model = Phrases(corpus, **settings)
    model = model.freeze() if frozen else model
    reference = gensim_phrases.Phrases(corpus, **settings)
    reference = reference.freeze() if frozen else reference
    expected = [" ".join(reference[s]) for s in corpus if s]
    report = model.phrase_file(source, tmp_path / "out.txt.gz")
    with gzip.open(tmp_path / "out.txt.gz", "rb") as fin:
        lines = fin.read().split(b"\n")
    assert [line.decode("utf8") for line in lines[:-2]] == expected
    assert lines[-2:] == [b"caf\xe9 au lait", b""]
    phrases = sum(score is not None for s in corpus for _, score in reference.analyze_sentence(s))
    assert report == (len(expected) + 1, sum(map(len, corpus)) + 3, phrases)


def test_phrase_file_checks_its_output_before_any_work(tmp_path, corpus):
    source = write_lines(tmp_path / "corpus.txt", corpus)
    before = source.read_bytes()
    model = Phrases(corpus, min_count=1)
    with pytest.raises(ValueError, match="is the input corpus"):
        model.phrase_file(source, source)
    os.symlink(source, tmp_path / "link.txt")
    with pytest.raises(ValueError, match="is the input corpus"):
        model.phrase_file(source, tmp_path / "link.txt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.phrase_file(source, tmp_path / "absent" / "out.txt")
    with pytest.raises(FileNotFoundError, match="absent.txt"):
        model.phrase_file(tmp_path / "absent.txt", tmp_path / "out.txt")
    with pytest.raises(TypeError, match="reads a corpus file"):
        model.phrase_file(corpus, tmp_path / "out.txt")
    assert source.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["corpus.txt", "link.txt"]


def test_phrase_file_leaves_nothing_when_it_fails(tmp_path, corpus):
    source = write_lines(tmp_path / "corpus.txt", corpus)
    target = tmp_path / "out.txt"
    target.write_text("the previous output\n")
    model = Phrases(corpus, min_count=1, threshold=0.5, scoring=failing_scorer)
    with pytest.raises(ArithmeticError, match="always fails"):
        model.phrase_file(source, target)
    assert target.read_text() == "the previous output\n" and sorted(os.listdir(tmp_path)) == ["corpus.txt", "out.txt"]


# --- save / load -------------------------------------------------------------------------------

@pytest.mark.parametrize("scoring", ["default", "npmi", jaccard_scorer])
def test_save_load_round_trip(tmp_path, corpus, scoring):
    threshold = 1.0 if scoring == "default" else 0.2
    model = Phrases(corpus, min_count=2, threshold=threshold, scoring=scoring, delimiter="::",
                    connector_words=CONNECTORS, max_vocab_size=500, progress_per=7)
    for original in (model, model.freeze()):
        path = tmp_path / f"{type(original).__name__}.w2v"
        original.save(path)
        loaded = Phrases.load(path)              # whichever kind the file holds, as gensim
        assert type(loaded) is type(original)
        for name in ("min_count", "threshold", "delimiter", "scoring", "connector_words"):
            assert getattr(loaded, name) == getattr(original, name)
        if isinstance(original, Phrases):
            assert_same_model(loaded, original)
            assert (loaded.max_vocab_size, loaded.progress_per) == (500, 7)
        else:
            assert list(loaded.phrasegrams.items()) == list(original.phrasegrams.items())
        assert_same_results(loaded, original, corpus)
        assert [e["event"] for e in loaded.lifecycle_events][-2:] == ["saved", "loaded"]
    loaded.add_lifecycle_event("after", log_level=False)
    Phrases.load(tmp_path / "Phrases.w2v").add_vocab(corpus[:10])


def test_a_model_with_an_unimportable_scorer_is_refused(tmp_path, corpus):
    def local_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
        return 1.0
    for scorer in (local_scorer, lambda worda_count, wordb_count, bigram_count, len_vocab,
                   min_count, corpus_word_count: 1.0):
        with pytest.raises(ScorerNotImportable, match="module:qualname") as caught:
            Phrases(corpus, scoring=scorer)
        assert isinstance(caught.value, ValueError) and isinstance(caught.value, pickle.PicklingError)
    model = Phrases(corpus, min_count=1)
    model.scoring = local_scorer
    with pytest.raises(ScorerNotImportable, match="local_scorer"):
        model.save(tmp_path / "model.w2v")
    assert not os.listdir(tmp_path)


def rewrite(path, change):
    """Save `path` again after `change(meta, arrays)`."""
    kind, meta, arrays = _native.load_native(path)
    change(meta, arrays)
    _native.save_native(path, kind, meta, arrays)


@pytest.mark.parametrize("change, message", [
    (lambda meta, arrays: meta.update(scoring="no_such_module_w2v:scorer"), "cannot be imported"),
    (lambda meta, arrays: meta.update(scoring="no colon"), "module:qualname"),
    (lambda meta, arrays: meta.update(threshold=-1.0), "threshold should be positive"),
    (lambda meta, arrays: meta.update(min_reduce=-3), "min_reduce"),
    (lambda meta, arrays: meta.pop("corpus_word_count"), "missing corpus_word_count"),
    (lambda meta, arrays: arrays.update(key_offsets=arrays["key_offsets"][::-1].copy()), "offsets"),
    (lambda meta, arrays: arrays.update(counts=arrays["counts"][:-1].copy()), "key offsets for"),
    (lambda meta, arrays: arrays.update(keys=np.where(arrays["keys"] == ord("w"), 0xFF, arrays["keys"]).astype(np.uint8)), "not valid UTF-8"),
])
def test_a_damaged_file_is_refused_naming_it(tmp_path, corpus, change, message):
    path = tmp_path / "model.w2v"
    Phrases(corpus, min_count=1).save(path)
    rewrite(path, change)
    with pytest.raises(ValueError, match=message) as caught:
        Phrases.load(path)
    assert str(path) in str(caught.value)


def test_a_repeated_key_is_refused(tmp_path):
    path = tmp_path / "model.w2v"
    model = Phrases([["ab", "ab"]], min_count=1)
    model.save(path)
    rewrite(path, lambda meta, arrays: arrays.update(keys=np.frombuffer(b"ababab", np.uint8).copy(),
                                                     key_offsets=np.array([0, 2, 4, 6]),
                                                     counts=np.array([2, 1, 1])))
    with pytest.raises(ValueError, match="key 1 repeats key 0 \\('ab'\\)"):
        Phrases.load(path)


def test_a_gensim_pickle_is_refused_with_the_way_to_convert_it(tmp_path, corpus):
    theirs = gensim_phrases.Phrases(corpus, min_count=1)
    theirs.save(str(tmp_path / "gensim.pkl"))
    with pytest.raises(ValueError, match="FrozenPhrases\\(gensim.models.phrases.Phrases.load"):
        Phrases.load(tmp_path / "gensim.pkl")
    converted = FrozenPhrases(gensim_phrases.Phrases.load(str(tmp_path / "gensim.pkl")))
    assert list(converted[corpus]) == list(theirs.freeze()[corpus])
    assert list(FrozenPhrases(theirs.freeze())[corpus]) == list(theirs.freeze()[corpus])


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("arguments, error, message", [
    (dict(min_count=0), ValueError, "min_count should be at least 1"),
    (dict(min_count="5"), TypeError, "min_count must be a number"),
    (dict(threshold=-1), ValueError, "threshold should be positive"),
    (dict(threshold=float("nan")), ValueError, "threshold must be a finite number"),
    (dict(threshold=float("inf")), ValueError, "threshold must be a finite number"),
    (dict(min_count=float("nan")), ValueError, "min_count must be a finite number"),
    (dict(scoring="npmi", threshold=1.5), ValueError, "between -1 and 1"),
    (dict(scoring="npmi", threshold=-1.01), ValueError, "between -1 and 1"),
    (dict(scoring="pmi"), ValueError, "unknown scoring method string pmi"),
    (dict(scoring=len), ValueError, "missing expected parameters"),
    (dict(scoring=3), TypeError, "scoring must be"),
    (dict(delimiter=""), ValueError, "delimiter must not be empty"),
    (dict(delimiter=b"_"), TypeError, "delimiter must be a str"),
    (dict(max_vocab_size=-1), ValueError, "max_vocab_size must be an integer >= 0"),
    (dict(progress_per=0), ValueError, "progress_per must be an integer >= 1"),
    (dict(connector_words={"of", 3}), TypeError, "connector words must be str"),
])
def test_bad_arguments_are_refused(arguments, error, message):
    with pytest.raises(error, match=message):
        Phrases(**arguments)


def test_npmi_thresholds_at_the_bounds_are_accepted(corpus):
    for threshold in (-1, 1):
        Phrases(corpus, scoring="npmi", threshold=threshold)


def test_bad_sentences_and_tokens_are_named(tmp_path, corpus):
    with pytest.raises(TypeError, match="sentence 1: token 2 is an int"):
        Phrases([["a"], ["b", "c", 3]])
    with pytest.raises(TypeError, match="sentence 0 is a str"):
        Phrases(["a b c"])
    with pytest.raises(FileNotFoundError, match="absent.txt"):
        Phrases(tmp_path / "absent.txt")
    model = Phrases(corpus, min_count=1)
    with pytest.raises(TypeError, match="a sentence is a list of str tokens, not a str"):
        model["new york"]
    with pytest.raises(TypeError, match="sentence 0: token 1 is a NoneType"):
        model[["w1", None]]
    with pytest.raises(TypeError, match="sentence 1: token 0 is a bytes"):
        list(model.freeze()[[["w1"], [b"w2"]]])
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"good words\nmore good \xff\xfe words\n")
    with pytest.raises(ValueError, match=f"{bad}: the token at byte offset 21 is not valid UTF-8"):
        Phrases(bad)


# --- the vocab mapping -------------------------------------------------------------------------

def test_vocab_behaves_as_gensims_dict(corpus):
    counts = {"new": 5, "york": 4, "new_york": 4, "old": 2, "old_york": 1}
    ours, theirs = Phrases(min_count=1, threshold=0.5), gensim_phrases.Phrases(min_count=1, threshold=0.5)
    ours.vocab, theirs.vocab = dict(counts), dict(counts)
    ours.corpus_word_count = theirs.corpus_word_count = 20
    assert ours.vocab == counts and ours.export_phrases() == theirs.export_phrases()
    assert ours[["old", "york", "new", "york"]] == theirs[["old", "york", "new", "york"]]
    del ours.vocab["new_york"]
    assert "new_york" not in ours.vocab and ours[["new", "york"]] == ["new", "york"]
    ours.vocab["new_york"] = 4
    assert ours[["new", "york"]] == ["new_york"] and list(ours.vocab)[-1] == "new_york"
    with pytest.raises(RuntimeError, match="changed size during iteration"):
        for key in ours.vocab:
            ours.vocab[key + "!"] = 1
    with pytest.raises(TypeError, match="counts must be integers"):
        ours.vocab["x"] = 1.5


def test_a_table_being_read_cannot_change(corpus):
    """While compiled code reads the counts (here: a custom scorer runs in the middle of it), a
    change is refused rather than moving memory under the reader; afterwards it is allowed."""
    model = Phrases(corpus, min_count=1, threshold=0.5, scoring=mutating_scorer)
    BEING_READ.append(model)
    with pytest.raises(RuntimeError, match="in use"):
        model[["w1", "w2", "w3"]]
    BEING_READ.clear()
    assert "changed" not in model.vocab
    model.vocab["changed"] = 1
    assert model.vocab["changed"] == 1


def test_threads_apply_one_model_at_once(text):
    model = Phrases(text, connector_words=ENGLISH_CONNECTOR_WORDS)
    frozen = model.freeze()
    expected = [list(model[text]), list(frozen[text])]
    results = {}

    def apply(number):
        results[number] = [list(model[text]), list(frozen[text])]

    threads = [threading.Thread(target=apply, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[n] == expected for n in range(4))


def test_phraser_is_frozen_phrases():
    assert Phraser is FrozenPhrases
