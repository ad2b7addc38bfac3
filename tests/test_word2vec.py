"""Word2Vec façade and training engine: learning, gensim parity of the bookkeeping, failures."""
import gzip
import itertools
import pathlib
import threading
from unittest import mock

import numpy as np
import pytest
from gensim.models import Word2Vec as GensimWord2Vec

from w2vlib import CallbackAny2Vec, LineSentence, Text8Corpus, Word2Vec, _reader, _train

GROUPS = [["red", "green", "blue", "yellow"], ["one", "two", "three", "four"],
          ["cat", "dog", "horse", "cow"], ["paris", "rome", "berlin", "madrid"]]
MODES = {"sg-ns": dict(sg=1, hs=0, negative=5), "cbow-ns": dict(sg=0, hs=0, negative=5),
         "sg-hs": dict(sg=1, hs=1, negative=0), "cbow-hs": dict(sg=0, hs=1, negative=0),
         "cbow-ns-corrected": dict(sg=0, hs=0, negative=5, cbow_correction=True),
         "cbow-hs-corrected": dict(sg=0, hs=1, negative=0, cbow_correction=True),
         "sg-ns-shared": dict(sg=1, hs=0, negative=5, shared_negatives=True)}


def planted_corpus(n_sentences=1500, seed=0):
    """Sentences drawn from one group each: words of a group share all their contexts."""
    rng = np.random.default_rng(seed)
    return [list(rng.choice(GROUPS[rng.integers(len(GROUPS))], size=8)) for _ in range(n_sentences)]


def write_lines(path, sentences):
    path.write_text("".join(" ".join(s) + "\n" for s in sentences))
    return path


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("source", ["iterable", "corpus_file"])
def test_planted_groups_become_neighbours(mode, source, tmp_path):
    sentences = planted_corpus()
    corpus = dict(sentences=sentences) if source == "iterable" else dict(
        corpus_file=str(write_lines(tmp_path / "c.txt", sentences)))
    model = Word2Vec(**corpus, vector_size=20, window=3, min_count=1, sample=0, workers=2,
                     epochs=5, seed=3, **MODES[mode])
    for group in GROUPS:
        for word in group:
            neighbours = {w for w, _ in model.wv.most_similar(word, topn=3)}
            assert neighbours == set(group) - {word}, (mode, word, neighbours)


def test_vocabulary_and_word_counts_match_gensim(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes((pathlib.Path(__file__).parent / "data" / "corpus_small.txt").read_bytes())
    ours = Word2Vec(min_count=3)
    ours.build_vocab(corpus_file=str(path))
    theirs = GensimWord2Vec(min_count=3)
    theirs.build_vocab(corpus_file=str(path))
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    np.testing.assert_array_equal(ours.wv.expandos["count"], theirs.wv.expandos["count"])
    assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count, theirs.corpus_total_words)
    from_iterable = Word2Vec(min_count=3)
    from_iterable.build_vocab(LineSentence(str(path)))
    assert from_iterable.wv.index_to_key == theirs.wv.index_to_key


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("kind,range_bytes", [
    ("corpus_file", _train.RANGE_BYTES), ("gz", _train.RANGE_BYTES), ("iterable", _train.RANGE_BYTES),
    ("text8", _train.RANGE_BYTES), ("corpus_file", 37), ("text8", 37)])
