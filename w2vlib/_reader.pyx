# cython: language_level=3
"""Compiled tokenizer: corpus bytes and token lists to int32 id batches.

Three jobs, all without a Python object per token:

* :class:`FileBatcher` reads a binary file object (or one line-aligned byte range of it) in
  large chunks, splits it on ASCII whitespace and maps tokens to ids through a
  :class:`VocabIndex` (a C hash table) with the GIL released.
* :func:`count_words` counts every token of a file in a growing C hash table, with gensim's
  ``max_vocab_size`` pruning, and builds the Python dict once at the end.
* :func:`sentences_to_ids` is the compiled loop for in-memory token lists.

Batches are CSR-like: ``ids[offsets[k]:offsets[k + 1]]`` is sentence ``k``.

>>> import io
>>> index = VocabIndex(["the", "cat", "sat"])
>>> batcher = FileBatcher(io.BytesIO(b"the cat sat\\n\\nthe dog\\n"), index)
>>> ids, offsets, raw_words = batcher.next_batch()
>>> ids.tolist(), offsets.tolist(), raw_words
([0, 1, 2, 0], [0, 3, 4], 5)
>>> batcher.next_batch() is None
True
"""
cimport cython
from cpython.dict cimport PyDict_GetItemWithError
from cpython.ref cimport PyObject
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport int32_t, uint64_t, INT32_MAX
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove

import numpy as np

cdef Py_ssize_t MAX_TOKEN = 1 << 24

DEFAULT_CHUNK_BYTES = 1 << 20
"""Bytes requested from the file object per read."""
MAX_TOKEN_BYTES = MAX_TOKEN
"""Longest token :func:`count_words` accepts (16 MiB); a longer one raises ValueError."""
MAX_WORDS_IN_BATCH = 10000
"""Default ``batch_words`` and ``max_sentence_length`` (gensim's value)."""
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2
"""Return values of a ``trim_rule`` (the same numbers as gensim's ``utils.RULE_*``)."""

cdef unsigned char NEWLINE = ord("\n")
cdef unsigned char IS_SPACE[256]     # 1 for the six bytes bytes.split() splits on


cdef void _fill_space_table():
    for c in b" \t\n\x0b\x0c\r":
        IS_SPACE[c] = 1


_fill_space_table()


def _utf8_valid(bytes data):
    """Python twin of the nogil UTF-8 check (for tests).

    >>> _utf8_valid("naïve".encode()), _utf8_valid(b"\\xed\\xa0\\x80")
    (True, False)
    """
    return utf8_valid(<const unsigned char*>data, len(data))


cdef class VocabIndex:
    """A C hash table from the UTF-8 bytes of each key to its position in ``keys``.

    Parameters
    ----------
    keys : list of str
        The vocabulary in id order; keys must be distinct.

    >>> index = VocabIndex(["king", "queen"])
    >>> index.lookup("queen"), index.lookup("knave"), len(index)
    (1, -1, 2)
    """

    def __cinit__(self, keys):
        cdef bytes raw
        cdef uint64_t h, slot
        keys = list(keys)
        if table_init(&self.table, len(keys)) != 0:
            raise MemoryError("VocabIndex: cannot allocate the hash table")
        for position, key in enumerate(keys):
            if not isinstance(key, str):
                raise TypeError(f"VocabIndex: key {position} is {type(key).__name__}, expected str")
            raw = (<str>key).encode("utf-8")
            h = hash_bytes(raw, len(raw))
            slot = find_slot(&self.table, raw, len(raw), h)
            if self.table.slots[slot].ref != EMPTY:
                raise ValueError(f"VocabIndex: duplicate key {key!r} at position {position}")
            if table_insert(&self.table, slot, raw, len(raw), h) == NULL:
                raise MemoryError("VocabIndex: cannot grow the hash table")

    def __dealloc__(self):
        table_free(&self.table)

    def __len__(self):
        return self.table.n

    @property
    def max_key_bytes(self):
        """Length in bytes of the longest key (no longer token can be in the vocabulary)."""
        return self.table.max_len

    cdef int32_t lookup_bytes(self, const unsigned char* p, Py_ssize_t n) noexcept nogil:
        """Id of the key whose UTF-8 bytes are ``p[:n]``, -1 if absent."""
        return table_lookup(&self.table, p, n)

    def lookup(self, str token):
        """Id of ``token``, or -1 when it is not a key."""
        cdef bytes raw = token.encode("utf-8")
        return self.lookup_bytes(raw, len(raw))


