/* The C string table shared by w2vlib's compiled modules (declared for Cython in _reader.pxd).
 *
 * Keys are byte strings (UTF-8 in practice), each with one 64-bit value (a count or a score).
 * Open addressing with linear probing, at most half full. Each key lives in one record of an
 * arena, in insertion order: its hash, its value, its entry number (the i-th distinct key
 * inserted is entry i), its length and its bytes. A slot holds a tag (high bits of the hash)
 * and where the record is, so a lookup that finds its key reads two cache lines (the slot and
 * the record) rather than following an index through separate arrays; on a table much larger
 * than the caches that is what a lookup costs. offs[e] finds entry e's record (iteration,
 * compaction). Compaction keeps the order of the entries it keeps.
 *
 * Large arrays are allocated aligned to 2 MiB and, on Linux, marked for transparent huge pages:
 * random lookups in a table of hundreds of megabytes otherwise also miss the TLB nearly every
 * time.
 *
 * Every function is static inline: each extension module that includes this header gets its own
 * copy, which the compiler inlines into its hot loops (a function exported by another extension
 * would be called through a pointer).
 */
#ifndef W2V_STRTABLE_H
#define W2V_STRTABLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#define W2V_HASH_SEED 0x243F6A8885A308D3ULL  /* digits of pi: any odd 64-bit constant */
#define W2V_HASH_MUL 0x9E3779B97F4A7C15ULL   /* 2^64 / golden ratio */
#define W2V_MIX_MUL1 0xFF51AFD7ED558CCDULL   /* murmur3 fmix64 multipliers */
#define W2V_MIX_MUL2 0xC4CEB9FE1A85EC53ULL
#define W2V_MIN_SLOTS 16                     /* smallest hash table (a power of two) */
#define W2V_EMPTY 0xFFFFFFFFu                /* the `ref` of an empty slot */
#define W2V_ALIGN 8                          /* records start at multiples of this */
#define W2V_HUGE_PAGE ((size_t)2 << 20)      /* blocks this large get huge-page alignment */
#define W2V_MIN_ARENA 1024                   /* first arena size */

typedef union {
    int64_t count;
    double score;
} w2v_value;

typedef struct {
    uint32_t tag;     /* high 32 bits of the key's hash */
    uint32_t ref;     /* the record's offset / W2V_ALIGN, W2V_EMPTY for an empty slot */
} w2v_slot;

typedef struct {
    uint64_t hash;
    w2v_value value;
    int32_t entry;
    int32_t len;
    unsigned char key[];   /* len bytes, then padding to W2V_ALIGN */
} w2v_record;

typedef struct {
    w2v_slot *slots;
    uint64_t mask;        /* number of slots - 1 (a power of two) */
    unsigned char *arena; /* the records, end to end */
    int64_t arena_len, arena_cap;
    int64_t *offs;        /* offs[e]: where entry e's record starts in the arena */
    int64_t entry_cap;
    int32_t n;
    int64_t max_len;      /* longest key inserted (an upper bound after compaction) */
} w2v_strtable;

/* 64-bit multiply-mix hash over 8-byte words, finished with murmur3's fmix64. */
static inline uint64_t w2v_hash_bytes(const unsigned char *p, int64_t n) {
    uint64_t h = W2V_HASH_SEED ^ ((uint64_t)n * W2V_HASH_MUL);
    uint64_t w;
    int64_t i;
    while (n >= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * W2V_HASH_MUL;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        w = 0;
        for (i = 0; i < n; i++)
            w |= ((uint64_t)p[i]) << (8 * i);
        h = (h ^ w) * W2V_HASH_MUL;
    }
    h ^= h >> 33;
    h *= W2V_MIX_MUL1;
    h ^= h >> 33;
    h *= W2V_MIX_MUL2;
    h ^= h >> 33;
    return h;
}

