"""Where a phrase model's sentences come from and where phrased ones go.

In: token lists, or corpus files (a path or URI, or a corpus class that reads files) that the
compiled reader reads itself (:func:`count`). Out: a corpus phrased lazily
(:class:`PhrasedCorpus`, what ``model[corpus]`` returns), or a phrased corpus file written
atomically (:func:`write_phrased`, behind ``phrase_file``), its output checked before any work
(:func:`check_target`).

Plain local files of ``LineSentence`` sentences (a line a sentence) are phrased by several
threads at once (``workers``, :func:`split_runs`): the files laid end to end are cut into one
run of bytes per thread, each thread takes the lines that start in its run, writing the first
run's lines to the output and each other run's to a temporary file in the output's folder,
appended in order at the end. Counting stays one ordered stream (split between threads, each
thread must insert most of the corpus' distinct keys into a table of its own and the tables must
then be merged, which on the benchmark corpus took longer than one thread counting it all); it
takes a second thread only to count one batch while the next is read (:func:`counting_threads`,
``_phrase_count.PhraseCounter``).

>>> corpus_files("corpus.txt")
[('corpus.txt', True, 10000)]
>>> corpus_files([["a", "b"]]) is None
True
"""
import collections
import contextlib
import os
import shutil
import tempfile
import threading

import smart_open

from w2vlib import _compressed, _phrase_apply, _phrase_write, _shards
from w2vlib._atomic import atomic_open, local_path
from w2vlib._parallel import run_parts, usable_cpus
from w2vlib._progress import ByteCounter, make_meter
from w2vlib._reader import MAX_WORDS_IN_BATCH
from w2vlib.corpora import LineSentence, Text8Corpus

#: What ``phrase_file`` reports: sentences written, words read, phrases joined.
PhraseFileReport = collections.namedtuple("PhraseFileReport", "sentences words phrases")
#: A corpus of fewer bytes is read by one thread (starting more does not pay).
PARALLEL_MIN_BYTES = 1 << 22
#: Bytes copied at a time when a run's temporary output is appended to the output.
COPY_BYTES = 1 << 20


def corpus_files(sentences):
    """The files compiled code can read for `sentences`: ``[(path, line_mode,
    max_sentence_length)]`` for a path (a ``LineSentence`` file) or a corpus class that reads
    files, None for any other iterable."""
    if isinstance(sentences, (str, os.PathLike)):
        return [(os.fspath(sentences), True, MAX_WORDS_IN_BATCH)]
    file_sources = getattr(sentences, "_file_sources", None)
    return file_sources() if file_sources is not None else None


def _open(path):
    local = local_path(path)
    if local is not None and not os.path.exists(local):
        raise FileNotFoundError(f"{path}: no such corpus file")
    return smart_open.open(path, "rb")


def _read_each(sources, progress, what, read):
    """Call ``read(fileobj, line_mode, max_sentence_length)`` on each source opened in turn (a
    damaged compressed stream is a ValueError naming it), counting the bytes read on one
    meter; returns the results."""
    sizes = [os.path.getsize(local_path(p)) for p, _, _ in sources
             if local_path(p) is not None and os.path.isfile(local_path(p))]
    meter = make_meter(progress, what, sum(sizes) if len(sizes) == len(sources) else None, "B")
    done, results = 0, []
    try:
        for path, line_mode, max_length in sources:
            with _compressed.located(path), _open(path) as fin:
                reader = fin if meter is None else ByteCounter(fin, meter, done)
                results.append(read(reader, line_mode, max_length))
                if meter is not None:
                    done = reader.count
    finally:
        if meter is not None:
            meter.close()
    return results


