"""Training speed and quality, w2vlib vs gensim 4.4, side by side in one run on the same corpus.

    python benchmarks/bench_train.py --quality-modes ''        # speed, scaling, memory (~25 min)
    python benchmarks/bench_train.py --tokens 2000000 --quality-modes '' --scaling-repeats 0
    python benchmarks/bench_train.py --kernel baseline --quality-modes '' --scaling-repeats 0 \\
        --vocab-repeats 0 --memory-copies 0                    # one kernel build's speed
    python benchmarks/plot.py benchmarks/results.json --tables # the figures as tables

Speed: raw words/s over one ``train()`` epoch (vocabulary built beforehand, not timed), best of
``--repeats`` runs interleaved between the libraries (the machine's speed drifts), gensim
defaults except ``workers``; gensim is timed in both its iterable (LineSentence) and
corpus_file modes and the better one is the reference; w2vlib in corpus_file mode, with the
kernel build ``--kernel`` names (default: the most capable one this CPU runs). build_vocab:
seconds of ``build_vocab(corpus_file=...)``, best of ``--vocab-repeats``. Scaling: skip-gram with
negative sampling on one worker and on ``--workers``, interleaved ``--scaling-repeats`` times,
beside two references for what the machine gives two threads: two separate one-worker models
(each with the whole corpus's vocabulary) training the two halves of the corpus at once (the
real training path with nothing shared), and two threads of pure arithmetic (SHA-256 of a buffer
that fits in the core's own cache; hashlib releases the GIL) against the same work on one
thread; each run records the share of the machine's CPU time the hypervisor took (/proc/stat's
steal column). Quality: analogy accuracy (questions-words.txt, restrict_vocab=30000) and
WordSim353 Spearman after ``--quality-epochs`` epochs, per seed of ``--quality-seeds``, for each
model of ``--quality-models`` (mode ``cbow-ns-corrected``: w2vlib's ``cbow_correction=True``,
kōan's corrected CBOW, against gensim's cbow-ns); every model is evaluated by the same code (w2vlib's
KeyedVectors, fed each model's vectors). gensim's iterable mode decays the learning rate as
documented (the reference); its corpus_file mode decays it only by 1/workers of each epoch
(docs/differences.md), which ``w2vlib-per-worker-alpha`` (w2vlib with that decay, for this run
only) reproduces. Memory: peak RSS of a fresh process training cbow-ns for one epoch on the
corpus and on the corpus repeated ``--memory-copies`` times.

Every figure goes into the results file ``--out`` (see results.py): the sections this run
measured replace those of the same kernel build and hot-rows setting; the rest of the file
stays. The tables are also printed as they are measured.
"""
import argparse
import hashlib
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from unittest import mock

import results

HERE = pathlib.Path(__file__).resolve().parent
#: The benchmark corpus: 10 million tokens of English Project Gutenberg books.
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "data" / "corpus" / "gutenberg_en_10M.txt.xz"
#: The evaluation sets w2vlib ships (the Google analogy set and WordSim-353).
DEFAULT_EVAL_DIR = HERE.parent / "w2vlib" / "data"
MODES = {"sg-ns": dict(sg=1, hs=0, negative=5), "cbow-ns": dict(sg=0, hs=0, negative=5),
         "sg-hs": dict(sg=1, hs=1, negative=0), "cbow-hs": dict(sg=0, hs=1, negative=0),
         # w2vlib's extension (gensim trains sg-ns beside it): one draw of negatives per window
         "sg-ns-shared": dict(sg=1, hs=0, negative=5, shared_negatives=True)}
#: The modes whose quality can be measured: those, and w2vlib's extensions (w2vlib._params) on
#: one of them; the gensim models train the mode without the extension, their reference.
QUALITY_MODES = {**MODES, "cbow-ns-corrected": dict(MODES["cbow-ns"], cbow_correction=True),
                 # kōan trains corrected CBOW at a higher learning rate (its updates are smaller)
                 "cbow-ns-corrected-alpha0.075": dict(MODES["cbow-ns"], cbow_correction=True,
                                                      alpha=0.075)}
