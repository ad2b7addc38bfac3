# cython: language_level=3
"""Compiled writing of word2vec text and binary rows (reading is in ``_word2vec_read``).

Text values are printed exactly as ``str()`` of a numpy scalar prints them (what gensim's
``save_word2vec_format`` writes): float64 through CPython's ``repr`` machinery, float32 with
the shortest digits that round-trip, found here with exact double arithmetic and laid out as
numpy does; the few values this cannot decide cheaply are handed to numpy itself.
"""
import numpy as np

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from libc.math cimport fabs, floor, isfinite, log10, nextafterf, signbit, INFINITY
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memcpy


cdef extern from "Python.h":
    char *PyOS_double_to_string(double val, char format_code, int precision, int flags,
                                int *ptype) except NULL
    int Py_DTSF_ADD_DOT_0
    void PyMem_Free(void *p)


cdef enum:
    MAX_EXACT_POW10 = 22       # largest power of ten exactly representable as a double
    FLOAT32_DIGITS = 9         # significant digits that always identify a float32
    FLOAT32_MANT_MASK = 0x007fffff
    VALUE_CHARS = 32           # room reserved per formatted value (longest: 24 chars)

cdef double ROUNDING_MARGIN = 2.384185791015625e-07    # 2**-22, absolute on y < 2**30
cdef double POSITIONAL_MIN = 1e-4                      # numpy prints float32 in [1e-4, 1e6)
cdef double POSITIONAL_MAX = 1e6                       # positionally, otherwise scientifically
cdef double POW10[23]
for _i in range(MAX_EXACT_POW10 + 1):
    POW10[_i] = 10.0 ** _i


cdef Py_ssize_t format_float32_fallback(float value, char *dst) except -1 with gil:
    text = str(np.float32(value)).encode("ascii")
    memcpy(dst, <const char *>text, len(text))
    return len(text)


cdef Py_ssize_t write_digits(char *dst, uint64_t m) noexcept nogil:
    """Write the decimal digits of ``m`` (> 0) without trailing zeros; return their count."""
    cdef char tmp[24]
    cdef Py_ssize_t n = 0, i
    while m % 10 == 0:
        m //= 10
    while m:
        tmp[n] = c'0' + <char>(m % 10)
        m //= 10
        n += 1
    for i in range(n):
        dst[i] = tmp[n - 1 - i]
    return n


cdef int closest_round_trips(double x, double half, int scale, uint64_t *m) noexcept nogil:
    """Round ``x * 10**scale`` to the integer ``m``; return 1 if ``m * 10**-scale`` lies strictly
    inside the float32 rounding interval ``x +- half`` (so it reads back as ``x``), 0 if not,
    -1 if double arithmetic cannot tell (a near tie or a candidate on the boundary)."""
    cdef double y, low, frac, candidate
    if scale < -MAX_EXACT_POW10 or scale > MAX_EXACT_POW10:
        return -1
    y = x * POW10[scale] if scale >= 0 else x / POW10[-scale]    # one rounding, y < 2**30
    low = floor(y)
    frac = y - low
    if fabs(frac - 0.5) < ROUNDING_MARGIN:
        return -1
    m[0] = <uint64_t>low + (1 if frac > 0.5 else 0)
    candidate = <double>m[0] / POW10[scale] if scale >= 0 else <double>m[0] * POW10[-scale]
    if candidate == x - half or candidate == x + half:
        return -1
    return x - half < candidate < x + half


