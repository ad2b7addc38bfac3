"""Time to quality: how soon each way of training reaches gensim skip-gram's 5-epoch quality.

    python benchmarks/bench_time_to_quality.py                   # the record run (~15 minutes)
    python benchmarks/bench_time_to_quality.py --tokens 1000000 --seeds 1 --out /tmp/r.json

Every configuration of ``--configs`` trains on the same corpus for each of its epoch counts and
each seed of ``--seeds``, with ``--workers`` threads and gensim's defaults otherwise
(100 dimensions, window 5, ``sample=1e-3``, ``min_count=5``); the reference is gensim 4.4's
skip-gram with negative sampling, 5 epochs, in its iterable mode (``LineSentence``, the mode
whose learning rate decays as documented). Each run is timed from the start to the end of
``train()`` (the vocabulary is built beforehand and not timed: w2vlib's is the faster, so
leaving it out favours gensim), then evaluated by the same code: analogy accuracy
(questions-words.txt, restrict_vocab=30000) and WordSim353 Spearman.

A configuration *reaches* gensim's quality at an epoch count when its mean analogy accuracy over
the seeds is at least gensim's mean minus ``--analogy-tolerance`` points and its mean WS353 at
least gensim's minus ``--ws353-tolerance`` (0.5 and 0.01: the tolerances of the issue's other
quality targets). The headline per configuration is the mean training time of the fewest
epochs that reach it, against gensim's mean time.

Arithmetic: each run's floating-point operations are counted from the words it trained (after
subsampling, as ``train()`` returns them), the expected number of context words per word
(``window + 1``: the reduced window is uniform in 1..window on each side; sentence ends, which
cut windows short, are not subtracted, so the figure is an upper bound), the dimension and the
negatives (:func:`flops_per_word`); the rate is that over the training time, beside the rate of
a float32 matrix product on the same threads (numpy's BLAS), this machine's practical peak.

The table is printed and the figures go into the results file ``--out`` (its
``time_to_quality`` section; see results.py); ``plot.py`` draws them into docs/benchmarks.png.
"""
import argparse
import statistics

import numpy as np

import plot
import results
from bench_train import add_corpus_arguments, corpus_file, evaluate, names, timed
from w2vlib._parallel import usable_cpus

#: The reference: gensim's skip-gram, negative sampling, gensim's default 5 epochs.
REFERENCE = "gensim sg-ns"
#: name: (library, Word2Vec settings beyond gensim's defaults, epoch counts trained).
CONFIGS = {
    REFERENCE: ("gensim", dict(sg=1, hs=0, negative=5), (5,)),
    "w2vlib sg-ns": ("w2vlib", dict(sg=1, hs=0, negative=5), (1, 3, 5)),
    "w2vlib sg-ns, shared negatives": ("w2vlib", dict(sg=1, hs=0, negative=5,
                                                      shared_negatives=True), (1, 3, 4, 5)),
    # 112 = 7 x 16 floats: the AVX-512 kernel passes over 100 floats in as many chunks
    "w2vlib sg-ns, shared negatives, 112 dimensions": ("w2vlib", dict(sg=1, hs=0, negative=5,
                                                                      shared_negatives=True,
                                                                      vector_size=112), (4, 5)),
    "w2vlib sg-ns, shared negatives, 128 dimensions": ("w2vlib", dict(sg=1, hs=0, negative=5,
                                                                      shared_negatives=True,
                                                                      vector_size=128), (4,)),
    # stronger subsampling of frequent words than gensim's default 1e-3: fewer words trained
    "w2vlib sg-ns, shared negatives, sample 5e-4": ("w2vlib", dict(sg=1, hs=0, negative=5,
                                                                   shared_negatives=True,
                                                                   sample=5e-4), (4, 5)),
    "w2vlib sg-ns, shared negatives, 112 dimensions, sample 5e-4": (
        "w2vlib", dict(sg=1, hs=0, negative=5, shared_negatives=True, vector_size=112,
                       sample=5e-4), (3, 4)),
    "w2vlib sg-ns, shared negatives, 128 dimensions, sample 5e-4": (
        "w2vlib", dict(sg=1, hs=0, negative=5, shared_negatives=True, vector_size=128,
                       sample=5e-4), (3, 4)),
    "w2vlib sg-ns, shared negatives, alpha 0.05": ("w2vlib", dict(sg=1, hs=0, negative=5,
                                                                  shared_negatives=True,
                                                                  alpha=0.05), (3, 4)),
    "w2vlib cbow-ns, corrected, alpha 0.075": ("w2vlib", dict(sg=0, hs=0, negative=5,
                                                              cbow_correction=True,
                                                              alpha=0.075), (5, 10)),
}
#: gensim's defaults the configurations share (``window`` is also in the arithmetic).
COMMON = dict(vector_size=100, window=5, sample=1e-3, min_count=5)
#: The side of the square float32 matrices whose product measures the arithmetic peak.
PEAK_SIDE = 2048