QUALITY_MODELS = {"w2vlib": "w2vlib, corpus_file mode",
                  "gensim": "gensim, iterable mode (LineSentence): the reference",
                  "gensim-corpus_file": "gensim, corpus_file mode",
                  "w2vlib-per-worker-alpha": "w2vlib with gensim corpus_file's per-worker decay"}
#: The Google analogy set and WordSim-353, the files every model is evaluated on.
EVAL_FILES = ("questions-words.txt", "wordsim353.tsv")
#: Analogy questions are asked among the most frequent words only, as gensim's default does.
RESTRICT_VOCAB = 30000
#: The mode of the memory check: the cheapest per word, so the run is short.
MEMORY_MODE = "cbow-ns"
#: gensim's (and w2vlib's) default min_count, which the memory check scales with the copies.
MIN_COUNT = 5
COMPRESSED = (".xz", ".gz", ".bz2")
COPY_CHUNK = 1 << 20


def choose_kernel(name):
    """Select the kernel build before w2vlib is first imported.

    Parameters
    ----------
    name : str or None
        ``baseline``, ``avx2`` or ``avx512`` (sets ``W2VLIB_KERNEL``, which child processes
        inherit too); None keeps w2vlib's own choice.

    Returns
    -------
    str
        The name of the build in use.
    """
    if name:
        if "w2vlib" in sys.modules and os.environ.get("W2VLIB_KERNEL") != name:
            raise SystemExit("--kernel: w2vlib is already imported in this process")
        os.environ["W2VLIB_KERNEL"] = name
    try:
        from w2vlib import _dispatch
    except ValueError as error:   # W2VLIB_KERNEL names a build this machine cannot run
        raise SystemExit(f"--kernel: {error}") from None
    module = _dispatch.inner.__name__.rsplit(".", 1)[1]
    return next(variant for variant, name in _dispatch.VARIANTS.items() if name == module)


def set_hot_rows(setting):
    """Use the private-hot-rows setting ``(HOT_NODES, HOT_WORDS, MERGE_EVERY)`` for every model
    of this process (``w2vlib._train``'s constants; ``(0, 0, 0)``: in-place updates)."""
    from w2vlib import _train
    _train.HOT_NODES, _train.HOT_WORDS, _train.MERGE_EVERY = setting


def up_to_date(derived, source):
    """Whether the file `derived`, made from `source`, exists and is newer than it."""
    return derived.exists() and derived.stat().st_mtime >= source.stat().st_mtime


def corpus_file(source, workdir, tokens):
    """A plain-text copy of `source` that both libraries read in corpus_file mode.

    Parameters
    ----------
    source : pathlib.Path
        A text file, or one compressed as .xz, .gz or .bz2 (decompressed into `workdir` once).
    workdir : pathlib.Path
        Folder for the decompressed and cut copies.
    tokens : int
        Cut the corpus after the line that reaches this many tokens (0: whole corpus).
    """
    if not source.is_file():
        raise SystemExit(f"--corpus: {source} not found")
    workdir.mkdir(parents=True, exist_ok=True)
    full = source
    if source.suffix in COMPRESSED:
        import smart_open
        full = workdir / source.stem
        if not up_to_date(full, source):
            with smart_open.open(str(source), "rb") as src, open(full, "wb") as dst:
                shutil.copyfileobj(src, dst, COPY_CHUNK)
    if not tokens:
        return full
    cut = workdir / f"{full.stem}.{tokens}{full.suffix}"
    if not up_to_date(cut, full):
        count = 0
        with open(full, "rb") as src, open(cut, "wb") as dst:
            for line in src:
                dst.write(line)
                count += len(line.split())
                if count >= tokens:
                    break
    return cut


