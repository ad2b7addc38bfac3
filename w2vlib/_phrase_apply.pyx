# cython: language_level=3
"""Scoring and applying phrases for :mod:`w2vlib.phrases`, without the GIL.

A :class:`Detector` holds what decides whether two tokens (and the connector words between
them) form a phrase: the counts of a ``Phrases`` model and its scorer, or the scores of a
``FrozenPhrases`` model. Its :meth:`Detector.decide` walks one sentence as gensim's
``analyze_sentence`` does: a token that is not a connector word closes the open candidate (the
previous such token and the connector words since), which becomes a phrase when its score is
above the threshold; otherwise the token opens the next candidate. The keys are the tokens'
UTF-8 bytes joined with the delimiter, as gensim joins them.

The built-in scorers are computed in C with the same floating-point operations as gensim's
Python functions (so the scores are the same numbers); a custom scorer is called with the GIL,
once per candidate, as gensim calls it.

The module applies a detector to token lists (:func:`phrase_sentences` and friends), to a corpus
file (:func:`phrase_file`, bytes to bytes), and to a count table (:func:`export_phrases`, what
``Phrases.export_phrases`` and ``freeze`` need).

>>> from w2vlib._phrase_tables import KeyTable
>>> from w2vlib._reader import VocabIndex
>>> scores = KeyTable(scores=True)
>>> scores["new_york"], scores["bank_of_america"] = 12.5, 30.0
>>> frozen = Detector(scores, KIND_FROZEN, None, 10.0, 5, 0, VocabIndex(["of"]), "_")
>>> phrase_sentence(frozen, ["new", "york", "bank", "of", "america", "of"])
['new_york', 'bank_of_america', 'of']
>>> analyze_sentence(frozen, ["to", "new", "york"])
[('to', None), ('new_york', 12.5)]
"""
import cython
from cpython.unicode cimport PyUnicode_Join
from libc.math cimport INFINITY, log
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy
from w2vlib._phrase_tables cimport KeyTable
from w2vlib._reader cimport (DONE, NEED_DATA, NO_MEMORY, OUTPUT_FULL, TOO_LONG, StrTable,
                             VocabIndex, _Scanner, table_intern, table_lookup)
from w2vlib._reader import DEFAULT_CHUNK_BYTES, MAX_TOKEN_BYTES, MAX_WORDS_IN_BATCH
from w2vlib._tokens cimport TokenRuns

cdef enum Kind:
    ORIGINAL = 0
    NPMI = 1
    PYTHON = 2
    FROZEN = 3

#: How a Detector scores a candidate: gensim's ``original_scorer`` or ``npmi_scorer`` in C, a
#: Python scorer over counts, or the stored score of a frozen model.
KIND_ORIGINAL, KIND_NPMI, KIND_PYTHON, KIND_FROZEN = ORIGINAL, NPMI, PYTHON, FROZEN
#: Tokens (and at most as many sentences) decided per batch of an iterable.
BATCH_WORDS = MAX_WORDS_IN_BATCH
#: A single sentence shorter than this is decided without releasing the GIL (not worth it).
NOGIL_MIN_TOKENS = 256
#: The file writer hands its output to Python once it holds this many bytes.
OUTPUT_BYTES = 1 << 20
cdef int64_t OUTPUT_FLUSH = OUTPUT_BYTES
cdef int64_t MAX_TOKEN = MAX_TOKEN_BYTES
cdef int64_t FIRST_CAPACITY = 1024

cdef extern from *:
    """
    /* The product of two counts as Python computes float(a * b): exact, then rounded once. */
    static inline double w2v_exact_product(int64_t a, int64_t b) {
    #ifdef __SIZEOF_INT128__
        return (double)((__int128)a * (__int128)b);
    #else
        return (double)((long double)a * (long double)b);
    #endif
    }
    """
    double exact_product "w2v_exact_product"(int64_t a, int64_t b) noexcept nogil


