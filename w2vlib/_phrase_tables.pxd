# cython: language_level=3
# C-level declarations of w2vlib._phrase_tables: the phrase models' string tables.
from libc.stdint cimport int32_t, int64_t
from w2vlib._reader cimport Record, StrTable


cdef class KeyTable:
    cdef StrTable table
    cdef readonly bint scores      # values are float scores (else int counts)
    cdef int readers               # compiled readers at work: no change meanwhile
    cdef bint writing              # compiled code is changing it without the GIL: no reader
    cdef readonly Py_ssize_t version   # changes when keys are added or removed

    cdef int check_writable(self) except -1
    cdef int begin_read(self) except -1
    cdef void end_read(self) noexcept
    cdef int begin_write(self) except -1
    cdef void end_write(self) noexcept
    cdef str key(self, int32_t e)
    cdef object value(self, int32_t e)
    cdef int32_t find(self, object key) except -2
    cdef Record* intern(self, const unsigned char* p, int64_t n) except NULL


cdef int prune_counts(StrTable* t, long long min_reduce) noexcept nogil