def flops_per_word(settings):
    """Floating-point operations per trained word (after subsampling), expected.

    Skip-gram, per (word, context word) pair, ``window + 1`` pairs per word: for each of the
    ``1 + negative`` output rows a dot product (2d), its update (2d) and its share of the input
    row's gradient (2d); then the input row's update (d). Shared negatives compute the same
    products (a window's context rows each meet the same output rows). CBOW, per word: the
    ``window + 1`` context rows summed (d each) and scaled (d), the ``1 + negative`` output rows
    as above (6d each), and the gradient added to each context row (d each)."""
    d, outputs, contexts = settings["vector_size"], 1 + settings["negative"], settings["window"] + 1
    if settings["sg"]:
        return contexts * (6 * d * outputs + d)
    return 2 * contexts * d + d + 6 * d * outputs


def arithmetic_peak(repeats=3):
    """GFLOP/s of a float32 matrix product (numpy's BLAS, on its default threads), best of
    `repeats`."""
    a = np.random.default_rng(0).random((PEAK_SIDE, PEAK_SIDE), dtype=np.float32)
    a @ a    # warm up (threads started, pages touched)
    best = min(timed(lambda: a @ a)[1] for _ in range(repeats))
    return 2 * PEAK_SIDE ** 3 / best / 1e9


def train(library, path, settings, epochs):
    """Train one model: ``(vectors, train seconds, words trained, raw words)``."""
    if library == "gensim":
        from gensim.models import Word2Vec as GWord2Vec
        from gensim.models.word2vec import LineSentence
        model = GWord2Vec(**settings)
        model.build_vocab(LineSentence(str(path)))
        (trained, raw), seconds = timed(lambda: model.train(
            LineSentence(str(path)), total_examples=model.corpus_count, epochs=epochs))
    else:
        from w2vlib import Word2Vec
        model = Word2Vec(**settings)
        model.build_vocab(corpus_file=str(path))
        (trained, raw), seconds = timed(lambda: model.train(
            corpus_file=str(path), total_words=model.corpus_total_words, epochs=epochs))
    return model.wv, seconds, trained, raw


def measure(path, configs, seeds, workers, eval_dir):
    """``{config: {epochs: {"seeds", "seconds", "trained_words", "raw_words", "analogy",
    "ws353"}}}``: each configuration trained and evaluated once per epoch count and seed,
    printed as it goes."""
    figures = {}
    for seed in seeds:
        for name in configs:
            library, extra, epoch_counts = CONFIGS[name]
            for epochs in epoch_counts:
                settings = dict(COMMON, workers=workers, seed=seed, **extra)
                wv, seconds, trained, raw = train(library, path, settings, epochs)
                analogy, ws353 = evaluate(wv.index_to_key, wv.vectors, eval_dir)
                entry = figures.setdefault(name, {}).setdefault(str(epochs), {
                    "seeds": [], "seconds": [], "trained_words": [], "raw_words": [],
                    "analogy": [], "ws353": []})
                for key, value in (("seeds", seed), ("seconds", seconds), ("trained_words", trained),
                                   ("raw_words", raw), ("analogy", analogy), ("ws353", ws353)):
                    entry[key].append(value)
                print(f"seed {seed}, {name}, {epochs} epochs: {seconds:.1f} s, "
                      f"{100 * analogy:.2f}% / {ws353:.3f}", flush=True)
    return figures


def parser():
    """The command line (``--help`` explains every option)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_arguments(p, "the decompressed and cut corpus copies")
    p.add_argument("--configs", type=names(list(CONFIGS), ";"), default=list(CONFIGS),
                   metavar="NAMES", help=f"configurations separated by semicolons (their names hold "
                                         f"commas; default: all: {'; '.join(CONFIGS)})")
    p.add_argument("--seeds", type=lambda text: [int(s) for s in text.split(",")], default=[1, 2, 3],
                   metavar="N,N", help="seeds, comma-separated (default: 1,2,3)")
    p.add_argument("--workers", type=int, default=usable_cpus(), metavar="N",
                   help="threads of every library (default: the CPUs usable, %(default)s)")
    p.add_argument("--analogy-tolerance", type=float, default=0.5, metavar="POINTS",
                   help="reaching gensim's analogy: at most this many points below (default 0.5)")
    p.add_argument("--ws353-tolerance", type=float, default=0.01, metavar="X",
                   help="reaching gensim's WS353: at most this much below (default 0.01)")
    results.add_out_argument(p, "the time_to_quality section")
    return p


def main(argv=None):
    """Measure every configuration, print the table, write the results section."""
    args = parser().parse_args(argv)
    if REFERENCE not in args.configs:
        args.configs.insert(0, REFERENCE)
    path = corpus_file(args.corpus, args.workdir, args.tokens)
    peak = arithmetic_peak()
    figures = measure(path, args.configs, args.seeds, args.workers, args.eval_dir)
    epochs, first = next(iter(figures[REFERENCE].items()))
    section = {"run": results.run_info(corpus=str(args.corpus),
                                       corpus_words=first["raw_words"][0] // int(epochs),
                                       workers=args.workers),
               "reference": REFERENCE, "settings": dict(COMMON),
               "tolerance": {"analogy_points": args.analogy_tolerance,
                             "ws353": args.ws353_tolerance},
               "peak_gflops": peak,
               "configs": {name: {"flops_per_word": flops_per_word(dict(COMMON, **CONFIGS[name][1])),
                                  "epochs": figures[name]} for name in args.configs}}
    print("\n".join(["", *plot.time_to_quality_table(section)]))
    results.update(args.out, {"time_to_quality": section})
    print(f"\n(results in {args.out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
