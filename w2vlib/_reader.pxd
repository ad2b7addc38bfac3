# cython: language_level=3
# C-level declarations of w2vlib._reader: the string hash table (types and inline functions),
# shared with any module that cimports VocabIndex.
cimport cython
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t, INT32_MAX
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcmp, memcpy, memmove

cdef extern from *:
    """
    #define W2V_HASH_SEED 0x243F6A8885A308D3ULL
    #define W2V_HASH_MUL 0x9E3779B97F4A7C15ULL
    #define W2V_MIX_MUL1 0xFF51AFD7ED558CCDULL
    #define W2V_MIX_MUL2 0xC4CEB9FE1A85EC53ULL
    #define W2V_MIN_SLOTS 16
    """
    const uint64_t HASH_SEED "W2V_HASH_SEED"    # digits of pi: any odd 64-bit constant
    const uint64_t HASH_MUL "W2V_HASH_MUL"      # 2^64 / golden ratio
    const uint64_t MIX_MUL1 "W2V_MIX_MUL1"      # murmur3 fmix64 multipliers
    const uint64_t MIX_MUL2 "W2V_MIX_MUL2"
    const Py_ssize_t MIN_SLOTS "W2V_MIN_SLOTS"  # smallest hash table (a power of two)

# ---------------------------------------------------------------- hashing, UTF-8 checking

