"""Training on a Dask cluster against training in one process, side by side in one run.

    python benchmarks/bench_dask.py                         # the record (see docs/distributed.md)
    python benchmarks/bench_dask.py --tokens 1000000 --quality-epochs 1 --quality-seeds 1 \\
        --models single,counts-2,rows-2,mean-2,sum-2,epoch-2,counts-8,rows-8,mean-8,epoch-8

Speed: raw words/s of one ``train()`` epoch (vocabulary built beforehand, not timed; the
replicas' start — shipping the model to the workers — is timed), best of ``--speed-repeats``
interleaved runs, for each mode of ``--speed-modes``: w2vlib in one process with ``workers=1`` and
with ``workers=2``, and w2vlib on a LocalCluster of 2 worker processes x 1 thread
(``Word2Vec(workers=1)`` trained with ``client=``, the sync policy ``--speed-sync``: by default
the trainer's).

Quality: analogy accuracy (questions-words.txt, restrict_vocab=30000) and WordSim-353 Spearman
after ``--quality-epochs`` epochs, per seed of ``--quality-seeds``, for each model of ``--models``:
``single`` is w2vlib in one process with ``--workers`` threads; ``POLICY-N`` is w2vlib on a
LocalCluster of N worker processes x 1 thread with sync policy POLICY (``counts``, the default,
``rows``, ``mean``, ``sum`` or ``epoch`` — Spark's average once per epoch). Each distributed model also records its
sync rounds: how many, raw words per round, bytes the replicas sent and received per round, and
the seconds per round. Settings are gensim's defaults otherwise (vector_size=100, window=5,
min_count=5, sample=1e-3, negative=5).

Every figure goes into the ``dask`` section of the results file ``--out`` (results.py); the
tables are printed as they are measured.
"""
import argparse
import contextlib
import pathlib
import statistics
import sys
import time

import bench_train
import results
from w2vlib._dask_combine import DEFAULT_POLICY, POLICIES

MODES = {name: bench_train.MODES[name] for name in ("sg-ns", "cbow-ns")}
#: Seconds a LocalCluster may take to start or stop.
CLUSTER_TIMEOUT = 120


def model_name(text):
    """An argparse type: ``single`` or ``POLICY-N`` (a sync policy and a number of replicas)."""
    if text == "single":
        return text
    policy, _, replicas = text.partition("-")
    if policy not in POLICIES or not replicas.isdigit() or int(replicas) < 1:
        raise argparse.ArgumentTypeError(
            f"expected single or POLICY-N with POLICY one of {', '.join(POLICIES)}, got {text!r}")
    return text


def model_list(text):
    return [model_name(name) for name in text.split(",") if name]


@contextlib.contextmanager
def cluster(replicas):
    """A client of a LocalCluster of `replicas` worker processes x 1 thread."""
    from dask.distributed import Client, LocalCluster
    local = LocalCluster(n_workers=replicas, threads_per_worker=1, processes=True,
                         dashboard_address=":0", silence_logs=40)
    try:
        with Client(local, timeout=CLUSTER_TIMEOUT) as client:
            client.wait_for_workers(replicas, timeout=CLUSTER_TIMEOUT)
            yield client
    finally:
        local.close(timeout=CLUSTER_TIMEOUT)


def epoch_speed(path, params, workers, client=None, sync_words=None, sync=None):
    """Raw words/s of one w2vlib epoch (on `client`'s workers when given, `sync_words` raw words
    per lease, sync policy `sync`), and where a distributed epoch's time went
    (``Report.shares()``; None in one process)."""
    from w2vlib import Word2Vec
    model = Word2Vec(workers=workers, **params)
    model.build_vocab(corpus_file=str(path))
    extra = {} if client is None else {"client": client, "sync_words": sync_words, "sync": sync}
    (_, raw), seconds = bench_train.timed(lambda: model.train(
        corpus_file=str(path), total_words=model.corpus_total_words, epochs=1, **extra))
    return raw / seconds, (None if client is None else model.distributed_report.shares())