cdef enum Failure:
    OK = 0
    OUT_OF_MEMORY = 1
    ZERO_DIVISION = 2      # npmi_scorer divides by zero in gensim (corpus_word_count 0, p(ab) 1)
    SCORER_RAISED = 3      # the Python scorer raised; the exception is kept

cdef enum:
    SCORER_FAILED = 100    # the file writer's scan stops on a Failure


cdef int _reserve(void** block, int64_t* cap, int64_t need, size_t item) noexcept nogil:
    """Grow ``block`` (``cap`` items of ``item`` bytes) to hold `need` items; -1 when out of
    memory."""
    cdef int64_t new_cap = cap[0]
    cdef void* grown
    if need <= new_cap:
        return 0
    while new_cap < need:
        new_cap *= 2
    grown = realloc(block[0], new_cap * item)
    if grown == NULL:
        return -1
    block[0], cap[0] = grown, new_cap
    return 0


@cython.final
cdef class Detector:
    """Decides where a sentence's phrases are.

    Parameters
    ----------
    table : KeyTable
        A ``Phrases`` model's counts (kinds ORIGINAL, NPMI, PYTHON) or a ``FrozenPhrases``
        model's scores (kind FROZEN).
    kind : int
        One of the ``KIND_*`` constants.
    scorer : callable or None
        The Python scorer (kind PYTHON), called with gensim's keyword arguments.
    threshold : float
        A candidate is a phrase when its score is above it (``Phrases``: not at or below it, so
        a NaN score is a phrase there, as in gensim).
    min_count : int or float
        Passed to the scorer.
    corpus_word_count : int
        Passed to the scorer.
    connectors : VocabIndex
        The connector words.
    delimiter : str
        Joins the tokens of a phrase.
    """
    cdef KeyTable table
    cdef StrTable* t
    cdef readonly int kind
    cdef object scorer, min_count_obj, corpus_word_count_obj
    cdef object raised                 # the exception the Python scorer raised
    cdef double threshold, min_count, corpus_word_count
    cdef VocabIndex connectors
    cdef str delimiter
    cdef bytes delim_bytes
    cdef const unsigned char* delim
    cdef int64_t delim_len
    cdef unsigned char* key            # the candidate's key, built here
    cdef int64_t key_cap
    cdef int failure
    # one decision per token of a batch: a phrase starts here (flags), ends at (ends), scores
    cdef unsigned char* flags
    cdef int64_t* ends
    cdef double* scores
    cdef int64_t cap

    def __cinit__(self, KeyTable table not None, int kind, scorer, double threshold, min_count,
                  corpus_word_count, VocabIndex connectors not None, str delimiter):
        if kind not in (ORIGINAL, NPMI, PYTHON, FROZEN):
            raise ValueError(f"unknown detector kind {kind}")
        if table.scores != (kind == FROZEN):
            raise TypeError("a frozen detector reads scores, the others counts")
        if kind == PYTHON and not callable(scorer):
            raise TypeError("a Python detector needs a callable scorer")
        self.table, self.t, self.kind, self.scorer = table, &table.table, kind, scorer
        self.threshold = threshold
        self.min_count_obj, self.min_count = min_count, min_count
        self.corpus_word_count_obj, self.corpus_word_count = corpus_word_count, corpus_word_count
        self.connectors, self.delimiter = connectors, delimiter
        self.delim_bytes = delimiter.encode("utf-8")
        self.delim, self.delim_len = self.delim_bytes, len(self.delim_bytes)
        self.key_cap = self.cap = FIRST_CAPACITY
        self.key = <unsigned char*>malloc(self.key_cap)
        self.flags = <unsigned char*>malloc(self.cap)
        self.ends = <int64_t*>malloc(self.cap * sizeof(int64_t))
        self.scores = <double*>malloc(self.cap * sizeof(double))
        if self.key == NULL or self.flags == NULL or self.ends == NULL or self.scores == NULL:
            raise MemoryError("cannot allocate the phrase detector")

    def __dealloc__(self):
        free(self.key)
        free(self.flags)
        free(self.ends)
        free(self.scores)

    cdef int reserve(self, int64_t n) noexcept nogil:
        """Room for the decisions of `n` tokens; -1 when out of memory."""
        cdef int64_t cap = self.cap
        cdef void* grown
        if n <= cap:
            return 0
        while cap < n:
            cap *= 2
        grown = realloc(self.flags, cap)
        if grown != NULL:
            self.flags = <unsigned char*>grown
            grown = realloc(self.ends, cap * sizeof(int64_t))
        if grown != NULL:
            self.ends = <int64_t*>grown
            grown = realloc(self.scores, cap * sizeof(double))
        if grown == NULL:
            return -1
        self.scores = <double*>grown
        self.cap = cap
        return 0

    cdef int fail(self) except -1:
        """Raise the Failure the last decision ran into."""
        failure, self.failure = self.failure, OK
        if failure == OUT_OF_MEMORY:
            raise MemoryError("cannot grow the phrase detector")
        if failure == ZERO_DIVISION:
            raise ZeroDivisionError("float division by zero (npmi_scorer with a corpus_word_count "
                                    "of 0, or a bigram as frequent as all words)")
        raised, self.raised = self.raised, None
        raise raised

    cdef int score_counts(self, int64_t ca, int64_t cb, int64_t cab, double* out) noexcept nogil:
        """The scorer's value for counts ``ca``, ``cb`` (the two ends) and ``cab`` (the phrase);
        -1 with ``failure`` set on an error."""
        cdef double pa, pb, pab, denominator
        if self.kind == ORIGINAL:
            # gensim: (bigram_count - min_count) / float(worda_count * wordb_count) * len_vocab,
            # the product exact (Python ints) before its one rounding to a float
            denominator = exact_product(ca, cb)
            if denominator == 0:
                out[0] = -INFINITY
            else:
                out[0] = (<double>cab - self.min_count) / denominator * <double>self.t.n
            return 0
        if self.kind == NPMI:
            if not <double>cab >= self.min_count:
                out[0] = -INFINITY
                return 0
            if self.corpus_word_count == 0:
                self.failure = ZERO_DIVISION
                return -1
            pa = ca / self.corpus_word_count
            pb = cb / self.corpus_word_count
            pab = cab / self.corpus_word_count
            if pa * pb == 0 or pab == 1:
                self.failure = ZERO_DIVISION
                return -1
            if pab / (pa * pb) <= 0 or pab <= 0:    # gensim: math.log's ValueError, "never"
                out[0] = -INFINITY
            else:
                out[0] = log(pab / (pa * pb)) / -log(pab)
            return 0
        return self._python_score(ca, cb, cab, out)

    cdef int _python_score(self, int64_t ca, int64_t cb, int64_t cab, double* out) noexcept nogil:
        with gil:
            try:
                out[0] = float(self.scorer(worda_count=ca, wordb_count=cb, bigram_count=cab,
                                           len_vocab=self.t.n, min_count=self.min_count_obj,
                                           corpus_word_count=self.corpus_word_count_obj))
                return 0
            except BaseException as err:
                self.raised, self.failure = err, SCORER_RAISED
                return -1

    cdef int64_t build_key(self, const unsigned char** ptrs, const int64_t* lens, int64_t first,
                           int64_t last) noexcept nogil:
        """Join tokens ``first..last`` with the delimiter into ``key``; its length, or -1 when
        out of memory."""
        cdef int64_t need = 0, at = 0, i
        for i in range(first, last + 1):
            need += lens[i] + (self.delim_len if i > first else 0)
        if _reserve(<void**>&self.key, &self.key_cap, need, 1) < 0:
            self.failure = OUT_OF_MEMORY
            return -1
        for i in range(first, last + 1):
            if i > first:
                memcpy(self.key + at, self.delim, self.delim_len)
                at += self.delim_len
            memcpy(self.key + at, ptrs[i], lens[i])
            at += lens[i]
        return at

    cdef int64_t count(self, const unsigned char* p, int64_t n) noexcept nogil:
        cdef int32_t e = table_lookup(self.t, p, n)
        return self.t.values[e].count if e >= 0 else 0

    cdef int candidate(self, const unsigned char** ptrs, const int64_t* lens, int64_t first,
                       int64_t last, double* score) noexcept nogil:
        """1 when tokens ``first..last`` form a phrase (its score in `score`), 0 when not, -1 on
        an error. gensim's ``score_candidate`` of Phrases or FrozenPhrases."""
        cdef int64_t ca, cb, cab, n
        cdef int32_t e
        if self.kind == FROZEN:
            n = self.build_key(ptrs, lens, first, last)
            if n < 0:
                return -1
            e = table_lookup(self.t, self.key, n)
            score[0] = self.t.values[e].score if e >= 0 else -INFINITY
            return score[0] > self.threshold
        ca = self.count(ptrs[first], lens[first])
        if ca <= 0:
            return 0
        cb = self.count(ptrs[last], lens[last])
        if cb <= 0:
            return 0
        n = self.build_key(ptrs, lens, first, last)
        if n < 0:
            return -1
        cab = self.count(self.key, n)
        if cab <= 0:
            return 0
        if self.score_counts(ca, cb, cab, score) < 0:
            return -1
        return not score[0] <= self.threshold

    cdef int64_t decide(self, const unsigned char** ptrs, const int64_t* lens, int64_t n,
                        unsigned char* flags, int64_t* ends, double* scores) noexcept nogil:
        """gensim's ``analyze_sentence`` over tokens ``0..n-1``: ``flags[i]`` is 1 where a phrase
        starts (it ends at token ``ends[i]``, its score is ``scores[i]``), 0 elsewhere. Returns
        the number of phrases, -1 on an error."""
        cdef int64_t start = -1, i, found = 0
        cdef int r
        for i in range(n):
            flags[i] = 0
            if table_lookup(&self.connectors.table, ptrs[i], lens[i]) >= 0:
                continue
            if start >= 0:
                r = self.candidate(ptrs, lens, start, i, &scores[start])
                if r < 0:
                    return -1
                if r:
                    flags[start], ends[start] = 1, i
                    found += 1
                    start = -1
                    continue
            start = i
        return found

    cdef int decide_runs(self, TokenRuns runs) except -1:
        """Decide every sentence of `runs` (without the GIL unless the scorer is Python or the
        batch is small); the decisions are at the tokens' positions in the batch."""
        cdef int64_t k, first, status = 0
        cdef bint release = self.kind != PYTHON and runs.n_tokens >= NOGIL_MIN_TOKENS
        if self.reserve(runs.n_tokens) < 0:
            raise MemoryError("cannot grow the phrase detector")
        self.table.begin_read()
        try:
            if release:
                with nogil:
                    status = self._decide_all(runs)
            else:
                status = self._decide_all(runs)
        finally:
            self.table.end_read()
        if status < 0:
            self.fail()
        return 0

    cdef int64_t _decide_all(self, TokenRuns runs) noexcept nogil:
        cdef int64_t k, first
        for k in range(runs.n_sentences):
            first = runs.starts[k]
            if self.decide(runs.ptrs + first, runs.lens + first, runs.starts[k + 1] - first,
                           self.flags + first, self.ends + first, self.scores + first) < 0:
                return -1
        return 0

    cdef list phrased(self, TokenRuns runs, Py_ssize_t k):
        """Sentence `k` of the decided batch, its phrases joined (other tokens as they were).
        The decisions of a sentence number its tokens from 0."""
        cdef list tokens = runs.sentences[k], out = []
        cdef int64_t first = runs.starts[k], i = 0, n = len(tokens), last
        while i < n:
            if self.flags[first + i]:
                last = self.ends[first + i]
                out.append(PyUnicode_Join(self.delimiter, tokens[i:last + 1]))
                i = last + 1
            else:
                out.append(tokens[i])
                i += 1
        return out

    cdef list analyzed(self, TokenRuns runs, Py_ssize_t k):
        """Sentence `k` of the decided batch as ``(token or phrase, score or None)`` pairs."""
        cdef list tokens = runs.sentences[k], out = []
        cdef int64_t first = runs.starts[k], i = 0, n = len(tokens), last
        while i < n:
            if self.flags[first + i]:
                last = self.ends[first + i]
                out.append((PyUnicode_Join(self.delimiter, tokens[i:last + 1]),
                            self.scores[first + i]))
                i = last + 1
            else:
                out.append((tokens[i], None))
                i += 1
        return out


