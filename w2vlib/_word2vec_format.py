"""Reading and writing the word2vec text and binary formats.

These are the formats of the original word2vec C tool, also written by gensim's
``save_word2vec_format``, fastText (``.vec``) and GloVe (text without a header line)::

    rows dims\\n                                      header (absent with no_header=True)
    key v1 v2 ... vdims\\n                            text: one line per key
    key v1v2...vdims\\n                               binary: space, dims little-endian float32

The semantics follow gensim 4.4's ``KeyedVectors.load_word2vec_format`` and
``save_word2vec_format``; docs/differences.md lists where w2vlib is stricter (corrupt files
raise instead of loading silently) or fixes a gensim bug (duplicate keys).

>>> import os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "tiny.txt")
>>> write_word2vec(path, ["king", "queen"], np.array([[0.5, 1.0], [0.25, -2.0]], dtype=np.float32))
>>> print(open(path).read(), end="")
2 2
king 0.5 1.0
queen 0.25 -2.0
>>> keys, vectors, counts = read_word2vec(path)
>>> keys, vectors.tolist(), counts.tolist()
(['king', 'queen'], [[0.5, 1.0], [0.25, -2.0]], [2, 1])
"""
import contextlib
import logging
import os
import re
import stat

import numpy as np
import smart_open

from w2vlib import _compressed, _file_kind, _word2vec_write, _word2vec_read
from w2vlib._atomic import atomic_group, local_path
from w2vlib._progress import make_meter
from w2vlib.errors import TruncatedFileError, UndecodableKeyError, Word2VecFormatError

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20            # bytes per read of the streaming parser (the buffer grows only
                                 # to hold one longer line)
MAX_HEADER_BYTES = 4096          # a "rows dims" line is never longer
GROWTH_START_BYTES = CHUNK_BYTES  # first allocation for a file of unknown size (compressed, remote):
                                 # the matrix then doubles, staying within 2x the rows read
WRITE_BLOCK_ROWS = 4096          # rows formatted per write call
PROGRESS_ROWS = 1 << 16          # rows parsed between two progress reports
SELECT_BLOCK_ROWS = 4096         # rows parsed at a time by select_word2vec
BINARY_VALUE_BYTES = 4           # every binary value is a float32
MIN_TEXT_VALUE_BYTES = 2         # a blank and one digit
SHOWN_KEYS = 5                   # examples quoted in warnings
MAX_DIMS = np.iinfo(np.intp).max // np.dtype(np.float64).itemsize   # widest row numpy can address


#: Bytes that end a key in word2vec files (the readers split on ASCII whitespace).
KEY_BREAKS = re.compile(rb"[ \t\n\r\v\f]")


