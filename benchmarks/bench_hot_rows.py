"""What the private hot rows change: speed, and quality against gensim.

With several workers, w2vlib keeps worker-private copies of the hot output rows — the Huffman
inner nodes closest to the root, and the syn1neg rows of the most frequent words — and merges
them every ``MERGE_EVERY`` examples (``w2vlib._train.HOT_NODES``, ``HOT_WORDS`` and
``MERGE_EVERY``; see "Hot rows" in ``w2vlib/_inner.pyx``). This script runs, side by side in one
run on the same corpus (gensim defaults except ``workers``):

* speed: raw words/s of one epoch for each ``--settings`` entry ``HOT_NODES:HOT_WORDS:MERGE_EVERY``
  (``0:0:0`` is in-place updates, as word2vec.c and gensim do) and for gensim 4.4 (the better of
  its iterable and corpus_file modes), best of ``--repeats`` runs interleaved between them;
* quality: analogy accuracy (restrict_vocab=30000) and WS353 Spearman after ``--epochs`` epochs
  for each setting and for gensim 4.4 (iterable mode, the reference), per seed, all evaluated by
  the same code.

    python benchmarks/bench_hot_rows.py                      # about 45 minutes
    python benchmarks/bench_hot_rows.py --seeds '' --repeats 2   # speed only, about 10 minutes
    python benchmarks/bench_hot_rows.py --repeats 0              # quality only
    python benchmarks/bench_hot_rows.py --repeats 0 --no-gensim-quality --seeds 1,2,3   # settings only
"""
import argparse
import pathlib
import sys
from unittest import mock

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_train import MODES, SHARED, corpus_file, evaluate, gensim_speed, timed


def settings_of(text):
    pairs = [tuple(int(v) for v in item.split(":")) for item in text.split(",") if item]
    if any(len(pair) != 3 for pair in pairs):
        raise SystemExit(f"--settings: expected HOT_NODES:HOT_WORDS:MERGE_EVERY items, got {text!r}")
    return pairs


def hot_rows(hot_nodes, hot_words, merge_every):
    """Patch the engine's hot-row setting for the models built inside the context."""
    from w2vlib import _train
    return mock.patch.multiple(_train, HOT_NODES=hot_nodes, HOT_WORDS=hot_words,
                               MERGE_EVERY=merge_every)


def speed(path, params, workers, setting):
    from w2vlib import Word2Vec
    with hot_rows(*setting):
        model = Word2Vec(workers=workers, **params)
        model.build_vocab(corpus_file=str(path))
        (_, raw), seconds = timed(lambda: model.train(
            corpus_file=str(path), total_words=model.corpus_total_words, epochs=1))
    return raw / seconds


def quality(path, params, workers, epochs, eval_dir, seed, setting):
    from w2vlib import Word2Vec
    with hot_rows(*setting):
        wv = Word2Vec(corpus_file=str(path), workers=workers, epochs=epochs, seed=seed, **params).wv
    return evaluate(wv.index_to_key, wv.vectors, eval_dir)


def gensim_quality(path, params, workers, epochs, eval_dir, seed):
    from gensim.models import Word2Vec as GWord2Vec
    from gensim.models.word2vec import LineSentence
    wv = GWord2Vec(LineSentence(str(path)), workers=workers, epochs=epochs, seed=seed, **params).wv
    return evaluate(wv.index_to_key, wv.vectors, eval_dir)


def label(setting):
    nodes, words, merge = setting
    return "in place" if merge == 0 else f"{nodes} nodes, {words} words / {merge}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/w2vlib_bench"))
    parser.add_argument("--tokens", type=int, default=0, help="cut the corpus to about this many tokens")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--modes", default="sg-ns,cbow-ns,sg-hs,cbow-hs")
    parser.add_argument("--settings", default="0:0:0,256:64:1024,256:64:4096")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", default="1,2", help="quality seeds ('' skips quality)")
    parser.add_argument("--eval-dir", type=pathlib.Path, default=SHARED / "eval")
    parser.add_argument("--no-gensim-quality", action="store_true",
                        help="compare the settings' quality with each other only (no gensim column)")
    args = parser.parse_args(argv)
    path = corpus_file(args.workdir, args.tokens)
    settings = settings_of(args.settings)
    seeds = [int(seed) for seed in args.seeds.split(",") if seed]
    modes = [mode for mode in args.modes.split(",") if mode]
    if args.repeats:
        print(f"speed, raw words/s, 1 epoch, workers={args.workers}, best of {args.repeats}")
        print("(in parentheses: the ratio to gensim's best mode)")
        print("| mode | gensim | " + " | ".join(label(s) for s in settings) + " |")
        print("|---|---:|" + "---:|" * len(settings))
    for mode in modes if args.repeats else ():
        theirs, best = 0.0, [0.0] * len(settings)
        for _ in range(args.repeats):
            theirs = max(theirs, *gensim_speed(path, MODES[mode], args.workers).values())
            for k, setting in enumerate(settings):
                best[k] = max(best[k], speed(path, MODES[mode], args.workers, setting))
        print(f"| {mode} | {theirs:,.0f} | " + " | ".join(f"{b:,.0f} ({b / theirs:.2f}x)" for b in best)
              + " |", flush=True)
    if not seeds:
        return
    print(f"\nquality after {args.epochs} epochs: analogy / WS353")
    columns = [label(s) for s in settings] + ([] if args.no_gensim_quality else ["gensim"])
    print("| mode | seed | " + " | ".join(columns) + " |")
    print("|---|---|" + "---:|" * len(columns))
    for mode in modes:
        for seed in seeds:
            cells = [quality(path, MODES[mode], args.workers, args.epochs, args.eval_dir, seed, s)
                     for s in settings]
            if not args.no_gensim_quality:
                cells.append(gensim_quality(path, MODES[mode], args.workers, args.epochs, args.eval_dir, seed))
            print(f"| {mode} | {seed} | " + " | ".join(f"{a:.1%} / {w:.3f}" for a, w in cells) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
