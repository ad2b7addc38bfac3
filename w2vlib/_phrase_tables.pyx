# cython: language_level=3
"""The phrase models' tables: keys (str) to counts or to scores, in the C string table.

A :class:`KeyTable` is gensim's ``Phrases.vocab`` (unigram and bigram keys to their counts) or
``FrozenPhrases.phrasegrams`` (phrases to their scores), held as the C string table that
:mod:`w2vlib._reader` uses (``_strtable.h``: records of UTF-8 keys with a 64-bit value each, in
insertion order), so counting and applying phrases read and write it without the GIL and without
a Python object per key. Python sees it through dict-like methods; :mod:`w2vlib._phrase_mapping`
wraps it in a ``MutableMapping``.

While compiled code reads a table without the GIL (or counts into it), a change from another
thread is refused with RuntimeError instead of moving memory under the reader.

>>> table = KeyTable()
>>> table["new"], table["york"], table["new_york"] = 3, 2, 2
>>> len(table), table.get("new_york"), table.get("old", 0), list(table)
(3, 2, 0, ['new', 'york', 'new_york'])
>>> table.prune(3)
>>> dict(table.items())
{'new': 3}
"""
import operator

import numpy as np

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport INT32_MAX, int32_t, int64_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset
from w2vlib._reader cimport (EMPTY, Record, StrTable, entry_record, find_slot, hash_bytes,
                             slot_record, table_add_counts, table_compact, table_free, table_init,
                             table_insert, table_intern, table_lookup, utf8_valid)


cdef enum:
    WALK_KEYS, WALK_ITEMS, WALK_VALUES