def _batches(Detector detector, sentences):
    """Decided batches of `sentences`: ``(runs, number of sentences)`` per batch."""
    cdef TokenRuns runs = TokenRuns()
    cdef bint more = True
    iterator = iter(sentences)
    while more:
        runs.clear()
        more = runs.fill(iterator, BATCH_WORDS, BATCH_WORDS)
        detector.decide_runs(runs)
        yield runs


def phrase_sentences(Detector detector, sentences):
    """Each sentence of the iterable `sentences` with its phrases joined, lazily (a batch of up
    to ``BATCH_WORDS`` tokens is read ahead and decided at once)."""
    cdef TokenRuns runs
    cdef Py_ssize_t k
    for runs in _batches(detector, sentences):
        for k in range(runs.n_sentences):
            yield detector.phrased(runs, k)


def phrase_sentence(Detector detector, sentence):
    """One sentence (an iterable of str) with its phrases joined."""
    cdef TokenRuns runs = TokenRuns()
    runs.add(sentence)
    detector.decide_runs(runs)
    return detector.phrased(runs, 0)


def analyze_sentence(Detector detector, sentence):
    """One sentence as gensim's ``analyze_sentence`` pairs: ``(phrase, score)`` for a phrase,
    ``(token, None)`` for any other token."""
    cdef TokenRuns runs = TokenRuns()
    runs.add(sentence)
    detector.decide_runs(runs)
    return detector.analyzed(runs, 0)