cdef Py_ssize_t format_float32(float value, char *dst) except -1 nogil:
    """Write ``str(np.float32(value))``: the shortest digits that round-trip, numpy's layout.

    The closest ``p``-digit decimal reads back as ``value`` for every ``p`` from the shortest
    length on, so that length is found by bisection over 1..9, with exact double arithmetic.
    The rare cases this cannot decide (powers of two, whose rounding interval is lopsided, near
    ties, magnitudes needing scales beyond 10**22) fall back to numpy itself.
    """
    cdef double x = fabs(<double>value), half, y
    cdef uint32_t bits
    cdef int k, shortest = 1, longest = FLOAT32_DIGITS, middle, s, exponent, ndigits, i, verdict
    cdef uint64_t m = 0, found = 0
    cdef char digits[24]
    cdef Py_ssize_t n = 0
    memcpy(&bits, &value, 4)
    if not isfinite(value) or (bits & FLOAT32_MANT_MASK) == 0:
        if value == 0:
            if signbit(value):
                dst[0] = b'-'
                n = 1
            memcpy(dst + n, b"0.0", 3)
            return n + 3
        return format_float32_fallback(value, dst)
    half = (<double>nextafterf(<float>x, INFINITY) - x) * 0.5
    k = <int>floor(log10(x))
    if k < -MAX_EXACT_POW10 or k > MAX_EXACT_POW10:
        return format_float32_fallback(value, dst)
    y = x / POW10[k] if k >= 0 else x * POW10[-k]     # exact comparison with 1 and 10
    if y >= 10:
        k += 1
    elif y < 1:
        k -= 1
    while shortest < longest:           # invariant: the answer lies in [shortest, longest]
        middle = (shortest + longest) // 2
        verdict = closest_round_trips(x, half, middle - 1 - k, &m)
        if verdict < 0:
            return format_float32_fallback(value, dst)
        if verdict:
            longest, found = middle, m
        else:
            shortest = middle + 1
    if found == 0:                      # nothing shorter than the longest length was tried
        if closest_round_trips(x, half, shortest - 1 - k, &found) != 1:
            return format_float32_fallback(value, dst)
    m = found
    s = shortest - 1 - k
    ndigits = write_digits(digits, m)
    exponent = -s
    while m >= 10:
        m //= 10
        exponent += 1
    if value < 0:
        dst[n] = b'-'
        n += 1
    if POSITIONAL_MIN <= x < POSITIONAL_MAX:
        if exponent >= 0:
            for i in range(exponent + 1):
                dst[n] = digits[i] if i < ndigits else b'0'
                n += 1
            dst[n] = b'.'
            n += 1
            if ndigits <= exponent + 1:
                dst[n] = b'0'
                n += 1
            for i in range(exponent + 1, ndigits):
                dst[n] = digits[i]
                n += 1
        else:
            dst[n] = b'0'
            dst[n + 1] = b'.'
            n += 2
            for i in range(-exponent - 1):
                dst[n] = b'0'
                n += 1
            memcpy(dst + n, digits, ndigits)
            n += ndigits
    else:
        dst[n] = digits[0]
        n += 1
        if ndigits > 1:
            dst[n] = b'.'
            memcpy(dst + n + 1, digits + 1, ndigits - 1)
            n += ndigits
        dst[n] = b'e'
        dst[n + 1] = b'-' if exponent < 0 else b'+'
        n += 2
        exponent = -exponent if exponent < 0 else exponent
        if exponent >= 100:
            dst[n] = c'0' + <char>(exponent // 100)
            n += 1
        dst[n] = c'0' + <char>((exponent // 10) % 10)
        dst[n + 1] = c'0' + <char>(exponent % 10)
        n += 2
    return n


cdef Py_ssize_t format_float64(double value, char *dst) except -1:
    """Write ``repr(value)`` (equal to ``str(np.float64(value))``)."""
    cdef char *text = PyOS_double_to_string(value, b'r', 0, Py_DTSF_ADD_DOT_0, NULL)
    cdef Py_ssize_t n = 0
    while text[n]:
        dst[n] = text[n]
        n += 1
    PyMem_Free(text)
    return n


cdef char *reserve(bytearray out, Py_ssize_t *used, Py_ssize_t extra) except NULL:
    """Make room for ``extra`` more bytes after ``used[0]``; return the write position."""
    if used[0] + extra > PyByteArray_GET_SIZE(out):
        PyByteArray_Resize(out, 2 * (used[0] + extra))
    return PyByteArray_AS_STRING(out) + used[0]


def format_text(list keys, vectors, bytearray out):
    """Append ``key value value ...\\n`` per row to ``out``, values as numpy's ``str()``.

    ``vectors`` is a C-contiguous float32 or float64 matrix; ``keys`` are encoded bytes.
    """
    cdef float[:, ::1] vf
    cdef double[:, ::1] vd
    cdef bint single = vectors.dtype == np.float32
    cdef Py_ssize_t used = PyByteArray_GET_SIZE(out), dims = vectors.shape[1], r, i
    cdef bytes key
    cdef char *dst
    if single:
        vf = vectors
    else:
        vd = vectors
    for r in range(vectors.shape[0]):
        key = keys[r]
        dst = reserve(out, &used, len(key) + dims * VALUE_CHARS + 1)
        memcpy(dst, <const char *>key, len(key))
        dst += len(key)
        if single:
            with nogil:
                for i in range(dims):
                    dst[0] = b' '
                    dst += 1 + format_float32(vf[r, i], dst + 1)
        else:
            for i in range(dims):
                dst[0] = b' '
                dst += 1 + format_float64(vd[r, i], dst + 1)
        dst[0] = b'\n'
        used = dst + 1 - PyByteArray_AS_STRING(out)
    PyByteArray_Resize(out, used)


def format_binary(list keys, const unsigned char[:, ::1] vectors, bytearray out):
    """Append ``key`` + space + the row's bytes (little-endian float32) + ``\\n`` per row."""
    cdef Py_ssize_t used = PyByteArray_GET_SIZE(out), width = vectors.shape[1], r
    cdef bytes key
    cdef char *dst
    for r in range(vectors.shape[0]):
        key = keys[r]
        dst = reserve(out, &used, len(key) + width + 2)
        memcpy(dst, <const char *>key, len(key))
        dst[len(key)] = b' '
        if width:
            memcpy(dst + len(key) + 1, &vectors[r, 0], width)
        dst[len(key) + 1 + width] = b'\n'
        used += len(key) + width + 2
    PyByteArray_Resize(out, used)
