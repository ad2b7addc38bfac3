/* The C string table shared by w2vlib's compiled modules (declared for Cython in _reader.pxd).
 *
 * Keys are byte strings (UTF-8 in practice). Open addressing with linear probing, the table at
 * most half full; keys are appended to one byte arena in insertion order, so entry i is also the
 * i-th distinct key inserted, and compaction keeps that order. Each entry may carry one 64-bit
 * value (a count or a score) when the table is made with values.
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

#define W2V_HASH_SEED 0x243F6A8885A308D3ULL  /* digits of pi: any odd 64-bit constant */
#define W2V_HASH_MUL 0x9E3779B97F4A7C15ULL   /* 2^64 / golden ratio */
#define W2V_MIX_MUL1 0xFF51AFD7ED558CCDULL   /* murmur3 fmix64 multipliers */
#define W2V_MIX_MUL2 0xC4CEB9FE1A85EC53ULL
#define W2V_MIN_SLOTS 16                     /* smallest hash table (a power of two) */

typedef union {
    int64_t count;
    double score;
} w2v_value;

typedef struct {
    uint32_t tag;     /* high 32 bits of the key's hash */
    int32_t entry;    /* index of the key, -1 for an empty slot */
} w2v_slot;

typedef struct {
    w2v_slot *slots;
    uint64_t mask;        /* number of slots - 1 (a power of two) */
    int64_t *offs;        /* key i is arena[offs[i]:offs[i + 1]] */
    uint64_t *hashes;
    w2v_value *values;    /* NULL in a table made without values */
    unsigned char *arena;
    int64_t arena_cap;
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
 * the table (batches of keys, sentences, output) grow this way, as the table itself does. */
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

static inline void w2v_table_clear_slots(w2v_strtable *t) {
    uint64_t i;
    for (i = 0; i <= t->mask; i++)
        t->slots[i].entry = -1;
}

/* An empty table sized for `expected` keys; 0 on success, -1 when out of memory (the table may
 * then hold some buffers: w2v_table_free releases them). */
static inline int w2v_table_init(w2v_strtable *t, int64_t expected, int with_values) {
    uint64_t n_slots = W2V_MIN_SLOTS;
    memset(t, 0, sizeof(*t));
    while (n_slots < 2 * (uint64_t)expected)
        n_slots *= 2;
    t->mask = n_slots - 1;
    t->entry_cap = expected > W2V_MIN_SLOTS ? expected : W2V_MIN_SLOTS;
    t->arena_cap = 8 * t->entry_cap;
    t->slots = (w2v_slot *)malloc(n_slots * sizeof(w2v_slot));
    t->offs = (int64_t *)calloc(t->entry_cap + 1, sizeof(int64_t));
    t->hashes = (uint64_t *)malloc(t->entry_cap * sizeof(uint64_t));
    t->values = with_values ? (w2v_value *)calloc(t->entry_cap, sizeof(w2v_value)) : NULL;
    t->arena = (unsigned char *)malloc(t->arena_cap);
    if (!t->slots || !t->offs || !t->hashes || !t->arena || (with_values && !t->values))
        return -1;
    w2v_table_clear_slots(t);
    return 0;
}

static inline void w2v_table_free(w2v_strtable *t) {
    free(t->slots);
    free(t->offs);
    free(t->hashes);
    free(t->values);
    free(t->arena);
    memset(t, 0, sizeof(*t));
}

/* Slot holding key p[:n] (hash h), or the empty slot where it would go. */
static inline uint64_t w2v_find_slot(const w2v_strtable *t, const unsigned char *p, int64_t n,
                                     uint64_t h) {
    uint64_t i = h & t->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    int32_t e;
    for (;;) {
        e = t->slots[i].entry;
        if (e < 0)
            return i;
        if (t->slots[i].tag == tag && t->offs[e + 1] - t->offs[e] == n
                && memcmp(t->arena + t->offs[e], p, (size_t)n) == 0)
            return i;
        i = (i + 1) & t->mask;
    }
}

/* Entry of key p[:n], -1 if absent. */
static inline int32_t w2v_table_lookup(const w2v_strtable *t, const unsigned char *p, int64_t n) {
    if (n > t->max_len)
        return -1;
    return t->slots[w2v_find_slot(t, p, n, w2v_hash_bytes(p, n))].entry;
}

/* Put existing entry e into the first free slot of its probe sequence. */
static inline void w2v_table_place(w2v_strtable *t, int32_t e) {
    uint64_t h = t->hashes[e];
    uint64_t i = h & t->mask;
    while (t->slots[i].entry >= 0)
        i = (i + 1) & t->mask;
    t->slots[i].tag = (uint32_t)(h >> 32);
    t->slots[i].entry = e;
}

static inline void w2v_table_rehash(w2v_strtable *t) {
    int32_t i;
    w2v_table_clear_slots(t);
    for (i = 0; i < t->n; i++)
        w2v_table_place(t, i);
}

/* Append key p[:n] (hash h) at the empty `slot`, its value zero; its entry, -1 when out of
 * memory or when the table holds INT32_MAX keys. */
static inline int32_t w2v_table_insert(w2v_strtable *t, uint64_t slot, const unsigned char *p,
                                       int64_t n, uint64_t h) {
    int32_t e = t->n;
    int64_t start = t->offs[e], new_cap;
    void *grown;
    if (e == INT32_MAX)
        return -1;
    if (e == t->entry_cap) {
        new_cap = 2 * t->entry_cap < INT32_MAX ? 2 * t->entry_cap : INT32_MAX;
        grown = realloc(t->offs, (size_t)(new_cap + 1) * sizeof(int64_t));
        if (!grown)
            return -1;
        t->offs = (int64_t *)grown;
        grown = realloc(t->hashes, (size_t)new_cap * sizeof(uint64_t));
        if (!grown)
            return -1;
        t->hashes = (uint64_t *)grown;
        if (t->values) {
            grown = realloc(t->values, (size_t)new_cap * sizeof(w2v_value));
            if (!grown)
                return -1;
            t->values = (w2v_value *)grown;
        }
        t->entry_cap = new_cap;
    }
    if (start + n > t->arena_cap) {
        new_cap = 2 * t->arena_cap > start + n ? 2 * t->arena_cap : start + n;
        grown = realloc(t->arena, (size_t)new_cap);
        if (!grown)
            return -1;
        t->arena = (unsigned char *)grown;
        t->arena_cap = new_cap;
    }
    if (n)
        memcpy(t->arena + start, p, (size_t)n);
    t->offs[e + 1] = start + n;
    t->hashes[e] = h;
    if (t->values)
        t->values[e].count = 0;
    t->slots[slot].tag = (uint32_t)(h >> 32);
    t->slots[slot].entry = e;
    t->n = e + 1;
    if (n > t->max_len)
        t->max_len = n;
    if (2 * (uint64_t)t->n > t->mask + 1) {
        grown = realloc(t->slots, 2 * (t->mask + 1) * sizeof(w2v_slot));
        if (!grown)
            return -1;
        t->slots = (w2v_slot *)grown;
        t->mask = 2 * t->mask + 1;
        w2v_table_rehash(t);
    }
    return e;
}

/* Entry of key p[:n], inserted (value zero) when absent; -1 when out of memory. */
static inline int32_t w2v_table_intern(w2v_strtable *t, const unsigned char *p, int64_t n) {
    uint64_t h = w2v_hash_bytes(p, n);
    uint64_t slot = w2v_find_slot(t, p, n, h);
    int32_t e = t->slots[slot].entry;
    return e >= 0 ? e : w2v_table_insert(t, slot, p, n, h);
}

/* Prefetching for a loop that looks up many keys whose hashes it knows in advance: a key's home
 * slot (run some keys ahead), then the entry found near it (offsets and value, fewer keys
 * ahead), then its bytes (fewer still), so that the lookup finds them in cache. Only the first
 * W2V_PEEK_SLOTS slots of the probe sequence are peeked (a tag match is a likely hit); a key
 * found further on simply misses as it would have. */
#define W2V_PEEK_SLOTS 4

static inline void w2v_prefetch_slot(const w2v_strtable *t, uint64_t h) {
    __builtin_prefetch(&t->slots[h & t->mask]);
}

static inline int32_t w2v_home_entry(const w2v_strtable *t, uint64_t h) {
    uint64_t i = h & t->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    int32_t e;
    int k;
    for (k = 0; k < W2V_PEEK_SLOTS; k++) {
        e = t->slots[i].entry;
        if (e < 0 || e >= t->n)
            return -1;
        if (t->slots[i].tag == tag)
            return e;
        i = (i + 1) & t->mask;
    }
    return -1;
}

static inline void w2v_prefetch_entry(const w2v_strtable *t, uint64_t h) {
    int32_t e = w2v_home_entry(t, h);
    if (e >= 0) {
        __builtin_prefetch(&t->offs[e]);
        __builtin_prefetch(&t->offs[e + 1]);
        if (t->values)
            __builtin_prefetch(&t->values[e]);
    }
}

static inline void w2v_prefetch_key(const w2v_strtable *t, uint64_t h) {
    int32_t e = w2v_home_entry(t, h);
    if (e >= 0)
        __builtin_prefetch(t->arena + t->offs[e]);
}

/* Drop the entries whose keep flag is 0, preserving the order of the others. */
static inline void w2v_table_compact(w2v_strtable *t, const unsigned char *keep) {
    int32_t i, w = 0;
    int64_t start, stop, at = 0;
    for (i = 0; i < t->n; i++) {
        start = t->offs[i];
        stop = t->offs[i + 1];
        if (keep[i]) {
            memmove(t->arena + at, t->arena + start, (size_t)(stop - start));
            t->offs[w] = at;
            t->hashes[w] = t->hashes[i];
            if (t->values)
                t->values[w] = t->values[i];
            at += stop - start;
            w++;
        }
    }
    t->offs[w] = at;
    t->n = w;
    w2v_table_rehash(t);
}

#endif
