# cython: language_level=3
"""Training kernels: one batch of word ids in, weights updated Hogwild-style, GIL released.

The work splits along two axes, as in fastText:

* the *model* axis builds the hidden vector for one training example — skip-gram uses the
  context word's input row as it is, CBOW sums (or averages) the context rows;
* the *loss* axis consumes the hidden vector for a target word — negative sampling and/or
  hierarchical softmax — updates the output weights and accumulates the gradient of the hidden
  vector, which the model axis then applies back to the input rows.

So there are 2 + 2 small functions (``_train_sg_pair``/``_train_cbow_center`` and
``_loss_ns``/``_loss_hs``), not four copies. As in fastText's loss, negative sampling draws its own
negatives and fetches their rows; the model axis only tells the loss axis how many examples of
one target follow (``_expect_examples``), so that it can draw them at once and fetch ahead.
Everything per token — subsampling, window shrinking, negative draws — uses the per-thread random
state of a :class:`WorkerState`; nothing in the hot loop touches a Python object.

The pure-numpy twin of these kernels is :mod:`w2vlib._reference`; the tests run both.
"""
from libc.math cimport exp, log1p
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport free
from libc.string cimport memcpy, memset
from cpython.pythread cimport (PyThread_acquire_lock, PyThread_allocate_lock, PyThread_free_lock,
                               PyThread_release_lock, PyThread_type_lock, WAIT_LOCK)

import numpy as np

ctypedef float real

# The sigmoid is read from a table on (-MAX_EXP, MAX_EXP), as in the original word2vec tool.
cdef enum:
    SIGMOID_TABLE_SIZE = 1000
    MAX_EXP = 6

cdef real SIGMOID_TABLE[SIGMOID_TABLE_SIZE]
cdef extern from *:
    """
    #define W2V_SIGMOID_SLOTS 1000                  /* SIGMOID_TABLE_SIZE */
    #define W2V_MAX_EXP 6                           /* MAX_EXP */
    #define W2V_SIGMOID_SCALE (W2V_SIGMOID_SLOTS / (2.0 * W2V_MAX_EXP))
    """
    const double SIGMOID_SCALE "W2V_SIGMOID_SCALE"
    const int C_SIGMOID_SLOTS "W2V_SIGMOID_SLOTS"
    const int C_MAX_EXP "W2V_MAX_EXP"

# The C code's copies (the vector kernels' sigmoid steps read them)
assert (C_SIGMOID_SLOTS, C_MAX_EXP) == (SIGMOID_TABLE_SIZE, MAX_EXP), "W2V_* constants are out of date"
assert SIGMOID_SCALE == SIGMOID_TABLE_SIZE / (2.0 * MAX_EXP), "W2V_SIGMOID_SCALE is out of date"

cdef int _t
for _t in range(SIGMOID_TABLE_SIZE):
    SIGMOID_TABLE[_t] = <real>(1.0 / (1.0 + exp(-((2.0 * _t / SIGMOID_TABLE_SIZE) - 1.0) * MAX_EXP)))

# splitmix64 constants (Steele, Lea & Flood 2014), as C constants: module variables would be
# reloaded from memory on every draw.
cdef extern from *:
    """
    #define W2V_GOLDEN_GAMMA 0x9E3779B97F4A7C15ULL
    #define W2V_MIX1 0xBF58476D1CE4E5B9ULL
    #define W2V_MIX2 0x94D049BB133111EBULL
    #define W2V_LOW32 0xFFFFFFFFULL
    """
    const uint64_t GOLDEN_GAMMA "W2V_GOLDEN_GAMMA"
    const uint64_t MIX1 "W2V_MIX1"
    const uint64_t MIX2 "W2V_MIX2"
    const uint64_t LOW32 "W2V_LOW32"
# Floats per 64-byte cache line, the prefetch stride.
cdef enum:
    FLOATS_PER_LINE = 16
# Output rows (a Huffman path, or a positive and its negatives) are trained in groups of at most
# this many, dot products first (see _train_outputs).
cdef enum:
    AHEAD = 64

# Per-thread buffers are aligned and padded to this many bytes (two cache lines, the unit of the
# adjacent-line prefetcher), so no line is shared between threads (false sharing).
cdef enum:
    THREAD_PRIVATE_ALIGN = 128

cdef extern from *:
    """
    /* Prefetch for writing (PREFETCHW where the target has it, else a plain prefetch): the line
       arrives ready to be modified, saving the second coherence round trip of read-then-write
       when another thread holds it. */
    #define w2v_prefetch_for_write(addr) __builtin_prefetch((addr), 1, 3)
    """
    void w2v_prefetch_for_write(const void* addr) noexcept nogil

cdef extern from *:
    """
    /* Four or two output rows against one hidden vector h in one pass over the vector: h (and
       the gradient) are loaded once per group instead of once per row, and the gradient is
       stored once per group. For each element the gradient adds the rows in order, as row-by-row
       code does. The rows are distinct and none is h or grad (restrict). */
    #define W2V_R(k) float* restrict r##k = rows[k]
    #define W2V_DOT(k) s##k += hi * r##k[i]
    #define W2V_UPD(k) o = r##k[i]; acc += g[k] * o; r##k[i] = o + g[k] * hi

    static inline void w2v_dots4(const float* restrict h, float* const* rows, float* out, int n) {
        W2V_R(0); W2V_R(1); W2V_R(2); W2V_R(3);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < n; i++) { float hi = h[i]; W2V_DOT(0); W2V_DOT(1); W2V_DOT(2); W2V_DOT(3); }
        out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
    }
    static inline void w2v_dots2(const float* restrict h, float* const* rows, float* out, int n) {
        W2V_R(0); W2V_R(1);
        float s0 = 0, s1 = 0;
        for (int i = 0; i < n; i++) { float hi = h[i]; W2V_DOT(0); W2V_DOT(1); }
        out[0] = s0; out[1] = s1;
    }
    static inline void w2v_update4(const float* g, const float* restrict h, float* const* rows,
                                   float* restrict grad, int n) {
        W2V_R(0); W2V_R(1); W2V_R(2); W2V_R(3);
        for (int i = 0; i < n; i++) {
            float hi = h[i], acc = grad[i], o;
            W2V_UPD(0); W2V_UPD(1); W2V_UPD(2); W2V_UPD(3);
            grad[i] = acc;
        }
    }
    static inline void w2v_update2(const float* g, const float* restrict h, float* const* rows,
                                   float* restrict grad, int n) {
        W2V_R(0); W2V_R(1);
        for (int i = 0; i < n; i++) {
            float hi = h[i], acc = grad[i], o;
            W2V_UPD(0); W2V_UPD(1);
            grad[i] = acc;
        }
    }
    /* out += sum_k g[k] * rows[k] over m rows, four rows per pass over out (shared negatives:
       an input row's gradient from the window's output rows, an output row's update from its
       input rows). out is none of the rows. */
    static inline void w2v_accumulate(const float* g, float* const* rows, int m,
                                      float* restrict out, int n) {
        int k = 0;
        for (; k + 4 <= m; k += 4) {
            const float* restrict r0 = rows[k]; const float* restrict r1 = rows[k + 1];
            const float* restrict r2 = rows[k + 2]; const float* restrict r3 = rows[k + 3];
            float g0 = g[k], g1 = g[k + 1], g2 = g[k + 2], g3 = g[k + 3];
            for (int i = 0; i < n; i++)
                out[i] += g0 * r0[i] + g1 * r1[i] + g2 * r2[i] + g3 * r3[i];
        }
        for (; k + 2 <= m; k += 2) {
            const float* restrict r0 = rows[k]; const float* restrict r1 = rows[k + 1];
            float g0 = g[k], g1 = g[k + 1];
            for (int i = 0; i < n; i++)
                out[i] += g0 * r0[i] + g1 * r1[i];
        }
        for (; k < m; k++) {
            const float* restrict r0 = rows[k];
            float g0 = g[k];
            for (int i = 0; i < n; i++)
                out[i] += g0 * r0[i];
        }
    }
    /* Two input rows h0, h1 against m output rows in one pass per four of them: out0[k] =
       h0 . rows[k], out1[k] = h1 . rows[k] (each output row is loaded once for both). */
    static inline void w2v_dots_pair(const float* restrict h0, const float* restrict h1,
                                     float* const* rows, int m, float* out0, float* out1, int n) {
        int k = 0;
        for (; k + 4 <= m; k += 4) {
            const float* restrict r0 = rows[k]; const float* restrict r1 = rows[k + 1];
            const float* restrict r2 = rows[k + 2]; const float* restrict r3 = rows[k + 3];
            float a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
            for (int i = 0; i < n; i++) {
                float x = h0[i], y = h1[i], v0 = r0[i], v1 = r1[i], v2 = r2[i], v3 = r3[i];
                a0 += x * v0; a1 += x * v1; a2 += x * v2; a3 += x * v3;
                b0 += y * v0; b1 += y * v1; b2 += y * v2; b3 += y * v3;
            }
            out0[k] = a0; out0[k + 1] = a1; out0[k + 2] = a2; out0[k + 3] = a3;
            out1[k] = b0; out1[k + 1] = b1; out1[k + 2] = b2; out1[k + 3] = b3;
        }
        for (; k < m; k++) {
            const float* restrict r0 = rows[k];
            float a0 = 0, b0 = 0;
            for (int i = 0; i < n; i++) { a0 += h0[i] * r0[i]; b0 += h1[i] * r0[i]; }
            out0[k] = a0; out1[k] = b0;
        }
    }
    /* out0 += sum_k g0[k] * rows[k] and out1 += sum_k g1[k] * rows[k] over m rows, each row
       loaded once for both (two input rows' gradients from the window's output rows, or two
       output rows' updates from its input rows). Neither out is one of the rows. */
    static inline void w2v_accumulate_pair(const float* g0, const float* g1, float* const* rows,
                                           int m, float* restrict out0, float* restrict out1,
                                           int n) {
        int k = 0;
        for (; k + 4 <= m; k += 4) {
            const float* restrict r0 = rows[k]; const float* restrict r1 = rows[k + 1];
            const float* restrict r2 = rows[k + 2]; const float* restrict r3 = rows[k + 3];
            float a0 = g0[k], a1 = g0[k + 1], a2 = g0[k + 2], a3 = g0[k + 3];
            float b0 = g1[k], b1 = g1[k + 1], b2 = g1[k + 2], b3 = g1[k + 3];
            for (int i = 0; i < n; i++) {
                float v0 = r0[i], v1 = r1[i], v2 = r2[i], v3 = r3[i];
                out0[i] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
                out1[i] += b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3;
            }
        }
        for (; k < m; k++) {
            const float* restrict r0 = rows[k];
            float a0 = g0[k], b0 = g1[k];
            for (int i = 0; i < n; i++) { out0[i] += a0 * r0[i]; out1[i] += b0 * r0[i]; }
        }
    }
    """
    void w2v_dots_pair(const real* h0, const real* h1, real** rows, int m, real* out0,
                       real* out1, int n) noexcept nogil
    void w2v_accumulate_pair(const real* g0, const real* g1, real** rows, int m, real* out0,
                             real* out1, int n) noexcept nogil
    void w2v_accumulate(const real* g, real** rows, int m, real* out, int n) noexcept nogil
    void w2v_dots4(const real* h, real** rows, real* out, int n) noexcept nogil
    void w2v_dots2(const real* h, real** rows, real* out, int n) noexcept nogil
    void w2v_update4(const real* g, const real* h, real** rows, real* grad, int n) noexcept nogil
    void w2v_update2(const real* g, const real* h, real** rows, real* grad, int n) noexcept nogil