def find_phrases(Detector detector, sentences):
    """gensim's ``find_phrases``: every phrase of `sentences` with its (last) score."""
    cdef TokenRuns runs
    cdef Py_ssize_t k
    cdef dict found = {}
    for runs in _batches(detector, sentences):
        for k in range(runs.n_sentences):
            for token, score in detector.analyzed(runs, k):
                if score is not None:
                    found[token] = score
    return found


cdef int64_t _find(const unsigned char* p, int64_t n, const unsigned char* d, int64_t dn,
                   int64_t start) noexcept nogil:
    """Position of the first ``d[:dn]`` in ``p[start:n]``, -1 if none."""
    cdef int64_t i
    for i in range(start, n - dn + 1):
        if p[i] == d[0] and (dn == 1 or memcmp_eq(p + i, d, dn)):
            return i
    return -1


cdef bint memcmp_eq(const unsigned char* a, const unsigned char* b, int64_t n) noexcept nogil:
    cdef int64_t i
    for i in range(n):
        if a[i] != b[i]:
            return False
    return True


def export_phrases(Detector detector, KeyTable target not None):
    """gensim's ``Phrases.export_phrases`` into `target` (a score table): every key of the
    counts that the delimiter splits into two or more parts, scored as the candidate from its
    first part to its last (the parts between taken as connector words), kept when it is a
    phrase. Returns the number kept."""
    cdef StrTable* t = detector.t
    cdef int64_t status = 0
    if detector.kind == FROZEN or target.scores is False:
        raise TypeError("export_phrases reads counts and writes scores")
    detector.table.begin_read()
    try:
        if detector.kind == PYTHON:
            status = _export(detector, target)
        else:
            target.begin_write()
            try:
                with nogil:
                    status = _export(detector, target)
            finally:
                target.end_write()
    finally:
        detector.table.end_read()
    if status < 0:
        detector.fail()
    return status