def read_word2vec(fname, fvocab=None, binary=False, encoding="utf8", unicode_errors="strict",
                  limit=None, datatype=np.float32, no_header=False, *, allow_nonfinite=False,
                  progress=False):
    """Read a word2vec text or binary file.

    Parameters
    ----------
    fname : str or os.PathLike
        Path or smart_open URI; ``.gz``/``.bz2`` files are decompressed on the fly. Plain local
        files are streamed through a small buffer, so memory peaks at the matrix plus a few MB.
    fvocab : str or os.PathLike, optional
        A ``key count`` file (the C tool's ``-save-vocab`` output) providing the counts.
    binary : bool
        The file is in the binary format.
    encoding, unicode_errors : str
        Codec and error handler (``'strict'``, ``'replace'``, ``'ignore'`` ...) for the keys;
        also used for the keys of ``fvocab``.
    limit : int, optional
        Read only the first ``limit`` rows. As in gensim, ``None`` or ``0`` reads them all.
    datatype : numpy float dtype
        dtype of the returned vectors. float32 and float64 are parsed directly; other float
        types are converted afterwards.
    no_header : bool
        The text file has no ``rows dims`` line (GloVe); a first pass counts the rows and takes
        the dimension from the first line. Not available for binary files (as in gensim).
    allow_nonfinite : bool, keyword-only
        Accept ``nan``/``inf`` values, and values too large for a narrower ``datatype`` (they
        become infinite); by default both raise :class:`Word2VecFormatError`.
    progress : bool or None, keyword-only
        Report the rows read (:func:`w2vlib._progress.make_meter`: True a bar on stderr, None
        a bar on a terminal and log lines elsewhere, False nothing); short loads stay silent.

    Returns
    -------
    keys : list of str
        In file order. A key seen again later keeps its first vector; the later rows are
        dropped with a warning (gensim's intent; gensim 4.4 leaves a ``None`` key behind).
    vectors : numpy.ndarray of shape (len(keys), dims) and dtype ``datatype``
    counts : numpy.ndarray of int64
        From ``fvocab`` (0, with a warning, for keys it lacks); without ``fvocab``, gensim's
        made-up descending counts: ``rows - index``, ``rows`` being the number of rows read.

    Raises
    ------
    Word2VecFormatError
        For a malformed file: empty file or header, a header promising more rows than the
        file holds (checked against the file size before allocating) or fewer than it holds,
        a line with the wrong number of values, a token that is not a number, a non-finite
        value or one that overflows ``datatype``, a truncated binary record, a key that cannot
        be decoded, a dimension too large for numpy.
    NotImplementedError
        For ``no_header=True`` with ``binary=True``.
    """
    datatype = np.dtype(datatype)
    if datatype.kind != "f":
        raise ValueError(f"datatype must be a floating point type, got {datatype}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be a non-negative number of rows, got {limit}")
    if no_header and binary:
        raise NotImplementedError("no_header is only available for text files")
    name = os.fspath(fname)
    vocab = read_vocab_counts(fvocab, encoding, unicode_errors) if fvocab is not None else None
    single = datatype == np.float32 or (binary and datatype != np.float64)
    parse_dtype = np.dtype(np.float32 if single else np.float64)
    narrow = datatype if datatype.itemsize < parse_dtype.itemsize else None

    def parser_for(source):
        return _word2vec_read.Parser(source, CHUNK_BYTES, binary, encoding, unicode_errors, allow_nonfinite, 1, narrow)

    with _located(name, None if no_header else binary):
        if no_header:
            with _open_source(fname) as (source, _):
                rows, dims = parser_for(source).count_rows(limit or 0)
            if dims < 0:
                raise _word2vec_read.ParseError("no rows in the file", 1, None)
        with _open_source(fname) as (source, size):
            parser = parser_for(source)
            if not no_header:
                rows, dims = _read_header(parser, binary)
            _check_dims(dims, binary)
            wanted = min(rows, limit) if limit else rows
            _check_size(wanted, dims, binary, size, parser.offset)
            meter = make_meter(progress, f"loading {os.path.basename(name)}", wanted, "vectors")
            try:
                keys, vectors = _read_rows(parser, wanted, dims, parse_dtype, binary,
                                           size is not None, meter)
            finally:
                if meter is not None:
                    meter.close()
            if len(keys) < wanted:
                raise _word2vec_read.ParseError(f"the header declares {rows} rows but the file ends after {len(keys)}",
                                       *_here(parser, binary), truncated=True)
            if wanted == rows and not (no_header and limit) and not parser.at_end():
                raise _word2vec_read.ParseError(f"unexpected data after the {rows} declared rows", *_here(parser, binary))
    keys, vectors = _drop_duplicates(name, keys, vectors)
    counts = _counts(name, keys, vocab, wanted)
    with np.errstate(over="ignore"):          # only reached with allow_nonfinite=True
        return keys, vectors.astype(datatype, copy=False), counts


def select_word2vec(fname, wanted, binary=False, encoding="utf8", unicode_errors="strict",
                    dims=None):
    """The rows of a word2vec file whose key is in `wanted`, read in blocks of
    :data:`SELECT_BLOCK_ROWS` rows: memory holds one block and the rows kept, never the whole
    file. A key repeated in the file keeps its first row. The file is checked as by
    :func:`read_word2vec` (same errors); with `dims`, a header of another dimension is a
    ValueError before any row is read.

    Returns
    -------
    keys : list of str
    vectors : numpy.ndarray of shape (len(keys), dims), float32

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "v.txt")
    >>> write_word2vec(path, ["a", "b", "c"], np.arange(6, dtype=np.float32).reshape(3, 2))
    >>> select_word2vec(path, {"c", "a", "zzz"})
    (['a', 'c'], array([[0., 1.],
           [4., 5.]], dtype=float32))
    """
    name = os.fspath(fname)
    keys, rows_kept, seen = [], [], set()
    with _located(name, binary), _open_source(fname) as (source, size):
        parser = _word2vec_read.Parser(source, CHUNK_BYTES, binary, encoding, unicode_errors, False, 1, None)
        rows, found = _read_header(parser, binary)
        if dims is not None and found != dims:
            raise ValueError(f"incompatible vector size {found} in file {name}: expected {dims}")
        dims = found
        _check_dims(dims, binary)
        _check_size(rows, dims, binary, size, parser.offset)
        block = np.empty((min(rows, SELECT_BLOCK_ROWS), dims), np.float32)
        done = 0
        while done < rows:
            block_keys = []
            want = min(len(block), rows - done)
            got = parser.read_rows(block, 0, want, block_keys)
            for row, key in enumerate(block_keys):
                if key in wanted and key not in seen:
                    seen.add(key)
                    keys.append(key)
                    rows_kept.append(block[row].copy())
            done += got
            if got < want:
                raise _word2vec_read.ParseError(f"the header declares {rows} rows but the file ends after {done}",
                                       *_here(parser, binary), truncated=True)
        if not parser.at_end():
            raise _word2vec_read.ParseError(f"unexpected data after the {rows} declared rows", *_here(parser, binary))
    return keys, np.array(rows_kept, np.float32).reshape(len(keys), dims)