cdef extern from *:
    """
    /* The shared-negatives window in vector intrinsics, for the AVX-512 build (16 floats a
       vector, dot products of up to eight output rows at a time) and the AVX2 build (8 floats,
       four rows); the baseline build uses the portable loops above. Every row pass runs in
       whole vectors with one masked vector for the rest of the row (100 = 6 x 16 + 4), no
       scalar remainder; the dot products of a group of output rows are summed across their
       lanes together (a tree of shuffles); the gradients are written, not added to zeros; the
       steps are gathered from the sigmoid table a vector at a time. The same products and
       sums as the portable code, in another order (float32 rounding differs). In ad-hoc A/Bs on
       this project's machine (one thread, 3M tokens) the AVX-512 build trained shared negatives
       about 1.45x as fast as its portable loops (docs/benchmark-notes.md). */
    #define W2V_AI static inline __attribute__((always_inline))
    #if defined(__AVX512F__)
    #include <immintrin.h>
    #define W2V_WINDOW_SIMD 1
    #define W2V_W 16
    #define W2V_GROUP 8
    typedef __m512 w2v_vec;
    typedef __mmask16 w2v_mask;
    #define W2V_ZERO() _mm512_setzero_ps()
    #define W2V_LOAD(p) _mm512_loadu_ps(p)
    #define W2V_LOADM(m, p) _mm512_maskz_loadu_ps((m), (p))
    #define W2V_STORE(p, v) _mm512_storeu_ps((p), (v))
    #define W2V_STOREM(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
    #define W2V_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
    #define W2V_SET1(x) _mm512_set1_ps(x)
    /* the first `left` lanes */
    W2V_AI w2v_mask w2v_tail(int left) { return (__mmask16)((1u << left) - 1u); }

    /* out[k] = the sum of v[k]'s lanes, k < 8. */
    W2V_AI void w2v_sum8(const w2v_vec* v, float* out) {
        __m512 t01 = _mm512_add_ps(_mm512_unpacklo_ps(v[0], v[1]), _mm512_unpackhi_ps(v[0], v[1]));
        __m512 t23 = _mm512_add_ps(_mm512_unpacklo_ps(v[2], v[3]), _mm512_unpackhi_ps(v[2], v[3]));
        __m512 t45 = _mm512_add_ps(_mm512_unpacklo_ps(v[4], v[5]), _mm512_unpackhi_ps(v[4], v[5]));
        __m512 t67 = _mm512_add_ps(_mm512_unpacklo_ps(v[6], v[7]), _mm512_unpackhi_ps(v[6], v[7]));
        __m512 u0 = _mm512_add_ps(_mm512_shuffle_ps(t01, t23, _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_ps(t01, t23, _MM_SHUFFLE(3, 2, 3, 2)));
        __m512 u4 = _mm512_add_ps(_mm512_shuffle_ps(t45, t67, _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_ps(t45, t67, _MM_SHUFFLE(3, 2, 3, 2)));
        __m512 w = _mm512_add_ps(_mm512_shuffle_f32x4(u0, u4, _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_shuffle_f32x4(u0, u4, _MM_SHUFFLE(3, 1, 3, 1)));
        __m512 x = _mm512_add_ps(w, _mm512_shuffle_f32x4(w, w, _MM_SHUFFLE(2, 3, 0, 1)));
        _mm_storeu_ps(out, _mm512_castps512_ps128(x));
        _mm_storeu_ps(out + 4, _mm512_extractf32x4_ps(x, 2));
    }

    /* The sigmoid of 16 dot products f as _sigmoid computes it (its slot in double, gathered
       from the table) inside (-MAX_EXP, MAX_EXP), 1 from MAX_EXP up, 0 below and for NaN;
       `centers` marks the lanes whose label is 1: (label - sigmoid) * alpha. */
    W2V_AI w2v_vec w2v_step(w2v_vec f, unsigned int centers, w2v_vec alpha, const float* table) {
        const __m512d shift = _mm512_set1_pd(W2V_MAX_EXP), scale = _mm512_set1_pd(W2V_SIGMOID_SCALE);
        const __m512 one = _mm512_set1_ps(1.0f);
        __mmask16 inside = _mm512_cmp_ps_mask(f, _mm512_set1_ps(-W2V_MAX_EXP), _CMP_GT_OQ)
                           & _mm512_cmp_ps_mask(f, _mm512_set1_ps(W2V_MAX_EXP), _CMP_LT_OQ);
        __mmask16 above = _mm512_cmp_ps_mask(f, _mm512_set1_ps(W2V_MAX_EXP), _CMP_GE_OQ);
        __m512d f0 = _mm512_cvtps_pd(_mm512_castps512_ps256(f));
        __m512d f1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1)));
        __m256i s0 = _mm512_cvttpd_epi32(_mm512_mul_pd(_mm512_add_pd(f0, shift), scale));
        __m256i s1 = _mm512_cvttpd_epi32(_mm512_mul_pd(_mm512_add_pd(f1, shift), scale));
        __m512i slot = _mm512_min_epi32(_mm512_inserti64x4(_mm512_castsi256_si512(s0), s1, 1),
                                        _mm512_set1_epi32(W2V_SIGMOID_SLOTS - 1));
        __m512 sig = _mm512_mask_i32gather_ps(_mm512_maskz_mov_ps(above, one), inside, slot,
                                              table, 4);
        __m512 label = _mm512_maskz_mov_ps((__mmask16)centers, one);
        return _mm512_mul_ps(_mm512_sub_ps(label, sig), alpha);
    }
    #elif defined(__AVX2__) && defined(__FMA__)
    #include <immintrin.h>
    #define W2V_WINDOW_SIMD 1
    #define W2V_W 8
    #define W2V_GROUP 4
    typedef __m256 w2v_vec;
    typedef __m256i w2v_mask;
    #define W2V_ZERO() _mm256_setzero_ps()
    #define W2V_LOAD(p) _mm256_loadu_ps(p)
    #define W2V_LOADM(m, p) _mm256_maskload_ps((p), (m))
    #define W2V_STORE(p, v) _mm256_storeu_ps((p), (v))
    #define W2V_STOREM(p, m, v) _mm256_maskstore_ps((p), (m), (v))
    #define W2V_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
    #define W2V_SET1(x) _mm256_set1_ps(x)
    static const int w2v_tail_lanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    /* the first `left` lanes */
    W2V_AI w2v_mask w2v_tail(int left) {
        return _mm256_loadu_si256((const __m256i*)(w2v_tail_lanes + 8 - left));
    }

    /* out[k] = the sum of v[k]'s lanes, k < 8. */
    W2V_AI void w2v_sum8(const w2v_vec* v, float* out) {
        __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
        __m256 u4 = _mm256_hadd_ps(_mm256_hadd_ps(v[4], v[5]), _mm256_hadd_ps(v[6], v[7]));
        _mm256_storeu_ps(out, _mm256_add_ps(_mm256_permute2f128_ps(u0, u4, 0x20),
                                            _mm256_permute2f128_ps(u0, u4, 0x31)));
    }

    /* As the AVX-512 w2v_step, 8 lanes. */
    W2V_AI w2v_vec w2v_step(w2v_vec f, unsigned int centers, w2v_vec alpha, const float* table) {
        const __m256d shift = _mm256_set1_pd(W2V_MAX_EXP), scale = _mm256_set1_pd(W2V_SIGMOID_SCALE);
        const __m256 one = _mm256_set1_ps(1.0f);
        const __m256i lane_bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        __m256 inside = _mm256_and_ps(_mm256_cmp_ps(f, _mm256_set1_ps(-W2V_MAX_EXP), _CMP_GT_OQ),
                                      _mm256_cmp_ps(f, _mm256_set1_ps(W2V_MAX_EXP), _CMP_LT_OQ));
        __m256 above = _mm256_cmp_ps(f, _mm256_set1_ps(W2V_MAX_EXP), _CMP_GE_OQ);
        __m128i s0 = _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_add_pd(
            _mm256_cvtps_pd(_mm256_castps256_ps128(f)), shift), scale));
        __m128i s1 = _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_add_pd(
            _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)), shift), scale));
        __m256i slot = _mm256_min_epi32(_mm256_set_m128i(s1, s0), _mm256_set1_epi32(W2V_SIGMOID_SLOTS - 1));
        __m256 sig = _mm256_mask_i32gather_ps(_mm256_and_ps(above, one), table, slot, inside, 4);
        __m256i marked = _mm256_and_si256(_mm256_set1_epi32((int)centers), lane_bits);
        __m256 label = _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(marked, lane_bits)), one);
        return _mm256_mul_ps(_mm256_sub_ps(label, sig), alpha);
    }
    #else
    #define W2V_WINDOW_SIMD 0
    #endif

    #if W2V_WINDOW_SIMD
    /* s0[k] = h0 . rows[k] (and s1[k] = h1 . rows[k] if TWO), k < M <= W2V_GROUP. */
    W2V_AI void w2v_dots_group(const float* h0, const float* h1, float* const* rows,
                               const int M, const int TWO, float* s0, float* s1, int n) {
        /* a: h0's lane sums against each row, b: h1's. AVX2 keeps both in v (four rows each),
           so that one w2v_sum8 reduces them; AVX-512 keeps b in bb (eight rows each). */
        w2v_vec v[8], bb[8];
        w2v_vec* a = v;
        w2v_vec* b = W2V_GROUP == 8 ? bb : v + W2V_GROUP;
        float t[16];
        int i = 0;
        for (int k = 0; k < 8; k++) { v[k] = W2V_ZERO(); bb[k] = W2V_ZERO(); }
        for (; i + W2V_W <= n; i += W2V_W) {
            w2v_vec x = W2V_LOAD(h0 + i), y = TWO ? W2V_LOAD(h1 + i) : x;
            for (int k = 0; k < M; k++) {
                w2v_vec r = W2V_LOAD(rows[k] + i);
                a[k] = W2V_FMA(x, r, a[k]);
                if (TWO) b[k] = W2V_FMA(y, r, b[k]);
            }
        }
        if (i < n) {
            w2v_mask m = w2v_tail(n - i);
            w2v_vec x = W2V_LOADM(m, h0 + i), y = TWO ? W2V_LOADM(m, h1 + i) : x;
            for (int k = 0; k < M; k++) {
                w2v_vec r = W2V_LOADM(m, rows[k] + i);
                a[k] = W2V_FMA(x, r, a[k]);
                if (TWO) b[k] = W2V_FMA(y, r, b[k]);
            }
        }
        w2v_sum8(v, t);                /* AVX2: a's four sums, then b's */
        if (W2V_GROUP == 8 && TWO) w2v_sum8(bb, t + 8);
        for (int k = 0; k < M; k++) {
            s0[k] = t[k];
            if (TWO) s1[k] = t[W2V_GROUP + k];
        }
    }

    /* out0 (= or +=, FIRST) sum_k g0[k] * rows[k], and out1 likewise from g1 if TWO;
       k < M <= W2V_GROUP. */
    W2V_AI void w2v_combine_group(const float* g0, const float* g1, float* const* rows,
                                  const int M, const int TWO, const int FIRST,
                                  float* out0, float* out1, int n) {
        w2v_vec ga[W2V_GROUP], gb[W2V_GROUP];
        int i = 0;
        for (int k = 0; k < M; k++) {
            ga[k] = W2V_SET1(g0[k]);
            gb[k] = TWO ? W2V_SET1(g1[k]) : ga[k];
        }
        for (; i + W2V_W <= n; i += W2V_W) {
            w2v_vec a = FIRST ? W2V_ZERO() : W2V_LOAD(out0 + i);
            w2v_vec b = FIRST || !TWO ? W2V_ZERO() : W2V_LOAD(out1 + i);
            for (int k = 0; k < M; k++) {
                w2v_vec r = W2V_LOAD(rows[k] + i);
                a = W2V_FMA(ga[k], r, a);
                if (TWO) b = W2V_FMA(gb[k], r, b);
            }
            W2V_STORE(out0 + i, a);
            if (TWO) W2V_STORE(out1 + i, b);
        }
        if (i < n) {
            w2v_mask m = w2v_tail(n - i);
            w2v_vec a = FIRST ? W2V_ZERO() : W2V_LOADM(m, out0 + i);
            w2v_vec b = FIRST || !TWO ? W2V_ZERO() : W2V_LOADM(m, out1 + i);
            for (int k = 0; k < M; k++) {
                w2v_vec r = W2V_LOADM(m, rows[k] + i);
                a = W2V_FMA(ga[k], r, a);
                if (TWO) b = W2V_FMA(gb[k], r, b);
            }
            W2V_STOREM(out0 + i, m, a);
            if (TWO) W2V_STOREM(out1 + i, m, b);
        }
    }

    /* CALL(K) with the constant K = M, 1 <= M <= W2V_GROUP. */
    #if W2V_GROUP == 8
    #define W2V_CASES(CALL) switch (M) { case 1: CALL(1); break; case 2: CALL(2); break; \
        case 3: CALL(3); break; case 4: CALL(4); break; case 5: CALL(5); break; \
        case 6: CALL(6); break; case 7: CALL(7); break; default: CALL(8); }
    #else
    #define W2V_CASES(CALL) switch (M) { case 1: CALL(1); break; case 2: CALL(2); break; \
        case 3: CALL(3); break; default: CALL(4); }
    #endif

    /* steps[c * m + k] = ins[c] . outs[k] for c < n_in, k < m. */
    static void w2v_window_dots(float* const* ins, int n_in, float* const* outs, int m,
                                float* steps, int n) {
        for (int k0 = 0; k0 < m; k0 += W2V_GROUP) {
            int M = m - k0 < W2V_GROUP ? m - k0 : W2V_GROUP, c = 0;
            for (; c + 2 <= n_in; c += 2) {
                #define W2V_DOTS2(K) w2v_dots_group(ins[c], ins[c + 1], outs + k0, K, 1, \
                    &steps[c * m + k0], &steps[(c + 1) * m + k0], n)
                W2V_CASES(W2V_DOTS2)
            }
            if (c < n_in) {
                #define W2V_DOTS1(K) w2v_dots_group(ins[c], ins[c], outs + k0, K, 0, \
                    &steps[c * m + k0], NULL, n)
                W2V_CASES(W2V_DOTS1)
            }
        }
    }

    /* grads[c] = sum_k steps[c * m + k] * outs[k] (rows of n floats) for c < n_in. */
    static void w2v_window_grads(const float* steps, int n_in, float* const* outs, int m,
                                 float* grads, int n) {
        for (int k0 = 0; k0 < m; k0 += W2V_GROUP) {
            int M = m - k0 < W2V_GROUP ? m - k0 : W2V_GROUP, c = 0;
            for (; c + 2 <= n_in; c += 2) {
                #define W2V_GRADS2(K) w2v_combine_group(&steps[c * m + k0], \
                    &steps[(c + 1) * m + k0], outs + k0, K, 1, k0 == 0, &grads[c * n], \
                    &grads[(c + 1) * n], n)
                W2V_CASES(W2V_GRADS2)
            }
            if (c < n_in) {
                #define W2V_GRADS1(K) w2v_combine_group(&steps[c * m + k0], NULL, \
                    outs + k0, K, 0, k0 == 0, &grads[c * n], NULL, n)
                W2V_CASES(W2V_GRADS1)
            }
        }
    }

    /* outs[k] += sum_c steps[c * m + k] * ins[c] for k < m, in order (an output row drawn twice
       takes its second update on top of its first), two rows per pass over the inputs where
       they differ; column holds 2 * n_in floats. */
    static void w2v_window_outputs(const float* steps, float* const* ins, int n_in,
                                   float* const* outs, int m, float* column, int n) {
        int k = 0;
        while (k < m) {
            int two = k + 1 < m && outs[k] != outs[k + 1];
            for (int c = 0; c < n_in; c++) {
                column[c] = steps[c * m + k];
                if (two) column[n_in + c] = steps[c * m + k + 1];
            }
            for (int c0 = 0; c0 < n_in; c0 += W2V_GROUP) {
                int M = n_in - c0 < W2V_GROUP ? n_in - c0 : W2V_GROUP;
                if (two) {
                    #define W2V_OUT2(K) w2v_combine_group(&column[c0], &column[n_in + c0], \
                        ins + c0, K, 1, 0, outs[k], outs[k + 1], n)
                    W2V_CASES(W2V_OUT2)
                } else {
                    #define W2V_OUT1(K) w2v_combine_group(&column[c0], NULL, ins + c0, K, 0, 0, \
                        outs[k], NULL, n)
                    W2V_CASES(W2V_OUT1)
                }
            }
            k += two ? 2 : 1;
        }
    }

    /* steps[j] = (label - sigmoid(steps[j])) * alpha for j < count, the label 1 where j is a
       multiple of m (a window's center; its negatives 0): the scalar step of _train_sg_shared
       without the loss, a vector at a time (w2v_step). */
    static void w2v_window_steps(float* steps, int count, int m, float alpha,
                                 const float* table) {
        const w2v_vec va = W2V_SET1(alpha);
        unsigned int centers = 0;           /* lanes 0, m, 2m, ... */
        int offset = 0;                     /* the first center lane of the current vector */
        for (int t = 0; t < W2V_W; t += m) centers |= 1u << t;
        for (int j = 0; j < count; j += W2V_W) {
            unsigned int mine = (centers << offset) & ((1u << W2V_W) - 1u);
            if (count - j >= W2V_W) {
                W2V_STORE(steps + j, w2v_step(W2V_LOAD(steps + j), mine, va, table));
            } else {
                w2v_mask m_ = w2v_tail(count - j);
                W2V_STOREM(steps + j, m_, w2v_step(W2V_LOADM(m_, steps + j), mine, va, table));
            }
            offset = (offset + m - W2V_W % m) % m;
        }
    }

    /* y += a * x over n floats. */
    static inline void w2v_window_axpy(float a, const float* x, float* y, int n) {
        w2v_vec va = W2V_SET1(a);
        int i = 0;
        for (; i + W2V_W <= n; i += W2V_W)
            W2V_STORE(y + i, W2V_FMA(va, W2V_LOAD(x + i), W2V_LOAD(y + i)));
        if (i < n) {
            w2v_mask m = w2v_tail(n - i);
            W2V_STOREM(y + i, m, W2V_FMA(va, W2V_LOADM(m, x + i), W2V_LOADM(m, y + i)));
        }
    }
    #else
    static inline void w2v_window_dots(float* const* ins, int n_in, float* const* outs, int m,
                                       float* steps, int n) {}
    static inline void w2v_window_grads(const float* steps, int n_in, float* const* outs,
                                        int m, float* grads, int n) {}
    static inline void w2v_window_outputs(const float* steps, float* const* ins, int n_in,
                                          float* const* outs, int m, float* column, int n) {}
    static inline void w2v_window_steps(float* steps, int count, int m, float alpha,
                                        const float* table) {}
    static inline void w2v_window_axpy(float a, const float* x, float* y, int n) {}
    #endif
    """
    bint WINDOW_SIMD "W2V_WINDOW_SIMD"
    void w2v_window_dots(real** ins, int n_in, real** outs, int m, real* steps,
                         int n) noexcept nogil
    void w2v_window_grads(const real* steps, int n_in, real** outs, int m, real* grads,
                          int n) noexcept nogil
    void w2v_window_outputs(const real* steps, real** ins, int n_in, real** outs, int m,
                            real* column, int n) noexcept nogil
    void w2v_window_steps(real* steps, int count, int m, real alpha,
                          const real* table) noexcept nogil
    void w2v_window_axpy(real a, const real* x, real* y, int n) noexcept nogil


