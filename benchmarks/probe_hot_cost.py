"""What the private hot rows give two workers and cost one, on the real training path.

Four settings of skip-gram with negative sampling (gensim's defaults) train one epoch of the
benchmark corpus: one worker and two workers, each with in-place updates and with the shipped
private hot rows (``_train.HOT_NODES``, ``HOT_WORDS``, ``MERGE_EVERY``; training gives two
workers the private rows and one worker none). Every block runs the four settings in order and
then in reverse order, so that this machine's drift, which is slow next to one block, cancels
out of the ratios taken within a block; the script prints the median and range of each ratio
over the blocks.

    python benchmarks/probe_hot_cost.py --blocks 6 --tokens 3000000
"""
import argparse
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_train import corpus_file

SETTINGS = (("one worker, in place", 1, False), ("one worker, private rows", 1, True),
            ("two workers, in place", 2, False), ("two workers, private rows", 2, True))
RATIOS = (("two workers / one worker, as trained", "two workers, private rows", "one worker, in place"),
          ("two workers: private rows / in place", "two workers, private rows", "two workers, in place"),
          ("one worker: private rows / in place", "one worker, private rows", "one worker, in place"))


def main(argv=None):
    from w2vlib import Word2Vec, _train
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/w2vlib_bench"))
    parser.add_argument("--tokens", type=int, default=0, help="cut the corpus to about this many tokens")
    parser.add_argument("--blocks", type=int, default=6)
    args = parser.parse_args(argv)
    path = str(corpus_file(args.workdir, args.tokens))
    model = Word2Vec(sg=1, hs=0, negative=5, workers=2)
    model.build_vocab(corpus_file=path)
    hot = {"hot_nodes": _train.HOT_NODES, "hot_words": _train.HOT_WORDS,
           "merge_every": _train.MERGE_EVERY}

    def speed(workers, private):
        model.workers = workers
        model._hot_rows = (lambda: hot) if private else (lambda: {})
        start = time.perf_counter()
        _, raw = model.train(corpus_file=path, total_words=model.corpus_total_words, epochs=1)
        return raw / (time.perf_counter() - start)

    blocks = []
    for _ in range(args.blocks):
        runs = {name: [] for name, _, _ in SETTINGS}
        for name, workers, private in SETTINGS + SETTINGS[::-1]:
            runs[name].append(speed(workers, private))
        blocks.append({name: sum(rates) / len(rates) for name, rates in runs.items()})
    print(f"sg-ns, {model.corpus_total_words:,} raw words per epoch, {args.blocks} blocks")
    print("| ratio of words/s | median (range) |")
    print("|---|---:|")
    for label, top, bottom in RATIOS:
        ratios = [block[top] / block[bottom] for block in blocks]
        print(f"| {label} | {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}) |")


if __name__ == "__main__":
    main()
