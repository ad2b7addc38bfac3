# cython: language_level=3
"""A corpus file phrased into another, bytes to bytes, without the GIL (``phrase_file``).

The scanner of :mod:`w2vlib._reader` reads the file (a line is a sentence, cut as
``LineSentence`` cuts it; or ``Text8Corpus``'s stream); each sentence's tokens are decided by a
:class:`w2vlib._phrase_apply.Detector` and written as one line, tokens separated by one space,
a phrase's tokens joined by the delimiter. Python only writes the output, a megabyte at a time.

>>> import io
>>> from w2vlib._phrase_apply import Detector, KIND_FROZEN
>>> from w2vlib._phrase_tables import KeyTable
>>> from w2vlib._reader import VocabIndex
>>> scores = KeyTable(scores=True)
>>> scores["new_york"] = 12.5
>>> out = io.BytesIO()
>>> phrase_file(Detector(scores, KIND_FROZEN, None, 10.0, 5, 0, VocabIndex([]), "_"),
...             io.BytesIO(b"i love  new york\\n\\nnew\\nyork\\n"), out.write)
(3, 6, 1)
>>> out.getvalue()
b'i love new_york\\nnew\\nyork\\n'
"""
import cython
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy
from w2vlib._phrase_apply cimport PYTHON, Detector
from w2vlib._reader cimport DONE, NEED_DATA, NO_MEMORY, OUTPUT_FULL, TOO_LONG, _Scanner, reserve
from w2vlib._reader import DEFAULT_CHUNK_BYTES, MAX_TOKEN_BYTES, MAX_WORDS_IN_BATCH

#: The writer hands its output to Python once it holds this many bytes.
OUTPUT_BYTES = 1 << 20
cdef int64_t OUTPUT_FLUSH = OUTPUT_BYTES
cdef int64_t MAX_TOKEN = MAX_TOKEN_BYTES
cdef int64_t FIRST_CAPACITY = 1024
cdef unsigned char SPACE = ord(" ")
cdef unsigned char NEWLINE = ord("\n")

cdef enum:
    SCORER_FAILED = 100    # the scan stops: the detector failed (its fail() raises why)


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
        if (reserve(<void**>&self.sent, &self.sent_cap, self.sent_len + n, 1) < 0
                or reserve(<void**>&self.tok_off, &slots, self.n_tok + 2, sizeof(int64_t)) < 0):
            self.stop = NO_MEMORY
            return
        memcpy(self.sent + self.sent_len, p, n)
        self.sent_len += n
        self.n_tok += 1
        self.tok_off[self.n_tok] = self.sent_len
        self.words += 1

    cdef void _end_sentence(self) noexcept nogil:
        if self.sent_raw == 0:
            return
        self.sent_raw = 0
        self.stop = self._emit_sentence()
        self.n_tok = self.sent_len = 0

    cdef int _emit_sentence(self) noexcept nogil:
        """Decide the open sentence and write it as a line; 0 or the Status to stop with."""
        cdef int64_t i, j, m, found, cap = self.tok_cap
        cdef unsigned char* out
        if (reserve(<void**>&self.ptrs, &cap, self.n_tok, sizeof(void*)) < 0
                or reserve(<void**>&self.lens, &self.tok_cap, self.n_tok, sizeof(int64_t)) < 0
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
        # the line is at most the tokens, a separator before each and the newline
        if reserve(<void**>&self.out, &self.out_cap, self.out_len + self.sent_len
                   + self.n_tok * max(self.det.delim_len, 1) + 1, 1) < 0:
            return NO_MEMORY
        out = self.out + self.out_len
        i = 0
        while i < self.n_tok:
            j = self.det.ends[i] if self.det.flags[i] else i
            for m in range(i, j + 1):
                if m > i:                    # inside a phrase: the delimiter
                    memcpy(out, self.det.delim, self.det.delim_len)
                    out += self.det.delim_len
                elif m > 0:                  # between two units: a space
                    out[0] = SPACE
                    out += 1
                memcpy(out, self.ptrs[m], self.lens[m])
                out += self.lens[m]
            i = j + 1
        out[0] = NEWLINE
        self.out_len = out + 1 - self.out
        self.sentences += 1
        return OUTPUT_FULL if self.out_len >= OUTPUT_FLUSH else 0


def phrase_file(Detector detector, fileobj, write, bint line_mode=True,
                long long max_sentence_length=MAX_WORDS_IN_BATCH,
                Py_ssize_t chunk_bytes=DEFAULT_CHUNK_BYTES, long long start=0, long long end=-1):
    """Read a binary file object and pass its sentences, phrases joined, to ``write(bytes)``:
    one sentence a line, tokens separated by one space. A byte range ``[start, end)`` of a
    seekable file (``end=-1``: to the end) passes the lines that start in it.

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
    scan._setup(fileobj, start, end, max_sentence_length, line_mode, chunk_bytes)
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
            elif status == SCORER_FAILED:
                detector.fail()
            else:
                scan._fail(status, "the phrase file writer")
    finally:
        detector.table.end_read()
    return scan.sentences, scan.words, scan.phrases
