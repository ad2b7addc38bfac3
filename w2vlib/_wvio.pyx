# cython: language_level=3
"""Compiled reading and writing of word2vec text and binary rows.

Private engine of :mod:`w2vlib._formats`, which opens files, checks headers and turns
:class:`ParseError` into messages naming the file. Here a :class:`Parser` streams bytes through
one growable buffer and parses rows straight into a preallocated matrix: no Python object per
value, the GIL released while a batch of rows is parsed, each key decoded once.

Text values follow Python's ``float()`` grammar for decimal numbers (plus ``nan``/``inf``).
The common case (at most 19 significant digits, small exponent) is converted exactly in C;
anything else goes through ``PyOS_string_to_double``, CPython's own correctly rounded parser,
so every value equals ``float(token)`` (cast to float32 when the target is float32).
"""
import numpy as np

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.unicode cimport PyUnicode_Decode, PyUnicode_DecodeUTF8
from libc.math cimport fabs, floor, isfinite, log10, nextafterf, signbit, INFINITY, NAN
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memchr, memcpy, memmove


cdef extern from "Python.h":
    ctypedef struct PyObject
    double PyOS_string_to_double(const char *s, char **endptr, PyObject *overflow) except? -1.0
    char *PyOS_double_to_string(double val, char format_code, int precision, int flags,
                                int *ptype) except NULL
    int Py_DTSF_ADD_DOT_0
    void PyMem_Free(void *p)


cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline int w2v_ctz64(unsigned long long x) { unsigned long i; _BitScanForward64(&i, x); return (int)i; }
    #else
    static inline int w2v_ctz64(unsigned long long x) { return __builtin_ctzll(x); }
    #endif
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    #define W2V_HOST_LITTLE 0
    #else
    #define W2V_HOST_LITTLE 1
    #endif
    /* SWAR: eight ASCII digits in a little-endian word, combined pairwise into a number. */
    #define W2V_ASCII_ZEROS 0x3030303030303030ULL
    #define W2V_ABOVE_NINE 0x4646464646464646ULL
    #define W2V_HIGH_BITS 0x8080808080808080ULL
    #define W2V_LOW_BYTE_PAIRS 0x000000FF000000FFULL
    #define W2V_COMBINE_100_1000000 (100ULL + (1000000ULL << 32))
    #define W2V_COMBINE_1_10000 (1ULL + (10000ULL << 32))
    /* A double carries 29 more fraction bits than a float32; within a few units of the
       half-way pattern, an approximate double might round to the other float32 neighbour. */
    #define W2V_FLOAT32_DROPPED_MASK ((1ULL << 29) - 1)
    #define W2V_FLOAT32_DROPPED_HALF (1ULL << 28)
    #define W2V_FLOAT32_MIDPOINT_SLACK 8ULL
    """
    int w2v_ctz64(unsigned long long x) nogil
    const bint HOST_LITTLE "W2V_HOST_LITTLE"
    const uint64_t ASCII_ZEROS "W2V_ASCII_ZEROS"
    const uint64_t ABOVE_NINE "W2V_ABOVE_NINE"
    const uint64_t HIGH_BITS "W2V_HIGH_BITS"
    const uint64_t LOW_BYTE_PAIRS "W2V_LOW_BYTE_PAIRS"
    const uint64_t COMBINE_100_1000000 "W2V_COMBINE_100_1000000"
    const uint64_t COMBINE_1_10000 "W2V_COMBINE_1_10000"
    const uint64_t FLOAT32_DROPPED_MASK "W2V_FLOAT32_DROPPED_MASK"
    const uint64_t FLOAT32_DROPPED_HALF "W2V_FLOAT32_DROPPED_HALF"
    const uint64_t FLOAT32_MIDPOINT_SLACK "W2V_FLOAT32_MIDPOINT_SLACK"


cdef enum:
    BATCH_ROWS = 1024          # rows parsed per GIL-free pass (key spans are kept per pass)
    MAX_FAST_DIGITS = 19       # significant digits that always fit in a uint64
    MAX_EXACT_POW10 = 22       # largest power of ten exactly representable as a double
    EXPONENT_CLAMP = 100000    # larger exponents are left to the slow parser
    FLOAT32_DIGITS = 9         # significant digits that always identify a float32
    FLOAT32_EXP_MASK = 0x7f800000
    FLOAT32_MANT_MASK = 0x007fffff
    VALUE_CHARS = 32           # room reserved per formatted value (longest: 24 chars)
    SHOWN_TOKEN_BYTES = 40     # how much of a bad token an error message quotes
    WORD_BYTES = 8             # digits examined at once; the buffer has this much slack

cdef enum Status:
    OK = 0
    NOT_A_NUMBER
    SLOW_PATH
    TOO_FEW
    TOO_MANY
    NONFINITE
    BLANK_LINE

cdef double TWO_POW_53 = 9007199254740992.0
cdef double MIDPOINT_MARGIN = 8.881784197001252e-16    # 2**-50, relative
cdef double ROUNDING_MARGIN = 2.384185791015625e-07    # 2**-22, absolute on y < 2**30
cdef double POSITIONAL_MIN = 1e-4                      # numpy prints float32 in [1e-4, 1e6)
cdef double POSITIONAL_MAX = 1e6                       # positionally, otherwise scientifically
cdef uint64_t POW10_INT[9]
cdef double POW10[23]
cdef double INV_POW10[23]
for _i in range(WORD_BYTES + 1):
    POW10_INT[_i] = 10 ** _i
for _i in range(MAX_EXACT_POW10 + 1):
    POW10[_i] = 10.0 ** _i
    INV_POW10[_i] = 10.0 ** -_i


class ParseError(ValueError):
    """A malformed row; ``line`` (text) or ``offset`` (binary) locates it in the file."""

    def __init__(self, detail, line=None, offset=None):
        super().__init__(detail)
        self.detail = detail
        self.line = line
        self.offset = offset


cdef struct Failure:
    Status status
    Py_ssize_t pos        # buffer position of the offending token or record
    Py_ssize_t length     # length of the offending token
    Py_ssize_t count      # values found on a line with the wrong number of values


cdef inline bint is_space(char c) noexcept nogil:
    """ASCII whitespace: space, or one of the consecutive codes \\t \\n \\v \\f \\r."""
    return c == c' ' or <unsigned char>(c - c'\t') <= <unsigned char>(c'\r' - c'\t')


cdef inline bint is_record_gap(char c) noexcept nogil:
    """Blanks skipped before a binary key (a space there would start an empty key)."""
    return c == b'\n' or c == b'\r' or c == b'\t' or c == b'\v' or c == b'\f'


cdef inline bint is_digit(char c) noexcept nogil:
    return c'0' <= c <= b'9'


cdef inline bint match_word(const char *p, const char *stop, const char *word) noexcept nogil:
    """Case-insensitive match of the ASCII lowercase ``word`` at ``p``."""
    cdef Py_ssize_t i = 0
    while word[i]:
        if p + i >= stop or (p[i] | 0x20) != word[i]:
            return False
        i += 1
    return True


cdef Status parse_slow(const char *start, const char *stop, double *value) noexcept with gil:
    """CPython's correctly rounded parser, for tokens the fast path cannot convert exactly."""
    cdef char *end = NULL
    try:
        value[0] = PyOS_string_to_double(start, &end, NULL)
    except ValueError:
        return NOT_A_NUMBER
    return OK if end == stop else NOT_A_NUMBER


cdef inline bint float32_unambiguous(double d) noexcept nogil:
    """Whether ``d``, within 2**-51 (relative) of the exact value, is far enough from the
    midpoints around ``(float)d`` that the exact value rounds to the same float32."""
    cdef float f = <float>d
    cdef double below, above
    if not isfinite(f):
        return False
    below = (<double>f + <double>nextafterf(f, -INFINITY)) * 0.5
    above = (<double>f + <double>nextafterf(f, INFINITY)) * 0.5
    return (fabs(d - below) > fabs(d) * MIDPOINT_MARGIN and
            fabs(d - above) > fabs(d) * MIDPOINT_MARGIN)