def split_runs(sources, workers):
    """`sources` cut into one run of byte ranges per thread, each ``[path, max_sentence_length,
    start, end]``; None when one thread must read them: `workers` is 1, a file is not plain
    and local, its sentences run across lines (``Text8Corpus``), or the files hold fewer than
    :data:`PARALLEL_MIN_BYTES`.

    Parameters
    ----------
    sources : list of tuple
        ``(path, line_mode, max_sentence_length)`` per file (:func:`corpus_files`).
    workers : int or None
        Threads (None: the CPUs this process may use).
    """
    workers = usable_cpus() if workers is None else workers
    if workers == 1 or not all(line_mode and _shards.splittable(path)
                               for path, line_mode, _ in sources):
        return None
    spans = [(path, max_length, 0, os.path.getsize(path)) for path, _, max_length in sources]
    if sum(end for *_, end in spans) < PARALLEL_MIN_BYTES:
        return None
    return [run for run in _shards.cut(spans, workers) if run]


class _Tally:
    """The bytes the runs have read, on one meter (or nowhere)."""

    def __init__(self, meter):
        self.meter, self.done, self.lock = meter, 0, threading.Lock()

    def add(self, nbytes):
        if self.meter is not None:
            with self.lock:
                self.done += nbytes
                self.meter.update(self.done)


class _RunReader:
    """A run's binary file: each read counted on the job's tally, after a ``check()`` that the
    run's work still matters (:func:`w2vlib._parallel.run_parts`)."""

    def __init__(self, fileobj, tally, check):
        self._fileobj, self._tally, self._check = fileobj, tally, check

    def readinto(self, buffer):
        self._check()
        got = self._fileobj.readinto(buffer) or 0
        self._tally.add(got)
        return got

    def __getattr__(self, name):
        return getattr(self._fileobj, name)


def _run_each(runs, progress, what, work):
    """``work(k, run, read)`` for each run in a thread of its own, where ``read(path)`` is a
    context manager giving the run's view of a file; returns what each gave, in run order."""
    meter = make_meter(progress, what, sum(end - start for run in runs
                                           for *_, start, end in run), "B")
    tally = _Tally(meter)

    def one(k, check):
        @contextlib.contextmanager
        def read(path):
            with _open(path) as fileobj:
                yield _RunReader(fileobj, tally, check)
        return work(k, runs[k], read)

    try:
        return run_parts(one, len(runs))
    finally:
        if meter is not None:
            meter.close()


def counting_threads(workers):
    """The threads a ``PhraseCounter`` uses for `workers` (None: the CPUs this process may
    use): 2, one reading and one counting, when there are two or more; else 1."""
    return 1 if (usable_cpus() if workers is None else workers) == 1 else 2


def count(counter, sentences, progress, progress_per):
    """Count `sentences` (token lists, a path or a corpus class reading files) with a
    ``_phrase_count.PhraseCounter``; files are read by the compiled reader."""
    if isinstance(sentences, bytes):
        raise TypeError("sentences must be token lists or a path, not bytes")
    sources = corpus_files(sentences)
    if sources is not None:
        _read_each(sources, progress, "counting phrases", counter.count_file)
    else:
        counter.count_sentences(_metered(sentences, progress, progress_per))


def _metered(sentences, progress, every):
    """`sentences`, reporting the sentences taken to a meter every `every` of them (nothing
    when `progress` is False)."""
    meter = make_meter(progress, "counting phrases", None, "sentences")
    if meter is None:
        return sentences

    def counted():
        done = 0
        try:
            for done, sentence in enumerate(sentences, 1):
                if done % every == 0:
                    meter.update(done)
                yield sentence
        finally:
            meter.update(done)
            meter.close()
    return counted()


class PhrasedCorpus:
    """A corpus phrased on the fly: ``model[corpus]`` (gensim's ``TransformedCorpus``).

    Each iteration goes over `corpus` again (so a restartable corpus gives a restartable
    result) and yields its sentences with their phrases joined; compiled code decides a batch
    of up to ``_phrase_apply.BATCH_WORDS`` tokens at a time.
    """

    def __init__(self, model, corpus):
        self.model, self.corpus = model, corpus

    def __iter__(self):
        detector = self.model._detector()
        if detector is None:
            return (self.model[sentence] for sentence in self.corpus)
        return _phrase_apply.phrase_sentences(detector, self.corpus)

    def __len__(self):
        return len(self.corpus)

    def __getitem__(self, docno):
        if not hasattr(self.corpus, "__getitem__"):
            raise RuntimeError(f"Type {type(self.corpus)} does not support slicing.")
        return self.model[self.corpus[docno]]