cdef class KeyTable:
    """Keys (str) to int counts (``scores=False``) or float scores (``scores=True``).

    Parameters
    ----------
    scores : bool
        Whether the values are float scores rather than int counts.
    expected : int
        How many keys to make room for at first (it grows as needed).

    Keys keep their insertion order, also through :meth:`prune` and deletions (gensim's dict
    order). Deleting one key rewrites the table: O(number of keys).
    """

    def __cinit__(self, bint scores=False, Py_ssize_t expected=0):
        if table_init(&self.table, expected) != 0:
            raise MemoryError("cannot allocate the phrase table")
        self.scores = scores

    def __dealloc__(self):
        table_free(&self.table)

    cdef int check_writable(self) except -1:
        if self.readers or self.writing:
            raise RuntimeError("the phrase table is in use (being read or counted into by "
                               "compiled code, in another thread or around a custom scorer): "
                               "change it when that is done")
        return 0

    cdef int begin_read(self) except -1:
        """Before compiled code reads the table without the GIL."""
        if self.writing:
            raise RuntimeError("the phrase table is being counted into by another thread: read it "
                               "when that is done")
        self.readers += 1
        return 0

    cdef void end_read(self) noexcept:
        self.readers -= 1

    cdef int begin_write(self) except -1:
        """Before compiled code changes the table without the GIL."""
        self.check_writable()
        self.writing = True
        return 0

    cdef void end_write(self) noexcept:
        self.writing = False

    cdef str key(self, int32_t e):
        cdef const Record* r = entry_record(&self.table, e)
        return PyUnicode_DecodeUTF8(<const char*>r.key, r.len, NULL)

    cdef int32_t find(self, object key) except -2:
        """Entry of `key`, -1 when absent (or not a str UTF-8 can encode)."""
        cdef bytes raw
        if not isinstance(key, str):
            return -1
        try:
            raw = (<str>key).encode("utf-8")
        except UnicodeEncodeError:
            return -1
        return table_lookup(&self.table, raw, len(raw))

    cdef Record* intern(self, const unsigned char* p, int64_t n) except NULL:
        """The record of key ``p[:n]``, added (value zero) when absent."""
        cdef int32_t before = self.table.n
        cdef Record* r = table_intern(&self.table, p, n)
        if r == NULL:
            raise MemoryError("cannot grow the phrase table")
        if self.table.n != before:
            self.version += 1
        return r

    cdef object value(self, int32_t e):
        cdef const Record* r = entry_record(&self.table, e)
        return r.value.score if self.scores else r.value.count

    def __len__(self):
        return self.table.n

    def __contains__(self, key):
        return self.find(key) >= 0

    def __getitem__(self, key):
        cdef int32_t e = self.find(key)
        if e < 0:
            raise KeyError(key)
        return self.value(e)

    def get(self, key, default=None):
        """The value of `key`, `default` when it is absent."""
        cdef int32_t e = self.find(key)
        return self.value(e) if e >= 0 else default

    def __setitem__(self, key, value):
        cdef bytes raw
        cdef Record* r
        if not isinstance(key, str):
            raise TypeError(f"keys must be str, got {type(key).__name__} {key!r}")
        if self.scores:
            number = _score(value)
        else:
            number = _count(value)
        self.check_writable()
        try:
            raw = (<str>key).encode("utf-8")
        except UnicodeEncodeError as err:
            raise ValueError(f"key {key!r} cannot be encoded as UTF-8 ({err.reason})") from None
        r = self.intern(raw, len(raw))
        if self.scores:
            r.value.score = number
        else:
            r.value.count = number

    def __delitem__(self, key):
        cdef int32_t e = self.find(key)
        cdef unsigned char* keep
        if e < 0:
            raise KeyError(key)
        self.check_writable()
        keep = <unsigned char*>malloc(self.table.n)
        if keep == NULL:
            raise MemoryError("cannot allocate the deletion mask")
        memset(keep, 1, self.table.n)
        keep[e] = 0
        table_compact(&self.table, keep)
        free(keep)
        self.version += 1

    def clear(self):
        """Remove every key."""
        self.check_writable()
        table_free(&self.table)
        if table_init(&self.table, 0) != 0:
            raise MemoryError("cannot allocate the phrase table")
        self.version += 1

    def __iter__(self):
        return self._walk(WALK_KEYS)

    def items(self):
        """``(key, value)`` pairs in insertion order."""
        return self._walk(WALK_ITEMS)

    def values(self):
        """Values in insertion order."""
        return self._walk(WALK_VALUES)

    def _walk(self, int what):
        """Keys, items or values in insertion order; RuntimeError if keys come or go meanwhile
        (as a dict's iteration)."""
        cdef Py_ssize_t version = self.version
        cdef int32_t e = 0
        while e < self.table.n:
            yield (self.key(e) if what == WALK_KEYS else self.value(e) if what == WALK_VALUES
                   else (self.key(e), self.value(e)))
            e += 1
            if self.version != version:
                raise RuntimeError("the phrase table changed size during iteration")

    def add_counts(self, KeyTable other not None):
        """Add `other`'s counts to this table's (new keys are appended in `other`'s order)."""
        cdef int status
        cdef Py_ssize_t before = self.table.n
        if self.scores or other.scores:
            raise TypeError("add_counts needs two count tables")
        if other is self:
            raise ValueError("add_counts needs another table")
        other.begin_read()
        try:
            self.begin_write()
            try:
                with nogil:
                    status = table_add_counts(&self.table, &other.table)
            finally:
                self.end_write()
        finally:
            other.end_read()
            if self.table.n != before:
                self.version += 1
        if status < 0:
            raise MemoryError("cannot grow the phrase table")

    def prune(self, long long min_reduce):
        """Drop the keys counted fewer than `min_reduce` times (gensim's ``utils.prune_vocab``)."""
        self.check_writable()
        if prune_counts(&self.table, min_reduce) < 0:
            raise MemoryError("cannot allocate the pruning mask")
        self.version += 1

    def arrays(self):
        """``(keys, offsets, values)``: the table as three new numpy arrays.

        ``keys`` (uint8) holds the UTF-8 keys end to end, key ``i`` being
        ``keys[offsets[i]:offsets[i + 1]]``; ``values`` is int64 (counts) or float64 (scores).
        :func:`from_arrays` makes the table again.

        >>> table = KeyTable(scores=True)
        >>> table["a_b"], table["c"] = 1.5, -2.0
        >>> keys, offsets, values = table.arrays()
        >>> keys.tobytes(), offsets.tolist(), values.tolist()
        (b'a_bc', [0, 3, 4], [1.5, -2.0])
        """
        cdef int32_t n = self.table.n, e
        cdef int64_t total = 0
        cdef const Record* r
        for e in range(n):
            total += entry_record(&self.table, e).len
        keys = np.empty(total, dtype=np.uint8)
        offsets = np.empty(n + 1, dtype=np.int64)
        values = np.empty(n, dtype=np.float64 if self.scores else np.int64)
        cdef unsigned char[::1] key_view = keys
        cdef int64_t[::1] offset_view = offsets
        cdef unsigned char[::1] value_view = values.view(np.uint8)
        offset_view[0] = 0
        for e in range(n):
            r = entry_record(&self.table, e)
            if r.len:
                memcpy(&key_view[offset_view[e]], r.key, r.len)
            offset_view[e + 1] = offset_view[e] + r.len
            memcpy(&value_view[8 * e], &r.value, 8)
        return keys, offsets, values


