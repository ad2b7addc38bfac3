"""Nearest-neighbour queries: exact (w2vlib and gensim, one query at a time), exact batch
(``KeyedVectors.most_similar_batch``), gensim's AnnoyIndexer and w2vlib's HnswIndexer.

Two sets, side by side in one run:

* ``clustered``: ``--rows`` x ``--dims`` vectors (1M x 300 by default) from a seeded Gaussian
  mixture: ``--centres`` centres drawn from N(0, 1), each vector a centre (chosen uniformly)
  plus N(0, ``--spread``²) noise in every dimension. With the default spread (0.5) a vector's
  cosine is about 0.9 with its own centre, 0.8 with the other vectors of its cluster and about
  0 with the rest, so neighbourhoods are clusters, as in trained embeddings (uniform noise would
  have no neighbourhoods worth finding), and the 10 nearest are among a few hundred similar
  vectors (1M rows, 3000 centres), which makes them hard to find exactly.
* ``trained``: a model trained here on the demo corpus shipped with w2vlib (sg, negative
  sampling, 100 dimensions, 5 epochs), or the vectors file ``--model``.

Queries: ``--queries`` rows of the set, drawn with a seed (the same for every method); each is
searched as a key, so the exact methods leave the key itself out and the indexes, as in gensim,
return it first (recall is counted over the 10 neighbours other than the key). For each method
it reports recall@10 against exact search, queries/s, build time and the memory the method adds
(RSS growth for building an index, the index file's size), then the ratios the targets are
about: the HNSW index (at HnswIndexer's default efSearch) against exact single queries (target: recall ≥ 0.95 at ≥ 50x the queries/s)
and the exact batch against gensim's single-query loop (target ≥ 10x). gensim's single queries
run on ``--gensim-queries`` of the queries (they are slow); every rate is queries per second.

annoy_gensim needs the annoy package (``pip install "w2vlib[annoy]"``, built from source with a
C++ compiler); without it that method is left out, with a note, and the others run.

Writes the ``neighbours`` section of the results file (``--out``; see results.py).

    python benchmarks/bench_neighbours.py                 # the record run (1M x 300, ~1 hour)
    python benchmarks/bench_neighbours.py --rows 100000 --out /tmp/results.json   # a quick check
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

import results
from w2vlib import KeyedVectors, Word2Vec, datapath
from w2vlib.corpora import LineSentence
from w2vlib.similarities import AnnoyIndexer, HnswIndexer

MB = 1 << 20
TOPN = 10
SEED = 0
#: The model trained on the demo corpus for the ``trained`` set.
TRAINED_SETTINGS = {"sg": 1, "negative": 5, "vector_size": 100, "window": 5, "min_count": 5,
                    "epochs": 5, "seed": 1}
METHODS = ("exact_w2vlib", "exact_gensim", "batch_w2vlib", "annoy_gensim", "hnsw_w2vlib")
ANNOY_MISSING_NOTE = ('note: annoy_gensim left out: the annoy package is not installed '
                      '(pip install "w2vlib[annoy]", which builds it with a C++ compiler)')


def have_annoy():
    """Whether annoy imports (gensim's AnnoyIndexer imports it only when it builds an index)."""
    try:
        import annoy  # noqa: F401
    except ImportError:
        return False
    return True


def clustered(rows, dims, centres, spread, seed=SEED):
    """The generated set: a Gaussian mixture (see the module docstring), float32."""
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((centres, dims), dtype=np.float32)
    vectors = np.empty((rows, dims), dtype=np.float32)
    block = 100_000
    for start in range(0, rows, block):
        end = min(rows, start + block)
        vectors[start:end] = means[rng.integers(0, centres, end - start)]
        vectors[start:end] += spread * rng.standard_normal((end - start, dims), dtype=np.float32)
    kv = KeyedVectors(dims)
    kv.add_vectors([f"w{i}" for i in range(rows)], vectors)
    return kv


def trained(model_path, workdir, workers):
    """The vectors of `model_path`, or of a model trained on the demo corpus (cached)."""
    if model_path:
        return KeyedVectors.load(model_path) if model_path.endswith(".kv") else \
            KeyedVectors.load_word2vec_format(model_path, binary=model_path.endswith(".bin"))
    cached = os.path.join(workdir, "demo_vectors.kv")
    if not os.path.exists(cached):
        model = Word2Vec(LineSentence(datapath("demo_corpus.txt.xz")), workers=workers, **TRAINED_SETTINGS)
        model.wv.save(cached)
    return KeyedVectors.load(cached)


def rss_mb():
    """The current RSS of this process (Linux), else 0."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration):
        return 0.0


def gensim_vectors(kv, workdir, name):
    """gensim's KeyedVectors with the same keys and vectors (through a word2vec binary file)."""
    from gensim.models import KeyedVectors as GensimKeyedVectors
    path = os.path.join(workdir, f"{name}.bin")
    kv.save_word2vec_format(path, binary=True)
    theirs = GensimKeyedVectors.load_word2vec_format(path, binary=True)
    os.remove(path)
    return theirs


def timed(function, items):
    """``(results, queries/s)`` of ``function(item)`` for each item."""
    start = time.perf_counter()
    found = [function(item) for item in items]
    return found, len(items) / (time.perf_counter() - start)


def recall(found, exact, keys):
    """Mean share of the exact 10 neighbours found (the query's own key not counted)."""
    hits = [len({k for k, _ in got if k != key} & {k for k, _ in want}) / len(want)
            for got, want, key in zip(found, exact, keys)]
    return float(np.mean(hits))


def measure_set(name, kv, args, workdir):
    """One set's entry: every method's recall@10, queries/s, build s and memory MB."""
    rng = np.random.default_rng(SEED)
    keys = [kv.index_to_key[i] for i in rng.choice(len(kv), min(args.queries, len(kv)), replace=False)]
    single = keys[:args.gensim_queries]
    kv.fill_norms()
    entry = {"rows": len(kv), "dims": kv.vector_size, "queries": len(keys),
             "single_queries": len(single), "methods": {}}

    def record(method, found, rate, build_s=None, memory_mb=None, queried=keys):
        entry["methods"][method] = {"recall": recall(found, exact[:len(queried)], queried),
                                    "queries_per_s": rate, "build_s": build_s, "memory_mb": memory_mb}
        print(f"| {name} | {method} | {entry['methods'][method]['recall']:.3f} | {rate:,.0f} | "
              f"{'-' if build_s is None else f'{build_s:.1f}'} | "
              f"{'-' if memory_mb is None else f'{memory_mb:.0f}'} |", flush=True)

    start = time.perf_counter()
    exact = kv.most_similar_batch(keys, topn=TOPN)
    record("batch_w2vlib", exact, len(keys) / (time.perf_counter() - start))
    found, rate = timed(lambda key: kv.most_similar(key, topn=TOPN), single)
    record("exact_w2vlib", found, rate, queried=single)
    if not args.skip_gensim:
        theirs = gensim_vectors(kv, workdir, name)
        found, rate = timed(lambda key: theirs.most_similar(key, topn=TOPN), single)
        record("exact_gensim", found, rate, queried=single)
        if args.annoy:
            from gensim.similarities.annoy import AnnoyIndexer as GensimAnnoyIndexer
            before, start = rss_mb(), time.perf_counter()
            annoy = GensimAnnoyIndexer(theirs, args.trees)
            build_s, grown = time.perf_counter() - start, rss_mb() - before
            found, rate = timed(lambda key: theirs.most_similar(key, topn=TOPN + 1, indexer=annoy), keys)
            record("annoy_gensim", found, rate, build_s, grown)
            del annoy
        del theirs
    before, start = rss_mb(), time.perf_counter()
    hnsw = HnswIndexer(kv, threads=args.threads)
    build_s, grown = time.perf_counter() - start, rss_mb() - before
    found, rate = timed(lambda key: kv.most_similar(key, topn=TOPN + 1, indexer=hnsw), keys)
    record("hnsw_w2vlib", found, rate, build_s, grown)
    for expansion in args.expansion_search:        # the same graph, other search widths
        hnsw.expansion_search = expansion
        found, rate = timed(lambda key: kv.most_similar(key, topn=TOPN + 1, indexer=hnsw), keys)
        record(f"hnsw_w2vlib_ef{expansion}", found, rate)
    path = os.path.join(workdir, f"{name}.hnsw")
    hnsw.save(path)
    entry["hnsw_file_mb"] = os.path.getsize(path) / MB
    for suffix in ("", ".dict"):
        os.remove(path + suffix)
    methods = entry["methods"]
    entry["ratios"] = {
        "hnsw_vs_exact_single": methods["hnsw_w2vlib"]["queries_per_s"] / methods["exact_w2vlib"]["queries_per_s"],
        "batch_vs_gensim_single": (methods["batch_w2vlib"]["queries_per_s"] / methods["exact_gensim"]["queries_per_s"]
                                   if "exact_gensim" in methods else None)}
    return entry


def parser():
    """The command line (``--help`` explains every option)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000, metavar="N", help="rows of the clustered set (default: 1,000,000)")
    p.add_argument("--dims", type=int, default=300, metavar="N", help="its dimensions (default: 300)")
    p.add_argument("--centres", type=int, default=3000, metavar="N", help="its Gaussian centres (default: 3000)")
    p.add_argument("--spread", type=float, default=0.5, metavar="S", help="its per-dimension noise (default: 0.5)")
    p.add_argument("--model", metavar="FILE", help="vectors of the trained set (.kv native, .bin binary, else text); "
                   "default: train on the demo corpus")
    p.add_argument("--queries", type=int, default=2000, metavar="N", help="queries per set (default: 2000)")
    p.add_argument("--gensim-queries", type=int, default=200, metavar="N",
                   help="of them, asked one at a time of exact w2vlib and gensim (default: 200)")
    p.add_argument("--trees", type=int, default=100, metavar="N", help="trees of gensim's AnnoyIndexer (default: 100)")
    p.add_argument("--expansion-search", type=lambda text: [int(v) for v in text.split(",") if v], default=[],
                   metavar="N,N", help="also query the HNSW index with these efSearch values "
                   f"(methods hnsw_w2vlib_efN; default: only HnswIndexer's {HnswIndexer.EXPANSION_SEARCH})")
    p.add_argument("--threads", type=int, default=0, metavar="N", help="threads building the HNSW index (default: all)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="threads training the demo model (default: all CPUs)")
    p.add_argument("--sets", default="clustered,trained", help="sets to measure (default: %(default)s)")
    p.add_argument("--skip-gensim", action="store_true", help="no gensim methods (no exact_gensim, annoy_gensim)")
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "w2vlib_bench"), metavar="DIR",
                   help="folder for the trained model and temporary files (default: %(default)s)")
    results.add_out_argument(p, "the neighbours section")
    return p


def main(argv=None):
    """Measure every method on each set, print the table, write the ``neighbours`` section."""
    args = parser().parse_args(argv)
    os.makedirs(args.workdir, exist_ok=True)
    sets = [name for name in args.sets.split(",") if name]
    args.annoy = not args.skip_gensim and have_annoy()
    if not args.skip_gensim and not args.annoy:
        print(ANNOY_MISSING_NOTE, end="\n\n", flush=True)
    print("| set | method | recall@10 | queries/s | build s | memory MB |")
    print("|---|---|---:|---:|---:|---:|")
    entries = {}
    for name in sets:
        kv = clustered(args.rows, args.dims, args.centres, args.spread) if name == "clustered" else \
            trained(args.model, args.workdir, args.workers)
        entries[name] = measure_set(name, kv, args, args.workdir)
        del kv
    print()
    for name, entry in entries.items():
        methods, ratios = entry["methods"], entry["ratios"]
        print(f"{name}: HNSW recall@10 {methods['hnsw_w2vlib']['recall']:.3f} (target >= 0.95) at "
              f"{ratios['hnsw_vs_exact_single']:.0f}x exact single queries/s (target >= 50x)"
              + ("" if ratios["batch_vs_gensim_single"] is None else
                 f"; exact batch {ratios['batch_vs_gensim_single']:.0f}x gensim's single-query loop (target >= 10x)"))
    settings = {"topn": TOPN, "centres": args.centres, "spread": args.spread, "trees": args.trees,
                "hnsw": {"connectivity": HnswIndexer.CONNECTIVITY, "expansion_add": HnswIndexer.EXPANSION_ADD,
                         "expansion_search": HnswIndexer.EXPANSION_SEARCH},
                "trained": args.model or "demo corpus: " + ", ".join(f"{k}={v}" for k, v in TRAINED_SETTINGS.items())}
    results.update(args.out, {"neighbours": {"run": results.run_info(), "settings": settings, "sets": entries}})
    print(f"(results in {args.out})")


if __name__ == "__main__":
    sys.exit(main())