def write_word2vec(fname, keys, vectors, counts=None, fvocab=None, binary=False, total_vec=None,
                   write_header=True, prefix="", append=False, *, progress=False):
    """Write vectors in the word2vec text or binary format, as gensim's ``save_word2vec_format``.

    Parameters
    ----------
    fname : str or os.PathLike
        Path or smart_open URI; ``.gz``/``.bz2`` names are compressed.
    keys : sequence
        Keys in the order to write (converted with ``str``).
    vectors : numpy.ndarray of shape (len(keys), dims)
    counts : sequence of int, optional
        Needed with ``fvocab``.
    fvocab : str or os.PathLike, optional
        Also write ``prefix + key + ' ' + count`` lines to this file.
    binary : bool
        Binary rows: key, space, little-endian float32 values, ``\\n`` (the C tool's layout;
        gensim 4.4 omits the ``\\n``, and both read either layout). Text rows: values printed
        as numpy's ``str()`` prints them (shortest round-trip repr of their dtype), which is
        what gensim writes.
    total_vec : int, optional
        Row count written in the header (default ``len(keys)``).
    write_header : bool
        Write the ``rows dims`` line.
    prefix : str
        Prepended to every key.
    append : bool
        Append to the existing files in place. Otherwise the files are written atomically:
        ``fname`` and ``fvocab`` are replaced only once both are completely written and
        fsynced, and an error or a crash leaves the old ones intact.
    progress : bool or None, keyword-only
        Report the rows written, as in :func:`read_word2vec`.
    """
    vectors = np.asarray(vectors)
    keys = list(keys)
    if vectors.ndim != 2 or vectors.shape[0] != len(keys):
        raise ValueError(f"vectors of shape {vectors.shape} do not match {len(keys)} keys")
    if fvocab is not None:
        if counts is None:
            raise ValueError("cannot write fvocab without counts")
        counts = np.asarray(counts)
        if counts.shape != (len(keys),):
            raise ValueError(f"counts of shape {counts.shape} do not match {len(keys)} keys")
    total_vec = len(keys) if total_vec is None else _row_count(total_vec)
    paths = [fname] if fvocab is None else [fvocab, fname]
    with (_open_append(paths) if append else atomic_group(paths)) as streams:
        fout = streams[-1]
        if fvocab is not None:
            for start in range(0, len(keys), WRITE_BLOCK_ROWS):
                stop = start + WRITE_BLOCK_ROWS
                lines = (f"{prefix}{key} {count}\n" for key, count in zip(keys[start:stop], counts[start:stop]))
                streams[0].write("".join(lines).encode("utf8"))
        if write_header:
            fout.write(f"{total_vec} {vectors.shape[1]}\n".encode("utf8"))
        meter = make_meter(progress, f"saving {os.path.basename(os.fspath(fname))}", len(keys),
                           "vectors")
        try:
            for start in range(0, len(keys), WRITE_BLOCK_ROWS):
                stop = start + WRITE_BLOCK_ROWS
                block_keys = [f"{prefix}{key}".encode("utf8") for key in keys[start:stop]]
                _check_keys(block_keys, start)
                fout.write(_format_block(block_keys, vectors[start:stop], binary))
                if meter is not None:
                    meter.update(min(stop, len(keys)))
        finally:
            if meter is not None:
                meter.close()


