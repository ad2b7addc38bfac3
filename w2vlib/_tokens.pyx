# cython: language_level=3
"""Python token lists as C runs: a pointer to each token's UTF-8 bytes and its length.

The phrase modules count and apply phrases on token lists without a Python call per token:
:class:`TokenRuns` takes sentences (lists of str) with the GIL held, keeps a reference to each,
and records where each token's UTF-8 bytes are (a plain ASCII str's own buffer, else a UTF-8
copy), so that compiled loops can then read the batch without the GIL.

>>> runs = TokenRuns()
>>> runs.extend([["the", "cat"], ("naïve",), []])
3
>>> runs.token_bytes()
[[b'the', b'cat'], [b'na\\xc3\\xafve'], []]
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from w2vlib._reader cimport reserve

cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    const void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)

#: First capacity of the token and sentence arrays (they double as needed).
cdef Py_ssize_t FIRST_CAPACITY = 1024


cdef class TokenRuns:
    """A batch of sentences whose tokens compiled code can read without the GIL.

    Sentences are numbered from 0 in the order they are added (across :meth:`clear` calls), and
    errors name that number: a sentence that is a str or bytes, or not iterable, raises
    TypeError; a token that is not a str raises TypeError; a str that UTF-8 cannot encode (a
    lone surrogate) raises ValueError.

    >>> TokenRuns().extend([["a", 1]])
    Traceback (most recent call last):
    TypeError: sentence 0: token 1 is an int (1); tokens must be str
    """

    def __cinit__(self):
        self.sentences, self._encoded = [], []
        self.token_cap = self.sentence_cap = FIRST_CAPACITY
        self.ptrs = <const unsigned char**>malloc(self.token_cap * sizeof(unsigned char*))
        self.lens = <int64_t*>malloc(self.token_cap * sizeof(int64_t))
        self.starts = <int64_t*>malloc((self.sentence_cap + 1) * sizeof(int64_t))
        if self.ptrs == NULL or self.lens == NULL or self.starts == NULL:
            raise MemoryError("cannot allocate the token buffers")
        self.starts[0] = 0

    def __dealloc__(self):
        free(self.ptrs)
        free(self.lens)
        free(self.starts)

    cdef int add(self, sentence) except -1:
        """Append one sentence (any iterable of str; it is copied into a list)."""
        cdef Py_ssize_t number = self.next_number, i, n, at
        cdef int64_t cap, slots, need
        cdef bytes raw
        if isinstance(sentence, (str, bytes)):
            raise TypeError(f"sentence {number} is a {type(sentence).__name__}, not a list of "
                            f"str tokens")
        try:
            tokens = list(sentence)
        except TypeError:
            raise TypeError(f"sentence {number} is of type {type(sentence).__name__}, which is "
                            f"not iterable; expected a list of str tokens") from None
        n = len(tokens)
        cap, slots = self.token_cap, self.sentence_cap + 1
        need = self.n_tokens + n
        if (reserve(<void**>&self.ptrs, &cap, need, sizeof(void*)) < 0
                or reserve(<void**>&self.lens, &self.token_cap, need, sizeof(int64_t)) < 0
                or reserve(<void**>&self.starts, &slots, self.n_sentences + 2,
                           sizeof(int64_t)) < 0):
            raise MemoryError("cannot grow the token buffers")
        self.sentence_cap = slots - 1
        at = self.n_tokens
        for i in range(n):
            token = tokens[i]
            if type(token) is str and PyUnicode_IS_COMPACT_ASCII(token):
                self.ptrs[at + i] = <const unsigned char*>PyUnicode_DATA(token)
                self.lens[at + i] = PyUnicode_GET_LENGTH(token)
                continue
            if not isinstance(token, str):
                raise TypeError(f"sentence {number}: token {i} is {_a(token)} ({token!r}); "
                                f"tokens must be str")
            try:
                raw = (<str>token).encode("utf-8")
            except UnicodeEncodeError as err:
                raise ValueError(f"sentence {number}: token {i} {token!r} cannot be encoded as "
                                 f"UTF-8 ({err.reason})") from None
            self._encoded.append(raw)
            self.ptrs[at + i] = <const unsigned char*>PyBytes_AS_STRING(raw)
            self.lens[at + i] = PyBytes_GET_SIZE(raw)
        self.sentences.append(tokens)
        self.n_tokens += n
        self.n_sentences += 1
        self.starts[self.n_sentences] = self.n_tokens
        self.next_number += 1
        return 0

    cdef bint fill(self, iterator, Py_ssize_t max_tokens, Py_ssize_t max_sentences) except -1:
        """Add sentences from `iterator` until the batch holds `max_tokens` tokens or
        `max_sentences` sentences; False once the iterator is exhausted."""
        while self.n_tokens < max_tokens and self.n_sentences < max_sentences:
            try:
                sentence = next(iterator)
            except StopIteration:
                return False
            self.add(sentence)
        return True

    cdef void clear(self) noexcept:
        """Empty the batch (sentence numbers go on from where they were)."""
        self.sentences = []
        self._encoded = []
        self.n_tokens = self.n_sentences = 0

    def extend(self, sentences):
        """Add every sentence of `sentences`; returns the number of sentences held."""
        for sentence in sentences:
            self.add(sentence)
        return self.n_sentences

    def token_bytes(self):
        """The batch as lists of the tokens' UTF-8 bytes, read through the C runs (for tests)."""
        return [[(<const char*>self.ptrs[i])[:self.lens[i]]
                 for i in range(self.starts[k], self.starts[k + 1])]
                for k in range(self.n_sentences)]


def _a(value):
    """'a list', 'an int': the type of `value` with its article."""
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"
