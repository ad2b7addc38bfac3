# cython: language_level=3
"""Compiled reading of word2vec text and binary rows (writing is in ``_word2vec_write``).

Private engine of :mod:`w2vlib._word2vec_format`, which opens files, checks headers and turns
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
from libc.math cimport fabs, isfinite, INFINITY
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memchr, memcpy, memmove


cdef extern from "Python.h":
    ctypedef struct PyObject
    double PyOS_string_to_double(const char *s, char **endptr, PyObject *overflow) except? -1.0


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
    FLOAT32_EXP_MASK = 0x7f800000
    SHOWN_TOKEN_BYTES = 40     # how much of a bad token an error message quotes
    WORD_BYTES = 8             # digits examined at once; the buffer has this much slack

cdef enum Status:
    OK = 0
    NOT_A_NUMBER
    SLOW_PATH
    TOO_FEW
    TOO_MANY
    NONFINITE
    TOO_LARGE
    BLANK_LINE

cdef double TWO_POW_53 = 9007199254740992.0
cdef uint64_t POW10_INT[9]
cdef double POW10[23]
cdef double INV_POW10[23]
for _i in range(WORD_BYTES + 1):
    POW10_INT[_i] = 10 ** _i
for _i in range(MAX_EXACT_POW10 + 1):
    POW10[_i] = 10.0 ** _i
    INV_POW10[_i] = 10.0 ** -_i


class ParseError(ValueError):
    """A malformed row; ``line`` (text) or ``offset`` (binary) locates it in the file.
    ``truncated``: the file ends too soon; ``decode_error``: the codec's error for a key."""

    def __init__(self, detail, line=None, offset=None, *, truncated=False, decode_error=None):
        super().__init__(detail)
        self.detail = detail
        self.line = line
        self.offset = offset
        self.truncated = truncated
        self.decode_error = decode_error


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


cdef Status parse_slow(const char *start, const char *stop, double *value) noexcept with gil:
    """CPython's own parser (``float()`` without its blank stripping and digit underscores),
    for the tokens :func:`parse_decimal` leaves; the whole token must be a number."""
    cdef char *end = NULL
    try:
        value[0] = PyOS_string_to_double(start, &end, NULL)
    except ValueError:
        return NOT_A_NUMBER
    return OK if end == stop else NOT_A_NUMBER


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


cdef inline Status parse_decimal(const char *s, bint to_float32, double *value,
                                 const char **end) noexcept nogil:
    """Convert the common token shape ``[+-]digits[.digits][(e|E)[+-]digits]``.

    With at most 19 significant digits and a decimal exponent within +-22, the value is one
    multiplication or division of exact doubles: correctly rounded, like ``float()``. For a
    float32 target a multiplication by a rounded power of ten is used instead, unless its
    result lies so close to the midpoint of two float32 values that rounding could differ.
    Anything else returns SLOW_PATH (nan/inf, long mantissas, large exponents, bad tokens).
    The token must be followed by a blank, a line end or the buffer's NUL sentinel.
    """
    cdef bint negative = s[0] == c'-', exponent_negative
    cdef uint64_t mantissa = 0, bits
    cdef unsigned int digit
    cdef const char *start
    cdef Py_ssize_t ndigits, exponent = 0, written = 0
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
        exponent = start - s
        ndigits -= exponent
    if ndigits == 0 or ndigits > MAX_FAST_DIGITS:
        return SLOW_PATH
    if s[0] == c'e' or s[0] == c'E':
        s += 1
        exponent_negative = s[0] == c'-'
        if exponent_negative or s[0] == c'+':
            s += 1
        start = s
        digit = <unsigned char>s[0] - <unsigned char>c'0'
        while digit < 10 and written <= MAX_EXACT_POW10 + MAX_FAST_DIGITS:
            written = written * 10 + digit
            s += 1
            digit = <unsigned char>s[0] - <unsigned char>c'0'
        if s == start:
            return SLOW_PATH
        exponent += -written if exponent_negative else written
    if not (s[0] == 0 or is_space(s[0])) or exponent < -MAX_EXACT_POW10 or exponent > MAX_EXACT_POW10:
        return SLOW_PATH
    d = <double>mantissa
    if to_float32:
        d = d * POW10[exponent] if exponent >= 0 else d * INV_POW10[-exponent]
        memcpy(&bits, &d, 8)
        bits = (bits & FLOAT32_DROPPED_MASK) - FLOAT32_DROPPED_HALF + FLOAT32_MIDPOINT_SLACK
        if bits <= 2 * FLOAT32_MIDPOINT_SLACK:
            if mantissa > <uint64_t>TWO_POW_53:
                return SLOW_PATH
            d = <double>mantissa
            d = d * POW10[exponent] if exponent >= 0 else d / POW10[-exponent]
    elif mantissa > <uint64_t>TWO_POW_53:
        return SLOW_PATH
    else:
        d = d * POW10[exponent] if exponent >= 0 else d / POW10[-exponent]
    value[0] = -d if negative else d
    end[0] = s
    return OK