# ---------------------------------------------------------------- the byte scanner

cdef class _Scanner:
    """Chunked reading and the sentence rules shared by FileBatcher and count_words.

    A subclass says what a token and a sentence end do (``_on_token``, ``_end_sentence``);
    they stop the scan by setting ``self.stop`` to a Status.
    """
    cdef int _setup(self, fileobj, long long start, long long end, long long max_sentence_length,
                    bint line_mode, Py_ssize_t chunk_bytes) except -1:
        cdef unsigned char[::1] view
        if start < 0 or end < -1 or (end >= 0 and end < start):
            raise ValueError(f"invalid byte range start={start}, end={end}")
        if max_sentence_length < 1 or chunk_bytes < 1:
            raise ValueError("max_sentence_length and chunk_bytes must be positive")
        self.fileobj = fileobj
        self._readinto = getattr(fileobj, "readinto", None)
        self.cap = chunk_bytes
        self._arr = np.empty(self.cap, dtype=np.uint8)
        view = self._arr
        self.buf = &view[0]
        self.end = end
        self.max_sentence_length = max_sentence_length
        self.line_mode = line_mode
        self.stream_above = MAX_TOKEN
        self.done = end >= 0 and end == start
        if start > 0 and not self.done:
            fileobj.seek(start - 1)   # the byte before start says whether a unit begins at start
            self.file_pos = start - 1
            self.skipping = True
        return 0

    cdef str _name(self):
        return str(getattr(self.fileobj, "name", repr(self.fileobj)))

    cdef int _fail(self, int status, str what) except -1:
        """Raise the error a subclass stopped the scan with (NO_MEMORY: `what` could not
        grow; BAD_UTF8 and TOO_LONG: the token at ``error_at``)."""
        where = f"{self._name()}: the token at byte offset {self.error_at}"
        if status == NO_MEMORY:
            raise MemoryError(f"cannot grow {what}")
        if status == BAD_UTF8:
            raise TokenNotUTF8(f"{where} is not valid UTF-8")
        if status == TOO_LONG:
            raise ValueError(f"{where} is longer than {MAX_TOKEN_BYTES} bytes")
        raise SystemError(f"scan status {status}")

    cdef int _refill(self) except -1:
        """Move the unscanned bytes ``buf[pos:lim]`` to the front and read more after them."""
        cdef Py_ssize_t keep = self.lim - self.pos, got
        cdef unsigned char[::1] view
        if self.pos:
            memmove(self.buf, self.buf + self.pos, keep)
            self.file_pos += self.pos
            self.pos, self.lim = 0, keep
        if self.lim == self.cap:   # one token fills the buffer: double it
            self._arr = np.concatenate([self._arr, np.empty(self.cap, dtype=np.uint8)])
            self.cap *= 2
            view = self._arr
            self.buf = &view[0]
        if self._readinto is not None:
            got = self._readinto(self._arr[self.lim:])
        else:
            data = self.fileobj.read(self.cap - self.lim)
            if isinstance(data, str):
                raise TypeError(f"{self._name()}: open the file in binary mode")
            got = len(data)
            if got > self.cap - self.lim:
                raise ValueError(f"{self._name()}: read() returned more bytes than requested")
            self._arr[self.lim:self.lim + got] = np.frombuffer(data, dtype=np.uint8)
        if got == 0:
            self.eof = True
        self.lim += got
        return 0

    cdef void _on_token(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t at) noexcept nogil:
        pass

    cdef void _end_sentence(self) noexcept nogil:
        pass

    cdef void _finish(self) noexcept nogil:
        self._end_sentence()
        self.done = True

    cdef int _scan(self) noexcept nogil:
        """Scan ``buf[pos:lim]`` until a subclass stops, the range ends or the bytes run out."""
        cdef const unsigned char* buf = self.buf
        cdef Py_ssize_t lim = self.lim, q, t, nl
        cdef int status
        while True:
            if self.stop:
                status, self.stop = self.stop, 0
                return status
            if self.done:
                return DONE
            q = self.pos
            if self.skipping or self.in_long_token:
                # skipping: the unit straddling start belongs to the previous range;
                # in_long_token: the rest of a token too long to be looked up
                if self.skipping and self.line_mode:
                    while q < lim and buf[q] != NEWLINE:
                        q += 1
                else:
                    while q < lim and not IS_SPACE[buf[q]]:
                        q += 1
                if q == lim:
                    self.pos = q
                    if self.eof:
                        self._finish()
                        continue
                    return NEED_DATA
                if self.skipping and self.line_mode:
                    q += 1
                    if self.end >= 0 and self.file_pos + q >= self.end:
                        self.done = True
                self.skipping = self.in_long_token = False
                self.pos = q
                continue
            nl = -1
            while q < lim and IS_SPACE[buf[q]]:
                if buf[q] == NEWLINE:
                    nl = q
                q += 1
            self.pos = q
            if nl >= 0 and self.line_mode:
                self._end_sentence()
                if self.end >= 0 and self.file_pos + nl + 1 >= self.end:
                    self.done = True
                continue
            if q == lim:
                if self.eof:
                    self._finish()
                    continue
                return NEED_DATA
            if not self.line_mode and self.end >= 0 and self.file_pos + q >= self.end:
                self._finish()
                continue
            t = q
            while t < lim and not IS_SPACE[buf[t]]:
                t += 1
            if t == lim and not self.eof and t - q <= self.stream_above:
                return NEED_DATA       # the token may go on in the next chunk
            if self.sent_raw == self.max_sentence_length:
                self._end_sentence()
                if self.stop:
                    continue
            self.sent_raw += 1
            self.pos = t
            if t == lim and not self.eof:
                self.in_long_token = True
            self._on_token(buf + q, t - q, q)


