"""The engine room: batches, worker threads, the global progress counter and the alpha schedule.

Two ways to feed the workers:

* **ranges** — the corpus is plain local files: every worker opens the files itself and trains
  byte ranges aligned to line starts (:class:`RangeFeed`, :class:`w2vlib._reader.FileBatcher`),
  so reading, tokenizing, id lookup and training all run without the GIL and every line is
  trained exactly once per epoch;
* **queue** — anything else (a Python iterable, a compressed or remote file): one producer thread
  turns the corpus into id batches (compiled conversion) and the workers take them from a bounded
  queue, so memory stays constant whatever the corpus size.

The workers share one progress counter (raw words or sentences done); the learning rate decays
linearly from ``start_alpha`` to ``end_alpha`` over all epochs as in gensim, evaluated at the start
of each batch. Each worker has its own :class:`w2vlib._inner.WorkerState` (RNG and float64 loss
tally); the loss is reset at each epoch and summed over workers.
"""
import collections
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field

import smart_open

from w2vlib import _compressed, _reader, _shards
from w2vlib._dispatch import inner as _inner
from w2vlib.vocab import token_list

logger = logging.getLogger("w2vlib.word2vec")

#: Seconds between progress log lines, and the polling period that bounds how long a stop request
#: (an error in another thread, or Ctrl-C) takes to reach every thread.
REPORT_DELAY = 1.0
POLL = 0.05
#: Constants mixing (seed, worker, train call) into a stream's starting state.
FNV_PRIME = 0x100000001B3
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
UINT64_MASK = (1 << 64) - 1
#: Seconds to wait for threads to finish after a stop request before giving up on them.
STOP_GRACE = 2.0
#: With several workers, each worker keeps private copies of the hot output rows — those of the
#: HOT_NODES Huffman inner nodes closest to the root (hierarchical softmax) and the syn1neg rows of
#: the HOT_WORDS most frequent words (negative sampling) — and merges its changes every MERGE_EVERY
#: examples (see "Hot rows" in ``_inner.pyx``; the figures behind these values are in
#: docs/benchmarks.md).
HOT_NODES = 256
HOT_WORDS = 1024
MERGE_EVERY = 16384
#: With several workers, plain files are trained in byte ranges of at most RANGE_BYTES, which
#: shrink toward the end of an epoch down to MIN_RANGE_BYTES, so that the workers finish an epoch
#: together (see RangeFeed).
RANGE_BYTES = 1 << 20
MIN_RANGE_BYTES = 1 << 16
#: Batches waiting in the queue per worker (bounds memory in queue mode).
QUEUE_FACTOR = 2


@dataclass
class Schedule:
    """What one ``train()`` call does: epochs, learning-rate decay and the epoch size."""
    epochs: int
    start_alpha: float
    end_alpha: float
    total_words: int = None
    total_examples: int = None
    #: Measure progress in words when both totals are given (gensim: corpus_file mode does,
    #: iterable mode measures sentences).
    by_words: bool = False

    def measure(self):
        """``(total, "words" | "examples")``: what the epoch's progress is measured against."""
        if self.total_words and (self.by_words or not self.total_examples):
            return self.total_words, "words"
        if self.total_examples:
            return self.total_examples, "examples"
        return None, None

    def alpha(self, epoch, done_words, done_examples):
        """gensim's linear decay, from the fraction of the epoch done so far."""
        total, unit = self.measure()
        if total is None:
            epoch_progress = 0.0
        else:
            epoch_progress = (done_words if unit == "words" else done_examples) / total
        progress = (epoch + min(epoch_progress, 1.0)) / self.epochs
        return max(self.end_alpha, self.start_alpha - (self.start_alpha - self.end_alpha) * progress)


@dataclass
class EpochTally:
    """Counters shared by the threads of one epoch (updated under ``lock``)."""
    raw_words: int = 0
    effective_words: int = 0
    examples: int = 0
    #: The learning rate of the latest batch (gensim's ``min_alpha_yet_reached``); None before.
    alpha: float = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, raw, effective, examples):
        with self.lock:
            self.raw_words += raw
            self.effective_words += effective
            self.examples += examples


class Stopped(Exception):
    """Raised inside a thread whose epoch is being abandoned."""


def _put(q, item, stop):
    while not stop.is_set():
        try:
            q.put(item, timeout=POLL)
            return
        except queue.Full:
            pass
    raise Stopped()


def _get(q, stop):
    while not stop.is_set():
        try:
            return q.get(timeout=POLL)
        except queue.Empty:
            pass
    raise Stopped()