def timed(fn):
    """``(fn(), seconds it took)``."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def gensim_settings(settings):
    """`settings` without w2vlib's extensions: what gensim trains beside an extension's mode."""
    from w2vlib._params import EXTENSIONS
    return {name: value for name, value in settings.items() if name not in EXTENSIONS}


def gensim_speed(path, params, workers):
    """Raw words/s of one gensim epoch in each mode: ``{"gensim_corpus_file": ..., "gensim_iterable": ...}``."""
    from gensim.models import Word2Vec as GWord2Vec
    from gensim.models.word2vec import LineSentence
    params = gensim_settings(params)
    rates = {}
    model = GWord2Vec(workers=workers, **params)
    model.build_vocab(corpus_file=str(path))
    (_, raw), seconds = timed(lambda: model.train(
        corpus_file=str(path), total_words=model.corpus_total_words, epochs=1))
    rates["gensim_corpus_file"] = raw / seconds
    model = GWord2Vec(workers=workers, **params)
    model.build_vocab(LineSentence(str(path)))
    (_, raw), seconds = timed(lambda: model.train(
        LineSentence(str(path)), total_examples=model.corpus_count, epochs=1))
    rates["gensim_iterable"] = raw / seconds
    return rates


def process_cpu():
    """CPU-seconds this process has used so far (user + system)."""
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


def halves_of(path, workdir):
    """The corpus split into two files of alternate lines (written once into `workdir`)."""
    halves = [workdir / f"{path.stem}.half{k}.txt" for k in (0, 1)]
    if not all(up_to_date(half, path) for half in halves):
        with open(path, "rb") as src, open(halves[0], "wb") as even, open(halves[1], "wb") as odd:
            for number, line in enumerate(src):
                (odd if number % 2 else even).write(line)
    return halves


def in_two_threads(work):
    """Seconds to run ``work(0)`` and ``work(1)`` on two threads at once."""
    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]

    def run():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return timed(run)[1]


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


def arithmetic_scaling(megabytes):
    """Two threads of pure arithmetic with nothing shared against the same work on one thread:
    SHA-256 of a 1 MiB buffer (in the core's own cache) `megabytes` times per thread. Returns
    the ratio of two threads' throughput to one's."""
    buffers = [os.urandom(1 << 20) for _ in range(2)]

    def work(k):
        for _ in range(megabytes):
            hashlib.sha256(buffers[k]).digest()
    _, one = timed(lambda: work(0))
    return 2 * one / in_two_threads(work)


def scaling(path, workdir, workers, repeats, megabytes):
    """sg-ns with 1 and with `workers` workers, two separate one-worker models on the halves, and
    two threads of arithmetic, interleaved `repeats` times; each run with the hypervisor's steal
    share. Returns the results file's ``scaling`` figures (without ``run``)."""
    params, halves = MODES["sg-ns"], halves_of(path, workdir)
    figures = {"one": [], "many": [], "apart": [], "arithmetic": [], "cpu_one_s": [], "cpu_many_s": []}
    steal = {name: [] for name in ("one", "many", "apart", "arithmetic")}
    for _ in range(repeats):
        for name, run in (("one", lambda: ours_speed(path, params, 1, figures["cpu_one_s"])),
                          ("many", lambda: ours_speed(path, params, workers, figures["cpu_many_s"])),
                          ("apart", lambda: apart_speed(path, halves, params)),
                          ("arithmetic", lambda: arithmetic_scaling(megabytes))):
            rate, stolen = steal_while(run)
            figures[name].append(rate)
            steal[name].append(stolen)
    return {**figures, "steal": steal}


def report_scaling(figures, workers):
    """Print the scaling check's figures."""
    one, many, apart = (max(figures[name]) for name in ("one", "many", "apart"))
    pairs = [m / o for o, m in zip(figures["one"], figures["many"])]
    apart_pairs = [a / o for o, a in zip(figures["one"], figures["apart"])]
    arithmetic = figures["arithmetic"]
    print(f"\nsg-ns scaling: 1 worker {one:,.0f} w/s, {workers} workers {many:,.0f} w/s "
          f"({many / one:.2f}x, best of {len(pairs)} each)")
    print(f"  per repeat, {workers} workers / 1 worker: median {statistics.median(pairs):.2f}x "
          f"(range {min(pairs):.2f}-{max(pairs):.2f})")
    print(f"  two separate 1-worker models on the halves at once (nothing shared): {apart:,.0f} w/s "
          f"({apart / one:.2f}x 1 worker; per repeat median {statistics.median(apart_pairs):.2f}x, "
          f"range {min(apart_pairs):.2f}-{max(apart_pairs):.2f})")
    print(f"  two threads of arithmetic (SHA-256, nothing shared) / one thread: per repeat median "
          f"{statistics.median(arithmetic):.2f}x (range {min(arithmetic):.2f}-{max(arithmetic):.2f})")
    labels = {"one": "1 worker", "many": f"{workers} workers", "apart": "separate models",
              "arithmetic": "arithmetic"}
    print("  hypervisor steal, share of the machine's CPU time, mean (max): " + ", ".join(
        f"{labels[name]} {statistics.mean(shares):.1%} ({max(shares):.1%})"
        for name, shares in figures["steal"].items()))
    print(f"  CPU-seconds of the epoch, min-max: 1 worker {min(figures['cpu_one_s']):.1f}-"
          f"{max(figures['cpu_one_s']):.1f}, {workers} workers {min(figures['cpu_many_s']):.1f}-"
          f"{max(figures['cpu_many_s']):.1f}")


def evaluate(keys, vectors, eval_dir):
    """Analogy accuracy and WS353 Spearman, computed by w2vlib for any model's vectors."""
    from w2vlib import KeyedVectors
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(keys), vectors)
    analogies, word_pairs = (str(eval_dir / name) for name in EVAL_FILES)
    analogy, _ = kv.evaluate_word_analogies(analogies, restrict_vocab=RESTRICT_VOCAB)
    pairs = kv.evaluate_word_pairs(word_pairs)
    return float(analogy), float(pairs[1][0])