cdef int64_t _export(Detector det, KeyTable target) noexcept nogil:
    cdef StrTable* t = det.t
    cdef int32_t e, kept_at
    cdef int64_t start, n, cut, last_start, at, kept = 0, ca, cb, cab
    cdef const unsigned char* key
    cdef double score
    for e in range(t.n):
        key, n = t.arena + t.offs[e], t.offs[e + 1] - t.offs[e]
        cut = _find(key, n, det.delim, det.delim_len, 0)
        if cut < 0:
            continue
        last_start = cut + det.delim_len       # str.split: occurrences left to right, no overlap
        at = _find(key, n, det.delim, det.delim_len, last_start)
        while at >= 0:
            last_start = at + det.delim_len
            at = _find(key, n, det.delim, det.delim_len, last_start)
        ca = det.count(key, cut)
        if ca <= 0:
            continue
        cb = det.count(key + last_start, n - last_start)
        cab = t.values[e].count
        if cb <= 0 or cab <= 0:
            continue
        if det.score_counts(ca, cb, cab, &score) < 0:
            return -1
        if not score <= det.threshold:
            kept_at = table_intern(&target.table, key, n)
            if kept_at < 0:
                det.failure = OUT_OF_MEMORY
                return -1
            target.table.values[kept_at].score = score
            kept += 1
    target.version += 1
    return kept