# ---------------------------------------------------------------- FileBatcher

@cython.final
cdef class FileBatcher(_Scanner):
    """Batches of int32 ids read from a binary file object, optionally one byte range of it.

    Parameters
    ----------
    fileobj : binary file object
        Anything with ``readinto`` (or ``read``): an open file, a ``smart_open`` stream of a
        ``.gz``/``.bz2``. With ``start > 0`` it must support ``seek``.
    index : VocabIndex
        Token to id map; other tokens count in ``raw_words`` but are not emitted.
    start, end : int
        The byte range: the lines that *start* in ``[start, end)`` (``end=-1``: to the end of
        the file). A line straddling ``start`` belongs to the previous range, so ranges
        ``[0, a), [a, b), [b, -1)`` cover every line exactly once. With ``line_mode=False`` the
        unit is the token instead of the line.
    batch_words : int
        At most this many ids per batch. Sentences are kept whole when they fit; a longer one
        is split across batches (never truncated).
    max_sentence_length : int
        A line of more raw tokens becomes several sentences (as gensim's ``LineSentence``).
    line_mode : bool
        False reads the file as one stream (``Text8Corpus``): a sentence every
        ``max_sentence_length`` raw tokens, counted from the start of the range.
    chunk_bytes : int
        Bytes requested per read.

    Notes
    -----
    Tokens are runs of bytes other than the six ASCII whitespace bytes; lines end at ``\\n``.
    A token longer than ``index.max_key_bytes`` is unknown and is skipped without buffering,
    so no line or token length limit applies. Invalid UTF-8 simply never matches a key.

    >>> import io
    >>> b = FileBatcher(io.BytesIO(b"a b c d e\\n"), VocabIndex(["a", "c", "e"]),
    ...                 batch_words=2, max_sentence_length=3)
    >>> [(ids.tolist(), offsets.tolist(), raw) for ids, offsets, raw in iter(b.next_batch, None)]
    [([0, 1], [0, 2], 3), ([2], [0, 1], 2)]
    """
    cdef VocabIndex index
    cdef int32_t* ids
    cdef int32_t* offsets
    cdef Py_ssize_t batch_words, count, sent_start, n_offsets
    cdef long long batch_raw, raw_at_sent_start

    def __cinit__(self, fileobj, VocabIndex index not None, long long start=0, long long end=-1,
                  int batch_words=MAX_WORDS_IN_BATCH, int max_sentence_length=MAX_WORDS_IN_BATCH,
                  bint line_mode=True, Py_ssize_t chunk_bytes=DEFAULT_CHUNK_BYTES):
        if batch_words < 1:
            raise ValueError(f"batch_words must be positive, got {batch_words}")
        self.ids = <int32_t*>malloc((<size_t>batch_words + 1) * sizeof(int32_t))
        self.offsets = <int32_t*>malloc((<size_t>batch_words + 2) * sizeof(int32_t))
        if self.ids == NULL or self.offsets == NULL:
            raise MemoryError("FileBatcher: cannot allocate the batch buffers")
        self.offsets[0] = 0
        self.n_offsets = 1
        self.index = index
        self.batch_words = batch_words
        self._setup(fileobj, start, end, max_sentence_length, line_mode, chunk_bytes)
        self.stream_above = index.table.max_len

    def __dealloc__(self):
        free(self.ids)
        free(self.offsets)

    @property
    def position(self):
        """Byte offset of the next byte to scan."""
        return self.file_pos + self.pos

    @property
    def sentences(self):
        """Sentences (non-empty lines or line chunks) completed so far."""
        return self.n_sentences

    cdef void _on_token(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t at) noexcept nogil:
        cdef int32_t word = self.index.lookup_bytes(p, n)
        self.batch_raw += 1
        if word >= 0:
            self.ids[self.count] = word
            self.count += 1
            if self.count > self.batch_words:
                self.stop = BATCH_FULL

    cdef void _end_sentence(self) noexcept nogil:
        if self.sent_raw > 0:
            self.n_sentences += 1
        self.sent_raw = 0
        if self.count > self.sent_start:
            self.offsets[self.n_offsets] = <int32_t>self.count
            self.n_offsets += 1
            self.sent_start = self.count
        self.raw_at_sent_start = self.batch_raw

    cdef tuple _emit(self, Py_ssize_t n_ids, long long raw):
        """The first ``n_ids`` ids as a batch; the rest start the next batch."""
        ids = np.empty(n_ids, dtype=np.int32)
        offsets = np.empty(self.n_offsets, dtype=np.int32)
        cdef int32_t[::1] ids_view = ids
        cdef int32_t[::1] offsets_view = offsets
        if n_ids:
            memcpy(&ids_view[0], self.ids, n_ids * sizeof(int32_t))
        memcpy(&offsets_view[0], self.offsets, self.n_offsets * sizeof(int32_t))
        memmove(self.ids, self.ids + n_ids, (self.count - n_ids) * sizeof(int32_t))
        self.count -= n_ids
        self.sent_start = 0
        self.n_offsets = 1
        self.batch_raw -= raw
        self.raw_at_sent_start = 0
        return ids, offsets, raw

    def next_batch(self):
        """Next ``(ids, sentence_offsets, raw_words)``, or None once the range is consumed.

        ``raw_words`` counts the tokens (known or not) read for this batch.
        """
        cdef int status
        while True:
            with nogil:
                status = self._scan()
            if status == NEED_DATA:
                self._refill()
            elif status == BATCH_FULL:
                if self.sent_start > 0:   # carry the open sentence into the next batch
                    return self._emit(self.sent_start, self.raw_at_sent_start)
                # one sentence fills the batch: split it after batch_words ids
                self.offsets[self.n_offsets] = <int32_t>self.batch_words
                self.n_offsets += 1
                return self._emit(self.batch_words, self.batch_raw - 1)
            elif self.count or self.batch_raw:
                return self._emit(self.count, self.batch_raw)
            else:
                return None