cdef Status parse_values(const char *buf, Py_ssize_t p, Py_ssize_t stop, Py_ssize_t dims,
                         float *rowf, double *rowd, bint allow_nonfinite, double overflow,
                         Failure *failure) noexcept nogil:
    """Parse the blank-separated values of one line into ``rowf`` or ``rowd``; unless
    ``allow_nonfinite``, a value that is not finite, or whose magnitude reaches ``overflow``
    (it would become infinite in a narrower target type), fails."""
    cdef Py_ssize_t n = 0
    cdef double value = 0, slow_value = 0
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
        status = parse_decimal(buf + p, rowf != NULL, &value, &end)
        if status == SLOW_PATH:
            slow_end = buf + p
            while slow_end < buf + stop and not is_space(slow_end[0]):
                slow_end += 1
            status = parse_slow(buf + p, slow_end, &slow_value)
            value = slow_value
            end = slow_end
        if status != OK:
            failure.pos = p
            failure.length = end - (buf + p)
            return status
        if rowf != NULL:
            single = <float>value
            rowf[n] = single
            finite = isfinite(single)
        else:
            rowd[n] = value
            finite = isfinite(value)
        if not allow_nonfinite and not (finite and fabs(value) < overflow):
            failure.pos = p
            failure.length = end - (buf + p)
            return NONFINITE if not finite else TOO_LARGE
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
    narrow : numpy dtype, optional
        The float type the values will be cast to when it is narrower than the parsed one
        (float16): unless ``allow_nonfinite``, a value that would overflow it raises.
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
    cdef double overflow
    cdef object narrow
    cdef bytes encoding, errors
    cdef Py_ssize_t key_start[BATCH_ROWS]
    cdef Py_ssize_t key_len[BATCH_ROWS]
    cdef Py_ssize_t key_line[BATCH_ROWS]

    def __init__(self, fileobj, Py_ssize_t chunk_bytes, bint binary, str encoding, str errors,
                 bint allow_nonfinite, Py_ssize_t first_line, narrow=None):
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
        self.narrow = None if narrow is None else np.dtype(narrow)
        self.overflow = INFINITY if narrow is None else overflow_threshold(self.narrow)

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
                raise ParseError(f"no line end within {max_bytes} bytes",
                                 None if self.binary else self.line, self.offset if self.binary else None)
            if nl != NULL or self.eof:
                break
            self.fill()
        if nl == NULL and length == 0:
            return None
        line = self.buf[self.pos:self.pos + length]
        self.pos += length + (nl != NULL)
        self.line += nl != NULL
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
                self.allow_nonfinite, self.overflow, failure)
            if failure.status != OK:
                break
            self.key_start[got] = self.pos
            self.key_len[got] = key_stop - self.pos
            self.key_line[got] = self.line
            self.pos = nxt
            self.line += nl != NULL
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
            if not self.allow_nonfinite and (nonfinite or self.overflow < INFINITY):
                i = first_bad_value(self.buf + vec, dims, self.overflow, &failure.status)
                if i >= 0:
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
            failure = Failure(OK, 0, 0, 0)
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
                    raise ParseError("the file ends inside this record", None, self.offset, truncated=True)
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
                raise ParseError(detail, None, self.base + self.key_start[i], decode_error=err) from None
            raise ParseError(detail, self.key_line[i], None, decode_error=err) from None

    cdef raise_failure(self, Failure *failure, Py_ssize_t dims):
        cdef Py_ssize_t shown = min(failure.length, <Py_ssize_t>SHOWN_TOKEN_BYTES)
        cdef bytes token = self.buf[failure.pos:failure.pos + shown]
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
        elif failure.status == TOO_LARGE:
            what = "a value" if self.binary else f"value {token.decode('ascii', 'replace')!r}"
            detail = (f"{what} is too large for {self.narrow} (it would become infinite); "
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


cdef Py_ssize_t first_bad_value(const char *src, Py_ssize_t dims, double overflow,
                                Status *status) noexcept nogil:
    """Index of the first little-endian float32 at ``src`` that is not finite (NONFINITE) or
    reaches ``overflow`` in magnitude (TOO_LARGE), setting ``status``; -1 if there is none."""
    cdef Py_ssize_t i
    cdef uint32_t bits
    for i in range(dims):
        memcpy(&bits, src + 4 * i, 4)
        if not HOST_LITTLE:
            bits = byteswap32(bits)
        if (bits & FLOAT32_EXP_MASK) == FLOAT32_EXP_MASK:
            status[0] = NONFINITE
            return i
        if fabs(float_from_bits(bits)) >= overflow:
            status[0] = TOO_LARGE
            return i
    return -1


def overflow_threshold(narrow):
    """Smallest magnitude that rounds to infinity in the float type ``narrow``: its largest
    finite value plus half a unit in the last place (the tie goes to infinity, since the
    largest finite value has an odd significand)."""
    info = np.finfo(narrow)
    top = float(info.max)
    return top + (top - float(np.nextafter(info.max, narrow.type(0)))) / 2


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