cdef inline const char *scan_digits(const char *s, uint64_t *mantissa) noexcept nogil:
    """Append the run of ASCII digits at ``s`` to ``mantissa`` (wrapping if longer than 19
    digits, which callers reject); return the end of the run. Reads up to 8 bytes ahead."""
    cdef uint64_t word, flags
    cdef int n
    cdef unsigned int digit
    if not HOST_LITTLE:
        digit = <unsigned char>s[0] - <unsigned char>c'0'
        while digit < 10:
            mantissa[0] = mantissa[0] * 10 + digit
            s += 1
            digit = <unsigned char>s[0] - <unsigned char>c'0'
        return s
    while True:
        memcpy(&word, s, WORD_BYTES)
        flags = ((word + ABOVE_NINE) | (word - ASCII_ZEROS)) & HIGH_BITS
        n = WORD_BYTES if flags == 0 else w2v_ctz64(flags) >> 3
        if n == 0:
            return s
        word = (word - ASCII_ZEROS) << (8 * (WORD_BYTES - n))
        word = word * 10 + (word >> 8)
        word = (((word & LOW_BYTE_PAIRS) * COMBINE_100_1000000)
                + (((word >> 16) & LOW_BYTE_PAIRS) * COMBINE_1_10000)) >> 32
        mantissa[0] = mantissa[0] * POW10_INT[n] + <uint32_t>word
        s += n
        if n < WORD_BYTES:
            return s


cdef inline Status parse_plain(const char *s, bint to_float32, double *value,
                               const char **end) noexcept nogil:
    """The common token shape, ``[+-]digits[.digits]`` with at most 19 digits.

    Converted exactly (one correctly rounded division), or for a float32 target with a cheaper
    multiplication whose result is used only when it cannot be rounded differently. Any other
    shape returns SLOW_PATH for :func:`parse_number`. The token must be followed by a blank,
    a line end or the buffer's NUL sentinel.
    """
    cdef bint negative = s[0] == c'-'
    cdef uint64_t mantissa = 0, bits
    cdef unsigned int digit
    cdef const char *start
    cdef Py_ssize_t ndigits, nfraction = 0
    cdef double d
    if negative or s[0] == c'+':
        s += 1
    start = s
    digit = <unsigned char>s[0] - <unsigned char>c'0'
    while digit < 10:               # usually a single digit: cheaper than scan_digits
        mantissa = mantissa * 10 + digit
        s += 1
        digit = <unsigned char>s[0] - <unsigned char>c'0'
    ndigits = s - start
    if s[0] == c'.':
        s += 1
        start = s
        s = scan_digits(s, &mantissa)
        nfraction = s - start
        ndigits += nfraction
    if (ndigits == 0 or ndigits > MAX_FAST_DIGITS or nfraction > MAX_EXACT_POW10
            or mantissa > <uint64_t>TWO_POW_53 or not (s[0] == 0 or is_space(s[0]))):
        return SLOW_PATH
    d = <double>mantissa
    if to_float32:
        d *= INV_POW10[nfraction]
        memcpy(&bits, &d, 8)
        bits = (bits & FLOAT32_DROPPED_MASK) - FLOAT32_DROPPED_HALF + FLOAT32_MIDPOINT_SLACK
        if bits <= 2 * FLOAT32_MIDPOINT_SLACK:
            d = <double>mantissa / POW10[nfraction]
    else:
        d /= POW10[nfraction]
    value[0] = -d if negative else d
    end[0] = s
    return OK