# ---------------------------------------------------------------- count_words

@cython.final
cdef class _WordCounter(_Scanner):
    cdef StrTable table
    cdef long long total_words, max_vocab_size

    def __cinit__(self):
        if table_init(&self.table, MIN_SLOTS) != 0:
            raise MemoryError("count_words: cannot allocate the hash table")

    def __dealloc__(self):
        table_free(&self.table)

    cdef void _on_token(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t at) noexcept nogil:
        cdef uint64_t h = hash_bytes(p, n)
        cdef uint64_t slot = find_slot(&self.table, p, n, h)
        cdef Record* r = NULL
        if self.table.slots[slot].ref != EMPTY:
            r = slot_record(&self.table, slot)
        elif n > MAX_TOKEN:
            self.stop = TOO_LONG
        elif not utf8_valid(p, n):
            self.stop = BAD_UTF8
        else:
            r = table_insert(&self.table, slot, p, n, h)
            if r == NULL:
                self.stop = NO_MEMORY
        if r == NULL:
            self.error_at = self.file_pos + at
            return
        r.value.count += 1
        self.total_words += 1

    cdef void _end_sentence(self) noexcept nogil:
        if self.sent_raw > 0:
            self.n_sentences += 1
            if self.max_vocab_size and self.table.n > self.max_vocab_size:
                self.stop = PRUNE
        self.sent_raw = 0

    cdef str _key(self, int32_t e):
        cdef const Record* r = entry_record(&self.table, e)
        return PyUnicode_DecodeUTF8(<const char*>r.key, r.len, NULL)

    cdef int _add(self, str key, long long count) except -1:
        cdef bytes raw = key.encode("utf-8")
        cdef Record* r = table_intern(&self.table, raw, len(raw))
        if r == NULL:
            raise MemoryError("count_words: cannot grow the hash table")
        r.value.count += count
        return 0

    cdef int _prune(self, long long min_reduce, trim_rule) except -1:
        """Drop the words with count < min_reduce (or as ``trim_rule`` says), like gensim."""
        cdef int32_t e
        cdef long long count
        cdef unsigned char* keep = <unsigned char*>malloc(self.table.n + 1)
        if keep == NULL:
            raise MemoryError("count_words: cannot allocate the pruning mask")
        try:
            for e in range(self.table.n):
                count = entry_record(&self.table, e).value.count
                keep[e] = count >= min_reduce
                if trim_rule is not None:
                    rule = trim_rule(self._key(e), count, min_reduce)
                    if rule == RULE_KEEP:
                        keep[e] = True
                    elif rule == RULE_DISCARD:
                        keep[e] = False
            table_compact(&self.table, keep)
        finally:
            free(keep)
        return 0