def per_worker_alpha(workers):
    """A patch that gives w2vlib gensim corpus_file's decay while it is active: each worker's own
    share of the epoch counts as all of it (``w2vlib._train.Schedule.alpha``)."""
    from w2vlib._train import Schedule
    shipped = Schedule.alpha

    def alpha(self, epoch, done_words, done_examples):
        return shipped(self, epoch, done_words / workers, done_examples / workers)
    return mock.patch.object(Schedule, "alpha", alpha)


def trained_vectors(model, path, settings):
    """The vectors of one model of :data:`QUALITY_MODELS` trained on `path` with `settings`."""
    if model.startswith("gensim"):
        from gensim.models import Word2Vec as GWord2Vec
        from gensim.models.word2vec import LineSentence
        settings = gensim_settings(settings)
        if model == "gensim":
            return GWord2Vec(LineSentence(str(path)), **settings).wv
        return GWord2Vec(corpus_file=str(path), **settings).wv
    from w2vlib import Word2Vec
    if model == "w2vlib":
        return Word2Vec(corpus_file=str(path), **settings).wv
    with per_worker_alpha(settings["workers"]):
        return Word2Vec(corpus_file=str(path), **settings).wv


def quality(path, mode, models, workers, epochs, eval_dir, seeds):
    """``{model: {"seeds", "analogy", "ws353"}}``: each model trained and evaluated once per seed."""
    figures = {model: {"seeds": list(seeds), "analogy": [], "ws353": []} for model in models}
    for seed in seeds:
        settings = dict(workers=workers, epochs=epochs, seed=seed, **QUALITY_MODES[mode])
        for model in models:
            wv = trained_vectors(model, path, settings)
            analogy, ws353 = evaluate(wv.index_to_key, wv.vectors, eval_dir)
            figures[model]["analogy"].append(analogy)
            figures[model]["ws353"].append(ws353)
    return figures


