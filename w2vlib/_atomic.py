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
    if mode not in WRITE_MODES:
        raise ValueError(f"atomic_open supports modes {WRITE_MODES}, got {mode!r}")
    target = local_path(path)
    if target is None:
        with smart_open.open(os.fspath(path), mode, encoding="utf8" if mode == "w" else None) as fout:
            yield fout
        return
    folder = os.path.dirname(os.path.abspath(target))
    fd, temp = _create_temp(folder, os.path.basename(target))
    try:
        with os.fdopen(fd, "wb", closefd=False) as raw:
            stream = compression_wrapper(raw, "wb", filename=target)
            if mode == "w":
                stream = io.TextIOWrapper(stream, encoding="utf8")
            with stream:
                yield stream
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(temp)
        raise
    os.close(fd)
    _copy_permissions(target, temp)
    os.replace(temp, target)
    _fsync_folder(folder)


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