def count_words(fileobj, bint line_mode=True, long long max_sentence_length=MAX_WORDS_IN_BATCH,
                max_vocab_size=None, long long min_reduce_start=1, trim_rule=None, counts=None,
                Py_ssize_t chunk_bytes=DEFAULT_CHUNK_BYTES, long long start=0, long long end=-1):
    """Count every token of a binary file object without a Python object per token.

    Parameters
    ----------
    fileobj : binary file object
        Read from its current position to the end, or the byte range `start`, `end`.
    line_mode : bool
        True: sentences are lines cut every ``max_sentence_length`` tokens (``LineSentence``);
        False: the file is one stream cut every ``max_sentence_length`` tokens (``Text8Corpus``).
    max_sentence_length : int
        See ``line_mode``; it decides where sentences end, hence when pruning is checked.
    max_vocab_size : int or None
        gensim's pruning: after each sentence, if more than this many distinct words are held,
        those with count < ``min_reduce`` are dropped (or as ``trim_rule`` decides) and
        ``min_reduce`` grows by one.
    min_reduce_start : int
        The first ``min_reduce`` (pass the returned one to continue over another file).
    trim_rule : callable or None
        ``trim_rule(word, count, min_count)`` returning ``RULE_KEEP``, ``RULE_DISCARD`` or
        ``RULE_DEFAULT``, consulted when pruning (gensim's semantics).
    counts : dict or None
        Counts to continue from (e.g. the previous file's); it is not modified.
    chunk_bytes : int
        Bytes requested per read.
    start, end : int
        With ``start > 0`` or ``end >= 0``: only the lines that start in ``[start, end)``
        (``end=-1``: to the end), as :class:`FileBatcher` reads them, so the counts of ranges
        ``[0, a), [a, -1)`` add up to the whole file's (``fileobj`` is sought to ``start``).

    Returns
    -------
    counts : dict[str, int]
        Word counts in order of first appearance (gensim's ``raw_vocab`` order).
    total_words : int
        Tokens read from this file.
    sentences : int
        Sentences read from this file, as the corpus classes would yield them.
    min_reduce : int
        The ``min_reduce`` reached (``min_reduce_start`` when nothing was pruned).

    Raises
    ------
    ValueError
        On a token that is not valid UTF-8 (:class:`TokenNotUTF8`, a UnicodeDecodeError as
        iterating a corpus class raises), or longer than ``MAX_TOKEN_BYTES``; the message
        names the file and the byte offset where the token starts.

    >>> import io
    >>> counts, total_words, sentences, min_reduce = count_words(io.BytesIO(b"a b a\\n\\nb c\\n"))
    >>> counts, total_words, sentences, min_reduce
    ({'a': 2, 'b': 2, 'c': 1}, 5, 2, 1)
    """
    cdef _WordCounter counter = _WordCounter()
    cdef int status
    cdef long long min_reduce = min_reduce_start
    cdef int32_t e
    counter._setup(fileobj, start, end, max_sentence_length, line_mode, chunk_bytes)
    counter.max_vocab_size = max_vocab_size or 0
    if counts is not None:
        for key, count in counts.items():
            counter._add(key, count)
    while True:
        with nogil:
            status = counter._scan()
        if status == NEED_DATA:
            counter._refill()
        elif status == PRUNE:
            counter._prune(min_reduce, trim_rule)
            min_reduce += 1
        elif status == DONE:
            break
        else:
            counter._fail(status, "the hash table of count_words")
    result = {counter._key(e): entry_record(&counter.table, e).value.count
              for e in range(counter.table.n)}
    return result, counter.total_words, counter.n_sentences, min_reduce


