"""Why gensim's corpus_file mode scores higher than its iterable mode: the learning rate.

gensim 4.4's corpus_file workers compute alpha from the words *each worker* has read against the
whole epoch's word count, so with ``workers=N`` each epoch covers only 1/N of its share of the
decay (docs/differences.md). This script trains, side by side in one run on the same corpus and
seeds (sg-ns, gensim defaults, ``workers=2``, 5 epochs):

* w2vlib as shipped (alpha from the progress of all workers together);
* w2vlib with its schedule replaced, for this run only, by gensim corpus_file's per-worker one;
* gensim in corpus_file mode;

and prints the analogy accuracy (restrict_vocab=30000) and WS353 Spearman of each, all evaluated
by the same code. If the patched w2vlib scores like gensim corpus_file, the gap between the two
gensim modes comes from the learning rate, not from the kernels.

    python benchmarks/bench_schedule.py                 # about 10 minutes
"""
import argparse
import pathlib
import sys
from unittest import mock

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_train import MODES, SHARED, corpus_file, evaluate


def per_worker_alpha(workers):
    """gensim corpus_file's alpha: each worker's own share of the epoch counts as all of it."""
    from w2vlib._train import Schedule
    shipped = Schedule.alpha

    def alpha(self, epoch, done_words, done_examples):
        return shipped(self, epoch, done_words / workers, done_examples / workers)
    return alpha


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/w2vlib_bench"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--eval-dir", type=pathlib.Path, default=SHARED / "eval")
    args = parser.parse_args(argv)
    from gensim.models import Word2Vec as GWord2Vec
    from w2vlib import Word2Vec
    from w2vlib._train import Schedule
    path = corpus_file(args.workdir, 0)
    print("| seed | w2vlib | w2vlib, gensim corpus_file's alpha | gensim corpus_file |")
    print("|---|---:|---:|---:|")
    for seed in (int(s) for s in args.seeds.split(",") if s):
        settings = dict(workers=args.workers, epochs=args.epochs, seed=seed, **MODES["sg-ns"])
        shipped = Word2Vec(corpus_file=str(path), **settings).wv
        with mock.patch.object(Schedule, "alpha", per_worker_alpha(args.workers)):
            patched = Word2Vec(corpus_file=str(path), **settings).wv
        theirs = GWord2Vec(corpus_file=str(path), **settings).wv
        cells = [evaluate(wv.index_to_key, wv.vectors, args.eval_dir) for wv in (shipped, patched, theirs)]
        print(f"| {seed} | " + " | ".join(f"{a:.1%} / {w:.3f}" for a, w in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
