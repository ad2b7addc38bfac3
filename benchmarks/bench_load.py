"""Loading word2vec files: w2vlib against a raw read of the same bytes and against gensim 4.4.

Generates (once, into ``--workdir``) a random binary file of ``--rows`` x ``--dims`` and a text
file of ``--text-rows`` x ``--dims`` (keys ``w0``, ``w1`` ...; text values with 6 decimals,
like the C tool's output), then times for each file, best of ``--repeat`` runs:

* raw read: ``open(f, 'rb').read()`` (the speed at which the page cache delivers the bytes),
* ``w2vlib._word2vec_format.read_word2vec``,
* gensim's ``KeyedVectors.load_word2vec_format``,

and measures the peak RSS of a w2vlib load in a fresh subprocess (``VmHWM``, the Linux peak
RSS of the process, which unlike ``ru_maxrss`` is not inherited from the parent; ``ru_maxrss``
where there is no /proc). Prints a markdown table and writes the figures into the results file
``--out`` (its ``load`` section; see results.py). The full-size run (1M x 300 binary, 200k x 300
text) needs about 2 GB of disk and 4 GB of memory; ``--rows 100000`` makes a quick check.

    python benchmarks/bench_load.py                 # the full-size run (about 5 minutes)
    python benchmarks/bench_load.py --rows 100000 --out /tmp/results.json
"""
import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np

import results
from w2vlib._word2vec_format import read_word2vec, write_word2vec

KIB = 1024
MB = 1 << 20
#: Decimals of the text file's values (the C tool writes 6).
TEXT_DECIMALS = 6
SEED = 0
#: Typical magnitude of trained word2vec values.
SCALE = 0.1
#: The child process that measures a load's peak RSS (KiB before, KiB at peak, matrix bytes).
RSS_PROBE = results.PEAK_KIB_SOURCE + """
import sys
from w2vlib._word2vec_format import read_word2vec
before = peak_kib()
keys, vectors, counts = read_word2vec(sys.argv[1], binary=sys.argv[2] == "1")
print(before, peak_kib(), vectors.nbytes)
"""


def make_file(path, rows, dims, binary):
    """Write a random word2vec file of `rows` x `dims` unless one of that name already exists."""
    if os.path.exists(path):
        return
    rng = np.random.default_rng(SEED)
    vectors = (rng.standard_normal((rows, dims), dtype=np.float32) * SCALE)
    if not binary:
        vectors = np.round(vectors, TEXT_DECIMALS)
    write_word2vec(path, [f"w{i}" for i in range(rows)], vectors, binary=binary)


def best_time(function, repeat):
    """The shortest of `repeat` timings of ``function()``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def raw_read(path):
    """Read the whole file's bytes, as fast as Python can."""
    with open(path, "rb") as fin:
        fin.read()


def peak_rss(path, binary):
    """(RSS before loading, peak RSS, matrix bytes) of a w2vlib load in a fresh interpreter, in bytes."""
    out = subprocess.run([sys.executable, "-c", RSS_PROBE, path, "1" if binary else "0"],
                         check=True, capture_output=True, text=True).stdout.split()
    before, after, matrix = (int(value) for value in out)
    return before * KIB, after * KIB, matrix


def measure(path, rows, dims, binary, repeat, skip_gensim):
    """One file's entry of the results file's ``load`` section (the file is made if absent)."""
    make_file(path, rows, dims, binary)
    raw = best_time(lambda: raw_read(path), repeat)      # first: it also fills the page cache
    ours = best_time(lambda: read_word2vec(path, binary=binary), repeat)
    theirs = None
    if not skip_gensim:
        from gensim.models import KeyedVectors
        theirs = best_time(lambda: KeyedVectors.load_word2vec_format(path, binary=binary), repeat)
    before, peak, matrix = peak_rss(path, binary)
    return {"file": os.path.basename(path), "binary": binary, "rows": rows, "dims": dims,
            "size_mb": os.path.getsize(path) / MB, "raw_s": raw, "w2vlib_s": ours, "gensim_s": theirs,
            "rss_before_mb": before / MB, "rss_peak_mb": peak / MB, "matrix_mb": matrix / MB}


def table_row(entry):
    """`entry` as a row of the printed table."""
    theirs = entry["gensim_s"]
    gensim_cells = ["-", "-"] if theirs is None else [f"{theirs:.3f}", f"{theirs / entry['w2vlib_s']:.1f}"]
    cells = [entry["file"], f"{entry['size_mb']:.0f}", f"{entry['raw_s']:.3f}", f"{entry['w2vlib_s']:.3f}",
             gensim_cells[0], f"{entry['w2vlib_s'] / entry['raw_s']:.2f}", gensim_cells[1],
             f"{entry['rss_peak_mb']:.0f} ({entry['rss_before_mb']:.0f})", f"{entry['matrix_mb']:.0f}",
             f"{(entry['rss_peak_mb'] - entry['rss_before_mb']) / entry['matrix_mb']:.2f}"]
    return "| " + " | ".join(cells) + " |"


def parser():
    """The command line (``--help`` explains every option)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workdir", default="/tmp/w2vlib_bench", metavar="DIR",
                   help="folder for the generated files, kept for later runs (default: %(default)s)")
    p.add_argument("--rows", type=int, default=1_000_000, metavar="N", help="rows of the binary file (default: 1,000,000)")
    p.add_argument("--text-rows", type=int, default=None, metavar="N", help="rows of the text file (default: rows / 5)")
    p.add_argument("--dims", type=int, default=300, metavar="N", help="dimensions of both files (default: 300)")
    p.add_argument("--repeat", type=int, default=3, metavar="N", help="each time is the best of this many runs (default: 3)")
    p.add_argument("--skip-gensim", action="store_true", help="time w2vlib and the raw read only")
    results.add_out_argument(p, "the load section")
    return p


def main(argv=None):
    """Time the loads, print the table and write the results file's ``load`` section."""
    args = parser().parse_args(argv)
    text_rows = args.text_rows or max(1, args.rows // 5)
    os.makedirs(args.workdir, exist_ok=True)
    files = [(os.path.join(args.workdir, f"random_{args.rows}x{args.dims}.bin"), args.rows, True),
             (os.path.join(args.workdir, f"random_{text_rows}x{args.dims}.txt"), text_rows, False)]
    print("| file | size MB | raw read s | w2vlib s | gensim s | w2vlib / raw | gensim / w2vlib "
          "| peak RSS MB (before load) | matrix MB | (peak - before) / matrix |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    entries = []
    for path, rows, binary in files:
        entries.append(measure(path, rows, args.dims, binary, args.repeat, args.skip_gensim))
        print(table_row(entries[-1]), flush=True)
    results.update(args.out, {"load": {"run": results.run_info(), "repeats": args.repeat, "files": entries}})
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\n(benchmark process peak RSS {usage.ru_maxrss / KIB:.0f} MB; results in {args.out})")


if __name__ == "__main__":
    main()