/* 1 if p[:n] decodes with Python's strict UTF-8 codec (no surrogates, no overlongs). */
static inline int w2v_utf8_valid(const unsigned char *p, int64_t n) {
    int64_t i = 0, k, need;
    unsigned char c, lo, hi;
    while (i < n) {
        c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c < 0xC2 || c > 0xF4)
            return 0;
        lo = 0x80;
        hi = 0xBF;
        if (c < 0xE0) {
            need = 1;
        } else if (c < 0xF0) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        }
        if (i + need >= n || p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (k = 2; k <= need; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

/* Grow *block (*cap items of `item` bytes, malloc'd) by doubling until it holds `need` items;
 * 0, or -1 when out of memory (the block is then unchanged). The buffers of the modules that use
 * the table (batches of keys, sentences, output) grow this way. */
static inline int w2v_reserve(void **block, int64_t *cap, int64_t need, size_t item) {
    int64_t new_cap = *cap > 0 ? *cap : 1;
    void *grown;
    if (need <= *cap)
        return 0;
    while (new_cap < need)
        new_cap *= 2;
    grown = realloc(*block, (size_t)new_cap * item);
    if (!grown)
        return -1;
    *block = grown;
    *cap = new_cap;
    return 0;
}

/* A block of `bytes` for a table array: a large one aligned to 2 MiB and marked for huge pages
 * (a hint: nothing changes where it is not honoured). Freed with free(). */
static inline void *w2v_alloc(size_t bytes) {
    void *block = NULL;
    if (bytes < W2V_HUGE_PAGE)
        return malloc(bytes ? bytes : 1);
    if (posix_memalign(&block, W2V_HUGE_PAGE, bytes) != 0)
        return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(block, bytes, MADV_HUGEPAGE);
#endif
    return block;
}

/* *block (`used` bytes worth keeping) moved to a new block of `bytes`; -1 when out of memory. */
static inline int w2v_regrow(void **block, size_t used, size_t bytes) {
    void *grown = w2v_alloc(bytes);
    if (!grown)
        return -1;
    if (used)
        memcpy(grown, *block, used);
    free(*block);
    *block = grown;
    return 0;
}

static inline w2v_record *w2v_record_at(const w2v_strtable *t, int64_t offset) {
    return (w2v_record *)(t->arena + offset);
}

/* Entry e's record. */
static inline w2v_record *w2v_entry(const w2v_strtable *t, int32_t e) {
    return w2v_record_at(t, t->offs[e]);
}

/* The record in slot i (which must not be empty). */
static inline w2v_record *w2v_slot_record(const w2v_strtable *t, uint64_t i) {
    return w2v_record_at(t, (int64_t)t->slots[i].ref * W2V_ALIGN);
}

static inline int64_t w2v_record_size(int64_t n) {
    return ((int64_t)sizeof(w2v_record) + n + W2V_ALIGN - 1) / W2V_ALIGN * W2V_ALIGN;
}

static inline void w2v_table_clear_slots(w2v_strtable *t) {
    uint64_t i;
    for (i = 0; i <= t->mask; i++)
        t->slots[i].ref = W2V_EMPTY;
}

/* An empty table sized for `expected` keys; 0 on success, -1 when out of memory (the table may
 * then hold some buffers: w2v_table_free releases them). */
static inline int w2v_table_init(w2v_strtable *t, int64_t expected) {
    uint64_t n_slots = W2V_MIN_SLOTS;
    memset(t, 0, sizeof(*t));
    while (n_slots < 2 * (uint64_t)expected)
        n_slots *= 2;
    t->mask = n_slots - 1;
    t->entry_cap = expected > W2V_MIN_SLOTS ? expected : W2V_MIN_SLOTS;
    t->arena_cap = W2V_MIN_ARENA;
    t->slots = (w2v_slot *)w2v_alloc(n_slots * sizeof(w2v_slot));
    t->offs = (int64_t *)w2v_alloc((size_t)(t->entry_cap + 1) * sizeof(int64_t));
    t->arena = (unsigned char *)w2v_alloc((size_t)t->arena_cap);
    if (!t->slots || !t->offs || !t->arena)
        return -1;
    t->offs[0] = 0;
    w2v_table_clear_slots(t);
    return 0;
}

static inline void w2v_table_free(w2v_strtable *t) {
    free(t->slots);
    free(t->offs);
    free(t->arena);
    memset(t, 0, sizeof(*t));
}

/* Slot holding key p[:n] (hash h), or the empty slot where it would go. */
static inline uint64_t w2v_find_slot(const w2v_strtable *t, const unsigned char *p, int64_t n,
                                     uint64_t h) {
    uint64_t i = h & t->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    const w2v_record *r;
    for (;;) {
        if (t->slots[i].ref == W2V_EMPTY)
            return i;
        if (t->slots[i].tag == tag) {
            r = w2v_slot_record(t, i);
            if (r->len == n && memcmp(r->key, p, (size_t)n) == 0)
                return i;
        }
        i = (i + 1) & t->mask;
    }
}

/* The record of key p[:n] (hash h), NULL if absent. */
static inline w2v_record *w2v_table_find(const w2v_strtable *t, const unsigned char *p, int64_t n,
                                         uint64_t h) {
    uint64_t i;
    if (n > t->max_len)
        return NULL;
    i = w2v_find_slot(t, p, n, h);
    return t->slots[i].ref == W2V_EMPTY ? NULL : w2v_slot_record(t, i);
}

/* Entry of key p[:n], -1 if absent. */
static inline int32_t w2v_table_lookup(const w2v_strtable *t, const unsigned char *p, int64_t n) {
    const w2v_record *r = w2v_table_find(t, p, n, w2v_hash_bytes(p, n));
    return r ? r->entry : -1;
}

/* Put the record at `offset` into the first free slot of its probe sequence. */
static inline void w2v_table_place(w2v_strtable *t, int64_t offset) {
    uint64_t h = w2v_record_at(t, offset)->hash;
    uint64_t i = h & t->mask;
    while (t->slots[i].ref != W2V_EMPTY)
        i = (i + 1) & t->mask;
    t->slots[i].tag = (uint32_t)(h >> 32);
    t->slots[i].ref = (uint32_t)(offset / W2V_ALIGN);
}

/* How many entries ahead a rehash prefetches the slot an entry goes to (the slots of a large
 * table are written at random). */
#define W2V_REHASH_AHEAD 16

static inline void w2v_table_rehash(w2v_strtable *t) {
    int32_t i;
    w2v_table_clear_slots(t);
    for (i = 0; i < t->n; i++) {
        if (i + W2V_REHASH_AHEAD < t->n)
            __builtin_prefetch(&t->slots[w2v_entry(t, i + W2V_REHASH_AHEAD)->hash & t->mask], 1);
        w2v_table_place(t, t->offs[i]);
    }
}

/* Add key p[:n] (hash h), absent, whose empty slot is `slot`; its value is zero. Returns its
 * record, or NULL (nothing added) when out of memory, when the table holds INT32_MAX keys or
 * when the arena would pass what a slot can address (32 GiB). The record stays where it is until
 * the next insertion or compaction. */
static inline w2v_record *w2v_table_insert(w2v_strtable *t, uint64_t slot, const unsigned char *p,
                                           int64_t n, uint64_t h) {
    int32_t e = t->n;
    int64_t at = t->arena_len, size = w2v_record_size(n), new_cap;
    w2v_record *r;
    w2v_slot *grown;
    if (e == INT32_MAX || n > INT32_MAX || (at + size) / W2V_ALIGN >= (int64_t)W2V_EMPTY)
        return NULL;
    if (2 * ((uint64_t)e + 1) > t->mask + 1) {      /* keep the table at most half full */
        grown = (w2v_slot *)w2v_alloc(2 * (t->mask + 1) * sizeof(w2v_slot));
        if (!grown)
            return NULL;
        free(t->slots);
        t->slots = grown;
        t->mask = 2 * t->mask + 1;
        w2v_table_rehash(t);
        slot = w2v_find_slot(t, p, n, h);           /* the key is absent: an empty slot */
    }
    if (e == t->entry_cap) {
        new_cap = 2 * t->entry_cap < INT32_MAX ? 2 * t->entry_cap : INT32_MAX;
        if (w2v_regrow((void **)&t->offs, (size_t)(e + 1) * sizeof(int64_t),
                       (size_t)(new_cap + 1) * sizeof(int64_t)) < 0)
            return NULL;
        t->entry_cap = new_cap;
    }
    if (at + size > t->arena_cap) {
        new_cap = 2 * t->arena_cap > at + size ? 2 * t->arena_cap : at + size;
        if (w2v_regrow((void **)&t->arena, (size_t)at, (size_t)new_cap) < 0)
            return NULL;
        t->arena_cap = new_cap;
    }
    r = w2v_record_at(t, at);
    r->hash = h;
    r->value.count = 0;
    r->entry = e;
    r->len = (int32_t)n;
    if (n)
        memcpy(r->key, p, (size_t)n);
    t->slots[slot].tag = (uint32_t)(h >> 32);
    t->slots[slot].ref = (uint32_t)(at / W2V_ALIGN);
    t->offs[e] = at;
    t->arena_len = at + size;
    t->offs[e + 1] = t->arena_len;
    t->n = e + 1;
    if (n > t->max_len)
        t->max_len = n;
    return r;
}

/* The record of key p[:n], added (value zero) when absent; NULL when out of memory. */
static inline w2v_record *w2v_table_intern(w2v_strtable *t, const unsigned char *p, int64_t n) {
    uint64_t h = w2v_hash_bytes(p, n);
    uint64_t slot = w2v_find_slot(t, p, n, h);
    return t->slots[slot].ref != W2V_EMPTY ? w2v_slot_record(t, slot)
                                          : w2v_table_insert(t, slot, p, n, h);
}

/* Prefetching for a loop that looks up many keys whose hashes it knows in advance: a key's home
 * slot (some keys ahead), then the record found near it (fewer keys ahead), so that the lookup
 * finds both in cache. Only the first W2V_PEEK_SLOTS slots of the probe sequence are peeked (a
 * tag match is a likely hit); a key found further on simply misses as it would have. */
#define W2V_PEEK_SLOTS 4

static inline void w2v_prefetch_slot(const w2v_strtable *t, uint64_t h) {
    __builtin_prefetch(&t->slots[h & t->mask]);
}

static inline void w2v_prefetch_record(const w2v_strtable *t, uint64_t h) {
    uint64_t i = h & t->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    int k;
    for (k = 0; k < W2V_PEEK_SLOTS; k++) {
        if (t->slots[i].ref == W2V_EMPTY)
            return;
        if (t->slots[i].tag == tag) {
            __builtin_prefetch(w2v_slot_record(t, i), 1);
            return;
        }
        i = (i + 1) & t->mask;
    }
}

/* How many entries ahead a merge prefetches an entry's slot, then its record, in the target. */
#define W2V_MERGE_AHEAD_SLOT 16
#define W2V_MERGE_AHEAD_RECORD 8

/* Add the counts of `src` to those of `dst`, its new keys appended in `src`'s order (the hashes
 * kept in src's records are reused, and each lookup's cache misses are prefetched ahead); 0, or
 * -1 when out of memory (dst then holds part of src's counts). */
static inline int w2v_table_add_counts(w2v_strtable *dst, const w2v_strtable *src) {
    int32_t e;
    uint64_t slot;
    const w2v_record *theirs;
    w2v_record *ours;
    for (e = 0; e < src->n; e++) {
        if (e + W2V_MERGE_AHEAD_SLOT < src->n)
            w2v_prefetch_slot(dst, w2v_entry(src, e + W2V_MERGE_AHEAD_SLOT)->hash);
        if (e + W2V_MERGE_AHEAD_RECORD < src->n)
            w2v_prefetch_record(dst, w2v_entry(src, e + W2V_MERGE_AHEAD_RECORD)->hash);
        theirs = w2v_entry(src, e);
        slot = w2v_find_slot(dst, theirs->key, theirs->len, theirs->hash);
        ours = dst->slots[slot].ref != W2V_EMPTY
            ? w2v_slot_record(dst, slot)
            : w2v_table_insert(dst, slot, theirs->key, theirs->len, theirs->hash);
        if (!ours)
            return -1;
        ours->value.count += theirs->value.count;
    }
    return 0;
}

/* Drop the entries whose keep flag is 0, preserving the order of the others. */
static inline void w2v_table_compact(w2v_strtable *t, const unsigned char *keep) {
    int32_t i, w = 0;
    int64_t at = 0, size;
    w2v_record *r;
    for (i = 0; i < t->n; i++) {
        if (!keep[i])
            continue;
        r = w2v_entry(t, i);
        size = w2v_record_size(r->len);
        memmove(t->arena + at, r, (size_t)size);
        w2v_record_at(t, at)->entry = w;
        t->offs[w] = at;
        at += size;
        w++;
    }
    t->offs[w] = at;
    t->arena_len = at;
    t->n = w;
    w2v_table_rehash(t);
}

#endif
