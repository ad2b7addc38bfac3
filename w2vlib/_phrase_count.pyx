# cython: language_level=3
"""Counting unigrams and bigrams for :class:`w2vlib.phrases.Phrases`, without the GIL.

gensim's ``Phrases._learn_vocab``, compiled. Each token that is not a connector word counts
once as a unigram, and, when a candidate phrase is open, once more as the bigram that joins the
open token, the connector words seen since, and itself with the delimiter
(``new_york``, ``bank_of_america``); it then opens the next candidate. Connector words are
counted in the corpus' word total only. Keys go into a :class:`~w2vlib._phrase_tables.KeyTable`
as UTF-8 bytes, the way gensim keys its dict. After each sentence, when the table holds more than
``max_vocab_size`` keys, those counted fewer than ``min_reduce`` times are dropped and
``min_reduce`` grows by one (gensim's ``utils.prune_vocab``), so memory stays bounded by
``max_vocab_size`` keys plus one sentence's.

Files are read by the compiled scanner of :mod:`w2vlib._reader` (sentences as
``LineSentence`` or ``Text8Corpus`` makes them, empty lines skipped); token lists go through
:class:`w2vlib._tokens.TokenRuns` in batches. Either way the counting itself runs without the
GIL.

>>> import io
>>> from w2vlib._phrase_tables import KeyTable
>>> from w2vlib._reader import VocabIndex
>>> table = KeyTable()
>>> counter = PhraseCounter(table, VocabIndex(["of"]), b"_", max_vocab_size=100)
>>> counter.count_sentences([["bank", "of", "america"], ["bank"]])
>>> dict(table.items())
{'bank': 2, 'america': 1, 'bank_of_america': 1}
>>> counter.count_file(io.BytesIO(b"new york\\n\\nnew york city\\n"))
>>> table["new_york"], counter.total_words, counter.sentences, counter.min_reduce
(2, 9, 4, 1)
"""
import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait

import cython
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memmove
from w2vlib._phrase_tables cimport KeyTable, prune_counts
from w2vlib._reader cimport (BATCH_FULL, DONE, BAD_UTF8, EMPTY, NEED_DATA, NO_MEMORY, TOO_LONG, Record,
                             StrTable, VocabIndex, _Scanner, find_slot, hash_bytes,
                             prefetch_record, prefetch_slot, reserve, slot_record, table_insert,
                             utf8_valid)
from w2vlib._reader import DEFAULT_CHUNK_BYTES, MAX_TOKEN_BYTES, MAX_WORDS_IN_BATCH
from w2vlib._tokens cimport TokenRuns

logger = logging.getLogger("w2vlib")

#: Tokens (and at most as many sentences) taken from an iterable per batch.
BATCH_WORDS = MAX_WORDS_IN_BATCH
cdef int64_t MAX_TOKEN = MAX_TOKEN_BYTES
#: First capacity of the growable buffers (bytes or items; they double as needed).
cdef int64_t FIRST_CAPACITY = 1024
#: Keys are counted in batches of about this many bytes (or FLUSH_KEYS keys), whole sentences.
cdef int64_t FLUSH_BYTES = 1 << 18
cdef int64_t FLUSH_KEYS = 1 << 15
# How many keys ahead the counting loop prefetches a key's slot, then its record.
cdef int64_t AHEAD_SLOT = 16
cdef int64_t AHEAD_RECORD = 8


