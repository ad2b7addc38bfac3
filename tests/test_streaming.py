"""Streaming: training on a file several times larger than the process may map."""
import os
import subprocess
import sys

import pytest

LIMIT_HEADROOM = 160 << 20   # address space allowed beyond what the process uses before training
FILE_TO_LIMIT = 3            # the corpus is this many times larger than the whole limit

SCRIPT = r"""
import resource, sys
from w2vlib import Word2Vec
path, headroom = sys.argv[1], int(sys.argv[2])
model = Word2Vec(vector_size=16, min_count=1, sample=0, workers=2, epochs=1)
model.build_vocab_from_freq({f"w{i}": 1000 - i for i in range(200)})
vm = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
limit = vm + headroom
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
effective, raw = model.train(corpus_file=path, total_words=10**6, epochs=1)
print(limit, effective, raw)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and RLIMIT_AS")
def test_training_on_a_file_larger_than_the_address_space_limit(tmp_path):
    filler = " ".join(["z" * 59] * 100)
    lines = [f"w{i % 200} w{(i * 7) % 200} {filler}\n" for i in range(1000)]
    block = "".join(lines).encode()
    path = tmp_path / "big.txt"
    env = dict(os.environ, MALLOC_ARENA_MAX="2", OPENBLAS_NUM_THREADS="1")
    probe = subprocess.run([sys.executable, "-c", "import w2vlib; print(open('/proc/self/status')"
                            ".read().split('VmSize:')[1].split()[0])"],
                           env=env, capture_output=True, text=True, check=True)
    target = FILE_TO_LIMIT * (int(probe.stdout) * 1024 + LIMIT_HEADROOM)
    repeats = target // len(block) + 1
    with open(path, "wb") as out:
        for _ in range(repeats):
            out.write(block)
    try:
        result = subprocess.run([sys.executable, "-c", SCRIPT, str(path), str(LIMIT_HEADROOM)],
                                env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        limit, effective, raw = map(int, result.stdout.split())
        assert path.stat().st_size > FILE_TO_LIMIT * limit * 0.9
        assert effective == 2 * 1000 * repeats
        assert raw == 102 * 1000 * repeats
    finally:
        path.unlink()
