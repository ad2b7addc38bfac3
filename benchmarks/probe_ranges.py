"""How two workers share a plain file (``w2vlib._train.RangeFeed``): the shipped guided ranges
against ranges of a fixed ``RANGE_BYTES`` to the end and against one static half per worker.

Guided ranges are at most ``RANGE_BYTES`` and shrink with the bytes left down to
``MIN_RANGE_BYTES``; setting ``MIN_RANGE_BYTES`` to ``RANGE_BYTES`` gives fixed ranges, and a huge
``RANGE_BYTES`` one range per worker, i.e. static halves. All three are w2vlib's own training on
the benchmark corpus (gensim defaults except ``workers=2``); runs are interleaved. Each figure is
raw words/s over one ``train()`` epoch, and the tail is how long the worker that finished first
waited for the other (time between their last batches' ends), as a share of the epoch.

    python benchmarks/probe_ranges.py --repeats 4
"""
import argparse
import pathlib
import sys
import threading
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_train import MODES, corpus_file

HUGE = 1 << 62


class EndTimes:
    """A kernel stand-in that records when each thread's batches end."""

    def __init__(self, kernel):
        self.kernel, self.ends = kernel, {}

    def __getattr__(self, name):
        return getattr(self.kernel, name)

    def train_batch(self, *args):
        effective = self.kernel.train_batch(*args)
        self.ends[threading.get_ident()] = time.perf_counter()
        return effective


def run(path, params, range_bytes, min_range_bytes):
    """Words/s and the tail's share of the epoch, with the given range sizes."""
    from w2vlib import Word2Vec, _train
    shipped = _train.RANGE_BYTES, _train.MIN_RANGE_BYTES, _train.Engine.run_epoch
    recorders = []

    def run_epoch(engine, *args, **kwargs):
        engine.kernel = EndTimes(engine.kernel)
        recorders.append(engine.kernel)
        return shipped[2](engine, *args, **kwargs)
    _train.RANGE_BYTES, _train.MIN_RANGE_BYTES, _train.Engine.run_epoch = range_bytes, min_range_bytes, run_epoch
    try:
        model = Word2Vec(workers=2, **params)
        model.build_vocab(corpus_file=str(path))
        start = time.perf_counter()
        _, raw = model.train(corpus_file=str(path), total_words=model.corpus_total_words, epochs=1)
        seconds = time.perf_counter() - start
    finally:
        _train.RANGE_BYTES, _train.MIN_RANGE_BYTES, _train.Engine.run_epoch = shipped
    ends = list(recorders[-1].ends.values())
    return raw / seconds, (max(ends) - min(ends)) / seconds if len(ends) == 2 else 1.0


def main(argv=None):
    from w2vlib import _train
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/w2vlib_bench"))
    parser.add_argument("--modes", default="sg-ns,sg-hs,cbow-ns")
    parser.add_argument("--tokens", type=int, default=0, help="cut the corpus to about this many tokens")
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args(argv)
    path = corpus_file(args.workdir, args.tokens)
    settings = {"guided": (_train.RANGE_BYTES, _train.MIN_RANGE_BYTES),
                "fixed": (_train.RANGE_BYTES, _train.RANGE_BYTES), "halves": (HUGE, HUGE)}
    print(f"workers=2, {path.name}, {args.repeats} interleaved runs of each; raw words/s (median); "
          f"tail: the first worker's wait for the other, share of the epoch (median, max)")
    print("| mode | guided | fixed 1 MiB | static halves | guided / fixed (range) | guided / halves (range) "
          "| tail: guided | fixed | halves |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mode in (m for m in args.modes.split(",") if m):
        speeds = {name: [] for name in settings}
        tails = {name: [] for name in settings}
        for r in range(args.repeats):
            for name in settings if r % 2 == 0 else list(settings)[::-1]:
                rate, tail = run(path, MODES[mode], *settings[name])
                speeds[name].append(rate)
                tails[name].append(tail)
        rates = {name: np.array(v) for name, v in speeds.items()}
        cells = [f"{np.median(rates[name]):,.0f}" for name in settings]
        for other in ("fixed", "halves"):
            ratio = rates["guided"] / rates[other]
            cells.append(f"{np.median(ratio):.2f}x ({ratio.min():.2f}-{ratio.max():.2f})")
        cells += [f"{np.median(tails[name]):.1%} ({max(tails[name]):.1%})" for name in settings]
        print(f"| {mode} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