cdef extern from "<stdlib.h>":
    int posix_memalign(void** memptr, size_t alignment, size_t size) nogil


cdef void* _private_alloc(size_t nbytes) except NULL:
    """Zeroed memory owned by one thread: aligned, and padded to whole 128-byte blocks."""
    cdef void* ptr = NULL
    cdef size_t padded = (nbytes + THREAD_PRIVATE_ALIGN - 1) // THREAD_PRIVATE_ALIGN * THREAD_PRIVATE_ALIGN
    if posix_memalign(&ptr, THREAD_PRIVATE_ALIGN, padded if padded else THREAD_PRIVATE_ALIGN) != 0:
        raise MemoryError()
    memset(ptr, 0, padded)
    return ptr


cdef inline uint64_t _next_random(uint64_t* state) noexcept nogil:
    """splitmix64: one 64-bit draw from the per-thread state."""
    state[0] += GOLDEN_GAMMA
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * MIX1
    z = (z ^ (z >> 27)) * MIX2
    return z ^ (z >> 31)


cdef inline uint32_t _below(uint64_t r, uint32_t n) noexcept nogil:
    """Map the high 32 bits of ``r`` to ``[0, n)`` without division (Lemire's multiply-shift)."""
    return <uint32_t>(((r >> 32) * <uint64_t>n) >> 32)