def test_every_line_is_trained_once_per_epoch(workers, kind, range_bytes, tmp_path, monkeypatch):
    """Raw words reported by train() equal the corpus size times epochs, whatever the split
    (plain files in byte ranges of 37 bytes: shorter than many lines, so most ranges hold no
    line start)."""
    monkeypatch.setattr(_train, "RANGE_BYTES", range_bytes)
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(50)]
    sentences = [list(rng.choice(words, size=rng.integers(1, 40))) for _ in range(997)]
    total = sum(map(len, sentences))
    plain = write_lines(tmp_path / "c.txt", sentences)
    if kind == "gz":
        with gzip.open(tmp_path / "c.txt.gz", "wt") as out:
            out.write(plain.read_text())
        corpus = dict(corpus_file=str(tmp_path / "c.txt.gz"))
    elif kind == "corpus_file":
        corpus = dict(corpus_file=str(plain))
    elif kind == "text8":   # one stream of tokens, split by token rather than by line
        (tmp_path / "t8").write_text(" ".join(w for s in sentences for w in s))
        corpus = dict(corpus_iterable=Text8Corpus(str(tmp_path / "t8"), max_sentence_length=300))
    else:
        corpus = dict(corpus_iterable=sentences)
    model = Word2Vec(min_count=1, sample=0, workers=workers, vector_size=8, batch_words=100)
    model.build_vocab(**corpus)
    effective, raw = model.train(**corpus, total_words=model.corpus_total_words, epochs=2)
    assert raw == 2 * total
    assert effective == 2 * total  # sample=0 and every word is in the vocabulary


