"""w2vlib._heap: while held, blocks of megabytes freed and allocated again reuse the process's
memory instead of new pages (counted as minor page faults) where the process started with
Dask's nanny settings; elsewhere glibc's own thresholds are left alone (glibc only)."""
import resource

import numpy as np
import pytest

from w2vlib import _heap

pytestmark = pytest.mark.skipif(_heap._mallopt() is None, reason="needs glibc's mallopt")

BLOCK = 3 * 2**20     # bytes: above glibc's default mmap threshold, below the held one


def faults_per_round(rounds=20):
    """Minor page faults per block of BLOCK bytes allocated, written and freed."""
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt   # not other threads' faults
    for _ in range(rounds):
        block = np.empty(BLOCK, dtype=np.uint8)
        block.fill(1)
        del block
    return (resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before) / rounds


@pytest.fixture
def dask_nanny_heap(monkeypatch):
    """The thresholds of a process started by Dask's nanny (MALLOC_TRIM_THRESHOLD_=65536)."""
    assert _heap._holders == 0, "a hold was left by an earlier test (a trainer not closed?)"
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    _heap.hold()
    _heap.release()          # sets what the environment says, as at the start of such a process
    yield
    mallopt = _heap._mallopt()   # glibc's default values again (fixed: as the env leaves them)
    mallopt(_heap.M_TRIM_THRESHOLD, _heap.DEFAULT_THRESHOLD)
    mallopt(_heap.M_MMAP_THRESHOLD, _heap.DEFAULT_THRESHOLD)


def test_held_blocks_are_reused_and_release_restores_the_start(dask_nanny_heap):
    """A few stray faults (the kernel's own work on the process's pages) may come at any
    time; the held heap's faults are compared with the new-memory ones, not with zero."""
    fresh = faults_per_round()
    assert fresh >= 1, "every block should be new memory"
    _heap.hold()
    _heap.hold()             # nested
    try:
        faults_per_round(2)  # the heap grows once
        held = faults_per_round()
        _heap.release()      # still held by the outer call
        still = faults_per_round()
    finally:
        _heap.release()
    again = faults_per_round()
    assert held <= fresh / 20 and still <= fresh / 20, (fresh, held, still)
    assert again >= 1 and again > 20 * min(held, still), (again, held, still)
    _heap.release()          # one release too many does nothing
    assert _heap._holders == 0


def test_thresholds_glibc_adapts_itself_are_left_alone(monkeypatch):
    """Without MALLOC_*_THRESHOLD_ in the environment glibc adapts its thresholds to the blocks
    freed, which no call could restore once set: hold and release change nothing."""
    for name in _heap.ENVIRONMENT.values():
        monkeypatch.delenv(name, raising=False)
    calls = []
    monkeypatch.setattr(_heap, "_mallopt", lambda: lambda *args: calls.append(args))
    _heap.hold()
    _heap.release()
    assert calls == []
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    _heap.hold()
    _heap.release()
    assert calls == [(_heap.M_MMAP_THRESHOLD, _heap.HELD_MMAP_THRESHOLD),
                     (_heap.M_TRIM_THRESHOLD, _heap.HELD_TRIM_THRESHOLD),
                     (_heap.M_MMAP_THRESHOLD, _heap.DEFAULT_THRESHOLD),
                     (_heap.M_TRIM_THRESHOLD, 65536)]