class TokenNotUTF8(UnicodeDecodeError):
    """A token of a file that is not valid UTF-8: a UnicodeDecodeError (hence a ValueError), as
    iterating LineSentence over the file raises, with the file and byte offset in its message."""

    def __init__(self, message):
        super().__init__("utf-8", b"", 0, 0, message)
        self.message = message

    def __str__(self):
        return self.message


# ---------------------------------------------------------------- token lists

def sentences_to_ids(sentences, dict key_to_index):
    """Map token lists to ids through ``key_to_index`` (unknown tokens are skipped).

    Parameters
    ----------
    sentences : iterable of list of str
        Each item is one sentence (a list or tuple of tokens, or another iterable of them).
    key_to_index : dict
        Token to id.

    Returns
    -------
    ids : numpy.ndarray of int32
    sentence_offsets : numpy.ndarray of int32
        ``len(k) + 1`` offsets for the ``k`` sentences with at least one known token.
    raw_words : int
        All tokens, known or not. Long sentences are kept whole.

    Raises
    ------
    TypeError
        When a sentence is a str (or bytes) rather than a list of tokens, or not iterable.

    >>> ids, offsets, raw = sentences_to_ids([["a", "x", "b"], ["x"], ("b",)], {"a": 0, "b": 1})
    >>> ids.tolist(), offsets.tolist(), raw
    ([0, 1, 1], [0, 2, 3], 5)
    """
    cdef list items = [], tokens
    cdef Py_ssize_t raw_words = 0, n_ids = 0, n_offsets = 1, i
    cdef long long word
    cdef PyObject* value
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)):
            raise TypeError(f"sentence {i} is a {type(sentence).__name__}; "
                            f"expected a list of str tokens")
        if not isinstance(sentence, list):
            try:
                sentence = list(sentence)
            except TypeError:
                raise TypeError(f"sentence {i} is of type {type(sentence).__name__}, which is not "
                                f"iterable; expected a list of str tokens") from None
        items.append(sentence)
        raw_words += len(<list>sentence)
    if raw_words > INT32_MAX:
        raise ValueError(f"sentences_to_ids: {raw_words} tokens exceed one int32 batch")
    ids = np.empty(raw_words, dtype=np.int32)
    offsets = np.empty(len(items) + 1, dtype=np.int32)
    cdef int32_t[::1] ids_view = ids
    cdef int32_t[::1] offsets_view = offsets
    offsets_view[0] = 0
    for tokens in items:
        for token in tokens:
            value = PyDict_GetItemWithError(key_to_index, token)
            if value == NULL:
                continue
            word = <object>value
            if word < 0 or word > INT32_MAX:
                raise ValueError(f"sentences_to_ids: id {word} of {token!r} is not a valid int32")
            ids_view[n_ids] = <int32_t>word
            n_ids += 1
        if n_ids > offsets_view[n_offsets - 1]:
            offsets_view[n_offsets] = <int32_t>n_ids
            n_offsets += 1
    return ids[:n_ids].copy(), offsets[:n_offsets].copy(), raw_words
