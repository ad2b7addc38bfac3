"""A corpus file phrased by several threads is the file one pass writes: byte for byte, and
gensim's phrased sentences (gensim reads the file with its own LineSentence); errors and
clean-up are those of one pass. Counting with a second thread gives gensim's counts, pruning
included.

Every test lowers PARALLEL_MIN_BYTES so that small files are split (the threads' code path is
the same for any size).
"""
import os
import pathlib
import threading

import pytest
from gensim.models import phrases as gensim_phrases
from gensim.models.word2vec import LineSentence as GensimLineSentence
from gensim.models.word2vec import Text8Corpus as GensimText8Corpus

from w2vlib import _phrase_corpus, _phrase_write
from w2vlib.corpora import PathLineSentences, Text8Corpus
from w2vlib.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
from test_phrases import CONNECTORS, DATA, make_corpus, write_lines

WORKERS = [2, 3, 7]


@pytest.fixture(autouse=True)
def split_small_files(monkeypatch):
    monkeypatch.setattr(_phrase_corpus, "PARALLEL_MIN_BYTES", 0)


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    """Planted phrases, real English text, empty lines and a line longer than
    max_sentence_length (cut into several sentences, each counted on its own)."""
    lines = [" ".join(s) for s in make_corpus(2, sentences=600)]
    lines += (DATA / "corpus_small.txt").read_text().splitlines()
    lines.insert(300, " ".join(f"t{i % 40}" for i in range(25000)))
    path = tmp_path_factory.mktemp("threads") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return path


SETTINGS = {
    "connectors": dict(min_count=2, threshold=2.0, connector_words=ENGLISH_CONNECTOR_WORDS),
    "npmi": dict(min_count=2, threshold=0.3, scoring="npmi", connector_words=CONNECTORS),
}


def test_text8_sentences_run_across_lines_so_one_thread_reads_them(tmp_path):
    words = " ".join(" ".join(s) for s in make_corpus(3, sentences=300))
    path = tmp_path / "text8"
    path.write_text(words[:len(words) // 2] + "\n" + words[len(words) // 2:])
    assert _phrase_corpus.split_runs(_phrase_corpus.corpus_files(Text8Corpus(path)), 2) is None
    settings = dict(min_count=1, threshold=1.0, connector_words=CONNECTORS)
    model = Phrases(Text8Corpus(path, max_sentence_length=50), **settings)
    reference = gensim_phrases.Phrases(GensimText8Corpus(str(path), max_sentence_length=50), **settings)
    model.phrase_file(Text8Corpus(path, max_sentence_length=50), tmp_path / "out.txt", workers=2)
    expected = "".join(" ".join(s) + "\n"
                       for s in reference[GensimText8Corpus(str(path), max_sentence_length=50)])
    assert (tmp_path / "out.txt").read_text() == expected


@pytest.mark.parametrize("frozen", [False, True])
@pytest.mark.parametrize("workers", WORKERS)
@pytest.mark.parametrize("name", SETTINGS)
def test_threads_write_the_phrased_file_of_one_pass(tmp_path, corpus_file, frozen, workers, name):
    settings = SETTINGS[name]
    model = Phrases(corpus_file, **settings)
    reference = gensim_phrases.Phrases(GensimLineSentence(str(corpus_file)), **settings)
    if frozen:
        model, reference = model.freeze(), reference.freeze()
    report = model.phrase_file(corpus_file, tmp_path / "threads.txt", workers=workers)
    single = model.phrase_file(corpus_file, tmp_path / "single.txt", workers=1)
    written = (tmp_path / "threads.txt").read_bytes()
    assert written == (tmp_path / "single.txt").read_bytes() and report == single
    expected = "".join(" ".join(s) + "\n" for s in reference[GensimLineSentence(str(corpus_file))])
    assert written.decode("utf8") == expected
    assert sorted(os.listdir(tmp_path)) == ["single.txt", "threads.txt"]   # no temporary left


def test_a_failing_thread_leaves_the_output_as_it_was(tmp_path, corpus_file, monkeypatch):
    model = Phrases(corpus_file, **SETTINGS["connectors"]).freeze()
    real = _phrase_write.phrase_file

    def failing(detector, fileobj, write, line_mode, max_length, start=0, end=-1):
        if start > 0:
            raise OSError("the disk is full")
        return real(detector, fileobj, write, line_mode, max_length, start=start, end=end)

    monkeypatch.setattr(_phrase_write, "phrase_file", failing)
    target = tmp_path / "out.txt"
    target.write_text("the previous output\n")
    with pytest.raises(OSError, match="the disk is full"):
        model.phrase_file(corpus_file, target, workers=3)
    assert target.read_text() == "the previous output\n" and os.listdir(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2"])
def test_bad_workers_are_refused(corpus_file, tmp_path, workers):
    with pytest.raises(ValueError, match="workers must be an integer >= 1 or None"):
        Phrases([["a", "b"]]).phrase_file(corpus_file, tmp_path / "out.txt", workers=workers)
    assert os.listdir(tmp_path) == []


def test_runs_cover_every_byte_once_in_corpus_order(tmp_path, corpus_file):
    other = write_lines(tmp_path / "other.txt", [["a", "b"]] * 10)
    sources = _phrase_corpus.corpus_files(PathLineSentences(pathlib.Path(tmp_path)))
    sources = [(str(corpus_file), True, 10000)] + sources
    runs = _phrase_corpus.split_runs(sources, 4)
    pieces = [piece for run in runs for piece in run]
    assert [(p[0], p[2], p[3]) for p in pieces][:1] == [(str(corpus_file), 0, pieces[0][3])]
    covered = {}
    for path, _, start, end in pieces:
        assert covered.get(path, 0) == start      # each file's ranges follow one another
        covered[path] = end
    assert covered == {str(corpus_file): corpus_file.stat().st_size, str(other): other.stat().st_size}


@pytest.fixture(scope="module")
def long_corpus():
    """Enough sentences for many batches of keys (a batch holds at most 32,768 keys)."""
    return [s for seed in range(3, 8) for s in make_corpus(seed, sentences=4000)]


@pytest.mark.parametrize("max_vocab_size", [40000000, 120])
@pytest.mark.parametrize("as_file", [False, True])
@pytest.mark.parametrize("workers", [1, 2])
def test_counting_threads_count_what_gensim_counts(tmp_path, long_corpus, as_file, workers,
                                                   max_vocab_size):
    settings = dict(min_count=2, threshold=2.0, max_vocab_size=max_vocab_size,
                    connector_words=CONNECTORS)
    source = write_lines(tmp_path / "corpus.txt", long_corpus) if as_file else long_corpus
    model = Phrases(source, workers=workers, **settings)
    reference = gensim_phrases.Phrases(long_corpus, **settings)
    assert model.corpus_word_count > 4 * 32768
    assert dict(model.vocab.items()) == reference.vocab
    assert (model.corpus_word_count, model.min_reduce) == (reference.corpus_word_count,
                                                           reference.min_reduce)


def test_a_failing_corpus_stops_the_counting_thread(long_corpus):
    def sentences():
        yield from long_corpus
        raise OSError("the network went away")

    before = threading.active_count()
    with pytest.raises(OSError, match="the network went away"):
        Phrases(sentences(), workers=2)
    assert threading.active_count() == before
    assert not [t for t in threading.enumerate() if t.name.startswith("w2vlib-phrase-count")]


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2"])
def test_bad_counting_workers_are_refused(workers):
    with pytest.raises(ValueError, match="workers must be an integer >= 1 or None"):
        Phrases([["a", "b"]], workers=workers)