class IterableFeed:
    """Queue feed over a restartable iterable of token lists."""

    def __init__(self, corpus, key_to_index, batch_words):
        self.corpus, self.key_to_index, self.batch_words = corpus, key_to_index, batch_words

    def batches(self):
        pending, size = [], 0
        for number, sentence in enumerate(self.corpus):
            sentence = token_list(sentence, number)
            if len(sentence) > self.batch_words:
                # A sentence longer than the batch is trained in pieces, never truncated.
                if pending:
                    yield _reader.sentences_to_ids(pending, self.key_to_index)
                    pending, size = [], 0
                for start in range(0, len(sentence), self.batch_words):
                    ids, offsets, raw = _reader.sentences_to_ids(
                        [sentence[start:start + self.batch_words]], self.key_to_index)
                    # Its pieces after the first continue one example (sentence) of the corpus.
                    yield ids, offsets, raw, int(start > 0)
                continue
            if size + len(sentence) > self.batch_words and pending:
                yield _reader.sentences_to_ids(pending, self.key_to_index)
                pending, size = [], 0
            pending.append(sentence)
            size += len(sentence)
        if pending:
            yield _reader.sentences_to_ids(pending, self.key_to_index)


class StreamFeed:
    """Queue feed over files read as byte streams (compressed or remote), one after another."""

    def __init__(self, sources, index, batch_words):
        self.sources, self.index, self.batch_words = sources, index, batch_words

    def batches(self):
        for path, line_mode, max_sentence_length in self.sources:
            with _compressed.located(path), smart_open.open(path, "rb") as fileobj:
                batcher = _reader.FileBatcher(
                    fileobj, self.index, batch_words=self.batch_words,
                    max_sentence_length=max_sentence_length, line_mode=line_mode)
                while (batch := batcher.next_batch()) is not None:
                    yield batch


def splittable(sources):
    """True when every source is a plain local file, so workers can own byte ranges of it."""
    return all(_shards.splittable(source[0]) for source in sources)


def _span(source):
    """``(path, line_mode, max_sentence_length, start, end)`` of a source, which is either that
    or ``(path, line_mode, max_sentence_length)`` for the whole file."""
    if len(source) == 5:
        return tuple(source)
    path, line_mode, max_sentence_length = source
    return path, line_mode, max_sentence_length, 0, os.path.getsize(path)