cdef Status parse_number(const char *p, const char *stop, bint to_float32, double *value,
                         const char **end) noexcept nogil:
    """Parse one decimal token starting at ``p``; it must end at ``stop`` or a blank."""
    cdef const char *s = p
    cdef bint negative = False, exact = True, any_digit = False, exp_negative = False
    cdef uint64_t mantissa = 0
    cdef int digits = 0
    cdef long exponent = 0, written = 0
    cdef double d
    if s < stop and (s[0] == b'+' or s[0] == b'-'):
        negative = s[0] == b'-'
        s += 1
    while s < stop and is_digit(s[0]):
        any_digit = True
        if mantissa or s[0] != b'0':
            if digits < MAX_FAST_DIGITS:
                mantissa = mantissa * 10 + <uint64_t>(s[0] - c'0')
                digits += 1
            else:
                exponent += 1
                exact = exact and s[0] == b'0'
        s += 1
    if s < stop and s[0] == b'.':
        s += 1
        while s < stop and is_digit(s[0]):
            any_digit = True
            if mantissa == 0 and s[0] == b'0':
                exponent -= 1
            elif digits < MAX_FAST_DIGITS:
                mantissa = mantissa * 10 + <uint64_t>(s[0] - c'0')
                digits += 1
                exponent -= 1
            else:
                exact = exact and s[0] == b'0'
            s += 1
    if not any_digit:
        if match_word(s, stop, b"infinity"):
            s += 8
            value[0] = -INFINITY if negative else INFINITY
        elif match_word(s, stop, b"inf"):
            s += 3
            value[0] = -INFINITY if negative else INFINITY
        elif match_word(s, stop, b"nan"):
            s += 3
            value[0] = -NAN if negative else NAN
        else:
            return NOT_A_NUMBER
        end[0] = s
        return OK if s == stop or is_space(s[0]) else NOT_A_NUMBER
    if s < stop and (s[0] == b'e' or s[0] == b'E'):
        s += 1
        if s < stop and (s[0] == b'+' or s[0] == b'-'):
            exp_negative = s[0] == b'-'
            s += 1
        if s >= stop or not is_digit(s[0]):
            return NOT_A_NUMBER
        while s < stop and is_digit(s[0]):
            if written < EXPONENT_CLAMP:
                written = written * 10 + (s[0] - c'0')
            s += 1
        if written >= EXPONENT_CLAMP:
            exact = False
        exponent += -written if exp_negative else written
    end[0] = s
    if s < stop and not is_space(s[0]):
        return NOT_A_NUMBER
    if mantissa == 0:
        value[0] = -0.0 if negative else 0.0
        return OK
    if not exact or exponent < -MAX_EXACT_POW10 or exponent > MAX_EXACT_POW10:
        return SLOW_PATH
    d = <double>mantissa
    d = d * POW10[exponent] if exponent >= 0 else d / POW10[-exponent]
    if mantissa > <uint64_t>TWO_POW_53 and not (to_float32 and float32_unambiguous(d)):
        return SLOW_PATH
    value[0] = -d if negative else d
    return OK


cdef Status parse_values(const char *buf, Py_ssize_t p, Py_ssize_t stop, Py_ssize_t dims,
                         float *rowf, double *rowd, bint allow_nonfinite,
                         Failure *failure) noexcept nogil:
    """Parse the blank-separated values of one line into ``rowf`` or ``rowd``."""
    cdef Py_ssize_t n = 0
    cdef double value, slow_value
    cdef float single
    cdef const char *end = NULL
    cdef const char *slow_end = NULL
    cdef Status status
    cdef bint finite
    while True:
        while p < stop and is_space(buf[p]):
            p += 1
        if p >= stop:
            break
        if n == dims:
            failure.pos = p
            failure.count = n + 1
            return TOO_MANY
        status = parse_plain(buf + p, rowf != NULL, &value, &end)
        if status == SLOW_PATH:
            status = parse_number(buf + p, buf + stop, rowf != NULL, &slow_value, &slow_end)
            if status == SLOW_PATH:
                status = parse_slow(buf + p, slow_end, &slow_value)
            value = slow_value
            end = slow_end
        if status != OK:
            failure.pos = p
            failure.length = end - (buf + p) if end != NULL and end > buf + p else 1
            while p + failure.length < stop and not is_space(buf[p + failure.length]):
                failure.length += 1
            return status
        if rowf != NULL:
            single = <float>value
            rowf[n] = single
            finite = isfinite(single)
        else:
            rowd[n] = value
            finite = isfinite(value)
        if not finite and not allow_nonfinite:
            failure.pos = p
            failure.length = end - (buf + p)
            return NONFINITE
        n += 1
        p = end - buf
    if n < dims:
        failure.count = n
        return TOO_FEW
    return OK