cdef inline uint64_t hash_bytes(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """64-bit multiply-mix hash over 8-byte words, finished with murmur3's fmix64."""
    cdef uint64_t h = HASH_SEED ^ (<uint64_t>n * HASH_MUL)
    cdef uint64_t w
    cdef Py_ssize_t i
    while n >= 8:
        memcpy(&w, p, 8)
        h = (h ^ w) * HASH_MUL
        h ^= h >> 32
        p += 8
        n -= 8
    if n > 0:
        w = 0
        for i in range(n):
            w |= (<uint64_t>p[i]) << (8 * i)
        h = (h ^ w) * HASH_MUL
    h ^= h >> 33
    h *= MIX_MUL1
    h ^= h >> 33
    h *= MIX_MUL2
    h ^= h >> 33
    return h


cdef inline bint utf8_valid(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """True if ``p[:n]`` decodes with Python's strict UTF-8 codec (no surrogates, no overlongs)."""
    cdef Py_ssize_t i = 0, k, need
    cdef unsigned char c, lo, hi
    while i < n:
        c = p[i]
        if c < 0x80:
            i += 1
            continue
        if c < 0xC2 or c > 0xF4:
            return False
        lo, hi = 0x80, 0xBF
        if c < 0xE0:
            need = 1
        elif c < 0xF0:
            need = 2
            if c == 0xE0:
                lo = 0xA0
            elif c == 0xED:
                hi = 0x9F
        else:
            need = 3
            if c == 0xF0:
                lo = 0x90
            elif c == 0xF4:
                hi = 0x8F
        if i + need >= n or p[i + 1] < lo or p[i + 1] > hi:
            return False
        for k in range(2, need + 1):
            if p[i + k] & 0xC0 != 0x80:
                return False
        i += need + 1
    return True


# ---------------------------------------------------------------- the C string table
# Open addressing with linear probing, at most half full; keys are appended to one byte
# arena in insertion order, so entry i is also the i-th distinct key seen.

ctypedef struct Slot:
    uint32_t tag       # high 32 bits of the key's hash
    int32_t entry      # index of the key, -1 for an empty slot

ctypedef struct StrTable:
    Slot* slots
    uint64_t mask      # number of slots - 1 (a power of two)
    int64_t* offs      # key i is arena[offs[i]:offs[i + 1]]
    uint64_t* hashes
    int64_t* counts    # NULL in a VocabIndex
    unsigned char* arena
    int64_t arena_cap
    int64_t entry_cap
    int32_t n
    Py_ssize_t max_len


cdef inline int table_init(StrTable* t, Py_ssize_t expected, bint with_counts) noexcept nogil:
    cdef uint64_t n_slots = MIN_SLOTS
    while n_slots < 2 * <uint64_t>expected:
        n_slots *= 2
    t.mask = n_slots - 1
    t.entry_cap = max(expected, MIN_SLOTS)
    t.arena_cap = 8 * t.entry_cap
    t.n = 0
    t.max_len = 0
    t.slots = <Slot*>malloc(n_slots * sizeof(Slot))
    t.offs = <int64_t*>calloc(t.entry_cap + 1, sizeof(int64_t))
    t.hashes = <uint64_t*>malloc(t.entry_cap * sizeof(uint64_t))
    t.counts = <int64_t*>calloc(t.entry_cap, sizeof(int64_t)) if with_counts else NULL
    t.arena = <unsigned char*>malloc(t.arena_cap)
    if (t.slots == NULL or t.offs == NULL or t.hashes == NULL or t.arena == NULL
            or (with_counts and t.counts == NULL)):
        return -1
    clear_slots(t)
    return 0


cdef inline void table_free(StrTable* t) noexcept nogil:
    free(t.slots)
    free(t.offs)
    free(t.hashes)
    free(t.counts)
    free(t.arena)
    t.slots = NULL
    t.offs = NULL
    t.hashes = NULL
    t.counts = NULL
    t.arena = NULL


cdef inline void clear_slots(StrTable* t) noexcept nogil:
    cdef uint64_t i
    for i in range(t.mask + 1):
        t.slots[i].entry = -1


cdef inline uint64_t find_slot(const StrTable* t, const unsigned char* p, Py_ssize_t n,
                               uint64_t h) noexcept nogil:
    """Slot holding key ``p[:n]`` (hash ``h``), or the empty slot where it would go."""
    cdef uint64_t i = h & t.mask
    cdef uint32_t tag = <uint32_t>(h >> 32)
    cdef int32_t e
    while True:
        e = t.slots[i].entry
        if e < 0:
            return i
        if (t.slots[i].tag == tag and t.offs[e + 1] - t.offs[e] == n
                and memcmp(t.arena + t.offs[e], p, n) == 0):
            return i
        i = (i + 1) & t.mask


cdef inline void place(StrTable* t, int32_t e) noexcept nogil:
    """Put existing entry ``e`` into the first free slot of its probe sequence."""
    cdef uint64_t h = t.hashes[e]
    cdef uint64_t i = h & t.mask
    while t.slots[i].entry >= 0:
        i = (i + 1) & t.mask
    t.slots[i].tag = <uint32_t>(h >> 32)
    t.slots[i].entry = e


cdef inline int table_insert(StrTable* t, uint64_t slot, const unsigned char* p, Py_ssize_t n,
                      uint64_t h) noexcept nogil:
    """Append key ``p[:n]`` at the empty ``slot``; return its index, -1 when out of memory."""
    cdef int32_t e = t.n
    cdef int64_t start = t.offs[e], new_cap
    cdef void* grown
    cdef int32_t i
    if e == INT32_MAX:
        return -1
    if e == t.entry_cap:
        new_cap = min(2 * t.entry_cap, <int64_t>INT32_MAX)
        grown = realloc(t.offs, (new_cap + 1) * sizeof(int64_t))
        if grown == NULL:
            return -1
        t.offs = <int64_t*>grown
        grown = realloc(t.hashes, new_cap * sizeof(uint64_t))
        if grown == NULL:
            return -1
        t.hashes = <uint64_t*>grown
        if t.counts != NULL:
            grown = realloc(t.counts, new_cap * sizeof(int64_t))
            if grown == NULL:
                return -1
            t.counts = <int64_t*>grown
        t.entry_cap = new_cap
    if start + n > t.arena_cap:
        new_cap = max(2 * t.arena_cap, start + n)
        grown = realloc(t.arena, new_cap)
        if grown == NULL:
            return -1
        t.arena = <unsigned char*>grown
        t.arena_cap = new_cap
    memcpy(t.arena + start, p, n)
    t.offs[e + 1] = start + n
    t.hashes[e] = h
    if t.counts != NULL:
        t.counts[e] = 0
    t.slots[slot].tag = <uint32_t>(h >> 32)
    t.slots[slot].entry = e
    t.n = e + 1
    t.max_len = max(t.max_len, n)
    if 2 * <uint64_t>t.n > t.mask + 1:
        grown = realloc(t.slots, 2 * (t.mask + 1) * sizeof(Slot))
        if grown == NULL:
            return -1
        t.slots = <Slot*>grown
        t.mask = 2 * t.mask + 1
        clear_slots(t)
        for i in range(t.n):
            place(t, i)
    return e


cdef inline void table_compact(StrTable* t, const unsigned char* keep) noexcept nogil:
    """Drop the entries whose ``keep`` flag is 0, preserving the order of the others."""
    cdef int32_t i, w = 0
    cdef int64_t start, stop, at = 0
    for i in range(t.n):
        start, stop = t.offs[i], t.offs[i + 1]
        if keep[i]:
            memmove(t.arena + at, t.arena + start, stop - start)
            t.offs[w] = at
            t.hashes[w] = t.hashes[i]
            t.counts[w] = t.counts[i]
            at += stop - start
            w += 1
    t.offs[w] = at
    t.n = w
    clear_slots(t)
    for i in range(t.n):
        place(t, i)


@cython.final
cdef class VocabIndex:
    cdef StrTable table
    cdef int32_t lookup_bytes(self, const unsigned char* p, Py_ssize_t n) noexcept nogil