def check_target(target, sources):
    """Refuse, before any work, to write `target`: a folder that does not exist, a folder as
    the file, or one of the input files `sources`."""
    if not isinstance(target, (str, os.PathLike)):
        raise TypeError(f"the output must be a path, got {type(target).__name__}")
    local = local_path(target)
    if local is None:
        return
    folder = os.path.dirname(os.path.abspath(local))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{target}: folder {folder} does not exist")
    if os.path.isdir(local):
        raise IsADirectoryError(f"{target} is a folder; name the file to write")
    for path, _, _ in sources:
        source = local_path(path)
        if source is None:
            continue
        same = os.path.realpath(source) == os.path.realpath(local) or (
            os.path.exists(local) and os.path.exists(source) and os.path.samefile(source, local))
        if same:
            raise ValueError(f"{target} is the input corpus {path}: write to another file")


def write_phrased(model, source, target, progress, workers=None):
    """``model.phrase_file(source, target, progress, workers)`` (see there)."""
    sources = corpus_files(source)
    if sources is None:
        raise TypeError("phrase_file reads a corpus file (a path, or a LineSentence, "
                        "PathLineSentences or Text8Corpus); for token lists use model[corpus]")
    check_target(target, sources)
    detector = model._detector()
    runs = split_runs(sources, workers)
    if detector is None or detector.kind == _phrase_apply.KIND_PYTHON or local_path(target) is None:
        runs = None           # a Python scorer holds the GIL; a remote output is one stream
    with atomic_open(target, "wb") as fout:
        if detector is None:
            counts = [_write_reference(model, path, line_mode, max_length, fout)
                      for path, line_mode, max_length in sources]
        elif runs is not None:
            counts = _write_runs(model, runs, target, fout, progress)
        else:
            counts = _read_each(sources, progress, "phrasing", lambda reader, line_mode, max_length:
                                _phrase_write.phrase_file(detector, reader, fout.write, line_mode,
                                                          max_length))
    return PhraseFileReport(*(sum(column) for column in zip(*counts)))


def _write_runs(model, runs, target, fout, progress):
    """The runs phrased by threads: the first into `fout`, the others into temporary files in
    `target`'s folder, appended to `fout` in order. Returns each run's counts."""
    detectors = [model._detector() for _ in runs]        # one each: a detector has buffers
    folder = os.path.dirname(os.path.abspath(local_path(target)))

    def work(k, run, read):
        out = fout if k == 0 else tempfile.TemporaryFile(dir=folder, prefix=".w2vlib-phrases-")
        counts = [0, 0, 0]
        try:
            for path, max_length, start, end in run:
                with _compressed.located(path), read(path) as fin:
                    got = _phrase_write.phrase_file(detectors[k], fin, out.write, True, max_length,
                                                    start=start, end=end)
                counts = [a + b for a, b in zip(counts, got)]
        except BaseException:
            if out is not fout:
                out.close()
            raise
        return out, counts

    done = []
    try:
        done = _run_each(runs, progress, "phrasing", work)
        for out, _ in done[1:]:
            out.seek(0)
            shutil.copyfileobj(out, fout, COPY_BYTES)
    finally:
        for out, _ in done[1:]:
            out.close()
    return [counts for _, counts in done]


def _write_reference(model, path, line_mode, max_length, fout):
    """write_phrased's Python loop (a model whose class has its own score_candidate)."""
    corpus = (LineSentence if line_mode else Text8Corpus)(path, max_length)
    sentences = words = phrases = 0
    for sentence in corpus:
        pairs = list(model.analyze_sentence(sentence))
        fout.write((" ".join(token for token, _ in pairs) + "\n").encode("utf8"))
        sentences, words = sentences + 1, words + len(sentence)
        phrases += sum(score is not None for _, score in pairs)
    return sentences, words, phrases
