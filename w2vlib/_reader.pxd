# cython: language_level=3
# C-level declarations of w2vlib._reader, for the modules that cimport it: the string hash table
# (implemented in _strtable.h, inlined into each module that includes it), VocabIndex, and the
# chunked byte scanner that FileBatcher, count_words and the phrase modules build on.
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t

cdef extern from "_strtable.h":
    const int MIN_SLOTS "W2V_MIN_SLOTS"
    const uint64_t HASH_MUL "W2V_HASH_MUL"
    const uint32_t EMPTY "W2V_EMPTY"

    ctypedef union Value "w2v_value":
        int64_t count
        double score

    ctypedef struct Slot "w2v_slot":
        uint32_t tag
        uint32_t ref

    ctypedef struct Record "w2v_record":
        uint64_t hash
        Value value
        int32_t entry
        int32_t len
        unsigned char key[1]

    ctypedef struct StrTable "w2v_strtable":
        Slot* slots
        uint64_t mask
        unsigned char* arena
        int64_t arena_len
        int64_t* offs
        int32_t n
        int64_t max_len

    int reserve "w2v_reserve"(void** block, int64_t* cap, int64_t need, size_t item) noexcept nogil
    uint64_t hash_bytes "w2v_hash_bytes"(const unsigned char* p, int64_t n) noexcept nogil
    bint utf8_valid "w2v_utf8_valid"(const unsigned char* p, int64_t n) noexcept nogil
    int table_init "w2v_table_init"(StrTable* t, int64_t expected) noexcept nogil
    void table_free "w2v_table_free"(StrTable* t) noexcept nogil
    Record* entry_record "w2v_entry"(const StrTable* t, int32_t e) noexcept nogil
    Record* slot_record "w2v_slot_record"(const StrTable* t, uint64_t i) noexcept nogil
    uint64_t find_slot "w2v_find_slot"(const StrTable* t, const unsigned char* p, int64_t n,
                                       uint64_t h) noexcept nogil
    Record* table_find "w2v_table_find"(const StrTable* t, const unsigned char* p, int64_t n,
                                        uint64_t h) noexcept nogil
    int32_t table_lookup "w2v_table_lookup"(const StrTable* t, const unsigned char* p,
                                            int64_t n) noexcept nogil
    Record* table_insert "w2v_table_insert"(StrTable* t, uint64_t slot, const unsigned char* p,
                                            int64_t n, uint64_t h) noexcept nogil
    Record* table_intern "w2v_table_intern"(StrTable* t, const unsigned char* p,
                                            int64_t n) noexcept nogil
    void prefetch_slot "w2v_prefetch_slot"(const StrTable* t, uint64_t h) noexcept nogil
    void prefetch_record "w2v_prefetch_record"(const StrTable* t, uint64_t h) noexcept nogil
    void table_compact "w2v_table_compact"(StrTable* t, const unsigned char* keep) noexcept nogil
    int table_add_counts "w2v_table_add_counts"(StrTable* dst, const StrTable* src) noexcept nogil


cdef enum Status:
    NEED_DATA = 1    # the buffer is used up: read more and scan again
    DONE = 2         # end of the range (or of the file)
    BATCH_FULL = 3   # FileBatcher: batch_words + 1 ids are buffered
    PRUNE = 4        # a counter: the table outgrew max_vocab_size at a sentence end
    BAD_UTF8 = 5     # a counter: a new token is not valid UTF-8
    TOO_LONG = 6     # a counter: a token exceeds MAX_TOKEN_BYTES
    NO_MEMORY = 7
    OUTPUT_FULL = 8  # a writer: its output buffer is ready to be written


cdef class VocabIndex:
    cdef StrTable table
    cdef int32_t lookup_bytes(self, const unsigned char* p, Py_ssize_t n) noexcept nogil


cdef class _Scanner:
    cdef object fileobj, _readinto, _arr
    cdef unsigned char* buf
    cdef Py_ssize_t cap, pos, lim
    cdef long long file_pos, end, sent_raw, max_sentence_length, n_sentences
    cdef long long stream_above      # tokens longer than this are skipped as unknown
    cdef bint eof, done, line_mode, skipping, in_long_token
    cdef int stop
    cdef long long error_at          # where the token that stopped the scan starts

    cdef int _setup(self, fileobj, long long start, long long end, long long max_sentence_length,
                    bint line_mode, Py_ssize_t chunk_bytes) except -1
    cdef str _name(self)
    cdef int _fail(self, int status, str what) except -1
    cdef int _refill(self) except -1
    cdef void _on_token(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t at) noexcept nogil
    cdef void _end_sentence(self) noexcept nogil
    cdef void _finish(self) noexcept nogil
    cdef int _scan(self) noexcept nogil
