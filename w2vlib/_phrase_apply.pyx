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

The module applies a detector to token lists (:func:`phrase_sentences` and friends);
:mod:`w2vlib._phrase_write` applies one to a corpus file, :mod:`w2vlib._phrase_export` to a
model's own counts (``export_phrases`` and ``freeze``).

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
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memchr, memcpy
from w2vlib._phrase_tables cimport KeyTable
from w2vlib._reader cimport (EMPTY, HASH_MUL, Record, StrTable, VocabIndex, entry_record,
                             find_slot, hash_bytes, prefetch_record, prefetch_slot, reserve,
                             table_find, table_intern)
from w2vlib._reader import MAX_WORDS_IN_BATCH
from w2vlib._tokens cimport TokenRuns

#: How a Detector scores a candidate: gensim's ``original_scorer`` or ``npmi_scorer`` in C, a
#: Python scorer over counts, or the stored score of a frozen model.
KIND_ORIGINAL, KIND_NPMI, KIND_PYTHON, KIND_FROZEN = ORIGINAL, NPMI, PYTHON, FROZEN
#: Tokens (and at most as many sentences) decided per batch of an iterable.
BATCH_WORDS = MAX_WORDS_IN_BATCH
#: A single sentence shorter than this is decided without releasing the GIL (not worth it).
NOGIL_MIN_TOKENS = 256
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


cdef inline uint64_t _pair_code(uint64_t first, uint64_t last) noexcept nogil:
    """One code for the hashes of a phrase's first and last parts (never 0, the empty mark)."""
    return (first ^ (last * HASH_MUL)) | 1


