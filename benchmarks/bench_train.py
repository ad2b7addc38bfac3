"""Training speed and quality, w2vlib vs gensim 4.4, side by side in one run on the same corpus.

    python benchmarks/bench_train.py                       # full table (about 40 minutes)
    python benchmarks/bench_train.py --tokens 2000000 --quality-modes ''   # quick check
    python benchmarks/plot.py results.json docs/benchmarks.png   # after --json results.json

Speed: raw words/s over ``train()`` (vocabulary built beforehand, not timed), one epoch, best of
``--repeats`` runs interleaved between the libraries (the machine's speed drifts; build_vocab
times likewise), gensim defaults except ``workers``; gensim is timed in both its iterable
(LineSentence) and corpus_file modes and the better one is the reference. Quality: analogy accuracy (questions-words.txt,
restrict_vocab=30000) and WordSim353 Spearman after the quality epochs, averaged over
``--quality-seeds``; all models are evaluated by the same code (w2vlib's KeyedVectors, fed
gensim's vectors). gensim is trained in both modes: its iterable mode decays the learning rate as
documented (the reference), its corpus_file mode decays it only by 1/workers of each epoch (see
docs/differences.md). Memory: peak RSS of a child process training on the corpus and on the corpus
concatenated ``--memory-copies`` times. Scaling: skip-gram with negative sampling on one worker
and on ``--workers``, interleaved ``--scaling-repeats`` times, beside two references for what this
machine gives two threads: two separate one-worker models (each with the whole corpus's vocabulary)
training the two halves of the corpus at the same time (the real training path with nothing
shared), and two threads of pure arithmetic (SHA-256 of a buffer that fits in the core's own
cache; hashlib releases the GIL) against the same work on one thread. Each run also records the
share of the machine's CPU time that the hypervisor took (/proc/stat's steal column).
"""
import argparse
import json
import logging
import lzma
import pathlib
import resource
import shutil
import subprocess
import sys
import time


HERE = pathlib.Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
MODES = {"sg-ns": dict(sg=1, hs=0, negative=5), "cbow-ns": dict(sg=0, hs=0, negative=5),
         "sg-hs": dict(sg=1, hs=1, negative=0), "cbow-hs": dict(sg=0, hs=1, negative=0)}


def corpus_file(workdir, tokens):
    """The benchmark corpus, decompressed into workdir (optionally cut to about `tokens`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    full = workdir / "gutenberg_10M.txt"
    if not full.exists():
        with lzma.open(SHARED / "corpus" / "gutenberg_en_10M.txt.xz", "rb") as src, open(full, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    if not tokens:
        return full
    cut = workdir / f"gutenberg_{tokens}.txt"
    if not cut.exists():
        count = 0
        with open(full, "rb") as src, open(cut, "wb") as dst:
            for line in src:
                dst.write(line)
                count += len(line.split())
                if count >= tokens:
                    break
    return cut


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def gensim_speed(path, params, workers):
    from gensim.models import Word2Vec as GWord2Vec
    from gensim.models.word2vec import LineSentence
    best = {}
    model = GWord2Vec(workers=workers, **params)
    model.build_vocab(corpus_file=str(path))
    (_, raw), seconds = timed(lambda: model.train(
        corpus_file=str(path), total_words=model.corpus_total_words, epochs=1))
    best["corpus_file"] = raw / seconds
    model = GWord2Vec(workers=workers, **params)
    model.build_vocab(LineSentence(str(path)))
    (_, raw), seconds = timed(lambda: model.train(
        LineSentence(str(path)), total_examples=model.corpus_count, epochs=1))
    best["iterable"] = raw / seconds
    return best


def process_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def ours_speed(path, params, workers, cpu=None):
    """Raw words/s of one w2vlib epoch; appends the CPU-seconds the epoch took to `cpu` if given."""
    from w2vlib import Word2Vec
    model = Word2Vec(workers=workers, **params)
    model.build_vocab(corpus_file=str(path))
    before = process_cpu()
    (_, raw), seconds = timed(lambda: model.train(
        corpus_file=str(path), total_words=model.corpus_total_words, epochs=1))
    if cpu is not None:
        cpu.append(process_cpu() - before)
    return raw / seconds


def machine_times():
    """The machine's CPU time so far (all CPUs, in clock ticks): (total, stolen by the hypervisor)."""
    with open("/proc/stat") as stat:
        ticks = [int(field) for field in stat.readline().split()[1:]]
    return sum(ticks[:8]), ticks[7]     # user nice system idle iowait irq softirq steal