# ---------------------------------------------------------------- corpus files

@cython.final
cdef class _FileApply(_Scanner):
    """Reads a corpus file, decides each sentence and writes it, phrases joined, as one line."""
    cdef Detector det
    cdef unsigned char* sent           # the open sentence's token bytes, end to end
    cdef int64_t sent_len, sent_cap
    cdef int64_t* tok_off              # token i is sent[tok_off[i]:tok_off[i + 1]]
    cdef const unsigned char** ptrs
    cdef int64_t* lens
    cdef int64_t n_tok, tok_cap
    cdef unsigned char* out
    cdef int64_t out_len, out_cap
    cdef readonly long long sentences, words, phrases
    cdef long long error_at

    def __dealloc__(self):
        free(self.sent)
        free(self.tok_off)
        free(self.ptrs)
        free(self.lens)
        free(self.out)

    cdef int prepare(self, Detector det) except -1:
        self.det = det
        self.sent_cap = self.tok_cap = self.out_cap = FIRST_CAPACITY
        self.sent = <unsigned char*>malloc(self.sent_cap)
        self.tok_off = <int64_t*>malloc((self.tok_cap + 1) * sizeof(int64_t))
        self.ptrs = <const unsigned char**>malloc(self.tok_cap * sizeof(void*))
        self.lens = <int64_t*>malloc(self.tok_cap * sizeof(int64_t))
        self.out = <unsigned char*>malloc(self.out_cap)
        if (self.sent == NULL or self.tok_off == NULL or self.ptrs == NULL or self.lens == NULL
                or self.out == NULL):
            raise MemoryError("cannot allocate the phrase file writer")
        self.tok_off[0] = 0
        return 0

    cdef void _on_token(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t at) noexcept nogil:
        cdef int64_t slots = self.tok_cap + 1
        if n > MAX_TOKEN:
            self.stop, self.error_at = TOO_LONG, self.file_pos + at
            return
        if (_reserve(<void**>&self.sent, &self.sent_cap, self.sent_len + n, 1) < 0
                or _reserve(<void**>&self.tok_off, &slots, self.n_tok + 2, sizeof(int64_t)) < 0):
            self.stop = NO_MEMORY
            return
        memcpy(self.sent + self.sent_len, p, n)
        self.sent_len += n
        self.n_tok += 1
        self.tok_off[self.n_tok] = self.sent_len
        self.words += 1

    cdef int _write(self, const unsigned char* p, int64_t n) noexcept nogil:
        if _reserve(<void**>&self.out, &self.out_cap, self.out_len + n, 1) < 0:
            return -1
        memcpy(self.out + self.out_len, p, n)
        self.out_len += n
        return 0

    cdef void _end_sentence(self) noexcept nogil:
        if self.sent_raw == 0:
            return
        self.sent_raw = 0
        self.stop = self._emit_sentence()
        self.n_tok = self.sent_len = 0

    cdef int _emit_sentence(self) noexcept nogil:
        """Decide the open sentence and write it as a line; 0 or the Status to stop with."""
        cdef int64_t i, j, m, found, cap = self.tok_cap
        if (_reserve(<void**>&self.ptrs, &cap, self.n_tok, sizeof(void*)) < 0
                or _reserve(<void**>&self.lens, &self.tok_cap, self.n_tok, sizeof(int64_t)) < 0
                or self.det.reserve(self.n_tok) < 0):
            return NO_MEMORY
        for i in range(self.n_tok):
            self.ptrs[i] = self.sent + self.tok_off[i]
            self.lens[i] = self.tok_off[i + 1] - self.tok_off[i]
        found = self.det.decide(self.ptrs, self.lens, self.n_tok, self.det.flags, self.det.ends,
                                self.det.scores)
        if found < 0:
            return SCORER_FAILED
        self.phrases += found
        i = 0
        while i < self.n_tok:
            j = self.det.ends[i] if self.det.flags[i] else i
            for m in range(i, j + 1):
                if self._separator(m, i) < 0 or self._write(self.ptrs[m], self.lens[m]) < 0:
                    return NO_MEMORY
            i = j + 1
        if self._write(<const unsigned char*>"\n", 1) < 0:
            return NO_MEMORY
        self.sentences += 1
        return OUTPUT_FULL if self.out_len >= OUTPUT_FLUSH else 0

    cdef int _separator(self, int64_t m, int64_t unit_start) noexcept nogil:
        """What goes before token `m`: nothing first, the delimiter inside a phrase, a space
        between units."""
        if m == 0:
            return 0
        if m > unit_start:
            return self._write(self.det.delim, self.det.delim_len)
        return self._write(<const unsigned char*>" ", 1)


