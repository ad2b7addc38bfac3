# cython: language_level=3
# C-level declarations of w2vlib._phrase_apply: the phrase detector, for the file writer.
from libc.stdint cimport int64_t, uint64_t
from w2vlib._phrase_tables cimport KeyTable
from w2vlib._reader cimport StrTable, VocabIndex
from w2vlib._tokens cimport TokenRuns

cdef enum Kind:
    ORIGINAL = 0     # gensim's original_scorer, in C
    NPMI = 1         # gensim's npmi_scorer, in C
    PYTHON = 2       # a Python scorer over the counts, called with the GIL
    FROZEN = 3       # the stored score of a frozen model's phrase

cdef enum Failure:   # what a detector ran into (Detector.fail raises it)
    OK = 0
    OUT_OF_MEMORY = 1
    ZERO_DIVISION = 2      # npmi_scorer divides by zero in gensim (corpus_word_count 0, p(ab) 1)
    SCORER_RAISED = 3      # the Python scorer raised; the exception is kept


cdef class EndPairs:
    cdef uint64_t* codes           # open addressing, 0 = empty
    cdef uint64_t mask
    cdef Py_ssize_t n
    cdef unsigned char delimiter   # a one-byte delimiter (the filter needs one)

    cdef void _add(self, uint64_t code) noexcept
    cdef void parts(self, const unsigned char* p, int64_t n, uint64_t h, uint64_t* first,
                    uint64_t* last) noexcept nogil
    cdef bint may_join(self, uint64_t first, uint64_t last) noexcept nogil


cdef class Detector:
    cdef KeyTable table
    cdef StrTable* t
    cdef readonly int kind
    cdef object scorer, min_count_obj, corpus_word_count_obj
    cdef object raised                 # the exception the Python scorer raised
    cdef double threshold, min_count, corpus_word_count
    cdef VocabIndex connectors
    cdef EndPairs end_pairs            # FROZEN: which first and last parts a phrase joins, or None
    cdef str delimiter
    cdef bytes delim_bytes
    cdef const unsigned char* delim
    cdef int64_t delim_len
    cdef unsigned char* key            # the candidate's key, built here
    cdef int64_t key_cap, key_len
    cdef int failure
    # one decision per token of a batch: a phrase starts here (flags), ends at (ends), scores
    cdef unsigned char* flags
    cdef int64_t* ends
    cdef double* scores
    cdef int64_t cap
    # look_ahead's view of one sentence: token hashes, connector flags, the bigram keys
    cdef uint64_t* token_hash
    cdef unsigned char* connector
    cdef uint64_t* bigram_hash
    cdef int64_t* bigram_at
    cdef int64_t* bigram_len
    cdef int64_t sentence_cap
    cdef unsigned char* bigrams
    cdef int64_t bigrams_cap

    cdef int reserve(self, int64_t n) noexcept nogil
    cdef int fail(self) except -1
    cdef int score_counts(self, int64_t ca, int64_t cb, int64_t cab, double* out) noexcept nogil
    cdef int _python_score(self, int64_t ca, int64_t cb, int64_t cab, double* out) noexcept nogil
    cdef int64_t build_key(self, const unsigned char** ptrs, const int64_t* lens, int64_t first,
                           int64_t last) noexcept nogil
    cdef int64_t count(self, const unsigned char* p, int64_t n, uint64_t h) noexcept nogil
    cdef int reserve_sentence(self, int64_t n) noexcept nogil
    cdef int candidate(self, const unsigned char** ptrs, const int64_t* lens, int64_t first,
                       int64_t last, double* score) noexcept nogil
    cdef int64_t decide(self, const unsigned char** ptrs, const int64_t* lens, int64_t n,
                        unsigned char* flags, int64_t* ends, double* scores) noexcept nogil
    cdef int look_ahead(self, const unsigned char** ptrs, const int64_t* lens,
                        int64_t n) noexcept nogil
    cdef int counted_candidate(self, int64_t last, int64_t ca, int64_t cb,
                               double* score) noexcept nogil
    cdef int decide_runs(self, TokenRuns runs) except -1
    cdef int64_t _decide_all(self, TokenRuns runs) noexcept nogil
    cdef list phrased(self, TokenRuns runs, Py_ssize_t k)
    cdef list analyzed(self, TokenRuns runs, Py_ssize_t k)