class RangeFeed:
    """The workers' shares of plain local files (whole, or given byte ranges of them: a source
    ``(path, line_mode, max_sentence_length, start, end)``), taken in byte ranges aligned to line
    starts.

    With one worker each file is one range. With several, the files laid end to end are cut into
    one run of bytes per worker, and worker ``k`` owns the ``k``-th: it takes its ranges from the
    front of its run, so the workers read distant parts of the corpus as with one static half
    each, and when its run is used up it takes ranges from the far end of the run with the most
    bytes left. A range is at most ``RANGE_BYTES`` and shrinks with the bytes left in all runs
    (a ``1 / (2 × workers)`` share of them, guided scheduling) down to ``MIN_RANGE_BYTES``, so
    that the workers finish within about one small range of each other. Either way every line
    is trained exactly once (a range trains the lines that start in it).
    """

    def __init__(self, sources, index, batch_words, workers):
        self.index, self.batch_words, self.workers = index, batch_words, workers
        runs = _shards.cut([_span(source) for source in sources], workers)
        #: per worker, its run: [path, line_mode, max_sentence_length, start, end] per file part
        self.shares = [collections.deque(run) for run in runs]
        self.left = [sum(end - start for *_, start, end in run) for run in runs]
        self.lock = threading.Lock()

    def _size(self):
        """The next range's size in bytes (guided by the bytes left in all runs)."""
        if self.workers == 1:
            return sum(self.left)
        floor = min(MIN_RANGE_BYTES, RANGE_BYTES)
        return max(floor, min(RANGE_BYTES, sum(self.left) // (2 * self.workers)))

    def _take(self, worker):
        """The next range for ``worker`` as ``(path, line_mode, max_sentence_length, start, end)``,
        or None when every run is used up."""
        with self.lock:
            owner = worker if self.shares[worker] else max(range(self.workers), key=self.left.__getitem__)
            run = self.shares[owner]
            if not run:
                return None
            size, mine = self._size(), owner == worker
            part = run[0] if mine else run[-1]
            path, line_mode, max_sentence_length, start, end = part
            if mine:
                cut = min(end, start + size)
                piece, part[3] = (start, cut), cut
            else:
                cut = max(start, end - size)
                piece, part[4] = (cut, end), cut
            if part[3] == part[4]:
                run.popleft() if mine else run.pop()
            self.left[owner] -= piece[1] - piece[0]
            return path, line_mode, max_sentence_length, piece[0], piece[1]

    def batches(self, worker):
        """Worker ``worker``'s batches: its own ranges, then ranges taken from the others."""
        while (piece := self._take(worker)) is not None:
            path, line_mode, max_sentence_length, start, end = piece
            with open(path, "rb") as fileobj:
                batcher = _reader.FileBatcher(
                    fileobj, self.index, start=start, end=end, batch_words=self.batch_words,
                    max_sentence_length=max_sentence_length, line_mode=line_mode)
                while (batch := batcher.next_batch()) is not None:
                    yield batch


@dataclass
class Corpus:
    """What to train on: an iterable (with its key→index dict) or file sources (with the C index)."""
    iterable: object = None
    sources: list = None


class Engine:
    """Runs epochs of training with worker threads.

    Parameters
    ----------
    kernel : w2vlib._inner.Kernel
        The configured kernel (weights and tables).
    vector_size, workers, batch_words, seed : int
        As in :class:`w2vlib.Word2Vec`.
    key_to_index : dict
        Vocabulary for iterable corpora.
    index : w2vlib._reader.VocabIndex
        The same vocabulary as a C hash table, for file corpora.
    stream : int, optional
        Which ``train()`` call of the model this is: each call gets fresh random streams (gensim's
        threads likewise keep drawing from the model's generator), reproducibly.
    """

    def __init__(self, kernel, vector_size, workers, batch_words, seed, key_to_index, index,
                 stream=0):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.kernel, self.workers, self.batch_words = kernel, workers, batch_words
        self.key_to_index, self.index = key_to_index, index
        self.states = [_inner.WorkerState(vector_size, _seed_for(seed, k, stream))
                       for k in range(workers)]
        self.tally = EpochTally()

    @property
    def epoch_loss(self):
        """Loss tallied so far in the current (or last finished) epoch, summed over workers."""
        return float(sum(state.loss for state in self.states))

    def run_epoch(self, corpus, schedule, epoch, progress=None):
        """Train one epoch; returns the :class:`EpochTally`. Errors from any thread are re-raised
        here after every thread has stopped; KeyboardInterrupt stops all threads first."""
        for state in self.states:
            state.reset_loss()
        self.tally = tally = EpochTally()
        stop = threading.Event()
        errors = []

        def guarded(target, *args):
            try:
                target(*args)
            except Stopped:
                pass
            except BaseException as exc:  # reaches the caller via `errors`
                errors.append(exc)
                stop.set()

        def train(worker, batches):
            state = self.states[worker]
            for batch in batches:   # (ids, offsets, raw words[, pieces continuing a sentence])
                if stop.is_set():
                    raise Stopped()
                ids, offsets, raw = batch[:3]
                alpha = tally.alpha = schedule.alpha(epoch, tally.raw_words, tally.examples)
                effective = self.kernel.train_batch(state, ids, offsets, alpha)
                tally.add(raw, effective, len(offsets) - 1 - (batch[3] if len(batch) > 3 else 0))

        threads = []
        if corpus.sources is not None and splittable(corpus.sources):
            feed = RangeFeed(corpus.sources, self.index, self.batch_words, self.workers)
            for k in range(self.workers):
                batches = feed.batches(k)
                threads.append(threading.Thread(target=guarded, args=(train, k, batches), daemon=True))
        else:
            jobs = queue.Queue(maxsize=QUEUE_FACTOR * self.workers)
            feed = (IterableFeed(corpus.iterable, self.key_to_index, self.batch_words)
                    if corpus.sources is None else StreamFeed(corpus.sources, self.index, self.batch_words))

            def produce():
                try:
                    for batch in feed.batches():
                        _put(jobs, batch, stop)
                finally:
                    for _ in range(self.workers):
                        _put(jobs, None, stop)

            def consume():
                while (job := _get(jobs, stop)) is not None:
                    yield job

            threads.append(threading.Thread(target=guarded, args=(produce,), daemon=True))
            for k in range(self.workers):
                threads.append(threading.Thread(target=guarded, args=(train, k, consume()), daemon=True))
        self._supervise(threads, stop, errors, schedule, epoch, progress)
        return tally

    def _supervise(self, threads, stop, errors, schedule, epoch, progress):
        start = last_report = time.perf_counter()
        for thread in threads:
            thread.start()
        try:
            while any(thread.is_alive() for thread in threads):
                for thread in threads:
                    thread.join(POLL)
                now = time.perf_counter()
                if now - last_report >= REPORT_DELAY:
                    last_report = now
                    self._report(schedule, epoch, now - start, progress)
        except BaseException:
            # Ctrl-C (or any error here): workers notice `stop` within one batch; a producer stuck
            # in the user's iterator is a daemon thread and is left behind after STOP_GRACE.
            stop.set()
            deadline = time.perf_counter() + STOP_GRACE
            for thread in threads:
                thread.join(max(0.0, deadline - time.perf_counter()))
            raise
        if errors:
            raise errors[0]
        if progress is not None:
            progress(self.tally, schedule, epoch, time.perf_counter() - start, final=True)

    def _report(self, schedule, epoch, elapsed, progress):
        tally = self.tally
        if progress is not None:
            progress(tally, schedule, epoch, elapsed, final=False)
        else:
            total, unit = schedule.measure()
            if total is not None:
                done = 100.0 * (tally.raw_words if unit == "words" else tally.examples) / total
                logger.info("EPOCH %i - PROGRESS: at %.2f%% %s, %.0f words/s", epoch, done, unit,
                            tally.effective_words / max(elapsed, 1e-9))


def _seed_for(seed, worker, stream=0):
    """Independent, reproducible RNG streams per worker and per ``train()`` call (`stream`),
    derived from the model seed; stream 0 is the first call's."""
    draw, _ = _inner.next_random((seed * FNV_PRIME + worker) & UINT64_MASK)
    if stream:
        draw, _ = _inner.next_random((draw ^ (stream * GOLDEN_GAMMA)) & UINT64_MASK)
    return draw