cdef inline real _sigmoid(real f) noexcept nogil:
    """The table sigmoid of ``f`` in (-MAX_EXP, MAX_EXP).

    The slot is computed in double: in float, the largest float below MAX_EXP (5.9999995) plus
    MAX_EXP rounds to 12.0, one slot past the table (word2vec.c allocates a spare slot for it).
    The clamp keeps the read in the table whatever the compiler does with the arithmetic.
    """
    cdef int slot = <int>((<double>f + MAX_EXP) * SIGMOID_SCALE)
    return SIGMOID_TABLE[slot if slot < SIGMOID_TABLE_SIZE else SIGMOID_TABLE_SIZE - 1]


cdef inline double _softplus(double x) noexcept nogil:
    """log(1 + exp(x)) without overflow: the exact loss term -log(sigmoid(-x))."""
    if x > 0:
        return x + log1p(exp(-x))
    return log1p(exp(x))


cdef inline real _dot(const real* a, const real* b, int n) noexcept nogil:
    cdef real s = 0
    cdef int i
    for i in range(n):
        s = s + a[i] * b[i]
    return s


cdef inline void _axpy(real alpha, const real* x, real* y, int n) noexcept nogil:
    cdef int i
    for i in range(n):
        y[i] = y[i] + alpha * x[i]


cdef inline void _update_output(real g, const real* h, real* out, real* grad,
                                int n) noexcept nogil:
    """``grad += g * out`` (with the old ``out``), then ``out += g * h``: one pass over the
    output row instead of two."""
    cdef int i
    cdef real old
    for i in range(n):
        old = out[i]
        grad[i] = grad[i] + g * old
        out[i] = old + g * h[i]


cdef inline void _dots(const real* h, real** rows, real* out, int n, int size) noexcept nogil:
    """``out[k] = h . rows[k]`` for ``n`` rows, in groups that load ``h`` once."""
    cdef int k = 0
    while k + 4 <= n:
        w2v_dots4(h, &rows[k], &out[k], size)
        k += 4
    if k + 2 <= n:
        w2v_dots2(h, &rows[k], &out[k], size)
        k += 2
    if k < n:
        out[k] = _dot(h, rows[k], size)


cdef inline void _update_outputs(const real* g, const real* h, real** rows, real* grad, int n,
                                 int size) noexcept nogil:
    """For each of ``n`` distinct rows in order: ``grad += g[k] * row`` (the old row), then
    ``row += g[k] * h``, in groups that pass over ``h`` and ``grad`` once."""
    cdef int k = 0
    while k + 4 <= n:
        w2v_update4(&g[k], h, &rows[k], grad, size)
        k += 4
    if k + 2 <= n:
        w2v_update2(&g[k], h, &rows[k], grad, size)
        k += 2
    if k < n:
        _update_output(g[k], h, rows[k], grad, size)


cdef struct Params:
    real* syn0
    real* syn1
    real* syn1neg
    int size
    int window
    int negative
    int hs
    int sg
    int cbow_mean
    int cbow_correction           # with cbow_mean: each context row gets 1/count of the mean's step
    int shared_negatives          # skip-gram-ns: one draw of negatives per window (see _train_sg_shared)
    int shrink_windows
    int compute_loss
    uint32_t n_words
    const uint32_t* sample_int    # NULL: no subsampling
    const uint64_t* accept        # alias table for negative draws
    const int32_t* alias
    const uint8_t* codes          # Huffman paths, CSR layout
    const int32_t* points
    const int64_t* code_offsets
    const real* lockf             # lock factors of the input rows' updates (gensim's vectors_lockf)
    bint lockf_per_word           # lockf has one entry per word, else one for all
    int64_t hot_words             # syn1neg rows < this are worker-private (see Hot rows)
    int64_t hot_nodes_from        # syn1 rows >= this are worker-private
    int64_t hot_nodes
    uint64_t merge_every          # examples between merges of the private rows
    PyThread_type_lock merge_lock # one merge into the shared hot rows at a time


cdef struct HotRows:
    real* shared                  # the shared matrix
    int64_t lo                    # its rows [lo, lo + n) are private between merges
    uint64_t n                    # (n = 0: none)
    real* rows                    # private copies: row k stands for shared row lo + k
    real* base                    # their values when last loaded
    Py_ssize_t cap                # rows allocated


cdef struct Scratch:
    real* hidden
    real* grad
    int32_t* targets              # negative sampling's queue: the negatives drawn for the
    Py_ssize_t queued             # next `queued` examples, `negative` each, of which `taken`
    Py_ssize_t taken              # are trained (see _expect_examples)
    int32_t* kept
    int32_t* kept_offsets
    Py_ssize_t kept_cap
    Py_ssize_t offsets_cap
    Py_ssize_t targets_cap
    real** block_rows             # shared negatives: the window's output rows, then its input rows
    real* block_steps             # their steps, one per (input, output) pair, then two columns
    real* block_grads             # the input rows' gradients
    Py_ssize_t block_cap          # values block_steps holds (block_rows: as many rows)
    Py_ssize_t block_grads_cap    # values block_grads holds
    uint64_t rng
    double loss
    uint64_t examples
    HotRows nodes                 # output rows are reached through these: syn1 (hierarchical
    HotRows outputs               # softmax) and syn1neg (negative sampling)
    uint64_t merged_at            # s.examples at the last merge


# Hot rows. A few output rows are touched by a large share of all examples: the inner nodes next
# to the root of the Huffman tree (the root by every one), and the most frequent words' rows of
# syn1neg (on the benchmark corpus the 64 most frequent words draw a fifth of all negatives, the
# 1024 most frequent nearly half, and each skip-gram pair draws five). With several workers,
# updating them in place makes the cores trade those cache lines back and forth on nearly every
# example, which costs more than the arithmetic. So each worker updates private copies of the hot
# rows (they are consecutive rows of the shared matrix), all loaded at the start of each batch;
# every ``merge_every`` examples it adds what it changed to the shared rows (shared += private -
# value at load) and reloads them, and at the end of the batch it merges them. A row is picked
# with a mask, not a branch, and the private rows are loaded and merged whole rather than
# tracked one by one: a lazily loaded copy with its bookkeeping cost a worker a tenth of its
# speed (benchmarks/probe_hot_cost.py, docs/benchmarks.md). Every update is applied: merges
# take the kernel's lock, one at a time (the shared hot rows have no other writer, and a merge
# interrupted by the scheduler while another ran would otherwise write back stale values and
# lose that one's changes; merges are rare, so the lock costs nothing measurable). A worker sees
# its own updates at once and the other workers' after at most
# ``merge_every`` of its examples, a timing word2vec.c and gensim leave to the hardware. With one
# worker there are no private rows: the arithmetic is that of in-place updates. (Input rows stay
# shared: two workers training on separate copies of syn0 ran no faster than on one.)

cdef inline void _bind_hot(HotRows* h, real* shared, int64_t lo, int64_t n) noexcept nogil:
    h.shared, h.lo, h.n = shared, lo, <uint64_t>n


cdef inline real* _row(const HotRows* h, int64_t index, int size) noexcept nogil:
    """The row ``index`` of ``h``'s matrix that this worker reads and updates.

    Whether a drawn word is hot is a coin flip to the branch predictor (the 1024 most frequent
    words draw nearly half of all negatives), so the private or the shared address is picked
    with a mask, in integer arithmetic (an address past the private rows is never formed as a
    pointer).
    """
    cdef uint64_t k = <uint64_t>(index - h.lo)
    cdef uintptr_t mask = 0 - <uintptr_t>(k < h.n)          # all ones: private
    cdef uintptr_t mine = <uintptr_t>h.rows + <uintptr_t>(k * <uint64_t>size * sizeof(real))
    cdef uintptr_t shared = <uintptr_t>h.shared + <uintptr_t>(<uint64_t>index * <uint64_t>size * sizeof(real))
    return <real*>((mine & mask) | (shared & ~mask))