@cython.final
cdef class _KeyBatch:
    """Keys to count, in corpus order: the keys end to end with their offsets and hashes, and
    the key index at which each sentence ends (where pruning may happen)."""
    cdef unsigned char* keys
    cdef int64_t keys_len, keys_cap
    cdef int64_t* key_offs
    cdef uint64_t* key_hash
    cdef int64_t n_keys, key_cap
    cdef int64_t* sentence_ends
    cdef int64_t n_ends, ends_cap

    def __cinit__(self):
        self.keys_cap = self.key_cap = self.ends_cap = FIRST_CAPACITY
        self.keys = <unsigned char*>malloc(self.keys_cap)
        self.key_offs = <int64_t*>malloc((self.key_cap + 1) * sizeof(int64_t))
        self.key_hash = <uint64_t*>malloc(self.key_cap * sizeof(uint64_t))
        self.sentence_ends = <int64_t*>malloc(self.ends_cap * sizeof(int64_t))
        if (self.keys == NULL or self.key_offs == NULL or self.key_hash == NULL
                or self.sentence_ends == NULL):
            raise MemoryError("cannot allocate the phrase counter")
        self.key_offs[0] = 0

    def __dealloc__(self):
        free(self.keys)
        free(self.key_offs)
        free(self.key_hash)
        free(self.sentence_ends)

    cdef int emit(self, const unsigned char* p, int64_t n, uint64_t h) noexcept nogil:
        """Add key ``p[:n]`` (hash `h`); -1 when out of memory."""
        cdef int64_t slots = self.key_cap + 1
        if (reserve(<void**>&self.keys, &self.keys_cap, self.keys_len + n, 1) < 0
                or reserve(<void**>&self.key_offs, &slots, self.n_keys + 2, sizeof(int64_t)) < 0
                or reserve(<void**>&self.key_hash, &self.key_cap, self.n_keys + 1,
                            sizeof(uint64_t)) < 0):
            return -1
        if n:
            memcpy(self.keys + self.keys_len, p, n)
        self.keys_len += n
        self.key_hash[self.n_keys] = h
        self.n_keys += 1
        self.key_offs[self.n_keys] = self.keys_len
        return 0

    cdef int end_sentence(self) noexcept nogil:
        """Mark a sentence end; 1 when the batch is now full, 0 when not, -1 out of memory."""
        if reserve(<void**>&self.sentence_ends, &self.ends_cap, self.n_ends + 1,
                    sizeof(int64_t)) < 0:
            return -1
        self.sentence_ends[self.n_ends] = self.n_keys
        self.n_ends += 1
        return self.keys_len >= FLUSH_BYTES or self.n_keys >= FLUSH_KEYS