def speed(path, modes, repeats, sync_words, sync=None):
    """``{mode: {"one", "two_threads", "cluster"}}``, best of `repeats` interleaved runs."""
    figures = {}
    with cluster(2) as client:
        for mode in modes:
            best, shares = {"one": 0.0, "two_threads": 0.0, "cluster": 0.0}, {}
            for _ in range(repeats):
                rates = {"one": epoch_speed(path, MODES[mode], 1)[0],
                         "two_threads": epoch_speed(path, MODES[mode], 2)[0]}
                rates["cluster"], cluster_shares = epoch_speed(path, MODES[mode], 1, client,
                                                              sync_words, sync)
                if rates["cluster"] > best["cluster"]:
                    shares = cluster_shares
                best = {name: max(best[name], rates[name]) for name in best}
            figures[mode] = {**best, "cluster_shares": shares}
            print(f"| {mode} | {best['one']:,.0f} | {best['two_threads']:,.0f} | "
                  f"{best['cluster']:,.0f} | {best['cluster'] / best['one']:.2f}x | "
                  f"{best['cluster'] / best['two_threads']:.2f}x |", flush=True)
            print(f"  {mode} cluster, shares of the epoch's wall time: "
                  + ", ".join(f"{k} {v:.1%}" for k, v in shares.items()), flush=True)
    return figures


def sync_figures(report):
    """Per-round means of a distributed model's sync rounds."""
    rounds = report.rounds
    return {"rounds": len(rounds),
            "words_per_round": statistics.mean(r[2] for r in rounds),
            "bytes_up_per_round": statistics.mean(r[3] for r in rounds),
            "bytes_down_per_round": statistics.mean(r[4] for r in rounds),
            "seconds_per_round": statistics.mean(r[5] for r in rounds)}


def quality(path, modes, models, workers, epochs, seeds, eval_dir, sync_words):
    """``({mode: {model: {"seeds", "analogy", "ws353"}}}, {mode: {model: sync figures}})``."""
    from w2vlib import Word2Vec
    figures = {mode: {model: {"seeds": list(seeds), "analogy": [], "ws353": []} for model in models}
               for mode in modes}
    syncs = {mode: {} for mode in modes}
    for model in models:
        policy, _, replicas = model.partition("-")
        with (cluster(int(replicas)) if replicas else contextlib.nullcontext()) as client:
            for mode in modes:
                for seed in seeds:
                    settings = dict(epochs=epochs, seed=seed, **MODES[mode])
                    if client is None:
                        trained = Word2Vec(corpus_file=str(path), workers=workers, **settings)
                    else:
                        trained = Word2Vec(workers=1, **settings)
                        trained.build_vocab(corpus_file=str(path), client=client)
                        trained.train(corpus_file=str(path), client=client, epochs=epochs,
                                      total_words=trained.corpus_total_words, sync=policy,
                                      sync_words=sync_words)
                        syncs[mode][model] = sync_figures(trained.distributed_report)
                    analogy, ws353 = bench_train.evaluate(trained.wv.index_to_key,
                                                          trained.wv.vectors, eval_dir)
                    figures[mode][model]["analogy"].append(analogy)
                    figures[mode][model]["ws353"].append(ws353)
                    print(f"  {mode} {model} seed {seed}: analogy {analogy:.1%}, WS353 {ws353:.3f}"
                          + (f", {syncs[mode][model]['rounds']} rounds of "
                             f"{syncs[mode][model]['bytes_up_per_round'] / 2**20:.1f} MB up / "
                             f"{syncs[mode][model]['bytes_down_per_round'] / 2**20:.1f} MB down"
                             if client is not None else ""), flush=True)
    return figures, syncs


