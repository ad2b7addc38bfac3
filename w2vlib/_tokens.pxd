# cython: language_level=3
# C-level declarations of w2vlib._tokens: Python token lists seen as (pointer, length) runs.
from libc.stdint cimport int64_t


cdef class TokenRuns:
    cdef list sentences            # copies of the sentences as lists: they keep the tokens alive
    cdef list _encoded             # UTF-8 copies of the tokens that are not plain ASCII
    cdef const unsigned char** ptrs
    cdef int64_t* lens
    cdef int64_t* starts           # sentence k is tokens [starts[k], starts[k + 1])
    cdef Py_ssize_t n_tokens, n_sentences
    cdef int64_t token_cap, sentence_cap
    cdef Py_ssize_t next_number    # the corpus position of the next sentence added

    cdef int add(self, sentence) except -1
    cdef bint fill(self, iterator, Py_ssize_t max_tokens, Py_ssize_t max_sentences) except -1
    cdef void clear(self) noexcept
