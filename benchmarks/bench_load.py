"""Benchmark: loading word2vec files with w2vlib against a raw read and against gensim.

Generates (once, into ``--workdir``) a random binary file of ``--rows`` x ``--dims`` and a text
file of ``--text-rows`` x ``--dims`` (keys ``w0``, ``w1`` ...; text values with 6 decimals,
like the C tool's output), then times for each file, best of ``--repeat`` runs:

* raw read: ``open(f, 'rb').read()`` (the speed at which the page cache delivers the bytes),
* ``w2vlib._word2vec_format.read_word2vec``,
* gensim's ``KeyedVectors.load_word2vec_format``,

and measures the peak RSS of a w2vlib load in a fresh subprocess (``VmHWM``, the Linux peak
RSS of the process, which unlike ``ru_maxrss`` is not inherited from the parent; ``ru_maxrss``
where there is no /proc). Prints a
markdown table. The full-size run (1M x 300 binary, 200k x 300 text) needs about 2 GB of disk
and 4 GB of memory; ``--rows 100000`` makes a quick check.

    python benchmarks/bench_load.py --rows 100000
"""
import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np

from w2vlib._word2vec_format import read_word2vec, write_word2vec

KIB = 1024
TEXT_DECIMALS = 6
SEED = 0
SCALE = 0.1          # typical magnitude of trained word2vec values

# Peak RSS in KiB. ru_maxrss survives exec(), so a child started by a big parent would report
# the parent's size; Linux's VmHWM (peak of this process image) does not have that problem.
RSS_PROBE = """
import resource, sys
def peak_kib():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from w2vlib._word2vec_format import read_word2vec
before = peak_kib()
keys, vectors, counts = read_word2vec(sys.argv[1], binary=sys.argv[2] == "1")
print(before, peak_kib(), vectors.nbytes)
"""


def make_file(path, rows, dims, binary):
    """Write a random word2vec file unless one of that name already exists."""
    if os.path.exists(path):
        return
    rng = np.random.default_rng(SEED)
    vectors = (rng.standard_normal((rows, dims), dtype=np.float32) * SCALE)
    if not binary:
        vectors = np.round(vectors, TEXT_DECIMALS)
    write_word2vec(path, [f"w{i}" for i in range(rows)], vectors, binary=binary)


def best_time(function, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def raw_read(path):
    with open(path, "rb") as fin:
        fin.read()


def peak_rss(path, binary):
    """(RSS before loading, peak RSS, matrix bytes) of a load in a fresh interpreter, in bytes."""
    out = subprocess.run([sys.executable, "-c", RSS_PROBE, path, "1" if binary else "0"],
                         check=True, capture_output=True, text=True).stdout.split()
    before, after, matrix = (int(value) for value in out)
    return before * KIB, after * KIB, matrix


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", default="/tmp/w2vlib_bench")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the binary file")
    parser.add_argument("--text-rows", type=int, default=None, help="rows of the text file (default rows/5)")
    parser.add_argument("--dims", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-gensim", action="store_true")
    args = parser.parse_args(argv)
    text_rows = args.text_rows or max(1, args.rows // 5)
    os.makedirs(args.workdir, exist_ok=True)
    files = [
        (os.path.join(args.workdir, f"random_{args.rows}x{args.dims}.bin"), args.rows, True),
        (os.path.join(args.workdir, f"random_{text_rows}x{args.dims}.txt"), text_rows, False),
    ]
    print("| file | size MB | raw read s | w2vlib s | gensim s | w2vlib / raw | gensim / w2vlib "
          "| peak RSS MB (before load) | matrix MB | (peak - before) / matrix |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path, rows, binary in files:
        make_file(path, rows, args.dims, binary)
        raw = best_time(lambda: raw_read(path), args.repeat)
        ours = best_time(lambda: read_word2vec(path, binary=binary), args.repeat)
        if args.skip_gensim:
            theirs = float("nan")
        else:
            from gensim.models import KeyedVectors
            theirs = best_time(lambda: KeyedVectors.load_word2vec_format(path, binary=binary), args.repeat)
        before, peak, matrix = peak_rss(path, binary)
        mb = 1 << 20
        print(f"| {os.path.basename(path)} | {os.path.getsize(path) / mb:.0f} | {raw:.3f} | {ours:.3f} "
              f"| {theirs:.3f} | {ours / raw:.2f} | {theirs / ours:.1f} | {peak / mb:.0f} ({before / mb:.0f}) "
              f"| {matrix / mb:.0f} | {(peak - before) / matrix:.2f} |")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\n(benchmark process peak RSS {usage.ru_maxrss / KIB:.0f} MB)")


if __name__ == "__main__":
    main()