@contextlib.contextmanager
def _located(name, binary=None):
    """Turn the parser's ParseError, and a damaged compressed stream's error, into a
    Word2VecFormatError naming the file (TruncatedFileError, also an EOFError, for a file that
    ends too soon; UndecodableKeyError, also a UnicodeDecodeError, for a key the codec refuses).
    With `binary` (a read of vectors in that format), an error in a file of another kind says
    what the file is and how to read it."""
    try:
        with _compressed.located(name, lambda detail: Word2VecFormatError(name, detail)):
            yield
    except _word2vec_read.ParseError as err:
        detail = err.detail if binary is None else _with_hint(name, err.detail, binary)
        if err.decode_error is not None:
            raise UndecodableKeyError(name, detail, err.decode_error, err.line, err.offset) from None
        error = TruncatedFileError if err.truncated else Word2VecFormatError
        raise error(name, detail, err.line, err.offset) from None


def _with_hint(name, detail, binary):
    """`detail`, followed by (or replaced by: see :func:`w2vlib._file_kind.hint`) what the file
    is when it is not a word2vec file of the format `binary` asks for."""
    try:
        hint, replaces = _file_kind.hint(_file_kind.head_of(name), binary)
    except (OSError, ValueError):
        return detail
    if hint is None:
        return detail
    return hint if replaces else f"{detail}; {hint}"


@contextlib.contextmanager
def _open_source(fname):
    """Yield ``(binary file object, size in bytes or None when unknown)``."""
    local = local_path(fname)
    if local is not None and not _compressed.is_compressed(local):
        with open(local, "rb", buffering=0) as source:
            info = os.fstat(source.fileno())
            yield source, info.st_size if stat.S_ISREG(info.st_mode) else None
    else:
        with smart_open.open(os.fspath(fname), "rb") as source:
            yield source, None


@contextlib.contextmanager
def _open_append(paths):
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(smart_open.open(os.fspath(path), "ab")) for path in paths]


def _start(binary):
    """``(line, offset)`` of the start of the file, for ParseError."""
    return (None, 0) if binary else (1, None)


def _here(parser, binary):
    """``(line, offset)`` of the parser's position, for ParseError."""
    return (None, parser.offset) if binary else (parser.line, None)


def _read_header(parser, binary):
    """Parse the ``rows dims`` line."""
    where = _start(binary)
    line = parser.read_line(MAX_HEADER_BYTES)
    if line is None:
        raise _word2vec_read.ParseError("the file is empty", *where)
    parts = line.split()
    try:
        rows, dims = (int(part) for part in parts)
    except ValueError:
        raise _word2vec_read.ParseError(f"expected a 'rows dims' header, found {line[:MAX_HEADER_BYTES]!r}", *where) from None
    if rows < 0:
        raise _word2vec_read.ParseError(f"the row count must not be negative, got {rows}", *where)
    return rows, dims


def _check_dims(dims, binary):
    if dims < 1:
        raise _word2vec_read.ParseError(f"the dimension must be positive, got {dims}", *_start(binary))
    if dims > MAX_DIMS:
        raise _word2vec_read.ParseError(f"the dimension {dims} is too large", *_start(binary))


def _check_size(rows, dims, binary, size, header_end):
    """Refuse a header whose rows cannot fit in the file, before allocating for them."""
    if size is None or rows == 0:
        return
    if binary:
        minimum = rows * (1 + dims * BINARY_VALUE_BYTES)
    else:
        minimum = rows * (dims * MIN_TEXT_VALUE_BYTES + 1) - 1
    if minimum > size - header_end:
        raise _word2vec_read.ParseError(
            f"the header declares {rows} rows of {dims} values, needing at least {minimum} bytes, "
            f"but only {size - header_end} bytes follow it", *_start(binary), truncated=True)


