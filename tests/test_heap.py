"""w2vlib._heap: while held, blocks of megabytes freed and allocated again reuse the process's
memory instead of new pages (counted as minor page faults) where the process started with
Dask's nanny settings; elsewhere glibc's own thresholds are left alone (glibc only)."""
import json
import os
import subprocess
import sys

import pytest

from w2vlib import _heap

pytestmark = pytest.mark.skipif(_heap._mallopt() is None, reason="needs glibc's mallopt")

#: Run in a process of its own, started as Dask's nanny starts a worker: its heap holds nothing
#: from other tests (a free region of another test's could serve a block without new pages).
FAULTS_SCRIPT = r"""
import json, resource
import numpy as np
from w2vlib import _heap

BLOCK = 3 * 2**20     # bytes: above glibc's default mmap threshold, below the held one

def faults_per_round(rounds=20):
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt   # not other threads' faults
    for _ in range(rounds):
        block = np.empty(BLOCK, dtype=np.uint8)
        block.fill(1)
        del block
    return (resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before) / rounds

fresh = faults_per_round()
_heap.hold()
_heap.hold()             # nested
faults_per_round(2)      # the heap grows once
held = faults_per_round()
_heap.release()          # still held by the outer call
still = faults_per_round()
_heap.release()
again = faults_per_round()
_heap.release()          # one release too many does nothing
print(json.dumps({"fresh": fresh, "held": held, "still": still, "again": again,
                  "holders": _heap._holders}))
"""


def test_held_blocks_are_reused_and_release_restores_the_start():
    """A few stray faults (the kernel's own work on the process's pages) may come at any
    time; the held heap's faults are compared with the new-memory ones, not with zero."""
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    out = subprocess.run([sys.executable, "-c", FAULTS_SCRIPT], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    faults = json.loads(out.stdout)
    fresh, held, still, again = (faults[k] for k in ("fresh", "held", "still", "again"))
    assert fresh >= 1, ("every block should be new memory", faults)
    assert held <= fresh / 20 and still <= fresh / 20, faults
    assert again >= 1 and again > 20 * min(held, still), faults
    assert faults["holders"] == 0


def test_thresholds_glibc_adapts_itself_are_left_alone(monkeypatch):
    """A process started without MALLOC_*_THRESHOLD_ keeps glibc's adaptive thresholds, which
    no call could restore once set: hold and release change nothing, even once the variable
    is in ``os.environ`` (Dask's LocalCluster puts it in the client's for its workers)."""
    monkeypatch.setattr(_heap, "_STARTED", {})
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    calls = []
    monkeypatch.setattr(_heap, "_mallopt", lambda: lambda *args: calls.append(args))
    _heap.hold()
    _heap.release()
    assert calls == []
    monkeypatch.setattr(_heap, "_STARTED", {"MALLOC_TRIM_THRESHOLD_": "65536"})
    _heap.hold()
    _heap.release()
    assert calls == [(_heap.M_MMAP_THRESHOLD, _heap.HELD_MMAP_THRESHOLD),
                     (_heap.M_TRIM_THRESHOLD, _heap.HELD_TRIM_THRESHOLD),
                     (_heap.M_MMAP_THRESHOLD, _heap.DEFAULT_THRESHOLD),
                     (_heap.M_TRIM_THRESHOLD, 65536)]


def test_the_start_environment_is_read_from_what_the_process_was_given(tmp_path, monkeypatch):
    environ = tmp_path / "environ"
    environ.write_bytes(b"HOME=/root\0MALLOC_TRIM_THRESHOLD_=65536\0OTHER=x=y\0")
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "4096")    # set later: not the start's
    assert _heap._start_environment(str(environ)) == {"MALLOC_TRIM_THRESHOLD_": "65536"}
    # where it cannot be read: os.environ as it is
    assert _heap._start_environment(str(tmp_path / "missing")) == {"MALLOC_MMAP_THRESHOLD_": "4096"}


def test_a_process_started_with_the_variable_sees_it_and_one_given_it_later_does_not():
    script = ("import os; os.environ['MALLOC_TRIM_THRESHOLD_'] = '1'; "
              "from w2vlib import _heap; print(_heap._STARTED)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    later = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                           text=True, timeout=60, check=True).stdout.strip()
    started = subprocess.run([sys.executable, "-c", script],
                             env={**env, "MALLOC_MMAP_THRESHOLD_": "131072"},
                             capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    if not os.path.exists("/proc/self/environ"):
        pytest.skip("no /proc/self/environ: the environment at import stands for the start's")
    assert later == "{}"
    assert started == "{'MALLOC_MMAP_THRESHOLD_': '131072'}"