def steal_while(fn):
    """(fn's result, the share of the machine's CPU time the hypervisor took while fn ran)."""
    total, stolen = machine_times()
    result = fn()
    total_after, stolen_after = machine_times()
    return result, (stolen_after - stolen) / max(1, total_after - total)


def halves_of(path):
    """The corpus split into two files of alternate lines (written once, next to it)."""
    halves = [path.with_name(f"{path.stem}.half{k}.txt") for k in (0, 1)]
    if not all(half.exists() for half in halves):
        with open(path, "rb") as src, open(halves[0], "wb") as even, open(halves[1], "wb") as odd:
            for number, line in enumerate(src):
                (odd if number % 2 else even).write(line)
    return halves


def apart_speed(path, halves, params):
    """Raw words/s of two separate one-worker models, each training one half at the same time:
    two threads of the real training path with nothing shared, the machine's ceiling for two.
    Each model has the vocabulary of the whole corpus, so each thread's weights are as large as
    the shared model's."""
    from w2vlib import Word2Vec
    models, totals = [], []
    for half in halves:
        model = Word2Vec(workers=1, **params)
        model.build_vocab(corpus_file=str(half))
        totals.append(model.corpus_total_words)
        model.build_vocab(corpus_file=str(path))
        models.append(model)
    raw = [0, 0]

    def train(k):
        raw[k] = models[k].train(corpus_file=str(halves[k]), total_words=totals[k], epochs=1)[1]
    seconds = in_two_threads(train)   # before summing: the threads fill ``raw``
    return sum(raw) / seconds


def in_two_threads(work):
    """Seconds to run ``work(0)`` and ``work(1)`` on two threads at once."""
    import threading
    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]

    def run():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return timed(run)[1]


def arithmetic_scaling(megabytes=1500):
    """Two threads of pure arithmetic with nothing shared against the same work on one thread:
    SHA-256 of a 1 MiB buffer (in the core's own cache) ``megabytes`` times per thread; hashlib
    releases the GIL while it hashes. Returns the ratio of two threads' throughput to one's."""
    import hashlib
    import os
    buffers = [os.urandom(1 << 20) for _ in range(2)]

    def work(k):
        for _ in range(megabytes):
            hashlib.sha256(buffers[k]).digest()
    _, one = timed(lambda: work(0))
    return 2 * one / in_two_threads(work)


def scaling(path, workers, repeats):
    """sg-ns with 1 and with `workers` workers, two separate one-worker models on the halves, and
    two threads of arithmetic, interleaved; each run with the hypervisor's steal share. Returns
    the figures (words/s lists; ratios for "arithmetic")."""
    params, halves = MODES["sg-ns"], halves_of(path)
    runs = {"one": [], "many": [], "apart": [], "arithmetic": [], "steal one": [], "steal many": [],
            "steal apart": [], "steal arithmetic": [], "cpu one": [], "cpu many": []}
    for _ in range(repeats):
        for name, run in (("one", lambda: ours_speed(path, params, 1, runs["cpu one"])),
                          ("many", lambda: ours_speed(path, params, workers, runs["cpu many"])),
                          ("apart", lambda: apart_speed(path, halves, params)),
                          ("arithmetic", arithmetic_scaling)):
            rate, steal = steal_while(run)
            runs[name].append(rate)
            runs[f"steal {name}"].append(steal)
    return runs


