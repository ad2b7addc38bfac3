"""Atomic, durable file writes.

:func:`atomic_open` writes into a temporary file next to the target and only moves it onto the
target when the ``with`` block finishes without an exception: readers see either the old file
or the complete new one, never a half-written file, and a crash or an error leaves the old file
untouched and no temporary file behind.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> target = os.path.join(folder, "vectors.txt")
>>> with atomic_open(target, "w") as fout:
...     _ = fout.write("1 2\\nword 0.5 0.25\\n")
>>> open(target).read()
'1 2\\nword 0.5 0.25\\n'
>>> try:
...     with atomic_open(target, "w") as fout:
...         _ = fout.write("half a file")
...         raise RuntimeError("interrupted")
... except RuntimeError:
...     pass
>>> open(target).read()
'1 2\\nword 0.5 0.25\\n'
>>> sorted(os.listdir(folder))
['vectors.txt']
"""
import contextlib
import io
import os
import secrets
import stat

import smart_open
from smart_open.compression import compression_wrapper

FILE_SCHEME = "file://"
URI_SEPARATOR = "://"
TEMP_SUFFIX = ".tmp"
TEMP_TOKEN_BYTES = 8
TEMP_ATTEMPTS = 100
NEW_FILE_PERMISSIONS = 0o666      # narrowed by the umask, like open()
WRITE_MODES = ("wb", "w")
PATH_MODE = "path"   # atomic_group yields the temporary file's name instead of a stream


def local_path(uri):
    """Return the local filesystem path of ``uri``, or ``None`` for a remote URI.

    Plain paths, ``pathlib`` paths and ``file://`` URIs are local (``~`` is expanded); anything
    else with a ``scheme://`` prefix (``s3://``, ``http://`` ...) is remote.

    >>> local_path("file:///tmp/vectors.bin")
    '/tmp/vectors.bin'
    >>> local_path("s3://bucket/vectors.bin") is None
    True
    """
    uri = os.fspath(uri)
    if uri.startswith(FILE_SCHEME):
        return os.path.expanduser(uri[len(FILE_SCHEME):])
    if URI_SEPARATOR in uri:
        return None
    return os.path.expanduser(uri)