cdef inline void _load_rows(HotRows* h, int size) noexcept nogil:
    """Copy the shared rows ``[lo, lo + n)`` (one block) into the private rows and their base."""
    cdef size_t nbytes = h.n * <size_t>size * sizeof(real)
    if nbytes:
        memcpy(h.rows, &h.shared[h.lo * size], nbytes)
        memcpy(h.base, h.rows, nbytes)


cdef inline real _merged(real now, real mine, real was) noexcept nogil:
    """``now + (mine - was)``: what this worker changed added to the shared value ``now``; where no
    other worker changed the value since it was loaded (``now == was``) it is ``mine`` itself, so
    that rounding cannot move it and one worker's arithmetic is exactly that of in-place updates."""
    return mine if now == was else now + (mine - was)


cdef inline void _merge_row(real* shared, const real* mine, const real* was,
                            size_t count) noexcept nogil:
    """``shared += mine - was`` over ``count`` values (see ``_merged``)."""
    cdef size_t i
    for i in range(count):
        shared[i] = _merged(shared[i], mine[i], was[i])


cdef inline void _merge_rows(HotRows* h, int size, bint reload) noexcept nogil:
    """Merge the private rows into the shared ones; with ``reload`` also start the private rows
    and their base again from the merged values (the others' changes included), in the same pass."""
    cdef size_t i, count = h.n * <size_t>size
    cdef real* shared = &h.shared[h.lo * size]
    cdef real* mine = h.rows
    cdef real* was = h.base
    cdef real v
    if not reload:
        _merge_row(shared, mine, was, count)
        return
    for i in range(count):
        v = _merged(shared[i], mine[i], was[i])
        shared[i] = v
        mine[i] = v
        was[i] = v


cdef inline void _load_hot(const Params* p, Scratch* s) noexcept nogil:
    _load_rows(&s.nodes, p.size)
    _load_rows(&s.outputs, p.size)


cdef inline void _merge_hot(const Params* p, Scratch* s, bint reload) noexcept nogil:
    PyThread_acquire_lock(p.merge_lock, WAIT_LOCK)
    _merge_rows(&s.nodes, p.size, reload)
    _merge_rows(&s.outputs, p.size, reload)
    PyThread_release_lock(p.merge_lock)
    s.merged_at = s.examples


cdef inline void _prefetch_row(const real* row, int size) noexcept nogil:
    """Prefetch a weight row that is about to be read and then updated."""
    cdef int k = 0
    while k < size:
        w2v_prefetch_for_write(&row[k])
        k += FLOATS_PER_LINE


cdef inline void _train_outputs(const Params* p, Scratch* s, const real* h, real** rows,
                                const real* labels, int n, bint saturate,
                                real alpha) noexcept nogil:
    """Train ``n`` distinct output rows against the hidden vector ``h``: row ``k`` should predict
    ``labels[k]`` (1 or 0). Accumulates the hidden vector's gradient in ``s.grad``.

    ``h`` is not changed here and the rows are distinct, so every dot product is taken before any
    row is updated — the values of row-by-row training, up to the order of a dot product's
    partial sums — and the rows are then processed several per pass over ``h`` and the gradient
    (``_dots``, ``_update_outputs``). Outside
    (-MAX_EXP, MAX_EXP) the gradient saturates (``saturate``: negative sampling, like the original
    tool, where a confidently wrong prediction still gets the full step) or the row is skipped
    (hierarchical softmax).
    """
    cdef int k, m = 0
    cdef real f, g, label
    cdef real dots[AHEAD]
    cdef real steps[AHEAD]
    cdef real* moved[AHEAD]
    _dots(h, rows, dots, n, p.size)
    for k in range(n):
        f, label = dots[k], labels[k]
        if p.compute_loss:
            s.loss += _softplus(-f if label > 0 else f)
        if f > -MAX_EXP and f < MAX_EXP:
            g = (label - _sigmoid(f)) * alpha
        elif not saturate:
            continue        # also skips NaN
        elif f >= MAX_EXP:
            g = (label - 1) * alpha
        else:  # f <= -MAX_EXP, or NaN after divergence: never index the table with it
            g = label * alpha
        steps[m], moved[m] = g, rows[k]
        m += 1
    _update_outputs(steps, h, moved, s.grad, m, p.size)


cdef inline bint _holds(real** rows, int n, const real* row) noexcept nogil:
    cdef int k
    for k in range(n):
        if rows[k] == row:
            return True
    return False


cdef inline void _draw_negatives(const Params* p, Scratch* s, int32_t* dest,
                                 Py_ssize_t count) noexcept nogil:
    """Draw ``count`` negative words from the alias table (one 64-bit draw each), in order.

    Which of a slot's two words is drawn is a coin flip no branch predictor can learn, so it is
    selected with a mask rather than a branch; the state and tables are held in locals, since C
    must otherwise assume each store to ``dest`` may change them.
    """
    cdef Py_ssize_t d
    cdef uint64_t state = s.rng
    cdef uint32_t n = p.n_words
    cdef const uint64_t* accept = p.accept
    cdef const int32_t* alias = p.alias
    for d in range(count):
        dest[d] = _alias_word(_next_random(&state), n, accept, alias)
    s.rng = state


cdef inline int32_t _alias_word(uint64_t r, uint32_t n, const uint64_t* accept,
                                const int32_t* alias) noexcept nogil:
    """The word the alias table gives for the 64-bit draw ``r``."""
    cdef uint32_t i = _below(r, n)
    cdef uint32_t keep = 0 - <uint32_t>((r & LOW32) < accept[i])   # all ones: keep i; zero: its alias
    return <int32_t>((i & keep) | (<uint32_t>alias[i] & ~keep))


cdef inline void _prefetch_negatives(const Params* p, const Scratch* s,
                                     const int32_t* negs) noexcept nogil:
    """Prefetch the output rows of one example's ``negative`` words ``negs``."""
    cdef int d
    for d in range(p.negative):
        _prefetch_row(_row(&s.outputs, negs[d], p.size), p.size)


cdef inline void _queue_negatives(const Params* p, Scratch* s, int32_t target,
                                  Py_ssize_t examples) noexcept nogil:
    """Draw the negatives of the next ``examples`` examples, which all predict ``target``, into
    the queue, and prefetch the rows the first of them trains: ``target``'s and its negatives'."""
    _draw_negatives(p, s, s.targets, examples * p.negative)
    s.queued, s.taken = examples, 0
    _prefetch_row(_row(&s.outputs, target, p.size), p.size)
    _prefetch_negatives(p, s, s.targets)


cdef inline const int32_t* _next_negatives(const Params* p, Scratch* s,
                                           int32_t target) noexcept nogil:
    """Negative sampling's draws for the example about to train: taken from the queue that
    ``_expect_examples`` filled ahead of a run of examples, or, with nothing queued, drawn now
    (and their rows prefetched). While one queued example trains, the next one's negative rows
    are being fetched, so that the cache misses of the random rows overlap with work instead of
    stalling one after another."""
    cdef const int32_t* negs
    if s.taken == s.queued:
        _queue_negatives(p, s, target, 1)
    negs = &s.targets[s.taken * p.negative]
    s.taken += 1
    if s.taken < s.queued:
        _prefetch_negatives(p, s, &s.targets[s.taken * p.negative])
    return negs


cdef inline void _loss_ns(const Params* p, Scratch* s, const real* h, int32_t target,
                          const int32_t* negs, real alpha) noexcept nogil:
    """Negative sampling: one positive (``target``) and the ``negative`` words ``negs`` that
    ``_next_negatives`` drew for this example from the alias table.

    A word drawn twice is trained twice, the second time on the row the first updated, as
    word2vec.c does: the rows before a repeat are trained first.
    """
    cdef int d, n = 0
    cdef int32_t word
    cdef real* row
    cdef real* rows[AHEAD]
    cdef real labels[AHEAD]
    for d in range(p.negative + 1):
        word = target if d == 0 else negs[d - 1]
        if d > 0 and word == target:
            continue
        row = _row(&s.outputs, word, p.size)
        if n == AHEAD or _holds(rows, n, row):
            _train_outputs(p, s, h, rows, labels, n, True, alpha)
            n = 0
        rows[n], labels[n] = row, (1 if d == 0 else 0)
        n += 1
    _train_outputs(p, s, h, rows, labels, n, True, alpha)


cdef inline void _prefetch_path(const Params* p, Scratch* s, int32_t target) noexcept nogil:
    """Prefetch the output rows of ``target``'s Huffman path (hierarchical softmax)."""
    cdef int64_t b
    for b in range(p.code_offsets[target], p.code_offsets[target + 1]):
        _prefetch_row(_row(&s.nodes, p.points[b], p.size), p.size)


cdef inline void _loss_hs(const Params* p, Scratch* s, const real* h, int32_t target,
                          real alpha) noexcept nogil:
    """Hierarchical softmax along ``target``'s Huffman path (inner nodes outside
    (-MAX_EXP, MAX_EXP) are skipped, as in the original tool), in chunks of ``AHEAD`` nodes; the
    caller prefetches the path. A path's nodes are distinct (``Kernel`` checks)."""
    cdef int64_t b, first = p.code_offsets[target], end = p.code_offsets[target + 1]
    cdef int n
    cdef real* rows[AHEAD]
    cdef real labels[AHEAD]
    while first < end:
        n = <int>min(<int64_t>AHEAD, end - first)
        for b in range(first, first + n):
            rows[b - first] = _row(&s.nodes, p.points[b], p.size)
            labels[b - first] = 1 - p.codes[b]
        _train_outputs(p, s, h, rows, labels, n, False, alpha)
        first += n


