"""A damaged compressed stream (cut short, corrupt) read through smart_open: its decompressor's
bare error (EOFError, BadGzipFile, ...) turned into a ValueError that names the file.

>>> import gzip, io
>>> with located("words.txt.gz"):
...     gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(b"a b c")[:-4])).read()
Traceback (most recent call last):
ValueError: words.txt.gz: damaged compressed data: Compressed file ended before the end-of-stream marker was reached
"""
import contextlib
import gzip
import lzma
import os
import zlib

from smart_open.compression import get_supported_extensions

#: What a damaged compressed stream raises while it is read (bz2 raises a plain OSError).
ERRORS = (EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)


def is_compressed(path):
    """Whether smart_open decompresses `path` as it reads it (by its suffix, as smart_open
    decides: its registry of compressors, not a list of our own).

    >>> is_compressed("corpus.txt.gz"), is_compressed("corpus.TXT.BZ2"), is_compressed("corpus.txt")
    (True, True, False)
    """
    return os.path.splitext(os.fspath(path))[1].lower() in get_supported_extensions()


def _is_damage(err, name):
    """True when `err`, raised while reading file `name`, says its compressed data is damaged
    (an OSError with an errno is a system error, e.g. a disk fault, and is left as it is)."""
    if isinstance(err, ERRORS):
        return True
    return isinstance(err, OSError) and err.errno is None and is_compressed(name)


@contextlib.contextmanager
def located(name, error=None):
    """Re-raise a damaged compressed stream's error as ``error(detail)`` (default: a ValueError
    naming file `name`)."""
    try:
        yield
    except ERRORS + (OSError,) as err:
        if not _is_damage(err, name):
            raise
        detail = f"damaged compressed data: {err}"
        raise (error(detail) if error else ValueError(f"{os.fspath(name)}: {detail}")) from None