def parser():
    """The command line (``--help`` explains every option)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", type=pathlib.Path, default=bench_train.DEFAULT_CORPUS, metavar="FILE",
                   help="text corpus, plain or .xz/.gz/.bz2 (default: Gutenberg 10M)")
    p.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/w2vlib-bench"),
                   help="folder for the decompressed corpus (outside the repository)")
    p.add_argument("--tokens", type=int, default=0, help="cut the corpus after this many tokens (0: all)")
    p.add_argument("--eval-dir", type=pathlib.Path, default=bench_train.DEFAULT_EVAL_DIR,
                   help="folder holding questions-words.txt and wordsim353.tsv")
    results.add_out_argument(p, "the dask section")
    p.add_argument("--speed-modes", type=bench_train.names(MODES), default=list(MODES),
                   help="modes timed ('' for none)")
    p.add_argument("--speed-repeats", type=int, default=3, help="interleaved timed runs per mode")
    p.add_argument("--quality-modes", type=bench_train.names(MODES), default=list(MODES),
                   help="modes whose quality is measured ('' for none)")
    p.add_argument("--models", type=model_list,
                   default=["single", "counts-2", "counts-8", "rows-8", "epoch-8"],
                   help="single and/or POLICY-N models compared for quality")
    p.add_argument("--quality-seeds", type=bench_train.seed_list, default=[1, 2],
                   help="comma-separated seeds; each model is trained once per seed")
    p.add_argument("--quality-epochs", type=int, default=5, help="epochs of each quality model")
    p.add_argument("--workers", type=int, default=2, help="threads of the single-process model")
    p.add_argument("--sync-words", type=int, default=None,
                   help="raw words per replica between syncs, in the speed and the quality runs "
                        "(default: the trainer's)")
    p.add_argument("--speed-sync", choices=POLICIES, default=None, metavar="POLICY",
                   help=f"sync policy of the cluster's speed runs, one of {', '.join(POLICIES)} "
                        f"(default: the trainer's, {DEFAULT_POLICY})")
    return p


def main(argv=None):
    """Run the measurements the options ask for and add them to the results file."""
    args = parser().parse_args(argv)
    if args.out.exists():
        try:
            results.read(args.out)
        except results.SchemaError as error:
            raise SystemExit(f"--out: {error}; remove it or pass another --out") from None
    from w2vlib import Word2Vec
    path = bench_train.corpus_file(args.corpus, args.workdir, args.tokens)
    probe = Word2Vec()
    probe.build_vocab(corpus_file=str(path))
    run = results.run_info(corpus=str(args.corpus), corpus_words=probe.corpus_total_words,
                           workers=args.workers)
    print(f"corpus: {path} ({probe.corpus_total_words:,} words), results: {args.out}\n")
    if args.speed_modes and args.speed_repeats:
        print("| mode | 1 process, workers=1 (w/s) | 1 process, workers=2 (w/s) | "
              "LocalCluster 2 x 1 (w/s) | cluster / workers=1 | cluster / workers=2 |")
        print("|---|---:|---:|---:|---:|---:|")
        figures = speed(path, args.speed_modes, args.speed_repeats, args.sync_words,
                        args.speed_sync)
        sync = {} if args.speed_sync is None else {"sync": args.speed_sync}
        results.update(args.out, {"dask": {"speed": {
            "run": run, "repeats": args.speed_repeats, "sync_words": args.sync_words or 0,
            **sync, "modes": figures}}})
    if args.quality_modes and args.models and args.quality_seeds:
        print(f"\nquality after {args.quality_epochs} epochs, seeds {args.quality_seeds}:")
        started = time.perf_counter()
        figures, syncs = quality(path, args.quality_modes, args.models, args.workers,
                                 args.quality_epochs, args.quality_seeds, args.eval_dir,
                                 args.sync_words)
        print(f"\nmean analogy accuracy / WS353 Spearman ({time.perf_counter() - started:.0f} s)\n")
        print("| mode | " + " | ".join(args.models) + " |")
        print("|---|" + "---:|" * len(args.models))
        for mode, models in figures.items():
            print(f"| {mode} | " + " | ".join(
                f"{statistics.mean(f['analogy']):.1%} / {statistics.mean(f['ws353']):.3f}"
                for f in models.values()) + " |")
        results.update(args.out, {"dask": {"quality": {
            "run": run, "epochs": args.quality_epochs, "restrict_vocab": bench_train.RESTRICT_VOCAB,
            "sync_words": args.sync_words or 0, "modes": figures, "sync": syncs}}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