cdef inline void _expect_examples(const Params* p, Scratch* s, int32_t target,
                                  Py_ssize_t examples) noexcept nogil:
    """The loss axis, told that the next ``examples`` examples all predict ``target`` with no
    other random draw between them (skip-gram's pairs around one center). Negative sampling
    draws all their negatives now — the draws the examples would make one after another, in the
    same order — so that it can fetch one example's rows while the one before trains."""
    if p.negative:
        _queue_negatives(p, s, target, examples)


cdef inline void _output_layer(const Params* p, Scratch* s, const real* h, int32_t target,
                               real alpha) noexcept nogil:
    """The loss axis: fills ``s.grad`` with the gradient step for the hidden vector ``h``.

    The negatives are drawn, and their rows fetched, before the Huffman path trains, so that
    those cache misses overlap with its work."""
    cdef const int32_t* negs = NULL
    memset(s.grad, 0, p.size * sizeof(real))
    if p.negative:
        negs = _next_negatives(p, s, target)
    if p.hs:
        _loss_hs(p, s, h, target, alpha)
    if p.negative:
        _loss_ns(p, s, h, target, negs, alpha)
    s.examples += 1


cdef inline real _lock(const Params* p, int32_t word) noexcept nogil:
    """The factor applied to ``word``'s input-row update: 1 trains it, 0 freezes it."""
    return p.lockf[word] if p.lockf_per_word else p.lockf[0]


cdef inline void _train_sg_pair(const Params* p, Scratch* s, int32_t center, int32_t context,
                                real alpha) noexcept nogil:
    """Skip-gram: the context word's input row is the hidden vector; it predicts the center."""
    cdef real* h = &p.syn0[<int64_t>context * p.size]
    _output_layer(p, s, h, center, alpha)
    _axpy(_lock(p, context), s.grad, h, p.size)


cdef inline void _train_sg_center(const Params* p, Scratch* s, const int32_t* words,
                                  Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t i,
                                  real alpha) noexcept nogil:
    """Skip-gram around ``words[i]``: one pair per context word in ``[lo, hi)``.

    The loss axis is told how many pairs follow (``_expect_examples``), so that it can fetch the
    next pair's output rows while one pair trains; the next pair's context row is fetched here.
    """
    cdef Py_ssize_t j, nxt
    cdef int32_t center = words[i]
    _expect_examples(p, s, center, hi - lo - 1)
    for j in range(lo, hi):
        if j == i:
            continue
        nxt = j + 1 if j + 1 != i else j + 2
        if nxt < hi:
            _prefetch_row(&p.syn0[<int64_t>words[nxt] * p.size], p.size)
        _train_sg_pair(p, s, center, words[j], alpha)


cdef inline void _prefetch_next_window(const Params* p, const Scratch* s,
                                       int32_t center) noexcept nogil:
    """Prefetch the output rows of the next position's window (its center word is ``center``)
    without drawing anything: splitmix64's draws are those of a counter, so the draws that
    window will make (after its window-shrinking draw) are computed from a copy of the state.
    (If that position trains no window, the rows were fetched for nothing.)"""
    cdef uint64_t state = s.rng
    cdef int d
    if p.shrink_windows:
        _next_random(&state)
    _prefetch_row(_row(&s.outputs, center, p.size), p.size)
    for d in range(p.negative):
        _prefetch_row(_row(&s.outputs, _alias_word(_next_random(&state), p.n_words, p.accept,
                                                   p.alias), p.size), p.size)


cdef inline void _window_dots(real** ins, int n_in, real** outs, int n_out, real* steps,
                              int size) noexcept nogil:
    """``steps[c * n_out + k] = ins[c] . outs[k]``: the portable loops (the vector builds use
    ``w2v_window_dots``)."""
    cdef int c = 0
    while c + 2 <= n_in:            # two input rows at a time: each output row loaded once
        w2v_dots_pair(ins[c], ins[c + 1], outs, n_out, &steps[c * n_out],
                      &steps[(c + 1) * n_out], size)
        c += 2
    if c < n_in:
        _dots(ins[c], outs, &steps[c * n_out], n_out, size)


cdef inline void _window_updates(real* steps, real** ins, int n_in, real** outs, int n_out,
                                 real* grads, int size) noexcept nogil:
    """The input rows' gradients ``grads[c] = sum_k steps[c * n_out + k] * outs[k]`` from the
    old output rows, then each output row's update ``outs[k] += sum_c steps[c * n_out + k] *
    ins[c]`` in order: the portable loops (the vector builds use ``w2v_window_grads`` and
    ``w2v_window_outputs``). ``steps`` has room for two more columns of ``n_in``."""
    cdef int c, k
    cdef real* column
    memset(grads, 0, <Py_ssize_t>n_in * size * sizeof(real))
    c = 0
    while c + 2 <= n_in:            # two gradients at a time: each output row loaded once
        w2v_accumulate_pair(&steps[c * n_out], &steps[(c + 1) * n_out], outs, n_out,
                            &grads[<Py_ssize_t>c * size], &grads[<Py_ssize_t>(c + 1) * size],
                            size)
        c += 2
    if c < n_in:
        w2v_accumulate(&steps[c * n_out], outs, n_out, &grads[<Py_ssize_t>c * size], size)
    column = &steps[n_in * n_out]      # two columns of the steps: an output row's, per input
    k = 0
    while k < n_out:
        for c in range(n_in):
            column[c] = steps[c * n_out + k]
            if k + 1 < n_out:
                column[n_in + c] = steps[c * n_out + k + 1]
        if k + 1 < n_out and outs[k] != outs[k + 1]:    # two updates: each input row loaded once
            w2v_accumulate_pair(column, &column[n_in], ins, n_in, outs[k], outs[k + 1], size)
            k += 2
        else:                            # the last row, or a negative drawn twice in a row
            w2v_accumulate(column, ins, n_in, outs[k], size)
            k += 1


cdef inline void _window_steps(const Params* p, Scratch* s, real* steps, int n_in, int n_out,
                               real alpha) noexcept nogil:
    """Each dot product of a shared-negatives window (input ``c``, output ``k``, at
    ``steps[c * n_out + k]``) replaced by its step ``(label - sigmoid) * alpha``, the label 1 for
    the center (``k == 0``); the loss tallied if asked."""
    cdef int c, k
    cdef real f, g, label
    for c in range(n_in):
        for k in range(n_out):
            f, label = steps[c * n_out + k], (1 if k == 0 else 0)
            if p.compute_loss:
                s.loss += _softplus(-f if label > 0 else f)
            if f > -MAX_EXP and f < MAX_EXP:
                g = (label - _sigmoid(f)) * alpha
            elif f >= MAX_EXP:
                g = (label - 1) * alpha
            else:  # f <= -MAX_EXP, or NaN after divergence
                g = label * alpha
            steps[c * n_out + k] = g


cdef inline void _train_sg_shared(const Params* p, Scratch* s, const int32_t* words,
                                  Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t i, int32_t next_center,
                                  real alpha) noexcept nogil:
    """Skip-gram with negative sampling around ``words[i]``, one draw of negatives for the whole
    window (w2vlib's ``shared_negatives``; HogBatch, Ji et al. 2016, and BlazingText's
    ``batch_skipgram``). ``next_center`` is the next position's word (-1: none in the batch):
    its window's output rows are fetched while this one trains.

    The output rows are the center's and its ``negative`` draws (a draw equal to the center is
    left out, as for one pair); every context word's input row meets every one of them. The
    step is one gradient step of the window's summed loss at the weights as they were before
    it: all dot products first, then the input rows' gradients (from the old output rows), then
    each output row's update (from the old input rows), then the input rows' updates. Each
    output row is fetched once per window instead of once per pair, and the draws are one per
    negative instead of one per negative and pair. Every pair counts as an example.
    """
    cdef Py_ssize_t j
    cdef int n_out = 0, n_in = 0, c, d
    cdef int size = p.size
    cdef int32_t center = words[i], word
    cdef real** outs = s.block_rows
    cdef real** ins
    cdef real* steps = s.block_steps
    if hi - lo <= 1:
        return
    _draw_negatives(p, s, s.targets, p.negative)
    for d in range(p.negative + 1):
        word = center if d == 0 else s.targets[d - 1]
        if d > 0 and word == center:
            continue
        outs[n_out] = _row(&s.outputs, word, size)
        n_out += 1
    ins = &s.block_rows[n_out]
    for j in range(lo, hi):
        if j != i:
            ins[n_in] = &p.syn0[<int64_t>words[j] * size]
            n_in += 1
    if next_center >= 0:
        _prefetch_next_window(p, s, next_center)
    if WINDOW_SIMD:
        w2v_window_dots(ins, n_in, outs, n_out, steps, size)
    else:
        _window_dots(ins, n_in, outs, n_out, steps, size)
    if WINDOW_SIMD and not p.compute_loss:
        w2v_window_steps(steps, n_in * n_out, n_out, alpha, SIGMOID_TABLE)
    else:
        _window_steps(p, s, steps, n_in, n_out, alpha)
    if WINDOW_SIMD:
        w2v_window_grads(steps, n_in, outs, n_out, s.block_grads, size)
        w2v_window_outputs(steps, ins, n_in, outs, n_out, &steps[n_in * n_out], size)
    else:
        _window_updates(steps, ins, n_in, outs, n_out, s.block_grads, size)
    c = 0
    for j in range(lo, hi):
        if j != i:
            if WINDOW_SIMD:
                w2v_window_axpy(_lock(p, words[j]), &s.block_grads[<Py_ssize_t>c * size],
                                ins[c], size)
            else:
                _axpy(_lock(p, words[j]), &s.block_grads[<Py_ssize_t>c * size], ins[c], size)
            c += 1
    s.examples += n_in