def report_scaling(runs, workers):
    import statistics
    one, many, apart = (max(runs[name]) for name in ("one", "many", "apart"))
    pairs = [m / o for o, m in zip(runs["one"], runs["many"])]
    apart_pairs = [a / o for o, a in zip(runs["one"], runs["apart"])]
    print(f"\nsg-ns scaling: 1 worker {one:,.0f} w/s, {workers} workers {many:,.0f} w/s "
          f"({many / one:.2f}x, best of {len(pairs)} each)")
    print(f"  per repeat, {workers} workers / 1 worker: median {statistics.median(pairs):.2f}x "
          f"(range {min(pairs):.2f}-{max(pairs):.2f})")
    print(f"  two separate 1-worker models on the halves at once (nothing shared): {apart:,.0f} w/s "
          f"({apart / one:.2f}x 1 worker; per repeat median {statistics.median(apart_pairs):.2f}x, "
          f"range {min(apart_pairs):.2f}-{max(apart_pairs):.2f})")
    arithmetic = runs["arithmetic"]
    print(f"  two threads of arithmetic (SHA-256, nothing shared) / one thread: per repeat median "
          f"{statistics.median(arithmetic):.2f}x (range {min(arithmetic):.2f}-{max(arithmetic):.2f})")
    print("  hypervisor steal, share of the machine's CPU time, mean (max): " + ", ".join(
        f"{label} {statistics.mean(runs['steal ' + name]):.1%} ({max(runs['steal ' + name]):.1%})"
        for name, label in (("one", "1 worker"), ("many", f"{workers} workers"),
                            ("apart", "separate models"), ("arithmetic", "arithmetic"))))
    print(f"  CPU-seconds of the epoch, min-max: 1 worker {min(runs['cpu one']):.1f}-{max(runs['cpu one']):.1f}, "
          f"{workers} workers {min(runs['cpu many']):.1f}-{max(runs['cpu many']):.1f}")


def evaluate(keys, vectors, eval_dir):
    """Analogy accuracy and WS353 Spearman, computed by w2vlib for any model's vectors."""
    from w2vlib import KeyedVectors
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(keys), vectors)
    analogy, _ = kv.evaluate_word_analogies(str(eval_dir / "questions-words.txt"), restrict_vocab=30000)
    pairs = kv.evaluate_word_pairs(str(eval_dir / "wordsim353.tsv"))
    return analogy, pairs[1][0]


def quality(path, params, workers, epochs, eval_dir, seed):
    """``{model: (analogy, ws353)}`` for w2vlib and both gensim modes trained with `seed`."""
    from gensim.models import Word2Vec as GWord2Vec
    from gensim.models.word2vec import LineSentence
    from w2vlib import Word2Vec
    settings = dict(workers=workers, epochs=epochs, seed=seed, **params)
    models = {"w2vlib": Word2Vec(corpus_file=str(path), **settings).wv,
              "gensim": GWord2Vec(LineSentence(str(path)), **settings).wv,
              "gensim corpus_file": GWord2Vec(corpus_file=str(path), **settings).wv}
    return {name: evaluate(wv.index_to_key, wv.vectors, eval_dir) for name, wv in models.items()}


def mean_quality(path, params, workers, epochs, eval_dir, seeds):
    """Per model: (mean analogy, mean WS353, per-seed figures) over `seeds`."""
    runs = [quality(path, params, workers, epochs, eval_dir, seed) for seed in seeds]
    return {name: (sum(run[name][0] for run in runs) / len(runs),
                   sum(float(run[name][1]) for run in runs) / len(runs),
                   [(run[name][0], float(run[name][1])) for run in runs]) for name in runs[0]}


def build_vocab_speed(path):
    from gensim.models import Word2Vec as GWord2Vec
    from w2vlib import Word2Vec
    _, theirs = timed(lambda: GWord2Vec().build_vocab(corpus_file=str(path)))
    _, ours = timed(lambda: Word2Vec().build_vocab(corpus_file=str(path)))
    return ours, theirs