cdef class Parser:
    """Stream a binary file object through a growable buffer and parse word2vec rows.

    Parameters
    ----------
    fileobj : binary file object
        Read with ``readinto`` (or ``read``) in chunks of ``chunk_bytes``.
    chunk_bytes : int
        Initial buffer size; it grows only to hold a single longer line or record.
    binary : bool
        Rows are ``key`` + space + little-endian float32 values (else text lines).
    encoding, errors : str
        Codec and error handler used to decode keys.
    allow_nonfinite : bool
        Accept NaN and infinite values instead of raising :class:`ParseError`.
    first_line : int
        Number of the next line in the file (for messages).
    """

    cdef object fileobj
    cdef object reader
    cdef bytearray storage
    cdef char *buf
    cdef Py_ssize_t cap, pos, end
    cdef readonly long long base
    cdef readonly bint eof
    cdef readonly Py_ssize_t line
    cdef bint binary, utf8, allow_nonfinite
    cdef bytes encoding, errors
    cdef Py_ssize_t key_start[BATCH_ROWS]
    cdef Py_ssize_t key_len[BATCH_ROWS]
    cdef Py_ssize_t key_line[BATCH_ROWS]

    def __init__(self, fileobj, Py_ssize_t chunk_bytes, bint binary, str encoding, str errors,
                 bint allow_nonfinite, Py_ssize_t first_line):
        if chunk_bytes < 1:
            raise ValueError(f"chunk_bytes must be positive, got {chunk_bytes}")
        self.fileobj = fileobj
        self.reader = getattr(fileobj, "readinto", None)
        self.storage = bytearray(chunk_bytes + 1 + WORD_BYTES)
        self.buf = PyByteArray_AS_STRING(self.storage)
        self.cap = chunk_bytes
        self.binary = binary
        self.encoding = encoding.encode("ascii")
        self.errors = errors.encode("ascii")
        self.utf8 = encoding.lower().replace("-", "").replace("_", "") in ("utf8", "u8")
        self.allow_nonfinite = allow_nonfinite
        self.line = first_line

    @property
    def offset(self):
        """Byte offset in the file of the next unparsed byte."""
        return self.base + self.pos

    cdef Py_ssize_t fill(self) except -1:
        """Keep the unparsed bytes, make room (growing if the buffer is full) and read more."""
        cdef Py_ssize_t n
        if self.eof:
            return 0
        if self.pos > 0:
            memmove(self.buf, self.buf + self.pos, self.end - self.pos)
            self.base += self.pos
            self.end -= self.pos
            self.pos = 0
        if self.end == self.cap:
            PyByteArray_Resize(self.storage, 2 * self.cap + 1 + WORD_BYTES)
            self.cap = PyByteArray_GET_SIZE(self.storage) - 1 - WORD_BYTES
            self.buf = PyByteArray_AS_STRING(self.storage)
        if self.reader is not None:
            with memoryview(self.storage) as whole:
                with whole[self.end:self.cap] as free:
                    got = self.reader(free)
            if got is None:
                raise ValueError("the file object returned no data (non-blocking stream?)")
            n = got
        else:
            data = self.fileobj.read(self.cap - self.end)
            n = len(data)
            memcpy(self.buf + self.end, <const char *>data, n)
        self.end += n
        self.buf[self.end] = 0
        self.eof = n == 0
        return n

    def read_line(self, Py_ssize_t max_bytes):
        """Return the next line without its ``\\n`` (``None`` at end of file).

        Raises :class:`ParseError` if no line end appears within ``max_bytes``.
        """
        cdef const char *nl
        cdef Py_ssize_t length
        while True:
            nl = <const char *>memchr(self.buf + self.pos, b'\n', self.end - self.pos)
            length = nl - (self.buf + self.pos) if nl != NULL else self.end - self.pos
            if length > max_bytes:
                raise ParseError(f"no line end within {max_bytes} bytes", self.line, self.offset)
            if nl != NULL or self.eof:
                break
            self.fill()
        if nl == NULL and length == 0:
            return None
        line = self.buf[self.pos:self.pos + length]
        self.pos += length + (nl != NULL)
        self.line += 1
        return line

    def ensure(self, Py_ssize_t nbytes):
        """Buffer at least ``nbytes`` unparsed bytes; return False if the file ends first."""
        while self.end - self.pos < nbytes and not self.eof:
            self.fill()
        return self.end - self.pos >= nbytes

    def at_end(self):
        """Skip blanks; return True if only blanks were left, else stop at the first other byte."""
        while True:
            while self.pos < self.end and is_space(self.buf[self.pos]):
                if self.buf[self.pos] == b'\n':
                    self.line += 1
                self.pos += 1
            if self.pos < self.end:
                return False
            if self.eof:
                return True
            self.fill()

    def count_rows(self, Py_ssize_t limit):
        """Count the non-blank lines from here (at most ``limit`` if positive).

        Returns ``(rows, dims)`` where ``dims`` is the number of values after the key on the
        first non-blank line (-1 if there is none). Used for files without a header.
        """
        cdef Py_ssize_t rows = 0, dims = -1, stop, nxt, p
        cdef const char *nl
        while limit <= 0 or rows < limit:
            nl = <const char *>memchr(self.buf + self.pos, b'\n', self.end - self.pos)
            if nl == NULL and not self.eof:
                self.fill()
                continue
            if nl == NULL and self.pos == self.end:
                break
            stop = nl - self.buf if nl != NULL else self.end
            nxt = stop + 1 if nl != NULL else stop
            p = self.pos
            while p < stop and is_space(self.buf[p]):
                p += 1
            if p < stop:
                if dims < 0:
                    dims = count_values(self.buf, self.pos, stop)
                rows += 1
            self.pos = nxt
        return rows, dims

    cdef Py_ssize_t text_batch(self, float *outf, double *outd, Py_ssize_t dims,
                               Py_ssize_t want, Failure *failure) noexcept nogil:
        """Parse up to ``want`` complete lines from the buffer; stop early when one is cut."""
        cdef Py_ssize_t got = 0, stop, nxt, trimmed, key_stop, q
        cdef const char *nl
        cdef const char *space
        while got < want:
            nl = <const char *>memchr(self.buf + self.pos, b'\n', self.end - self.pos)
            if nl == NULL and (not self.eof or self.pos == self.end):
                break
            stop = nl - self.buf if nl != NULL else self.end
            nxt = stop + 1 if nl != NULL else stop
            trimmed = stop
            while trimmed > self.pos and is_space(self.buf[trimmed - 1]):
                trimmed -= 1
            if trimmed == self.pos:
                q = nxt
                while q < self.end and is_space(self.buf[q]):
                    q += 1
                if q < self.end:
                    failure.status = BLANK_LINE
                    failure.pos = self.pos
                break
            space = <const char *>memchr(self.buf + self.pos, b' ', trimmed - self.pos)
            key_stop = space - self.buf if space != NULL else trimmed
            failure.status = parse_values(
                self.buf, key_stop, trimmed, dims,
                outf + got * dims if outf != NULL else NULL,
                outd + got * dims if outd != NULL else NULL,
                self.allow_nonfinite, failure)
            if failure.status != OK:
                break
            self.key_start[got] = self.pos
            self.key_len[got] = key_stop - self.pos
            self.key_line[got] = self.line
            self.pos = nxt
            self.line += 1
            got += 1
        return got

    cdef Py_ssize_t binary_batch(self, float *outf, double *outd, Py_ssize_t dims,
                                 Py_ssize_t want, Failure *failure) noexcept nogil:
        """Copy up to ``want`` complete records from the buffer; stop early when one is cut."""
        cdef Py_ssize_t got = 0, p, vec, i, nbytes = dims * 4
        cdef const char *space
        cdef uint32_t bits, nonfinite
        cdef float *rowf
        while got < want:
            p = self.pos
            while p < self.end and is_record_gap(self.buf[p]):
                p += 1
            self.pos = p
            space = <const char *>memchr(self.buf + p, b' ', self.end - p)
            if space == NULL or self.end - (space - self.buf + 1) < nbytes:
                break
            vec = space - self.buf + 1
            nonfinite = 0
            if outf != NULL:
                rowf = outf + got * dims
                memcpy(rowf, self.buf + vec, nbytes)
                for i in range(dims):
                    memcpy(&bits, rowf + i, 4)
                    if not HOST_LITTLE:
                        bits = byteswap32(bits)
                        memcpy(rowf + i, &bits, 4)
                    nonfinite |= (bits & FLOAT32_EXP_MASK) == FLOAT32_EXP_MASK
            else:
                for i in range(dims):
                    memcpy(&bits, self.buf + vec + 4 * i, 4)
                    if not HOST_LITTLE:
                        bits = byteswap32(bits)
                    nonfinite |= (bits & FLOAT32_EXP_MASK) == FLOAT32_EXP_MASK
                    outd[got * dims + i] = float_from_bits(bits)
            if nonfinite and not self.allow_nonfinite:
                for i in range(dims):
                    memcpy(&bits, self.buf + vec + 4 * i, 4)
                    if not HOST_LITTLE:
                        bits = byteswap32(bits)
                    if (bits & FLOAT32_EXP_MASK) == FLOAT32_EXP_MASK:
                        break
                failure.status = NONFINITE
                failure.pos = vec + 4 * i
                break
            self.key_start[got] = p
            self.key_len[got] = space - (self.buf + p)
            self.pos = vec + nbytes
            got += 1
        return got

    def read_rows(self, out, Py_ssize_t start, Py_ssize_t stop, list keys):
        """Parse rows into ``out[start:stop]`` and append their keys to ``keys``.

        ``out`` is a C-contiguous float32 or float64 matrix. Returns the number of rows
        parsed, fewer than asked only when the file ends (blanks aside).
        """
        cdef float[:, ::1] viewf
        cdef double[:, ::1] viewd
        cdef float *outf = NULL
        cdef double *outd = NULL
        cdef Py_ssize_t dims = out.shape[1], row = start, want, got, i
        cdef Failure failure
        if start >= stop:
            return 0
        if out.dtype == np.float32:
            viewf = out
            outf = &viewf[0, 0]
        else:
            viewd = out
            outd = &viewd[0, 0]
        while row < stop:
            want = min(stop - row, <Py_ssize_t>BATCH_ROWS)
            failure.status = OK
            with nogil:
                if self.binary:
                    got = self.binary_batch(outf + row * dims if outf != NULL else NULL,
                                            outd + row * dims if outd != NULL else NULL,
                                            dims, want, &failure)
                else:
                    got = self.text_batch(outf + row * dims if outf != NULL else NULL,
                                          outd + row * dims if outd != NULL else NULL,
                                          dims, want, &failure)
            for i in range(got):
                keys.append(self.decode_key(i))
            row += got
            if failure.status != OK:
                self.raise_failure(&failure, dims)
            if got < want:
                if not self.eof:
                    self.fill()
                elif self.at_end():
                    break
                else:
                    raise ParseError("the file ends inside this record", None, self.offset)
        return row - start

    cdef object decode_key(self, Py_ssize_t i):
        """Decode the i-th key of the last batch (the buffer still holds it)."""
        cdef const char *s = self.buf + self.key_start[i]
        try:
            if self.utf8:
                return PyUnicode_DecodeUTF8(s, self.key_len[i], self.errors)
            return PyUnicode_Decode(s, self.key_len[i], self.encoding, self.errors)
        except UnicodeDecodeError as err:
            detail = f"cannot decode key {s[:self.key_len[i]]!r} ({err.reason}); try unicode_errors='replace'"
            if self.binary:
                raise ParseError(detail, None, self.base + self.key_start[i]) from None
            raise ParseError(detail, self.key_line[i], None) from None

    cdef raise_failure(self, Failure *failure, Py_ssize_t dims):
        cdef bytes token = self.buf[failure.pos:failure.pos + min(failure.length, <Py_ssize_t>SHOWN_TOKEN_BYTES)]
        if failure.status == TOO_FEW:
            detail = f"expected {dims} values after the key, found {failure.count}"
        elif failure.status == TOO_MANY:
            detail = f"expected {dims} values after the key, found more"
        elif failure.status == BLANK_LINE:
            detail = "blank line before the last row"
        elif failure.status == NONFINITE and self.binary:
            detail = "non-finite value (NaN or infinity); pass allow_nonfinite=True to accept it"
        elif failure.status == NONFINITE:
            detail = (f"non-finite value {token.decode('ascii', 'replace')!r}; "
                      "pass allow_nonfinite=True to accept it")
        else:
            detail = f"{token.decode('utf8', 'replace')!r} is not a number"
        if self.binary:
            raise ParseError(detail, None, self.base + failure.pos)
        raise ParseError(detail, self.line, None)