cdef inline void _train_cbow_center(const Params* p, Scratch* s, const int32_t* words,
                                    Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t i,
                                    real alpha) noexcept nogil:
    """CBOW: the sum (or mean) of the context rows predicts the center word ``words[i]``.

    Like gensim, the gradient is divided by the context size for the sum (cbow_mean=0) and
    applied whole to every context row for the mean (cbow_mean=1); with ``cbow_correction``
    (kōan's corrected CBOW) the mean's is divided too, which makes each row's step its true
    gradient. The sum's step is gensim's either way.
    """
    cdef Py_ssize_t j
    cdef int k
    cdef real count = 0
    memset(s.hidden, 0, p.size * sizeof(real))
    for j in range(lo, hi):
        if j != i:
            _axpy(1, &p.syn0[<int64_t>words[j] * p.size], s.hidden, p.size)
            count += 1
    if count == 0:
        return
    if p.cbow_mean:
        for k in range(p.size):
            s.hidden[k] /= count
    _output_layer(p, s, s.hidden, words[i], alpha)
    if not p.cbow_mean or p.cbow_correction:
        for k in range(p.size):
            s.grad[k] /= count
    for j in range(lo, hi):
        if j != i:
            _axpy(_lock(p, words[j]), s.grad, &p.syn0[<int64_t>words[j] * p.size], p.size)


cdef Py_ssize_t _subsample(const Params* p, Scratch* s, const int32_t* ids,
                           const int32_t* offsets, Py_ssize_t n_sentences) noexcept nogil:
    """Copy the batch into ``s.kept`` dropping frequent words (word2vec's formula, thresholds
    precomputed in ``sample_int``). Returns the number of sentences kept (empty ones vanish)."""
    cdef Py_ssize_t sent, t, n = 0, kept_sentences = 0
    cdef int32_t w
    cdef uint64_t state = s.rng        # a local: C must assume the stores below may change s.rng
    cdef const uint32_t* sample_int = p.sample_int
    cdef int32_t* kept = s.kept
    s.kept_offsets[0] = 0
    for sent in range(n_sentences):
        for t in range(offsets[sent], offsets[sent + 1]):
            w = ids[t]
            kept[n] = w   # written either way; kept when the draw says so (no branch to mispredict)
            if sample_int == NULL:
                n += 1
            else:
                n += sample_int[w] >= (_next_random(&state) >> 32)
        if n > s.kept_offsets[kept_sentences]:
            kept_sentences += 1
            s.kept_offsets[kept_sentences] = <int32_t>n
    s.rng = state
    return kept_sentences


cdef Py_ssize_t _train_sentences(const Params* p, Scratch* s, Py_ssize_t n_sentences,
                                 real alpha) noexcept nogil:
    """The model axis over every position of every kept sentence. Returns the words trained."""
    cdef Py_ssize_t sent, i, lo, hi, start, end, total = 0
    cdef Py_ssize_t last = s.kept_offsets[n_sentences]    # the batch's kept words
    cdef int reduce
    cdef const int32_t* words = s.kept
    for sent in range(n_sentences):
        start = s.kept_offsets[sent]
        end = s.kept_offsets[sent + 1]
        total += end - start
        for i in range(start, end):
            reduce = <int>_below(_next_random(&s.rng), <uint32_t>p.window) if p.shrink_windows else 0
            lo = i - p.window + reduce
            if lo < start:
                lo = start
            hi = i + p.window + 1 - reduce
            if hi > end:
                hi = end
            if p.hs:   # each path is fetched a whole position ahead of its use
                if i == start:
                    _prefetch_path(p, s, words[i])
                if i + 1 < end:
                    _prefetch_path(p, s, words[i + 1])
            if p.shared_negatives:
                _train_sg_shared(p, s, words, lo, hi, i,
                                 words[i + 1] if i + 1 < last else -1, alpha)
            elif p.sg:
                _train_sg_center(p, s, words, lo, hi, i, alpha)
            else:
                _train_cbow_center(p, s, words, lo, hi, i, alpha)
            if p.merge_every and s.examples - s.merged_at >= p.merge_every:
                _merge_hot(p, s, True)
    return total


cdef void _free_hot(HotRows* h) noexcept:
    free(h.rows)
    free(h.base)
    memset(h, 0, sizeof(HotRows))


cdef int _reserve_hot_rows(HotRows* h, Py_ssize_t n, int size) except -1:
    """Grow ``h`` to ``n`` rows; it holds no loaded row between batches, so nothing is kept."""
    if n <= h.cap:
        return 0
    _free_hot(h)
    try:
        h.rows = <real*>_private_alloc(n * size * sizeof(real))
        h.base = <real*>_private_alloc(n * size * sizeof(real))
    except MemoryError:
        _free_hot(h)
        raise
    h.cap = n
    return 0


cdef class WorkerState:
    """Per-thread scratch: hidden and gradient vectors, kept-word buffer, RNG state, loss tally.

    Parameters
    ----------
    vector_size : int
        Dimensionality of the vectors.
    seed : int
        Seed of this thread's random stream (splitmix64).

    Examples
    --------
    >>> ws = WorkerState(10, seed=7)
    >>> ws.loss, ws.examples
    (0.0, 0)
    """
    cdef Scratch* s
    cdef int size

    def __cinit__(self, int vector_size, uint64_t seed):
        if vector_size < 1:
            raise ValueError(f"vector_size must be >= 1, got {vector_size}")
        self.size = vector_size
        self.s = <Scratch*>_private_alloc(sizeof(Scratch))
        self.s.hidden = <real*>_private_alloc(vector_size * sizeof(real))
        self.s.grad = <real*>_private_alloc(vector_size * sizeof(real))
        self.s.rng = seed

    def __dealloc__(self):
        if self.s != NULL:
            free(self.s.hidden)
            free(self.s.grad)
            free(self.s.targets)
            free(self.s.block_rows)
            free(self.s.block_steps)
            free(self.s.block_grads)
            free(self.s.kept)
            free(self.s.kept_offsets)
            _free_hot(&self.s.nodes)
            _free_hot(&self.s.outputs)
            free(self.s)

    cdef int _reserve(self, Py_ssize_t n_words, Py_ssize_t n_sentences,
                      Py_ssize_t n_targets, Py_ssize_t n_block=0) except -1:
        """Grow the per-batch buffers (their old contents are not needed); `n_block`: the
        steps of a shared-negatives window, its (input, output) pairs and two more per input
        (its rows and their gradients are fewer)."""
        if n_block > self.s.block_cap:
            free(self.s.block_rows)
            free(self.s.block_steps)
            self.s.block_rows = NULL
            self.s.block_steps = NULL
            self.s.block_cap = 0
            self.s.block_rows = <real**>_private_alloc(n_block * sizeof(real*))
            self.s.block_steps = <real*>_private_alloc(n_block * sizeof(real))
            self.s.block_cap = n_block
        if n_block * self.size > self.s.block_grads_cap:
            free(self.s.block_grads)
            self.s.block_grads = NULL
            self.s.block_grads = <real*>_private_alloc(n_block * self.size * sizeof(real))
            self.s.block_grads_cap = n_block * self.size
        if n_targets > self.s.targets_cap:
            free(self.s.targets)
            self.s.targets = NULL
            self.s.targets = <int32_t*>_private_alloc(n_targets * sizeof(int32_t))
            self.s.targets_cap = n_targets
        if n_words > self.s.kept_cap:
            free(self.s.kept)
            self.s.kept = NULL
            self.s.kept = <int32_t*>_private_alloc(n_words * sizeof(int32_t))
            self.s.kept_cap = n_words
        if n_sentences + 1 > self.s.offsets_cap:
            free(self.s.kept_offsets)
            self.s.kept_offsets = NULL
            self.s.kept_offsets = <int32_t*>_private_alloc((n_sentences + 1) * sizeof(int32_t))
            self.s.offsets_cap = n_sentences + 1
        return 0

    @property
    def loss(self):
        """Loss accumulated since the last :meth:`reset_loss` (float64)."""
        return self.s.loss

    @property
    def examples(self):
        """Number of (hidden vector, target) training examples since the last reset."""
        return self.s.examples

    def reset_loss(self):
        self.s.loss = 0
        self.s.examples = 0

    @property
    def rng_state(self):
        """The raw splitmix64 state (for tests and the reference kernel)."""
        return self.s.rng


