"""Which shared weights cost two workers their speed: a kernel-level probe behind the hot rows.

Two threads train skip-gram with negative sampling (gensim's defaults) on the two halves of the
benchmark corpus, once on shared weights (as training does) and once with the second thread on
its own copy of ``syn0``, of ``syn1neg``, or of both. The threads keep the shipped private hot
rows (``_train.HOT_WORDS``, merged every ``_train.MERGE_EVERY`` examples) as two training workers
do, or, with ``--in-place``, update every row in place. Copies are not a
training mode — the threads no longer train one model — they show where the cores trade cache
lines. A last setting trains both halves on one thread, in place as a single training worker
does: "own both" against it is what two threads gain with nothing shared at all, the most that
sharing less could give on this machine. Each repeat also times two threads of pure arithmetic
against one (``bench_train.arithmetic_scaling``).
Runs of the settings are interleaved and each is compared with the shared run next to it
(this machine's speed drifts by 20% within minutes, far more than between neighbouring runs).

    python benchmarks/probe_sharing.py --repeats 8
    python benchmarks/probe_sharing.py --repeats 8 --in-place
"""
import argparse
import pathlib
import sys
import threading
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_train import arithmetic_scaling, corpus_file

SETTINGS = ("shared", "own syn0", "own syn1neg", "own both", "one thread")


def batches_of(path, tokens):
    from w2vlib import Word2Vec, _reader
    model = Word2Vec(sg=1, workers=2)
    model.build_vocab(corpus_file=str(path))
    index = _reader.VocabIndex(model.wv.index_to_key)
    batches, raw = [], 0
    with open(path, "rb") as fileobj:
        batcher = _reader.FileBatcher(fileobj, index)
        while raw < tokens and (batch := batcher.next_batch()) is not None:
            batches.append(batch[:2])
            raw += batch[2]
    return model, batches, raw


def kernels(model, inner, in_place):
    """For each setting, the kernels of the two threads."""
    from w2vlib import _tables, _train
    vocab = model.vocabulary
    accept, alias = _tables.alias_table(vocab.counts, model.ns_exponent)

    def kernel(syn0, syn1neg, private=not in_place):
        hot = dict(hot_words=_train.HOT_WORDS, merge_every=_train.MERGE_EVERY) if private else {}
        return inner.Kernel(syn0, None, syn1neg, vocab.sample_int, accept, alias, None, None, None,
                            sg=True, hs=False, negative=5, window=5, cbow_mean=True,
                            shrink_windows=True, compute_loss=False, **hot)
    syn0, syn1neg = model.wv.vectors, model.syn1neg
    shared = kernel(syn0, syn1neg)
    return {"shared": (shared, shared),
            "own syn0": (shared, kernel(syn0.copy(), syn1neg)),
            "own syn1neg": (shared, kernel(syn0, syn1neg.copy())),
            "own both": (shared, kernel(syn0.copy(), syn1neg.copy())),
            "one thread": (kernel(syn0, syn1neg, private=False),)}


def timed(threads_kernels, halves, inner, size):
    """Seconds for the halves on one thread per kernel (one kernel: both halves in turn)."""
    parts = halves if len(threads_kernels) == 2 else (halves[0] + halves[1],)

    def work(k):
        state = inner.WorkerState(size, k + 1)
        for ids, offsets in parts[k]:
            threads_kernels[k].train_batch(state, ids, offsets, 0.025)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(parts))]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def main(argv=None):
    from w2vlib._dispatch import inner
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/w2vlib_bench"))
    parser.add_argument("--tokens", type=int, default=3_000_000, help="train on about this many tokens per run")
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--in-place", action="store_true",
                        help="no private hot rows: every row updated in place")
    args = parser.parse_args(argv)
    model, batches, raw = batches_of(corpus_file(args.workdir, 0), args.tokens)
    halves = (batches[:len(batches) // 2], batches[len(batches) // 2:])
    pairs = kernels(model, inner, args.in_place)
    seconds = np.zeros((args.repeats, len(SETTINGS)))
    arithmetic = np.zeros(args.repeats)
    for r in range(args.repeats):
        order = range(len(SETTINGS)) if r % 2 == 0 else reversed(range(len(SETTINGS)))
        for k in order:
            seconds[r, k] = timed(pairs[SETTINGS[k]], halves, inner, model.vector_size)
        arithmetic[r] = arithmetic_scaling()
    rows = "in-place updates" if args.in_place else "the shipped private hot rows"
    print(f"two threads, sg-ns, {rows}, {raw:,} raw words per run, {args.repeats} interleaved runs, "
          f"{inner.__name__}")
    print("| weights of thread 2 | median words/s | speed vs shared (median of neighbouring pairs) |")
    print("|---|---:|---:|")
    for k, name in enumerate(SETTINGS):
        ratio = seconds[:, 0] / seconds[:, k]
        print(f"| {name} | {np.median(raw / seconds[:, k]):,.0f} | {np.median(ratio):.2f}x "
              f"(range {ratio.min():.2f}-{ratio.max():.2f}) |")
    one = seconds[:, SETTINGS.index("one thread")]
    for name in ("shared", "own both"):
        ratio = one / seconds[:, SETTINGS.index(name)]
        print(f"two threads, {name}, vs one thread: {np.median(ratio):.2f}x "
              f"(range {ratio.min():.2f}-{ratio.max():.2f})")
    print(f"two threads of arithmetic (nothing shared) vs one thread: {np.median(arithmetic):.2f}x "
          f"(range {arithmetic.min():.2f}-{arithmetic.max():.2f})")


if __name__ == "__main__":
    main()