def build_vocab_speed(path, repeats):
    """Seconds of ``build_vocab(corpus_file=path)``, best of `repeats`: (w2vlib, gensim)."""
    from gensim.models import Word2Vec as GWord2Vec
    from w2vlib import Word2Vec
    ours = theirs = float("inf")
    for _ in range(repeats):
        theirs = min(theirs, timed(lambda: GWord2Vec().build_vocab(corpus_file=str(path)))[1])
        ours = min(ours, timed(lambda: Word2Vec().build_vocab(corpus_file=str(path)))[1])
    return ours, theirs


def peak_rss_training(path, mode, workers, hot_rows, copies=1):
    """Peak RSS (MB) of a fresh process that trains one epoch of `mode` on `path` (with the
    private-hot-rows setting `hot_rows`, None: the shipped one). `path` holds `copies` copies of
    a corpus: ``min_count`` is scaled by `copies`, so the vocabulary (and the weights) is that of
    one copy and only the corpus grows (with gensim's 5, a word seen once in the corpus would be
    kept from five copies on)."""
    setting = ("from w2vlib import _train; "
               f"_train.HOT_NODES, _train.HOT_WORDS, _train.MERGE_EVERY = {tuple(hot_rows)}\n"
               if hot_rows else "")
    code = (results.PEAK_KIB_SOURCE + "import sys\nfrom w2vlib import Word2Vec\n" + setting
            + f"model = Word2Vec(corpus_file=sys.argv[1], workers={workers}, epochs=1, "
            f"min_count={MIN_COUNT * copies}, **{MODES[mode]!r})\n"
            + "print(len(model.wv))\n"
            + "print(peak_kib() / 1024)\n")
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True)
    words, peak = out.stdout.strip().splitlines()[-2:]
    return float(peak), int(words)


def repeated(path, copies, workdir):
    """`path` concatenated `copies` times (written once into `workdir`)."""
    big = workdir / f"{path.stem}_x{copies}.txt"
    if not up_to_date(big, path):
        with open(big, "wb") as dst:
            for _ in range(copies):
                with open(path, "rb") as src:
                    shutil.copyfileobj(src, dst, COPY_CHUNK)
    return big


def names(allowed, separator=","):
    """An argparse type: a list of names from `allowed` split on `separator` ('' is none)."""
    def parse(text):
        chosen = [name.strip() for name in text.split(separator) if name.strip()]
        unknown = [name for name in chosen if name not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {unknown[0]!r} (choose from {', '.join(allowed)})")
        return chosen
    return parse


def seed_list(text):
    """An argparse type: comma-separated integer seeds."""
    try:
        return [int(seed) for seed in text.split(",") if seed]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers, got {text!r}") from None


def hot_rows_setting(text):
    """An argparse type: ``HOT_NODES:HOT_WORDS:MERGE_EVERY``, three integers >= 0."""
    try:
        setting = [int(value) for value in text.split(":")]
    except ValueError:
        setting = []
    if len(setting) != 3 or min(setting) < 0:
        raise argparse.ArgumentTypeError(f"expected HOT_NODES:HOT_WORDS:MERGE_EVERY, got {text!r}")
    return setting


def add_corpus_arguments(p, copies, eval_dir=True):
    """The options every corpus-reading tool shares: ``--corpus``, ``--tokens``, ``--workdir``
    (`copies`: what the tool keeps there) and, with `eval_dir`, ``--eval-dir``."""
    p.add_argument("--corpus", type=pathlib.Path, default=DEFAULT_CORPUS, metavar="FILE",
                   help="text corpus, one sentence per line, plain or .xz/.gz/.bz2 (default: %(default)s)")
    p.add_argument("--tokens", type=int, default=0, metavar="N",
                   help="cut the corpus after the line that reaches N tokens (default: the whole corpus)")
    p.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/w2vlib_bench"), metavar="DIR",
                   help=f"folder for {copies} (default: %(default)s)")
    if eval_dir:
        p.add_argument("--eval-dir", type=pathlib.Path, default=DEFAULT_EVAL_DIR, metavar="DIR",
                       help="folder with questions-words.txt and wordsim353.tsv (default: w2vlib's own)")