cdef class Kernel:
    """The training configuration and views of the shared weights, for :func:`train_batch`.

    All arrays are used in place (Hogwild): the caller keeps them alive and C-contiguous. With
    ``merge_every > 0``, each worker updates private copies of the hot rows — the ``syn1`` rows of
    the ``hot_nodes`` Huffman inner nodes closest to the root, and the ``syn1neg`` rows of the words
    numbered below ``hot_words`` (the most frequent, in a sorted vocabulary) — and merges them into
    the shared rows every ``merge_every`` examples and at the end of each batch (see "Hot rows"
    above).
    ``syn1`` is used when ``hs``; ``syn1neg``, ``accept`` and ``alias`` when ``negative > 0``;
    ``sample_int`` may be ``None`` for no subsampling. ``lockf`` (one factor, or one per word;
    default 1) scales every update of an input row, as gensim's ``wv.vectors_lockf``: 0 freezes
    the word's vector, the output layer still learns from it. ``cbow_correction`` (w2vlib's
    extension, kōan's corrected CBOW) divides the step of each context row by the context size
    when ``cbow_mean`` (so that it is the true gradient); it changes nothing for the sum or
    skip-gram. ``shared_negatives`` (w2vlib's extension, skip-gram with negative sampling only)
    draws one set of negatives per window and takes one gradient step of the window's loss
    (``_train_sg_shared``).
    """
    cdef Params p
    cdef object _arrays

    def __dealloc__(self):
        if self.p.merge_lock != NULL:
            PyThread_free_lock(self.p.merge_lock)

    def __init__(self, real[:, ::1] syn0, real[:, ::1] syn1, real[:, ::1] syn1neg,
                 const uint32_t[::1] sample_int, const uint64_t[::1] accept,
                 const int32_t[::1] alias, const uint8_t[::1] codes, const int32_t[::1] points,
                 const int64_t[::1] code_offsets, *, bint sg, bint hs, int negative,
                 int window, bint cbow_mean, bint shrink_windows, bint compute_loss,
                 int hot_nodes=0, int hot_words=0, int merge_every=0, const real[::1] lockf=None,
                 bint cbow_correction=False, bint shared_negatives=False):
        cdef Py_ssize_t n = syn0.shape[0]
        if n < 1 or n > 2 ** 31 - 1:
            raise ValueError(f"the vocabulary must have 1 to 2**31-1 words, got {n}")
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if negative < 0:
            raise ValueError(f"negative must be >= 0, got {negative}")
        if hot_nodes < 0 or hot_words < 0 or merge_every < 0 or \
                (hot_nodes > 0 or hot_words > 0) != (merge_every > 0):
            raise ValueError(f"hot_nodes/hot_words and merge_every must be 0 together or > 0 "
                             f"together, got {hot_nodes}, {hot_words} and {merge_every}")
        if not hs and negative == 0:
            raise ValueError("nothing to train: set hs=1 and/or negative > 0")
        if shared_negatives and not (sg and negative and not hs):
            raise ValueError("shared_negatives is for skip-gram with negative sampling only "
                             "(sg=1, hs=0, negative > 0)")
        memset(&self.p, 0, sizeof(Params))
        self.p.syn0 = &syn0[0, 0]
        self.p.size = <int>syn0.shape[1]
        self.p.n_words = <uint32_t>n
        self.p.window = window
        self.p.sg = sg
        self.p.cbow_mean = cbow_mean
        self.p.cbow_correction = cbow_correction
        self.p.shared_negatives = shared_negatives
        self.p.shrink_windows = shrink_windows
        self.p.compute_loss = compute_loss
        if sample_int is not None:
            _check_rows("sample_int", sample_int.shape[0], n)
            self.p.sample_int = &sample_int[0]
        if hs:
            if syn1 is None or codes is None or points is None or code_offsets is None:
                raise ValueError("hs=1 needs syn1 and the Huffman codes/points/offsets")
            _check_shape("syn1", syn1.shape[0], syn1.shape[1], n, self.p.size)
            _check_rows("code_offsets", code_offsets.shape[0], n + 1)
            _check_huffman(codes, points, code_offsets, n)
            self.p.hs = 1
            self.p.syn1 = &syn1[0, 0]
            self.p.codes = &codes[0]
            self.p.points = &points[0]
            self.p.code_offsets = &code_offsets[0]
        if negative:
            if syn1neg is None or accept is None or alias is None:
                raise ValueError("negative > 0 needs syn1neg and the alias table")
            _check_shape("syn1neg", syn1neg.shape[0], syn1neg.shape[1], n, self.p.size)
            _check_rows("accept", accept.shape[0], n)
            _check_rows("alias", alias.shape[0], n)
            if np.any(np.asarray(alias) < 0) or np.any(np.asarray(alias) >= n):
                raise ValueError("alias table entries out of range")
            self.p.negative = negative
            self.p.syn1neg = &syn1neg[0, 0]
            self.p.accept = &accept[0]
            self.p.alias = &alias[0]
        if lockf is None:
            lockf = np.ones(1, dtype=np.float32)
        if lockf.shape[0] != 1 and lockf.shape[0] != n:
            raise ValueError(f"lockf must have 1 entry or one per word ({n}), got {lockf.shape[0]}")
        if not np.isfinite(np.asarray(lockf)).all():
            raise ValueError("lockf holds NaN or infinity")
        self.p.lockf = &lockf[0]
        self.p.lockf_per_word = lockf.shape[0] != 1
        self.p.hot_words = min(hot_words, n) if negative else 0
        if hs and n > 1:
            # the inner nodes are numbered in merge order: the root, n - 2, is the last
            self.p.hot_nodes = min(hot_nodes, n - 1)
        self.p.hot_nodes_from = n - 1 - self.p.hot_nodes
        if self.p.hot_words or self.p.hot_nodes:
            self.p.merge_every = merge_every
            self.p.merge_lock = PyThread_allocate_lock()
            if self.p.merge_lock == NULL:
                raise MemoryError("cannot allocate the kernel's merge lock")
        self._arrays = (syn0, syn1, syn1neg, sample_int, accept, alias, codes, points, code_offsets,
                        lockf)

    def train_batch(self, WorkerState state, const int32_t[::1] ids, const int32_t[::1] offsets,
                    float alpha):
        """Train on one batch: sentences ``ids[offsets[k]:offsets[k+1]]``.

        Returns the number of words left after subsampling (gensim's "effective words").
        """
        cdef Py_ssize_t n_sentences = offsets.shape[0] - 1
        cdef Py_ssize_t n_ids = ids.shape[0]
        cdef Py_ssize_t kept_sentences, trained
        if state.size != self.p.size:
            raise ValueError(f"worker state has size {state.size}, kernel {self.p.size}")
        _check_batch(ids, offsets, self.p.n_words)
        if n_sentences < 1 or n_ids == 0:
            return 0
        # negatives for every pair of one position: at most 2 * window pairs, and fewer than
        # the batch's words
        state._reserve(n_ids, n_sentences,
                       max(1, min(2 * <Py_ssize_t>self.p.window, n_ids)) * self.p.negative,
                       2 * <Py_ssize_t>self.p.window * (self.p.negative + 3)
                       if self.p.shared_negatives else 0)
        self._bind(state.s)
        with nogil:
            kept_sentences = _subsample(&self.p, state.s, &ids[0], &offsets[0], n_sentences)
            if self.p.merge_every:
                _load_hot(&self.p, state.s)
            state.s.merged_at = state.s.examples
            trained = _train_sentences(&self.p, state.s, kept_sentences, alpha)
            if self.p.merge_every:
                _merge_hot(&self.p, state.s, False)
        return trained


    cdef int _bind(self, Scratch* s) except -1:
        """Point the worker's row accessors at this kernel's matrices and hot rows."""
        cdef Params* p = &self.p
        _reserve_hot_rows(&s.nodes, p.hot_nodes, p.size)
        _reserve_hot_rows(&s.outputs, p.hot_words, p.size)
        _bind_hot(&s.nodes, p.syn1, p.hot_nodes_from, p.hot_nodes)
        _bind_hot(&s.outputs, p.syn1neg, 0, p.hot_words)
        return 0


def _check_rows(name, Py_ssize_t got, Py_ssize_t want):
    if got != want:
        raise ValueError(f"{name} has {got} rows, expected {want}")


def _check_shape(name, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t want_rows, int want_cols):
    if rows != want_rows or cols != want_cols:
        raise ValueError(f"{name} has shape ({rows}, {cols}), expected ({want_rows}, {want_cols})")


def _check_huffman(codes, points, code_offsets, Py_ssize_t n):
    offsets = np.asarray(code_offsets)
    if offsets[0] != 0 or np.any(np.diff(offsets) < 0) or offsets[len(offsets) - 1] > min(len(codes), len(points)):
        raise ValueError("Huffman code offsets are not a valid CSR index")
    if len(points) and (np.asarray(points).min() < 0 or np.asarray(points).max() >= max(n - 1, 1)):
        raise ValueError("Huffman points out of range for syn1")
    if not _paths_descend(points, code_offsets, n):
        raise ValueError("Huffman paths must go from the root down (decreasing inner nodes)")


cdef bint _paths_descend(const int32_t[::1] points, const int64_t[::1] offsets, Py_ssize_t n):
    """From the root down, a path's inner nodes have decreasing numbers (a parent is made after
    its children), so no path repeats a node, which ``_loss_hs`` relies on. (Offsets already
    checked.)"""
    cdef Py_ssize_t w
    cdef int64_t b
    for w in range(n):
        for b in range(offsets[w] + 1, offsets[w + 1]):
            if points[b] >= points[b - 1]:
                return False
    return True


cdef int _check_batch(const int32_t[::1] ids, const int32_t[::1] offsets, uint32_t n_words) except -1:
    """Reject a malformed batch before any nogil code can index out of bounds."""
    cdef Py_ssize_t k, n_ids = ids.shape[0]
    if offsets.shape[0] < 1 or offsets[0] != 0 or offsets[offsets.shape[0] - 1] != n_ids:
        raise ValueError("sentence offsets must start at 0 and end at len(ids)")
    for k in range(1, offsets.shape[0]):
        if offsets[k] < offsets[k - 1]:
            raise ValueError(f"sentence offsets decrease at position {k}")
    for k in range(n_ids):
        if ids[k] < 0 or <uint32_t>ids[k] >= n_words:
            raise ValueError(f"word id {ids[k]} at position {k} is outside the vocabulary")
    return 0


def next_random(uint64_t state):
    """Python twin of the kernels' RNG: returns ``(draw, new_state)``.

    >>> draw, state = next_random(0)
    >>> hex(draw), state
    ('0xe220a8397b1dcdaf', 11400714819323198485)
    """
    cdef uint64_t s = state
    cdef uint64_t r = _next_random(&s)
    return r, s


def merge_row(real[::1] shared, const real[::1] mine, const real[::1] was):
    """Python twin of the hot-row merge, in place on ``shared`` (for the tests).

    >>> shared = np.array([1.0, 2.0], np.float32)
    >>> merge_row(shared, np.array([1.5, 3.0], np.float32), np.array([1.0, 1.0], np.float32))
    >>> shared.tolist()   # first value: unchanged by others, copied; second: 2 + (3 - 1)
    [1.5, 4.0]
    """
    if mine.shape[0] != shared.shape[0] or was.shape[0] != shared.shape[0]:
        raise ValueError("merge_row: the three rows must have the same length")
    if shared.shape[0]:
        _merge_row(&shared[0], &mine[0], &was[0], <size_t>shared.shape[0])


def sigmoid(real f):
    """The kernels' table sigmoid of ``f`` in (-MAX_EXP, MAX_EXP) (for tests)."""
    if not -MAX_EXP < f < MAX_EXP:
        raise ValueError(f"f must be in (-{MAX_EXP}, {MAX_EXP}), got {f}")
    return _sigmoid(f)


def sigmoid_table():
    """A copy of the sigmoid table the kernels read (for the reference kernel)."""
    return np.array([SIGMOID_TABLE[i] for i in range(SIGMOID_TABLE_SIZE)], dtype=np.float32)