def _read_rows(parser, rows, dims, dtype, binary, sized, meter=None):
    """Parse ``rows`` rows into one matrix; grow it geometrically when the file size is unknown.
    With a `meter`, rows are parsed in blocks of :data:`PROGRESS_ROWS` and reported after each."""
    keys = []
    if sized:
        capacity = rows
    else:
        capacity = min(rows, max(1, GROWTH_START_BYTES // (dims * dtype.itemsize)))
        minimum = 1 + dims * BINARY_VALUE_BYTES if binary else dims * MIN_TEXT_VALUE_BYTES
        if rows and not parser.ensure(minimum):
            return keys, np.empty((0, dims), dtype=dtype)
    vectors = np.empty((capacity, dims), dtype=dtype)
    done = 0
    while True:
        stop = capacity if meter is None else min(capacity, done + PROGRESS_ROWS)
        done += parser.read_rows(vectors, done, stop, keys)
        if meter is not None:
            meter.update(done)
        if done < stop or done == rows:
            return keys, vectors
        if done == capacity:
            capacity = min(rows, 2 * capacity)
            vectors.resize((capacity, dims), refcheck=False)


def _drop_duplicates(name, keys, vectors):
    """Keep the first row of every key (what gensim means to do; 4.4 leaves a None key)."""
    if len(set(keys)) == len(keys):
        return keys, vectors
    first = {}
    for index, key in enumerate(keys):
        first.setdefault(key, index)
    keep = np.fromiter(first.values(), dtype=np.intp, count=len(first))
    repeated = [key for index, key in enumerate(keys) if first[key] != index]
    logger.warning("%s: %d rows repeat an earlier key and were ignored (first kept), e.g. %r",
                   name, len(repeated), repeated[:SHOWN_KEYS])
    _word2vec_read.compact_rows(vectors, keep)
    vectors.resize((len(keep), vectors.shape[1]), refcheck=False)
    return list(first), vectors


def read_vocab_counts(fvocab, encoding="utf8", unicode_errors="strict"):
    """``{key: count}`` from ``key count`` lines (gensim's ``fvocab``, the C tool's
    ``-save-vocab`` output); a key listed twice keeps its last count (as gensim). Errors name
    the file and line."""
    name = os.fspath(fvocab)
    counts = {}
    with _located(name), smart_open.open(name, "rb") as fin:
        for number, line in enumerate(fin, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise Word2VecFormatError(name, f"expected 'key count', found {line[:MAX_HEADER_BYTES]!r}", number)
            try:
                counts[parts[0].decode(encoding, unicode_errors)] = count = int(parts[1])
            except UnicodeDecodeError as err:
                raise UndecodableKeyError(name, f"cannot decode key {parts[0]!r} ({err.reason}); "
                                          "try unicode_errors='replace'", err, number) from None
            except ValueError as err:
                raise Word2VecFormatError(name, f"bad entry {line[:MAX_HEADER_BYTES]!r}: {err}", number) from None
            if not -2 ** 63 <= count < 2 ** 63:
                raise Word2VecFormatError(name, f"count {count} does not fit in 64 bits", number)
    return counts


def _counts(name, keys, vocab, rows):
    if vocab is None:
        return np.arange(rows, rows - len(keys), -1, dtype=np.int64)
    missing = [key for key in keys if key not in vocab]
    if missing:
        logger.warning("%s: the vocabulary file lacks %d keys (count 0 given), e.g. %r",
                       name, len(missing), missing[:SHOWN_KEYS])
    return np.fromiter((vocab.get(key, 0) for key in keys), dtype=np.int64, count=len(keys))


def _row_count(total_vec):
    if isinstance(total_vec, bool) or not isinstance(total_vec, (int, np.integer)) or total_vec < 0:
        raise ValueError(f"total_vec must be a number of rows >= 0, got {total_vec!r}")
    return int(total_vec)


def _check_keys(block_keys, start):
    """Refuse a key the readers would cut in two (or lose): empty, or holding whitespace.
    Checked before the block is written, so the atomic save leaves the target untouched."""
    if KEY_BREAKS.search(b"\0".join(block_keys)) is None and all(block_keys):
        return
    for position, key in enumerate(block_keys, start):
        if not key or KEY_BREAKS.search(key):
            raise ValueError(f"key {position} ({key.decode('utf8')!r}) cannot be written: word2vec "
                             "files end a key at whitespace, and a key cannot be empty")


def _format_block(keys, vectors, binary):
    out = bytearray()
    if binary:
        rows = np.ascontiguousarray(vectors, dtype="<f4")
        _word2vec_write.format_binary(keys, rows.view(np.uint8).reshape(len(keys), -1), out)
    elif vectors.dtype in (np.float32, np.float64):
        _word2vec_write.format_text(keys, np.ascontiguousarray(vectors), out)
    else:
        for key, row in zip(keys, vectors):
            out += key + b" " + " ".join(str(value) for value in row).encode("utf8") + b"\n"
    return out