@cython.final
cdef class EndPairs:
    """The (first part, last part) pairs of a frozen model's phrases, split on a one-byte
    delimiter, as a set of 64-bit codes of their hashes.

    A candidate's key can be a phrase only if the first part of its first token and the last
    part of its last token are such a pair: one probe of a small table of integers spares
    building and looking up nearly every key (two different pairs may share a code; the key's
    own lookup then decides). Made once per phrase table (``FrozenPhrases`` keeps it while its
    phrases and delimiter do not change).

    >>> from w2vlib._phrase_tables import KeyTable
    >>> scores = KeyTable(scores=True)
    >>> scores["new_york"], scores["bank_of_america"] = 5.0, 8.0
    >>> pairs = EndPairs(scores, "_")
    >>> len(pairs), pairs.joins("new", "york"), pairs.joins("bank", "america")
    (2, True, True)
    >>> pairs.joins("new_jersey", "york"), pairs.joins("york", "new")
    (True, False)
    """

    def __cinit__(self, KeyTable table not None, str delimiter):
        cdef bytes raw = delimiter.encode("utf-8")
        cdef const StrTable* t = &table.table
        cdef const unsigned char* key
        cdef uint64_t first, last, n_slots = 16
        cdef int64_t n
        cdef int32_t e
        if len(raw) != 1:
            raise ValueError("EndPairs needs a one-byte delimiter")
        self.delimiter = raw[0]
        while n_slots < 2 * <uint64_t>t.n:
            n_slots *= 2
        self.codes = <uint64_t*>calloc(n_slots, sizeof(uint64_t))
        if self.codes == NULL:
            raise MemoryError("cannot allocate the phrase filter")
        self.mask = n_slots - 1
        for e in range(t.n):
            key, n = entry_record(t, e).key, entry_record(t, e).len
            if memchr(key, self.delimiter, n) != NULL:     # no joined key equals another
                self.parts(key, n, hash_bytes(key, n), &first, &last)
                self._add(_pair_code(first, last))

    def __dealloc__(self):
        free(self.codes)

    cdef void _add(self, uint64_t code) noexcept:
        cdef uint64_t i = (code ^ (code >> 29)) & self.mask
        while self.codes[i] != 0 and self.codes[i] != code:
            i = (i + 1) & self.mask
        if self.codes[i] == 0:
            self.codes[i] = code
            self.n += 1

    cdef void parts(self, const unsigned char* p, int64_t n, uint64_t h, uint64_t* first,
                    uint64_t* last) noexcept nogil:
        """The hashes of token ``p[:n]``'s (hash `h`) first and last parts: split on the
        delimiter as ``str.split`` splits, the whole token when it has none."""
        cdef const unsigned char* cut = <const unsigned char*>memchr(p, self.delimiter, n)
        cdef int64_t tail = n - 1
        if cut == NULL:
            first[0] = last[0] = h
            return
        first[0] = hash_bytes(p, cut - p)
        while p[tail] != self.delimiter:
            tail -= 1
        last[0] = hash_bytes(p + tail + 1, n - tail - 1)

    cdef bint may_join(self, uint64_t first, uint64_t last) noexcept nogil:
        """Whether a phrase may start with first part `first` and end with last part `last`."""
        cdef uint64_t code = _pair_code(first, last)
        cdef uint64_t i = (code ^ (code >> 29)) & self.mask
        while self.codes[i] != 0:
            if self.codes[i] == code:
                return True
            i = (i + 1) & self.mask
        return False

    def __len__(self):
        return self.n

    def joins(self, str first, str last):
        """Whether a phrase may join token `first` (its first part) to token `last` (for
        tests)."""
        cdef bytes a = first.encode("utf-8"), b = last.encode("utf-8")
        cdef uint64_t first_part, last_part, unused
        self.parts(a, len(a), hash_bytes(a, len(a)), &first_part, &unused)
        self.parts(b, len(b), hash_bytes(b, len(b)), &unused, &last_part)
        return self.may_join(first_part, last_part)


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
    end_pairs : EndPairs, optional
        For kind FROZEN: the first and last parts of its phrases (a filter made from `table`
        and `delimiter`, whose keys must not have changed since).
    """
    def __cinit__(self, KeyTable table not None, int kind, scorer, double threshold, min_count,
                  corpus_word_count, VocabIndex connectors not None, str delimiter,
                  EndPairs end_pairs=None):
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
        self.connectors, self.delimiter, self.end_pairs = connectors, delimiter, end_pairs
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
        free(self.token_hash)
        free(self.connector)
        free(self.bigram_hash)
        free(self.bigram_at)
        free(self.bigram_len)
        free(self.bigrams)

    cdef int reserve_sentence(self, int64_t n) noexcept nogil:
        """Room for one sentence of `n` tokens in look_ahead's arrays; -1 when out of
        memory."""
        cdef int64_t caps[5]
        if n <= self.sentence_cap:
            return 0
        caps[:] = [self.sentence_cap] * 5      # each array grows from the same capacity
        if (reserve(<void**>&self.token_hash, &caps[0], n, sizeof(uint64_t)) < 0
                or reserve(<void**>&self.connector, &caps[1], n, 1) < 0
                or reserve(<void**>&self.bigram_hash, &caps[2], n, sizeof(uint64_t)) < 0
                or reserve(<void**>&self.bigram_at, &caps[3], n, sizeof(int64_t)) < 0
                or reserve(<void**>&self.bigram_len, &caps[4], n, sizeof(int64_t)) < 0):
            self.failure = OUT_OF_MEMORY
            return -1
        self.sentence_cap = caps[0]
        return 0

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
        if reserve(<void**>&self.key, &self.key_cap, need, 1) < 0:
            self.failure = OUT_OF_MEMORY
            return -1
        for i in range(first, last + 1):
            if i > first:
                memcpy(self.key + at, self.delim, self.delim_len)
                at += self.delim_len
            memcpy(self.key + at, ptrs[i], lens[i])
            at += lens[i]
        self.key_len = at
        return at

    cdef int64_t count(self, const unsigned char* p, int64_t n, uint64_t h) noexcept nogil:
        """The count of key ``p[:n]`` (hash `h`), 0 when absent."""
        cdef const Record* r = table_find(self.t, p, n, h)
        return r.value.count if r != NULL else 0

    cdef int candidate(self, const unsigned char** ptrs, const int64_t* lens, int64_t first,
                       int64_t last, double* score) noexcept nogil:
        """FrozenPhrases' ``score_candidate``: 1 when tokens ``first..last`` form a phrase (its
        score in `score`), 0 when not, -1 on an error."""
        cdef int64_t n = self.build_key(ptrs, lens, first, last)
        cdef const Record* r
        if n < 0:
            return -1
        r = table_find(self.t, self.key, n, hash_bytes(self.key, n))
        score[0] = r.value.score if r != NULL else -INFINITY
        return score[0] > self.threshold

    cdef int64_t decide(self, const unsigned char** ptrs, const int64_t* lens, int64_t n,
                        unsigned char* flags, int64_t* ends, double* scores) noexcept nogil:
        """gensim's ``analyze_sentence`` over tokens ``0..n-1``: ``flags[i]`` is 1 where a phrase
        starts (it ends at token ``ends[i]``, its score is ``scores[i]``), 0 elsewhere. Returns
        the number of phrases, -1 on an error.

        Each token is hashed once, for the connector words and for its count (Phrases: every
        key is looked ahead, see look_ahead) or its parts (FrozenPhrases: a candidate's key is
        built only when its two ends are those of a phrase, see EndPairs)."""
        cdef int64_t start = -1, i, found = 0, count = 0, start_count = 0
        cdef const StrTable* connectors = &self.connectors.table
        cdef uint64_t h, first = 0, last = 0, start_first = 0
        cdef bint counted = self.kind != FROZEN
        cdef int r
        if counted and self.look_ahead(ptrs, lens, n) < 0:
            return -1
        for i in range(n):
            flags[i] = 0
            r = 0
            if counted:
                if self.connector[i]:
                    continue
                count = self.count(ptrs[i], lens[i], self.token_hash[i])
                if start >= 0 and start_count > 0 and count > 0:
                    r = self.counted_candidate(i, start_count, count, &scores[start])
            else:
                h = hash_bytes(ptrs[i], lens[i])
                if (lens[i] <= connectors.max_len and
                        connectors.slots[find_slot(connectors, ptrs[i], lens[i], h)].ref != EMPTY):
                    continue
                if self.end_pairs is not None:
                    self.end_pairs.parts(ptrs[i], lens[i], h, &first, &last)
                if start >= 0 and (self.end_pairs is None
                                   or self.end_pairs.may_join(start_first, last)):
                    r = self.candidate(ptrs, lens, start, i, &scores[start])
            if r < 0:
                return -1
            if r:
                flags[start], ends[start] = 1, i
                found += 1
                start = -1
                continue
            start, start_first, start_count = i, first, count
        return found

    cdef int look_ahead(self, const unsigned char** ptrs, const int64_t* lens,
                        int64_t n) noexcept nogil:
        """For a Phrases model: the candidate at a token is always the previous token that is
        not a connector word, the connector words between and itself, so every key the sentence
        may look up (each token, each bigram ending at a token) is known before the first
        lookup. Hash them and prefetch their slots, then their records, so that the decisions
        find them in cache; -1 when out of memory."""
        cdef int64_t previous = -1, i, at = 0
        cdef const StrTable* connectors = &self.connectors.table
        cdef uint64_t h
        if self.reserve_sentence(n) < 0:
            return -1
        for i in range(n):
            h = self.token_hash[i] = hash_bytes(ptrs[i], lens[i])
            self.connector[i] = (lens[i] <= connectors.max_len and
                                 connectors.slots[find_slot(connectors, ptrs[i], lens[i], h)].ref
                                 != EMPTY)
            if self.connector[i]:
                continue
            prefetch_slot(self.t, h)
            if previous >= 0:
                if (self.build_key(ptrs, lens, previous, i) < 0
                        or reserve(<void**>&self.bigrams, &self.bigrams_cap, at + self.key_len,
                                   1) < 0):
                    self.failure = OUT_OF_MEMORY
                    return -1
                memcpy(self.bigrams + at, self.key, self.key_len)
                self.bigram_at[i], self.bigram_len[i] = at, self.key_len
                at += self.key_len
                self.bigram_hash[i] = hash_bytes(self.key, self.key_len)
                prefetch_slot(self.t, self.bigram_hash[i])
            previous = i
        previous = -1
        for i in range(n):
            if not self.connector[i]:
                prefetch_record(self.t, self.token_hash[i])
                if previous >= 0:
                    prefetch_record(self.t, self.bigram_hash[i])
                previous = i
        return 0

    cdef int counted_candidate(self, int64_t last, int64_t ca, int64_t cb,
                               double* score) noexcept nogil:
        """Phrases' ``score_candidate`` for the candidate ending at token `last` (its key from
        look_ahead; ``ca``, ``cb``: the counts of its two ends, both > 0): 1 when it is a phrase
        (its score in `score`), 0 when not, -1 on an error."""
        cdef int64_t cab = self.count(self.bigrams + self.bigram_at[last], self.bigram_len[last],
                                      self.bigram_hash[last])
        if cab <= 0:
            return 0
        if self.score_counts(ca, cb, cab, score) < 0:
            return -1
        return not score[0] <= self.threshold

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
        """Sentence `k` of the decided batch, its phrases joined (other tokens as they were), a
        new list. The decisions of a sentence number its tokens from 0."""
        cdef list tokens = runs.sentences[k], out
        cdef int64_t first = runs.starts[k], i = 0, n = len(tokens), last
        if memchr(self.flags + first, 1, n) == NULL:
            return tokens          # no phrase: the batch's own copy of the sentence will do
        out = []
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