@cython.final
cdef class PhraseCounter:
    """Unigram and bigram counts of a stream of sentences, added to `table`.

    Parameters
    ----------
    table : KeyTable
        Where the counts go (a count table).
    connectors : VocabIndex
        The connector words.
    delimiter : bytes
        The delimiter as UTF-8.
    max_vocab_size : int
        Prune (gensim's rule) when the table holds more keys than this after a sentence.
    progress_per : int
        Log a progress line about every this many sentences.
    threads : int
        1: read and count in the calling thread. 2: read in the calling thread while a second
        thread counts the previous batch (the table sees the same keys in the same order, so the
        counts, the pruning and ``min_reduce`` are those of one thread).

    One counter is one stream: the files and iterables counted one after another share the
    word total, the sentence count and ``min_reduce`` (which starts at 1).

    The keys to count (a token, then the bigram it closes) are first written to a batch, whole
    sentences at a time with their hashes; the batch is then counted in order, each key's slot and
    record prefetched a few keys ahead, so that the cache misses of a large table overlap instead
    of following one another. Pruning happens at the same sentence ends as in a
    key-by-key count.
    """
    cdef KeyTable target
    cdef StrTable* t
    cdef VocabIndex connectors
    cdef bytes delimiter
    cdef const unsigned char* delim
    cdef int64_t delim_len
    # the open candidate: its first token, then delimiter + connector word for each one since
    cdef unsigned char* pending
    cdef int64_t pending_len, pending_cap
    cdef bint has_start
    # the batch being filled, and (with two threads) the one the counting thread counts
    cdef _KeyBatch batch, spare
    cdef readonly bint pipelined
    cdef object _pool, _counting    # the counting thread, and the future of its batch
    cdef readonly long long total_words, sentences, min_reduce
    cdef long long max_vocab_size, progress_per, next_report

    def __cinit__(self, KeyTable table not None, VocabIndex connectors not None, bytes delimiter,
                  long long max_vocab_size, long long progress_per=10000, int threads=1):
        if table.scores:
            raise TypeError("PhraseCounter needs a count table")
        if threads not in (1, 2):
            raise ValueError(f"threads must be 1 or 2, got {threads}")
        self.target, self.t, self.connectors = table, &table.table, connectors
        self.delimiter, self.delim, self.delim_len = delimiter, delimiter, len(delimiter)
        self.max_vocab_size, self.progress_per = max_vocab_size, max(progress_per, 1)
        self.min_reduce, self.next_report = 1, 0
        self.pipelined = threads == 2
        self.batch, self.spare = _KeyBatch(), _KeyBatch()
        self.pending_cap = FIRST_CAPACITY
        self.pending = <unsigned char*>malloc(self.pending_cap)
        if self.pending == NULL:
            raise MemoryError("cannot allocate the phrase counter")

    def __dealloc__(self):
        free(self.pending)

    cdef int _append(self, const unsigned char* p, int64_t n) noexcept nogil:
        """Append the delimiter and ``p[:n]`` to the pending candidate; -1 when out of memory."""
        if reserve(<void**>&self.pending, &self.pending_cap,
                    self.pending_len + self.delim_len + n, 1) < 0:
            return -1
        memcpy(self.pending + self.pending_len, self.delim, self.delim_len)
        if n:
            memcpy(self.pending + self.pending_len + self.delim_len, p, n)
        self.pending_len += self.delim_len + n
        return 0

    cdef int token(self, const unsigned char* p, int64_t n) noexcept nogil:
        """Take one token (valid UTF-8); 0, or NO_MEMORY."""
        cdef uint64_t h = hash_bytes(p, n)
        cdef StrTable* connectors = &self.connectors.table
        self.total_words += 1
        if (n <= connectors.max_len
                and connectors.slots[find_slot(connectors, p, n, h)].ref != EMPTY):
            if self.has_start and self._append(p, n) < 0:
                return NO_MEMORY
            return 0
        if self.batch.emit(p, n, h) < 0:
            return NO_MEMORY
        if self.has_start:
            if (self._append(p, n) < 0
                    or self.batch.emit(self.pending, self.pending_len,
                                       hash_bytes(self.pending, self.pending_len)) < 0):
                return NO_MEMORY
            memmove(self.pending, self.pending + self.pending_len - n, n)
        else:
            if reserve(<void**>&self.pending, &self.pending_cap, n, 1) < 0:
                return NO_MEMORY
            if n:
                memcpy(self.pending, p, n)
        self.pending_len = n
        self.has_start = True
        return 0

    cdef int end_sentence(self) noexcept nogil:
        """Close the sentence; 0, NO_MEMORY, or (two threads) BATCH_FULL: the batch is ready to
        be handed to the counting thread (:meth:`_hand_over`)."""
        cdef int full
        self.has_start = False
        self.sentences += 1
        full = self.batch.end_sentence()
        if full < 0:
            return NO_MEMORY
        if not full:
            return 0
        if self.pipelined:
            return BATCH_FULL
        return self._count(self.batch)

    cdef int _sentence_done(self) noexcept nogil:
        """gensim's check after a sentence: prune when over max_vocab_size; -1 out of memory."""
        if self.t.n > self.max_vocab_size:
            if prune_counts(self.t, self.min_reduce) < 0:
                return -1
            self.target.version += 1
            self.min_reduce += 1
        return 0

    cdef int _count(self, _KeyBatch batch) noexcept nogil:
        """Count `batch` in order, pruning at its sentence ends, and empty it; 0, or
        NO_MEMORY."""
        cdef StrTable* t = self.t
        cdef int64_t j, s = 0, n = batch.n_keys, start, length
        cdef uint64_t h, slot
        cdef Record* r
        for j in range(n):
            while s < batch.n_ends and batch.sentence_ends[s] == j:
                if self._sentence_done() < 0:
                    return NO_MEMORY
                s += 1
            if j + AHEAD_SLOT < n:
                prefetch_slot(t, batch.key_hash[j + AHEAD_SLOT])
            if j + AHEAD_RECORD < n:
                prefetch_record(t, batch.key_hash[j + AHEAD_RECORD])
            start, length = batch.key_offs[j], batch.key_offs[j + 1] - batch.key_offs[j]
            h = batch.key_hash[j]
            slot = find_slot(t, batch.keys + start, length, h)
            if t.slots[slot].ref != EMPTY:
                r = slot_record(t, slot)
            else:
                r = table_insert(t, slot, batch.keys + start, length, h)
                if r == NULL:
                    return NO_MEMORY
                self.target.version += 1
            r.value.count += 1
        while s < batch.n_ends:
            if self._sentence_done() < 0:
                return NO_MEMORY
            s += 1
        batch.n_keys = batch.keys_len = batch.n_ends = 0
        return 0

    # ---- the counting thread (two threads): one batch counted while the next one fills

    cdef int _begin(self) except -1:
        self.target.begin_write()
        if self.pipelined:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="w2vlib-phrase-count")
        return 0

    cdef int _hand_over(self) except -1:
        """Wait for the counting thread's batch, then give it the full one and fill the other."""
        self._wait()
        self.batch, self.spare = self.spare, self.batch
        self._counting = self._pool.submit(self._count_spare)
        return 0

    def _count_spare(self):
        """(In the counting thread.) Count the batch handed over; the status."""
        cdef int status
        with nogil:
            status = self._count(self.spare)
        return status

    cdef int _wait(self) except -1:
        """Wait for the counting thread's batch, raising its failure."""
        if self._counting is not None:
            counting, self._counting = self._counting, None
            if counting.result():
                raise MemoryError("cannot grow the phrase table")
        return 0

    cdef int _end_stream(self) except -1:
        """The stream is read: count the last batch."""
        cdef int status
        if self.pipelined:
            self._hand_over()
            self._wait()
        else:
            with nogil:
                status = self._count(self.batch)
            if status:
                raise MemoryError("cannot grow the phrase table")
        return 0

    cdef int _end(self) except -1:
        """After the stream, or when it failed: the counting thread done and gone (its failure
        is not raised here), the table open to readers."""
        if self._pool is not None:
            pool, counting, self._pool, self._counting = self._pool, self._counting, None, None
            if counting is not None:
                futures_wait([counting])
            pool.shutdown()
        self.target.end_write()
        return 0

    cdef void _report(self):
        if self.sentences >= self.next_report:
            logger.info("PROGRESS: at sentence #%i, processed %i words and %i word types",
                        self.sentences, self.total_words, self.t.n)
            self.next_report = (self.sentences // self.progress_per + 1) * self.progress_per

    def count_sentences(self, sentences):
        """Count an iterable of token lists (each a list of str)."""
        cdef TokenRuns runs = TokenRuns()
        cdef bint more = True
        cdef int status = 0
        cdef Py_ssize_t k, i
        iterator = iter(sentences)
        self._begin()
        try:
            while more:
                self._report()
                more = runs.fill(iterator, BATCH_WORDS, BATCH_WORDS)
                k = 0
                while True:
                    with nogil:
                        while k < runs.n_sentences:
                            for i in range(runs.starts[k], runs.starts[k + 1]):
                                status = self.token(runs.ptrs[i], runs.lens[i])
                                if status:
                                    break
                            k += 1
                            status = status or self.end_sentence()
                            if status:
                                break
                    if status == BATCH_FULL:
                        status = 0
                        self._hand_over()
                    elif status:
                        raise MemoryError("cannot grow the phrase table")
                    else:
                        break
                runs.clear()
            self._end_stream()
        finally:
            self._end()
        self._report()

    def count_file(self, fileobj, bint line_mode=True,
                   long long max_sentence_length=MAX_WORDS_IN_BATCH,
                   Py_ssize_t chunk_bytes=DEFAULT_CHUNK_BYTES):
        """Count a binary file object from its current position to the end.

        Sentences are cut as by ``LineSentence`` (``line_mode``) or ``Text8Corpus``, as in
        :func:`w2vlib._reader.count_words`. A token that is not UTF-8 or is longer than
        ``MAX_TOKEN_BYTES`` raises ValueError naming the file and the byte offset.
        """
        cdef _FileCount scan = _FileCount.__new__(_FileCount)
        cdef int status
        scan.counter = self
        scan._setup(fileobj, 0, -1, max_sentence_length, line_mode, chunk_bytes)
        self._begin()
        try:
            while True:
                with nogil:
                    status = scan._scan()
                if status == NEED_DATA:
                    self._report()
                    scan._refill()
                elif status == BATCH_FULL:
                    self._hand_over()
                elif status == DONE:
                    break
                else:
                    scan._fail(status, "the phrase table")
            self._end_stream()
        finally:
            self._end()
        self._report()


@cython.final
cdef class _FileCount(_Scanner):
    """The scanner's tokens and sentence ends handed to a PhraseCounter."""
    cdef PhraseCounter counter

    cdef void _on_token(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t at) noexcept nogil:
        cdef int status
        if n > MAX_TOKEN:
            status = TOO_LONG
        elif not utf8_valid(p, n):
            status = BAD_UTF8
        else:
            status = self.counter.token(p, n)
        if status:
            self.stop = status
            self.error_at = self.file_pos + at

    cdef void _end_sentence(self) noexcept nogil:
        cdef int status
        if self.sent_raw > 0:
            status = self.counter.end_sentence()
            if status:
                self.stop = status
        self.sent_raw = 0
