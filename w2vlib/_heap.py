"""The C heap kept while a model trains on Dask: freed blocks stay in the process for reuse.

Every sync round allocates buffers of megabytes (the messages received, the deltas, the
updates) and frees them. Dask's nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``
(to hand freed memory back to the system), which also pins glibc's mmap threshold at 128 KiB:
every such buffer is then mapped afresh and unmapped when freed, and the kernel zeroes its
pages again at every round. On the benchmark machine that zeroing took 23% of a two-replica
cluster's CPU (docs/distributed.md). While :func:`hold` is in force, glibc serves blocks of up
to ``HELD_MMAP_THRESHOLD`` from its heap and keeps what is freed for the next round, so a
process holds at most its peak use; :func:`release` restores the thresholds the process started
with, those of the ``MALLOC_*_THRESHOLD_`` environment variables.

A process started without them keeps glibc's own thresholds, which adapt to the blocks freed
and which no call can bring back once set: there both do nothing, even when the variables
appeared in ``os.environ`` later (Dask's ``LocalCluster`` sets ``MALLOC_TRIM_THRESHOLD_`` in the
client's own environment for the workers it starts; glibc read its environment at the start).
So do they elsewhere than glibc (macOS, Windows).

>>> hold(); release()
"""
import ctypes
import os
import threading

#: glibc's ``mallopt`` parameters.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: Blocks up to this size come from the heap while held (glibc's largest: 32 MiB on 64 bits).
HELD_MMAP_THRESHOLD = 32 * 2**20
#: Free memory at the top of the heap kept while held (in effect: all of it).
HELD_TRIM_THRESHOLD = 2**30
#: glibc's defaults, and the environment variables that pin them at start.
DEFAULT_THRESHOLD = 128 * 2**10
ENVIRONMENT = {M_TRIM_THRESHOLD: "MALLOC_TRIM_THRESHOLD_", M_MMAP_THRESHOLD: "MALLOC_MMAP_THRESHOLD_"}

_lock = threading.Lock()
_holders = 0


def _start_environment(path="/proc/self/environ"):
    """The ``ENVIRONMENT`` variables the process started with, ``{name: value}``: from `path`
    (the environment ``execve`` passed, which later changes to ``os.environ`` leave alone), or,
    where it cannot be read, from ``os.environ`` as it is now (at import)."""
    try:
        with open(path, "rb") as f:
            entries = f.read().split(b"\0")
    except OSError:
        return {name: os.environ[name] for name in ENVIRONMENT.values() if name in os.environ}
    names = {name.encode(): name for name in ENVIRONMENT.values()}
    started = {}
    for entry in entries:
        name, _, value = entry.partition(b"=")
        if name in names:
            started[names[name]] = value.decode(errors="replace")
    return started


#: The thresholds' environment variables the process started with (glibc read them then).
_STARTED = _start_environment()


def _mallopt():
    """glibc's ``mallopt``, or None."""
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version   # glibc only (musl's mallopt does nothing)
        mallopt = libc.mallopt
    except (AttributeError, OSError, TypeError):
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt


def _pinned():
    """Whether the environment pinned glibc's thresholds at the process's start."""
    return bool(_STARTED)


def _started_with(param):
    try:
        return int(_STARTED.get(ENVIRONMENT[param], DEFAULT_THRESHOLD))
    except ValueError:
        return DEFAULT_THRESHOLD


def hold():
    """Keep freed heap memory in the process until the matching :func:`release` (calls nest)."""
    global _holders
    with _lock:
        _holders += 1
        mallopt = _mallopt() if _holders == 1 and _pinned() else None
        if mallopt is not None:
            mallopt(M_MMAP_THRESHOLD, HELD_MMAP_THRESHOLD)
            mallopt(M_TRIM_THRESHOLD, HELD_TRIM_THRESHOLD)


def release():
    """End one :func:`hold`; the last one restores the thresholds the process started with."""
    global _holders
    with _lock:
        if _holders == 0:
            return
        _holders -= 1
        mallopt = _mallopt() if _holders == 0 and _pinned() else None
        if mallopt is not None:
            mallopt(M_MMAP_THRESHOLD, _started_with(M_MMAP_THRESHOLD))
            mallopt(M_TRIM_THRESHOLD, _started_with(M_TRIM_THRESHOLD))