@contextlib.contextmanager
def atomic_open(path, mode="wb"):
    """Open ``path`` for writing so that it is replaced only if the block succeeds.

    The data goes to a new temporary file in the target's folder; when the ``with`` block exits
    cleanly the file is flushed, ``fsync``-ed, renamed onto ``path`` with :func:`os.replace`
    and the folder is ``fsync``-ed, so the new content survives a crash. On an exception the
    temporary file is removed and ``path`` is left as it was. An existing target keeps its
    permission bits; a new one gets the usual ``0o666`` minus the umask.

    Parameters
    ----------
    path : str or os.PathLike
        Target path or URI. A name ending in a compression extension known to smart_open
        (``.gz``, ``.bz2`` ...) is compressed. Remote URIs (``s3://`` ...) are written directly
        through smart_open: atomicity and durability are only guaranteed for local files.
    mode : {'wb', 'w'}
        Binary, or text encoded as UTF-8.

    Yields
    ------
    file object
        Write to it; do not close it.
    """
    with atomic_group([path], mode) as (stream,):
        yield stream


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path next to the local file ``path``, for a library that writes only to a
    file name (annoy, usearch); it replaces ``path`` as :func:`atomic_open` does, when the
    block exits cleanly.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "index.bin")
    >>> with atomic_path(target) as temp:
    ...     with open(temp, "wb") as fout:
    ...         _ = fout.write(b"written by a library")
    >>> open(target, "rb").read()
    b'written by a library'

    Raises
    ------
    ValueError
        If ``path`` is a remote URI or not a regular file.
    """
    with atomic_group([path], PATH_MODE) as (temp,):
        yield temp


@contextlib.contextmanager
def atomic_group(paths, mode="wb"):
    """Like :func:`atomic_open` for several files that belong together (vectors and vocabulary).

    Every file is written and ``fsync``-ed before the first one is renamed, and the renames
    follow each other, so an interruption leaves the previous set of files unless it falls
    between two renames (a window of a few system calls, not of a whole write).

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with atomic_group([os.path.join(folder, "a.txt"), os.path.join(folder, "b.txt")], "w") as (a, b):
    ...     _ = a.write("first"), b.write("second")
    >>> sorted(os.listdir(folder))
    ['a.txt', 'b.txt']

    Yields
    ------
    list of file object
        One per path, in order.
    """
    if mode not in WRITE_MODES + (PATH_MODE,):
        raise ValueError(f"atomic_open supports modes {WRITE_MODES}, got {mode!r}")
    pending = []
    try:
        for path in paths:
            pending.append(_Pending(path, mode))
        yield [p.stream for p in pending]
        for p in pending:
            p.finish()
    except BaseException:
        for p in pending:
            p.discard()
        raise
    for index, p in enumerate(pending):
        try:
            p.commit()
        except BaseException:          # e.g. the target is a folder: leave no temporary file
            for rest in pending[index:]:
                rest.discard()
            raise
    for folder in dict.fromkeys(p.folder for p in pending if p.folder is not None):
        _fsync_folder(folder)


class _Pending:
    """One file being written: a temporary file next to a local target, or a stream straight
    into a remote target or a local one that is not a regular file (``/dev/null``, a named
    pipe: renaming a file onto it would replace the device or pipe itself)."""

    def __init__(self, path, mode):
        self.target = local_path(path)
        self.folder = self.temp = self.fd = self.raw = None
        if self.target is not None and _special(self.target):
            self.target = None
        if self.target is None and mode == PATH_MODE:
            raise ValueError(f"{os.fspath(path)}: only a local file can be written here")
        if self.target is None:
            self.stream = smart_open.open(os.fspath(path), mode, encoding="utf8" if mode == "w" else None)
            return
        self.folder = os.path.dirname(os.path.abspath(self.target))
        try:
            self.fd, self.temp = _create_temp(self.folder, os.path.basename(self.target))
        except OSError as err:   # name the file asked for, not the hidden temporary one
            raise type(err)(err.errno, err.strerror, self.target) from None
        if mode == PATH_MODE:
            os.close(self.fd)
            self.fd, self.stream = None, self.temp
            return
        self.raw = os.fdopen(self.fd, "wb", closefd=False)
        self.stream = compression_wrapper(self.raw, "wb", filename=self.target)
        if mode == "w":
            self.stream = io.TextIOWrapper(self.stream, encoding="utf8")

    def finish(self):
        """Flush everything to the temporary file and fsync it."""
        if self.stream is self.temp:       # written by name: fsync what the writer left
            fd = os.open(self.temp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            return
        self.stream.close()
        if self.fd is not None:
            self.raw.close()
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = None

    def commit(self):
        if self.temp is not None:
            _copy_permissions(self.target, self.temp)
            os.replace(self.temp, self.target)
            self.temp = None

    def discard(self):
        """Drop the temporary file (a remote stream is just closed: it cannot be taken back)."""
        if self.stream is not self.temp:
            with contextlib.suppress(Exception):
                self.stream.close()
        if self.fd is not None:
            with contextlib.suppress(Exception):
                self.raw.close()
            os.close(self.fd)
            self.fd = None
        if self.temp is not None:
            with contextlib.suppress(FileNotFoundError):   # a writer by name may have removed it
                os.unlink(self.temp)
            self.temp = None


def _special(path):
    """Whether `path` exists and is not a regular file (nor a folder, which commit refuses)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _create_temp(folder, name):
    """Create a new hidden temporary file in ``folder``; return ``(fd, path)``."""
    for _ in range(TEMP_ATTEMPTS):
        temp = os.path.join(folder, f".{name}.{secrets.token_hex(TEMP_TOKEN_BYTES)}{TEMP_SUFFIX}")
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_PERMISSIONS), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a unique temporary file in {folder}")


def _copy_permissions(target, temp):
    """Give the new file the permission bits of the file it replaces, if any."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(temp, mode)


def _fsync_folder(folder):
    """Make the rename durable (POSIX; Windows cannot open folders and needs no such step)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