def phrase_file(Detector detector, fileobj, write, bint line_mode=True,
                long long max_sentence_length=MAX_WORDS_IN_BATCH,
                Py_ssize_t chunk_bytes=DEFAULT_CHUNK_BYTES):
    """Read a binary file object and pass its sentences, phrases joined, to ``write(bytes)``:
    one sentence a line, tokens separated by one space.

    Sentences are cut as by ``LineSentence`` (``line_mode``) or ``Text8Corpus``; empty lines are
    left out. Bytes that are not UTF-8 are copied as they are (they never match a key). Returns
    ``(sentences, words, phrases)``.

    Raises
    ------
    ValueError
        For a token longer than ``MAX_TOKEN_BYTES``, naming the file and the byte offset.
    """
    cdef _FileApply scan = _FileApply.__new__(_FileApply)
    cdef int status
    cdef bint release = detector.kind != PYTHON
    scan.prepare(detector)
    scan._setup(fileobj, 0, -1, max_sentence_length, line_mode, chunk_bytes)
    detector.table.begin_read()
    try:
        while True:
            if release:
                with nogil:
                    status = scan._scan()
            else:
                status = scan._scan()
            if status == NEED_DATA:
                scan._refill()
            elif status == OUTPUT_FULL or status == DONE:
                if scan.out_len:
                    write((<char*>scan.out)[:scan.out_len])
                    scan.out_len = 0
                if status == DONE:
                    break
            elif status == NO_MEMORY:
                raise MemoryError("cannot grow the phrase file writer")
            elif status == SCORER_FAILED:
                detector.fail()
            else:
                raise ValueError(f"{scan._name()}: the token at byte offset {scan.error_at} is "
                                 f"longer than {MAX_TOKEN_BYTES} bytes")
    finally:
        detector.table.end_read()
    return scan.sentences, scan.words, scan.phrases