def test_a_worker_done_with_its_ranges_takes_the_others(tmp_path, monkeypatch):
    """Worker 0 alone drains the feed: its own half in file order, then worker 1's half from the
    far end; the ranges shrink with the bytes left (guided) between the two limits, worker 1
    then finds nothing left, and every line was read once."""
    monkeypatch.setattr(_train, "RANGE_BYTES", 400)
    monkeypatch.setattr(_train, "MIN_RANGE_BYTES", 60)
    sentences = [[f"w{i}"] * 9 for i in range(100)]
    path = write_lines(tmp_path / "c.txt", sentences)
    size = path.stat().st_size
    line_starts = np.cumsum([0] + [len(" ".join(s)) + 1 for s in sentences])[:-1]
    index = _reader.VocabIndex([f"w{i}" for i in range(100)])
    feed = _train.RangeFeed([(str(path), True, 10000)], index, batch_words=1000, workers=2)
    taken, take = [], feed._take

    def recording_take(worker):
        left = sum(feed.left)
        piece = take(worker)
        if piece is not None:
            taken.append((piece[3], piece[4], left))
        return piece
    monkeypatch.setattr(feed, "_take", recording_take)
    got = [int(i) for ids, _, _ in feed.batches(0) for i in ids[::9]]   # 9 ids per line
    half = size // 2
    own = [(a, b) for a, b, _ in taken if b <= half]
    stolen = [(a, b) for a, b, _ in taken if a >= half]
    assert own + stolen == [(a, b) for a, b, _ in taken]
    assert [a for a, _ in own] == [0] + [b for _, b in own[:-1]] and own[-1][1] == half
    assert [b for _, b in stolen] == [size] + [a for a, _ in stolen[:-1]] and stolen[-1][0] == half
    for a, b, left in taken:   # the guided size, or what was left of the run
        assert b - a == max(60, min(400, left // 4)) or half in (a, b)
    assert max(b - a for a, b, _ in taken) == 400 and taken[-1][1] - taken[-1][0] <= 60

    def lines_in(a, b):
        return [j for j, at in enumerate(line_starts) if a <= at < b]
    assert got == [j for a, b, _ in taken for j in lines_in(a, b)] and sorted(got) == list(range(100))
    assert list(feed.batches(1)) == []


def test_ranges_of_several_files_cover_each_once(tmp_path):
    """Files laid end to end are split into one run per worker, across file boundaries; the
    runs cover every byte of every non-empty file once."""
    paths = [write_lines(tmp_path / f"c{k}.txt", [["a", "b"]] * n) for k, n in enumerate((3, 0, 50, 7))]
    sources = [(str(p), True, 10000) for p in paths]
    feed = _train.RangeFeed(sources, _reader.VocabIndex(["a", "b"]), batch_words=1000, workers=3)
    parts = sorted((part[0], part[3], part[4]) for run in feed.shares for part in run)
    sizes = {str(p): p.stat().st_size for p in paths}
    for path, size in sizes.items():
        mine = [(a, b) for p, a, b in parts if p == path]
        if not size:
            assert mine == []
            continue
        assert [a for a, _ in mine] == [0] + [b for _, b in mine[:-1]] and mine[-1][1] == size
    assert sum(feed.left) == sum(sizes.values()) and max(feed.left) - min(feed.left) <= 1


def test_sentence_longer_than_batch_is_fully_trained():
    sentence = [f"w{i % 97}" for i in range(25000)]
    model = Word2Vec(min_count=1, sample=0, workers=1, vector_size=8, batch_words=10000)
    model.build_vocab([sentence])
    assert model.train([sentence], total_examples=1, epochs=1) == (25000, 25000)


def test_a_sentence_trained_in_pieces_counts_as_one_example():
    """The learning rate follows sentences done against total_examples (gensim's iterable
    mode): a sentence split into pieces must not finish the epoch's decay early."""
    long_one = [f"w{i % 97}" for i in range(250)]
    corpus = [long_one] + [["w1", "w2", "w3"]] * 30
    model = Word2Vec(min_count=1, sample=0, workers=1, vector_size=8, batch_words=100)
    model.build_vocab(corpus)
    seen = []
    real_alpha = _train.Schedule.alpha
    with mock.patch.object(_train.Schedule, "alpha", lambda self, epoch, words, examples: (
            seen.append(examples), real_alpha(self, epoch, words, examples))[1]):
        model.train(corpus, total_examples=model.corpus_count, epochs=1)
    assert model._engine.tally.examples == model.corpus_count == 31
    assert seen[:4] == [0, 1, 1, 1]   # the first sentence's three pieces count it once


def test_raw_words_and_subsampling_match_gensim():
    sentences = planted_corpus(400)
    ours = Word2Vec(sentences, vector_size=10, min_count=1, workers=1, epochs=1, sample=1e-2)
    theirs = GensimWord2Vec(sentences, vector_size=10, min_count=1, workers=1, epochs=1, sample=1e-2)
    np.testing.assert_array_equal(
        ours.vocabulary.sample_int, [theirs.wv.get_vecattr(w, "sample_int") for w in ours.wv.index_to_key])
    effective, raw = ours.train(sentences, total_examples=len(sentences), epochs=3)
    g_effective, g_raw = theirs.train(sentences, total_examples=len(sentences), epochs=3)
    assert raw == g_raw
    assert abs(effective - g_effective) < 0.05 * g_effective


def test_loss_is_per_epoch_and_independent_of_workers():
    # One batch per epoch, trained by whichever worker takes it, with that worker's random
    # stream: without subsampling (sample=0) the streams' losses differ by little.
    sentences = planted_corpus(600)
    losses = {}
    for workers in (1, 2):
        per_epoch = []

        class Recorder(CallbackAny2Vec):
            def on_epoch_end(self, model):
                per_epoch.append(model.get_latest_training_loss())

        Word2Vec(sentences, vector_size=16, min_count=1, workers=workers, epochs=4, sg=1,
                 sample=0, compute_loss=True, callbacks=[Recorder()])
        losses[workers] = per_epoch
    for per_epoch in losses.values():
        assert all(loss > 0 for loss in per_epoch)
        assert per_epoch[-1] < per_epoch[0]  # a per-epoch figure, not a running total
    np.testing.assert_allclose(losses[1], losses[2], rtol=0.05)


def test_alpha_decays_linearly_over_all_epochs():
    model = Word2Vec(min_count=1)
    from w2vlib._train import Schedule
    schedule = Schedule(epochs=4, start_alpha=0.025, end_alpha=0.0001, total_words=1000)
    assert schedule.alpha(0, 0, 0) == pytest.approx(0.025)
    assert schedule.alpha(2, 0, 0) == pytest.approx(0.025 - (0.025 - 0.0001) * 0.5)
    assert schedule.alpha(3, 1000, 0) == pytest.approx(0.0001)
    assert model.alpha == 0.025


def test_update_vocabulary_keeps_trained_vectors():
    first = planted_corpus(300)
    model = Word2Vec(first, vector_size=12, min_count=1, workers=1, epochs=1)
    before = model.wv["red"].copy()
    model.build_vocab([["novel", "words", "here"]] * 3, update=True)
    assert {"novel", "words", "here"} <= set(model.wv.key_to_index)
    np.testing.assert_array_equal(model.wv["red"], before)
    assert model.syn1neg.shape == model.wv.vectors.shape
    model.train([["novel", "words", "red"]] * 10, total_examples=10, epochs=1)


def test_save_load_round_trip(tmp_path):
    model = Word2Vec(planted_corpus(300), vector_size=12, min_count=1, workers=1, epochs=1, hs=1)
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(loaded.syn1neg, model.syn1neg)
    np.testing.assert_array_equal(loaded.syn1, model.syn1)
    assert loaded.wv.index_to_key == model.wv.index_to_key
    assert (loaded.hs, loaded.negative, loaded.window) == (1, 5, 5)
    loaded.train(planted_corpus(50), total_examples=50, epochs=1)


def test_cbow_correction_trains_saves_and_loads(tmp_path):
    """Word2Vec(cbow_correction=True) trains with kōan's step (other vectors than gensim's
    convention gives), keeps the flag through save and load and trains on with it."""
    settings = dict(vector_size=12, min_count=1, workers=1, epochs=1, seed=5, sg=0, cbow_mean=1)
    model = Word2Vec(planted_corpus(300), **settings, cbow_correction=True)
    plain = Word2Vec(planted_corpus(300), **settings)
    assert not np.array_equal(model.wv.vectors, plain.wv.vectors)
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    assert loaded.cbow_correction is True
    more = planted_corpus(50, seed=1)
    unflagged = Word2Vec.load(tmp_path / "m.w2v")
    unflagged.cbow_correction = False
    for m in (model, loaded, unflagged):
        m.train(more, total_examples=len(more), epochs=1)
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    assert not np.array_equal(unflagged.wv.vectors, model.wv.vectors)


def test_cbow_correction_leaves_the_sum_and_skip_gram_alone():
    """With cbow_mean=0 or sg=1 the flag changes nothing: the same vectors, bit for bit."""
    for mode in (dict(sg=0, cbow_mean=0), dict(sg=1)):
        settings = dict(vector_size=12, min_count=1, workers=1, epochs=1, seed=5, **mode)
        flagged = Word2Vec(planted_corpus(300), **settings, cbow_correction=True)
        plain = Word2Vec(planted_corpus(300), **settings)
        np.testing.assert_array_equal(flagged.wv.vectors, plain.wv.vectors)


def test_shared_negatives_train_save_load_and_are_refused_elsewhere(tmp_path):
    """Word2Vec(shared_negatives=True): other vectors than one draw per pair, the flag kept
    through save and load; refused (before any work) outside skip-gram with negative sampling."""
    settings = dict(vector_size=12, min_count=1, workers=1, epochs=1, seed=5, sg=1, hs=0)
    model = Word2Vec(planted_corpus(300), **settings, shared_negatives=True)
    assert not np.array_equal(model.wv.vectors, Word2Vec(planted_corpus(300), **settings).wv.vectors)
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    assert loaded.shared_negatives is True
    more = planted_corpus(50, seed=1)
    for m in (model, loaded):
        m.train(more, total_examples=len(more), epochs=1)
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    for mode in (dict(sg=0), dict(sg=1, hs=1), dict(sg=1, negative=0, hs=1)):
        with pytest.raises(ValueError, match="shared_negatives is for skip-gram with negative"):
            Word2Vec(**{**settings, **mode}, shared_negatives=True)


class RecordingKernel:
    """Wraps a kernel, recording the learning rate of every batch."""

    def __init__(self, kernel, alphas):
        self.kernel, self.alphas = kernel, alphas

    def train_batch(self, state, ids, offsets, alpha):
        self.alphas.append(alpha)
        return self.kernel.train_batch(state, ids, offsets, alpha)


def test_corpus_file_workers_decay_alpha_over_the_whole_corpus(tmp_path, monkeypatch):
    """With 2 workers on byte ranges, alpha still falls to min_alpha by the end of training
    (gensim's corpus_file workers each count only their own words, so theirs stops at about
    0.025 - 0.0249 * 0.75 = 0.0063 after 2 epochs)."""
    alphas = []
    original = _train.Engine.__init__

    def recording(self, kernel, *args, **kwargs):
        original(self, RecordingKernel(kernel, alphas), *args, **kwargs)

    monkeypatch.setattr(_train.Engine, "__init__", recording)
    path = write_lines(tmp_path / "c.txt", planted_corpus(6000))   # 48,000 words
    model = Word2Vec(corpus_file=str(path), vector_size=8, min_count=1, workers=2, epochs=2,
                     batch_words=1000, alpha=0.025, min_alpha=0.0001)
    assert len(alphas) >= 90
    assert alphas[0] == pytest.approx(0.025)
    # the last batches start after >= 1 - 2 * 1000 / 96,000 of the training: alpha <= 0.00062
    assert min(alphas) < 0.001 and model.min_alpha == 0.0001


def test_each_train_call_draws_fresh_random_streams(tmp_path, monkeypatch):
    """Successive train() calls continue with new random streams (as gensim's threads keep
    drawing from the model's generator) instead of replaying the first call's draws; the
    numbering survives save/load, and the same calls on a same-seed twin draw the same."""
    starts = []
    original = _train.Engine.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        starts.append([state.rng_state for state in self.states])

    monkeypatch.setattr(_train.Engine, "__init__", recording)
    sentences = planted_corpus(200)

    def trained_twice():
        model = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, epochs=1, seed=5)
        model.train(sentences, total_examples=model.corpus_count, epochs=1)
        return model

    model = trained_twice()
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    loaded.train(sentences, total_examples=200, epochs=1)
    twin = trained_twice()
    first, second, after_load, twin_first, twin_second = starts
    assert len({first[0], second[0], after_load[0]}) == 3
    assert (twin_first, twin_second) == (first, second)
    np.testing.assert_array_equal(twin.wv.vectors, model.wv.vectors)
    assert (model.train_calls, loaded.train_calls) == (2, 3)


def test_predict_output_word_and_score_agree_with_gensim_maths():
    sentences = planted_corpus(300)
    model = Word2Vec(sentences, vector_size=12, min_count=1, workers=1, epochs=2, hs=1)
    predicted = model.predict_output_word(["red", "green"], topn=4)
    hidden = (model.wv["red"] + model.wv["green"]) / 2
    prob = np.exp(model.syn1neg @ hidden)
    prob /= prob.sum()
    assert [w for w, _ in predicted] == [model.wv.index_to_key[i] for i in np.argsort(-prob)[:4]]
    assert model.predict_output_word(["unknown"]) is None
    scores = model.score([["red", "green", "blue"], ["red", "one", "cat"]])
    assert scores.shape == (2,) and scores[0] > scores[1]


class FailingCorpus:
    def __init__(self, sentences, fail_at):
        self.sentences, self.fail_at, self.passes = sentences, fail_at, 0

    def __iter__(self):
        self.passes += 1
        for i, sentence in enumerate(self.sentences):
            if self.passes > 1 and i == self.fail_at:
                raise OSError("disk went away")
            yield sentence


def test_error_in_user_iterator_reaches_caller_and_stops_workers():
    corpus = FailingCorpus(planted_corpus(2000), fail_at=700)
    before = set(threading.enumerate())
    model = Word2Vec(min_count=1, workers=3, batch_words=50)
    model.build_vocab(corpus)
    with pytest.raises(OSError, match="disk went away"):
        model.train(corpus, total_examples=model.corpus_count, epochs=1)
    assert set(threading.enumerate()) <= before
    assert np.isfinite(model.wv.vectors).all()


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(sentences="a string"), TypeError, "not a single str"),
    (dict(sentences=["a b c", "d e"], min_count=1), TypeError, "sentence 0 is a str"),
    (dict(sentences=(s for s in [["a"]])), TypeError, "generator"),
    (dict(sentences=[]), ValueError, "the corpus has no words"),
    (dict(sentences=[["a", "b"]], min_count=5), ValueError, "min_count"),
    (dict(hs=0, negative=0), ValueError, "nothing would be trained"),
    (dict(window=0), ValueError, "window"),
    (dict(vector_size=0), ValueError, "vector_size"),
])
def test_bad_input_gets_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        Word2Vec(workers=1, **kwargs)