def parser():
    """The command line (``--help`` explains every option)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_arguments(p, "the decompressed, cut, halved and repeated corpus copies")
    results.add_out_argument(p, "this run's figures")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="worker threads of both libraries (default: 2)")
    p.add_argument("--kernel", choices=results.KERNELS,
                   help="w2vlib kernel build to train with (sets W2VLIB_KERNEL; default: the most "
                        "capable build this CPU runs)")
    p.add_argument("--hot-rows", type=hot_rows_setting, metavar="NODES:WORDS:MERGE",
                   help="w2vlib's private hot rows with several workers, for this run: "
                        "HOT_NODES:HOT_WORDS:MERGE_EVERY of w2vlib._train (0:0:0: in-place updates; "
                        "default: the shipped setting). Recorded as its own configuration")
    p.add_argument("--modes", type=names(MODES), default=list(MODES), metavar="LIST",
                   help="modes whose speed to time, comma-separated ('' skips; default: all four)")
    p.add_argument("--repeats", type=int, default=3, metavar="N",
                   help="each speed figure is the best of this many interleaved runs (default: 3)")
    p.add_argument("--vocab-repeats", type=int, default=3, metavar="N",
                   help="build_vocab times are the best of this many runs (0 skips; default: 3)")
    p.add_argument("--scaling-repeats", type=int, default=5, metavar="N",
                   help="interleaved repeats of the scaling check (0 skips; default: 5)")
    p.add_argument("--arithmetic-mb", type=int, default=1500, metavar="MIB",
                   help="MiB each thread hashes in the scaling check's arithmetic reference "
                        "(default: 1500)")
    p.add_argument("--quality-modes", type=names(QUALITY_MODES), default=["sg-ns", "cbow-ns"],
                   metavar="LIST", help="modes whose quality to measure: the speed modes, and "
                   "cbow-ns-corrected (w2vlib's cbow_correction=True; gensim's models train "
                   "cbow-ns) and cbow-ns-corrected-alpha0.075 (the same at alpha 0.075) ('' "
                   "skips; default: sg-ns,cbow-ns)")
    p.add_argument("--quality-models", type=names(QUALITY_MODELS), metavar="LIST",
                   default=["w2vlib", "gensim", "gensim-corpus_file"],
                   help="models trained for quality: " + "; ".join(
                       f"{name}: {text}" for name, text in QUALITY_MODELS.items())
                   + " (default: w2vlib,gensim,gensim-corpus_file)")
    p.add_argument("--quality-epochs", type=int, default=5, metavar="N",
                   help="epochs of the quality models (default: 5)")
    p.add_argument("--quality-seeds", type=seed_list, default=[1, 2], metavar="LIST",
                   help="seeds of the quality models, comma-separated (default: 1,2)")
    p.add_argument("--memory-copies", type=int, default=10, metavar="N",
                   help="the memory check also trains on the corpus repeated this many times "
                        "(0 skips; default: 10)")
    return p


def check_inputs(args):
    """Refuse, before anything is measured, a results file that does not fit the schema and
    missing evaluation sets."""
    if args.out.exists():
        try:
            results.read(args.out)
        except results.SchemaError as error:
            raise SystemExit(f"--out: {error}; remove it or pass another --out") from None
    if args.quality_modes:
        for name in EVAL_FILES:
            if not (args.eval_dir / name).is_file():
                raise SystemExit(f"--eval-dir: {args.eval_dir / name} not found")


def main(argv=None):
    """Run the measurements the options ask for and add them to the results file."""
    args = parser().parse_args(argv)
    check_inputs(args)
    kernel = choose_kernel(args.kernel)
    if args.hot_rows is not None:
        set_hot_rows(args.hot_rows)
    from w2vlib import Word2Vec
    label = kernel + (" hot-rows " + ":".join(map(str, args.hot_rows)) if args.hot_rows else "")
    path = corpus_file(args.corpus, args.workdir, args.tokens)
    probe = Word2Vec()
    probe.build_vocab(corpus_file=str(path))
    run = results.run_info(corpus=str(args.corpus), corpus_words=probe.corpus_total_words,
                           workers=args.workers)
    config = {"kernel": kernel, "hot_rows": args.hot_rows}

    def record(section, figures):
        results.update(args.out, {"train": {label: {"config": config, section: {"run": run, **figures}}}})

    print(f"corpus: {path} ({probe.corpus_total_words:,} words), workers={args.workers}, "
          f"configuration: {label}, results: {args.out}\n")
    if args.modes:
        print("| mode | gensim iterable (w/s) | gensim corpus_file (w/s) | w2vlib (w/s) | ratio vs gensim best |")
        print("|---|---:|---:|---:|---:|")
        speeds = {}
        for mode in args.modes:
            best = {"w2vlib": 0.0, "gensim_iterable": 0.0, "gensim_corpus_file": 0.0}
            for _ in range(args.repeats):   # interleaved: a slow spell of the machine hits both
                rates = {**gensim_speed(path, MODES[mode], args.workers),
                         "w2vlib": ours_speed(path, MODES[mode], args.workers)}
                best = {name: max(best[name], rates[name]) for name in best}
            speeds[mode] = best
            theirs = max(best["gensim_iterable"], best["gensim_corpus_file"])
            print(f"| {mode} | {best['gensim_iterable']:,.0f} | {best['gensim_corpus_file']:,.0f} "
                  f"| {best['w2vlib']:,.0f} | {best['w2vlib'] / theirs:.2f}x |", flush=True)
        record("speed", {"repeats": args.repeats, "modes": speeds})

    if args.scaling_repeats:
        figures = scaling(path, args.workdir, args.workers, args.scaling_repeats, args.arithmetic_mb)
        report_scaling(figures, args.workers)
        record("scaling", figures)

    if args.vocab_repeats:
        ours, theirs = build_vocab_speed(path, args.vocab_repeats)
        print(f"\nbuild_vocab(corpus_file): w2vlib {ours:.2f}s, gensim {theirs:.2f}s "
              f"({theirs / ours:.1f}x faster; best of {args.vocab_repeats})")
        record("build_vocab", {"repeats": args.vocab_repeats, "w2vlib_s": ours, "gensim_s": theirs})

    if args.quality_modes and args.quality_seeds and args.quality_models:
        print(f"\nquality after {args.quality_epochs} epochs, seeds {args.quality_seeds}, "
              "mean analogy accuracy / WS353 Spearman\n")
        print("| mode | " + " | ".join(args.quality_models) + " |")
        print("|---|" + "---:|" * len(args.quality_models))
        modes = {}
        for mode in args.quality_modes:
            modes[mode] = quality(path, mode, args.quality_models, args.workers, args.quality_epochs,
                                  args.eval_dir, args.quality_seeds)
            print(f"| {mode} | " + " | ".join(
                f"{statistics.mean(f['analogy']):.1%} / {statistics.mean(f['ws353']):.3f}"
                for f in modes[mode].values()) + " |", flush=True)
        record("quality", {"epochs": args.quality_epochs, "restrict_vocab": RESTRICT_VOCAB,
                           "modes": modes})

    if args.memory_copies:
        big = repeated(path, args.memory_copies, args.workdir)
        small_rss, words = peak_rss_training(path, MEMORY_MODE, args.workers, args.hot_rows)
        big_rss, big_words = peak_rss_training(big, MEMORY_MODE, args.workers, args.hot_rows,
                                               args.memory_copies)
        if big_words != words:
            raise RuntimeError(f"the memory check's two vocabularies differ ({words} and "
                               f"{big_words} words): the corpus is not {args.memory_copies} copies")
        print(f"\npeak RSS training {MEMORY_MODE} 1 epoch ({words} words): {path.name} "
              f"{small_rss:.0f} MB, {big.name} ({args.memory_copies}x) {big_rss:.0f} MB")
        record("memory", {"mode": MEMORY_MODE, "copies": args.memory_copies,
                          "peak_rss_mb": small_rss, "peak_rss_copies_mb": big_rss})


if __name__ == "__main__":
    main()
