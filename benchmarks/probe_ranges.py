"""How two workers share a plain file: ranges of ``RANGE_BYTES`` dealt out and taken over when
a worker is done (``w2vlib._train.RangeFeed``, shipped) against one static half per worker.

Both are w2vlib's own training on the benchmark corpus (gensim defaults except ``workers=2``);
a huge ``RANGE_BYTES`` gives each worker one range, i.e. static halves. Runs of the two are
interleaved, and each figure is raw words/s over one ``train()`` epoch.

    python benchmarks/probe_ranges.py --repeats 4
"""
import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_train import MODES, corpus_file

HALVES = 1 << 62


def speed(path, params, range_bytes):
    from w2vlib import Word2Vec, _train
    shipped, _train.RANGE_BYTES = _train.RANGE_BYTES, range_bytes
    try:
        model = Word2Vec(workers=2, **params)
        model.build_vocab(corpus_file=str(path))
        start = time.perf_counter()
        _, raw = model.train(corpus_file=str(path), total_words=model.corpus_total_words, epochs=1)
        return raw / (time.perf_counter() - start)
    finally:
        _train.RANGE_BYTES = shipped


def main(argv=None):
    from w2vlib import _train
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/w2vlib_bench"))
    parser.add_argument("--modes", default="sg-ns,sg-hs,cbow-ns")
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args(argv)
    path = corpus_file(args.workdir, 0)
    settings = (_train.RANGE_BYTES, HALVES)
    print(f"workers=2, {path.name}, {args.repeats} interleaved runs of each; raw words/s")
    print("| mode | ranges of RANGE_BYTES (median) | static halves (median) | ranges / halves, median of neighbouring pairs (range) |")
    print("|---|---:|---:|---:|")
    for mode in (m for m in args.modes.split(",") if m):
        runs = {setting: [] for setting in settings}
        for r in range(args.repeats):
            for setting in settings if r % 2 == 0 else settings[::-1]:
                runs[setting].append(speed(path, MODES[mode], setting))
        ranges, halves = (np.array(runs[setting]) for setting in settings)
        ratio = ranges / halves
        print(f"| {mode} | {np.median(ranges):,.0f} | {np.median(halves):,.0f} | {np.median(ratio):.2f}x "
              f"({ratio.min():.2f}-{ratio.max():.2f}) |", flush=True)


if __name__ == "__main__":
    main()