cdef int prune_counts(StrTable* t, long long min_reduce) noexcept nogil:
    """Drop the entries with count < `min_reduce`; -1 when the mask cannot be allocated."""
    cdef unsigned char* keep = <unsigned char*>malloc(t.n + 1)
    cdef int32_t e
    if keep == NULL:
        return -1
    for e in range(t.n):
        keep[e] = entry_record(t, e).value.count >= min_reduce
    table_compact(t, keep)
    free(keep)
    return 0


def _count(value):
    """`value` as a count: an integer in the int64 range (TypeError / OverflowError otherwise)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"counts must be integers, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"counts must be integers, got {type(value).__name__} {value!r}") from None
    if not -2**63 <= number < 2**63:
        raise OverflowError(f"count {number} does not fit in 64 bits")
    return number


def _score(value):
    """`value` as a score: a real number."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise TypeError(f"scores must be numbers, got {value!r}")
    try:
        return float(value)
    except TypeError:
        raise TypeError(f"scores must be numbers, got {type(value).__name__} {value!r}") from None


def from_arrays(keys, offsets, values, bint scores, str where):
    """A KeyTable made from the arrays :meth:`KeyTable.arrays` returns, checked first.

    Raises
    ------
    ValueError
        Naming `where` (a file) and the entry: offsets that are not an increasing run from 0 to
        ``len(keys)``, a key that is not UTF-8, a repeated key, or arrays whose shapes disagree.
    """
    keys = np.ascontiguousarray(keys, dtype=np.uint8)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    values = np.ascontiguousarray(values, dtype=np.float64 if scores else np.int64)
    if keys.ndim != 1 or offsets.ndim != 1 or values.ndim != 1:
        raise ValueError(f"{where}: the key, offset and value arrays must be one-dimensional")
    n = len(values)
    if n >= INT32_MAX:
        raise ValueError(f"{where}: {n} keys are more than a table holds ({INT32_MAX - 1})")
    if len(offsets) != n + 1:
        raise ValueError(f"{where}: {len(offsets)} key offsets for {n} values (expected {n + 1})")
    if offsets[0] != 0 or offsets[n] != len(keys) or np.any(np.diff(offsets) < 0):
        raise ValueError(f"{where}: the key offsets do not run from 0 to {len(keys)} in order")
    cdef KeyTable table = KeyTable(scores, n)
    cdef const unsigned char[::1] key_view = keys
    cdef const int64_t[::1] off_view = offsets
    cdef const unsigned char[::1] value_view = values.view(np.uint8)
    cdef StrTable* t = &table.table
    cdef const unsigned char* base = &key_view[0] if len(keys) else <const unsigned char*>b""
    cdef const unsigned char* key
    cdef int64_t length
    cdef int32_t e
    cdef uint64_t h, slot
    cdef Record* r
    for e in range(n):
        key, length = base + off_view[e], off_view[e + 1] - off_view[e]
        if not utf8_valid(key, length):
            raise ValueError(f"{where}: key {e} is not valid UTF-8")
        h = hash_bytes(key, length)
        slot = find_slot(t, key, length, h)
        if t.slots[slot].ref != EMPTY:
            other = slot_record(t, slot).entry
            raise ValueError(f"{where}: key {e} repeats key {other} ({table.key(other)!r})")
        r = table_insert(t, slot, key, length, h)
        if r == NULL:
            raise MemoryError("cannot grow the phrase table")
        memcpy(&r.value, &value_view[8 * e], 8)
    table.version += 1
    return table