cdef Py_ssize_t count_values(const char *buf, Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    """Blank-separated tokens after the first space of the line ``buf[start:stop]``."""
    cdef const char *space = <const char *>memchr(buf + start, b' ', stop - start)
    cdef Py_ssize_t p, n = 0
    if space == NULL:
        return 0
    p = space - buf
    while p < stop:
        while p < stop and is_space(buf[p]):
            p += 1
        if p < stop:
            n += 1
        while p < stop and not is_space(buf[p]):
            p += 1
    return n


cdef inline uint32_t byteswap32(uint32_t x) noexcept nogil:
    return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | (x >> 24)


cdef inline float float_from_bits(uint32_t bits) noexcept nogil:
    cdef float f
    memcpy(&f, &bits, 4)
    return f


def compact_rows(out, Py_ssize_t[::1] keep):
    """Move rows ``keep[j]`` to row ``j`` in place (``keep`` increasing); used to drop duplicates."""
    cdef unsigned char[:, ::1] rows = out.view(np.uint8).reshape(out.shape[0], -1)
    cdef Py_ssize_t j, width = rows.shape[1]
    if width == 0:
        return
    with nogil:
        for j in range(keep.shape[0]):
            if keep[j] != j:
                memmove(&rows[j, 0], &rows[keep[j], 0], width)


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


cdef Py_ssize_t format_float32(float value, char *dst) except -1 nogil:
    """Write ``str(np.float32(value))``: the shortest digits that round-trip, numpy's layout.

    The shortest length ``p`` is searched with exact double arithmetic; the rare cases it
    cannot decide (powers of two, exact ties, magnitudes needing huge scales) fall back to
    numpy itself.
    """
    cdef double x = fabs(<double>value), half, y, low, frac, candidate
    cdef uint32_t bits
    cdef int k, p, s = 0, exponent, ndigits, i
    cdef uint64_t m = 0
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
    for p in range(1, FLOAT32_DIGITS + 1):
        s = p - 1 - k
        if s < -MAX_EXACT_POW10 or s > MAX_EXACT_POW10:
            return format_float32_fallback(value, dst)
        y = x * POW10[s] if s >= 0 else x / POW10[-s]
        low = floor(y)
        frac = y - low
        if fabs(frac - 0.5) < ROUNDING_MARGIN:
            return format_float32_fallback(value, dst)
        m = <uint64_t>low + (1 if frac > 0.5 else 0)
        candidate = <double>m / POW10[s] if s >= 0 else <double>m * POW10[-s]
        if candidate == x - half or candidate == x + half:
            return format_float32_fallback(value, dst)
        if x - half < candidate < x + half:
            break
    else:
        return format_float32_fallback(value, dst)
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