def peak_rss_training(path, mode, workers):
    """Peak RSS (MB) of a fresh process that trains one epoch on `path`."""
    code = (
        "import resource, sys; from w2vlib import Word2Vec; "
        f"Word2Vec(corpus_file=sys.argv[1], workers={workers}, epochs=1, **{MODES[mode]!r}); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/w2vlib_bench"))
    parser.add_argument("--tokens", type=int, default=0, help="cut the corpus to about this many tokens")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3,
                        help="each speed figure is the best of this many interleaved runs")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--scaling-repeats", type=int, default=5,
                        help="interleaved runs of the scaling check (0 skips it)")
    parser.add_argument("--quality-modes", default="sg-ns,cbow-ns")
    parser.add_argument("--quality-epochs", type=int, default=5)
    parser.add_argument("--quality-seeds", default="1,2", help="seeds to average quality over")
    parser.add_argument("--memory-copies", type=int, default=10, help="0 skips the memory check")
    parser.add_argument("--eval-dir", type=pathlib.Path, default=SHARED / "eval")
    parser.add_argument("--json", type=pathlib.Path, help="also write the figures here (for plot.py)")
    args = parser.parse_args(argv)
    results = {"speed": {}, "quality": {}, "quality_runs": {}, "quality_epochs": args.quality_epochs}
    logging.basicConfig(level=logging.WARNING)
    path = corpus_file(args.workdir, args.tokens)
    modes = [m for m in args.modes.split(",") if m]
    print(f"corpus: {path} ({path.stat().st_size / 1e6:.1f} MB), workers={args.workers}\n")

    print("| mode | gensim iterable (w/s) | gensim corpus_file (w/s) | w2vlib (w/s) | ratio vs gensim best |")
    print("|---|---:|---:|---:|---:|")
    for mode in modes:
        theirs, ours = {"iterable": 0.0, "corpus_file": 0.0}, 0.0
        for _ in range(args.repeats):   # interleaved: a slow spell of the machine hits both
            for feed, rate in gensim_speed(path, MODES[mode], args.workers).items():
                theirs[feed] = max(theirs[feed], rate)
            ours = max(ours, ours_speed(path, MODES[mode], args.workers))
        best = max(theirs.values())
        results["speed"][mode] = {"gensim": best, "w2vlib": ours}
        print(f"| {mode} | {theirs['iterable']:,.0f} | {theirs['corpus_file']:,.0f} | {ours:,.0f} "
              f"| {ours / best:.2f}x |", flush=True)

    if args.scaling_repeats:
        results["scaling"] = scaling(path, args.workers, args.scaling_repeats)
        report_scaling(results["scaling"], args.workers)

    ours = theirs = float("inf")
    for _ in range(args.repeats):
        mine, gensims = build_vocab_speed(path)
        ours, theirs = min(ours, mine), min(theirs, gensims)
    print(f"build_vocab(corpus_file): w2vlib {ours:.2f}s, gensim {theirs:.2f}s ({theirs / ours:.1f}x faster; "
          f"best of {args.repeats})")

    quality_modes = [m for m in args.quality_modes.split(",") if m]
    seeds = [int(seed) for seed in args.quality_seeds.split(",") if seed]
    if quality_modes:
        print(f"\nquality after {args.quality_epochs} epochs, mean of seeds {seeds} "
              "(analogy accuracy / WS353 Spearman)\n")
        print("| mode | w2vlib | gensim iterable | gensim corpus_file | w2vlib - gensim iterable |")
        print("|---|---:|---:|---:|---:|")
    for mode in quality_modes:
        figures = mean_quality(path, MODES[mode], args.workers, args.quality_epochs,
                               args.eval_dir, seeds)
        results["quality"][mode] = {name: [a, w] for name, (a, w, _) in figures.items()}
        results["quality_runs"][mode] = {name: runs for name, (_, _, runs) in figures.items()}
        (oa, ow, _), (ga, gw, _), (ca, cw, _) = (figures[name] for name in
                                                 ("w2vlib", "gensim", "gensim corpus_file"))
        print(f"| {mode} | {oa:.1%} / {ow:.3f} | {ga:.1%} / {gw:.3f} | {ca:.1%} / {cw:.3f} "
              f"| {100 * (oa - ga):+.1f} points / {ow - gw:+.3f} |", flush=True)

    if args.memory_copies:
        big = args.workdir / f"{path.stem}_x{args.memory_copies}.txt"
        if not big.exists():
            with open(big, "wb") as dst:
                for _ in range(args.memory_copies):
                    with open(path, "rb") as src:
                        shutil.copyfileobj(src, dst, 1 << 20)
        small_rss = peak_rss_training(path, "cbow-ns", args.workers)
        big_rss = peak_rss_training(big, "cbow-ns", args.workers)
        print(f"\npeak RSS training cbow-ns 1 epoch: {path.name} {small_rss:.0f} MB, "
              f"{big.name} ({args.memory_copies}x) {big_rss:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
