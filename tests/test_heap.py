"""w2vlib._heap: while held, blocks of megabytes freed and allocated again reuse the process's
memory instead of new pages (counted as minor page faults), even where the process started with
Dask's nanny settings (glibc only)."""
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
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    _heap.hold()
    _heap.release()          # back to glibc's defaults


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