def test_train_preconditions():
    model = Word2Vec(min_count=1)
    with pytest.raises(RuntimeError, match="build vocabulary"):
        model.train([["a"]], total_examples=1, epochs=1)
    model.build_vocab([["a", "b"]])
    with pytest.raises(ValueError, match="total_examples or total_words"):
        model.train([["a", "b"]], epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        model.train([["a", "b"]], total_examples=1)


def test_divergence_is_reported_not_saved():
    with pytest.raises(FloatingPointError, match="diverged"):
        Word2Vec(planted_corpus(500), min_count=1, alpha=1e30, workers=1, epochs=1, sg=1)


def test_iterator_cannot_be_trained_twice():
    sentences = planted_corpus(20)
    model = Word2Vec(min_count=1)
    model.build_vocab(sentences)
    with pytest.raises(TypeError, match="restartable"):
        model.train(iter(sentences), total_examples=20, epochs=2)
    assert model.train(itertools.chain(sentences), total_examples=20, epochs=1)[1] == 160


def test_generator_is_fine_for_one_pass():
    """As in gensim, build_vocab may read a once-only generator."""
    sentences = planted_corpus(20)
    model = Word2Vec(min_count=1)
    model.build_vocab(s for s in sentences)
    assert model.corpus_count == 20


INTERRUPT_SCRIPT = r"""
import signal, sys, time
import numpy as np
from w2vlib import Word2Vec
# a job started in the background by a shell without job control inherits SIGINT ignored
signal.signal(signal.SIGINT, signal.default_int_handler)
rng = np.random.default_rng(0)
words = [f"w{i}" for i in range(500)]
sentences = [list(rng.choice(words, size=50)) for _ in range(20000)]
model = Word2Vec(min_count=1, workers=2, sg=1, vector_size=50)
model.build_vocab(sentences)
print("ready", flush=True)
start = time.time()
try:
    model.train(sentences, total_examples=len(sentences), epochs=1000)
except KeyboardInterrupt:
    model.wv.save_word2vec_format(sys.argv[1])
    print(f"stopped {time.time() - start:.2f} finite={np.isfinite(model.wv.vectors).all()}", flush=True)
"""


def test_keyboard_interrupt_stops_training_quickly_and_model_stays_usable(tmp_path):
    import select
    import signal
    import subprocess
    import sys
    import time
    out = tmp_path / "v.txt"
    proc = subprocess.Popen([sys.executable, "-c", INTERRUPT_SCRIPT, str(out)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    sent = time.time()
    proc.send_signal(signal.SIGINT)
    if not select.select([proc.stdout], [], [], 30)[0]:   # never wait for 1,000 epochs
        proc.kill()
        pytest.fail("training went on after SIGINT")
    line = proc.stdout.readline()
    elapsed = time.time() - sent
    proc.wait(timeout=30)
    assert line.startswith("stopped") and "finite=True" in line, line
    assert elapsed < 1.5
    assert len(out.read_text().splitlines()) == 501
